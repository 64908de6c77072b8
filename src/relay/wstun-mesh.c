/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-mesh.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-cluster.h"
#include "wstun-error.h"
#include "wstun-follow.h"
#include "wstun-frame.h"
#include "wstun-printable.h"
#include "wstun-reactor.h"
#include "wstun-secret.h"
#include "wstun-ws-takeover.h"
#include "wstun-ws.h"

/* A dial that failed is tried again after this, doubling up to the most */
#define REDIAL_MIN_MS 250
#define REDIAL_MAX_MS 4000
/* A dial that has not linked by then is given up: a peer behind a
 * partition drops the SYN, and the kernel would retry it for minutes */
#define DIAL_TIMEOUT_S 5

typedef struct _MeshPeer MeshPeer;

/* One dial in flight; outlives its peer if the peer goes first */
typedef struct {
  MeshPeer *peer; /* NULL once the peer is gone */
  GCancellable *cancellable;
  WstunTimer timeout;
  WstunReactor *reactor; /* held: the dial may outlive the mesh */
} Dial;

struct _MeshPeer {
  WstunMesh *mesh;
  char *id;
  char *url; /* NULL while the relay is not registered */
  WstunRouterPeer rp;
  WstunWs *ws;
  SoupWebsocketConnection *conn; /* a dialed link's, kept alive under ws */
  Dial *dial;
  WstunTimer redial;
  guint redial_ms;
};

struct _WstunMesh {
  GObject parent_instance;

  WstunEtcd *etcd;
  char *id;
  char *key;
  guint8 key_sha256[WSTUN_SECRET_SHA256_LEN];
  WstunRouter *router;
  guint64 backlog;
  SoupSession *session;
  GHashTable *peers; /* id -> MeshPeer *, owned; never removed before the mesh goes */
  WstunReactor *reactor;
  WstunFollow *registry;
  gboolean stopped;
  WstunMeshCounters counters;
};

G_DEFINE_FINAL_TYPE (WstunMesh, wstun_mesh, G_TYPE_OBJECT)

char *
wstun_mesh_key_load (const char *key_file, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  if (!g_file_get_contents (key_file, &text, NULL, &local)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("Cannot read the mesh key: %s"),
                 local->message);
    return NULL;
  }
  g_strstrip (text);
  if (strlen (text) < WSTUN_MESH_KEY_MIN || strpbrk (text, " \t\r\n") != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The mesh key in %s must be one word of at least %d characters (e.g. from "
                    "“openssl rand -hex 32”)"),
                 key_file, WSTUN_MESH_KEY_MIN);
    return NULL;
  }
  return g_steal_pointer (&text);
}

static void peer_dial (MeshPeer *peer);

static gboolean
dials (WstunMesh *self, MeshPeer *peer)
{
  /* one link per pair: the relay whose id sorts first makes it */
  return strcmp (self->id, peer->id) < 0 && peer->url != NULL && !self->stopped;
}

static void
on_redial (WstunTimer *timer, gpointer user_data)
{
  (void) timer;
  peer_dial (user_data);
}

static void
schedule_redial (MeshPeer *peer)
{
  if (wstun_timer_is_armed (&peer->redial) || !dials (peer->mesh, peer))
    return;
  peer->redial_ms = CLAMP (peer->redial_ms * 2, REDIAL_MIN_MS, REDIAL_MAX_MS);
  wstun_timer_start (&peer->redial, peer->mesh->reactor,
                     g_get_monotonic_time () + peer->redial_ms * 1000, 0);
}

static void
peer_drop_link (MeshPeer *peer)
{
  if (peer->ws != NULL) {
    wstun_ws_detach (peer->ws);
    wstun_ws_close (peer->ws, WSTUN_WS_CLOSE_GOING_AWAY, "relay leaving");
  }
  peer->rp.ws = NULL;
  g_clear_object (&peer->ws);
  g_clear_object (&peer->conn);
}

static void
on_link_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  MeshPeer *peer = user_data;

  (void) ws;
  /* text messages are for later versions: ignored */
  if (opcode == WSTUN_WS_OPCODE_BINARY)
    wstun_router_forward_frame (peer->mesh->router, &peer->rp, data, len);
}

static void
on_link_burst_done (WstunWs *ws, gpointer user_data)
{
  MeshPeer *peer = user_data;

  (void) ws;
  wstun_router_flush (peer->mesh->router);
}

static void
on_link_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error,
                gpointer user_data)
{
  MeshPeer *peer = user_data;
  g_autofree char *text = wstun_printable (error != NULL ? error->message : reason, -1);

  if (ws != peer->ws)
    return;
  g_message ("cluster: link to relay %s lost (%u%s%s)", peer->id, code, text && *text ? ": " : "",
             text ? text : "");
  peer->rp.ws = NULL;
  g_clear_object (&peer->ws);
  g_clear_object (&peer->conn);
  schedule_redial (peer);
}

static void
peer_attach (MeshPeer *peer, WstunWs *ws, SoupWebsocketConnection *conn)
{
  static const WstunWsCallbacks callbacks = {
    .message = on_link_message,
    .burst_done = on_link_burst_done,
    .closed = on_link_closed,
  };

  peer_drop_link (peer);
  peer->ws = ws;
  peer->conn = conn;
  peer->rp.ws = ws;
  peer->redial_ms = 0;
  wstun_ws_set_max_message (ws, WSTUN_FRAME_MAX);
  wstun_ws_set_max_backlog (ws, peer->mesh->backlog);
  wstun_ws_set_keepalive (ws, WSTUN_MESH_KEEPALIVE);
  peer->mesh->counters.links_up++;
  g_message ("cluster: link to relay %s up", peer->id);
  wstun_ws_start (ws, &callbacks, peer);
}

static void
on_dial_timeout (WstunTimer *timer, gpointer user_data)
{
  Dial *dial = user_data;

  (void) timer;
  g_cancellable_cancel (dial->cancellable);
}

static void
on_dialed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Dial *dial = user_data;
  MeshPeer *peer = dial->peer;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupWebsocketConnection) conn = NULL;
  GIOStream *stream;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  wstun_timer_stop (&dial->timeout);
  wstun_reactor_unref (dial->reactor);
  g_object_unref (dial->cancellable);
  g_free (dial);
  if (peer == NULL) /* gone meanwhile */
    return;
  peer->dial = NULL;
  if (peer->mesh->stopped)
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_clear_error (&error);
    g_set_error (&error, WSTUN_ERROR, WSTUN_ERROR_TIMED_OUT, "no link within %d s", DIAL_TIMEOUT_S);
  }
  if (conn != NULL &&
      g_strcmp0 (soup_websocket_connection_get_protocol (conn), WSTUN_MESH_SUBPROTOCOL) != 0) {
    g_set_error (&error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL,
                 "it did not accept subprotocol " WSTUN_MESH_SUBPROTOCOL);
    g_clear_object (&conn);
  }
  stream = conn != NULL ? wstun_ws_take_over (conn, &error) : NULL;
  if (stream == NULL) {
    peer->mesh->counters.dial_failures++;
    /* the first of a row is worth a line; the retries are not */
    if (peer->redial_ms <= REDIAL_MIN_MS)
      g_message ("cluster: cannot link to relay %s at %s: %s", peer->id, peer->url, error->message);
    schedule_redial (peer);
    return;
  }
  peer_attach (peer, wstun_ws_new (stream, WSTUN_WS_ROLE_CLIENT), g_steal_pointer (&conn));
}

static void
peer_dial (MeshPeer *peer)
{
  WstunMesh *self = peer->mesh;
  const char *protocols[] = { WSTUN_MESH_SUBPROTOCOL, NULL };
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *auth = NULL;
  Dial *dial;

  if (!dials (self, peer) || peer->ws != NULL || peer->dial != NULL)
    return;
  msg = soup_message_new (SOUP_METHOD_GET, peer->url);
  if (msg == NULL) {
    g_warning ("cluster: relay %s registered an invalid mesh URL “%s”", peer->id, peer->url);
    return;
  }
  auth = g_strdup_printf ("Bearer %s", self->key);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), WSTUN_MESH_RELAY_HEADER,
                                self->id);
  dial = g_new0 (Dial, 1);
  dial->peer = peer;
  dial->cancellable = g_cancellable_new ();
  dial->reactor = wstun_reactor_ref (self->reactor);
  wstun_timer_init (&dial->timeout, on_dial_timeout, dial);
  wstun_timer_start (&dial->timeout, dial->reactor,
                     g_get_monotonic_time () + DIAL_TIMEOUT_S * G_USEC_PER_SEC, 0);
  peer->dial = dial;
  soup_session_websocket_connect_async (self->session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, dial->cancellable, on_dialed, dial);
}

static void
peer_free (MeshPeer *peer)
{
  /* the dial ends by itself, and finds its peer gone */
  if (peer->dial != NULL) {
    peer->dial->peer = NULL;
    g_cancellable_cancel (peer->dial->cancellable);
  }
  wstun_timer_stop (&peer->redial);
  peer_drop_link (peer);
  wstun_router_remove_peer (peer->mesh->router, &peer->rp);
  g_free (peer->id);
  g_free (peer->url);
  g_free (peer);
}

static MeshPeer *
peer_get (WstunMesh *self, const char *id)
{
  MeshPeer *peer = g_hash_table_lookup (self->peers, id);

  if (peer == NULL) {
    peer = g_new0 (MeshPeer, 1);
    peer->mesh = self;
    peer->id = g_strdup (id);
    wstun_timer_init (&peer->redial, on_redial, peer);
    peer->rp.mesh = TRUE;
    /* relays of one version: records travel on and are checked by the
     * relay that delivers them */
    peer->rp.offload = TRUE;
    g_hash_table_insert (self->peers, peer->id, peer);
  }
  return peer;
}

WstunRouterPeer *
wstun_mesh_get_peer (WstunMesh *self, const char *relay_id)
{
  g_return_val_if_fail (WSTUN_IS_MESH (self), NULL);

  if (g_strcmp0 (relay_id, self->id) == 0)
    return NULL;
  return &peer_get (self, relay_id)->rp;
}

/* A registration under WSTUN_CLUSTER_RELAYS changed */
static void
on_registry (const char *key, const WstunEtcdKv *kv, gpointer user_data)
{
  WstunMesh *self = user_data;
  const char *id = key + strlen (WSTUN_CLUSTER_RELAYS);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  const char *url = NULL;
  MeshPeer *peer;

  if (!wstun_cluster_relay_id_valid (id) || strcmp (id, self->id) == 0)
    return;
  peer = peer_get (self, id);
  if (kv == NULL) {
    /* gone (stopped, or its lease expired): its link goes too */
    g_message ("cluster: relay %s left", id);
    g_clear_pointer (&peer->url, g_free);
    peer_drop_link (peer);
    return;
  }
  if (json_parser_load_from_data (parser, g_bytes_get_data (kv->value, NULL),
                                  g_bytes_get_size (kv->value), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    url = json_object_get_string_member_with_default (
      json_node_get_object (json_parser_get_root (parser)), "mesh_url", NULL);
  if (url == NULL) {
    g_warning ("cluster: relay %s's registration has no mesh_url", id);
    return;
  }
  if (g_strcmp0 (peer->url, url) != 0) {
    g_message ("cluster: relay %s at %s", id, url);
    g_free (peer->url);
    peer->url = g_strdup (url);
  }
  peer_dial (peer);
}

WstunMesh *
wstun_mesh_new (WstunEtcd *etcd, const char *relay_id, const char *mesh_key, WstunRouter *router,
                guint64 backlog, GTlsDatabase *tls_database)
{
  WstunMesh *self = g_object_new (WSTUN_TYPE_MESH, NULL);

  self->etcd = g_object_ref (etcd);
  self->id = g_strdup (relay_id);
  wstun_secret_sha256 (mesh_key, self->key_sha256);
  self->key = g_strdup (mesh_key);
  self->router = router;
  self->backlog = backlog;
  self->session = soup_session_new_with_options ("user-agent", "wstun-relay/" PACKAGE_VERSION " ",
                                                 "proxy-resolver", NULL, NULL);
  /* else the system's trust, as for any wss:// client */
  if (tls_database != NULL)
    soup_session_set_tls_database (self->session, tls_database);
  self->registry = wstun_follow_new (etcd, WSTUN_CLUSTER_RELAYS, on_registry, self);
  return self;
}

void
wstun_mesh_start (WstunMesh *self)
{
  g_return_if_fail (WSTUN_IS_MESH (self));
  wstun_follow_start (self->registry);
}

void
wstun_mesh_stop (WstunMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (WSTUN_IS_MESH (self));
  self->stopped = TRUE;
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    peer_drop_link (value);
}

gboolean
wstun_mesh_is_request (SoupServerMessage *msg)
{
  const char *offered = soup_message_headers_get_list (
    soup_server_message_get_request_headers (msg), "Sec-WebSocket-Protocol");

  return offered != NULL && soup_header_contains (offered, WSTUN_MESH_SUBPROTOCOL);
}

gboolean
wstun_mesh_admit (WstunMesh *self, SoupServerMessage *msg, guint *status, const char **reason)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *id = soup_message_headers_get_one (headers, WSTUN_MESH_RELAY_HEADER);
  guint8 digest[WSTUN_SECRET_SHA256_LEN];

  g_return_val_if_fail (WSTUN_IS_MESH (self), FALSE);

  /* hashed first, so the comparison takes the same time for any key */
  wstun_secret_sha256 (auth != NULL && g_str_has_prefix (auth, "Bearer ") ? auth + 7 : "", digest);
  if (!wstun_secret_digest_equal (digest, self->key_sha256)) {
    self->counters.auth_failures++;
    *status = SOUP_STATUS_UNAUTHORIZED;
    *reason = _ ("A relay link needs the cluster's mesh key");
    return FALSE;
  }
  if (!wstun_cluster_relay_id_valid (id) || strcmp (id, self->id) == 0) {
    self->counters.auth_failures++;
    *status = SOUP_STATUS_BAD_REQUEST;
    *reason = _ ("A relay link needs a relay id of its own in X-Wstun-Relay");
    return FALSE;
  }
  return TRUE;
}

void
wstun_mesh_accept (WstunMesh *self, SoupServerMessage *msg, GIOStream *stream)
{
  const char *id = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                 WSTUN_MESH_RELAY_HEADER);
  MeshPeer *peer;

  g_return_if_fail (WSTUN_IS_MESH (self));

  if (self->stopped || id == NULL) {
    g_io_stream_close (stream, NULL, NULL);
    return;
  }
  /* a relay that restarted links anew: the new link replaces the old */
  peer = peer_get (self, id);
  peer_attach (peer, wstun_ws_new (stream, WSTUN_WS_ROLE_SERVER), NULL);
}

guint
wstun_mesh_get_n_relays (WstunMesh *self)
{
  g_return_val_if_fail (WSTUN_IS_MESH (self), 0);
  return wstun_follow_get_n_keys (self->registry);
}

guint
wstun_mesh_get_n_links (WstunMesh *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (WSTUN_IS_MESH (self), 0);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((MeshPeer *) value)->ws != NULL;
  return n;
}

const WstunMeshCounters *
wstun_mesh_get_counters (WstunMesh *self)
{
  return &self->counters;
}

static void
wstun_mesh_dispose (GObject *object)
{
  WstunMesh *self = WSTUN_MESH (object);

  self->stopped = TRUE;
  g_clear_pointer (&self->registry, wstun_follow_free);
  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (wstun_mesh_parent_class)->dispose (object);
}

static void
wstun_mesh_finalize (GObject *object)
{
  WstunMesh *self = WSTUN_MESH (object);

  g_clear_object (&self->etcd);
  g_clear_pointer (&self->reactor, wstun_reactor_unref);
  g_free (self->id);
  g_free (self->key);
  G_OBJECT_CLASS (wstun_mesh_parent_class)->finalize (object);
}

static void
wstun_mesh_class_init (WstunMeshClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_mesh_dispose;
  object_class->finalize = wstun_mesh_finalize;
}

static void
wstun_mesh_init (WstunMesh *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) peer_free);
  self->reactor = wstun_reactor_get_default ();
}
