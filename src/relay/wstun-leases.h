/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-leases.h: which client holds which tunnel address
 *
 * Ties the address pools to the router: an address is taken from a pool and
 * registered as the client's in the router in one step, and given back the
 * same way, so the two never disagree.
 *
 * A wstun.v1 client's addresses form a lease, known by the SHA-256 of the
 * resume id the client got in its config. A lease is held while its
 * session lives. When the session ends without the client saying goodbye
 * (a lost connection, a dead peer, the relay restarting), the lease is
 * reserved for the grace period: its addresses stay out of the pools, and
 * a client presenting the resume id (with the same token) gets them back.
 * Seed clients have no leases; their addresses are claimed and released.
 */
#pragma once

#include <glib.h>

#include "wstun-pool.h"
#include "wstun-resume.h"
#include "wstun-router.h"

G_BEGIN_DECLS

typedef struct _WstunLeases WstunLeases;

typedef struct {
  guint64 resume_hits;   /* hellos whose resume id got the addresses back */
  guint64 resume_misses; /* hellos with an unknown, expired or other token's id */
  guint64 replaced;      /* live sessions closed for a client that resumed them (4410) */
  guint64 expired;       /* reservations that ran out */
  guint64 given_up;      /* reservations given up early: pool full, too many, tokens */
} WstunLeasesCounters;

/* Whether a hello's resume id got its lease back. */
typedef enum {
  WSTUN_RESUME_NONE, /* the hello had no resume id */
  WSTUN_RESUME_HIT,
  WSTUN_RESUME_MISS,
} WstunResumeResult;

/* What a wstun.v1 client asks for, after its token and its hello. */
typedef struct {
  const char *resume;                 /* the hello's resume id, or NULL */
  const char *token_name;             /* NULL on an open relay */
  const WstunAddr *static4, *static6; /* the token's static addresses, or NULL */
  const WstunAddr *wish4, *wish6;     /* the hello's wishes, or NULL */
  gpointer owner;                     /* the session, for whoever replaces it */
} WstunLeaseRequest;

typedef struct {
  WstunResumeResult resume;
  char resume_id[WSTUN_RESUME_ID_LEN + 1]; /* for the config: the same on a hit */
  guint8 hash[WSTUN_RESUME_HASH_LEN];      /* the lease's key */
  gpointer replaced;                       /* on a hit: the owner of the live session that held the
                                            * lease, which the caller closes (4410); else NULL */
} WstunLeaseGrant;

/* A lease as the state file keeps it. */
typedef struct {
  guint8 hash[WSTUN_RESUME_HASH_LEN];
  const char *token_name;
  guint n_addrs;
  WstunAddr addrs[WSTUN_ROUTER_PEER_MAX_ADDRS];
  gboolean held;
  gint64 reserved_until; /* Unix time in seconds, when not held */
} WstunLeaseInfo;

typedef void (*WstunLeasesChangedFunc) (gpointer user_data);
typedef void (*WstunLeaseInfoFunc) (const WstunLeaseInfo *info, gpointer user_data);
/* Whether a reserved lease may stay (after the tokens changed). */
typedef gboolean (*WstunLeaseFilterFunc) (const WstunLeaseInfo *info, gpointer user_data);

WstunLeases *wstun_leases_new (WstunRouter *router, WstunPool *pool4, WstunPool *pool6);
void wstun_leases_free (WstunLeases *leases);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunLeases, wstun_leases_free)

/* How long leases stay reserved (0: not at all), and how many may be
 * reserved at once; beyond, the oldest reservation is given up. */
void wstun_leases_set_resume (WstunLeases *leases, guint grace_seconds, guint max_reserved);
/* Called after every change of the leases (for the state file). */
void wstun_leases_set_changed_func (WstunLeases *leases, WstunLeasesChangedFunc func,
                                    gpointer user_data);

/* Called when a lease ends and its addresses go back to the pools
 * (expired, given up, closed without being kept, taken away): the cluster
 * gives up its claims on them. */
void wstun_leases_set_dropped_func (WstunLeases *leases, WstunLeaseInfoFunc func,
                                    gpointer user_data);

WstunPool *wstun_leases_get_pool (WstunLeases *leases, int family);

/* Gives @peer one address of each configured family, @wish4/@wish6 if set
 * (NULL for any). On failure nothing is held and @error_code is the
 * protocol's error code for the client. Without a lease record. */
gboolean wstun_leases_acquire (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *wish4,
                               const WstunAddr *wish6, const char **error_code, GError **error);
/* As wstun_leases_acquire(), for a client holding a token: the token's
 * static addresses (set aside in the pools for it) replace the wishes. */
gboolean wstun_leases_acquire_static (WstunLeases *leases, WstunRouterPeer *peer,
                                      const WstunAddr *static4, const WstunAddr *static6,
                                      const WstunAddr *wish4, const WstunAddr *wish6,
                                      const char **error_code, GError **error);
/* Registers an address a client chose itself (seed clients). */
gboolean wstun_leases_claim (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *addr,
                             GError **error);
/* Gives back what @peer holds without a lease record (seed clients). */
void wstun_leases_release (WstunLeases *leases, WstunRouterPeer *peer);

/* The addresses of a wstun.v1 client: its reserved or held lease when the
 * resume id is known and was issued to the same token (a live holder is
 * handed back in @grant to be closed), else new ones under a new resume id.
 * On failure nothing changed and @error_code is the protocol's error code. */
gboolean wstun_leases_open (WstunLeases *leases, WstunRouterPeer *peer,
                            const WstunLeaseRequest *request, WstunLeaseGrant *grant,
                            const char **error_code, GError **error);
/* The session of @peer, holding lease @hash, ended: with @keep the lease is
 * reserved for the grace period, otherwise its addresses go back to the
 * pools. Nothing happens if another peer holds the lease now. Returns
 * whether the lease is reserved. */
gboolean wstun_leases_close (WstunLeases *leases, const guint8 hash[WSTUN_RESUME_HASH_LEN],
                             WstunRouterPeer *peer, gboolean keep);

/* Adds a lease from the state file, reserved for the grace period from
 * now. Refused, with the reason in @error, when an address is not a client
 * address of today's pools, is held, reserved or another token's static
 * address (@token_static4/6: the lease's token's own, allowed), when the
 * id is known already, or when as many leases as allowed are reserved. */
gboolean wstun_leases_restore (WstunLeases *leases, const WstunLeaseInfo *info,
                               const WstunAddr *token_static4, const WstunAddr *token_static6,
                               GError **error);
/* Gives up every reserved lease @keep refuses. */
void wstun_leases_filter_reserved (WstunLeases *leases, WstunLeaseFilterFunc keep,
                                   gpointer user_data);
/* Whether a lease has this resume id hash, held or reserved. */
gboolean wstun_leases_knows (WstunLeases *leases, const guint8 hash[WSTUN_RESUME_HASH_LEN]);
/* Ends the lease holding @addr, if any (another relay of the cluster took
 * the address over: its client resumed there). @owner gets the session
 * that held it, NULL when it was reserved; that session has lost its
 * addresses and is closed by the caller. */
gboolean wstun_leases_take_away (WstunLeases *leases, const WstunAddr *addr, gpointer *owner);
/* Every lease, held and reserved. */
void wstun_leases_foreach (WstunLeases *leases, WstunLeaseInfoFunc func, gpointer user_data);

guint wstun_leases_get_n_reserved (WstunLeases *leases);
guint wstun_leases_get_n_leases (WstunLeases *leases);
const WstunLeasesCounters *wstun_leases_get_counters (WstunLeases *leases);

G_END_DECLS
