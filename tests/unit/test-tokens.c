/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the tokens file, per-source rate limits, log limits and the
 * pools' static addresses */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "wstun-error.h"
#include "wstun-leases.h"
#include "wstun-loglimit.h"
#include "wstun-pool.h"
#include "wstun-ratelimit.h"
#include "wstun-router.h"
#include "wstun-tokens.h"

static WstunAddr
addr (const char *s)
{
  WstunAddr a;

  g_assert_true (wstun_addr_parse (s, &a, NULL));
  return a;
}

static char *
temp_path (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wstun-test-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return g_build_filename (dir, "tokens", NULL);
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_tokens_roundtrip (void)
{
  g_autofree char *path = temp_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunTokens) tokens = NULL;
  g_autoptr (WstunTokens) again = NULL;
  g_autofree char *laptop = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *content = NULL;
  WstunAddr a4 = addr ("10.99.0.50"), a6 = addr ("fd00:99::50");
  const WstunToken *t;
  struct stat st;

  tokens = wstun_tokens_load (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wstun_tokens_get_n (tokens), ==, 0);

  laptop = wstun_tokens_add (tokens, "laptop", &a4, &a6, &error);
  g_assert_no_error (error);
  phone = wstun_tokens_add (tokens, "phone", NULL, NULL, &error);
  g_assert_no_error (error);
  /* "wst_" and 43 characters of base64url: 256 bits */
  g_assert_true (g_str_has_prefix (laptop, WSTUN_TOKEN_PREFIX));
  g_assert_cmpuint (strlen (laptop), ==, 4 + 43);
  g_assert_cmpuint (strspn (laptop + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                    ==, 43);
  g_assert_cmpstr (laptop, !=, phone);
  g_assert_true (wstun_tokens_save (tokens, &error));
  g_assert_no_error (error);

  /* only hashes on disk, readable by the owner alone */
  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  g_assert_null (strstr (content, laptop + 4));
  g_assert_null (strstr (content, phone + 4));
  g_assert_nonnull (strstr (content, "[laptop]"));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  again = wstun_tokens_load (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wstun_tokens_get_n (again), ==, 2);
  t = wstun_tokens_verify (again, laptop);
  g_assert_nonnull (t);
  g_assert_cmpstr (t->name, ==, "laptop");
  g_assert_true (t->has_address4 && wstun_addr_equal (&t->address4, &a4));
  g_assert_true (t->has_address6 && wstun_addr_equal (&t->address6, &a6));
  t = wstun_tokens_verify (again, phone);
  g_assert_nonnull (t);
  g_assert_cmpstr (t->name, ==, "phone");
  g_assert_false (t->has_address4);

  /* near misses and garbage match nothing */
  {
    g_autofree char *flipped = g_strdup (laptop);

    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    g_assert_null (wstun_tokens_verify (again, flipped));
    g_assert_null (wstun_tokens_verify (again, ""));
    g_assert_null (wstun_tokens_verify (again, NULL));
    g_assert_null (wstun_tokens_verify (again, "wst_"));
  }

  /* removal revokes */
  g_assert_true (wstun_tokens_remove (again, "laptop", &error));
  g_assert_false (wstun_tokens_remove (again, "laptop", &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (wstun_tokens_save (again, &error));
  g_clear_pointer (&again, wstun_tokens_free);
  again = wstun_tokens_load (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (wstun_tokens_verify (again, laptop));
  g_assert_nonnull (wstun_tokens_verify (again, phone));
  remove_temp (path);
}

/* A file an administrator made readable to the relay's group (the
 * service runs as wstun-relay) stays so when it is rewritten; one that
 * was world-readable is not any more. */
static void
test_tokens_keep_group (void)
{
  g_autofree char *path = temp_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunTokens) tokens = NULL;
  g_autofree char *token = NULL;
  gboolean root = geteuid () == 0;
  const gid_t group = 65534; /* nogroup */
  struct stat st;

  tokens = wstun_tokens_load (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (wstun_tokens_save (tokens, &error));
  g_assert_cmpint (chmod (path, 0644), ==, 0);
  if (root)
    g_assert_cmpint (chown (path, (uid_t) -1, group), ==, 0);

  token = wstun_tokens_add (tokens, "laptop", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wstun_tokens_save (tokens, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  if (root)
    g_assert_cmpuint (st.st_gid, ==, group);
  else
    g_test_message ("not root: the group is not checked");
  remove_temp (path);
}

static void
test_tokens_invalid (void)
{
  g_autofree char *path = temp_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunTokens) tokens = wstun_tokens_load (path, TRUE, &error);
  WstunAddr a4 = addr ("10.99.0.50");
  const char *bad_files[] = {
    "[x]\nsha256=zz\n",
    "[x]\n",
    "[x y]\nsha256=0000000000000000000000000000000000000000000000000000000000000000\n",
    /* an IPv6 address as the IPv4 one */
    ("[x]\nsha256=0000000000000000000000000000000000000000000000000000000000000000\n"
     "address=fd00::1\n"),
    "not a key file",
  };

  g_assert_no_error (error);
  g_assert_false (wstun_token_name_is_valid (""));
  g_assert_false (wstun_token_name_is_valid ("a b"));
  g_assert_false (wstun_token_name_is_valid ("a/b"));
  g_assert_false (wstun_token_name_is_valid ("[x]"));
  g_assert_true (wstun_token_name_is_valid ("alice@laptop-2.home_x"));
  {
    g_autofree char *longname = g_strnfill (WSTUN_TOKEN_NAME_MAX + 1, 'a');
    g_autofree char *okname = g_strnfill (WSTUN_TOKEN_NAME_MAX, 'a');

    g_assert_false (wstun_token_name_is_valid (longname));
    g_assert_true (wstun_token_name_is_valid (okname));
  }
  g_assert_null (wstun_tokens_add (tokens, "a b", NULL, NULL, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  {
    g_autofree char *first = wstun_tokens_add (tokens, "dup", NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (first);
    g_assert_null (wstun_tokens_add (tokens, "dup", NULL, NULL, &error));
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_clear_error (&error);
  }
  /* an IPv4 address as the IPv6 one */
  g_assert_null (wstun_tokens_add (tokens, "x", NULL, &a4, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  /* a missing file is an error unless asked otherwise */
  g_unlink (path);
  g_assert_null (wstun_tokens_load (path, FALSE, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++) {
    g_autoptr (WstunTokens) bad = NULL;

    g_assert_true (g_file_set_contents (path, bad_files[i], -1, NULL));
    bad = wstun_tokens_load (path, FALSE, &error);
    g_assert_null (bad);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_clear_error (&error);
  }
  remove_temp (path);
}

static void
test_rate_limit (void)
{
  g_autoptr (WstunRateLimit) limit = wstun_rate_limit_new (3, 2);
  gint64 t = (gint64) 1000 * G_USEC_PER_SEC;

  /* three failures a minute, then refused until a third of a minute passes */
  for (guint i = 0; i < 3; i++) {
    g_assert_true (wstun_rate_limit_allows (limit, "198.18.0.9", t));
    wstun_rate_limit_hit (limit, "198.18.0.9", t);
  }
  g_assert_false (wstun_rate_limit_allows (limit, "198.18.0.9", t));
  g_assert_false (wstun_rate_limit_allows (limit, "198.18.0.9", t + 19 * G_USEC_PER_SEC));
  g_assert_true (wstun_rate_limit_allows (limit, "198.18.0.9", t + 21 * G_USEC_PER_SEC));
  /* other sources are not affected */
  g_assert_true (wstun_rate_limit_allows (limit, "198.18.0.8", t));

  /* bounded: tracking a third source forgets refilled ones or starts over */
  wstun_rate_limit_hit (limit, "198.18.0.8", t + 100 * G_USEC_PER_SEC);
  wstun_rate_limit_hit (limit, "198.18.0.7", t + 100 * G_USEC_PER_SEC);
  g_assert_cmpuint (wstun_rate_limit_get_n_sources (limit), <=, 2);
}

static void
test_log_limit (void)
{
  g_autoptr (WstunLogLimit) limit = wstun_log_limit_new (10, 4);
  gint64 t = (gint64) 5000 * G_USEC_PER_SEC;
  guint suppressed = 99;

  g_assert_true (wstun_log_limit_check (limit, "auth:a", t, &suppressed));
  g_assert_cmpuint (suppressed, ==, 0);
  for (guint i = 0; i < 5; i++)
    g_assert_false (wstun_log_limit_check (limit, "auth:a", t + i, &suppressed));
  g_assert_true (wstun_log_limit_check (limit, "auth:b", t, &suppressed));
  g_assert_true (wstun_log_limit_check (limit, "auth:a", t + 10 * G_USEC_PER_SEC, &suppressed));
  g_assert_cmpuint (suppressed, ==, 5);

  /* many keys: memory stays bounded */
  for (guint i = 0; i < 100; i++) {
    g_autofree char *key = g_strdup_printf ("k%u", i);
    wstun_log_limit_check (limit, key, t, &suppressed);
  }
}

static void
test_pool_statics (void)
{
  g_autoptr (GError) error = NULL;
  WstunPrefix prefix;
  g_autoptr (WstunPool) pool = NULL;
  WstunAddr statics[] = { addr ("10.99.0.2"), addr ("10.99.0.4"), addr ("10.98.0.1") };
  WstunAddr got;
  guint n = 0;

  g_assert_true (wstun_prefix_parse ("10.99.0.0/29", &prefix, NULL));
  pool = wstun_pool_new (&prefix, &error);
  g_assert_no_error (error);
  wstun_pool_set_static (pool, statics, G_N_ELEMENTS (statics));
  g_assert_true (wstun_pool_is_static (pool, &statics[0]));
  g_assert_false (wstun_pool_is_static (pool, &statics[2]));

  /* .2 to .6 are client addresses; .2 and .4 are kept for their tokens */
  while (wstun_pool_allocate (pool, &got)) {
    g_assert_false (wstun_addr_equal (&got, &statics[0]));
    g_assert_false (wstun_addr_equal (&got, &statics[1]));
    n++;
  }
  g_assert_cmpuint (n, ==, 3);
  /* their holder still gets them */
  g_assert_true (wstun_pool_reserve (pool, &statics[0], &error));
  g_assert_no_error (error);
  g_assert_false (wstun_pool_reserve (pool, &statics[0], &error));
  g_clear_error (&error);
}

static void
test_leases_statics (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunRouter) router = wstun_router_new ();
  g_autoptr (WstunPool) pool = NULL;
  g_autoptr (WstunLeases) leases = NULL;
  WstunRouterPeer holder = { 0 }, other = { 0 }, seed = { 0 };
  WstunAddr fixed = addr ("10.99.0.50");
  const char *code = NULL;
  WstunPrefix prefix;

  g_assert_true (wstun_prefix_parse ("10.99.0.0/24", &prefix, NULL));
  pool = wstun_pool_new (&prefix, &error);
  wstun_pool_set_static (pool, &fixed, 1);
  leases = wstun_leases_new (router, pool, NULL);

  /* another client cannot ask for a token's static address */
  g_assert_false (wstun_leases_acquire (leases, &other, &fixed, NULL, &code, &error));
  g_assert_cmpstr (code, ==, "address-unavailable");
  g_clear_error (&error);
  g_assert_cmpuint (other.n_addrs, ==, 0);
  /* nor a seed client claim it */
  g_assert_false (wstun_leases_claim (leases, &seed, &fixed, &error));
  g_clear_error (&error);

  /* the token's client gets it, whatever it wished for */
  {
    WstunAddr wish = addr ("10.99.0.77");

    g_assert_true (
      wstun_leases_acquire_static (leases, &holder, &fixed, NULL, &wish, NULL, &code, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (holder.n_addrs, ==, 1);
    g_assert_true (wstun_addr_equal (&holder.addrs[0], &fixed));
  }
  /* once, while held */
  {
    WstunRouterPeer twin = { 0 };

    g_assert_false (
      wstun_leases_acquire_static (leases, &twin, &fixed, NULL, NULL, NULL, &code, &error));
    g_assert_cmpstr (code, ==, "address-in-use");
    g_clear_error (&error);
  }
  wstun_leases_release (leases, &holder);
  g_assert_null (wstun_router_lookup (router, &fixed));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tokens/roundtrip", test_tokens_roundtrip);
  g_test_add_func ("/tokens/invalid", test_tokens_invalid);
  g_test_add_func ("/tokens/keep-group", test_tokens_keep_group);
  g_test_add_func ("/limits/rate", test_rate_limit);
  g_test_add_func ("/limits/log", test_log_limit);
  g_test_add_func ("/pool/statics", test_pool_statics);
  g_test_add_func ("/leases/statics", test_leases_statics);
  return g_test_run ();
}
