/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-cluster.h: this relay's place in a cluster of relays (etcd)
 *
 * A relay in a cluster registers under WSTUN_CLUSTER_RELAYS<id>, a key
 * bound to an etcd lease of its own, and keeps the lease alive; its
 * address claims (later) are bound to the same lease, so that everything
 * a crashed relay held becomes free when the lease's TTL runs out, and
 * not before. A clean stop revokes the lease: at once.
 */
#pragma once

#include "wstun-etcd.h"

G_BEGIN_DECLS

#define WSTUN_CLUSTER_RELAYS "/wstun/relays/"
/* Seconds a relay's lease lives without a keepalive (PROTOCOL.md: the
 * time a crashed relay's addresses stay taken) */
#define WSTUN_CLUSTER_DEFAULT_TTL 10

#define WSTUN_TYPE_CLUSTER (wstun_cluster_get_type ())
G_DECLARE_FINAL_TYPE (WstunCluster, wstun_cluster, WSTUN, CLUSTER, GObject)

/* Whether @id can name a relay: 1-64 of [A-Za-z0-9._-] */
gboolean wstun_cluster_relay_id_valid (const char *id);

/* @mesh_url: where the other relays reach this one */
WstunCluster *wstun_cluster_new (WstunEtcd *etcd, const char *relay_id, const char *mesh_url,
                                 guint ttl, GError **error);
/* Registers, and keeps the registration alive, re-registering after a
 * lost lease; "notify::registered" says when that changes */
void wstun_cluster_start (WstunCluster *self);
/* Revokes the lease (best effort: etcd may be gone) and stops: whatever
 * is bound to the lease goes at once */
void wstun_cluster_stop (WstunCluster *self);
/* Removes the registration (best effort) and stops keeping the lease
 * alive: what else is bound to it (the address claims) stays until the
 * lease's TTL runs out, for the clients to take over on other relays */
void wstun_cluster_leave (WstunCluster *self);
gboolean wstun_cluster_is_registered (WstunCluster *self);
gint64 wstun_cluster_get_lease (WstunCluster *self);

G_END_DECLS
