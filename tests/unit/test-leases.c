/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the leases of wstun.v1 clients, resume ids and reservations
 * (PROTOCOL.md 3.4), without a network: the router's peers here carry no
 * WebSocket, which the leases never touch. */
#include "config.h"

#include <string.h>

#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-leases.h"
#include "wstun-pool.h"
#include "wstun-resume.h"
#include "wstun-router.h"

typedef struct {
  WstunRouter *router;
  WstunPool *pool4;
  WstunPool *pool6;
  WstunLeases *leases;
  WstunRouterPeer peers[6];
  guint changes;
} Fixture;

static WstunAddr
addr (const char *str)
{
  WstunAddr a;

  g_assert_true (wstun_addr_parse (str, &a, NULL));
  return a;
}

static void
on_changed (gpointer user_data)
{
  Fixture *f = user_data;

  f->changes++;
}

static void
set_up_pools (Fixture *f, const char *p4, const char *p6)
{
  WstunPrefix prefix;

  f->router = wstun_router_new ();
  if (p4 != NULL) {
    g_assert_true (wstun_prefix_parse (p4, &prefix, NULL));
    f->pool4 = wstun_pool_new (&prefix, NULL);
  }
  if (p6 != NULL) {
    g_assert_true (wstun_prefix_parse (p6, &prefix, NULL));
    f->pool6 = wstun_pool_new (&prefix, NULL);
  }
  f->leases = wstun_leases_new (f->router, f->pool4, f->pool6);
  wstun_leases_set_resume (f->leases, 60, 100);
  wstun_leases_set_changed_func (f->leases, on_changed, f);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  memset (f, 0, sizeof *f);
  set_up_pools (f, "10.99.0.0/24", "fd00:99::/64");
}

static void
set_up_small (Fixture *f, gconstpointer data)
{
  (void) data;
  memset (f, 0, sizeof *f);
  /* .2 to .6: five client addresses */
  set_up_pools (f, "10.99.0.0/29", NULL);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (f->peers); i++)
    wstun_router_remove_peer (f->router, &f->peers[i]);
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 0);
  g_clear_pointer (&f->leases, wstun_leases_free);
  g_clear_pointer (&f->pool4, wstun_pool_free);
  g_clear_pointer (&f->pool6, wstun_pool_free);
  g_clear_pointer (&f->router, wstun_router_free);
}

/* Opens a lease for peer @i; returns the grant. */
static WstunLeaseGrant
open_ok (Fixture *f, guint i, const char *resume, const char *token, const WstunAddr *static4)
{
  WstunLeaseRequest request = {
    .resume = resume, .token_name = token, .static4 = static4, .owner = &f->peers[i]
  };
  WstunLeaseGrant grant;
  g_autoptr (GError) error = NULL;
  const char *code = NULL;

  g_assert_true (wstun_leases_open (f->leases, &f->peers[i], &request, &grant, &code, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->peers[i].n_addrs, ==, (f->pool4 != NULL) + (f->pool6 != NULL));
  g_assert_true (wstun_resume_id_is_valid (grant.resume_id));
  return grant;
}

static gboolean
holds (Fixture *f, guint i, const char *a)
{
  WstunAddr x = addr (a);

  return wstun_router_lookup (f->router, &x) == &f->peers[i];
}

static void
test_resume_id (void)
{
  char a[WSTUN_RESUME_ID_LEN + 1], b[WSTUN_RESUME_ID_LEN + 1];
  guint8 h[WSTUN_RESUME_HASH_LEN], h2[WSTUN_RESUME_HASH_LEN];
  char hex[2 * WSTUN_RESUME_HASH_LEN + 1];

  g_assert_true (wstun_resume_id_new (a, NULL));
  g_assert_true (wstun_resume_id_new (b, NULL));
  g_assert_cmpuint (strlen (a), ==, 22);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (wstun_resume_id_is_valid (a));
  /* the SHA-256 of the text, as sha256sum prints it */
  wstun_resume_id_hash ("id000000000000000001AA", h);
  wstun_resume_hash_to_hex (h, hex);
  g_assert_cmpstr (hex, ==, "8fcc9272e5f3bc35ef1452bb04a0b6950b8bbe2b142b1c83678d589f6dd18680");
  g_assert_true (wstun_resume_hash_from_hex (hex, h2));
  g_assert_cmpmem (h, sizeof h, h2, sizeof h2);
  /* one spelling only: lower case */
  for (guint i = 0; i < 64; i++)
    hex[i] = g_ascii_toupper (hex[i]);
  g_assert_false (wstun_resume_hash_from_hex (hex, h2));
  g_assert_false (wstun_resume_hash_from_hex ("abc", h2));
  g_assert_false (wstun_resume_hash_from_hex (NULL, h2));

  /* the form: 22 base64url characters, the last carrying 2 bits */
  g_assert_false (wstun_resume_id_is_valid (NULL));
  g_assert_false (wstun_resume_id_is_valid (""));
  g_assert_false (wstun_resume_id_is_valid ("AAAAAAAAAAAAAAAAAAAAA"));
  g_assert_false (wstun_resume_id_is_valid ("AAAAAAAAAAAAAAAAAAAAAAA"));
  g_assert_false (wstun_resume_id_is_valid ("AAAAAAAAAAAAAAAAAAAAAB"));
  g_assert_false (wstun_resume_id_is_valid ("AAAAAAAAAAAAAAAAAAAA+A"));
  g_assert_false (wstun_resume_id_is_valid ("AAAAAAAAAAAAAAAAAAAA=A"));
  g_assert_true (wstun_resume_id_is_valid ("-_AAAAAAAAAAAAAAAAAAAw"));
}

static void
test_hit_after_drop (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g1, g2;
  WstunAddr a4, a6;

  (void) data;
  g1 = open_ok (f, 0, NULL, NULL, NULL);
  g_assert_cmpint (g1.resume, ==, WSTUN_RESUME_NONE);
  g_assert_null (g1.replaced);
  a4 = f->peers[0].addrs[0];
  a6 = f->peers[0].addrs[1];
  g_assert_true (wstun_leases_close (f->leases, g1.hash, &f->peers[0], TRUE));
  g_assert_cmpuint (f->peers[0].n_addrs, ==, 0);
  g_assert_null (wstun_router_lookup (f->router, &a4));
  g_assert_true (wstun_pool_is_used (f->pool4, &a4)); /* kept from the pool */
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 1);

  /* someone else gets another address */
  open_ok (f, 1, NULL, NULL, NULL);
  g_assert_false (wstun_addr_equal (&f->peers[1].addrs[0], &a4));

  /* the id brings back the same addresses and the same id */
  g2 = open_ok (f, 2, g1.resume_id, NULL, NULL);
  g_assert_cmpint (g2.resume, ==, WSTUN_RESUME_HIT);
  g_assert_cmpstr (g2.resume_id, ==, g1.resume_id);
  g_assert_cmpmem (g2.hash, sizeof g2.hash, g1.hash, sizeof g1.hash);
  g_assert_true (wstun_addr_equal (&f->peers[2].addrs[0], &a4));
  g_assert_true (wstun_addr_equal (&f->peers[2].addrs[1], &a6));
  g_assert_true (wstun_router_lookup (f->router, &a4) == &f->peers[2]);
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 0);
  g_assert_cmpuint (wstun_leases_get_counters (f->leases)->resume_hits, ==, 1);

  /* a close 1000 (not kept) gives the addresses back at once */
  g_assert_false (wstun_leases_close (f->leases, g2.hash, &f->peers[2], FALSE));
  g_assert_false (wstun_pool_is_used (f->pool4, &a4));
  g_assert_cmpuint (wstun_leases_get_n_leases (f->leases), ==, 1); /* peer 1's */
  g2 = open_ok (f, 3, g1.resume_id, NULL, NULL);
  g_assert_cmpint (g2.resume, ==, WSTUN_RESUME_MISS);
  g_assert_cmpstr (g2.resume_id, !=, g1.resume_id);
  g_assert_true (f->changes > 0);
}

static void
test_miss (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g, other;
  WstunAddr a4;
  const char *junk[] = { "", "AAAAAAAAAAAAAAAAAAAAAA", "not an id", "x" };

  (void) data;
  g = open_ok (f, 0, NULL, "alice", NULL);
  a4 = f->peers[0].addrs[0];
  wstun_leases_close (f->leases, g.hash, &f->peers[0], TRUE);

  /* another token, no token, junk: misses, and alice's lease stays */
  other = open_ok (f, 1, g.resume_id, "bob", NULL);
  g_assert_cmpint (other.resume, ==, WSTUN_RESUME_MISS);
  g_assert_false (wstun_addr_equal (&f->peers[1].addrs[0], &a4));
  other = open_ok (f, 2, g.resume_id, NULL, NULL);
  g_assert_cmpint (other.resume, ==, WSTUN_RESUME_MISS);
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++) {
    other = open_ok (f, 3, junk[i], "alice", NULL);
    g_assert_cmpint (other.resume, ==, WSTUN_RESUME_MISS);
    wstun_leases_close (f->leases, other.hash, &f->peers[3], FALSE);
  }
  g_assert_cmpuint (wstun_leases_get_counters (f->leases)->resume_misses, ==,
                    2 + G_N_ELEMENTS (junk));
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 1);
  other = open_ok (f, 3, g.resume_id, "alice", NULL);
  g_assert_cmpint (other.resume, ==, WSTUN_RESUME_HIT);
  g_assert_true (wstun_addr_equal (&f->peers[3].addrs[0], &a4));
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g, again;
  WstunAddr a4;

  (void) data;
  g = open_ok (f, 0, NULL, "alice", NULL);
  a4 = f->peers[0].addrs[0];
  /* the client is back while its old session still lives */
  again = open_ok (f, 1, g.resume_id, "alice", NULL);
  g_assert_cmpint (again.resume, ==, WSTUN_RESUME_HIT);
  g_assert_true (again.replaced == &f->peers[0]);
  g_assert_cmpuint (f->peers[0].n_addrs, ==, 0);
  g_assert_true (wstun_router_lookup (f->router, &a4) == &f->peers[1]);
  g_assert_cmpuint (wstun_leases_get_counters (f->leases)->replaced, ==, 1);
  /* the old session's end changes nothing */
  g_assert_false (wstun_leases_close (f->leases, g.hash, &f->peers[0], TRUE));
  g_assert_true (wstun_router_lookup (f->router, &a4) == &f->peers[1]);
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 0);
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_expiry (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g1, g2;
  gboolean timed_out = FALSE;
  guint timeout;
  gint64 start = g_get_monotonic_time ();

  (void) data;
  wstun_leases_set_resume (f->leases, 1, 100);
  g1 = open_ok (f, 0, NULL, NULL, NULL);
  g2 = open_ok (f, 1, NULL, NULL, NULL);
  wstun_leases_close (f->leases, g1.hash, &f->peers[0], TRUE);
  wstun_leases_close (f->leases, g2.hash, &f->peers[1], TRUE);
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 2);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 2);
  timeout = g_timeout_add_seconds (5, on_timeout, &timed_out);
  while (wstun_leases_get_n_reserved (f->leases) > 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
  /* about the grace period, not much more */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2500 * 1000);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 0);
  g_assert_cmpuint (wstun_leases_get_counters (f->leases)->expired, ==, 2);
  g1 = open_ok (f, 2, g1.resume_id, NULL, NULL);
  g_assert_cmpint (g1.resume, ==, WSTUN_RESUME_MISS);
}

static void
test_no_grace (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g;

  (void) data;
  wstun_leases_set_resume (f->leases, 0, 100);
  g = open_ok (f, 0, NULL, NULL, NULL);
  g_assert_false (wstun_leases_close (f->leases, g.hash, &f->peers[0], TRUE));
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 0);
  g_assert_cmpuint (wstun_leases_get_n_leases (f->leases), ==, 0);
}

static void
test_bounded (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g[3];

  (void) data;
  wstun_leases_set_resume (f->leases, 60, 2);
  for (guint i = 0; i < 3; i++)
    g[i] = open_ok (f, i, NULL, NULL, NULL);
  g_assert_true (wstun_leases_close (f->leases, g[0].hash, &f->peers[0], TRUE));
  g_assert_true (wstun_leases_close (f->leases, g[1].hash, &f->peers[1], TRUE));
  g_assert_true (wstun_leases_close (f->leases, g[2].hash, &f->peers[2], TRUE));
  /* the oldest went */
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 2);
  g_assert_cmpuint (wstun_leases_get_counters (f->leases)->given_up, ==, 1);
  g_assert_cmpint (open_ok (f, 3, g[0].resume_id, NULL, NULL).resume, ==, WSTUN_RESUME_MISS);
  g_assert_cmpint (open_ok (f, 4, g[2].resume_id, NULL, NULL).resume, ==, WSTUN_RESUME_HIT);
}

static void
test_pool_full_takes_reservation (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant g[5];
  WstunLeaseRequest request = { .owner = &f->peers[5] };
  WstunLeaseGrant grant;
  g_autoptr (GError) error = NULL;
  const char *code = NULL;

  (void) data;
  for (guint i = 0; i < 5; i++)
    g[i] = open_ok (f, i, NULL, NULL, NULL);
  /* full, no reservation: refused */
  g_assert_false (wstun_leases_open (f->leases, &f->peers[5], &request, &grant, &code, &error));
  g_assert_cmpstr (code, ==, WSTUN_ERR_POOL_EXHAUSTED);
  g_clear_error (&error);
  /* two reserved: a live client takes the older one */
  wstun_leases_close (f->leases, g[3].hash, &f->peers[3], TRUE);
  wstun_leases_close (f->leases, g[1].hash, &f->peers[1], TRUE);
  open_ok (f, 5, NULL, NULL, NULL);
  g_assert_true (holds (f, 5, "10.99.0.5"));
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 1);
  g_assert_cmpint (open_ok (f, 3, g[1].resume_id, NULL, NULL).resume, ==, WSTUN_RESUME_HIT);
}

static void
test_static (Fixture *f, gconstpointer data)
{
  WstunAddr s4 = addr ("10.99.0.50");
  WstunLeaseGrant g, again;

  (void) data;
  wstun_pool_set_static (f->pool4, &s4, 1);
  g = open_ok (f, 0, NULL, "bob", &s4);
  g_assert_true (holds (f, 0, "10.99.0.50"));
  wstun_leases_close (f->leases, g.hash, &f->peers[0], TRUE);
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 1);
  /* bob's client restarted and lost its id: it still gets its static
   * address, and the reservation is superseded */
  again = open_ok (f, 1, NULL, "bob", &s4);
  g_assert_true (holds (f, 1, "10.99.0.50"));
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 0);
  /* the old id is gone; the static address is the live session's */
  {
    WstunLeaseRequest request = {
      .resume = g.resume_id, .token_name = "bob", .static4 = &s4, .owner = &f->peers[2]
    };
    WstunLeaseGrant grant;
    g_autoptr (GError) error = NULL;
    const char *code = NULL;

    g_assert_false (wstun_leases_open (f->leases, &f->peers[2], &request, &grant, &code, &error));
    g_assert_cmpstr (code, ==, WSTUN_ERR_ADDRESS_IN_USE);
    g_assert_cmpint (grant.resume, ==, WSTUN_RESUME_MISS);
    g_assert_cmpuint (f->peers[2].n_addrs, ==, 0);
  }
  (void) again;
}

static void
collect (const WstunLeaseInfo *info, gpointer user_data)
{
  g_ptr_array_add (user_data, g_memdup2 (info, sizeof *info));
}

static WstunLeaseInfo
info_for (const char *id, const char *token, const char *a4, const char *a6)
{
  WstunLeaseInfo info = { .token_name = token };

  wstun_resume_id_hash (id, info.hash);
  if (a4 != NULL)
    info.addrs[info.n_addrs++] = addr (a4);
  if (a6 != NULL)
    info.addrs[info.n_addrs++] = addr (a6);
  return info;
}

static void
assert_restore_refused (Fixture *f, const WstunLeaseInfo *info, const WstunAddr *own4,
                        const char *why)
{
  g_autoptr (GError) error = NULL;
  guint n = wstun_leases_get_n_leases (f->leases);

  g_assert_false (wstun_leases_restore (f->leases, info, own4, NULL, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, why) == NULL)
    g_error ("restore refused with “%s”, not “%s”", error->message, why);
  g_assert_cmpuint (wstun_leases_get_n_leases (f->leases), ==, n);
}

static void
test_restore (Fixture *f, gconstpointer data)
{
  WstunAddr s4 = addr ("10.99.0.50");
  WstunLeaseInfo good = info_for ("id000000000000000001AA", "alice", "10.99.0.10", "fd00:99::10");
  WstunLeaseInfo mine = info_for ("id000000000000000002AA", "carol", "10.99.0.50", "fd00:99::50");
  WstunLeaseInfo bad;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  (void) data;
  wstun_pool_set_static (f->pool4, &s4, 1);
  g_assert_true (wstun_leases_restore (f->leases, &good, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wstun_leases_restore (f->leases, &mine, &s4, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 2);

  bad = info_for ("id000000000000000001AA", "alice", "10.99.0.11", "fd00:99::11");
  assert_restore_refused (f, &bad, NULL, "resume id is listed twice");
  bad = info_for ("id000000000000000003AA", "bob", "10.99.0.10", "fd00:99::12");
  assert_restore_refused (f, &bad, NULL, "10.99.0.10 is listed twice");
  bad = info_for ("id000000000000000003AA", "bob", "10.50.0.2", "fd00:99::12");
  assert_restore_refused (f, &bad, NULL, "10.50.0.2 is not a client address of the pools");
  bad = info_for ("id000000000000000003AA", "bob", "10.99.0.1", "fd00:99::12");
  assert_restore_refused (f, &bad, NULL, "10.99.0.1 is not a client address");
  bad = info_for ("id000000000000000003AA", "bob", "10.99.0.255", "fd00:99::12");
  assert_restore_refused (f, &bad, NULL, "10.99.0.255 is not a client address");
  bad = info_for ("id000000000000000003AA", "bob", "10.99.0.50", "fd00:99::12");
  assert_restore_refused (f, &bad, NULL, "10.99.0.50 is the static address of another token");
  bad = info_for ("id000000000000000003AA", "bob", "10.99.0.12", NULL);
  assert_restore_refused (f, &bad, NULL, "no address of every pool");
  bad = info_for ("id000000000000000003AA", "bob", "10.99.0.12", "10.99.0.13");
  assert_restore_refused (f, &bad, NULL, "two of one family");
  bad = info_for ("id000000000000000003AA", "bob", NULL, NULL);
  assert_restore_refused (f, &bad, NULL, "no address");
  /* the refusals took nothing */
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 2);
  g_assert_cmpuint (wstun_pool_get_used (f->pool6), ==, 2);

  /* reserved and resumable */
  wstun_leases_foreach (f->leases, collect, all);
  g_assert_cmpuint (all->len, ==, 2);
  for (guint i = 0; i < all->len; i++) {
    const WstunLeaseInfo *info = g_ptr_array_index (all, i);

    g_assert_false (info->held);
    g_assert_cmpint (info->reserved_until, >, g_get_real_time () / G_USEC_PER_SEC);
  }
  g_assert_cmpint (open_ok (f, 0, "id000000000000000001AA", "alice", NULL).resume, ==,
                   WSTUN_RESUME_HIT);
  g_assert_true (holds (f, 0, "10.99.0.10"));
  g_assert_cmpint (open_ok (f, 1, "id000000000000000002AA", "carol", &s4).resume, ==,
                   WSTUN_RESUME_HIT);

  /* no grace, no restoring; and no more than the bound */
  wstun_leases_set_resume (f->leases, 0, 100);
  bad = info_for ("id000000000000000004AA", "bob", "10.99.0.14", "fd00:99::14");
  assert_restore_refused (f, &bad, NULL, "resuming is off");
  wstun_leases_set_resume (f->leases, 60, 0);
  assert_restore_refused (f, &bad, NULL, "more than 0 leases");
}

static gboolean
keep_alice (const WstunLeaseInfo *info, gpointer user_data)
{
  (void) user_data;
  return g_strcmp0 (info->token_name, "alice") == 0;
}

static void
test_filter (Fixture *f, gconstpointer data)
{
  WstunLeaseGrant a = open_ok (f, 0, NULL, "alice", NULL);
  WstunLeaseGrant b = open_ok (f, 1, NULL, "bob", NULL);
  WstunLeaseGrant b2;

  (void) data;
  b2 = open_ok (f, 2, NULL, "bob", NULL);
  wstun_leases_close (f->leases, a.hash, &f->peers[0], TRUE);
  wstun_leases_close (f->leases, b.hash, &f->peers[1], TRUE);
  /* bob's token was removed: his reservation goes, his live session not */
  wstun_leases_filter_reserved (f->leases, keep_alice, NULL);
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 1);
  g_assert_cmpuint (wstun_leases_get_n_leases (f->leases), ==, 2);
  g_assert_cmpint (open_ok (f, 3, b.resume_id, "bob", NULL).resume, ==, WSTUN_RESUME_MISS);
  g_assert_cmpint (open_ok (f, 4, a.resume_id, "alice", NULL).resume, ==, WSTUN_RESUME_HIT);
  (void) b2;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/leases/resume-id", test_resume_id);
#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/leases/hit-after-drop", test_hit_after_drop);
  ADD ("/leases/miss", test_miss);
  ADD ("/leases/replace", test_replace);
  ADD ("/leases/expiry", test_expiry);
  ADD ("/leases/no-grace", test_no_grace);
  ADD ("/leases/bounded", test_bounded);
  ADD ("/leases/static", test_static);
  ADD ("/leases/restore", test_restore);
  ADD ("/leases/filter", test_filter);
#undef ADD
  g_test_add ("/leases/pool-full-takes-reservation", Fixture, NULL, set_up_small,
              test_pool_full_takes_reservation, tear_down);
  return g_test_run ();
}
