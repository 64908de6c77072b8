/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nm-wstun-failure.h"
#include "nm-wstun-ip-config.h"
#include "nm-wstun-keys.h"
#include "nm-wstun-settings.h"
#include "wstun-dbus-error.h"
#include "wstun-dbus-generated.h"
#include "wstun-dbus-names.h"

/* Connect returns at once; Disconnect returns once the device is gone */
#define CONNECT_CALL_TIMEOUT_MS    (30 * 1000)
#define DISCONNECT_CALL_TIMEOUT_MS (10 * 1000)

struct _NMWstunPlugin {
  NMVpnServicePlugin parent_instance;

  GCancellable *cancellable;      /* the Connect call and the proxy's making */
  NMConnection *connection;       /* being connected; a copy */
  gboolean interactive;           /* secrets may be asked for while connecting */
  gboolean asked_again;           /* a refused token was asked for once more */
  char *path;                     /* org.wstun's connection object */
  WstunExportedConnection *proxy; /* ... followed */
  gboolean started;               /* NetworkManager has the IP configuration */
  gboolean reconnecting;          /* wstund is getting a lost tunnel back */
  char *sent;                     /* that configuration, printed: resent only if it changes */
  gboolean failing;               /* fail() is stopping the service ... */
  NMVpnPluginFailure failure;     /* ... for this reason */
};

G_DEFINE_FINAL_TYPE (NMWstunPlugin, nm_wstun_plugin, NM_TYPE_VPN_SERVICE_PLUGIN)

static GDBusConnection *
bus (NMWstunPlugin *self)
{
  return nm_vpn_service_plugin_get_connection (NM_VPN_SERVICE_PLUGIN (self));
}

static const char *
connection_name (NMWstunPlugin *self)
{
  const char *id = self->connection != NULL ? nm_connection_get_id (self->connection) : NULL;

  return id != NULL ? id : "?";
}

/* ---- reading the CA certificates ------------------------------------- */

/* Whether the user @name may read the file of @st. The service runs as
 * root: a connection of one user's must not name a file only root (or
 * another user) may read, and so make it readable through wstund. */
static gboolean
user_may_read (const char *name, const struct stat *st)
{
  struct passwd pw, *found = NULL;
  char buf[4096];
  gid_t groups[256];
  int n = G_N_ELEMENTS (groups);

  if (st->st_mode & S_IROTH)
    return TRUE;
  if (getpwnam_r (name, &pw, buf, sizeof buf, &found) != 0 || found == NULL)
    return FALSE;
  if (st->st_uid == pw.pw_uid)
    return (st->st_mode & S_IRUSR) != 0;
  if (!(st->st_mode & S_IRGRP))
    return FALSE;
  if (getgrouplist (name, pw.pw_gid, groups, &n) < 0)
    return FALSE;
  for (int i = 0; i < n; i++) {
    if (groups[i] == st->st_gid)
      return TRUE;
  }
  return FALSE;
}

/* ca-file's bytes, for org.wstun.Connect's "ca": at most NM_WSTUN_CA_MAX of
 * a regular file that the connection's users may read themselves */
static GBytes *
read_ca_file (NMConnection *connection, const char *path, GError **error)
{
  NMSettingConnection *s_con = nm_connection_get_setting_connection (connection);
  g_autofree guint8 *data = NULL;
  struct stat st;
  gsize len = 0;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
                 _ ("Cannot read the CA file %s: %s"), path, g_strerror (saved));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > NM_WSTUN_CA_MAX) {
    close (fd);
    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
                 _ ("The CA file %s is not a regular file of at most %d bytes"), path,
                 NM_WSTUN_CA_MAX);
    return NULL;
  }
  for (guint32 i = 0; s_con != NULL && i < nm_setting_connection_get_num_permissions (s_con); i++) {
    const char *type = NULL, *item = NULL;

    if (nm_setting_connection_get_permission (s_con, i, &type, &item, NULL) &&
        g_strcmp0 (type, "user") == 0 && !user_may_read (item, &st)) {
      close (fd);
      g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
                   _ ("The CA file %s of this connection of user %s is not readable by %s"), path,
                   item, item);
      return NULL;
    }
  }
  data = g_malloc (MAX (st.st_size, 1));
  while (len < (gsize) st.st_size) {
    ssize_t got = read (fd, data + len, st.st_size - len);

    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    len += (gsize) got;
  }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

/* ---- org.wstun.Connect's settings ------------------------------------ */

static GVariant *
build_settings (NMConnection *connection, GError **error)
{
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
  const char *url, *ca_file, *pin, *mtu, *token;

  if (s_vpn == NULL) {
    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
                 _ ("This connection has no VPN setting"));
    return NULL;
  }
  if (!nm_wstun_check_setting (s_vpn, error)) {
    GError *e = *error;

    /* NetworkManager's error domain for a service's refusal */
    e->domain = NM_VPN_PLUGIN_ERROR;
    e->code = NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS;
    return NULL;
  }
  url = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_URL);
  ca_file = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_CA_FILE);
  pin = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_PIN_SHA256);
  mtu = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_MTU);
  token = nm_setting_vpn_get_secret (s_vpn, NM_WSTUN_KEY_TOKEN);

  {
    g_auto (GStrv) urls = nm_wstun_split_urls (url);

    /* one as "url", which every wstund takes; several as "urls" */
    if (g_strv_length (urls) == 1)
      g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_URL, g_variant_new_string (urls[0]));
    else
      g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_URLS,
                             g_variant_new_strv ((const char *const *) urls, -1));
  }
  /* NetworkManager puts the addresses on the device, and no tunnel may
   * outlive this service */
  g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_MANAGE_IP, g_variant_new_boolean (FALSE));
  g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_BIND_TO_CALLER, g_variant_new_boolean (TRUE));
  if (token != NULL && *token != '\0')
    g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_TOKEN, g_variant_new_string (token));
  if (pin != NULL && *pin != '\0')
    g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_PIN_SHA256, g_variant_new_string (pin));
  if (mtu != NULL && *mtu != '\0')
    g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_MTU,
                           g_variant_new_uint32 ((guint32) g_ascii_strtoull (mtu, NULL, 10)));
  /* read here, as any caller does: wstund opens no file for others */
  if (ca_file != NULL && *ca_file != '\0') {
    g_autoptr (GBytes) ca = read_ca_file (connection, ca_file, error);

    if (ca == NULL)
      return NULL;
    g_variant_builder_add (&b, "{sv}", WSTUN_SETTING_CA,
                           g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, ca, TRUE));
  }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

/* ---- following wstund's connection ----------------------------------- */

static void start_connect (NMWstunPlugin *self);

/* Ends the org.wstun connection (the device goes); waits when asked to */
static void
end_tunnel (NMWstunPlugin *self, gboolean wait)
{
  g_autofree char *path = g_steal_pointer (&self->path);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->proxy != NULL)
    g_signal_handlers_disconnect_by_data (self->proxy, self);
  g_clear_object (&self->proxy);
  g_clear_pointer (&self->sent, g_free);
  self->started = FALSE;
  self->reconnecting = FALSE;
  if (path == NULL)
    return;
  if (wait) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      bus (self), WSTUN_DBUS_NAME, path, WSTUN_DBUS_CONNECTION_INTERFACE, "Disconnect", NULL, NULL,
      G_DBUS_CALL_FLAGS_NO_AUTO_START, DISCONNECT_CALL_TIMEOUT_MS, NULL, &error);

    if (reply == NULL && !g_error_matches (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND)) {
      g_dbus_error_strip_remote_error (error);
      g_warning ("%s: wstund did not disconnect %s: %s", connection_name (self), path,
                 error->message);
    }
    return;
  }
  g_dbus_connection_call (bus (self), WSTUN_DBUS_NAME, path, WSTUN_DBUS_CONNECTION_INTERFACE,
                          "Disconnect", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          DISCONNECT_CALL_TIMEOUT_MS, NULL, NULL, NULL);
}

/* libnm's nm_vpn_service_plugin_failure() emits Failure(@reason), then
 * disconnects, and a disconnect while starting emits
 * Failure(CONNECT_FAILED) on top: NetworkManager keeps the last, so every
 * reason would read "connect failed" ("unknown reason" for nmcli). The
 * service's own reason goes out last instead, from real_disconnect(),
 * between libnm's Failure and the state change to STOPPED. */
static void
fail (NMWstunPlugin *self, NMVpnPluginFailure reason)
{
  end_tunnel (self, FALSE);
  self->failing = TRUE;
  self->failure = reason;
  nm_vpn_service_plugin_disconnect (NM_VPN_SERVICE_PLUGIN (self), NULL);
}

static void
emit_failure (NMWstunPlugin *self)
{
  g_autoptr (GError) error = NULL;

  self->failing = FALSE;
  if (!g_dbus_connection_emit_signal (bus (self), NULL, NM_VPN_DBUS_PLUGIN_PATH,
                                      NM_VPN_DBUS_PLUGIN_INTERFACE, "Failure",
                                      g_variant_new ("(u)", self->failure), &error))
    g_warning ("%s: cannot tell NetworkManager why: %s", connection_name (self), error->message);
}

static void
send_config (NMWstunPlugin *self)
{
  WstunExportedConnection *c = self->proxy;
  NMWstunIpInput input = {
    .interface = wstun_exported_connection_get_interface (c),
    .relay_address = wstun_exported_connection_get_relay_address (c),
    .address4 = wstun_exported_connection_get_address4 (c),
    .address6 = wstun_exported_connection_get_address6 (c),
    .mtu = wstun_exported_connection_get_mtu (c),
    .routes = wstun_exported_connection_get_routes (c),
    .dns = wstun_exported_connection_get_dns (c),
  };
  NMVpnServicePlugin *plugin = NM_VPN_SERVICE_PLUGIN (self);
  g_autoptr (GError) error = NULL;
  g_autofree char *printed = NULL;
  NMWstunIpConfig config;

  if (!nm_wstun_ip_config_build (&input, &config, &error)) {
    g_warning ("%s: %s", connection_name (self), error->message);
    fail (self, NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG);
    return;
  }
  {
    g_autofree char *all = g_variant_print (config.config, FALSE);
    g_autofree char *v4 = config.ip4 != NULL ? g_variant_print (config.ip4, FALSE) : NULL;
    g_autofree char *v6 = config.ip6 != NULL ? g_variant_print (config.ip6, FALSE) : NULL;

    printed = g_strdup_printf ("%s %s %s", all, v4 != NULL ? v4 : "-", v6 != NULL ? v6 : "-");
  }
  if (g_strcmp0 (printed, self->sent) != 0) {
    g_message ("%s: up on %s (%s%s%s), relay %s", connection_name (self), input.interface,
               input.address4, *input.address4 != '\0' && *input.address6 != '\0' ? " " : "",
               input.address6, input.relay_address);
    nm_vpn_service_plugin_set_config (plugin, config.config);
    if (config.ip4 != NULL)
      nm_vpn_service_plugin_set_ip4_config (plugin, config.ip4);
    if (config.ip6 != NULL)
      nm_vpn_service_plugin_set_ip6_config (plugin, config.ip6);
    g_free (self->sent);
    self->sent = g_steal_pointer (&printed);
  }
  self->started = TRUE;
  nm_wstun_ip_config_clear (&config);
}

static void
on_failed (NMWstunPlugin *self)
{
  const char *reason = wstun_exported_connection_get_failure_reason (self->proxy);
  const char *why = wstun_exported_connection_get_last_error (self->proxy);
  NMWstunFailure failure = nm_wstun_failure_for (reason);

  if (self->started) {
    /* NetworkManager calls this "service stopped" */
    g_warning ("%s: the tunnel went down: %s (%s). %s", connection_name (self), why, reason,
               failure.advice);
    end_tunnel (self, FALSE);
    nm_vpn_service_plugin_disconnect (NM_VPN_SERVICE_PLUGIN (self), NULL);
    return;
  }
  if (g_strcmp0 (reason, "auth-failed") == 0 && self->interactive && !self->asked_again) {
    const char *hints[] = { NM_WSTUN_KEY_TOKEN, NULL };
    g_autofree char *message =
      g_strdup_printf (_ ("The relay refused the token of “%s”: %s"), connection_name (self), why);

    g_message ("%s: %s; asking for the token again", connection_name (self), why);
    self->asked_again = TRUE;
    end_tunnel (self, FALSE);
    nm_vpn_service_plugin_secrets_required (NM_VPN_SERVICE_PLUGIN (self), message, hints);
    return;
  }
  g_warning ("%s: connecting failed: %s (%s). %s", connection_name (self), why, reason,
             failure.advice);
  fail (self, failure.nm_reason);
}

static void
follow (NMWstunPlugin *self)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (self->proxy));
  const char *state = wstun_exported_connection_get_state (self->proxy);

  if (owner == NULL) {
    g_warning ("%s: wstund left the bus: the tunnel is gone", connection_name (self));
    if (self->started) {
      end_tunnel (self, FALSE);
      nm_vpn_service_plugin_disconnect (NM_VPN_SERVICE_PLUGIN (self), NULL);
    } else {
      fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
    }
    return;
  }
  g_debug ("%s: %s is %s", connection_name (self), self->path, state);
  /* the VPN stays up meanwhile: said once each way, for whoever reads why
   * traffic paused */
  if (!self->reconnecting && g_strcmp0 (state, "reconnecting") == 0) {
    self->reconnecting = TRUE;
    g_message ("%s: the tunnel was lost; wstund is reconnecting: %s (%s)", connection_name (self),
               wstun_exported_connection_get_last_error (self->proxy),
               wstun_exported_connection_get_failure_reason (self->proxy));
  } else if (self->reconnecting && g_strcmp0 (state, "connected") == 0) {
    self->reconnecting = FALSE;
    g_message ("%s: the tunnel is back", connection_name (self));
  }
  if (g_strcmp0 (state, "connected") == 0)
    send_config (self);
  else if (g_strcmp0 (state, "failed") == 0)
    on_failed (self);
  else if (g_strcmp0 (state, "disconnected") == 0) {
    g_warning ("%s: %s was disconnected outside NetworkManager", connection_name (self),
               self->path);
    if (self->started) {
      end_tunnel (self, FALSE);
      nm_vpn_service_plugin_disconnect (NM_VPN_SERVICE_PLUGIN (self), NULL);
    } else {
      fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
    }
  }
  /* connecting, reconnecting, disconnecting: wait; NetworkManager keeps
   * the connection up while wstund gets the tunnel back */
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, NMWstunPlugin *self)
{
  (void) proxy;
  (void) changed;
  (void) invalidated;
  follow (self);
}

static void
on_name_owner (GObject *proxy, GParamSpec *pspec, NMWstunPlugin *self)
{
  (void) proxy;
  (void) pspec;
  follow (self);
}

static void
on_proxy (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NMWstunPlugin *self = user_data;
  g_autoptr (GError) error = NULL;
  WstunExportedConnection *proxy;

  (void) source;
  proxy = wstun_exported_connection_proxy_new_finish (result, &error);
  if (proxy == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_warning ("%s: cannot follow %s: %s", connection_name (self), self->path, error->message);
    fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
    return;
  }
  self->proxy = proxy;
  g_signal_connect (proxy, "g-properties-changed", G_CALLBACK (on_properties_changed), self);
  g_signal_connect (proxy, "notify::g-name-owner", G_CALLBACK (on_name_owner), self);
  follow (self);
}

static void
on_connect_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NMWstunPlugin *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    if (g_dbus_error_is_remote_error (error) && error->domain != WSTUN_DBUS_ERROR)
      g_warning ("%s: cannot reach wstund (is it installed? D-Bus activation starts it): %s",
                 connection_name (self), error->message);
    else {
      g_dbus_error_strip_remote_error (error);
      g_warning ("%s: wstund refused to connect: %s", connection_name (self), error->message);
    }
    fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
    return;
  }
  g_variant_get (reply, "(o)", &self->path);
  g_message ("%s: connecting through wstund's %s", connection_name (self), self->path);
  wstun_exported_connection_proxy_new (bus (self), G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                       WSTUN_DBUS_NAME, self->path, self->cancellable, on_proxy,
                                       self);
}

static void
start_connect (NMWstunPlugin *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) settings = build_settings (self->connection, &error);

  if (settings == NULL) {
    g_warning ("%s: %s", connection_name (self), error->message);
    fail (self, NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
    return;
  }
  self->cancellable = g_cancellable_new ();
  g_dbus_connection_call (bus (self), WSTUN_DBUS_NAME, WSTUN_DBUS_PATH, WSTUN_DBUS_INTERFACE,
                          "Connect", g_variant_new ("(@a{sv})", settings), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, CONNECT_CALL_TIMEOUT_MS, self->cancellable,
                          on_connect_reply, self);
}

/* ---- NMVpnServicePlugin ---------------------------------------------- */

static gboolean
connect_common (NMWstunPlugin *self, NMConnection *connection, gboolean interactive, GError **error)
{
  g_autoptr (GVariant) check = NULL;

  end_tunnel (self, TRUE);
  g_clear_object (&self->connection);
  self->connection = nm_simple_connection_new_clone (connection);
  self->interactive = interactive;
  self->asked_again = FALSE;
  /* what can be refused now is, with the message NetworkManager shows */
  check = build_settings (self->connection, error);
  if (check == NULL)
    return FALSE;
  start_connect (self);
  return TRUE;
}

static gboolean
real_connect (NMVpnServicePlugin *plugin, NMConnection *connection, GError **error)
{
  return connect_common (NM_WSTUN_PLUGIN (plugin), connection, FALSE, error);
}

static gboolean
real_connect_interactive (NMVpnServicePlugin *plugin, NMConnection *connection, GVariant *details,
                          GError **error)
{
  (void) details;
  return connect_common (NM_WSTUN_PLUGIN (plugin), connection, TRUE, error);
}

static gboolean
real_need_secrets (NMVpnServicePlugin *plugin, NMConnection *connection, const char **setting_name,
                   GError **error)
{
  NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
  NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
  const char *token;

  (void) plugin;
  if (s_vpn == NULL) {
    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_INVALID_CONNECTION,
                 _ ("This connection has no VPN setting"));
    return FALSE;
  }
  nm_setting_get_secret_flags (NM_SETTING (s_vpn), NM_WSTUN_KEY_TOKEN, &flags, NULL);
  token = nm_setting_vpn_get_secret (s_vpn, NM_WSTUN_KEY_TOKEN);
  if ((flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED) || (token != NULL && *token != '\0'))
    return FALSE;
  *setting_name = NM_SETTING_VPN_SETTING_NAME;
  return TRUE;
}

static gboolean
real_new_secrets (NMVpnServicePlugin *plugin, NMConnection *connection, GError **error)
{
  NMWstunPlugin *self = NM_WSTUN_PLUGIN (plugin);
  g_autoptr (GVariant) check = NULL;

  g_clear_object (&self->connection);
  self->connection = nm_simple_connection_new_clone (connection);
  check = build_settings (self->connection, error);
  if (check == NULL)
    return FALSE;
  g_message ("%s: connecting again with the new token", connection_name (self));
  start_connect (self);
  return TRUE;
}

static gboolean
real_disconnect (NMVpnServicePlugin *plugin, GError **error)
{
  NMWstunPlugin *self = NM_WSTUN_PLUGIN (plugin);

  (void) error;
  if (self->path != NULL)
    g_message ("%s: disconnecting %s", connection_name (self), self->path);
  end_tunnel (self, TRUE);
  if (self->failing)
    emit_failure (self);
  return TRUE;
}

NMWstunPlugin *
nm_wstun_plugin_new (const char *bus_name, gboolean watch_peer, GError **error)
{
  return g_initable_new (NM_TYPE_WSTUN_PLUGIN, NULL, error, NM_VPN_SERVICE_PLUGIN_DBUS_SERVICE_NAME,
                         bus_name, NM_VPN_SERVICE_PLUGIN_DBUS_WATCH_PEER, watch_peer, NULL);
}

static void
nm_wstun_plugin_dispose (GObject *object)
{
  NMWstunPlugin *self = NM_WSTUN_PLUGIN (object);

  end_tunnel (self, FALSE);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (nm_wstun_plugin_parent_class)->dispose (object);
}

static void
nm_wstun_plugin_class_init (NMWstunPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NMVpnServicePluginClass *plugin_class = NM_VPN_SERVICE_PLUGIN_CLASS (klass);

  object_class->dispose = nm_wstun_plugin_dispose;
  plugin_class->connect = real_connect;
  plugin_class->connect_interactive = real_connect_interactive;
  plugin_class->need_secrets = real_need_secrets;
  plugin_class->new_secrets = real_new_secrets;
  plugin_class->disconnect = real_disconnect;
}

static void
nm_wstun_plugin_init (NMWstunPlugin *self)
{
  (void) self;
}
