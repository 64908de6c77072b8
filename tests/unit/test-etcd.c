/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The etcd JSON gateway client against a real etcd (Debian's etcd-server):
 * one member on 127.0.0.1, started by the test in a temporary directory
 * and stopped by its PID. */
#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "wstun-cluster.h"
#include "wstun-etcd.h"

typedef struct {
  GSubprocess *etcd;
  char *dir;
  char *url;
  WstunEtcd *client;
} Fixture;

static guint16
free_port (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (s, any, TRUE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Iterates the main context until *@done, for at most 10 s */
static void
wait_for (const gboolean *done)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!*done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*done);
}

typedef struct {
  gboolean done;
  GAsyncResult *result;
} Wait;

static void
on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  (void) source;
  w->result = g_object_ref (result);
  w->done = TRUE;
}

/* Runs one call to the end: @start(…, on_result, &w); returns its result */
#define RUN(w, call)                                                                               \
  G_STMT_START                                                                                     \
  {                                                                                                \
    memset (&(w), 0, sizeof (w));                                                                  \
    call;                                                                                          \
    wait_for (&(w).done);                                                                          \
  }                                                                                                \
  G_STMT_END

static gboolean
put_sync (WstunEtcd *client, const char *key, const char *value, gint64 lease, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new (value, strlen (value));
  Wait w;
  gboolean ok;

  RUN (w, wstun_etcd_put_async (client, key, bytes, lease, NULL, on_result, &w));
  ok = wstun_etcd_put_finish (client, w.result, error);
  g_object_unref (w.result);
  return ok;
}

static GPtrArray *
range_sync (WstunEtcd *client, const char *key, gboolean prefix, gint64 *revision, GError **error)
{
  Wait w;
  GPtrArray *kvs;

  RUN (w, wstun_etcd_range_async (client, key, prefix, NULL, on_result, &w));
  kvs = wstun_etcd_range_finish (client, w.result, revision, error);
  g_object_unref (w.result);
  return kvs;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint16 client_port = free_port (), peer_port = free_port ();
  g_autofree char *peer = g_strdup_printf ("http://127.0.0.1:%u", peer_port);
  g_autofree char *cluster = g_strdup_printf ("t=%s", peer);
  gint64 end;

  (void) data;
  f->dir = g_dir_make_tmp ("wstun-etcd-XXXXXX", &error);
  g_assert_no_error (error);
  f->url = g_strdup_printf ("http://127.0.0.1:%u", client_port);
  f->etcd =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                      "etcd", "--name", "t", "--data-dir", f->dir, "--listen-client-urls", f->url,
                      "--advertise-client-urls", f->url, "--listen-peer-urls", peer,
                      "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster, NULL);
  g_assert_no_error (error);
  f->client = wstun_etcd_new (f->url, &error);
  g_assert_no_error (error);
  /* poll until it serves (a fresh single member elects itself) */
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;) {
    g_autoptr (GError) local = NULL;
    g_autoptr (GPtrArray) kvs = range_sync (f->client, "x", FALSE, NULL, &local);

    if (kvs != NULL)
      break;
    g_assert_cmpint (g_get_monotonic_time (), <, end);
    g_usleep (50 * 1000);
  }
}

static void
remove_tree (GFile *file)
{
  g_autoptr (GFileEnumerator) children = g_file_enumerate_children (
    file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL) {
    g_autoptr (GFile) child = g_file_get_child (file, g_file_info_get_name (info));

    g_object_unref (info);
    remove_tree (child);
  }
  g_assert_true (g_file_delete (file, NULL, NULL));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GFile) dir = NULL;

  (void) data;
  g_clear_object (&f->client);
  g_subprocess_send_signal (f->etcd, SIGTERM);
  g_subprocess_wait (f->etcd, NULL, NULL);
  g_clear_object (&f->etcd);
  /* etcd's data directory: member/{snap,wal}/... */
  dir = g_file_new_for_path (f->dir);
  remove_tree (dir);
  g_free (f->dir);
  g_free (f->url);
}

static void
test_put_range (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) none = NULL;
  gint64 revision = 0;
  WstunEtcdKv *kv;

  (void) data;
  g_assert_true (put_sync (f->client, "/wstun/addr/10.99.0.2", "relay-a", 0, &error));
  g_assert_no_error (error);
  g_assert_true (put_sync (f->client, "/wstun/addr/10.99.0.3", "relay-b", 0, &error));
  g_assert_true (put_sync (f->client, "/wstun/addrz", "outside", 0, &error));

  one = range_sync (f->client, "/wstun/addr/10.99.0.2", FALSE, &revision, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (one->len, ==, 1);
  kv = g_ptr_array_index (one, 0);
  g_assert_cmpstr (kv->key, ==, "/wstun/addr/10.99.0.2");
  g_assert_cmpmem (g_bytes_get_data (kv->value, NULL), g_bytes_get_size (kv->value), "relay-a", 7);
  g_assert_cmpint (kv->create_revision, >, 0);
  g_assert_cmpint (revision, >=, kv->mod_revision);

  /* a prefix takes the keys under it, not the one beside it */
  all = range_sync (f->client, "/wstun/addr/", TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  none = range_sync (f->client, "/nothing/", TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (wstun_etcd_get_round_trips (f->client), >=, 6);
}

static void
on_create (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *won = user_data;
  g_autoptr (GError) error = NULL;
  gboolean created = FALSE;

  g_assert_true (wstun_etcd_create_finish (WSTUN_ETCD (source), result, &created, &error));
  g_assert_no_error (error);
  won[0] += created;
  won[1]++;
}

/* Two clients race for the same keys, 200 times: each key has exactly one
 * winner, and holds the winner's value */
static void
test_create_race (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunEtcd) other = wstun_etcd_new (f->url, &error);
  g_autoptr (GBytes) a = g_bytes_new_static ("a", 1);
  g_autoptr (GBytes) b = g_bytes_new_static ("b", 1);
  g_autoptr (GPtrArray) kvs = NULL;
  guint won_a[2] = { 0 }, won_b[2] = { 0 };
  enum { N = 200 };

  (void) data;
  for (guint i = 0; i < N; i++) {
    g_autofree char *key = g_strdup_printf ("/race/%03u", i);

    wstun_etcd_create_async (f->client, key, a, 0, NULL, on_create, won_a);
    wstun_etcd_create_async (other, key, b, 0, NULL, on_create, won_b);
  }
  while (won_a[1] < N || won_b[1] < N)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (won_a[0] + won_b[0], ==, N);
  kvs = range_sync (f->client, "/race/", TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kvs->len, ==, N);
  g_test_message ("client a won %u, client b %u", won_a[0], won_b[0]);
}

static void
on_txn_count (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *done = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = FALSE;

  g_assert_true (wstun_etcd_txn_finish (WSTUN_ETCD (source), result, &ok, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ok);
  (*done)++;
}

/* Transactions on several keys: compare by revision and value, put and
 * delete together, read the keys in the branch taken; and many at once
 * (more than the client's connections) all end */
static void
test_txn (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) kvs = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autoptr (GBytes) v2 = g_bytes_new_static ("v2", 2);
  g_autoptr (GBytes) x = g_bytes_new_static ("x", 1);
  g_autoptr (GBytes) stale = g_bytes_new_static ("v1", 2);
  gint64 rev1;
  gboolean ok = TRUE;
  guint done = 0;
  Wait w;

  (void) data;
  g_assert_true (put_sync (f->client, "/t/k1", "v1", 0, &error));
  g_assert_true (put_sync (f->client, "/t/k2", "v2", 0, &error));
  g_assert_no_error (error);
  kvs = range_sync (f->client, "/t/k1", FALSE, NULL, &error);
  rev1 = ((WstunEtcdKv *) g_ptr_array_index (kvs, 0))->mod_revision;

  {
    WstunEtcdCompare cmp[] = {
      { .key = "/t/k1", .kind = WSTUN_ETCD_CMP_MOD_REVISION, .mod_revision = rev1 },
      { .key = "/t/k2", .kind = WSTUN_ETCD_CMP_VALUE, .value = v2 },
      { .key = "/t/k3", .kind = WSTUN_ETCD_CMP_ABSENT },
    };
    WstunEtcdOp ops[] = {
      { .kind = WSTUN_ETCD_OP_PUT, .key = "/t/k1", .value = x },
      { .kind = WSTUN_ETCD_OP_DELETE, .key = "/t/k2" },
    };

    RUN (w, wstun_etcd_txn_async (f->client, cmp, 3, ops, 2, NULL, 0, NULL, on_result, &w));
    g_assert_true (wstun_etcd_txn_finish (f->client, w.result, &ok, NULL, &error));
    g_object_unref (w.result);
    g_assert_no_error (error);
    g_assert_true (ok);
  }
  g_clear_pointer (&kvs, g_ptr_array_unref);
  kvs = range_sync (f->client, "/t/", TRUE, NULL, &error);
  g_assert_cmpuint (kvs->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (((WstunEtcdKv *) g_ptr_array_index (kvs, 0))->value, NULL), 1,
                   "x", 1);

  /* a comparison that no longer holds: the failure branch, which reads */
  {
    WstunEtcdCompare cmp = { .key = "/t/k1", .kind = WSTUN_ETCD_CMP_VALUE, .value = stale };
    WstunEtcdOp del = { .kind = WSTUN_ETCD_OP_DELETE, .key = "/t/k1" };
    WstunEtcdOp get = { .kind = WSTUN_ETCD_OP_GET, .key = "/t/k1" };

    RUN (w, wstun_etcd_txn_async (f->client, &cmp, 1, &del, 1, &get, 1, NULL, on_result, &w));
    g_assert_true (wstun_etcd_txn_finish (f->client, w.result, &ok, &got, &error));
    g_object_unref (w.result);
    g_assert_no_error (error);
    g_assert_false (ok);
    g_assert_cmpuint (got->len, ==, 1);
    g_assert_cmpstr (((WstunEtcdKv *) g_ptr_array_index (got, 0))->key, ==, "/t/k1");
    g_assert_cmpint (((WstunEtcdKv *) g_ptr_array_index (got, 0))->mod_revision, >, rev1);
  }

  /* 300 at once: beyond the client's 32 connections they wait in line */
  for (guint i = 0; i < 300; i++) {
    g_autofree char *key = g_strdup_printf ("/t/many/%03u", i);
    WstunEtcdCompare cmp = { .key = key, .kind = WSTUN_ETCD_CMP_ABSENT };
    WstunEtcdOp put = { .kind = WSTUN_ETCD_OP_PUT, .key = key, .value = x };

    wstun_etcd_txn_async (f->client, &cmp, 1, &put, 1, NULL, 0, NULL, on_txn_count, &done);
  }
  while (done < 300)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&kvs, g_ptr_array_unref);
  kvs = range_sync (f->client, "/t/many/", TRUE, NULL, &error);
  g_assert_cmpuint (kvs->len, ==, 300);
}

static void
test_lease (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) kvs = NULL;
  gint64 id, ttl;
  Wait w;

  (void) data;
  RUN (w, wstun_etcd_lease_grant_async (f->client, 30, NULL, on_result, &w));
  id = wstun_etcd_lease_grant_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpint (id, !=, 0);

  g_assert_true (put_sync (f->client, "/wstun/relay/a", "ws://a", id, &error));
  kvs = range_sync (f->client, "/wstun/relay/a", FALSE, NULL, &error);
  g_assert_cmpuint (kvs->len, ==, 1);
  g_assert_cmpint (((WstunEtcdKv *) g_ptr_array_index (kvs, 0))->lease, ==, id);

  RUN (w, wstun_etcd_lease_keepalive_async (f->client, id, NULL, on_result, &w));
  ttl = wstun_etcd_lease_keepalive_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpint (ttl, >, 25);
  g_assert_cmpint (ttl, <=, 30);

  /* a lease etcd does not know (expired): 0 seconds left */
  RUN (w, wstun_etcd_lease_keepalive_async (f->client, id + 12345, NULL, on_result, &w));
  ttl = wstun_etcd_lease_keepalive_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpint (ttl, ==, 0);

  /* a put bound to an unknown lease is refused, with etcd's message */
  g_assert_false (put_sync (f->client, "/wstun/relay/b", "x", id + 12345, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "lease"));
}

/* The first endpoint refuses connections: calls go to the next, which is
 * then tried first */
static void
test_failover (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dead = g_strdup_printf ("http://127.0.0.1:%u", free_port ());
  g_autofree char *both = g_strdup_printf ("%s,%s/", dead, f->url);
  g_autoptr (WstunEtcd) client = wstun_etcd_new (both, &error);
  g_autoptr (WstunEtcd) nowhere = wstun_etcd_new (dead, &error);
  g_autoptr (GPtrArray) kvs = NULL;

  (void) data;
  g_assert_no_error (error);
  g_assert_cmpstr (wstun_etcd_get_endpoint (client), ==, dead);
  g_assert_true (put_sync (client, "k", "v", 0, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (wstun_etcd_get_endpoint (client), ==, f->url);
  g_assert_cmpuint (wstun_etcd_get_round_trips (client), ==, 2);
  kvs = range_sync (client, "k", FALSE, NULL, &error);
  g_assert_cmpuint (kvs->len, ==, 1);
  g_assert_cmpuint (wstun_etcd_get_round_trips (client), ==, 3);

  /* none answers: the transport's error */
  g_assert_false (put_sync (nowhere, "k", "v", 0, &error));
  g_assert_nonnull (error);
}

typedef struct {
  GPtrArray *seen; /* "put KEY=VALUE" or "delete KEY" */
  gint64 revision;
  gboolean ended;
  char *end_message;
} Watched;

static void
on_watch (WstunEtcdWatch *watch, WstunEtcdEvent *const *events, guint n, gint64 revision,
          gpointer user_data)
{
  Watched *w = user_data;

  (void) watch;
  for (guint i = 0; i < n; i++) {
    const WstunEtcdKv *kv = events[i]->kv;

    if (events[i]->deleted)
      g_ptr_array_add (w->seen, g_strdup_printf ("delete %s", kv->key));
    else
      g_ptr_array_add (w->seen,
                       g_strdup_printf ("put %s=%.*s", kv->key, (int) g_bytes_get_size (kv->value),
                                        (const char *) g_bytes_get_data (kv->value, NULL)));
  }
  w->revision = revision;
}

static void
on_watch_end (WstunEtcdWatch *watch, const GError *error, gpointer user_data)
{
  Watched *w = user_data;

  (void) watch;
  w->ended = TRUE;
  w->end_message = g_strdup (error->message);
}

static void
wait_seen (Watched *w, guint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (w->seen->len < n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (w->seen->len, ==, n);
}

/* A watch sees every change under its prefix in order, deletes included,
 * and nothing beside it; one started from an old revision replays from
 * there; one whose etcd goes away ends, saying why */
static void
test_watch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Watched w = { g_ptr_array_new_with_free_func (g_free), 0, FALSE, NULL };
  Watched replay = { g_ptr_array_new_with_free_func (g_free), 0, FALSE, NULL };
  WstunEtcdWatch *watch;
  Wait del;
  gint64 first = 0;

  (void) data;
  watch = wstun_etcd_watch (f->client, "/w/", 0, on_watch, on_watch_end, &w);
  /* a watch is created asynchronously: a change before that is not
   * seen, so put until one is (a few tries at most) */
  for (guint tries = 0; w.seen->len == 0; tries++) {
    gint64 until = g_get_monotonic_time () + 200 * 1000;

    g_assert_cmpuint (tries, <, 50);
    g_assert_true (put_sync (f->client, "/w/a", "1", 0, &error));
    while (w.seen->len == 0 && g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  g_ptr_array_set_size (w.seen, 0);
  first = w.revision + 1;
  g_assert_true (put_sync (f->client, "/w/b", "2", 0, &error));
  g_assert_true (put_sync (f->client, "/x", "outside", 0, &error));
  RUN (del, wstun_etcd_delete_async (f->client, "/w/a", NULL, on_result, &del));
  g_assert_true (wstun_etcd_delete_finish (f->client, del.result, &error));
  g_object_unref (del.result);
  g_assert_true (put_sync (f->client, "/w/b", "3", 0, &error));
  wait_seen (&w, 3);
  g_assert_cmpstr (w.seen->pdata[0], ==, "put /w/b=2");
  g_assert_cmpstr (w.seen->pdata[1], ==, "delete /w/a");
  g_assert_cmpstr (w.seen->pdata[2], ==, "put /w/b=3");
  g_assert_cmpint (wstun_etcd_watch_get_next_revision (watch), ==, w.revision + 1);

  /* the same from the revision after the first put */
  wstun_etcd_watch (f->client, "/w/", first, on_watch, on_watch_end, &replay);
  wait_seen (&replay, 3);
  g_assert_cmpstr (replay.seen->pdata[0], ==, "put /w/b=2");
  g_assert_cmpstr (replay.seen->pdata[2], ==, "put /w/b=3");

  /* cancelled: never called again */
  wstun_etcd_watch_cancel (watch);
  g_assert_true (put_sync (f->client, "/w/c", "4", 0, &error));
  wait_seen (&replay, 4);
  g_assert_cmpuint (w.seen->len, ==, 3);
  g_assert_false (w.ended);

  /* etcd stops: the other watch ends */
  g_subprocess_send_signal (f->etcd, SIGTERM);
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!replay.ended && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_true (replay.ended);
  g_test_message ("the watch ended: %s", replay.end_message);
  g_ptr_array_unref (w.seen);
  g_ptr_array_unref (replay.seen);
  g_free (replay.end_message);
}

/* Iterates until @cluster's registration is @want, for at most 10 s */
static void
wait_registered (WstunCluster *cluster, gboolean want)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (wstun_cluster_is_registered (cluster) != want && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (wstun_cluster_is_registered (cluster), ==, want);
}

/* A relay registers under a lease of its own and keeps it alive past its
 * TTL; a lost lease (revoked here, as an expiry would end it) is noticed
 * and the relay registers again; a clean stop takes the key away at once */
static void
test_cluster (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunCluster) cluster = NULL;
  g_autoptr (GPtrArray) kvs = NULL;
  WstunEtcdKv *kv;
  gint64 lease, end;
  Wait w;

  (void) data;
  g_assert_null (wstun_cluster_new (f->client, "no/slash", "ws://x", 2, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (wstun_cluster_relay_id_valid (""));
  g_assert_true (wstun_cluster_relay_id_valid ("relay-1.example_a"));

  cluster = wstun_cluster_new (f->client, "relay-1", "ws://198.18.0.1:8081/", 2, &error);
  g_assert_no_error (error);
  wstun_cluster_start (cluster);
  wait_registered (cluster, TRUE);
  lease = wstun_cluster_get_lease (cluster);
  g_assert_cmpint (lease, !=, 0);

  /* past the TTL, still there: the keepalives work */
  end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  kvs = range_sync (f->client, WSTUN_CLUSTER_RELAYS, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kvs->len, ==, 1);
  kv = g_ptr_array_index (kvs, 0);
  g_assert_cmpstr (kv->key, ==, WSTUN_CLUSTER_RELAYS "relay-1");
  g_assert_cmpint (kv->lease, ==, lease);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (kv->value, NULL), g_bytes_get_size (kv->value),
                                  "\"mesh_url\":\"ws://198.18.0.1:8081/\""));
  g_clear_pointer (&kvs, g_ptr_array_unref);

  /* the lease is lost: a new one, and the key back under it */
  RUN (w, wstun_etcd_lease_revoke_async (f->client, lease, NULL, on_result, &w));
  g_assert_true (wstun_etcd_lease_revoke_finish (f->client, w.result, &error));
  g_object_unref (w.result);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((wstun_cluster_get_lease (cluster) == lease || !wstun_cluster_is_registered (cluster)) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (wstun_cluster_get_lease (cluster), !=, lease);
  g_assert_true (wstun_cluster_is_registered (cluster));
  kvs = range_sync (f->client, WSTUN_CLUSTER_RELAYS, TRUE, NULL, &error);
  g_assert_cmpuint (kvs->len, ==, 1);
  g_assert_cmpint (((WstunEtcdKv *) g_ptr_array_index (kvs, 0))->lease, ==,
                   wstun_cluster_get_lease (cluster));
  g_clear_pointer (&kvs, g_ptr_array_unref);

  /* a clean stop: gone at once, not after the TTL */
  wstun_cluster_stop (cluster);
  g_assert_false (wstun_cluster_is_registered (cluster));
  end = g_get_monotonic_time () + G_USEC_PER_SEC;
  do {
    g_clear_pointer (&kvs, g_ptr_array_unref);
    g_main_context_iteration (NULL, FALSE);
    kvs = range_sync (f->client, WSTUN_CLUSTER_RELAYS, TRUE, NULL, &error);
  } while (kvs->len > 0 && g_get_monotonic_time () < end);
  g_assert_cmpuint (kvs->len, ==, 0);
}

static void
test_bad_endpoints (void)
{
  const char *bad[] = { "", ",", "etcd:2379", "ftp://h:1", "http://h:1/v3", "http://" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (WstunEtcd) client = wstun_etcd_new (bad[i], &error);

    g_assert_null (client);
    g_assert_nonnull (error);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/etcd/bad-endpoints", test_bad_endpoints);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/etcd/put-range", test_put_range);
  ADD ("/etcd/create-race", test_create_race);
  ADD ("/etcd/txn", test_txn);
  ADD ("/etcd/lease", test_lease);
  ADD ("/etcd/failover", test_failover);
  ADD ("/etcd/watch", test_watch);
  ADD ("/etcd/cluster", test_cluster);
#undef ADD
  return g_test_run ();
}
