/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-session.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-client-log.h"
#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-printable.h"
#include "wstun-reactor.h"
#include "wstun-seed.h"

/* At most one complaint per client per interval reaches the log. */
#define LOG_INTERVAL_USEC (10 * G_USEC_PER_SEC)

/* Picks a client's addresses again after another relay claimed one first */
#define MAX_CLAIM_ATTEMPTS 5

typedef enum {
  SESSION_AWAIT_HELLO,
  SESSION_CLAIMING, /* hello received; the cluster's etcd is asked */
  SESSION_ACTIVE,
  SESSION_SEED,
  SESSION_CLOSED,
} SessionState;

struct _WstunSession {
  GObject parent_instance;

  WstunSessionContext ctx;
  WstunWs *ws;
  char *remote;
  SessionState state;
  WstunRouterPeer peer;
  WstunTimer hello_timer; /* in the relay's reactor, not a GSource per client */
  WstunReactor *reactor;
  guint8 *seed_packet;
  char *token_name; /* NULL on an open relay */
  guint8 token_sha256[32];
  gboolean has_static4, has_static6;
  WstunAddr static4, static6;
  gboolean has_lease; /* holds the lease lease_hash (a wstun.v1 client after hello) */
  guint8 lease_hash[WSTUN_RESUME_HASH_LEN];
  char *addresses; /* the addresses it holds, for logs */
  /* the hello, kept while the cluster is asked */
  char *resume;
  gboolean has_wish4, has_wish6;
  WstunAddr wish4, wish6;
  gboolean want_offload;
  char *software;
  WstunLeaseGrant grant;
  WstunLeaseInfo takeover; /* a lease being taken over from another relay */
  WstunLeaseInfo claiming; /* the lease being claimed */
  guint claim_attempts;
  gboolean relay_closed; /* the relay started the closing handshake */
  gboolean revoked;
  gint64 last_log;
  guint suppressed;
};

enum { SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunSession, wstun_session, G_TYPE_OBJECT)

static void G_GNUC_PRINTF (2, 3) session_complain (WstunSession *self, const char *format, ...)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *raw = NULL;
  g_autofree char *msg = NULL;
  va_list args;

  if (self->last_log != 0 && now - self->last_log < LOG_INTERVAL_USEC) {
    self->suppressed++;
    return;
  }
  va_start (args, format);
  raw = g_strdup_vprintf (format, args);
  va_end (args);
  msg = wstun_printable (raw, -1); /* may quote the peer (parser errors) */
  if (self->suppressed > 0)
    g_warning ("client %s: %s (%u similar messages suppressed)", self->remote, msg,
               self->suppressed);
  else
    g_warning ("client %s: %s", self->remote, msg);
  self->last_log = now;
  self->suppressed = 0;
}

static void
stop_hello_timeout (WstunSession *self)
{
  wstun_timer_stop (&self->hello_timer);
}

static void client_log (WstunSession *self, GLogLevelFlags level, const char *event,
                        const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
client_log (WstunSession *self, GLogLevelFlags level, const char *event, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  wstun_client_log (level,
                    &(WstunClientLogFields){ .event = event,
                                             .client = self->remote,
                                             .address = self->addresses,
                                             .token = self->token_name },
                    "%s", msg);
}

/* Tells the client why in an "error" message, then closes with @close_code. */
static void
send_error_and_close (WstunSession *self, const char *code, guint16 close_code, const char *message)
{
  g_autofree char *json = wstun_error_message_to_json (code, message);

  wstun_ws_send_text (self->ws, json, -1);
  wstun_session_close (self, close_code, code);
}

static void
refuse (WstunSession *self, const char *code, guint16 close_code, const char *message)
{
  g_autofree char *text = wstun_printable (message, -1);

  client_log (self, G_LOG_LEVEL_MESSAGE, "refused", "client %s refused: %s", self->remote, text);
  if (close_code == WSTUN_CLOSE_BAD_MESSAGE)
    self->ctx.counters->bad_messages++;
  else if (close_code == WSTUN_CLOSE_HELLO_TIMEOUT)
    self->ctx.counters->hello_timeouts++;
  send_error_and_close (self, code, close_code, message);
}

static guint16
close_code_for (const char *error_code)
{
  static const struct {
    const char *code;
    guint16 close;
  } map[] = {
    { WSTUN_ERR_BAD_MESSAGE, WSTUN_CLOSE_BAD_MESSAGE },
    { WSTUN_ERR_UNAUTHORIZED, WSTUN_CLOSE_UNAUTHORIZED },
    { WSTUN_ERR_HELLO_TIMEOUT, WSTUN_CLOSE_HELLO_TIMEOUT },
    { WSTUN_ERR_ADDRESS_IN_USE, WSTUN_CLOSE_ADDRESS_IN_USE },
    { WSTUN_ERR_ADDRESS_UNAVAILABLE, WSTUN_CLOSE_ADDRESS_UNAVAILABLE },
    { WSTUN_ERR_UNSUPPORTED_VERSION, WSTUN_CLOSE_UNSUPPORTED_VERSION },
    { WSTUN_ERR_POOL_EXHAUSTED, WSTUN_CLOSE_POOL_EXHAUSTED },
    { WSTUN_ERR_REPLACED, WSTUN_CLOSE_REPLACED },
    { WSTUN_ERR_CLUSTER_UNAVAILABLE, WSTUN_CLOSE_CLUSTER_UNAVAILABLE },
    { WSTUN_ERR_INTERNAL, WSTUN_WS_CLOSE_SERVER_ERROR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++) {
    if (g_str_equal (map[i].code, error_code))
      return map[i].close;
  }
  return WSTUN_CLOSE_BAD_MESSAGE;
}

static char *
address_with_prefix (WstunSession *self, const WstunAddr *addr)
{
  WstunPool *pool = wstun_leases_get_pool (self->ctx.leases, addr->family);
  WstunPrefix prefix = { .addr = *addr, .prefix_len = addr->family == AF_INET ? 32 : 128 };
  char buf[WSTUN_PREFIX_STRLEN];

  if (pool != NULL && wstun_prefix_contains (wstun_pool_get_prefix (pool), addr))
    prefix.prefix_len = wstun_pool_get_prefix (pool)->prefix_len;
  return g_strdup (wstun_prefix_to_string (&prefix, buf));
}

static void
lease_info (WstunSession *self, WstunLeaseInfo *info)
{
  memset (info, 0, sizeof *info);
  memcpy (info->hash, self->lease_hash, sizeof info->hash);
  info->token_name = self->token_name;
  info->n_addrs = self->peer.n_addrs;
  memcpy (info->addrs, self->peer.addrs, sizeof info->addrs);
  info->held = TRUE;
}

static void
refuse_cluster (WstunSession *self, const char *why)
{
  g_autofree char *msg = g_strdup_printf (
    _ ("The relay cannot reach its cluster's store to admit new clients (%s); try another relay"),
    why);

  self->ctx.counters->cluster_unavailable++;
  refuse (self, WSTUN_ERR_CLUSTER_UNAVAILABLE, WSTUN_CLOSE_CLUSTER_UNAVAILABLE, msg);
}

/* The client has its addresses: config, and the session is live */
static void
finish_hello (WstunSession *self)
{
  WstunConfig config = { 0 };
  g_autofree char *json = NULL;
  g_autoptr (GString) names = g_string_new (NULL);
  WstunLeaseGrant *grant = &self->grant;
  const char *how = "";

  for (guint i = 0; i < self->peer.n_addrs; i++) {
    char *cidr = address_with_prefix (self, &self->peer.addrs[i]);

    if (self->peer.addrs[i].family == AF_INET)
      config.address4 = cidr;
    else
      config.address6 = cidr;
    g_string_append_printf (names, "%s%s", names->len ? ", " : "", cidr);
  }
  g_free (self->addresses);
  self->addresses = g_strdup (names->str);
  if (grant->replaced != NULL)
    wstun_session_replace (grant->replaced, self->remote);

  config.mtu = self->ctx.config->mtu;
  config.routes = self->ctx.config->routes;
  config.dns = self->ctx.config->dns;
  config.resume = grant->resume_id;
  config.keepalive = self->ctx.config->keepalive;
  /* the one capability: offload records in data frames, both ways */
  self->peer.offload = self->want_offload;
  config.capabilities = g_new0 (char *, 2);
  if (self->peer.offload)
    config.capabilities[0] = g_strdup (WSTUN_CAPABILITY_OFFLOAD);
  json = wstun_config_to_json (&config);
  config.routes = config.dns = NULL;
  config.resume = NULL;
  wstun_config_clear (&config);

  self->state = SESSION_ACTIVE;
  wstun_ws_set_keepalive (self->ws, self->ctx.config->keepalive);
  wstun_ws_send_text (self->ws, json, -1);
  if (grant->resume == WSTUN_RESUME_HIT)
    how = grant->replaced != NULL ? ", resumed a live session" : ", resumed";
  else if (grant->resume == WSTUN_RESUME_MISS)
    how = ", resume id unknown: new addresses";
  if (self->takeover.n_addrs > 0)
    how = ", resumed from another relay";
  grant->replaced = NULL;
  client_log (self, G_LOG_LEVEL_MESSAGE,
              grant->resume == WSTUN_RESUME_HIT ? "resumed" : "connected",
              "client %s connected as %s (%s%s%s%s)", self->remote, names->str,
              self->software != NULL ? self->software : "unknown software",
              self->token_name != NULL ? ", token " : "",
              self->token_name != NULL ? self->token_name : "", how);
}

static void open_lease (WstunSession *self);

static void
on_claimed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunSession) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean won = FALSE;
  gboolean ok = wstun_claims_claim_finish (WSTUN_CLAIMS (source), result, &won, &error);

  if (self->state != SESSION_CLAIMING) {
    /* closed meanwhile: a claim made after its lease ended is given up */
    if (ok && won && !wstun_leases_knows (self->ctx.leases, self->claiming.hash))
      wstun_claims_release (WSTUN_CLAIMS (source), &self->claiming);
    return;
  }
  if (ok && won) {
    finish_hello (self);
    return;
  }
  /* the lease goes (another relay's claim may have ended it already) */
  wstun_leases_close (self->ctx.leases, self->lease_hash, &self->peer, FALSE);
  wstun_router_remove_peer (self->ctx.router, &self->peer);
  self->has_lease = FALSE;
  if (!ok) {
    refuse_cluster (self, error->message);
    return;
  }
  /* another relay claimed one of the addresses first: they are known here
   * now, so another pick avoids them */
  if (++self->claim_attempts < MAX_CLAIM_ATTEMPTS) {
    open_lease (self);
    return;
  }
  refuse (self, WSTUN_ERR_ADDRESS_IN_USE, WSTUN_CLOSE_ADDRESS_IN_USE,
          _ ("Another relay of the cluster holds the address"));
}

/* The addresses of the client: its lease here, or new ones; in a cluster,
 * new ones are claimed before the client hears of them */
static void
open_lease (WstunSession *self)
{
  WstunLeaseRequest request = {
    .resume = self->resume,
    .token_name = self->token_name,
    .static4 = self->has_static4 ? &self->static4 : NULL,
    .static6 = self->has_static6 ? &self->static6 : NULL,
    .wish4 = self->has_wish4 ? &self->wish4 : NULL,
    .wish6 = self->has_wish6 ? &self->wish6 : NULL,
    .owner = self,
  };
  const char *error_code = NULL;
  g_autoptr (GError) error = NULL;

  if (!wstun_leases_open (self->ctx.leases, &self->peer, &request, &self->grant, &error_code,
                          &error)) {
    refuse (self, error_code, close_code_for (error_code), error->message);
    return;
  }
  self->has_lease = TRUE;
  memcpy (self->lease_hash, self->grant.hash, sizeof self->lease_hash);
  if (self->ctx.claims == NULL || self->grant.resume == WSTUN_RESUME_HIT) {
    finish_hello (self);
    return;
  }
  self->state = SESSION_CLAIMING;
  lease_info (self, &self->claiming);
  wstun_claims_claim_async (self->ctx.claims, &self->claiming, NULL, on_claimed,
                            g_object_ref (self));
}

static void
on_taken_over (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunSession) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean won = FALSE;

  if (!wstun_claims_take_over_finish (WSTUN_CLAIMS (source), result, &won, &error)) {
    if (self->state == SESSION_CLAIMING)
      refuse_cluster (self, error->message);
    return;
  }
  if (won) {
    g_autoptr (GError) local = NULL;

    /* the lease as the other relay had it; resumed below like any here,
     * or kept for the client if it went meanwhile */
    if (!wstun_leases_restore (self->ctx.leases, &self->takeover,
                               self->has_static4 ? &self->static4 : NULL,
                               self->has_static6 ? &self->static6 : NULL, &local))
      g_message ("client %s: the lease taken over cannot be restored: %s", self->remote,
                 local->message);
  } else {
    self->takeover.n_addrs = 0;
  }
  if (self->state == SESSION_CLAIMING)
    open_lease (self);
}

static void
handle_hello (WstunSession *self, const WstunHello *hello)
{
  guint8 hash[WSTUN_RESUME_HASH_LEN];
  gboolean has_id;

  if (hello->version != WSTUN_PROTOCOL_VERSION) {
    g_autofree char *msg = g_strdup_printf (_ ("Protocol version %u is not supported (only %d)"),
                                            hello->version, WSTUN_PROTOCOL_VERSION);
    refuse (self, WSTUN_ERR_UNSUPPORTED_VERSION, WSTUN_CLOSE_UNSUPPORTED_VERSION, msg);
    return;
  }
  stop_hello_timeout (self);
  self->resume = g_strdup (hello->resume);
  self->has_wish4 =
    hello->address4 != NULL && wstun_addr_parse (hello->address4, &self->wish4, NULL);
  self->has_wish6 =
    hello->address6 != NULL && wstun_addr_parse (hello->address6, &self->wish6, NULL);
  self->want_offload =
    g_strv_contains ((const char *const *) hello->capabilities, WSTUN_CAPABILITY_OFFLOAD);
  self->software = wstun_printable (hello->software, -1);
  if (self->ctx.claims == NULL) {
    open_lease (self);
    return;
  }
  has_id = self->resume != NULL && wstun_resume_id_is_valid (self->resume);
  if (has_id) {
    wstun_resume_id_hash (self->resume, hash);
    /* a lease here is claimed already: resuming it needs no etcd */
    if (wstun_leases_knows (self->ctx.leases, hash)) {
      open_lease (self);
      return;
    }
  }
  if (!wstun_claims_is_ready (self->ctx.claims)) {
    refuse_cluster (self, "not registered in etcd");
    return;
  }
  /* a client back from another relay, with its resume id: its lease is
   * taken over from there, in one transaction */
  self->state = SESSION_CLAIMING;
  if (has_id && wstun_claims_find_resume (self->ctx.claims, hash, &self->takeover) &&
      g_strcmp0 (self->takeover.token_name, self->token_name) == 0) {
    /* the token name points into the claims; the session's is the same */
    self->takeover.token_name = self->token_name;
    wstun_claims_take_over_async (self->ctx.claims, &self->takeover, NULL, on_taken_over,
                                  g_object_ref (self));
    return;
  }
  self->takeover.n_addrs = 0;
  open_lease (self);
}

static void
handle_control (WstunSession *self, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) control = wstun_control_parse (data, len, &error);

  if (control == NULL) {
    refuse (self, WSTUN_ERR_BAD_MESSAGE, WSTUN_CLOSE_BAD_MESSAGE, error->message);
    return;
  }
  /* hello first, whatever a later version may send after it */
  if (self->state == SESSION_AWAIT_HELLO && control->type != WSTUN_CONTROL_HELLO) {
    refuse (self, WSTUN_ERR_BAD_MESSAGE, WSTUN_CLOSE_BAD_MESSAGE,
            _ ("The first message must be hello"));
    return;
  }
  switch (control->type) {
  case WSTUN_CONTROL_UNKNOWN: { /* forward compatible: ignore */
    g_autofree char *type = wstun_printable (control->type_name, -1);

    g_debug ("client %s: ignoring control message of type “%s”", self->remote, type);
    return;
  }
  case WSTUN_CONTROL_HELLO:
    if (self->state == SESSION_AWAIT_HELLO) {
      handle_hello (self, &control->hello);
      return;
    }
    refuse (self, WSTUN_ERR_BAD_MESSAGE, WSTUN_CLOSE_BAD_MESSAGE, _ ("Second hello"));
    return;
  case WSTUN_CONTROL_CONFIG:
  case WSTUN_CONTROL_ERROR:
  default:
    refuse (self, WSTUN_ERR_BAD_MESSAGE, WSTUN_CLOSE_BAD_MESSAGE,
            _ ("Only the relay sends config and error messages"));
    return;
  }
}

static void
handle_seed (WstunSession *self, const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  WstunSeedKind kind;
  WstunAddr addr;
  WstunPacketInfo info;
  gsize packet_len = 0;

  if (self->seed_packet == NULL)
    self->seed_packet = g_malloc (WSTUN_PACKET_MAX);
  if (!wstun_seed_parse (text, len, &kind, &addr, self->seed_packet, &packet_len, &info, &error)) {
    self->peer.counters.drop_malformed++;
    session_complain (self, "%s", error->message);
    return;
  }

  /* A freshly configured TUN device first sends link-local chatter (IPv6
   * router solicitations and MLD reports from fe80::/10 or ::). Such a
   * source is no address the client can be reached at: it does not
   * register the client (which would refuse and close it), and the packet
   * is dropped below like any packet of a source the client does not hold. */
  if (kind == WSTUN_SEED_REGISTER ||
      (self->peer.n_addrs == 0 && wstun_addr_is_forwardable (&info.src))) {
    const WstunAddr *own = kind == WSTUN_SEED_REGISTER ? &addr : &info.src;
    char buf[WSTUN_ADDR_STRLEN];

    if (self->peer.n_addrs > 0 && !wstun_router_peer_owns (&self->peer, own)) {
      session_complain (self, "seed client registers a second address");
      return;
    }
    if (self->peer.n_addrs == 0) {
      if (!wstun_leases_claim (self->ctx.leases, &self->peer, own, &error)) {
        /* the original relay had no error message: close with the reason */
        client_log (self, G_LOG_LEVEL_MESSAGE, "refused", "seed client %s refused: %s",
                    self->remote, error->message);
        wstun_session_close (self, WSTUN_CLOSE_ADDRESS_IN_USE, error->message);
        return;
      }
      g_free (self->addresses);
      self->addresses = g_strdup (wstun_addr_to_string (own, buf));
      client_log (self, G_LOG_LEVEL_MESSAGE, "connected", "seed client %s registered as %s",
                  self->remote, self->addresses);
    }
  }

  if (kind == WSTUN_SEED_TX)
    wstun_router_forward_packet (self->ctx.router, &self->peer, self->seed_packet, &info);
}

static void
on_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  WstunSession *self = user_data;
  WstunFrameStatus status;

  (void) ws;
  switch (self->state) {
  case SESSION_ACTIVE:
    if (opcode == WSTUN_WS_OPCODE_BINARY) {
      status = wstun_router_forward_frame (self->ctx.router, &self->peer, data, len);
      if (status != WSTUN_FRAME_OK)
        session_complain (self, "dropped a frame: %s", wstun_frame_status_to_string (status));
      return;
    }
    handle_control (self, (const char *) data, len);
    return;
  case SESSION_CLAIMING:
    /* a client sends nothing before config: what it sends now is dropped */
    if (opcode == WSTUN_WS_OPCODE_BINARY)
      self->peer.counters.drop_malformed++;
    return;
  case SESSION_AWAIT_HELLO:
    if (opcode == WSTUN_WS_OPCODE_BINARY) {
      refuse (self, WSTUN_ERR_BAD_MESSAGE, WSTUN_CLOSE_BAD_MESSAGE, _ ("Data before hello"));
      return;
    }
    handle_control (self, (const char *) data, len);
    return;
  case SESSION_SEED:
    if (opcode == WSTUN_WS_OPCODE_TEXT) {
      handle_seed (self, (const char *) data, len);
      return;
    }
    self->peer.counters.drop_malformed++;
    session_complain (self, "seed client sent a binary message");
    return;
  case SESSION_CLOSED:
  default:
    return;
  }
}

static void
on_burst_done (WstunWs *ws, gpointer user_data)
{
  WstunSession *self = user_data;

  (void) ws;
  wstun_router_flush (self->ctx.router);
}

/* Whether the client may come back for its addresses: unless it said
 * goodbye (closed with 1000), its token was revoked, or the relay closed it
 * for breaking the protocol. Lost connections, dead peers (4504), other
 * close codes and a relay restarting (1012) keep them (PROTOCOL.md, 3.4). */
static gboolean
lease_kept (WstunSession *self, guint16 code, const GError *error)
{
  if (self->revoked)
    return FALSE;
  if (error == NULL && !self->relay_closed && code == WSTUN_WS_CLOSE_NORMAL)
    return FALSE;
  switch (code) {
  case WSTUN_CLOSE_BAD_MESSAGE:
  case WSTUN_WS_CLOSE_PROTOCOL_ERROR:
  case WSTUN_WS_CLOSE_BAD_DATA:
  case WSTUN_WS_CLOSE_TOO_BIG:
    return FALSE;
  default:
    return TRUE;
  }
}

static void
on_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error, gpointer user_data)
{
  WstunSession *self = user_data;
  g_autoptr (WstunSession) hold G_GNUC_UNUSED = g_object_ref (self);
  gboolean dead = error != NULL && g_error_matches (error, WSTUN_ERROR, WSTUN_ERROR_TIMED_OUT);
  gboolean reserved = FALSE;
  g_autofree char *kept = NULL;

  (void) ws;
  stop_hello_timeout (self);
  if (self->has_lease)
    reserved = wstun_leases_close (self->ctx.leases, self->lease_hash, &self->peer,
                                   lease_kept (self, code, error));
  else
    wstun_leases_release (self->ctx.leases, &self->peer);
  self->has_lease = FALSE;
  self->state = SESSION_CLOSED;
  if (error != NULL && code == WSTUN_WS_CLOSE_TOO_BIG) /* we closed it: max-frame */
    self->ctx.counters->too_big++;
  if (dead)
    self->ctx.counters->dead_peers++;
  if (reserved)
    kept =
      g_strdup_printf ("; its addresses are reserved for %u s", self->ctx.config->resume_grace);
  if (error != NULL) {
    client_log (self, G_LOG_LEVEL_MESSAGE, dead ? "peer-timeout" : "disconnected",
                "client %s disconnected: %s%s", self->remote, error->message, kept ? kept : "");
  } else {
    g_autofree char *text = wstun_printable (reason, -1);

    client_log (self, G_LOG_LEVEL_MESSAGE, "disconnected", "client %s disconnected (%u%s%s)%s",
                self->remote, code, text && *text ? ": " : "", text ? text : "", kept ? kept : "");
  }
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
}

static void
on_hello_timeout (WstunTimer *timer, gpointer user_data)
{
  WstunSession *self = user_data;
  g_autoptr (WstunSession) hold G_GNUC_UNUSED = g_object_ref (self);

  (void) timer;
  refuse (self, WSTUN_ERR_HELLO_TIMEOUT, WSTUN_CLOSE_HELLO_TIMEOUT,
          _ ("No hello received in time"));
}

WstunSession *
wstun_session_new (const WstunSessionContext *context, WstunWs *ws, const char *remote,
                   gboolean seed)
{
  WstunSession *self = g_object_new (WSTUN_TYPE_SESSION, NULL);

  self->ctx = *context;
  self->ws = g_object_ref (ws);
  self->peer.ws = ws;
  self->peer.seed = seed;
  self->remote = g_strdup (remote);
  self->state = seed ? SESSION_SEED : SESSION_AWAIT_HELLO;
  return self;
}

void
wstun_session_set_token (WstunSession *self, const WstunToken *token)
{
  g_return_if_fail (WSTUN_IS_SESSION (self));

  g_free (self->token_name);
  self->token_name = g_strdup (token->name);
  memcpy (self->token_sha256, token->sha256, sizeof self->token_sha256);
  self->has_static4 = token->has_address4;
  self->static4 = token->address4;
  self->has_static6 = token->has_address6;
  self->static6 = token->address6;
}

gboolean
wstun_session_token_valid (WstunSession *self, WstunTokens *tokens)
{
  const WstunToken *token;

  g_return_val_if_fail (WSTUN_IS_SESSION (self), FALSE);

  if (self->token_name == NULL)
    return TRUE;
  token = tokens != NULL ? wstun_tokens_lookup_name (tokens, self->token_name) : NULL;
  return token != NULL && memcmp (token->sha256, self->token_sha256, 32) == 0;
}

void
wstun_session_start (WstunSession *self)
{
  static const WstunWsCallbacks callbacks = {
    .message = on_message,
    .burst_done = on_burst_done,
    .closed = on_closed,
  };

  g_return_if_fail (WSTUN_IS_SESSION (self));

  wstun_ws_set_max_backlog (self->ws, self->ctx.config->backlog);
  if (self->state == SESSION_AWAIT_HELLO && self->ctx.config->hello_timeout > 0) {
    self->reactor = wstun_reactor_get_default ();
    wstun_timer_start (
      &self->hello_timer, self->reactor,
      g_get_monotonic_time () + (gint64) self->ctx.config->hello_timeout * G_USEC_PER_SEC, 0);
  }
  if (self->state == SESSION_SEED) {
    /* the original client answers pings (websockets does) but sends none */
    wstun_ws_set_keepalive (self->ws, self->ctx.config->keepalive);
    client_log (self, G_LOG_LEVEL_MESSAGE, "connected", "seed client %s connected", self->remote);
  }
  wstun_ws_start (self->ws, &callbacks, self);
}

void
wstun_session_revoke (WstunSession *self)
{
  g_return_if_fail (WSTUN_IS_SESSION (self));

  if (self->state == SESSION_CLOSED || !wstun_ws_is_open (self->ws))
    return;
  self->ctx.counters->revoked++;
  self->revoked = TRUE;
  client_log (self, G_LOG_LEVEL_MESSAGE, "revoked", "client %s: its token was revoked",
              self->remote);
  send_error_and_close (self, WSTUN_ERR_UNAUTHORIZED, WSTUN_CLOSE_UNAUTHORIZED,
                        _ ("The token was revoked"));
}

void
wstun_session_replace (WstunSession *self, const char *by)
{
  g_return_if_fail (WSTUN_IS_SESSION (self));

  /* the lease is the new session's now */
  self->has_lease = FALSE;
  if (self->state == SESSION_CLOSED || !wstun_ws_is_open (self->ws))
    return;
  client_log (self, G_LOG_LEVEL_MESSAGE, "replaced", "client %s replaced: %s resumed its session",
              self->remote, by);
  send_error_and_close (self, WSTUN_ERR_REPLACED, WSTUN_CLOSE_REPLACED,
                        _ ("Another connection resumed this session"));
}

void
wstun_session_lost (WstunSession *self)
{
  g_return_if_fail (WSTUN_IS_SESSION (self));

  /* a claim in flight finds out by itself */
  if (self->state != SESSION_ACTIVE)
    return;
  self->has_lease = FALSE;
  if (!wstun_ws_is_open (self->ws))
    return;
  client_log (self, G_LOG_LEVEL_MESSAGE, "replaced",
              "client %s replaced: it resumed its session on another relay", self->remote);
  send_error_and_close (self, WSTUN_ERR_REPLACED, WSTUN_CLOSE_REPLACED,
                        _ ("Another connection resumed this session"));
}

void
wstun_session_close (WstunSession *self, guint16 code, const char *reason)
{
  g_return_if_fail (WSTUN_IS_SESSION (self));
  self->relay_closed = TRUE;
  wstun_ws_close (self->ws, code, reason);
}

const char *
wstun_session_get_remote (WstunSession *self)
{
  g_return_val_if_fail (WSTUN_IS_SESSION (self), NULL);
  return self->remote;
}

const WstunRouterPeer *
wstun_session_get_peer (WstunSession *self)
{
  g_return_val_if_fail (WSTUN_IS_SESSION (self), NULL);
  return &self->peer;
}

static void
wstun_session_dispose (GObject *object)
{
  WstunSession *self = WSTUN_SESSION (object);

  stop_hello_timeout (self);
  if (self->ws != NULL)
    wstun_ws_detach (self->ws);
  if (self->state != SESSION_CLOSED) {
    if (self->has_lease)
      wstun_leases_close (self->ctx.leases, self->lease_hash, &self->peer, FALSE);
    else
      wstun_leases_release (self->ctx.leases, &self->peer);
    self->has_lease = FALSE;
    self->state = SESSION_CLOSED;
  }
  g_clear_object (&self->ws);
  G_OBJECT_CLASS (wstun_session_parent_class)->dispose (object);
}

static void
wstun_session_finalize (GObject *object)
{
  WstunSession *self = WSTUN_SESSION (object);

  g_free (self->remote);
  g_free (self->seed_packet);
  g_free (self->token_name);
  g_free (self->addresses);
  g_free (self->resume);
  g_free (self->software);
  g_clear_pointer (&self->reactor, wstun_reactor_unref);
  G_OBJECT_CLASS (wstun_session_parent_class)->finalize (object);
}

static void
wstun_session_class_init (WstunSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_session_dispose;
  object_class->finalize = wstun_session_finalize;

  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wstun_session_init (WstunSession *self)
{
  wstun_timer_init (&self->hello_timer, on_hello_timeout, self);
}
