/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-ratelimit.h"

typedef struct {
  double tokens;
  gint64 last;
} Bucket;

struct _WstunRateLimit {
  double capacity;
  double per_usec;
  guint max_sources;
  GHashTable *buckets; /* source -> Bucket */
};

WstunRateLimit *
wstun_rate_limit_new (guint per_minute, guint max_sources)
{
  WstunRateLimit *limit = g_new0 (WstunRateLimit, 1);

  limit->capacity = MAX (per_minute, 1);
  limit->per_usec = limit->capacity / (60.0 * G_USEC_PER_SEC);
  limit->max_sources = MAX (max_sources, 1);
  limit->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return limit;
}

void
wstun_rate_limit_free (WstunRateLimit *limit)
{
  if (limit == NULL)
    return;
  g_hash_table_unref (limit->buckets);
  g_free (limit);
}

static void
refill (WstunRateLimit *limit, Bucket *bucket, gint64 now)
{
  if (now > bucket->last)
    bucket->tokens = MIN (limit->capacity, bucket->tokens + (now - bucket->last) * limit->per_usec);
  bucket->last = now;
}

gboolean
wstun_rate_limit_allows (WstunRateLimit *limit, const char *source, gint64 now)
{
  Bucket *bucket = g_hash_table_lookup (limit->buckets, source);

  if (bucket == NULL)
    return TRUE;
  refill (limit, bucket, now);
  return bucket->tokens >= 1.0;
}

static void
prune (WstunRateLimit *limit, gint64 now)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, limit->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket)) {
    refill (limit, bucket, now);
    if (bucket->tokens >= limit->capacity)
      g_hash_table_iter_remove (&iter);
  }
  /* still full: a flood from many sources; start over rather than grow */
  if (g_hash_table_size (limit->buckets) >= limit->max_sources)
    g_hash_table_remove_all (limit->buckets);
}

void
wstun_rate_limit_hit (WstunRateLimit *limit, const char *source, gint64 now)
{
  Bucket *bucket = g_hash_table_lookup (limit->buckets, source);

  if (bucket == NULL) {
    if (g_hash_table_size (limit->buckets) >= limit->max_sources)
      prune (limit, now);
    bucket = g_new0 (Bucket, 1);
    bucket->tokens = limit->capacity;
    bucket->last = now;
    g_hash_table_insert (limit->buckets, g_strdup (source), bucket);
  }
  refill (limit, bucket, now);
  bucket->tokens = MAX (bucket->tokens - 1.0, 0.0);
}

guint
wstun_rate_limit_get_n_sources (WstunRateLimit *limit)
{
  return g_hash_table_size (limit->buckets);
}
