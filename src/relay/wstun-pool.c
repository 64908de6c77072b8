/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-pool.h"

#include <glib/gi18n.h>

#include "wstun-error.h"

#define FIRST_CLIENT_INDEX 2 /* 0 is the network, 1 the relay */

struct _WstunPool {
  WstunPrefix prefix;
  guint64 last_index;  /* highest host number a client may get */
  guint64 cursor;      /* where the next search starts, so freed addresses rest */
  GHashTable *used;    /* host index (guint64 *) -> itself */
  GHashTable *statics; /* host index (guint64 *) -> itself */
};

WstunPool *
wstun_pool_new (const WstunPrefix *prefix, GError **error)
{
  g_autoptr (WstunPool) pool = g_new0 (WstunPool, 1);
  guint bits = (prefix->addr.family == AF_INET ? 32 : 128) - prefix->prefix_len;
  char buf[WSTUN_PREFIX_STRLEN];

  /* at least the network, the relay and one client */
  if (bits < 2) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Address pool %s is too small: use a prefix of /%u or shorter"),
                 wstun_prefix_to_string (prefix, buf), prefix->addr.family == AF_INET ? 30 : 126);
    return NULL;
  }
  /* host numbers are 64 bits wide: a shorter IPv6 prefix would alias */
  if (prefix->addr.family == AF_INET6 && prefix->prefix_len < 64) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("IPv6 address pool %s is too large: use /64 or longer"),
                 wstun_prefix_to_string (prefix, buf));
    return NULL;
  }
  pool->prefix = *prefix;
  /* clear host bits so 10.99.0.7/24 means 10.99.0.0/24 */
  wstun_prefix_network (prefix, &pool->prefix.addr);
  if (bits >= 64)
    pool->last_index = G_MAXUINT64 - 1;
  else
    pool->last_index = (G_GUINT64_CONSTANT (1) << bits) - 1;
  if (prefix->addr.family == AF_INET)
    pool->last_index--; /* broadcast */
  pool->cursor = FIRST_CLIENT_INDEX;
  pool->used = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  pool->statics = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  return g_steal_pointer (&pool);
}

void
wstun_pool_free (WstunPool *pool)
{
  if (pool == NULL)
    return;
  g_clear_pointer (&pool->used, g_hash_table_unref);
  g_clear_pointer (&pool->statics, g_hash_table_unref);
  g_free (pool);
}

const WstunPrefix *
wstun_pool_get_prefix (WstunPool *pool)
{
  return &pool->prefix;
}

gboolean
wstun_pool_contains (WstunPool *pool, const WstunAddr *addr)
{
  guint64 index;

  if (!wstun_prefix_contains (&pool->prefix, addr))
    return FALSE;
  index = wstun_prefix_host_index (&pool->prefix, addr);
  return index >= FIRST_CLIENT_INDEX && index <= pool->last_index;
}

guint64
wstun_pool_get_capacity (WstunPool *pool)
{
  return pool->last_index - FIRST_CLIENT_INDEX + 1;
}

guint64
wstun_pool_get_used (WstunPool *pool)
{
  return g_hash_table_size (pool->used);
}

static void
mark_used (WstunPool *pool, guint64 index)
{
  guint64 *key = g_new (guint64, 1);

  *key = index;
  g_hash_table_add (pool->used, key);
}

/* static addresses not currently in use, which allocation must skip */
static guint64
n_free_statics (WstunPool *pool)
{
  GHashTableIter iter;
  gpointer key;
  guint64 n = 0;

  g_hash_table_iter_init (&iter, pool->statics);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (!g_hash_table_contains (pool->used, key))
      n++;
  }
  return n;
}

void
wstun_pool_set_static (WstunPool *pool, const WstunAddr *addrs, guint n)
{
  g_hash_table_remove_all (pool->statics);
  for (guint i = 0; i < n; i++) {
    guint64 *key;

    if (!wstun_pool_contains (pool, &addrs[i]))
      continue;
    key = g_new (guint64, 1);
    *key = wstun_prefix_host_index (&pool->prefix, &addrs[i]);
    g_hash_table_add (pool->statics, key);
  }
}

gboolean
wstun_pool_is_static (WstunPool *pool, const WstunAddr *addr)
{
  guint64 index;

  if (!wstun_pool_contains (pool, addr))
    return FALSE;
  index = wstun_prefix_host_index (&pool->prefix, addr);
  return g_hash_table_contains (pool->statics, &index);
}

void
wstun_pool_start_at (WstunPool *pool, guint64 seed)
{
  pool->cursor = FIRST_CLIENT_INDEX + seed % (pool->last_index - FIRST_CLIENT_INDEX + 1);
}

gboolean
wstun_pool_allocate (WstunPool *pool, WstunAddr *out)
{
  guint64 index = pool->cursor;

  if (wstun_pool_get_used (pool) + n_free_statics (pool) >= wstun_pool_get_capacity (pool))
    return FALSE;
  /* among any used+statics+1 consecutive indices one is free: this ends */
  while (g_hash_table_contains (pool->used, &index) ||
         g_hash_table_contains (pool->statics, &index)) {
    index = index >= pool->last_index ? FIRST_CLIENT_INDEX : index + 1;
  }
  mark_used (pool, index);
  pool->cursor = index >= pool->last_index ? FIRST_CLIENT_INDEX : index + 1;
  return wstun_prefix_nth (&pool->prefix, index, out);
}

gboolean
wstun_pool_reserve (WstunPool *pool, const WstunAddr *addr, GError **error)
{
  char buf[WSTUN_ADDR_STRLEN];
  guint64 index;

  if (!wstun_pool_contains (pool, addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Address %s is not a client address of the pool"),
                 wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  index = wstun_prefix_host_index (&pool->prefix, addr);
  if (g_hash_table_contains (pool->used, &index)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address %s is already in use"),
                 wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  mark_used (pool, index);
  return TRUE;
}

void
wstun_pool_release (WstunPool *pool, const WstunAddr *addr)
{
  guint64 index;

  if (!wstun_prefix_contains (&pool->prefix, addr))
    return;
  index = wstun_prefix_host_index (&pool->prefix, addr);
  g_hash_table_remove (pool->used, &index);
}

gboolean
wstun_pool_is_used (WstunPool *pool, const WstunAddr *addr)
{
  guint64 index;

  if (!wstun_prefix_contains (&pool->prefix, addr))
    return FALSE;
  index = wstun_prefix_host_index (&pool->prefix, addr);
  return g_hash_table_contains (pool->used, &index);
}
