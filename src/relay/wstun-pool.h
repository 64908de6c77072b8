/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-pool.h: hands out the addresses of one IPv4 or IPv6 prefix */
#pragma once

#include <glib.h>

#include "wstun-address.h"

G_BEGIN_DECLS

/* The prefix's first host (x.x.x.1, prefix::1) is kept for the relay itself,
 * as a gateway address; the network and IPv4 broadcast addresses are never
 * handed out. */
typedef struct _WstunPool WstunPool;

WstunPool *wstun_pool_new (const WstunPrefix *prefix, GError **error);
void wstun_pool_free (WstunPool *pool);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunPool, wstun_pool_free)

const WstunPrefix *wstun_pool_get_prefix (WstunPool *pool);
gboolean wstun_pool_contains (WstunPool *pool, const WstunAddr *addr);
/* Where the search for a free address starts: relays of a cluster share
 * a pool, and starting apart, they seldom pick the same address at once */
void wstun_pool_start_at (WstunPool *pool, guint64 seed);
/* Takes the next free address; FALSE when none is left. */
gboolean wstun_pool_allocate (WstunPool *pool, WstunAddr *out);
/* Takes @addr itself; fails if it is outside the pool, reserved or in use. */
gboolean wstun_pool_reserve (WstunPool *pool, const WstunAddr *addr, GError **error);
void wstun_pool_release (WstunPool *pool, const WstunAddr *addr);
gboolean wstun_pool_is_used (WstunPool *pool, const WstunAddr *addr);
/* Static addresses (given to tokens) are never allocated to others, but
 * wstun_pool_reserve() hands them to their holder. Replaces the set. */
void wstun_pool_set_static (WstunPool *pool, const WstunAddr *addrs, guint n);
gboolean wstun_pool_is_static (WstunPool *pool, const WstunAddr *addr);
guint64 wstun_pool_get_capacity (WstunPool *pool);
guint64 wstun_pool_get_used (WstunPool *pool);

G_END_DECLS
