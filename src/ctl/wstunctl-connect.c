/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl connect URL...: org.wstun.Connect, then wait for the tunnel */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

#include "wstun-dbus-names.h"
#include "wstun-token-file.h"

#define DEFAULT_TIMEOUT_SECONDS 30

static gboolean
is_final (const char *state)
{
  return g_strcmp0 (state, "connected") == 0 || g_strcmp0 (state, "failed") == 0 ||
         g_strcmp0 (state, "disconnected") == 0;
}

static gboolean
has_owner (WstunExportedConnection *connection)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (connection));

  return owner != NULL;
}

/* One connect: the Connect call, then the wait for the tunnel, in one
 * main loop that SIGINT and SIGTERM also stop. */
typedef struct {
  GMainLoop *loop;
  WstunCtlInterrupt *interrupt;
  GVariant *reply;
  GError *error;
  gboolean replied;
  WstunExportedConnection *connection;
  gboolean timed_out;
} Connect;

static void
connect_clear (Connect *self)
{
  g_clear_pointer (&self->interrupt, wstunctl_interrupt_free);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->reply, g_variant_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->connection);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Connect, connect_clear)

static void
on_connect_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Connect *self = user_data;

  self->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &self->error);
  self->replied = TRUE;
  g_main_loop_quit (self->loop);
}

/* Calls Connect and waits for its reply. A signal meanwhile cannot undo
 * the call, so the reply is still awaited (and the new connection then
 * removed by the caller); a second one gives up at once. Returns FALSE
 * for that. */
static gboolean
call_connect (WstunCtl *ctl, Connect *self, GVariant *settings)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (ctl->bus_type, NULL, &self->error);
  gboolean warned = FALSE;

  if (bus == NULL) {
    g_variant_unref (g_variant_ref_sink (settings));
    self->replied = TRUE;
    return TRUE;
  }
  g_dbus_connection_call (bus, WSTUN_DBUS_NAME, WSTUN_DBUS_PATH, WSTUN_DBUS_INTERFACE, "Connect",
                          g_variant_new ("(@a{sv})", settings), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                          WSTUNCTL_CALL_TIMEOUT_MS, NULL, on_connect_reply, self);
  while (!self->replied) {
    g_main_loop_run (self->loop);
    if (self->replied)
      break;
    if (wstunctl_interrupt_get_count (self->interrupt) > 1)
      return FALSE;
    if (!warned)
      wstunctl_warn ("%s", _ ("interrupted: the connection is removed as soon as wstund answers "
                              "(interrupt again to quit now)"));
    warned = TRUE;
  }
  return TRUE;
}

static void
on_change (GObject *object, GParamSpec *pspec, Connect *self)
{
  (void) object;
  (void) pspec;
  if (is_final (wstun_exported_connection_get_state (self->connection)) ||
      !has_owner (self->connection))
    g_main_loop_quit (self->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Connect *self = user_data;

  self->timed_out = TRUE;
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* Waits until the connection at @path is connected or has failed, the
 * time is up or a signal came. */
static gboolean
wait_for (WstunCtl *ctl, Connect *self, const char *path, guint timeout, GError **error)
{
  guint timer;

  self->connection = wstun_exported_connection_proxy_new_for_bus_sync (
    ctl->bus_type, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, WSTUN_DBUS_NAME, path, NULL, error);
  if (self->connection == NULL)
    return FALSE;
  if (!has_owner (self->connection) ||
      is_final (wstun_exported_connection_get_state (self->connection)))
    return TRUE;

  g_signal_connect (self->connection, "notify::state", G_CALLBACK (on_change), self);
  g_signal_connect (self->connection, "notify::g-name-owner", G_CALLBACK (on_change), self);
  timer = g_timeout_add_seconds (timeout, on_timeout, self);
  g_main_loop_run (self->loop);
  if (!self->timed_out)
    g_source_remove (timer);
  g_signal_handlers_disconnect_by_data (self->connection, self);
  return TRUE;
}

static void
print_connected (WstunCtl *ctl, WstunExportedConnection *connection)
{
  g_autofree char *url = NULL, *interface = NULL, *joined = NULL, *address = NULL, *path = NULL;
  const char *address4 = wstun_exported_connection_get_address4 (connection);
  const char *address6 = wstun_exported_connection_get_address6 (connection);

  if (ctl->json) {
    g_autoptr (JsonNode) node = wstunctl_connection_to_json (connection);
    wstunctl_print_json (node);
    return;
  }
  url = wstunctl_text (wstun_exported_connection_get_url (connection), FALSE);
  interface = wstunctl_text (wstun_exported_connection_get_interface (connection), FALSE);
  joined = g_strdup_printf ("%s%s%s", address4, *address4 != '\0' && *address6 != '\0' ? " " : "",
                            address6);
  address = wstunctl_text (joined, FALSE);
  path = wstunctl_text (g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection)), FALSE);
  g_print (_ ("Connected to %s on %s: %s (%s)\n"), url, interface, address, path);
}

/* Best effort: a failed connection would otherwise stay listed a while. */
static void
forget (WstunCtl *ctl, const char *path)
{
  g_autoptr (GVariant) reply = NULL;

  reply = wstunctl_call (ctl, path, WSTUN_DBUS_CONNECTION_INTERFACE, "Disconnect", NULL, NULL);
}

/* A signal stopped the command: remove the connection it made, if any,
 * and exit as the signal would have */
static int
interrupted (WstunCtl *ctl, Connect *self, const char *path)
{
  int signum = wstunctl_interrupt_get_signal (self->interrupt);
  const char *name = signum == SIGINT ? "SIGINT" : "SIGTERM";
  int status = WSTUNCTL_EXIT_SIGNAL_BASE + signum;

  /* from here on a second signal ends wstunctl the usual way */
  g_clear_pointer (&self->interrupt, wstunctl_interrupt_free);
  if (path == NULL)
    return wstunctl_fail_message (ctl, status,
                                  _ ("Interrupted (%s) before wstund answered: a connection it "
                                     "still makes stays (see wstunctl list)"),
                                  name);
  forget (ctl, path);
  return wstunctl_fail_message (ctl, status, _ ("Interrupted (%s): disconnected %s"), name, path);
}

/* ws:// carries the token in the clear: wstund only logs that, where the
 * person typing the command does not look */
static void
warn_plain_token (const char *url)
{
  if (g_ascii_strncasecmp (url, "ws://", strlen ("ws://")) != 0)
    return;
  wstunctl_warn ("%s", _ ("with a ws:// URL the token travels unencrypted: anyone on the way can "
                          "read it and use it; use wss://"));
}

/* Why the connection did not come up, as the error to report */
static GError *
connect_error (Connect *self, const char *url, guint timeout)
{
  WstunExportedConnection *connection = self->connection;
  const char *state = wstun_exported_connection_get_state (connection);
  const char *last_error = wstun_exported_connection_get_last_error (connection);

  /* (wstunctl_fail() escapes what it prints) */
  if (self->timed_out)
    return g_error_new (WSTUNCTL_ERROR, WSTUNCTL_EXIT_FAILED,
                        _ ("%s: no tunnel after %u s (state %s); gave up"), url, timeout, state);
  if (!has_owner (connection))
    return g_error_new (WSTUNCTL_ERROR, WSTUNCTL_EXIT_FAILED, _ ("wstund went away"));
  /* LastError says what failed, e.g. "Cannot connect to URL: ..." */
  if (last_error != NULL && *last_error != '\0')
    return g_error_new_literal (WSTUNCTL_ERROR, WSTUNCTL_EXIT_FAILED, last_error);
  return g_error_new (WSTUNCTL_ERROR, WSTUNCTL_EXIT_FAILED,
                      _ ("Connecting to %s ended in state %s"), url, state);
}

/* With --json: the error, and what the connection says (path,
 * failure_reason) for programs, in the error object */
static int
fail_json (Connect *self, const GError *error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *name = wstunctl_error_name (error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_set_member_name (builder, "connection");
  json_builder_begin_object (builder);
  wstunctl_build_connection_members (builder, self->connection);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  wstunctl_print_json_line (node);
  return wstunctl_error_status (error);
}

int
wstunctl_connect (WstunCtl *ctl, int argc, char **argv)
{
  g_autofree char *token_file = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *interface = NULL;
  int mtu = 0, timeout = DEFAULT_TIMEOUT_SECONDS;
  gboolean no_manage_ip = FALSE, no_reconnect = FALSE, no_wait = FALSE;
  GOptionEntry entries[] = {
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file,
      N_ ("Read the relay's token from FILE (which other users must not be able to read)"),
      N_ ("FILE") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_ ("Trust the CA certificates in FILE (PEM) for wss:// instead of the system's"),
      N_ ("FILE") },
    { "pin-sha256", 0, 0, G_OPTION_ARG_STRING, &pin,
      N_ ("Accept only a relay whose public key has this base64 SHA-256 hash"), N_ ("HASH") },
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface,
      N_ ("Name of the TUN device (default wstun0, wstun1, …)"), N_ ("NAME") },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, N_ ("Use a tunnel MTU below the relay's"),
      N_ ("BYTES") },
    { "no-manage-ip", 0, 0, G_OPTION_ARG_NONE, &no_manage_ip,
      N_ ("Create the device but leave addresses, routes and MTU to someone else"), NULL },
    { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &no_reconnect,
      N_ ("Fail when the connection is lost instead of reconnecting"), NULL },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait,
      N_ ("Print the new connection's object path and return at once"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
      N_ ("Wait at most SECONDS for the tunnel (default 30)"), N_ ("SECONDS") },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("URL…"));
  g_auto (GVariantBuilder) settings = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto (Connect) self = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *urls = NULL;
  const char *state;

  g_option_context_set_summary (
    context, _ ("Connect to the wstun relay at URL (ws:// or wss://). With several URLs (relays of "
                "a cluster, or independent ones), wstund starts at a random one and moves to the "
                "next when it fails or is lost."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc < 2)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE,
                                  _ ("connect takes one or more URLs; see --help"));
  if (mtu < 0 || timeout <= 0)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE,
                                  _ ("--mtu takes 0 or more, --timeout more than 0"));

  /* one as "url", which every wstund takes; several as "urls", which
   * wstund checks (at most 16, one scheme, none twice) */
  if (argc == 2)
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_URL, g_variant_new_string (argv[1]));
  else
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_URLS,
                           g_variant_new_strv ((const char *const *) argv + 1, argc - 1));
  urls = g_strjoinv (" ", argv + 1);
  if (token_file != NULL) {
    g_autofree char *token = wstun_token_file_read (token_file, &error);

    if (token == NULL)
      return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE, "%s", error->message);
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_TOKEN, g_variant_new_string (token));
    explicit_bzero (token, strlen (token));
    warn_plain_token (argv[1]);
  }
  if (ca_file != NULL) {
    /* the bytes, never the name: see wstunctl-ca-file.c */
    g_autoptr (GBytes) ca = wstunctl_read_ca_file (ca_file, &error);

    if (ca == NULL)
      return wstunctl_fail (ctl, error);
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_CA,
                           g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, ca, TRUE));
  }
  if (pin != NULL)
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_PIN_SHA256, g_variant_new_string (pin));
  if (interface != NULL)
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_INTERFACE,
                           g_variant_new_string (interface));
  if (mtu != 0)
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_MTU,
                           g_variant_new_uint32 ((guint32) mtu));
  if (no_manage_ip)
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_MANAGE_IP,
                           g_variant_new_boolean (FALSE));
  if (no_reconnect)
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_RECONNECT,
                           g_variant_new_boolean (FALSE));

  self.loop = g_main_loop_new (NULL, FALSE);
  self.interrupt = wstunctl_interrupt_new (self.loop);
  if (!call_connect (ctl, &self, g_variant_builder_end (&settings)))
    return interrupted (ctl, &self, NULL);
  if (self.reply == NULL)
    return wstunctl_fail (ctl, self.error);
  g_variant_get (self.reply, "(o)", &path);
  if (wstunctl_interrupt_get_count (self.interrupt) > 0)
    return interrupted (ctl, &self, path);

  if (no_wait) {
    if (ctl->json)
      wstunctl_print_json_strings ("path", path, NULL);
    else
      g_print ("%s\n", path);
    return WSTUNCTL_EXIT_OK;
  }

  if (!wait_for (ctl, &self, path, (guint) timeout, &error)) {
    forget (ctl, path);
    return wstunctl_fail (ctl, error);
  }
  if (wstunctl_interrupt_get_count (self.interrupt) > 0)
    return interrupted (ctl, &self, path);
  state = wstun_exported_connection_get_state (self.connection);
  if (g_strcmp0 (state, "connected") == 0) {
    print_connected (ctl, self.connection);
    return WSTUNCTL_EXIT_OK;
  }
  g_clear_error (&error);
  error = connect_error (&self, urls, (guint) timeout);
  forget (ctl, path);
  if (ctl->json)
    return fail_json (&self, error);
  return wstunctl_fail (ctl, error);
}
