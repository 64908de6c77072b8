/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-mesh.h: the links between the relays of a cluster (PROTOCOL.md 12)
 *
 * Every relay keeps one WebSocket link (subprotocol wstun-mesh.v1) to
 * every other registered relay: the one whose id sorts first dials, the
 * other accepts. A link is authenticated before the upgrade with the
 * cluster's mesh key; it then carries data frames as client links do,
 * both ways. Each peer relay is a router peer (wstun-router.h) holding the
 * addresses its clients hold, so forwarding to it costs what forwarding to
 * a client costs, and what it sends is checked against what it holds.
 *
 * The registry of relays (WSTUN_CLUSTER_RELAYS in etcd) is read once and
 * then followed with a watch.
 */
#pragma once

#include <libsoup/soup.h>

#include "wstun-etcd.h"
#include "wstun-router.h"

G_BEGIN_DECLS

#define WSTUN_MESH_SUBPROTOCOL "wstun-mesh.v1"
/* The header a dialing relay names itself in */
#define WSTUN_MESH_RELAY_HEADER "X-Wstun-Relay"
/* Ping interval on links: a link silent for three is dead */
#define WSTUN_MESH_KEEPALIVE 2
/* A mesh key shorter than this is refused: it is a shared secret */
#define WSTUN_MESH_KEY_MIN 16

typedef struct {
  guint64 links_up;      /* links established, either way */
  guint64 auth_failures; /* link requests refused: bad key or relay id */
  guint64 dial_failures;
} WstunMeshCounters;

#define WSTUN_TYPE_MESH (wstun_mesh_get_type ())
G_DECLARE_FINAL_TYPE (WstunMesh, wstun_mesh, WSTUN, MESH, GObject)

/* Reads the mesh key from @key_file (the whole file, surrounding white
 * space stripped). */
char *wstun_mesh_key_load (const char *key_file, GError **error);

/* @tls_database: trust for wss:// peers (NULL: the system's) */
WstunMesh *wstun_mesh_new (WstunEtcd *etcd, const char *relay_id, const char *mesh_key,
                           WstunRouter *router, guint64 backlog, GTlsDatabase *tls_database);
/* Reads the registry, follows it and dials */
void wstun_mesh_start (WstunMesh *self);
/* Closes every link */
void wstun_mesh_stop (WstunMesh *self);

/* The router peer standing for relay @relay_id (made on first use; lives
 * as long as the mesh). NULL for this relay's own id. */
WstunRouterPeer *wstun_mesh_get_peer (WstunMesh *self, const char *relay_id);

/* Whether a request for the relay's path asks for a mesh link */
gboolean wstun_mesh_is_request (SoupServerMessage *msg);
/* Checks a mesh link request before the upgrade: the mesh key and a valid
 * relay id other than this one's. On refusal, @status and @reason say
 * what to answer. */
gboolean wstun_mesh_admit (WstunMesh *self, SoupServerMessage *msg, guint *status,
                           const char **reason);
/* Takes over the upgraded stream of a request wstun_mesh_admit() let in */
void wstun_mesh_accept (WstunMesh *self, SoupServerMessage *msg, GIOStream *stream);

guint wstun_mesh_get_n_relays (WstunMesh *self);
guint wstun_mesh_get_n_links (WstunMesh *self);
const WstunMeshCounters *wstun_mesh_get_counters (WstunMesh *self);

G_END_DECLS
