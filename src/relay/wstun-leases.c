/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-leases.h"

#include <glib/gi18n.h>

#include "wstun-control.h"
#include "wstun-error.h"

struct _WstunLeases {
  WstunRouter *router;
  WstunPool *pool4;
  WstunPool *pool6;
};

WstunLeases *
wstun_leases_new (WstunRouter *router, WstunPool *pool4, WstunPool *pool6)
{
  WstunLeases *leases = g_new0 (WstunLeases, 1);

  leases->router = router;
  leases->pool4 = pool4;
  leases->pool6 = pool6;
  return leases;
}

void
wstun_leases_free (WstunLeases *leases)
{
  g_free (leases);
}

WstunPool *
wstun_leases_get_pool (WstunLeases *leases, int family)
{
  return family == AF_INET ? leases->pool4 : leases->pool6;
}

static gboolean
take (WstunLeases *leases, WstunPool *pool, WstunRouterPeer *peer, const WstunAddr *wish,
      gboolean own_static, const char **error_code, GError **error)
{
  WstunAddr addr;

  if (wish != NULL && !own_static && wstun_pool_is_static (pool, wish)) {
    char buf[WSTUN_ADDR_STRLEN];
    *error_code = WSTUN_ERR_ADDRESS_UNAVAILABLE;
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("Address %s is reserved for another client's token"),
                 wstun_addr_to_string (wish, buf));
    return FALSE;
  }
  if (wish != NULL) {
    if (wstun_pool_is_used (pool, wish) || wstun_router_lookup (leases->router, wish) != NULL) {
      char buf[WSTUN_ADDR_STRLEN];
      *error_code = WSTUN_ERR_ADDRESS_IN_USE;
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address %s is already in use"),
                   wstun_addr_to_string (wish, buf));
      return FALSE;
    }
    if (!wstun_pool_reserve (pool, wish, error)) {
      *error_code = WSTUN_ERR_ADDRESS_UNAVAILABLE;
      return FALSE;
    }
    addr = *wish;
  } else if (!wstun_pool_allocate (pool, &addr)) {
    char buf[WSTUN_PREFIX_STRLEN];
    *error_code = WSTUN_ERR_POOL_EXHAUSTED;
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address pool %s is exhausted"),
                 wstun_prefix_to_string (wstun_pool_get_prefix (pool), buf));
    return FALSE;
  }
  if (!wstun_router_add (leases->router, peer, &addr, error)) {
    /* held outside the pool by a seed client */
    wstun_pool_release (pool, &addr);
    *error_code = WSTUN_ERR_ADDRESS_IN_USE;
    return FALSE;
  }
  return TRUE;
}

gboolean
wstun_leases_acquire_static (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *static4,
                             const WstunAddr *static6, const WstunAddr *wish4,
                             const WstunAddr *wish6, const char **error_code, GError **error)
{
  const WstunAddr *want4 = static4 != NULL ? static4 : wish4;
  const WstunAddr *want6 = static6 != NULL ? static6 : wish6;

  g_return_val_if_fail (peer->n_addrs == 0, FALSE);

  if ((want4 != NULL && leases->pool4 == NULL) || (want6 != NULL && leases->pool6 == NULL)) {
    *error_code = WSTUN_ERR_ADDRESS_UNAVAILABLE;
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("The relay has no address pool for the requested address family"));
    return FALSE;
  }
  if (leases->pool4 != NULL &&
      !take (leases, leases->pool4, peer, want4, static4 != NULL, error_code, error))
    return FALSE;
  if (leases->pool6 != NULL &&
      !take (leases, leases->pool6, peer, want6, static6 != NULL, error_code, error)) {
    wstun_leases_release (leases, peer);
    return FALSE;
  }
  return TRUE;
}

gboolean
wstun_leases_acquire (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *wish4,
                      const WstunAddr *wish6, const char **error_code, GError **error)
{
  return wstun_leases_acquire_static (leases, peer, NULL, NULL, wish4, wish6, error_code, error);
}

gboolean
wstun_leases_claim (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *addr,
                    GError **error)
{
  WstunPool *pool = wstun_leases_get_pool (leases, addr->family);
  char buf[WSTUN_ADDR_STRLEN];

  if (!wstun_addr_is_forwardable (addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("Address %s cannot be a client address"), wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  if (peer->n_addrs >= WSTUN_ROUTER_PEER_MAX_ADDRS) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Client already holds %d addresses"),
                 WSTUN_ROUTER_PEER_MAX_ADDRS);
    return FALSE;
  }
  /* inside a pool's prefix only client addresses may be claimed (not the
   * network, the relay's own or the broadcast address), and the pool must
   * not hand the address out again */
  if (pool != NULL && wstun_pool_is_static (pool, addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("Address %s is reserved for a client's token"),
                 wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  if (pool != NULL && wstun_prefix_contains (wstun_pool_get_prefix (pool), addr) &&
      !wstun_pool_reserve (pool, addr, error))
    return FALSE;
  if (!wstun_router_add (leases->router, peer, addr, error)) {
    if (pool != NULL)
      wstun_pool_release (pool, addr);
    return FALSE;
  }
  return TRUE;
}

void
wstun_leases_release (WstunLeases *leases, WstunRouterPeer *peer)
{
  for (guint i = 0; i < peer->n_addrs; i++) {
    WstunPool *pool = wstun_leases_get_pool (leases, peer->addrs[i].family);

    /* only give back to the pool what this peer holds in the router */
    if (pool != NULL && wstun_router_lookup (leases->router, &peer->addrs[i]) == peer)
      wstun_pool_release (pool, &peer->addrs[i]);
  }
  wstun_router_remove_peer (leases->router, peer);
}
