/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-loglimit.h"

typedef struct {
  gint64 last;
  guint suppressed;
} Entry;

struct _WstunLogLimit {
  gint64 interval;
  guint max_keys;
  GHashTable *entries; /* key -> Entry */
};

WstunLogLimit *
wstun_log_limit_new (guint interval_seconds, guint max_keys)
{
  WstunLogLimit *limit = g_new0 (WstunLogLimit, 1);

  limit->interval = (gint64) interval_seconds * G_USEC_PER_SEC;
  limit->max_keys = MAX (max_keys, 1);
  limit->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return limit;
}

void
wstun_log_limit_free (WstunLogLimit *limit)
{
  if (limit == NULL)
    return;
  g_hash_table_unref (limit->entries);
  g_free (limit);
}

gboolean
wstun_log_limit_check (WstunLogLimit *limit, const char *key, gint64 now, guint *suppressed)
{
  Entry *entry = g_hash_table_lookup (limit->entries, key);

  if (entry == NULL) {
    if (g_hash_table_size (limit->entries) >= limit->max_keys) {
      GHashTableIter iter;
      Entry *e;

      /* forget keys quiet for an interval; under a flood from very many
       * keys, forget all (some lines more, never unbounded memory) */
      g_hash_table_iter_init (&iter, limit->entries);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &e)) {
        if (now - e->last >= limit->interval)
          g_hash_table_iter_remove (&iter);
      }
      if (g_hash_table_size (limit->entries) >= limit->max_keys)
        g_hash_table_remove_all (limit->entries);
    }
    entry = g_new0 (Entry, 1);
    entry->last = now;
    g_hash_table_insert (limit->entries, g_strdup (key), entry);
    *suppressed = 0;
    return TRUE;
  }
  if (now - entry->last < limit->interval) {
    entry->suppressed++;
    return FALSE;
  }
  *suppressed = entry->suppressed;
  entry->suppressed = 0;
  entry->last = now;
  return TRUE;
}
