/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-relay.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <netinet/in.h>

#include "wstun-cert.h"
#include "wstun-claims.h"
#include "wstun-cluster.h"
#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-frame.h"
#include "wstun-gate.h"
#include "wstun-leases.h"
#include "wstun-mesh.h"
#include "wstun-secret.h"
#include "wstun-session.h"
#include "wstun-state.h"
#include "wstun-tcp-tune.h"
#include "wstun-ws.h"

/* Seconds a client refused with HTTP 503 is asked to wait (Retry-After). */
#define RETRY_AFTER_SECONDS "5"
/* The longest resume grace: a day. */
#define MAX_RESUME_GRACE 86400

struct _WstunRelay {
  GObject parent_instance;

  WstunRelayConfig config;
  SoupServer *server;
  char *path;
  gint64 cert_not_after; /* Unix time; 0 without TLS */
  WstunPool *pool4;
  WstunPool *pool6;
  WstunRouter *router;
  WstunLeases *leases;
  WstunState *state; /* from wstun_relay_listen() on */
  WstunGate *gate;
  /* in a cluster (--cluster); else NULL */
  WstunEtcd *etcd;
  WstunCluster *cluster;
  WstunMesh *mesh;
  WstunClaims *claims;
  WstunSessionCounters session_counters;
  GHashTable *sessions; /* WstunSession * -> itself, owned */
  guint64 accepted;
  guint64 refused;
  gboolean stopping;
};

enum { SIGNAL_STOPPED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunRelay, wstun_relay, G_TYPE_OBJECT)

static void
on_session_closed (WstunSession *session, WstunRelay *self)
{
  g_hash_table_remove (self->sessions, session);
  if (self->stopping && g_hash_table_size (self->sessions) == 0)
    g_signal_emit (self, signals[SIGNAL_STOPPED], 0);
}

gboolean
wstun_relay_is_persistent (WstunRelay *self)
{
  g_return_val_if_fail (WSTUN_IS_RELAY (self), FALSE);
  return self->state != NULL && wstun_state_is_enabled (self->state);
}

static void
on_upgraded (SoupServerMessage *msg, WstunRelay *self)
{
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (WstunWs) ws = NULL;
  g_autoptr (WstunSession) session = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *ip = NULL;
  WstunSessionContext ctx = {
    .router = self->router,
    .leases = self->leases,
    .config = &self->config,
    .counters = &self->session_counters,
    .claims = self->claims,
  };
  gboolean seed = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (msg), "wstun-seed"));
  const char *token_name = g_object_get_data (G_OBJECT (msg), "wstun-token");
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  GSocket *socket = soup_server_message_get_socket (msg);
  g_autoptr (GError) error = NULL;
  WstunTokens *tokens = wstun_gate_get_tokens (self->gate);
  const WstunToken *token = NULL;

  wstun_gate_upgraded (self->gate, msg);
  ip = wstun_gate_remote_ip (msg);
  if (addr != NULL && G_IS_INET_SOCKET_ADDRESS (addr))
    remote = g_strdup_printf (strchr (ip, ':') ? "[%s]:%u" : "%s:%u", ip,
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)));
  else
    remote = g_strdup (ip);
  if (token_name != NULL && tokens != NULL)
    token = wstun_tokens_lookup_name (tokens, token_name);

  if (socket != NULL && !wstun_tcp_tune (socket, &error))
    g_debug ("%s: tuning the TCP connection: %s", remote, error->message);
  stream = soup_server_message_steal_connection (msg);
  ws = wstun_ws_new (stream, WSTUN_WS_ROLE_SERVER);
  wstun_ws_set_max_message (ws, self->config.max_frame);
  session = wstun_session_new (&ctx, ws, remote, seed);
  if (token != NULL)
    wstun_session_set_token (session, token);
  g_signal_connect_object (session, "closed", G_CALLBACK (on_session_closed), self, 0);
  g_hash_table_add (self->sessions, g_object_ref (session));
  self->accepted++;
  wstun_session_start (session);
  /* revoked between the check and the upgrade */
  if (token_name != NULL && token == NULL)
    wstun_session_revoke (session);
}

static void
refuse_http (WstunRelay *self, SoupServerMessage *msg, guint status, const char *reason)
{
  g_autofree char *body = g_strdup_printf ("%s\n", reason);
  g_autofree char *ip = wstun_gate_remote_ip (msg);

  g_debug ("refused %s with HTTP %u: %s", ip, status, reason);
  self->refused++;
  /* A refused client wanted a WebSocket, not a persistent HTTP connection:
   * close it after the answer. Otherwise libsoup keeps it open for another
   * request, never noticing when the client half-closes (each refusal
   * left a socket in CLOSE_WAIT for the relay's lifetime), and clients that
   * wait for the close before reporting the status (Python's websockets)
   * hang until their own timeout instead of seeing the refusal. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  /* a busy or restarting relay, not a broken network: come back soon */
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                  RETRY_AFTER_SECONDS);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, body,
                                    strlen (body));
}

static void
on_mesh_upgraded (SoupServerMessage *msg, WstunRelay *self)
{
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GError) error = NULL;
  GSocket *socket = soup_server_message_get_socket (msg);

  wstun_gate_upgraded (self->gate, msg);
  if (socket != NULL && !wstun_tcp_tune (socket, &error))
    g_debug ("relay link: tuning the TCP connection: %s", error->message);
  stream = soup_server_message_steal_connection (msg);
  wstun_mesh_accept (self->mesh, msg, stream);
}

/* Another relay of the cluster links to this one (PROTOCOL.md 12) */
static void
handle_mesh_request (WstunRelay *self, SoupServerMessage *msg)
{
  char *protocols[] = { (char *) WSTUN_MESH_SUBPROTOCOL, NULL };
  g_autoptr (GError) error = NULL;
  const char *reason = NULL;
  guint status = 0;

  if (self->mesh == NULL) {
    refuse_http (self, msg, SOUP_STATUS_BAD_REQUEST, _ ("This relay is not in a cluster"));
    return;
  }
  if (!soup_websocket_server_check_handshake (msg, NULL, protocols, NULL, &error)) {
    refuse_http (self, msg, SOUP_STATUS_BAD_REQUEST, error->message);
    return;
  }
  if (!wstun_mesh_admit (self->mesh, msg, &status, &reason)) {
    g_autofree char *ip = wstun_gate_remote_ip (msg);

    g_message ("cluster: relay link from %s refused: %s", ip, reason);
    refuse_http (self, msg, status, reason);
    return;
  }
  if (!soup_websocket_server_process_handshake (msg, NULL, protocols, NULL, NULL)) {
    self->refused++;
    return;
  }
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_mesh_upgraded), self, 0);
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  WstunRelay *self = user_data;
  char *protocols[] = { (char *) WSTUN_SUBPROTOCOL, NULL };
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *offered = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  g_autoptr (GError) error = NULL;
  const WstunToken *token = NULL;
  const char *reason = NULL;
  guint status = 0;
  gboolean seed;

  (void) server;
  (void) query;

  if (self->stopping) {
    refuse_http (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, _ ("The relay is shutting down"));
    return;
  }
  if (wstun_gate_is_overflow (self->gate, msg)) {
    refuse_http (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
                 _ ("The relay is busy with other connections; try again later"));
    return;
  }
  /* the relay is at its one path, as its listen URL says */
  if (g_strcmp0 (path, self->path) != 0) {
    refuse_http (self, msg, SOUP_STATUS_NOT_FOUND, _ ("No wstun relay at this path"));
    return;
  }
  if (wstun_mesh_is_request (msg)) {
    handle_mesh_request (self, msg);
    return;
  }
  if (!soup_websocket_server_check_handshake (msg, NULL, protocols, NULL, &error)) {
    if (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET)) {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Upgrade",
                                    "websocket");
      refuse_http (self, msg, 426 /* Upgrade Required */,
                   _ ("This is a wstun relay: connect with a wstun client (WebSocket, "
                      "subprotocol wstun.v1)"));
    } else {
      refuse_http (self, msg, SOUP_STATUS_BAD_REQUEST, error->message);
    }
    return;
  }

  if (!wstun_gate_admit (self->gate, msg, &token, &status, &reason)) {
    if (status == SOUP_STATUS_UNAUTHORIZED)
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "WWW-Authenticate", "Bearer realm=\"wstun\"");
    refuse_http (self, msg, status, reason);
    return;
  }

  seed = offered == NULL || !soup_header_contains (offered, WSTUN_SUBPROTOCOL);
  if (seed && !self->config.seed_compat) {
    refuse_http (self, msg, SOUP_STATUS_BAD_REQUEST,
                 _ ("WebSocket subprotocol wstun.v1 required (this relay does not run with "
                    "--seed-compat)"));
    return;
  }
  if (g_hash_table_size (self->sessions) >= self->config.max_clients) {
    wstun_gate_refuse_full (self->gate, msg, self->config.max_clients);
    refuse_http (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, _ ("The relay is full"));
    return;
  }

  if (!soup_websocket_server_process_handshake (msg, NULL, protocols, NULL, NULL)) {
    self->refused++;
    return;
  }
  g_object_set_data (G_OBJECT (msg), "wstun-seed", GINT_TO_POINTER (seed));
  if (token != NULL)
    g_object_set_data_full (G_OBJECT (msg), "wstun-token", g_strdup (token->name), g_free);
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_upgraded), self, 0);
}

/* GLib listens with a backlog of 10: a burst of connections (clients coming
 * back after a restart, or a flood) overflows it, and the kernel then drops
 * connection attempts or completes them with SYN cookies it cannot accept,
 * leaving clients on connections the relay never sees. The kernel caps it
 * at net.core.somaxconn. */
#define LISTEN_BACKLOG 1024

/* soup_server_listen() with a larger backlog (and IPv6 sockets IPv6 only,
 * as libsoup makes them) */
static gboolean
listen_with_backlog (SoupServer *server, GSocketAddress *address, SoupServerListenOptions options,
                     GError **error)
{
  GSocketFamily family = g_socket_address_get_family (address);
  g_autoptr (GSocket) socket = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  return g_socket_bind (socket, address, TRUE, error) && g_socket_listen (socket, error) &&
         soup_server_listen_socket (server, socket, options, error);
}

static WstunPool *
make_pool (const char *spec, int family, GError **error)
{
  WstunPrefix prefix;

  if (spec == NULL || *spec == '\0')
    return NULL;
  if (!wstun_prefix_parse (spec, &prefix, error))
    return NULL;
  if (prefix.addr.family != family) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 family == AF_INET ? _ ("--pool needs an IPv4 prefix, not “%s”")
                                   : _ ("--pool6 needs an IPv6 prefix, not “%s”"),
                 spec);
    return NULL;
  }
  return wstun_pool_new (&prefix, error);
}

static gboolean
check_config (WstunRelayConfig *config, GError **error)
{
  WstunPrefix prefix;
  WstunAddr addr;

  if (config->mtu < WSTUN_MTU_MIN || config->mtu > WSTUN_MTU_MAX) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("MTU %u is out of range (%d to %d)"), config->mtu, WSTUN_MTU_MIN,
                 WSTUN_MTU_MAX);
    return FALSE;
  }
  if (config->pool6 != NULL && *config->pool6 != '\0' && config->mtu < WSTUN_MTU_MIN_IPV6) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("MTU %u is below the IPv6 minimum of %d"), config->mtu, WSTUN_MTU_MIN_IPV6);
    return FALSE;
  }
  for (guint i = 0; config->routes[i] != NULL; i++) {
    if (!wstun_prefix_parse (config->routes[i], &prefix, error))
      return FALSE;
  }
  for (guint i = 0; config->dns[i] != NULL; i++) {
    if (!wstun_addr_parse (config->dns[i], &addr, error))
      return FALSE;
  }
  if (config->max_clients == 0 || config->backlog < WSTUN_FRAME_MAX) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("max-clients must be at least 1 and backlog at least %d bytes"),
                 WSTUN_FRAME_MAX);
    return FALSE;
  }
  /* a frame must hold at least one packet of the tunnel's MTU */
  if (config->max_frame < config->mtu || config->max_frame > WSTUN_FRAME_MAX) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("max-frame must be between the MTU (%u) and %d bytes"), config->mtu,
                 WSTUN_FRAME_MAX);
    return FALSE;
  }
  if (config->max_packets == 0 || config->max_packets > WSTUN_FRAME_MAX_PACKETS ||
      config->max_pending == 0 || config->auth_failures == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("max-packets must be 1 to %d; max-pending and auth-failures at least 1"),
                 WSTUN_FRAME_MAX_PACKETS);
    return FALSE;
  }
  if (config->resume_grace > MAX_RESUME_GRACE) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("resume-grace must be at most %d seconds (a day)"), MAX_RESUME_GRACE);
    return FALSE;
  }
  if ((config->tls_cert == NULL) != (config->tls_key == NULL)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("--tls-cert and --tls-key go together"));
    return FALSE;
  }
  if (config->listen == NULL)
    config->listen = g_strdup (config->tls_cert != NULL ? WSTUN_RELAY_DEFAULT_LISTEN_TLS
                                                        : WSTUN_RELAY_DEFAULT_LISTEN);
  if (config->cluster != NULL && *config->cluster != '\0') {
    if (config->relay_id == NULL)
      config->relay_id = g_strdup (g_get_host_name ());
    if (config->mesh_url == NULL || config->mesh_key == NULL) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("A relay in a cluster needs --mesh-url (where the other relays reach it) "
                      "and --mesh-key (the file with the key they share)"));
      return FALSE;
    }
    if (!g_str_has_prefix (config->mesh_url, "ws://") &&
        !g_str_has_prefix (config->mesh_url, "wss://")) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("--mesh-url “%s” must start with ws:// or wss://"), config->mesh_url);
      return FALSE;
    }
    /* the links go where the clients go: over TLS when the relay has it */
    if (config->tls_cert != NULL && !g_str_has_prefix (config->mesh_url, "wss://")) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("The relay serves wss://: --mesh-url “%s” must be wss:// too"),
                   config->mesh_url);
      return FALSE;
    }
    /* the original protocol has no resume ids and no hello to claim on */
    if (config->seed_compat) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("--seed-compat cannot be used in a cluster"));
      return FALSE;
    }
  }
  return TRUE;
}

static void
on_claim_lost (gpointer owner, gpointer user_data)
{
  (void) user_data;
  wstun_session_lost (owner);
}

static gboolean
join_cluster (WstunRelay *self, GError **error)
{
  const WstunRelayConfig *c = &self->config;
  g_autofree char *key = NULL;
  g_autoptr (GTlsDatabase) trust = NULL;
  g_autoptr (GError) local = NULL;

  key = wstun_mesh_key_load (c->mesh_key, error);
  if (key == NULL)
    return FALSE;
  /* two relays handing out the same next address would both ask etcd for
   * it, and one would have to pick again */
  {
    /* spread evenly, also for ids that differ in one letter (r1, r2) */
    guint8 digest[WSTUN_SECRET_SHA256_LEN];
    guint64 seed;

    wstun_secret_sha256 (c->relay_id, digest);
    memcpy (&seed, digest, sizeof seed);
    if (self->pool4 != NULL)
      wstun_pool_start_at (self->pool4, seed);
    if (self->pool6 != NULL)
      wstun_pool_start_at (self->pool6, seed);
  }
  self->etcd = wstun_etcd_new (c->cluster, error);
  if (self->etcd == NULL)
    return FALSE;
  self->cluster = wstun_cluster_new (self->etcd, c->relay_id, c->mesh_url, c->cluster_ttl, error);
  if (self->cluster == NULL)
    return FALSE;
  if (c->mesh_ca != NULL) {
    trust = g_tls_file_database_new (c->mesh_ca, &local);
    if (trust == NULL) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("Cannot read the relays' CA file %s: %s"), c->mesh_ca, local->message);
      return FALSE;
    }
  }
  self->mesh = wstun_mesh_new (self->etcd, c->relay_id, key, self->router, c->backlog, trust);
  self->claims = wstun_claims_new (self->etcd, self->cluster, self->mesh, self->leases,
                                   self->router, c->relay_id);
  wstun_claims_set_lost_func (self->claims, on_claim_lost, self);
  return TRUE;
}

/* Whether a reserved lease still belongs to a token (or to none on an open
 * relay) and holds no other token's static address. */
static gboolean
keep_reserved (const WstunLeaseInfo *info, gpointer user_data)
{
  WstunRelay *self = user_data;
  WstunTokens *tokens = wstun_gate_get_tokens (self->gate);
  const WstunToken *token;

  if (tokens == NULL)
    return info->token_name == NULL;
  token = info->token_name != NULL ? wstun_tokens_lookup_name (tokens, info->token_name) : NULL;
  if (token == NULL)
    return FALSE;
  for (guint i = 0; i < info->n_addrs; i++) {
    const WstunAddr *addr = &info->addrs[i];
    WstunPool *pool = wstun_leases_get_pool (self->leases, addr->family);
    const WstunAddr *own = addr->family == AF_INET
                             ? (token->has_address4 ? &token->address4 : NULL)
                             : (token->has_address6 ? &token->address6 : NULL);

    if (pool != NULL && wstun_pool_is_static (pool, addr) &&
        (own == NULL || !wstun_addr_equal (own, addr)))
      return FALSE;
  }
  return TRUE;
}

/* Sets aside the tokens' static addresses in the pools, ends the sessions
 * whose token is gone or was replaced, and gives up the reservations that
 * no longer belong to a token. */
static void
on_tokens_changed (WstunGate *gate, WstunRelay *self)
{
  WstunTokens *tokens = wstun_gate_get_tokens (gate);
  guint n = tokens != NULL ? wstun_tokens_get_n (tokens) : 0;
  g_autofree WstunAddr *v4 = g_new0 (WstunAddr, n + 1);
  g_autofree WstunAddr *v6 = g_new0 (WstunAddr, n + 1);
  g_autofree gpointer *sessions = NULL;
  guint n4 = 0, n6 = 0, n_sessions = 0;

  for (guint i = 0; i < n; i++) {
    const WstunToken *token = wstun_tokens_get_nth (tokens, i);
    char buf[WSTUN_ADDR_STRLEN];

    if (token->has_address4) {
      v4[n4++] = token->address4;
      if (self->pool4 == NULL || !wstun_pool_contains (self->pool4, &token->address4))
        g_warning ("token “%s”: static address %s is not a client address of --pool", token->name,
                   wstun_addr_to_string (&token->address4, buf));
    }
    if (token->has_address6) {
      v6[n6++] = token->address6;
      if (self->pool6 == NULL || !wstun_pool_contains (self->pool6, &token->address6))
        g_warning ("token “%s”: static address %s is not a client address of --pool6", token->name,
                   wstun_addr_to_string (&token->address6, buf));
    }
  }
  if (self->pool4 != NULL)
    wstun_pool_set_static (self->pool4, v4, n4);
  if (self->pool6 != NULL)
    wstun_pool_set_static (self->pool6, v6, n6);

  sessions = g_hash_table_get_keys_as_array (self->sessions, &n_sessions);
  for (guint i = 0; i < n_sessions; i++) {
    if (!wstun_session_token_valid (sessions[i], tokens))
      wstun_session_revoke (sessions[i]);
  }
  wstun_leases_filter_reserved (self->leases, keep_reserved, self);
}

WstunRelay *
wstun_relay_new (WstunRelayConfig *config, GError **error)
{
  g_autoptr (WstunRelay) self = g_object_new (WSTUN_TYPE_RELAY, NULL);
  g_autoptr (GError) local = NULL;

  self->config = *config;
  memset (config, 0, sizeof *config);

  if (!check_config (&self->config, error))
    return NULL;
  self->pool4 = make_pool (self->config.pool4, AF_INET, &local);
  if (local == NULL)
    self->pool6 = make_pool (self->config.pool6, AF_INET6, &local);
  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return NULL;
  }
  if (self->pool4 == NULL && self->pool6 == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Neither an IPv4 (--pool) nor an IPv6 (--pool6) address pool is set"));
    return NULL;
  }
  self->router = wstun_router_new ();
  wstun_router_set_max_packets (self->router, self->config.max_packets);
  self->leases = wstun_leases_new (self->router, self->pool4, self->pool6);
  /* after a restart, each client connected before holds a reservation */
  wstun_leases_set_resume (self->leases, self->config.resume_grace, 2 * self->config.max_clients);
  self->gate = wstun_gate_new (&self->config, error);
  if (self->gate == NULL)
    return NULL;
  g_signal_connect_object (self->gate, "tokens-changed", G_CALLBACK (on_tokens_changed), self, 0);
  on_tokens_changed (self->gate, self);
  if (self->config.cluster != NULL && *self->config.cluster != '\0' && !join_cluster (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
wstun_relay_reload_certificate (WstunRelay *self, GError **error)
{
  g_autoptr (GTlsCertificate) certificate = NULL;
  gint64 not_after = 0;

  g_return_val_if_fail (WSTUN_IS_RELAY (self), FALSE);

  if (self->config.tls_cert == NULL || self->server == NULL)
    return TRUE;
  certificate = wstun_cert_load (self->config.tls_cert, self->config.tls_key, &not_after, error);
  if (certificate == NULL)
    return FALSE;
  self->cert_not_after = not_after;
  /* the listeners follow the server's property: new handshakes use it,
   * established connections keep their session */
  soup_server_set_tls_certificate (self->server, certificate);
  g_message ("TLS certificate reloaded: new connections get %s", self->config.tls_cert);
  return TRUE;
}

gboolean
wstun_relay_listen (WstunRelay *self, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  const char *scheme, *host;
  gboolean tls;
  int port;

  g_return_val_if_fail (WSTUN_IS_RELAY (self), FALSE);

  uri = g_uri_parse (self->config.listen, G_URI_FLAGS_NONE, &local);
  if (uri == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Invalid listen address “%s”: %s"), self->config.listen, local->message);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  tls = g_ascii_strcasecmp (scheme, "wss") == 0;
  if (!tls && g_ascii_strcasecmp (scheme, "ws") != 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Listen address “%s” must start with ws:// or wss://"), self->config.listen);
    return FALSE;
  }
  if (tls != (self->config.tls_cert != NULL)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 tls ? _ ("Listening on wss:// needs --tls-cert and --tls-key")
                     : _ ("--tls-cert is given but the listen address “%s” is not wss://"),
                 self->config.listen);
    return FALSE;
  }
  if (tls) {
    certificate =
      wstun_cert_load (self->config.tls_cert, self->config.tls_key, &self->cert_not_after, error);
    if (certificate == NULL)
      return FALSE;
  }
  host = g_uri_get_host (uri);
  inet = host != NULL ? g_inet_address_new_from_string (host) : NULL;
  if (inet == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Listen address “%s” needs a numeric IP address (0.0.0.0 or [::] for all)"),
                 self->config.listen);
    return FALSE;
  }
  port = g_uri_get_port (uri);
  if (port < 0)
    port = tls ? 443 : 80;
  address = g_inet_socket_address_new (inet, port);
  self->path = g_strdup (*g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/");

  self->server = soup_server_new ("server-header", "wstun-relay/" PACKAGE_VERSION " ",
                                  "tls-certificate", certificate, NULL);
  /* every path, so that a wrong one gets the relay's own 404 (and the
   * connection closed), as other refusals do */
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  wstun_gate_watch (self->gate, self->server);
  if (!listen_with_backlog (self->server, address, tls ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;
  /* only once the port is ours: a second relay started by mistake with
   * the same state directory must not touch the first one's file */
  self->state = wstun_state_new (self->config.state_dir, self->leases);
  wstun_state_load (self->state, wstun_gate_get_tokens (self->gate));
  if (wstun_gate_get_tokens (self->gate) == NULL)
    g_message ("no --tokens: this relay is open, any client may connect");
  if (self->cluster != NULL) {
    /* the leases of the state file first, so their claims are renewed */
    wstun_cluster_start (self->cluster);
    wstun_mesh_start (self->mesh);
    wstun_claims_start (self->claims);
    g_message ("cluster: relay %s, etcd at %s, reachable by the others at %s",
               self->config.relay_id, self->config.cluster, self->config.mesh_url);
  }
  g_message ("listening on %s (path %s), %s%s%s%s", self->config.listen, self->path,
             self->config.pool4 && *self->config.pool4 ? "pool " : "",
             self->config.pool4 && *self->config.pool4 ? self->config.pool4 : "",
             self->config.pool6 && *self->config.pool6 ? " pool6 " : "",
             self->config.pool6 && *self->config.pool6 ? self->config.pool6 : "");
  return TRUE;
}

gint64
wstun_relay_get_certificate_expiry (WstunRelay *self)
{
  g_return_val_if_fail (WSTUN_IS_RELAY (self), 0);
  return self->cert_not_after;
}

guint16
wstun_relay_get_port (WstunRelay *self)
{
  GSList *uris;
  guint16 port = 0;

  g_return_val_if_fail (WSTUN_IS_RELAY (self), 0);
  if (self->server == NULL)
    return 0;
  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}

void
wstun_relay_shutdown (WstunRelay *self)
{
  g_autofree gpointer *sessions = NULL;
  gboolean restart = wstun_relay_is_persistent (self);
  guint n = 0;

  g_return_if_fail (WSTUN_IS_RELAY (self));

  self->stopping = TRUE;
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  /* the claims stay until the relay's etcd lease runs out: its clients
   * take their addresses over on the other relays */
  if (self->cluster != NULL) {
    wstun_cluster_leave (self->cluster);
    wstun_mesh_stop (self->mesh);
  }
  /* the leases are on disk before any client hears of the restart and
   * comes back */
  wstun_relay_save_state (self);
  if (g_hash_table_size (self->sessions) == 0) {
    g_signal_emit (self, signals[SIGNAL_STOPPED], 0);
    return;
  }
  sessions = g_hash_table_get_keys_as_array (self->sessions, &n);
  for (guint i = 0; i < n; i++) {
    /* with its leases kept, a relay that stops will be back: its clients
     * reconnect at once; without, it is gone for good */
    if (restart)
      wstun_session_close (sessions[i], WSTUN_WS_CLOSE_SERVICE_RESTART, "restarting");
    else
      wstun_session_close (sessions[i], WSTUN_WS_CLOSE_GOING_AWAY,
                           _ ("The relay is shutting down"));
  }
}

void
wstun_relay_save_state (WstunRelay *self)
{
  g_return_if_fail (WSTUN_IS_RELAY (self));

  /* without a state file there is nothing to write, nor to say */
  if (wstun_relay_is_persistent (self) && wstun_state_flush (self->state))
    g_message ("state file %s written: %u lease(s)", wstun_state_get_path (self->state),
               wstun_leases_get_n_leases (self->leases));
}

const WstunRelayConfig *
wstun_relay_get_config (WstunRelay *self)
{
  return &self->config;
}

const WstunRouterCounters *
wstun_relay_get_counters (WstunRelay *self)
{
  return wstun_router_get_counters (self->router);
}

WstunPool *
wstun_relay_get_pool (WstunRelay *self, int family)
{
  return family == AF_INET ? self->pool4 : self->pool6;
}

guint
wstun_relay_get_n_clients (WstunRelay *self)
{
  return g_hash_table_size (self->sessions);
}

guint64
wstun_relay_get_n_accepted (WstunRelay *self)
{
  return self->accepted;
}

WstunGate *
wstun_relay_get_gate (WstunRelay *self)
{
  return self->gate;
}

WstunLeases *
wstun_relay_get_leases (WstunRelay *self)
{
  return self->leases;
}

WstunClaims *
wstun_relay_get_claims (WstunRelay *self)
{
  return self->claims;
}

WstunMesh *
wstun_relay_get_mesh (WstunRelay *self)
{
  return self->mesh;
}

WstunEtcd *
wstun_relay_get_etcd (WstunRelay *self)
{
  return self->etcd;
}

WstunState *
wstun_relay_get_state (WstunRelay *self)
{
  return self->state;
}

const WstunSessionCounters *
wstun_relay_get_session_counters (WstunRelay *self)
{
  return &self->session_counters;
}

guint64
wstun_relay_get_n_refused (WstunRelay *self)
{
  return self->refused;
}

static void
wstun_relay_dispose (GObject *object)
{
  WstunRelay *self = WSTUN_RELAY (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  /* what the sessions give back as they go is not a change to write: the
   * state file keeps what they held (wstun_relay_save_state()) */
  g_clear_object (&self->state);
  if (self->cluster != NULL)
    wstun_cluster_leave (self->cluster);
  /* sessions release their addresses through the leases: drop them first */
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_object (&self->claims);
  g_clear_object (&self->mesh);
  g_clear_object (&self->cluster);
  g_clear_object (&self->etcd);
  G_OBJECT_CLASS (wstun_relay_parent_class)->dispose (object);
}

static void
wstun_relay_finalize (GObject *object)
{
  WstunRelay *self = WSTUN_RELAY (object);

  g_clear_object (&self->gate);
  g_clear_pointer (&self->leases, wstun_leases_free);
  g_clear_pointer (&self->router, wstun_router_free);
  g_clear_pointer (&self->pool4, wstun_pool_free);
  g_clear_pointer (&self->pool6, wstun_pool_free);
  g_free (self->path);
  wstun_relay_config_clear (&self->config);
  G_OBJECT_CLASS (wstun_relay_parent_class)->finalize (object);
}

static void
wstun_relay_class_init (WstunRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_relay_dispose;
  object_class->finalize = wstun_relay_finalize;

  signals[SIGNAL_STOPPED] = g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wstun_relay_init (WstunRelay *self)
{
  self->sessions = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
}
