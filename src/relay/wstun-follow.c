/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-follow.h"

#include <string.h>

#include "wstun-reactor.h"

/* How long after a failure the prefix is read again */
#define RETRY_MS 1000

struct _WstunFollow {
  WstunEtcd *etcd;
  char *prefix;
  WstunFollowFunc func;
  gpointer user_data;
  WstunFollowSyncedFunc synced_func;
  gpointer synced_data;
  GHashTable *seen; /* key -> mod revision (gint64 *) */
  WstunEtcdWatch *watch;
  GCancellable *cancellable;
  WstunTimer retry; /* the next read after a failure */
  WstunReactor *reactor;
  gboolean synced;
  gboolean warned; /* once per outage */
};

static void read_prefix (WstunFollow *follow);

static void
on_retry (WstunTimer *timer, gpointer user_data)
{
  (void) timer;
  read_prefix (user_data);
}

static void
schedule_retry (WstunFollow *follow)
{
  if (!wstun_timer_is_armed (&follow->retry))
    wstun_timer_start (&follow->retry, follow->reactor, g_get_monotonic_time () + RETRY_MS * 1000,
                       0);
}

static void
apply (WstunFollow *follow, const char *key, const WstunEtcdKv *kv)
{
  if (kv == NULL) {
    if (g_hash_table_remove (follow->seen, key))
      follow->func (key, NULL, follow->user_data);
    return;
  }
  {
    gint64 *rev = g_hash_table_lookup (follow->seen, key);

    if (rev != NULL && *rev == kv->mod_revision)
      return;
    g_hash_table_insert (follow->seen, g_strdup (key),
                         g_memdup2 (&kv->mod_revision, sizeof (gint64)));
  }
  follow->func (key, kv, follow->user_data);
}

static void
on_events (WstunEtcdWatch *watch, WstunEtcdEvent *const *events, guint n_events, gint64 revision,
           gpointer user_data)
{
  WstunFollow *follow = user_data;

  (void) watch;
  (void) revision;
  for (guint i = 0; i < n_events; i++)
    apply (follow, events[i]->kv->key, events[i]->deleted ? NULL : events[i]->kv);
}

static void
on_end (WstunEtcdWatch *watch, const GError *error, gpointer user_data)
{
  WstunFollow *follow = user_data;

  (void) watch;
  follow->watch = NULL;
  g_debug ("cluster: watch of %s ended: %s; reading it again", follow->prefix,
           error != NULL ? error->message : "no reason given");
  schedule_retry (follow);
}

static void
on_range (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WstunFollow *follow = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) kvs = NULL;
  g_autoptr (GHashTable) now = NULL;
  g_autofree gpointer *gone = NULL;
  guint n_gone = 0;
  gint64 revision = 0;

  kvs = wstun_etcd_range_finish (WSTUN_ETCD (source), result, &revision, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (kvs == NULL) {
    if (!follow->warned)
      g_warning ("cluster: reading %s from etcd: %s (forwarding goes on with what is known)",
                 follow->prefix, error->message);
    follow->warned = TRUE;
    schedule_retry (follow);
    return;
  }
  if (follow->warned)
    g_message ("cluster: etcd answers again: %s read", follow->prefix);
  follow->warned = FALSE;
  /* the keys that went while nobody watched */
  now = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < kvs->len; i++)
    g_hash_table_add (now, ((WstunEtcdKv *) g_ptr_array_index (kvs, i))->key);
  gone = g_hash_table_get_keys_as_array (follow->seen, &n_gone);
  for (guint i = 0; i < n_gone; i++) {
    if (!g_hash_table_contains (now, gone[i])) {
      g_autofree char *key = g_strdup (gone[i]);

      apply (follow, key, NULL);
    }
  }
  for (guint i = 0; i < kvs->len; i++) {
    WstunEtcdKv *kv = g_ptr_array_index (kvs, i);

    apply (follow, kv->key, kv);
  }
  follow->synced = TRUE;
  follow->watch =
    wstun_etcd_watch (follow->etcd, follow->prefix, revision + 1, on_events, on_end, follow);
  if (follow->synced_func != NULL)
    follow->synced_func (follow->synced_data);
}

static void
read_prefix (WstunFollow *follow)
{
  wstun_etcd_range_async (follow->etcd, follow->prefix, TRUE, follow->cancellable, on_range,
                          follow);
}

WstunFollow *
wstun_follow_new (WstunEtcd *etcd, const char *prefix, WstunFollowFunc func, gpointer user_data)
{
  WstunFollow *follow = g_new0 (WstunFollow, 1);

  follow->etcd = g_object_ref (etcd);
  follow->prefix = g_strdup (prefix);
  follow->func = func;
  follow->user_data = user_data;
  follow->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  follow->cancellable = g_cancellable_new ();
  wstun_timer_init (&follow->retry, on_retry, follow);
  follow->reactor = wstun_reactor_get_default ();
  return follow;
}

void
wstun_follow_set_synced_func (WstunFollow *follow, WstunFollowSyncedFunc func, gpointer user_data)
{
  follow->synced_func = func;
  follow->synced_data = user_data;
}

void
wstun_follow_start (WstunFollow *follow)
{
  read_prefix (follow);
}

gboolean
wstun_follow_is_synced (WstunFollow *follow)
{
  return follow->synced;
}

guint
wstun_follow_get_n_keys (WstunFollow *follow)
{
  return g_hash_table_size (follow->seen);
}

void
wstun_follow_free (WstunFollow *follow)
{
  if (follow == NULL)
    return;
  /* a range in flight finishes with G_IO_ERROR_CANCELLED, after which
   * nothing touches @follow: wait for it here would need the loop */
  g_cancellable_cancel (follow->cancellable);
  if (follow->watch != NULL)
    wstun_etcd_watch_cancel (follow->watch);
  wstun_timer_stop (&follow->retry);
  wstun_reactor_unref (follow->reactor);
  g_object_unref (follow->cancellable);
  g_hash_table_unref (follow->seen);
  g_free (follow->prefix);
  g_object_unref (follow->etcd);
  g_free (follow);
}
