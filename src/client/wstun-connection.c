/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-connection.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-client-enums.h"
#include "wstun-control.h"
#include "wstun-device-ip.h"
#include "wstun-error.h"
#include "wstun-handshake.h"
#include "wstun-log.h"
#include "wstun-pin.h"
#include "wstun-printable.h"
#include "wstun-tun.h"
#include "wstun-url-list.h"
#include "wstun-ws.h"

/* From an attempt's start to the relay's config; covers DNS, TCP, TLS and
 * hello. */
#define HANDSHAKE_TIMEOUT_SECONDS 15
#define CLIENT_BACKLOG            (1024 * 1024)
/* Reconnection backoff (documented in wstun-connection.h and README) */
#define RETRY_FIRST_MSEC   500
#define RETRY_MAX_MSEC     30000
#define RETRY_RESTART_MSEC 250
/* How long a relay's "restarting" (1012) keeps the quick retries: a relay
 * upgrade that takes longer is an outage, with the usual backoff. */
#define RESTART_WINDOW_USEC (60 * G_USEC_PER_SEC)
/* Route changes come in bursts (an address, then its routes): look once
 * they have settled. */
#define NETWORK_SETTLE_MSEC 200

struct _WstunConnection {
  GObject parent_instance;

  /* settings */
  WstunUrlList *urls;
  const char *url; /* the one in use now: an entry of urls */
  char *interface_wish;
  char *token;
  GTlsDatabase *ca_database; /* NULL: the system's CAs */
  char *pin_sha256;
  gboolean manage_ip;
  guint mtu_wish;
  gboolean reconnect;

  WstunConnectionState state;
  gboolean stopping;

  /* the attempt in progress, then the session it made */
  GCancellable *cancellable;
  GSource *attempt_timeout;
  WstunHandshake *handshake; /* owns the stream under ws */
  WstunWs *ws;
  gboolean configured;       /* ws got its config: a session, not an attempt */
  WstunFailure said_failure; /* what the relay said before closing */
  char *said_message;
  GInetAddress *local_address; /* our end of the TCP connection ... */
  GSocketAddress *remote;      /* ... and the relay's last one, for the route check */

  /* reconnection */
  GSource *retry_source;
  guint attempt;            /* since the session was lost */
  guint first_tries;        /* relays tried for the first connection */
  gint64 restarting_till;   /* monotonic: the relay said it is restarting */
  gboolean retry_now;       /* the network changed: no pause */
  guint retry_after;        /* seconds the relay asked for (HTTP 503); 0: none */
  GInetAddress *lost_route; /* route_source() when it was lost; NULL: none */
  char *resume;             /* resume id from the relay's last config */
  gboolean ask_addresses;   /* wish for the previous addresses */
  gboolean keep_url;        /* the relay only refused that wish: it is up */
  guint reconnects;
  GNetworkMonitor *monitor;
  GSource *network_check;

  WstunPump *pump;
  WstunTun *tun;

  /* what D-Bus shows */
  char *interface;
  char *address4;
  char *address6;
  guint mtu;
  GStrv routes;
  GStrv dns;
  char *last_error;
  WstunFailure failure;
  char *relay_address;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_URL,
  PROP_INTERFACE,
  PROP_ADDRESS4,
  PROP_ADDRESS6,
  PROP_MTU,
  PROP_ROUTES,
  PROP_DNS,
  PROP_LAST_ERROR,
  PROP_FAILURE,
  PROP_RELAY_ADDRESS,
  N_PROPS,
};
static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_STATS_CHANGED,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunConnection, wstun_connection, G_TYPE_OBJECT)

static void begin_attempt (WstunConnection *self);

const char *
wstun_connection_state_to_string (WstunConnectionState state)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (WSTUN_TYPE_CONNECTION_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : "unknown";
}

guint
wstun_connection_retry_delay (guint attempt, gboolean restarting, double random)
{
  guint delay = RETRY_MAX_MSEC;

  random = CLAMP (random, 0.0, 1.0);
  if (restarting) /* the relay is back in a moment: come back at once */
    return attempt == 0 ? random * RETRY_RESTART_MSEC
                        : RETRY_RESTART_MSEC + random * RETRY_RESTART_MSEC;
  if (attempt < 16)
    delay = MIN ((guint) RETRY_FIRST_MSEC << attempt, (guint) RETRY_MAX_MSEC);
  /* half to all of it: clients that lost the same relay spread out */
  return delay / 2 + random * (delay / 2);
}

/* ---- what is shown ---------------------------------------------------- */

static void
set_state (WstunConnection *self, WstunConnectionState state)
{
  if (self->state == state)
    return;
  g_debug ("%s: %s -> %s", self->url, wstun_connection_state_to_string (self->state),
           wstun_connection_state_to_string (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
set_string (WstunConnection *self, char **field, const char *value, GParamSpec *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_strv (WstunConnection *self, GStrv *field, const char *const *value, GParamSpec *pspec)
{
  if (*field != NULL && value != NULL && g_strv_equal ((const char *const *) *field, value))
    return;
  g_strfreev (*field);
  *field = g_strdupv ((char **) value);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
set_mtu (WstunConnection *self, guint mtu)
{
  if (self->mtu == mtu)
    return;
  self->mtu = mtu;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MTU]);
}

/* LastError and FailureReason change together: @failure is
 * WSTUN_FAILURE_NONE exactly when @message is NULL. */
static void
set_last_error (WstunConnection *self, WstunFailure failure, const char *message)
{
  g_return_if_fail ((failure == WSTUN_FAILURE_NONE) == (message == NULL));
  if (self->failure != failure) {
    self->failure = failure;
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURE]);
  }
  set_string (self, &self->last_error, message, props[PROP_LAST_ERROR]);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static GSource *
add_timeout (guint msec, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (msec);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/* The connection's log lines (prefixed with the URL), with fields for the
 * journal: WSTUN_EVENT (connected, lost, reconnecting, reconnected,
 * failed, disconnected), WSTUN_RELAY (the URL), WSTUN_INTERFACE and
 * WSTUN_ADDRESS (the tunnel addresses, ", " between them) */
static void G_GNUC_PRINTF (4, 5) log_event (WstunConnection *self, GLogLevelFlags level,
                                            const char *event, const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  g_autofree char *addresses = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (self->address4 != NULL || self->address6 != NULL)
    addresses = g_strjoin (self->address4 != NULL && self->address6 != NULL ? ", " : "",
                           self->address4 != NULL ? self->address4 : "",
                           self->address6 != NULL ? self->address6 : "", NULL);
  message = g_strdup_printf ("%s: %s", self->url, text);
  {
    const GLogField fields[] = {
      { "WSTUN_EVENT", event, -1 },
      { "WSTUN_RELAY", self->url, -1 },
      { "WSTUN_INTERFACE", self->interface, -1 },
      { "WSTUN_ADDRESS", addresses, -1 },
    };

    wstun_log_structured (level, G_LOG_DOMAIN, fields, G_N_ELEMENTS (fields), message);
  }
}

/* ---- ending ------------------------------------------------------------ */

/* The relay connection or the attempt at one goes; the device stays. */
static void
drop_relay (WstunConnection *self)
{
  destroy_source (&self->attempt_timeout);
  if (self->cancellable != NULL) {
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
  }
  wstun_pump_set_ws (self->pump, NULL);
  if (self->ws != NULL) {
    wstun_ws_detach (self->ws);
    g_clear_object (&self->ws);
  }
  g_clear_pointer (&self->handshake, wstun_handshake_free);
  g_clear_object (&self->local_address);
  g_clear_pointer (&self->said_message, g_free);
  self->said_failure = WSTUN_FAILURE_NONE;
  self->configured = FALSE;
}

/* Releases everything the session holds; the TUN device disappears. */
static void
teardown (WstunConnection *self)
{
  drop_relay (self);
  destroy_source (&self->retry_source);
  destroy_source (&self->network_check);
  wstun_pump_set_tun (self->pump, NULL);
  g_clear_object (&self->tun);
  g_clear_pointer (&self->resume, g_free);
  g_clear_object (&self->remote);
  g_clear_object (&self->lost_route);
  set_string (self, &self->interface, NULL, props[PROP_INTERFACE]);
}

/* Disconnected on request: nothing of the tunnel is left to describe (a
 * failed connection keeps its last addresses, for whoever reads why) */
static void
set_disconnected (WstunConnection *self)
{
  static const char *const none[] = { NULL };

  teardown (self);
  set_string (self, &self->address4, NULL, props[PROP_ADDRESS4]);
  set_string (self, &self->address6, NULL, props[PROP_ADDRESS6]);
  set_string (self, &self->relay_address, NULL, props[PROP_RELAY_ADDRESS]);
  set_strv (self, &self->routes, none, props[PROP_ROUTES]);
  set_strv (self, &self->dns, none, props[PROP_DNS]);
  set_mtu (self, 0);
  set_state (self, WSTUN_CONNECTION_STATE_DISCONNECTED);
}

/* Ends the attempt or the session with @message; the state becomes failed. */
static void
fail (WstunConnection *self, WstunFailure failure, const char *message)
{
  log_event (self, G_LOG_LEVEL_WARNING, "failed", "%s", message);
  set_last_error (self, failure, message);
  if (self->stopping) {
    set_disconnected (self);
    return;
  }
  teardown (self);
  set_state (self, WSTUN_CONNECTION_STATE_FAILED);
}

/* ---- reconnecting -------------------------------------------------------- */

/* The next attempt goes to the next relay of the list (round robin): the
 * one that failed or was lost is the least likely to answer now, and a
 * cluster knows the resume id everywhere. */
static void
next_url (WstunConnection *self)
{
  const char *was = self->url;

  self->url = wstun_url_list_advance (self->urls);
  if (self->url != was)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_URL]);
}

static gboolean
on_retry (gpointer user_data)
{
  WstunConnection *self = user_data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  begin_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (WstunConnection *self)
{
  gboolean restarting = g_get_monotonic_time () < self->restarting_till;
  /* the pause grows once per round of the list: after losing one relay,
   * the others are tried with the first step's pause */
  guint delay = wstun_connection_retry_delay (
    self->attempt / wstun_url_list_get_length (self->urls), restarting, g_random_double ());

  /* a busy relay said how long to wait: at least that (PROTOCOL.md, 2) */
  delay = MAX (delay, self->retry_after * 1000);
  self->retry_after = 0;

  destroy_source (&self->retry_source);
  if (self->retry_now) {
    self->retry_now = FALSE;
    self->attempt = 0;
    log_event (self, G_LOG_LEVEL_MESSAGE, "reconnecting", "reconnecting now");
    begin_attempt (self);
    return;
  }
  log_event (self, G_LOG_LEVEL_MESSAGE, "reconnecting", "reconnecting in %u.%03u s (attempt %u)",
             delay / 1000, delay % 1000, self->attempt + 1);
  self->attempt++;
  self->retry_source = add_timeout (delay, on_retry, self);
}

/* The route to the relay: the source address the kernel would pick now,
 * or NULL when there is none. */
static GInetAddress *
route_source (GSocketAddress *remote)
{
  g_autoptr (GSocket) probe = NULL;
  g_autoptr (GSocketAddress) local = NULL;

  /* connecting a datagram socket only looks the route up; nothing is sent */
  probe = g_socket_new (g_socket_address_get_family (remote), G_SOCKET_TYPE_DATAGRAM,
                        G_SOCKET_PROTOCOL_UDP, NULL);
  if (probe == NULL || !g_socket_connect (probe, remote, NULL, NULL))
    return NULL;
  local = g_socket_get_local_address (probe, NULL);
  if (local == NULL || !G_IS_INET_SOCKET_ADDRESS (local))
    return NULL;
  return g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

/* Both the attempt and a session end here: what retrying may mend is
 * retried while there is a device to keep; the rest fails. */
static void
lost (WstunConnection *self, WstunFailure failure, const char *message)
{
  /* the first connection tries each relay once, at once, and fails with
   * the last one's reason: a typo in every URL still fails quickly */
  if (!self->stopping && self->tun == NULL && wstun_failure_is_transient (failure) &&
      ++self->first_tries < wstun_url_list_get_length (self->urls)) {
    log_event (self, G_LOG_LEVEL_WARNING, "lost", "%s", message);
    next_url (self);
    log_event (self, G_LOG_LEVEL_MESSAGE, "reconnecting", "trying this relay next");
    set_last_error (self, failure, message);
    begin_attempt (self);
    return;
  }
  if (self->stopping || self->tun == NULL || !self->reconnect ||
      !wstun_failure_is_transient (failure)) {
    fail (self, failure, message);
    return;
  }
  log_event (self, G_LOG_LEVEL_WARNING, "lost", "%s", message);
  drop_relay (self);
  if (self->state != WSTUN_CONNECTION_STATE_RECONNECTING) {
    g_clear_object (&self->lost_route);
    if (self->remote != NULL)
      self->lost_route = route_source (self->remote);
  }
  if (!self->keep_url)
    next_url (self);
  self->keep_url = FALSE;
  set_last_error (self, failure, message);
  set_state (self, WSTUN_CONNECTION_STATE_RECONNECTING);
  schedule_retry (self);
}

/* Whether @address is one the tunnel itself carries (CIDR strings) */
static gboolean
is_tunnel_address (WstunConnection *self, GInetAddress *address)
{
  g_autofree char *text = g_inet_address_to_string (address);

  for (guint i = 0; i < 2; i++) {
    const char *cidr = i == 0 ? self->address4 : self->address6;
    gsize n = strlen (text);

    if (cidr != NULL && strncmp (cidr, text, n) == 0 && (cidr[n] == '/' || cidr[n] == '\0'))
      return TRUE;
  }
  return FALSE;
}

static gboolean
on_network_settled (gpointer user_data)
{
  WstunConnection *self = user_data;
  g_autoptr (GInetAddress) source = NULL;
  g_autofree char *was = NULL;

  g_clear_pointer (&self->network_check, g_source_unref);
  switch (self->state) {
  case WSTUN_CONNECTION_STATE_CONNECTED:
    if (self->remote == NULL || self->local_address == NULL)
      return G_SOURCE_REMOVE;
    source = route_source (self->remote);
    if (source != NULL && g_inet_address_equal (source, self->local_address))
      return G_SOURCE_REMOVE;
    /* the relay is routed into the tunnel (a pushed route covers it):
     * that does not carry, but it is no change of network to follow */
    if (source != NULL && is_tunnel_address (self, source))
      return G_SOURCE_REMOVE;
    was = g_inet_address_to_string (self->local_address);
    {
      g_autofree char *msg =
        g_strdup_printf (_ ("The network changed: the relay is no longer reached from %s"), was);

      /* now rather than at the keepalive's timeout */
      self->retry_now = TRUE;
      lost (self, WSTUN_FAILURE_UNREACHABLE, msg);
      self->retry_now = FALSE;
    }
    return G_SOURCE_REMOVE;
  case WSTUN_CONNECTION_STATE_RECONNECTING:
    /* only a change of the route to the relay counts (a link came back,
     * another network came); the rest is noise of no concern here */
    if (self->remote == NULL)
      return G_SOURCE_REMOVE;
    source = route_source (self->remote);
    if (source == self->lost_route || (source != NULL && self->lost_route != NULL &&
                                       g_inet_address_equal (source, self->lost_route)))
      return G_SOURCE_REMOVE;
    g_clear_object (&self->lost_route);
    self->lost_route = g_steal_pointer (&source);
    /* try it now, with a fresh backoff; an attempt under way may be stuck
     * on the old route */
    log_event (self, G_LOG_LEVEL_MESSAGE, "reconnecting", "the network changed; reconnecting now");
    self->attempt = 0;
    drop_relay (self);
    destroy_source (&self->retry_source);
    begin_attempt (self);
    return G_SOURCE_REMOVE;
  case WSTUN_CONNECTION_STATE_DISCONNECTED:
  case WSTUN_CONNECTION_STATE_CONNECTING:
  case WSTUN_CONNECTION_STATE_DISCONNECTING:
  case WSTUN_CONNECTION_STATE_FAILED:
  default:
    return G_SOURCE_REMOVE;
  }
}

static void
on_network_changed (GNetworkMonitor *monitor, gboolean available, WstunConnection *self)
{
  (void) monitor;
  (void) available;
  if (self->network_check == NULL && (self->state == WSTUN_CONNECTION_STATE_CONNECTED ||
                                      self->state == WSTUN_CONNECTION_STATE_RECONNECTING))
    self->network_check = add_timeout (NETWORK_SETTLE_MSEC, on_network_settled, self);
}

/* ---- the config ----------------------------------------------------------- */

static void
publish_config (WstunConnection *self, const WstunConfig *config, guint mtu)
{
  set_string (self, &self->address4, config->address4, props[PROP_ADDRESS4]);
  set_string (self, &self->address6, config->address6, props[PROP_ADDRESS6]);
  set_strv (self, &self->routes, (const char *const *) config->routes, props[PROP_ROUTES]);
  set_strv (self, &self->dns, (const char *const *) config->dns, props[PROP_DNS]);
  set_mtu (self, mtu);
}

/* The device's config as it is now */
static WstunDeviceIp
device_ip (WstunConnection *self)
{
  return (WstunDeviceIp){ self->mtu, self->address4, self->address6,
                          (const char *const *) self->routes };
}

/* The first config: the device is made */
static gboolean
create_device (WstunConnection *self, const WstunConfig *config, guint mtu)
{
  const WstunDeviceIp now = { mtu, config->address4, config->address6,
                              (const char *const *) config->routes };
  g_autoptr (GError) error = NULL;

  /* first: a device that fails still shows what it was to be */
  publish_config (self, config, mtu);
  self->tun = wstun_tun_new (self->interface_wish, &error);
  if (self->tun == NULL) {
    fail (self, WSTUN_FAILURE_DEVICE, error->message);
    return FALSE;
  }
  if (self->manage_ip &&
      !wstun_device_ip_apply (wstun_tun_get_ifindex (self->tun), NULL, &now, &error)) {
    g_autofree char *msg = g_strdup_printf (_ ("Cannot configure %s: %s"),
                                            wstun_tun_get_name (self->tun), error->message);
    fail (self, WSTUN_FAILURE_DEVICE, msg);
    return FALSE;
  }
  wstun_pump_set_tun (self->pump, self->tun);
  set_string (self, &self->interface, wstun_tun_get_name (self->tun), props[PROP_INTERFACE]);
  return TRUE;
}

/* Offload records (PROTOCOL.md 4.2) unless WSTUN_NO_OFFLOAD=1: a switch
 * for the benchmark's with/without ladder and for tests of a relay link
 * without them, not a setting */
static gboolean
offload_wanted (void)
{
  const char *env = g_getenv ("WSTUN_NO_OFFLOAD");

  return env == NULL || g_strcmp0 (env, "0") == 0;
}

/* A later config, after a reconnection: the device stays */
static gboolean
resume_device (WstunConnection *self, const WstunConfig *config, guint mtu, gboolean *same)
{
  const WstunDeviceIp before = device_ip (self);
  const WstunDeviceIp now = { mtu, config->address4, config->address6,
                              (const char *const *) config->routes };
  g_autoptr (GError) error = NULL;

  *same = wstun_device_ip_equal (&before, &now);
  if (!*same && self->manage_ip &&
      !wstun_device_ip_apply (wstun_tun_get_ifindex (self->tun), &before, &now, &error)) {
    g_autofree char *msg = g_strdup_printf (_ ("Cannot configure %s: %s"),
                                            wstun_tun_get_name (self->tun), error->message);
    fail (self, WSTUN_FAILURE_DEVICE, msg);
    return FALSE;
  }
  publish_config (self, config, mtu);
  return TRUE;
}

static void
apply_config (WstunConnection *self, const WstunConfig *config)
{
  guint mtu = config->mtu;
  gboolean resumed = self->state == WSTUN_CONNECTION_STATE_RECONNECTING;
  gboolean same = FALSE;

  if (self->mtu_wish != 0 && self->mtu_wish < mtu)
    mtu = self->mtu_wish;
  if (resumed ? !resume_device (self, config, mtu, &same) : !create_device (self, config, mtu))
    return;

  g_free (self->resume);
  self->resume = g_strdup (config->resume);
  self->ask_addresses = TRUE;
  self->configured = TRUE;
  self->attempt = 0;
  destroy_source (&self->attempt_timeout);
  wstun_ws_set_keepalive (self->ws, config->keepalive);
  wstun_pump_set_offload (self->pump, offload_wanted () &&
                                        g_strv_contains ((const char *const *) config->capabilities,
                                                         WSTUN_CAPABILITY_OFFLOAD));
  wstun_pump_set_ws (self->pump, self->ws);
  set_last_error (self, WSTUN_FAILURE_NONE, NULL);
  if (resumed) {
    self->reconnects++;
    log_event (self, G_LOG_LEVEL_MESSAGE, "reconnected", "reconnected on %s as %s%s%s%s",
               self->interface, self->address4 ? self->address4 : "",
               self->address4 && self->address6 ? " " : "", self->address6 ? self->address6 : "",
               same ? "" : " (the relay gave another configuration)");
  } else {
    log_event (self, G_LOG_LEVEL_MESSAGE, "connected", "connected on %s as %s%s%s, MTU %u",
               self->interface, self->address4 ? self->address4 : "",
               self->address4 && self->address6 ? " " : "", self->address6 ? self->address6 : "",
               self->mtu);
  }
  set_state (self, WSTUN_CONNECTION_STATE_CONNECTED);
}

/* ---- control messages and the WebSocket -------------------------------- */

/* The relay's error codes (PROTOCOL.md), as failure reasons */
static WstunFailure
failure_for_relay_error (const char *code)
{
  if (g_strcmp0 (code, WSTUN_ERR_UNAUTHORIZED) == 0)
    return WSTUN_FAILURE_AUTH_FAILED;
  if (g_strcmp0 (code, WSTUN_ERR_BAD_MESSAGE) == 0 ||
      g_strcmp0 (code, WSTUN_ERR_UNSUPPORTED_VERSION) == 0)
    return WSTUN_FAILURE_PROTOCOL;
  if (g_strcmp0 (code, WSTUN_ERR_REPLACED) == 0)
    return WSTUN_FAILURE_REPLACED;
  return WSTUN_FAILURE_REFUSED;
}

/* What the relay says before it closes; the close reports it. */
static void
relay_said (WstunConnection *self, WstunFailure failure, const char *message)
{
  self->said_failure = failure;
  g_free (self->said_message);
  self->said_message = g_strdup (message);
}

static void
handle_control (WstunConnection *self, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) control = wstun_control_parse (data, len, &error);

  if (control == NULL) {
    g_autofree char *msg =
      g_strdup_printf (_ ("The relay sent an invalid message: %s"), error->message);
    relay_said (self, WSTUN_FAILURE_PROTOCOL, msg);
    wstun_ws_close (self->ws, WSTUN_CLOSE_BAD_MESSAGE, WSTUN_ERR_BAD_MESSAGE);
    return;
  }
  switch (control->type) {
  case WSTUN_CONTROL_CONFIG:
    if (!self->configured)
      apply_config (self, &control->config);
    else /* PROTOCOL.md: one config per connection in version 1 */
      g_debug ("%s: ignoring a second config", self->url);
    return;
  case WSTUN_CONTROL_ERROR: {
    g_autofree char *text = wstun_printable (control->error.message, -1);
    g_autofree char *code = wstun_printable (control->error.code, -1);
    g_autofree char *msg =
      g_strdup_printf (_ ("The relay refused the connection: %s (%s)"), text, code);
    relay_said (self, failure_for_relay_error (control->error.code), msg);
    /* a wish the relay cannot grant (the address went to someone else
     * while it had no lease for us): the next attempt takes any */
    if (g_strcmp0 (control->error.code, WSTUN_ERR_ADDRESS_IN_USE) == 0 ||
        g_strcmp0 (control->error.code, WSTUN_ERR_ADDRESS_UNAVAILABLE) == 0) {
      self->ask_addresses = FALSE;
      /* ... at the same relay: it is up, and only the wish was refused */
      self->keep_url = TRUE;
    }
    return;
  }
  case WSTUN_CONTROL_HELLO:
  case WSTUN_CONTROL_UNKNOWN:
  default:
    g_debug ("ignoring control message “%s”", control->type_name);
    return;
  }
}

static void
on_ws_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  WstunConnection *self = user_data;

  (void) ws;
  if (opcode == WSTUN_WS_OPCODE_BINARY) {
    if (self->configured)
      wstun_pump_receive (self->pump, data, len);
    return;
  }
  handle_control (self, (const char *) data, len);
}

static void
on_ws_drained (WstunWs *ws, gpointer user_data)
{
  WstunConnection *self = user_data;

  (void) ws;
  wstun_pump_drained (self->pump);
}

/* Why the relay closed, for people and as a failure */
static char *
describe_close (WstunConnection *self, guint16 code, const char *reason, const GError *error,
                WstunFailure *failure)
{
  g_autofree char *text = NULL;

  if (self->said_message != NULL) {
    *failure = self->said_failure;
    return g_strdup (self->said_message);
  }
  if (error != NULL) {
    *failure = g_error_matches (error, WSTUN_ERROR, WSTUN_ERROR_TIMED_OUT)
                 ? WSTUN_FAILURE_TIMEOUT
                 : WSTUN_FAILURE_RELAY_CLOSED;
    return g_strdup_printf (_ ("Connection to the relay lost: %s"), error->message);
  }
  switch (code) {
  case WSTUN_CLOSE_UNAUTHORIZED:
    *failure = WSTUN_FAILURE_AUTH_FAILED;
    break;
  case WSTUN_CLOSE_BAD_MESSAGE:
  case WSTUN_CLOSE_UNSUPPORTED_VERSION:
    *failure = WSTUN_FAILURE_PROTOCOL;
    break;
  case WSTUN_CLOSE_REPLACED:
    *failure = WSTUN_FAILURE_REPLACED;
    break;
  case WSTUN_CLOSE_PEER_TIMEOUT:
    *failure = WSTUN_FAILURE_TIMEOUT;
    break;
  default:
    *failure = self->configured ? WSTUN_FAILURE_RELAY_CLOSED : WSTUN_FAILURE_REFUSED;
    break;
  }
  text = wstun_printable (reason, -1);
  if (code == WSTUN_CLOSE_REPLACED)
    return g_strdup_printf (_ ("Another client resumed this connection's session at the relay "
                               "(%u%s%s)"),
                            code, *text ? ": " : "", text);
  return g_strdup_printf (_ ("The relay closed the connection (%u%s%s)"), code, *text ? ": " : "",
                          text);
}

static void
on_ws_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error,
              gpointer user_data)
{
  WstunConnection *self = user_data;
  g_autoptr (WstunConnection) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autofree char *msg = NULL;
  WstunFailure failure;

  (void) ws;
  if (self->stopping) {
    log_event (self, G_LOG_LEVEL_MESSAGE, "disconnected", "disconnected");
    set_disconnected (self);
    return;
  }
  if (error == NULL && code == WSTUN_WS_CLOSE_SERVICE_RESTART) {
    self->restarting_till = g_get_monotonic_time () + RESTART_WINDOW_USEC;
    self->attempt = 0;
  }
  msg = describe_close (self, code, reason, error, &failure);
  lost (self, failure, msg);
}

static void
send_hello (WstunConnection *self)
{
  g_autofree char *address4 = NULL;
  g_autofree char *address6 = NULL;
  char *offload[] = { (char *) WSTUN_CAPABILITY_OFFLOAD, NULL };
  WstunHello hello = {
    .version = WSTUN_PROTOCOL_VERSION,
    .software = (char *) "wstund/" PACKAGE_VERSION,
    .capabilities = offload_wanted () ? offload : NULL,
  };
  g_autofree char *json = NULL;

  /* a relay that kept our lease knows us by the resume id; one that lost
   * it may still grant the same addresses */
  if (self->state == WSTUN_CONNECTION_STATE_RECONNECTING) {
    hello.resume = self->resume;
    if (self->ask_addresses && self->address4 != NULL)
      hello.address4 = address4 = g_strndup (self->address4, strcspn (self->address4, "/"));
    if (self->ask_addresses && self->address6 != NULL)
      hello.address6 = address6 = g_strndup (self->address6, strcspn (self->address6, "/"));
  }
  json = wstun_hello_to_json (&hello);
  wstun_ws_send_text (self->ws, json, -1);
}

/* ---- an attempt: handshake, hello, config -------------------------------- */

/* Our end and the relay's end of the TCP connection, for the route check */
static void
note_endpoints (WstunConnection *self, WstunHandshake *handshake)
{
  GSocketAddress *local = wstun_handshake_get_local_address (handshake);
  GSocketAddress *remote = wstun_handshake_get_remote_address (handshake);

  g_clear_object (&self->local_address);
  if (local != NULL && G_IS_INET_SOCKET_ADDRESS (local))
    self->local_address =
      g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  if (remote != NULL)
    g_set_object (&self->remote, remote);
}

static void
on_handshake_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunConnection) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *relay_address = NULL;
  static const WstunWsCallbacks callbacks = {
    .message = on_ws_message,
    .drained = on_ws_drained,
    .closed = on_ws_closed,
  };
  WstunHandshake *handshake;
  WstunFailure failure;
  guint retry_after = 0;

  (void) source;
  handshake = wstun_handshake_finish (result, &relay_address, &failure, &retry_after, &error);
  if (handshake == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (relay_address != NULL)
    set_string (self, &self->relay_address, relay_address, props[PROP_RELAY_ADDRESS]);
  if (handshake == NULL) {
    self->retry_after = retry_after;
    lost (self, failure, error->message);
    return;
  }
  g_clear_object (&self->cancellable);
  self->handshake = handshake;
  note_endpoints (self, handshake);
  self->ws = wstun_ws_new (wstun_handshake_get_stream (handshake), WSTUN_WS_ROLE_CLIENT);
  wstun_ws_set_max_backlog (self->ws, CLIENT_BACKLOG);
  wstun_ws_start (self->ws, &callbacks, self);
  send_hello (self);
}

static gboolean
on_attempt_timeout (gpointer user_data)
{
  WstunConnection *self = user_data;
  g_autofree char *msg = NULL;

  g_clear_pointer (&self->attempt_timeout, g_source_unref);
  msg = g_strdup_printf (_ ("The relay did not complete the handshake within %d seconds"),
                         HANDSHAKE_TIMEOUT_SECONDS);
  lost (self, WSTUN_FAILURE_TIMEOUT, msg);
  return G_SOURCE_REMOVE;
}

static void
begin_attempt (WstunConnection *self)
{
  drop_relay (self);
  self->keep_url = FALSE;
  self->cancellable = g_cancellable_new ();
  self->attempt_timeout = add_timeout (HANDSHAKE_TIMEOUT_SECONDS * 1000, on_attempt_timeout, self);
  wstun_handshake_async (self->url, self->token, self->ca_database, self->pin_sha256,
                         self->cancellable, on_handshake_done, g_object_ref (self));
}

/* ---- public --------------------------------------------------------------- */

void
wstun_connection_start (WstunConnection *self)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));

  if (self->state != WSTUN_CONNECTION_STATE_DISCONNECTED &&
      self->state != WSTUN_CONNECTION_STATE_FAILED)
    return;

  self->stopping = FALSE;
  self->attempt = 0;
  self->first_tries = 0;
  self->retry_after = 0;
  self->restarting_till = 0;
  self->reconnects = 0;
  self->ask_addresses = TRUE;
  set_last_error (self, WSTUN_FAILURE_NONE, NULL);
  set_string (self, &self->relay_address, NULL, props[PROP_RELAY_ADDRESS]);
  /* clients given the same list spread over its relays */
  if (wstun_url_list_get_length (self->urls) > 1) {
    self->url = wstun_url_list_start_random (self->urls);
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_URL]);
  }
  set_state (self, WSTUN_CONNECTION_STATE_CONNECTING);
  /* once, not at every reconnection attempt (all URLs have one scheme) */
  if (self->token != NULL && g_ascii_strncasecmp (self->url, "wss:", 4) != 0)
    g_warning ("%s: sending the token unencrypted: anyone on the path can read it (use wss://)",
               self->url);
  begin_attempt (self);
}

void
wstun_connection_stop (WstunConnection *self)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));

  switch (self->state) {
  case WSTUN_CONNECTION_STATE_CONNECTING:
  case WSTUN_CONNECTION_STATE_CONNECTED:
  case WSTUN_CONNECTION_STATE_RECONNECTING:
    self->stopping = TRUE;
    if (self->ws != NULL && wstun_ws_is_open (self->ws)) {
      /* the relay frees the address at once instead of keeping it for a
       * resume: this is goodbye */
      set_state (self, WSTUN_CONNECTION_STATE_DISCONNECTING);
      wstun_pump_set_tun (self->pump, NULL);
      destroy_source (&self->retry_source);
      wstun_ws_close (self->ws, WSTUN_WS_CLOSE_NORMAL, "client disconnecting");
      return;
    }
    set_disconnected (self);
    return;
  case WSTUN_CONNECTION_STATE_DISCONNECTING:
  case WSTUN_CONNECTION_STATE_DISCONNECTED:
  case WSTUN_CONNECTION_STATE_FAILED:
  default:
    return;
  }
}

static void
on_pump_stats_changed (WstunPump *pump, WstunConnection *self)
{
  (void) pump;
  g_signal_emit (self, signals[SIGNAL_STATS_CHANGED], 0);
}

WstunConnection *
wstun_connection_new_for_urls (const char *const *urls, GError **error)
{
  g_autoptr (WstunUrlList) list = NULL;
  g_autofree char *name = NULL;
  WstunConnection *self;

  g_return_val_if_fail (urls != NULL, NULL);

  list = wstun_url_list_new (urls, error);
  if (list == NULL)
    return NULL;
  self = g_object_new (WSTUN_TYPE_CONNECTION, NULL);
  self->urls = g_steal_pointer (&list);
  self->url = wstun_url_list_get_current (self->urls);
  /* the pump's complaints name the connection, whichever relay it is on */
  name = g_strjoinv (" ", (char **) urls);
  self->pump = wstun_pump_new (name);
  g_signal_connect (self->pump, "stats-changed", G_CALLBACK (on_pump_stats_changed), self);
  return self;
}

WstunConnection *
wstun_connection_new (const char *url, GError **error)
{
  const char *const urls[] = { url, NULL };

  g_return_val_if_fail (url != NULL, NULL);
  return wstun_connection_new_for_urls (urls, error);
}

void
wstun_connection_set_interface_name (WstunConnection *self, const char *name)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));
  g_free (self->interface_wish);
  self->interface_wish = g_strdup (name);
}

void
wstun_connection_set_token (WstunConnection *self, const char *token)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));
  g_free (self->token);
  self->token = g_strdup (token);
}

void
wstun_connection_set_tls_database (WstunConnection *self, GTlsDatabase *database)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));
  g_set_object (&self->ca_database, database);
}

gboolean
wstun_connection_set_pin_sha256 (WstunConnection *self, const char *pin, GError **error)
{
  g_autofree char *normal = NULL;

  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), FALSE);

  if (pin != NULL && (normal = wstun_pin_normalize (pin, error)) == NULL)
    return FALSE;
  g_free (self->pin_sha256);
  self->pin_sha256 = g_steal_pointer (&normal);
  return TRUE;
}

void
wstun_connection_set_manage_ip (WstunConnection *self, gboolean manage_ip)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));
  self->manage_ip = manage_ip;
}

void
wstun_connection_set_mtu (WstunConnection *self, guint mtu)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));
  self->mtu_wish = mtu;
}

void
wstun_connection_set_reconnect (WstunConnection *self, gboolean reconnect)
{
  g_return_if_fail (WSTUN_IS_CONNECTION (self));
  self->reconnect = reconnect;
}

WstunConnectionState
wstun_connection_get_state (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), WSTUN_CONNECTION_STATE_FAILED);
  return self->state;
}

const char *
wstun_connection_get_url (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return self->url;
}

const char *const *
wstun_connection_get_urls (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return wstun_url_list_get_urls (self->urls);
}

const char *
wstun_connection_get_interface (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return self->interface;
}

const char *
wstun_connection_get_address4 (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return self->address4;
}

const char *
wstun_connection_get_address6 (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return self->address6;
}

guint
wstun_connection_get_mtu (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), 0);
  return self->mtu;
}

const char *const *
wstun_connection_get_routes (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return (const char *const *) self->routes;
}

const char *const *
wstun_connection_get_dns (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return (const char *const *) self->dns;
}

const char *
wstun_connection_get_last_error (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return self->last_error;
}

WstunFailure
wstun_connection_get_failure (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), WSTUN_FAILURE_INTERNAL);
  return self->failure;
}

const char *
wstun_connection_get_relay_address (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return self->relay_address;
}

guint
wstun_connection_get_reconnects (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), 0);
  return self->reconnects;
}

const WstunConnectionStats *
wstun_connection_get_stats (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return wstun_pump_get_stats (self->pump);
}

static void
wstun_connection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WstunConnection *self = WSTUN_CONNECTION (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_URL:
    g_value_set_string (value, self->url);
    break;
  case PROP_INTERFACE:
    g_value_set_string (value, self->interface);
    break;
  case PROP_ADDRESS4:
    g_value_set_string (value, self->address4);
    break;
  case PROP_ADDRESS6:
    g_value_set_string (value, self->address6);
    break;
  case PROP_MTU:
    g_value_set_uint (value, self->mtu);
    break;
  case PROP_ROUTES:
    g_value_set_boxed (value, self->routes);
    break;
  case PROP_DNS:
    g_value_set_boxed (value, self->dns);
    break;
  case PROP_LAST_ERROR:
    g_value_set_string (value, self->last_error);
    break;
  case PROP_FAILURE:
    g_value_set_enum (value, self->failure);
    break;
  case PROP_RELAY_ADDRESS:
    g_value_set_string (value, self->relay_address);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
wstun_connection_dispose (GObject *object)
{
  WstunConnection *self = WSTUN_CONNECTION (object);

  teardown (self);
  if (self->monitor != NULL) {
    g_signal_handlers_disconnect_by_data (self->monitor, self);
    g_clear_object (&self->monitor);
  }
  g_clear_object (&self->pump);
  G_OBJECT_CLASS (wstun_connection_parent_class)->dispose (object);
}

static void
wstun_connection_finalize (GObject *object)
{
  WstunConnection *self = WSTUN_CONNECTION (object);

  g_clear_pointer (&self->urls, wstun_url_list_free);
  g_free (self->interface_wish);
  g_free (self->token);
  g_clear_object (&self->ca_database);
  g_free (self->pin_sha256);
  g_free (self->interface);
  g_free (self->address4);
  g_free (self->address6);
  g_strfreev (self->routes);
  g_strfreev (self->dns);
  g_free (self->last_error);
  g_free (self->relay_address);
  G_OBJECT_CLASS (wstun_connection_parent_class)->finalize (object);
}

static void
wstun_connection_class_init (WstunConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = wstun_connection_get_property;
  object_class->dispose = wstun_connection_dispose;
  object_class->finalize = wstun_connection_finalize;

  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, WSTUN_TYPE_CONNECTION_STATE,
                                         WSTUN_CONNECTION_STATE_DISCONNECTED, ro);
  props[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, ro);
  props[PROP_INTERFACE] = g_param_spec_string ("interface", NULL, NULL, NULL, ro);
  props[PROP_ADDRESS4] = g_param_spec_string ("address4", NULL, NULL, NULL, ro);
  props[PROP_ADDRESS6] = g_param_spec_string ("address6", NULL, NULL, NULL, ro);
  props[PROP_MTU] = g_param_spec_uint ("mtu", NULL, NULL, 0, G_MAXUINT, 0, ro);
  props[PROP_ROUTES] = g_param_spec_boxed ("routes", NULL, NULL, G_TYPE_STRV, ro);
  props[PROP_DNS] = g_param_spec_boxed ("dns", NULL, NULL, G_TYPE_STRV, ro);
  props[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  props[PROP_FAILURE] =
    g_param_spec_enum ("failure", NULL, NULL, WSTUN_TYPE_FAILURE, WSTUN_FAILURE_NONE, ro);
  props[PROP_RELAY_ADDRESS] = g_param_spec_string ("relay-address", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_STATS_CHANGED] =
    g_signal_new ("stats-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
wstun_connection_init (WstunConnection *self)
{
  self->manage_ip = TRUE;
  self->reconnect = TRUE;
  self->routes = g_new0 (char *, 1);
  self->dns = g_new0 (char *, 1);
  /* route changes in this network namespace (GLib's netlink monitor, or
   * NetworkManager's, which builds on it) */
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed), self);
}
