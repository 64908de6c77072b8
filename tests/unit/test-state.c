/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the relay's state file (wstun-state.c): its reader against
 * hostile files, what it writes, and the directory it keeps it in. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wstun-leases.h"
#include "wstun-pool.h"
#include "wstun-resume.h"
#include "wstun-router.h"
#include "wstun-state.h"

#define HASH_A "8fcc9272e5f3bc35ef1452bb04a0b6950b8bbe2b142b1c83678d589f6dd18680"
#define HEAD   "{\"format\":\"wstun-relay-leases\",\"version\":1,"

/* ---- the reader ----------------------------------------------------------- */

static GPtrArray *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  gboolean newer = TRUE;
  GPtrArray *entries = wstun_state_parse (text, strlen (text), &newer, &error);

  g_assert_no_error (error);
  g_assert_nonnull (entries);
  g_assert_false (newer);
  return entries;
}

static void
assert_refused_len (const char *text, gsize len, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  gboolean newer = FALSE;

  entries = wstun_state_parse (text, len, &newer, &error);
  if (entries != NULL)
    g_error ("accepted: %.*s", (int) MIN (len, 200), text);
  g_assert_nonnull (error);
  g_assert_false (newer);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("error “%s” does not mention “%s” (input %.*s)", error->message, needle,
             (int) MIN (len, 200), text);
}

static void
assert_refused (const char *text, const char *needle)
{
  assert_refused_len (text, strlen (text), needle);
}

/* a lease object with @extra members, or replacing the named ones */
static char *
lease (const char *hash, const char *token, const char *a4, const char *a6, const char *state)
{
  return g_strdup_printf ("{\"resume_sha256\":%s,\"token\":%s,\"address4\":%s,\"address6\":%s,"
                          "%s}",
                          hash, token, a4, a6, state);
}

static char *
file_with (const char *leases)
{
  return g_strdup_printf (HEAD "\"written\":1,\"leases\":[%s]}", leases);
}

static void
test_parse (void)
{
  g_autofree char *l1 = lease ("\"" HASH_A "\"", "\"alice\"", "\"10.99.0.2/24\"",
                               "\"fd00:99::2/64\"", "\"state\":\"held\"");
  g_autofree char *l2 = lease ("\"" HASH_A "\"", "null", "\"10.99.0.3/24\"", "null",
                               "\"state\":\"reserved\",\"reserved_until\":1700000000");
  g_autofree char *both = g_strconcat (l1, ",", l2, NULL);
  g_autofree char *text = file_with (both);
  g_autoptr (GPtrArray) entries = parse_ok (text);
  const WstunStateEntry *e;
  char buf[WSTUN_ADDR_STRLEN];
  char hex[65];

  g_assert_cmpuint (entries->len, ==, 2);
  e = g_ptr_array_index (entries, 0);
  wstun_resume_hash_to_hex (e->info.hash, hex);
  g_assert_cmpstr (hex, ==, HASH_A);
  g_assert_cmpstr (e->token_name, ==, "alice");
  g_assert_true (e->info.token_name == e->token_name);
  g_assert_true (e->held);
  g_assert_cmpuint (e->info.n_addrs, ==, 2);
  g_assert_cmpstr (wstun_addr_to_string (&e->info.addrs[0], buf), ==, "10.99.0.2");
  g_assert_cmpstr (wstun_addr_to_string (&e->info.addrs[1], buf), ==, "fd00:99::2");
  /* the same hash twice, and anything else that is about the pools, is
   * the relay's to judge: the reader only reads */
  e = g_ptr_array_index (entries, 1);
  g_assert_null (e->token_name);
  g_assert_false (e->held);
  g_assert_cmpint (e->info.reserved_until, ==, 1700000000);
  g_assert_cmpuint (e->info.n_addrs, ==, 1);
}

static void
test_parse_lenient_where_safe (void)
{
  static const char *const accepted[] = {
    HEAD "\"leases\":[]}",
    /* unknown members, at each level, and absent optional ones */
    HEAD "\"leases\":[],\"x-later\":{\"a\":[1,2]}}",
    HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\",\"x\":1}]}",
    HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\",\"token\":null,"
         "\"address4\":null,\"address6\":null}]}",
    /* "held" with a time: the time is not needed */
    HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\",\"reserved_until\":5}]}",
    /* whitespace as json-glib's pretty output has it */
    "{\n \"format\" : \"wstun-relay-leases\",\n \"version\" : 1,\n \"leases\" : [\n ]\n}\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++) {
    g_autoptr (GPtrArray) entries = parse_ok (accepted[i]);

    g_assert_nonnull (entries);
  }
}

static void
test_parse_hostile (void)
{
  static const struct {
    const char *text;
    const char *needle;
  } refused[] = {
    { "", "not a JSON object" },
    { "[]", "not a JSON object" },
    { "null", "not a JSON object" },
    { "{} {}", "more than one" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":1,\"leases\":[{\"resume_sha", "not closed" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":1,\"leases\":[", NULL },
    { "{\"version\":1,\"leases\":[]}", "“format” is missing" },
    { "{\"format\":\"wstun-relay-leases\",\"leases\":[]}", "“version” is missing" },
    { "{\"format\":\"other\",\"version\":1,\"leases\":[]}", "not a file of wstun-relay" },
    { "{\"format\":7,\"version\":1,\"leases\":[]}", "“format” has the wrong type" },
    { HEAD "\"version\":1,\"leases\":[]}", "appears more than once" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":\"1\",\"leases\":[]}", "wrong type" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":1.0,\"leases\":[]}", "wrong type" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":0,\"leases\":[]}", "out of range" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":-1,\"leases\":[]}", "out of range" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":0x1,\"leases\":[]}", "bad number" },
    { "{\"format\":\"wstun-relay-leases\",\"version\":99999999999999999999,\"leases\":[]}",
      "bad number" },
    { HEAD "\"leases\":{}}", "“leases” has the wrong type" },
    { HEAD "\"leases\":null}", "“leases” is missing" },
    { HEAD "\"leases\":[1]}", "a lease is not an object" },
    { HEAD "\"leases\":[[]]}", "a lease is not an object" },
    { HEAD "\"leases\":[{\"state\":\"held\"}]}", "“resume_sha256” is missing" },
    { HEAD "\"leases\":[{\"resume_sha256\":7,\"state\":\"held\"}]}", "wrong type" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"abc\",\"state\":\"held\"}]}", "not a SHA-256" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"8FCC9272E5F3BC35EF1452BB04A0B6950B8BBE2B142B1C83678"
           "D589F6DD18680\",\"state\":\"held\"}]}",
      "not a SHA-256" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"zfcc9272e5f3bc35ef1452bb04a0b6950b8bbe2b142b1c83678"
           "d589f6dd18680\",\"state\":\"held\"}]}",
      "not a SHA-256" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\"}]}", "“state” is missing" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"gone\"}]}", "neither" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"reserved\"}]}", "neither" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"reserved\","
           "\"reserved_until\":\"soon\"}]}",
      "wrong type" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\",\"token\":7}]}",
      "wrong type" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"token\":\"no spaces\"}]}",
      "not a token name" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"token\":\"\"}]}",
      "not a token name" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"address4\":\"10.99.0.300/24\"}]}",
      "not a CIDR prefix" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"address4\":\"fd00:99::2/64\"}]}",
      "not a CIDR prefix of its family" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"address6\":\"10.99.0.2/24\"}]}",
      "not a CIDR prefix of its family" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"address4\":[\"10.99.0.2/24\"]}]}",
      "wrong type" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"token\":\"a\\u0000b\"}]}",
      "U+0000" },
    { HEAD "\"leases\":[{\"resume_sha256\":\"" HASH_A "\",\"state\":\"held\","
           "\"state\":\"reserved\"}]}",
      "appears more than once" },
    /* what json-glib reads and JSON is not */
    { "{'format':'wstun-relay-leases','version':1,'leases':[]}", NULL },
    { HEAD "\"leases\":[] /* comment */}", NULL },
    { HEAD "\"leases\":[],}", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    assert_refused (refused[i].text, refused[i].needle);
  /* bytes that are not UTF-8, and a NUL byte */
  assert_refused (HEAD "\"leases\":[],\"x\":\"\xff\"}", "UTF-8");
  assert_refused_len (HEAD "\"leases\":[]}\0", strlen (HEAD) + 13, "UTF-8");
}

static void
test_parse_newer (void)
{
  static const char *const newer_files[] = {
    "{\"format\":\"wstun-relay-leases\",\"version\":2,\"leases\":[]}",
    /* a newer version may say things differently: still newer, not corrupt */
    "{\"format\":\"wstun-relay-leases\",\"version\":7,\"leases\":{\"by-pool\":[[{}]]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (newer_files); i++) {
    g_autoptr (GError) error = NULL;
    gboolean newer = FALSE;
    g_autoptr (GPtrArray) entries =
      wstun_state_parse (newer_files[i], strlen (newer_files[i]), &newer, &error);

    g_assert_null (entries);
    g_assert_true (newer);
    g_assert_nonnull (strstr (error->message, "newer than this relay's 1"));
  }
}

static void
test_parse_huge (void)
{
  g_autoptr (GString) deep = g_string_new (HEAD "\"leases\":[],\"x\":");
  g_autoptr (GString) wide = g_string_new (HEAD "\"leases\":[],\"x\":[");
  g_autoptr (GString) many = g_string_new (HEAD "\"leases\":[");
  g_autofree char *big = NULL;
  g_autofree char *one =
    lease ("\"" HASH_A "\"", "null", "\"10.99.0.2/24\"", "null", "\"state\":\"held\"");
  g_autoptr (GPtrArray) entries = NULL;

  /* deeper than the parser may recurse: refused before json-glib */
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_refused_len (deep->str, deep->len, "nested deeper than 8 levels");

  /* a list beyond any relay's leases */
  for (guint i = 0; i <= WSTUN_STATE_FILE_MAX_LEASES; i++)
    g_string_append (wide, i ? ",0" : "0");
  g_string_append (wide, "]}");
  assert_refused_len (wide->str, wide->len, "has more than 262144 entries");

  /* many leases, within the bounds, are read */
  for (guint i = 0; i < 10000; i++)
    g_string_append_printf (many, "%s%s", i ? "," : "", one);
  g_string_append (many, "]}");
  entries = parse_ok (many->str);
  g_assert_cmpuint (entries->len, ==, 10000);

  /* larger than the bound: refused without a look */
  big = g_malloc (WSTUN_STATE_FILE_MAX_SIZE + 2);
  memset (big, ' ', WSTUN_STATE_FILE_MAX_SIZE + 1);
  big[0] = '{';
  big[WSTUN_STATE_FILE_MAX_SIZE] = '}';
  assert_refused_len (big, WSTUN_STATE_FILE_MAX_SIZE + 1, "larger than 16777216 bytes");
}

/* ---- the writer and the directory -------------------------------------- */

typedef struct {
  char *dir;
  WstunRouter *router;
  WstunPool *pool4;
  WstunPool *pool6;
  WstunLeases *leases;
  WstunRouterPeer peers[2];
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  WstunPrefix prefix;

  (void) data;
  memset (f, 0, sizeof *f);
  f->dir = g_dir_make_tmp ("wstun-state-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->router = wstun_router_new ();
  g_assert_true (wstun_prefix_parse ("10.99.0.0/24", &prefix, NULL));
  f->pool4 = wstun_pool_new (&prefix, NULL);
  g_assert_true (wstun_prefix_parse ("fd00:99::/64", &prefix, NULL));
  f->pool6 = wstun_pool_new (&prefix, NULL);
  f->leases = wstun_leases_new (f->router, f->pool4, f->pool6);
  wstun_leases_set_resume (f->leases, 60, 100);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = g_build_filename (dir, name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      remove_tree (path);
    else
      g_unlink (path);
  }
  g_rmdir (dir);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (f->peers); i++)
    wstun_router_remove_peer (f->router, &f->peers[i]);
  g_clear_pointer (&f->leases, wstun_leases_free);
  g_clear_pointer (&f->pool4, wstun_pool_free);
  g_clear_pointer (&f->pool6, wstun_pool_free);
  g_clear_pointer (&f->router, wstun_router_free);
  remove_tree (f->dir);
  g_free (f->dir);
}

static char *
state_file (Fixture *f)
{
  return g_build_filename (f->dir, "state", WSTUN_STATE_FILE_NAME, NULL);
}

static WstunState *
state_new (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->dir, "state", NULL);

  return wstun_state_new (dir, f->leases);
}

static void
wait_for_writes (WstunState *state, guint64 n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (wstun_state_get_counters (state)->writes_ok < n && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (wstun_state_get_counters (state)->writes_ok, >=, n);
}

static WstunLeaseGrant
open_lease (Fixture *f, guint i, const char *token)
{
  WstunLeaseRequest request = { .token_name = token, .owner = &f->peers[i] };
  WstunLeaseGrant grant;
  const char *code = NULL;

  g_assert_true (wstun_leases_open (f->leases, &f->peers[i], &request, &grant, &code, NULL));
  return grant;
}

static void
test_write_and_read_back (Fixture *f, gconstpointer data)
{
  g_autoptr (WstunState) state = NULL;
  g_autoptr (WstunState) again = NULL;
  g_autofree char *path = state_file (f);
  g_autofree char *text = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "state", NULL);
  g_autoptr (GPtrArray) entries = NULL;
  WstunLeaseGrant a, b;
  struct stat st;
  gboolean newer;
  gsize len;

  (void) data;
  state = state_new (f);
  g_assert_true (wstun_state_is_enabled (state));
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  wstun_state_load (state, NULL);
  wait_for_writes (state, 1);

  a = open_lease (f, 0, NULL);
  b = open_lease (f, 1, "bob");
  wstun_leases_close (f->leases, b.hash, &f->peers[1], TRUE);
  /* both changes in one write, at most one write per interval */
  wait_for_writes (state, 2);
  g_assert_true (wstun_state_flush (state));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  /* the hashes, never the ids */
  g_assert_null (strstr (text, a.resume_id));
  g_assert_null (strstr (text, b.resume_id));
  entries = wstun_state_parse (text, len, &newer, NULL);
  g_assert_nonnull (entries);
  g_assert_cmpuint (entries->len, ==, 2);
  for (guint i = 0; i < entries->len; i++) {
    const WstunStateEntry *e = g_ptr_array_index (entries, i);
    gboolean is_a = memcmp (e->info.hash, a.hash, sizeof a.hash) == 0;

    g_assert_true (is_a || memcmp (e->info.hash, b.hash, sizeof b.hash) == 0);
    g_assert_cmpint (e->held, ==, is_a);
    g_assert_cmpstr (e->token_name, ==, is_a ? NULL : "bob");
    g_assert_cmpuint (e->info.n_addrs, ==, 2);
  }

  /* another relay on the same directory: no persistence, the file kept */
  g_test_expect_message ("wstun-relay", G_LOG_LEVEL_WARNING, "*Another relay keeps its state in*");
  again = state_new (f);
  g_test_assert_expected_messages ();
  g_assert_false (wstun_state_is_enabled (again));
  wstun_state_changed (again);
  g_assert_true (wstun_state_flush (again));
  g_clear_object (&again);

  /* read back into other leases: all reserved */
  g_clear_object (&state);
  wstun_router_remove_peer (f->router, &f->peers[0]);
  g_clear_pointer (&f->leases, wstun_leases_free);
  g_clear_pointer (&f->pool4, wstun_pool_free);
  g_clear_pointer (&f->pool6, wstun_pool_free);
  {
    WstunPrefix prefix;

    g_assert_true (wstun_prefix_parse ("10.99.0.0/24", &prefix, NULL));
    f->pool4 = wstun_pool_new (&prefix, NULL);
    g_assert_true (wstun_prefix_parse ("fd00:99::/64", &prefix, NULL));
    f->pool6 = wstun_pool_new (&prefix, NULL);
  }
  f->leases = wstun_leases_new (f->router, f->pool4, f->pool6);
  wstun_leases_set_resume (f->leases, 60, 100);
  state = state_new (f);
  wstun_state_load (state, NULL); /* bob's lease has a token, this relay none */
  g_assert_cmpuint (wstun_leases_get_n_reserved (f->leases), ==, 1);
  {
    WstunLeaseRequest request = { .resume = a.resume_id, .owner = &f->peers[0] };
    WstunLeaseGrant grant;
    const char *code = NULL;

    g_assert_true (wstun_leases_open (f->leases, &f->peers[0], &request, &grant, &code, NULL));
    g_assert_cmpint (grant.resume, ==, WSTUN_RESUME_HIT);
  }
  g_assert_true (wstun_state_flush (state));
}

static void
test_set_aside (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = {
    "not json",
    "{\"format\":\"wstun-relay-leases\",\"version\":9,\"leases\":[]}",
    "",
  };
  g_autofree char *path = state_file (f);
  g_autofree char *dir = g_build_filename (f->dir, "state", NULL);

  (void) data;
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (bad) + 2; i++) {
    g_autoptr (WstunState) state = NULL;
    g_autoptr (GDir) d = NULL;
    const char *name;
    guint aside = 0;

    g_unlink (path);
    if (i < G_N_ELEMENTS (bad)) {
      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
    } else if (i == G_N_ELEMENTS (bad)) {
      g_assert_cmpint (symlink ("/etc/passwd", path), ==, 0);
    } else {
      g_assert_cmpint (mkfifo (path, 0600), ==, 0);
    }
    /* a stale temporary file of a killed relay goes too */
    {
      g_autofree char *stale = g_build_filename (dir, ".leases.json.abcdef", NULL);

      g_assert_true (g_file_set_contents (stale, "half", -1, NULL));
    }
    state = state_new (f);
    g_test_expect_message ("wstun-relay", G_LOG_LEVEL_WARNING, "*leases.json not used: *");
    wstun_state_load (state, NULL);
    g_test_assert_expected_messages ();
    g_assert_true (wstun_state_flush (state));
    /* a fresh file, and the bad one aside */
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    g_assert_false (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
    d = g_dir_open (dir, 0, NULL);
    while ((name = g_dir_read_name (d)) != NULL) {
      g_assert_false (g_str_has_prefix (name, ".leases.json."));
      if (g_str_has_prefix (name, "leases.json.corrupt-")) {
        g_autofree char *p = g_build_filename (dir, name, NULL);

        aside++;
        g_unlink (p);
      }
    }
    g_assert_cmpuint (aside, ==, 1);
  }
}

static void
test_no_persistence (Fixture *f, gconstpointer data)
{
  g_autoptr (WstunState) none = NULL;
  g_autoptr (WstunState) file = NULL;
  g_autofree char *blocker = g_build_filename (f->dir, "a-file", NULL);
  g_autofree char *under = g_build_filename (blocker, "state", NULL);

  (void) data;
  none = wstun_state_new ("", f->leases);
  g_assert_false (wstun_state_is_enabled (none));
  wstun_state_load (none, NULL);
  g_assert_true (wstun_state_flush (none));

  g_assert_true (g_file_set_contents (blocker, "", -1, NULL));
  g_test_expect_message ("wstun-relay", G_LOG_LEVEL_WARNING, "*running without a state file*");
  file = wstun_state_new (under, f->leases);
  g_test_assert_expected_messages ();
  g_assert_false (wstun_state_is_enabled (file));
  g_clear_object (&file);

  /* a directory others may write in: they could plant leases */
  {
    g_autofree char *open_dir = g_build_filename (f->dir, "open", NULL);

    g_assert_cmpint (g_mkdir (open_dir, 0700), ==, 0);
    g_assert_cmpint (g_chmod (open_dir, 0777), ==, 0);
    g_test_expect_message ("wstun-relay", G_LOG_LEVEL_WARNING,
                           "*others may write in it (mode 0777)*");
    file = wstun_state_new (open_dir, f->leases);
    g_test_assert_expected_messages ();
    g_assert_false (wstun_state_is_enabled (file));
    g_clear_object (&file);
    g_assert_cmpint (g_chmod (open_dir, 0755), ==, 0);
    file = wstun_state_new (open_dir, f->leases);
    g_assert_true (wstun_state_is_enabled (file));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state/parse", test_parse);
  g_test_add_func ("/state/parse/lenient-where-safe", test_parse_lenient_where_safe);
  g_test_add_func ("/state/parse/hostile", test_parse_hostile);
  g_test_add_func ("/state/parse/newer", test_parse_newer);
  g_test_add_func ("/state/parse/huge", test_parse_huge);
  g_test_add ("/state/write-and-read-back", Fixture, NULL, set_up, test_write_and_read_back,
              tear_down);
  g_test_add ("/state/set-aside", Fixture, NULL, set_up, test_set_aside, tear_down);
  g_test_add ("/state/no-persistence", Fixture, NULL, set_up, test_no_persistence, tear_down);
  return g_test_run ();
}
