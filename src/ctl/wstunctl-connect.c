/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl connect URL: org.wstun.Connect, then wait for the tunnel */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-dbus-names.h"
#include "wstun-token-file.h"

#define DEFAULT_TIMEOUT_SECONDS 30

typedef struct {
  GMainLoop *loop;
  WstunExportedConnection *connection;
  gboolean timed_out;
} Wait;

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

static void
on_change (GObject *object, GParamSpec *pspec, Wait *wait)
{
  (void) object;
  (void) pspec;
  if (is_final (wstun_exported_connection_get_state (wait->connection)) ||
      !has_owner (wait->connection))
    g_main_loop_quit (wait->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Wait *wait = user_data;

  wait->timed_out = TRUE;
  g_main_loop_quit (wait->loop);
  return G_SOURCE_REMOVE;
}

/* Waits until the connection at @path is connected or has failed. */
static WstunExportedConnection *
wait_for (WstunCtl *ctl, const char *path, guint timeout, gboolean *timed_out, GError **error)
{
  g_autoptr (WstunExportedConnection) connection = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  Wait wait = { 0 };
  guint timer;

  connection = wstun_exported_connection_proxy_new_for_bus_sync (
    ctl->bus_type, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, WSTUN_DBUS_NAME, path, NULL, error);
  if (connection == NULL)
    return NULL;
  if (!has_owner (connection) || is_final (wstun_exported_connection_get_state (connection)))
    return g_steal_pointer (&connection);

  loop = g_main_loop_new (NULL, FALSE);
  wait.loop = loop;
  wait.connection = connection;
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_change), &wait);
  g_signal_connect (connection, "notify::g-name-owner", G_CALLBACK (on_change), &wait);
  timer = g_timeout_add_seconds (timeout, on_timeout, &wait);
  g_main_loop_run (loop);
  if (!wait.timed_out)
    g_source_remove (timer);
  g_signal_handlers_disconnect_by_data (connection, &wait);
  *timed_out = wait.timed_out;
  return g_steal_pointer (&connection);
}

static void
print_connected (WstunCtl *ctl, WstunExportedConnection *connection)
{
  const char *address4 = wstun_exported_connection_get_address4 (connection);
  const char *address6 = wstun_exported_connection_get_address6 (connection);

  if (ctl->json) {
    g_autoptr (JsonNode) node = wstunctl_connection_to_json (connection);
    wstunctl_print_json (node);
    return;
  }
  g_print (_ ("Connected to %s on %s: %s%s%s (%s)\n"),
           wstun_exported_connection_get_url (connection),
           wstun_exported_connection_get_interface (connection), address4,
           *address4 != '\0' && *address6 != '\0' ? " " : "", address6,
           g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection)));
}

/* Best effort: a failed connection would otherwise stay listed a while. */
static void
forget (WstunCtl *ctl, const char *path)
{
  g_autoptr (GVariant) reply = NULL;

  reply = wstunctl_call (ctl, path, WSTUN_DBUS_CONNECTION_INTERFACE, "Disconnect", NULL, NULL);
}

int
wstunctl_connect (WstunCtl *ctl, int argc, char **argv)
{
  g_autofree char *token_file = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *interface = NULL;
  int mtu = 0, timeout = DEFAULT_TIMEOUT_SECONDS;
  gboolean no_manage_ip = FALSE, no_wait = FALSE, timed_out = FALSE;
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
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait,
      N_ ("Print the new connection's object path and return at once"), NULL },
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
      N_ ("Wait at most SECONDS for the tunnel (default 30)"), N_ ("SECONDS") },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("URL"));
  g_auto (GVariantBuilder) settings = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (WstunExportedConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  const char *state;

  g_option_context_set_summary (context,
                                _ ("Connect to the wstun relay at URL (ws:// or wss://)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc != 2)
    return wstunctl_fail_message (WSTUNCTL_EXIT_USAGE, _ ("connect takes one URL; see --help"));
  if (mtu < 0 || timeout <= 0)
    return wstunctl_fail_message (WSTUNCTL_EXIT_USAGE,
                                  _ ("--mtu takes 0 or more, --timeout more than 0"));

  g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_URL, g_variant_new_string (argv[1]));
  if (token_file != NULL) {
    g_autofree char *token = wstun_token_file_read (token_file, &error);

    if (token == NULL)
      return wstunctl_fail_message (WSTUNCTL_EXIT_USAGE, "%s", error->message);
    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_TOKEN, g_variant_new_string (token));
    explicit_bzero (token, strlen (token));
  }
  if (ca_file != NULL) {
    g_autofree char *absolute = g_canonicalize_filename (ca_file, NULL);

    g_variant_builder_add (&settings, "{sv}", WSTUN_SETTING_CA_FILE,
                           g_variant_new_string (absolute));
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

  reply = wstunctl_call (ctl, WSTUN_DBUS_PATH, WSTUN_DBUS_INTERFACE, "Connect",
                         g_variant_new ("(@a{sv})", g_variant_builder_end (&settings)), &error);
  if (reply == NULL)
    return wstunctl_fail (error);
  g_variant_get (reply, "(o)", &path);

  if (no_wait) {
    if (ctl->json)
      wstunctl_print_json_strings ("path", path, NULL);
    else
      g_print ("%s\n", path);
    return WSTUNCTL_EXIT_OK;
  }

  connection = wait_for (ctl, path, (guint) timeout, &timed_out, &error);
  if (connection == NULL)
    return wstunctl_fail (error);
  state = wstun_exported_connection_get_state (connection);
  if (g_strcmp0 (state, "connected") == 0) {
    print_connected (ctl, connection);
    return WSTUNCTL_EXIT_OK;
  }
  if (ctl->json) {
    g_autoptr (JsonNode) node = wstunctl_connection_to_json (connection);
    wstunctl_print_json (node);
  }
  forget (ctl, path);
  if (timed_out)
    return wstunctl_fail_message (WSTUNCTL_EXIT_FAILED,
                                  _ ("%s: no tunnel after %d s (state %s); gave up"), argv[1],
                                  timeout, state);
  if (!has_owner (connection))
    return wstunctl_fail_message (WSTUNCTL_EXIT_FAILED, _ ("wstund went away"));
  /* LastError says what failed, e.g. "Cannot connect to URL: ..." */
  if (*wstun_exported_connection_get_last_error (connection) != '\0')
    return wstunctl_fail_message (WSTUNCTL_EXIT_FAILED, "%s",
                                  wstun_exported_connection_get_last_error (connection));
  return wstunctl_fail_message (WSTUNCTL_EXIT_FAILED, _ ("Connecting to %s ended in state %s"),
                                argv[1], state);
}
