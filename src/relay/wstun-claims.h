/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-claims.h: which relay of the cluster holds which address (etcd)
 *
 * Every address a client of the cluster holds (or that is reserved for
 * one that lost its connection) is claimed under WSTUN_CLAIMS_PREFIX<addr>
 * by its relay, bound to the relay's etcd lease: a claim is a transaction
 * that succeeds only if the key does not exist, so no two relays ever hand
 * out one address, and a crashed relay's claims go when its lease expires.
 * A claim names the lease's resume id hash and token, so a client that
 * comes back on another relay with its resume id takes its addresses over
 * there (one transaction, checked against the revisions it saw).
 *
 * All claims are mirrored into the relay (wstun-follow.h): another relay's
 * addresses are set aside in the pools and routed to that relay's mesh
 * peer, so forwarding and allocation never wait on etcd. A lease of this
 * relay whose address another relay took over is ended; its session, if
 * live, is handed to the lost function to be closed.
 */
#pragma once

#include "wstun-cluster.h"
#include "wstun-etcd.h"
#include "wstun-leases.h"
#include "wstun-mesh.h"
#include "wstun-router.h"

G_BEGIN_DECLS

#define WSTUN_CLAIMS_PREFIX "/wstun/addrs/"

typedef struct {
  guint64 claimed;        /* leases claimed for new clients */
  guint64 conflicts;      /* claims another relay won first */
  guint64 failures;       /* claims etcd could not answer */
  guint64 takeovers;      /* leases taken over from another relay (a resume) */
  guint64 lost;           /* leases another relay took over from this one */
  gint64 last_claim_usec; /* how long the last claim took */
} WstunClaimsCounters;

/* @owner (a session) lost its addresses to another relay */
typedef void (*WstunClaimsLostFunc) (gpointer owner, gpointer user_data);

#define WSTUN_TYPE_CLAIMS (wstun_claims_get_type ())
G_DECLARE_FINAL_TYPE (WstunClaims, wstun_claims, WSTUN, CLAIMS, GObject)

WstunClaims *wstun_claims_new (WstunEtcd *etcd, WstunCluster *cluster, WstunMesh *mesh,
                               WstunLeases *leases, WstunRouter *router, const char *relay_id);
void wstun_claims_set_lost_func (WstunClaims *self, WstunClaimsLostFunc func, gpointer user_data);
/* Reads and follows the claims; keeps this relay's own in step with its
 * leases (after a restart, or when its etcd lease was lost) */
void wstun_claims_start (WstunClaims *self);
/* Whether new clients can be admitted: the claims have been read and the
 * relay is registered */
gboolean wstun_claims_is_ready (WstunClaims *self);

/* Claims the addresses of the new lease @info (held by this relay's
 * router and pools). @won is FALSE when another relay holds one of them:
 * they are then known here, so the next pick avoids them. */
void wstun_claims_claim_async (WstunClaims *self, const WstunLeaseInfo *info,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean wstun_claims_claim_finish (WstunClaims *self, GAsyncResult *result, gboolean *won,
                                    GError **error);

/* Whether another relay holds a lease with resume id hash @hash; fills
 * @info (its token_name valid until the claims change) */
gboolean wstun_claims_find_resume (WstunClaims *self, const guint8 hash[WSTUN_RESUME_HASH_LEN],
                                   WstunLeaseInfo *info);
/* Takes the lease @info (from wstun_claims_find_resume()) over, if its
 * claims are still as seen; @won says whether they were. On success the
 * addresses are free here, for wstun_leases_restore(). */
void wstun_claims_take_over_async (WstunClaims *self, const WstunLeaseInfo *info,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean wstun_claims_take_over_finish (WstunClaims *self, GAsyncResult *result, gboolean *won,
                                        GError **error);

/* Gives up the claims of @info if they are still this relay's */
void wstun_claims_release (WstunClaims *self, const WstunLeaseInfo *info);

/* Addresses known to be claimed, by any relay */
guint wstun_claims_get_n_cached (WstunClaims *self);
const WstunClaimsCounters *wstun_claims_get_counters (WstunClaims *self);

G_END_DECLS
