/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-leases.h: which client holds which tunnel address
 *
 * Ties the address pools to the router: an address is taken from a pool and
 * registered as the client's in the router in one step, and given back the
 * same way, so the two never disagree.
 */
#pragma once

#include <glib.h>

#include "wstun-pool.h"
#include "wstun-router.h"

G_BEGIN_DECLS

typedef struct _WstunLeases WstunLeases;

WstunLeases *wstun_leases_new (WstunRouter *router, WstunPool *pool4, WstunPool *pool6);
void wstun_leases_free (WstunLeases *leases);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunLeases, wstun_leases_free)

WstunPool *wstun_leases_get_pool (WstunLeases *leases, int family);

/* Gives @peer one address of each configured family, @wish4/@wish6 if set
 * (NULL for any). On failure nothing is held and @error_code is the
 * protocol's error code for the client. */
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
void wstun_leases_release (WstunLeases *leases, WstunRouterPeer *peer);

G_END_DECLS
