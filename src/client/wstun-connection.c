/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-connection.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <unistd.h>

#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-frame.h"
#include "wstun-netlink.h"
#include "wstun-pin.h"
#include "wstun-printable.h"
#include "wstun-tun.h"
#include "wstun-ws-takeover.h"
#include "wstun-ws.h"

/* From start to the relay's config; covers DNS, TCP, TLS and hello. */
#define HANDSHAKE_TIMEOUT_SECONDS 15
/* TUN reads per wakeup before yielding to the socket side. */
#define MAX_TUN_READS 256
/* A read must never truncate a packet, whatever the device MTU is. */
#define TUN_READ_ROOM     WSTUN_PACKET_MAX
#define CLIENT_BACKLOG    (1024 * 1024)
#define LOG_INTERVAL_USEC (10 * G_USEC_PER_SEC)

struct _WstunConnection {
  GObject parent_instance;

  char *url;
  char *interface_wish;
  char *token;
  GTlsDatabase *ca_database; /* NULL: the system's CAs */
  char *pin_sha256;
  gboolean manage_ip;
  guint mtu_wish;

  WstunConnectionState state;
  gboolean stopping;
  SoupSession *session;
  GCancellable *cancellable;
  SoupMessage *msg;                /* the upgrade request, during the handshake */
  GTlsCertificateFlags tls_errors; /* why the relay's certificate was refused */
  char *peer_pin;                  /* pin of the certificate the relay showed */
  gboolean pin_matched;
  SoupWebsocketConnection *soup_conn; /* did the upgrade; inert afterwards */
  WstunWs *ws;
  GSource *handshake_timeout;

  WstunTun *tun;
  GSource *tun_source;
  WstunBatch *tx;

  char *interface;
  char *address4;
  char *address6;
  guint mtu;
  GStrv routes;
  GStrv dns;
  char *last_error;
  WstunFailure failure;
  char *relay_address;
  WstunConnectionStats stats;
  gint64 last_complaint;
  GSource *stats_timer; /* runs while the counters move: "stats-changed" */
  WstunConnectionStats stats_reported;
};

enum {
  PROP_0,
  PROP_STATE,
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

static void teardown (WstunConnection *self);

const char *
wstun_connection_state_to_string (WstunConnectionState state)
{
  switch (state) {
  case WSTUN_CONNECTION_STATE_DISCONNECTED:
    return "disconnected";
  case WSTUN_CONNECTION_STATE_CONNECTING:
    return "connecting";
  case WSTUN_CONNECTION_STATE_CONNECTED:
    return "connected";
  case WSTUN_CONNECTION_STATE_RECONNECTING:
    return "reconnecting";
  case WSTUN_CONNECTION_STATE_DISCONNECTING:
    return "disconnecting";
  case WSTUN_CONNECTION_STATE_FAILED:
    return "failed";
  default:
    return "unknown";
  }
}

const char *
wstun_failure_to_string (WstunFailure failure)
{
  switch (failure) {
  case WSTUN_FAILURE_NONE:
    return "";
  case WSTUN_FAILURE_AUTH_FAILED:
    return "auth-failed";
  case WSTUN_FAILURE_TLS_UNTRUSTED:
    return "tls-untrusted";
  case WSTUN_FAILURE_TLS_PIN_MISMATCH:
    return "tls-pin-mismatch";
  case WSTUN_FAILURE_TLS_EXPIRED:
    return "tls-expired";
  case WSTUN_FAILURE_UNREACHABLE:
    return "unreachable";
  case WSTUN_FAILURE_TIMEOUT:
    return "timeout";
  case WSTUN_FAILURE_REFUSED:
    return "refused";
  case WSTUN_FAILURE_RELAY_CLOSED:
    return "relay-closed";
  case WSTUN_FAILURE_PROTOCOL:
    return "protocol";
  case WSTUN_FAILURE_DEVICE:
    return "device";
  case WSTUN_FAILURE_INTERNAL:
  default:
    return "internal";
  }
}

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

static void G_GNUC_PRINTF (2, 3) complain (WstunConnection *self, const char *format, ...)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *msg = NULL;
  va_list args;

  if (self->last_complaint != 0 && now - self->last_complaint < LOG_INTERVAL_USEC)
    return;
  self->last_complaint = now;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_warning ("%s: %s", self->url, msg);
}

/* Disconnected on request: nothing of the tunnel is left to describe (a
 * failed connection keeps its last addresses, for whoever reads why) */
static void
set_disconnected (WstunConnection *self)
{
  static const char *const none[] = { NULL };

  set_string (self, &self->address4, NULL, props[PROP_ADDRESS4]);
  set_string (self, &self->address6, NULL, props[PROP_ADDRESS6]);
  set_string (self, &self->relay_address, NULL, props[PROP_RELAY_ADDRESS]);
  set_strv (self, &self->routes, none, props[PROP_ROUTES]);
  set_strv (self, &self->dns, none, props[PROP_DNS]);
  if (self->mtu != 0) {
    self->mtu = 0;
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MTU]);
  }
  set_state (self, WSTUN_CONNECTION_STATE_DISCONNECTED);
}

/* Ends the attempt or the session with @message; the state becomes failed. */
static void
fail (WstunConnection *self, WstunFailure failure, const char *message)
{
  set_last_error (self, failure, message);
  teardown (self);
  if (self->stopping)
    set_disconnected (self);
  else
    set_state (self, WSTUN_CONNECTION_STATE_FAILED);
}

/* ---- counters: "stats-changed" at most once a second while they move -- */

static gboolean
on_stats_tick (gpointer user_data)
{
  WstunConnection *self = user_data;
  const WstunConnectionStats *now = &self->stats, *then = &self->stats_reported;

  if (now->rx_packets == then->rx_packets && now->tx_packets == then->tx_packets &&
      now->rx_bytes == then->rx_bytes && now->tx_bytes == then->tx_bytes &&
      now->dropped_packets == then->dropped_packets) {
    /* no traffic since the last tick: sleep until the next packet */
    g_clear_pointer (&self->stats_timer, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  self->stats_reported = self->stats;
  g_signal_emit (self, signals[SIGNAL_STATS_CHANGED], 0);
  return G_SOURCE_CONTINUE;
}

/* Called where the counters may have changed; costs a test per burst. */
static void
stats_touched (WstunConnection *self)
{
  if (self->stats_timer != NULL)
    return;
  self->stats_timer = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->stats_timer, on_stats_tick, self, NULL);
  g_source_attach (self->stats_timer, g_main_context_get_thread_default ());
}

/* ---- data path: TUN -> relay ----------------------------------------- */

static gboolean on_tun_readable (int fd, GIOCondition condition, gpointer user_data);

static void
watch_tun (WstunConnection *self)
{
  if (self->tun_source != NULL || self->tun == NULL)
    return;
  self->tun_source = g_unix_fd_source_new (wstun_tun_get_fd (self->tun), G_IO_IN);
  g_source_set_callback (self->tun_source, G_SOURCE_FUNC (on_tun_readable), self, NULL);
  g_source_attach (self->tun_source, g_main_context_get_thread_default ());
}

static gboolean
flush_tx (WstunConnection *self)
{
  WstunBatch *tx = self->tx;
  WstunWsSendResult res;

  if (tx->len == 0)
    return TRUE;
  res = wstun_ws_send_frame (self->ws, WSTUN_WS_OPCODE_BINARY, wstun_batch_payload (tx), tx->len,
                             FALSE);
  if (res == WSTUN_WS_SEND_OK) {
    self->stats.tx_packets += tx->packets;
    self->stats.tx_bytes += tx->len;
  } else {
    self->stats.dropped_packets += tx->packets;
  }
  wstun_batch_reset (tx);
  return res == WSTUN_WS_SEND_OK;
}

static gboolean
on_tun_readable (int fd, GIOCondition condition, gpointer user_data)
{
  WstunConnection *self = user_data;
  WstunBatch *tx = self->tx;

  (void) condition;
  for (guint i = 0; i < MAX_TUN_READS; i++) {
    ssize_t n;

    if (wstun_batch_full (tx, TUN_READ_ROOM)) {
      /* stop as soon as the socket stops taking whole frames: the queue
       * behind it must not grow by a frame per read */
      if (!flush_tx (self) || wstun_ws_get_backlog (self->ws) > 0)
        break;
    }
    n = read (fd, wstun_batch_payload (tx) + tx->len, wstun_batch_room (tx));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN)
        complain (self, "reading the TUN device: %s", g_strerror (errno));
      break;
    }
    if (n == 0)
      break;
    tx->len += n;
    tx->packets++;
  }
  flush_tx (self);
  stats_touched (self);

  /* the socket is full: leave packets in the device queue (the kernel's
   * own backpressure) until the relay connection drains */
  if (self->ws != NULL && wstun_ws_get_backlog (self->ws) > 0) {
    g_clear_pointer (&self->tun_source, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- data path: relay -> TUN ----------------------------------------- */

static void
receive_frame (WstunConnection *self, guint8 *data, gsize len)
{
  WstunFrameStatus status;
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *packet;
  guint n_packets = 0;
  int fd;

  stats_touched (self);
  status = wstun_frame_validate (data, len, WSTUN_FRAME_MAX_PACKETS, &n_packets, NULL, NULL);
  if (status != WSTUN_FRAME_OK) {
    self->stats.dropped_packets++;
    complain (self, "dropped a frame from the relay: %s", wstun_frame_status_to_string (status));
    return;
  }
  if (self->tun == NULL) {
    self->stats.dropped_packets += n_packets;
    return;
  }
  fd = wstun_tun_get_fd (self->tun);
  wstun_frame_iter_init (&iter, data, len);
  while (wstun_frame_iter_next (&iter, &packet, &info)) {
    ssize_t n;

    do
      n = write (fd, packet, info.length);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      self->stats.dropped_packets++;
      if (errno != EAGAIN && errno != ENOBUFS)
        complain (self, "writing to the TUN device: %s", g_strerror (errno));
      continue;
    }
    self->stats.rx_packets++;
    self->stats.rx_bytes += info.length;
  }
}

/* ---- control --------------------------------------------------------- */

static gboolean
setup_ip (WstunConnection *self, GError **error)
{
  g_autoptr (WstunNetlink) nl = NULL;
  int ifindex = wstun_tun_get_ifindex (self->tun);
  WstunPrefix prefix;

  nl = wstun_netlink_new (error);
  if (nl == NULL || !wstun_netlink_link_up (nl, ifindex, self->mtu, error))
    return FALSE;
  for (guint i = 0; i < 2; i++) {
    const char *cidr = i == 0 ? self->address4 : self->address6;

    if (cidr == NULL)
      continue;
    if (!wstun_prefix_parse (cidr, &prefix, error) ||
        !wstun_netlink_add_address (nl, ifindex, &prefix, error))
      return FALSE;
  }
  for (guint i = 0; self->routes[i] != NULL; i++) {
    if (!wstun_prefix_parse (self->routes[i], &prefix, error) ||
        !wstun_netlink_add_route (nl, ifindex, &prefix, error))
      return FALSE;
  }
  return TRUE;
}

static void
apply_config (WstunConnection *self, const WstunConfig *config)
{
  g_autoptr (GError) error = NULL;
  guint mtu = config->mtu;

  if (self->mtu_wish != 0 && self->mtu_wish < mtu)
    mtu = self->mtu_wish;
  set_string (self, &self->address4, config->address4, props[PROP_ADDRESS4]);
  set_string (self, &self->address6, config->address6, props[PROP_ADDRESS6]);
  set_strv (self, &self->routes, (const char *const *) config->routes, props[PROP_ROUTES]);
  set_strv (self, &self->dns, (const char *const *) config->dns, props[PROP_DNS]);
  if (self->mtu != mtu) {
    self->mtu = mtu;
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MTU]);
  }

  self->tun = wstun_tun_new (self->interface_wish, &error);
  if (self->tun == NULL) {
    fail (self, WSTUN_FAILURE_DEVICE, error->message);
    return;
  }
  if (self->manage_ip && !setup_ip (self, &error)) {
    g_autofree char *msg = g_strdup_printf (_ ("Cannot configure %s: %s"),
                                            wstun_tun_get_name (self->tun), error->message);
    fail (self, WSTUN_FAILURE_DEVICE, msg);
    return;
  }
  set_string (self, &self->interface, wstun_tun_get_name (self->tun), props[PROP_INTERFACE]);

  destroy_source (&self->handshake_timeout);
  wstun_ws_set_keepalive (self->ws, config->keepalive);
  watch_tun (self);
  set_last_error (self, WSTUN_FAILURE_NONE, NULL);
  g_message ("%s: connected on %s as %s%s%s, MTU %u", self->url, self->interface,
             self->address4 ? self->address4 : "", self->address4 && self->address6 ? " " : "",
             self->address6 ? self->address6 : "", self->mtu);
  set_state (self, WSTUN_CONNECTION_STATE_CONNECTED);
}

/* The relay's error codes (PROTOCOL.md), as failure reasons */
static WstunFailure
failure_for_relay_error (const char *code)
{
  if (g_strcmp0 (code, WSTUN_ERR_UNAUTHORIZED) == 0)
    return WSTUN_FAILURE_AUTH_FAILED;
  if (g_strcmp0 (code, WSTUN_ERR_BAD_MESSAGE) == 0 ||
      g_strcmp0 (code, WSTUN_ERR_UNSUPPORTED_VERSION) == 0)
    return WSTUN_FAILURE_PROTOCOL;
  return WSTUN_FAILURE_REFUSED;
}

static void
handle_control (WstunConnection *self, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) control = wstun_control_parse (data, len, &error);

  if (control == NULL) {
    g_autofree char *msg =
      g_strdup_printf (_ ("The relay sent an invalid message: %s"), error->message);
    set_last_error (self, WSTUN_FAILURE_PROTOCOL, msg);
    wstun_ws_close (self->ws, WSTUN_CLOSE_BAD_MESSAGE, WSTUN_ERR_BAD_MESSAGE);
    return;
  }
  switch (control->type) {
  case WSTUN_CONTROL_CONFIG:
    if (self->state == WSTUN_CONNECTION_STATE_CONNECTING)
      apply_config (self, &control->config);
    else
      g_debug ("ignoring a config update: not supported yet");
    return;
  case WSTUN_CONTROL_ERROR: {
    g_autofree char *text = wstun_printable (control->error.message, -1);
    g_autofree char *code = wstun_printable (control->error.code, -1);
    g_autofree char *msg =
      g_strdup_printf (_ ("The relay refused the connection: %s (%s)"), text, code);
    set_last_error (self, failure_for_relay_error (control->error.code), msg);
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
    if (self->state == WSTUN_CONNECTION_STATE_CONNECTED)
      receive_frame (self, data, len);
    return;
  }
  handle_control (self, (const char *) data, len);
}

static void
on_ws_drained (WstunWs *ws, gpointer user_data)
{
  WstunConnection *self = user_data;

  (void) ws;
  if (self->state == WSTUN_CONNECTION_STATE_CONNECTED)
    watch_tun (self);
}

static void
on_ws_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error,
              gpointer user_data)
{
  WstunConnection *self = user_data;
  g_autoptr (WstunConnection) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autofree char *msg = NULL;
  WstunFailure failure = self->failure;

  (void) ws;
  if (self->stopping) {
    g_message ("%s: disconnected", self->url);
    teardown (self);
    set_disconnected (self);
    return;
  }
  if (self->last_error != NULL) {
    msg = g_strdup (self->last_error);
  } else if (error != NULL) {
    msg = g_strdup_printf (_ ("Connection to the relay lost: %s"), error->message);
    failure = g_error_matches (error, WSTUN_ERROR, WSTUN_ERROR_TIMED_OUT)
                ? WSTUN_FAILURE_TIMEOUT
                : WSTUN_FAILURE_RELAY_CLOSED;
  } else {
    g_autofree char *text = wstun_printable (reason, -1);

    msg = g_strdup_printf (_ ("The relay closed the connection (%u%s%s)"), code,
                           text && *text ? ": " : "", text ? text : "");
    failure = code == WSTUN_CLOSE_UNAUTHORIZED ? WSTUN_FAILURE_AUTH_FAILED
              : code == WSTUN_CLOSE_BAD_MESSAGE || code == WSTUN_CLOSE_UNSUPPORTED_VERSION
                ? WSTUN_FAILURE_PROTOCOL
              : self->state == WSTUN_CONNECTION_STATE_CONNECTED ? WSTUN_FAILURE_RELAY_CLOSED
                                                                : WSTUN_FAILURE_REFUSED;
  }
  g_warning ("%s: %s", self->url, msg);
  fail (self, failure, msg);
}

static void
send_hello (WstunConnection *self)
{
  WstunHello hello = {
    .version = WSTUN_PROTOCOL_VERSION,
    .software = (char *) "wstund/" PACKAGE_VERSION,
  };
  g_autofree char *json = wstun_hello_to_json (&hello);

  wstun_ws_send_text (self->ws, json, -1);
}

/* ---- handshake: TLS, token ------------------------------------------- */

static char *
describe_tls_errors (GTlsCertificateFlags flags)
{
  g_autoptr (GString) out = g_string_new (NULL);
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA,
      N_ ("it is not signed by a trusted certificate authority (set ca-file, or pin-sha256)") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_ ("it was issued for another host name") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_ ("it is not valid yet") },
    { G_TLS_CERTIFICATE_EXPIRED, N_ ("it has expired") },
    { G_TLS_CERTIFICATE_REVOKED, N_ ("it has been revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_ ("it uses an insecure algorithm") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_ ("it could not be verified") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++) {
    if (flags & reasons[i].flag)
      g_string_append_printf (out, "%s%s", out->len > 0 ? "; " : "", _ (reasons[i].text));
  }
  if (out->len == 0)
    g_string_append (out, _ ("it could not be verified"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Errors of name resolution and of the TCP connection itself */
static gboolean
is_unreachable (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND);
}

static char *
describe_handshake_error (WstunConnection *self, const GError *error, WstunFailure *failure)
{
  guint status = self->msg != NULL ? soup_message_get_status (self->msg) : 0;
  g_autofree char *phrase =
    wstun_printable (self->msg != NULL ? soup_message_get_reason_phrase (self->msg) : NULL, -1);

  *failure = WSTUN_FAILURE_REFUSED;
  if (self->peer_pin != NULL && !self->pin_matched && self->pin_sha256 != NULL) {
    *failure = WSTUN_FAILURE_TLS_PIN_MISMATCH;
    return g_strdup_printf (_ ("The relay's public key does not match pin-sha256 (the relay "
                               "presented pin-sha256:%s)"),
                            self->peer_pin);
  }
  if (self->tls_errors != 0) {
    g_autofree char *why = describe_tls_errors (self->tls_errors);

    /* a certificate out of its dates and an untrusted one are fixed by
     * different people: the relay's operator, or the user's settings */
    *failure = (self->tls_errors & ~(G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
                 ? WSTUN_FAILURE_TLS_UNTRUSTED
                 : WSTUN_FAILURE_TLS_EXPIRED;
    return g_strdup_printf (_ ("The relay's TLS certificate was refused: %s"), why);
  }
  switch (status) {
  case SOUP_STATUS_UNAUTHORIZED:
    *failure = WSTUN_FAILURE_AUTH_FAILED;
    return g_strdup (self->token != NULL
                       ? _ ("The relay refused the token (HTTP 401): it is unknown or revoked")
                       : _ ("The relay requires a token (HTTP 401), and none was given"));
  case 429:
    return g_strdup (_ ("The relay refuses this address for now: too many failed "
                        "authentications (HTTP 429)"));
  case SOUP_STATUS_SERVICE_UNAVAILABLE:
    return g_strdup (_ ("The relay is full or shutting down (HTTP 503)"));
  case SOUP_STATUS_BAD_REQUEST:
    return g_strdup_printf (_ ("The relay refused the WebSocket upgrade (HTTP 400): %s"), phrase);
  case SOUP_STATUS_NOT_FOUND:
    return g_strdup_printf (_ ("No wstun relay at %s (HTTP 404)"), self->url);
  default:
    if (status >= 300)
      return g_strdup_printf (_ ("The relay answered HTTP %u %s instead of upgrading"), status,
                              phrase);
    if (is_unreachable (error))
      *failure = WSTUN_FAILURE_UNREACHABLE;
    else if (status != 0 || error->domain == SOUP_WEBSOCKET_ERROR)
      *failure = WSTUN_FAILURE_PROTOCOL;
    else
      *failure = WSTUN_FAILURE_RELAY_CLOSED;
    return g_strdup_printf (_ ("Cannot connect to %s: %s"), self->url, error->message);
  }
}

/* Called when the certificate failed the CA checks, and always with a pin
 * (on_network_event()): a pin, if set, decides instead, as openconnect's
 * --servercert does. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       WstunConnection *self)
{
  g_autoptr (GError) error = NULL;

  (void) msg;
  self->tls_errors = errors;
  if (self->pin_sha256 == NULL)
    return FALSE;
  g_free (self->peer_pin);
  self->peer_pin = wstun_pin_for_certificate (certificate, &error);
  if (self->peer_pin == NULL) {
    g_warning ("%s: %s", self->url, error->message);
    return FALSE;
  }
  self->pin_matched = g_str_equal (self->peer_pin, self->pin_sha256);
  if (self->pin_matched)
    g_message ("%s: accepting the relay's certificate by its pin", self->url);
  return self->pin_matched;
}

/* RelayAddress: the IP the TCP connection reached (a name may resolve to
 * several; this is the one a host route must keep outside the tunnel) */
static void
note_relay_address (WstunConnection *self, GSocketConnection *connection)
{
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autofree char *ip = NULL;

  if (G_IS_INET_SOCKET_ADDRESS (remote))
    ip =
      g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  set_string (self, &self->relay_address, ip, props[PROP_RELAY_ADDRESS]);
}

/* With a pin, the pin decides during the TLS handshake, before the upgrade
 * request and its token go out: without a database GIO fails every
 * certificate with UNKNOWN_CA, so on_accept_certificate() always runs.
 * (Left to the CAs, a certificate they accept is never shown to it, and
 * the token went to a relay with another key before the pin was checked.) */
static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection,
                  WstunConnection *self)
{
  (void) msg;
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    note_relay_address (self, G_SOCKET_CONNECTION (connection));
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && self->pin_sha256 != NULL &&
      G_IS_TLS_CONNECTION (connection))
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), NULL);
}

/* A certificate the CAs accepted must match the pin too (a safety net:
 * on_network_event() has the pin checked during the handshake). */
static gboolean
check_pin_after_handshake (WstunConnection *self, GError **error)
{
  GTlsCertificate *certificate;

  if (self->pin_sha256 == NULL || self->pin_matched)
    return TRUE;
  certificate = soup_message_get_tls_peer_certificate (self->msg);
  if (certificate == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("pin-sha256 is set but %s is not a wss:// URL"), self->url);
    return FALSE;
  }
  g_free (self->peer_pin);
  self->peer_pin = wstun_pin_for_certificate (certificate, error);
  if (self->peer_pin == NULL)
    return FALSE;
  if (!g_str_equal (self->peer_pin, self->pin_sha256)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_AUTHORIZED,
                 _ ("The relay's public key does not match pin-sha256 (the relay presented "
                    "pin-sha256:%s)"),
                 self->peer_pin);
    return FALSE;
  }
  self->pin_matched = TRUE;
  return TRUE;
}

static void
on_websocket_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunConnection) self = user_data;
  g_autoptr (GError) error = NULL;
  static const WstunWsCallbacks callbacks = {
    .message = on_ws_message,
    .drained = on_ws_drained,
    .closed = on_ws_closed,
  };
  SoupWebsocketConnection *conn;
  GIOStream *stream;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (conn == NULL) {
    g_autofree char *msg = NULL;

    WstunFailure failure;

    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    msg = describe_handshake_error (self, error, &failure);
    g_warning ("%s", msg);
    fail (self, failure, msg);
    return;
  }
  self->soup_conn = conn;
  if (!check_pin_after_handshake (self, &error)) {
    g_warning ("%s: %s", self->url, error->message);
    fail (self, WSTUN_FAILURE_TLS_PIN_MISMATCH, error->message);
    return;
  }
  g_clear_object (&self->msg);
  if (g_strcmp0 (soup_websocket_connection_get_protocol (conn), WSTUN_SUBPROTOCOL) != 0) {
    g_autofree char *msg = g_strdup_printf (_ ("%s is not a wstun relay (it did not accept the "
                                               "wstun.v1 WebSocket subprotocol)"),
                                            self->url);
    fail (self, WSTUN_FAILURE_PROTOCOL, msg);
    return;
  }
  stream = wstun_ws_take_over (conn, &error);
  if (stream == NULL) {
    fail (self, WSTUN_FAILURE_INTERNAL, error->message);
    return;
  }
  self->ws = wstun_ws_new (stream, WSTUN_WS_ROLE_CLIENT);
  wstun_ws_set_max_backlog (self->ws, CLIENT_BACKLOG);
  wstun_ws_start (self->ws, &callbacks, self);
  send_hello (self);
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  WstunConnection *self = user_data;
  g_autofree char *msg = NULL;

  g_clear_pointer (&self->handshake_timeout, g_source_unref);
  msg = g_strdup_printf (_ ("The relay did not complete the handshake within %d seconds"),
                         HANDSHAKE_TIMEOUT_SECONDS);
  g_warning ("%s: %s", self->url, msg);
  fail (self, WSTUN_FAILURE_TIMEOUT, msg);
  return G_SOURCE_REMOVE;
}

/* Releases everything the session holds; the TUN device disappears. */
static void
teardown (WstunConnection *self)
{
  destroy_source (&self->handshake_timeout);
  destroy_source (&self->tun_source);
  if (self->cancellable != NULL) {
    g_cancellable_cancel (self->cancellable);
    g_clear_object (&self->cancellable);
  }
  if (self->ws != NULL) {
    wstun_ws_detach (self->ws);
    g_clear_object (&self->ws);
  }
  g_clear_object (&self->soup_conn);
  g_clear_object (&self->msg);
  g_clear_object (&self->session);
  g_clear_object (&self->tun);
  if (self->tx != NULL)
    wstun_batch_reset (self->tx);
  set_string (self, &self->interface, NULL, props[PROP_INTERFACE]);
}

/* The token header, the CA file and the pin, on the upgrade request. */
static gboolean
prepare_security (WstunConnection *self, SoupMessage *msg, GError **error)
{
  gboolean tls = g_str_equal (g_uri_get_scheme (soup_message_get_uri (msg)), "wss");

  self->tls_errors = 0;
  self->pin_matched = FALSE;
  g_clear_pointer (&self->peer_pin, g_free);
  if (self->token != NULL) {
    g_autofree char *value = g_strconcat ("Bearer ", self->token, NULL);

    if (!tls)
      g_warning ("%s: sending the token unencrypted: anyone on the path can read it (use wss://)",
                 self->url);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
  }
  /* the CA replaces the system's CAs for this relay */
  if (self->ca_database != NULL)
    soup_session_set_tls_database (self->session, self->ca_database);
  if (self->pin_sha256 != NULL && !tls) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("pin-sha256 is set but %s is not a wss:// URL"), self->url);
    return FALSE;
  }
  g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), self, 0);
  g_signal_connect_object (msg, "network-event", G_CALLBACK (on_network_event), self, 0);
  return TRUE;
}

void
wstun_connection_start (WstunConnection *self)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  const char *protocols[] = { WSTUN_SUBPROTOCOL, NULL };

  g_return_if_fail (WSTUN_IS_CONNECTION (self));

  if (self->state != WSTUN_CONNECTION_STATE_DISCONNECTED &&
      self->state != WSTUN_CONNECTION_STATE_FAILED)
    return;

  self->stopping = FALSE;
  set_last_error (self, WSTUN_FAILURE_NONE, NULL);
  set_string (self, &self->relay_address, NULL, props[PROP_RELAY_ADDRESS]);
  set_state (self, WSTUN_CONNECTION_STATE_CONNECTING);

  msg = soup_message_new (SOUP_METHOD_GET, self->url);
  if (msg == NULL) { /* checked in _new(); cannot happen */
    fail (self, WSTUN_FAILURE_INTERNAL, _ ("Invalid relay URL"));
    return;
  }
  /* no proxy resolver: GIO's default one loads libproxy (and libstdc++)
   * into a system service, 1.7 MB of resident memory, for proxies that a
   * relay connection does not use (explicit proxy support would be a
   * setting) */
  self->session = soup_session_new_with_options ("user-agent", "wstund/" PACKAGE_VERSION " ",
                                                 "proxy-resolver", NULL, NULL);
  if (!prepare_security (self, msg, &error)) {
    fail (self, WSTUN_FAILURE_INTERNAL, error->message);
    return;
  }
  self->msg = g_object_ref (msg);
  self->cancellable = g_cancellable_new ();
  self->handshake_timeout = g_timeout_source_new_seconds (HANDSHAKE_TIMEOUT_SECONDS);
  g_source_set_callback (self->handshake_timeout, on_handshake_timeout, self, NULL);
  g_source_attach (self->handshake_timeout, g_main_context_get_thread_default ());
  soup_session_websocket_connect_async (self->session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, self->cancellable,
                                        on_websocket_connected, g_object_ref (self));
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
      set_state (self, WSTUN_CONNECTION_STATE_DISCONNECTING);
      destroy_source (&self->tun_source);
      wstun_ws_close (self->ws, WSTUN_WS_CLOSE_NORMAL, "client disconnecting");
      return;
    }
    teardown (self);
    set_disconnected (self);
    return;
  case WSTUN_CONNECTION_STATE_DISCONNECTING:
  case WSTUN_CONNECTION_STATE_DISCONNECTED:
  case WSTUN_CONNECTION_STATE_FAILED:
  default:
    return;
  }
}

/* An IP address, or a DNS name (internationalized names in their ASCII
 * form): labels of 1 to 63 letters, digits, '-' (not first or last) or '_'
 * (seen in private networks), an optional final dot. */
static gboolean
host_is_valid (const char *host)
{
  g_autofree char *ascii = NULL;
  g_auto (GStrv) labels = NULL;
  gsize len;

  if (g_hostname_is_ip_address (host))
    return TRUE;
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;
  len = strlen (ascii);
  if (len > 0 && ascii[len - 1] == '.')
    ascii[--len] = '\0';
  if (len == 0 || len > 253)
    return FALSE;
  labels = g_strsplit (ascii, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++) {
    gsize n = strlen (labels[i]);

    if (n == 0 || n > 63 || labels[i][0] == '-' || labels[i][n - 1] == '-')
      return FALSE;
    for (gsize k = 0; k < n; k++) {
      if (!g_ascii_isalnum (labels[i][k]) && labels[i][k] != '-' && labels[i][k] != '_')
        return FALSE;
    }
  }
  return TRUE;
}

gboolean
wstun_connection_check_url (const char *url, gboolean *tls, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *host = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  /* messages quote the beginning of a hostile URL, not all of it */
  shown = wstun_printable_prefix (url, -1, 64);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local);
  if (uri == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("Invalid relay URL “%s”: %s"),
                 shown, local->message);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s” must be ws://HOST[:PORT][/PATH] or wss://…"), shown);
    return FALSE;
  }
  /* GUri takes any bytes as a host name ("ws://a b"), and port 0 */
  if (!host_is_valid (g_uri_get_host (uri))) {
    host = wstun_printable_prefix (g_uri_get_host (uri), -1, 64);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s”: “%s” is neither a host name nor an IP address"), shown, host);
    return FALSE;
  }
  if (g_uri_get_port (uri) == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s”: port 0 is not a port to connect to"), shown);
    return FALSE;
  }
  /* a password in a URL ends up in settings files, logs and process lists */
  if (g_uri_get_userinfo (uri) != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s” carries a user name or password: give the relay's token "
                    "in a token file instead"),
                 shown);
    return FALSE;
  }
  if (g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s” has a fragment (“#…”), which is never sent to the relay"),
                 shown);
    return FALSE;
  }
  if (tls != NULL)
    *tls = g_ascii_strcasecmp (scheme, "wss") == 0;
  return TRUE;
}

WstunConnection *
wstun_connection_new (const char *url, GError **error)
{
  WstunConnection *self;

  g_return_val_if_fail (url != NULL, NULL);

  if (!wstun_connection_check_url (url, NULL, error))
    return NULL;
  self = g_object_new (WSTUN_TYPE_CONNECTION, NULL);
  self->url = g_strdup (url);
  return self;
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

const WstunConnectionStats *
wstun_connection_get_stats (WstunConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_CONNECTION (self), NULL);
  return &self->stats;
}

static void
wstun_connection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WstunConnection *self = WSTUN_CONNECTION (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_uint (value, self->state);
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
    g_value_set_uint (value, self->failure);
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
  destroy_source (&self->stats_timer);
  G_OBJECT_CLASS (wstun_connection_parent_class)->dispose (object);
}

static void
wstun_connection_finalize (GObject *object)
{
  WstunConnection *self = WSTUN_CONNECTION (object);

  g_free (self->url);
  g_free (self->interface_wish);
  g_free (self->token);
  g_clear_object (&self->ca_database);
  g_free (self->pin_sha256);
  g_free (self->peer_pin);
  g_free (self->interface);
  g_free (self->address4);
  g_free (self->address6);
  g_strfreev (self->routes);
  g_strfreev (self->dns);
  g_free (self->last_error);
  g_free (self->relay_address);
  wstun_batch_free (self->tx);
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

  props[PROP_STATE] =
    g_param_spec_uint ("state", NULL, NULL, 0, WSTUN_CONNECTION_STATE_FAILED, 0, ro);
  props[PROP_INTERFACE] = g_param_spec_string ("interface", NULL, NULL, NULL, ro);
  props[PROP_ADDRESS4] = g_param_spec_string ("address4", NULL, NULL, NULL, ro);
  props[PROP_ADDRESS6] = g_param_spec_string ("address6", NULL, NULL, NULL, ro);
  props[PROP_MTU] = g_param_spec_uint ("mtu", NULL, NULL, 0, G_MAXUINT, 0, ro);
  props[PROP_ROUTES] = g_param_spec_boxed ("routes", NULL, NULL, G_TYPE_STRV, ro);
  props[PROP_DNS] = g_param_spec_boxed ("dns", NULL, NULL, G_TYPE_STRV, ro);
  props[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  props[PROP_FAILURE] = g_param_spec_uint ("failure", NULL, NULL, 0, WSTUN_FAILURE_INTERNAL, 0, ro);
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
  self->tx = wstun_batch_new ();
  self->routes = g_new0 (char *, 1);
  self->dns = g_new0 (char *, 1);
}
