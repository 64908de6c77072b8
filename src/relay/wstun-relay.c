/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-relay.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-frame.h"
#include "wstun-leases.h"
#include "wstun-session.h"
#include "wstun-ws.h"

struct _WstunRelay {
  GObject parent_instance;

  WstunRelayConfig config;
  SoupServer *server;
  char *path;
  WstunPool *pool4;
  WstunPool *pool6;
  WstunRouter *router;
  WstunLeases *leases;
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

static void
on_upgraded (SoupServerMessage *msg, WstunRelay *self)
{
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (WstunWs) ws = NULL;
  g_autoptr (WstunSession) session = NULL;
  g_autofree char *remote = NULL;
  WstunSessionContext ctx = {
    .router = self->router,
    .leases = self->leases,
    .config = &self->config,
  };
  gboolean seed = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (msg), "wstun-seed"));
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);

  if (addr != NULL && G_IS_INET_SOCKET_ADDRESS (addr)) {
    g_autofree char *ip =
      g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
    remote =
      g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)));
  } else {
    remote = g_strdup ("?");
  }

  stream = soup_server_message_steal_connection (msg);
  ws = wstun_ws_new (stream, WSTUN_WS_ROLE_SERVER);
  /* a seed message carries one packet in hex */
  wstun_ws_set_max_message (ws, MAX (WSTUN_FRAME_MAX, 2 * WSTUN_PACKET_MAX + 64));
  session = wstun_session_new (&ctx, ws, remote, seed);
  g_signal_connect_object (session, "closed", G_CALLBACK (on_session_closed), self, 0);
  g_hash_table_add (self->sessions, g_object_ref (session));
  self->accepted++;
  wstun_session_start (session);
}

static void
refuse_http (WstunRelay *self, SoupServerMessage *msg, guint status, const char *reason)
{
  g_autofree char *body = g_strdup_printf ("%s\n", reason);
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  g_autofree char *ip = NULL;

  if (addr != NULL && G_IS_INET_SOCKET_ADDRESS (addr))
    ip =
      g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
  g_debug ("refused %s with HTTP %u: %s", ip ? ip : "?", status, reason);
  self->refused++;
  /* A refused client wanted a WebSocket, not a persistent HTTP connection:
   * close it after the answer. Otherwise libsoup keeps it open for another
   * request, never noticing when the client half-closes (each refusal
   * left a socket in CLOSE_WAIT for the relay's lifetime), and clients that
   * wait for the close before reporting the status (Python's websockets)
   * hang until their own timeout instead of seeing the refusal. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, body,
                                    strlen (body));
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
  gboolean seed;

  (void) server;
  (void) path;
  (void) query;

  if (self->stopping) {
    refuse_http (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, _ ("The relay is shutting down"));
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

  seed = offered == NULL || !soup_header_contains (offered, WSTUN_SUBPROTOCOL);
  if (seed && !self->config.seed_compat) {
    refuse_http (self, msg, SOUP_STATUS_BAD_REQUEST,
                 _ ("WebSocket subprotocol wstun.v1 required (this relay does not run with "
                    "--seed-compat)"));
    return;
  }
  if (g_hash_table_size (self->sessions) >= self->config.max_clients) {
    refuse_http (self, msg, SOUP_STATUS_SERVICE_UNAVAILABLE, _ ("The relay is full"));
    return;
  }

  if (!soup_websocket_server_process_handshake (msg, NULL, protocols, NULL, NULL)) {
    self->refused++;
    return;
  }
  g_object_set_data (G_OBJECT (msg), "wstun-seed", GINT_TO_POINTER (seed));
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_upgraded), self, 0);
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
  return TRUE;
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
  self->leases = wstun_leases_new (self->router, self->pool4, self->pool6);
  return g_steal_pointer (&self);
}

gboolean
wstun_relay_listen (WstunRelay *self, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GError) local = NULL;
  const char *scheme, *host;
  int port;

  g_return_val_if_fail (WSTUN_IS_RELAY (self), FALSE);

  uri = g_uri_parse (self->config.listen, G_URI_FLAGS_NONE, &local);
  if (uri == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Invalid listen address “%s”: %s"), self->config.listen, local->message);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "wss") == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("wss:// is not supported by this relay yet; listen on ws://"));
    return FALSE;
  }
  if (g_ascii_strcasecmp (scheme, "ws") != 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Listen address “%s” must start with ws://"), self->config.listen);
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
    port = 80;
  address = g_inet_socket_address_new (inet, port);
  self->path = g_strdup (*g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/");

  self->server = soup_server_new ("server-header", "wstun-relay/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->server, self->path, on_request, self, NULL);
  if (!soup_server_listen (self->server, address, 0, error))
    return FALSE;
  g_message ("listening on %s (path %s), %s%s%s%s", self->config.listen, self->path,
             self->config.pool4 && *self->config.pool4 ? "pool " : "",
             self->config.pool4 && *self->config.pool4 ? self->config.pool4 : "",
             self->config.pool6 && *self->config.pool6 ? " pool6 " : "",
             self->config.pool6 && *self->config.pool6 ? self->config.pool6 : "");
  return TRUE;
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
  guint n = 0;

  g_return_if_fail (WSTUN_IS_RELAY (self));

  self->stopping = TRUE;
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  if (g_hash_table_size (self->sessions) == 0) {
    g_signal_emit (self, signals[SIGNAL_STOPPED], 0);
    return;
  }
  sessions = g_hash_table_get_keys_as_array (self->sessions, &n);
  for (guint i = 0; i < n; i++)
    wstun_session_close (sessions[i], WSTUN_WS_CLOSE_GOING_AWAY, _ ("The relay is shutting down"));
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
  /* sessions release their addresses through the leases: drop them first */
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  G_OBJECT_CLASS (wstun_relay_parent_class)->dispose (object);
}

static void
wstun_relay_finalize (GObject *object)
{
  WstunRelay *self = WSTUN_RELAY (object);

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
