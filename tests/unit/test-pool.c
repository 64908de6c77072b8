/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: addresses, prefixes and the relay's address pools */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "wstun-address.h"
#include "wstun-error.h"
#include "wstun-pool.h"

static WstunAddr
addr (const char *str)
{
  g_autoptr (GError) error = NULL;
  WstunAddr a;

  memset (&a, 0x5a, sizeof a); /* parsing must set every byte that counts */
  g_assert_true (wstun_addr_parse (str, &a, &error));
  g_assert_no_error (error);
  return a;
}

static WstunPrefix
prefix (const char *str)
{
  g_autoptr (GError) error = NULL;
  WstunPrefix p;

  g_assert_true (wstun_prefix_parse (str, &p, &error));
  g_assert_no_error (error);
  return p;
}

static WstunPool *
pool_new (const char *str)
{
  g_autoptr (GError) error = NULL;
  WstunPrefix p = prefix (str);
  WstunPool *pool = wstun_pool_new (&p, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pool);
  return pool;
}

#define assert_addr(a, expected)                                                                   \
  G_STMT_START                                                                                     \
  {                                                                                                \
    char _buf[WSTUN_ADDR_STRLEN];                                                                  \
    g_assert_cmpstr (wstun_addr_to_string ((a), _buf), ==, (expected));                            \
  }                                                                                                \
  G_STMT_END

static void
assert_allocates (WstunPool *pool, const char *expected)
{
  WstunAddr a;

  g_assert_true (wstun_pool_allocate (pool, &a));
  assert_addr (&a, expected);
  g_assert_true (wstun_pool_is_used (pool, &a));
}

static void
assert_reserve_fails (WstunPool *pool, const char *str, int code)
{
  g_autoptr (GError) error = NULL;
  WstunAddr a = addr (str);
  guint64 used = wstun_pool_get_used (pool);

  g_assert_false (wstun_pool_reserve (pool, &a, &error));
  g_assert_error (error, WSTUN_ERROR, code);
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, used);
}

/* ---- addresses -------------------------------------------------------- */

static void
test_addr_parse (void)
{
  static const guint8 v4[4] = { 10, 99, 0, 2 };
  static const guint8 v6[16] = { 0xfd, 0, 0, 0x99, [15] = 2 };
  WstunAddr a;

  a = addr ("10.99.0.2");
  g_assert_cmpuint (a.family, ==, AF_INET);
  g_assert_cmpuint (wstun_addr_len (&a), ==, 4);
  g_assert_cmpmem (a.bytes, 4, v4, 4);
  for (guint i = 4; i < 16; i++)
    g_assert_cmpuint (a.bytes[i], ==, 0);
  assert_addr (&a, "10.99.0.2");

  a = addr ("fd00:99::2");
  g_assert_cmpuint (a.family, ==, AF_INET6);
  g_assert_cmpuint (wstun_addr_len (&a), ==, 16);
  g_assert_cmpmem (a.bytes, 16, v6, 16);
  assert_addr (&a, "fd00:99::2");

  /* printed in canonical form (RFC 5952) */
  a = addr ("FD00:0099:0000:0000:0000:0000:0000:0002");
  assert_addr (&a, "fd00:99::2");
  a = addr ("::ffff:10.99.0.2");
  g_assert_cmpuint (a.family, ==, AF_INET6);
  assert_addr (&a, "::ffff:10.99.0.2");
  a = addr ("::");
  assert_addr (&a, "::");
  a = addr ("255.255.255.255");
  assert_addr (&a, "255.255.255.255");
  a = addr ("0.0.0.0");
  assert_addr (&a, "0.0.0.0");
}

static void
test_addr_parse_errors (void)
{
  const char *bad[] = {
    "",           "10.99.0",     "10.99.0.256",   "10.99.0.2/24",    " 10.99.0.2",
    "10.99.0.2 ", "fd00::99::2", "fd00:99::2/64", "relay.example",   "1.2.3.4.5",
    "::g",        "10.99.0.-1",  "0x0a.0.0.1",    "fd00:99::2%eth0",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    WstunAddr a;

    g_assert_false (wstun_addr_parse (bad[i], &a, &error));
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_assert_nonnull (strstr (error->message, bad[i]));
  }
  /* no GError wanted */
  {
    WstunAddr a;
    g_assert_false (wstun_addr_parse ("nope", &a, NULL));
  }
}

static void
test_addr_set (void)
{
  static const guint8 v4[4] = { 192, 168, 1, 254 };
  static const guint8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xbe, [15] = 0xef };
  WstunAddr a;

  memset (&a, 0xff, sizeof a);
  wstun_addr_set_v4 (&a, v4);
  g_assert_cmpuint (a.family, ==, AF_INET);
  assert_addr (&a, "192.168.1.254");
  for (guint i = 4; i < 16; i++)
    g_assert_cmpuint (a.bytes[i], ==, 0);

  wstun_addr_set_v6 (&a, v6);
  g_assert_cmpuint (a.family, ==, AF_INET6);
  assert_addr (&a, "2001:db8::beef");
}

static void
test_addr_hash_equal (void)
{
  static const guint8 v4_bytes[4] = { 10, 0, 0, 1 };
  static const guint8 v6_bytes[16] = { 10, 0, 0, 1 }; /* same leading bytes: a00:1:: */
  g_autoptr (GHashTable) table =
    g_hash_table_new_full (wstun_addr_hash, wstun_addr_equal, g_free, NULL);
  WstunAddr a, b, v4, v6;
  g_autofree WstunAddr *dup = NULL;

  a = addr ("10.99.0.2");
  b = addr ("10.99.0.2");
  g_assert_true (wstun_addr_equal (&a, &b));
  g_assert_cmpuint (wstun_addr_hash (&a), ==, wstun_addr_hash (&b));
  b = addr ("10.99.0.3");
  g_assert_false (wstun_addr_equal (&a, &b));

  a = addr ("fd00:99::2");
  b = addr ("fd00:0099:0:0::2");
  g_assert_true (wstun_addr_equal (&a, &b));
  g_assert_cmpuint (wstun_addr_hash (&a), ==, wstun_addr_hash (&b));
  b = addr ("fd00:99::1:2");
  g_assert_false (wstun_addr_equal (&a, &b));
  b = addr ("fd01:99::2");
  g_assert_false (wstun_addr_equal (&a, &b));

  /* an IPv4 address is its first four bytes: what follows them does not
   * count, for equality or for the hash */
  a = addr ("10.99.0.2");
  b = a;
  memset (b.bytes + 4, 0xee, 12);
  g_assert_true (wstun_addr_equal (&a, &b));
  g_assert_cmpuint (wstun_addr_hash (&a), ==, wstun_addr_hash (&b));

  /* the family is part of the identity */
  wstun_addr_set_v4 (&v4, v4_bytes);
  wstun_addr_set_v6 (&v6, v6_bytes);
  assert_addr (&v6, "a00:1::");
  g_assert_false (wstun_addr_equal (&v4, &v6));
  g_assert_false (wstun_addr_equal (&v6, &v4));

  dup = wstun_addr_dup (&v6);
  g_assert_true (dup != &v6);
  g_assert_true (wstun_addr_equal (dup, &v6));

  /* a table of both families finds every address, and only those */
  for (guint i = 0; i < 1000; i++) {
    char str[64];
    WstunAddr x;

    g_snprintf (str, sizeof str, "10.99.%u.%u", i / 256, i % 256);
    x = addr (str);
    g_assert_true (g_hash_table_insert (table, wstun_addr_dup (&x), GUINT_TO_POINTER (i + 1)));
    g_snprintf (str, sizeof str, "fd00:99::%x", i);
    x = addr (str);
    g_assert_true (g_hash_table_insert (table, wstun_addr_dup (&x), GUINT_TO_POINTER (i + 1001)));
  }
  g_assert_cmpuint (g_hash_table_size (table), ==, 2000);
  for (guint i = 0; i < 1000; i++) {
    char str[64];
    WstunAddr x;

    g_snprintf (str, sizeof str, "10.99.%u.%u", i / 256, i % 256);
    x = addr (str);
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (table, &x)), ==, i + 1);
    g_snprintf (str, sizeof str, "fd00:99::%x", i);
    x = addr (str);
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (table, &x)), ==, i + 1001);
  }
  a = addr ("10.99.4.0");
  g_assert_null (g_hash_table_lookup (table, &a));
  a = addr ("fd00:98::1");
  g_assert_null (g_hash_table_lookup (table, &a));
}

static void
test_addr_forwardable (void)
{
  const char *yes[] = {
    "10.99.0.2",   "10.99.0.255", "1.1.1.1",         "192.168.1.1", "223.255.255.255", "fd00:99::2",
    "2001:db8::1", "fec0::1",     "::ffff:10.0.0.1", "fe00::1", /* not link-local: fe80::/10 starts
                                                                   at fe80 */
    "1::",
  };
  const char *no[] = {
    "0.0.0.0",     "0.1.2.3",         "127.0.0.1",    "127.255.255.254",
    "169.254.0.1", "169.254.255.255", "224.0.0.1",    "239.255.255.250",
    "240.0.0.1",   "255.255.255.255", "::",           "::1",
    "fe80::1",     "fe80::1234:5678", "febf:ffff::1", "ff02::1",
    "ff05::1:3",   "ff00::",
  };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++) {
    WstunAddr a = addr (yes[i]);
    if (!wstun_addr_is_forwardable (&a))
      g_error ("%s should be forwardable", yes[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (no); i++) {
    WstunAddr a = addr (no[i]);
    if (wstun_addr_is_forwardable (&a))
      g_error ("%s should not be forwardable", no[i]);
  }
}

/* ---- prefixes --------------------------------------------------------- */

static void
test_prefix_parse (void)
{
  static const struct {
    const char *in;
    const char *addr;
    guint len;
    const char *out;
  } good[] = {
    { "10.99.0.0/24", "10.99.0.0", 24, "10.99.0.0/24" },
    { "10.99.0.7/24", "10.99.0.7", 24, "10.99.0.7/24" }, /* host bits are kept by parsing */
    { "0.0.0.0/0", "0.0.0.0", 0, "0.0.0.0/0" },
    { "10.0.0.1/32", "10.0.0.1", 32, "10.0.0.1/32" },
    { "fd00:99::/64", "fd00:99::", 64, "fd00:99::/64" },
    { "FD00:0099::0/64", "fd00:99::", 64, "fd00:99::/64" },
    { "::/0", "::", 0, "::/0" },
    { "::1/128", "::1", 128, "::1/128" },
    { "10.0.0.0/08", "10.0.0.0", 8, "10.0.0.0/8" },
  };
  const char *bad[] = {
    "10.0.0.0",
    "10.0.0.0/33",
    "fd00::/129",
    "10.0.0.0/129",
    "garbage",
    "garbage/24",
    "10.0.0.0/",
    "10.0.0.0/abc",
    "10.0.0.0/24x",
    "/24",
    "10.0.0.0/-1",
    "10.0.0.0/ 24",
    "10.0.0.0/+24",
    "10.0.0.0/24/8",
    "10.0.0.0//24",
    "10.0.0.0/0x18",
    "10.0.0.0/99999999999999999999",
    "10.0.0/24",
    "",
    "fd00::/-0",
    "10.0.0.0/4294967320",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    WstunPrefix p = prefix (good[i].in);
    char buf[WSTUN_PREFIX_STRLEN];

    assert_addr (&p.addr, good[i].addr);
    g_assert_cmpuint (p.prefix_len, ==, good[i].len);
    g_assert_cmpstr (wstun_prefix_to_string (&p, buf), ==, good[i].out);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    WstunPrefix p;

    if (wstun_prefix_parse (bad[i], &p, &error))
      g_error ("“%s” accepted as a prefix", bad[i]);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  }
}

static void
test_prefix_to_string_longest (void)
{
  WstunPrefix p = prefix ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128");
  char buf[WSTUN_PREFIX_STRLEN];

  g_assert_cmpstr (wstun_prefix_to_string (&p, buf), ==,
                   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

static void
assert_contains (const char *pfx, const char *a, gboolean expected)
{
  WstunPrefix p = prefix (pfx);
  WstunAddr x = addr (a);

  if (wstun_prefix_contains (&p, &x) != expected)
    g_error ("%s %s %s", pfx, expected ? "should contain" : "should not contain", a);
}

static void
test_prefix_contains (void)
{
  assert_contains ("10.99.0.0/24", "10.99.0.0", TRUE);
  assert_contains ("10.99.0.0/24", "10.99.0.77", TRUE);
  assert_contains ("10.99.0.0/24", "10.99.0.255", TRUE);
  assert_contains ("10.99.0.0/24", "10.99.1.0", FALSE);
  assert_contains ("10.99.0.0/24", "10.98.255.255", FALSE);
  assert_contains ("10.99.0.0/24", "11.99.0.1", FALSE);
  assert_contains ("10.99.0.7/24", "10.99.0.200", TRUE); /* host bits of the prefix ignored */
  assert_contains ("10.99.16.0/20", "10.99.16.0", TRUE);
  assert_contains ("10.99.16.0/20", "10.99.31.255", TRUE);
  assert_contains ("10.99.16.0/20", "10.99.32.0", FALSE);
  assert_contains ("10.99.16.0/20", "10.99.15.255", FALSE);
  assert_contains ("10.99.17.0/20", "10.99.30.1", TRUE);
  assert_contains ("128.0.0.0/1", "200.1.1.1", TRUE);
  assert_contains ("128.0.0.0/1", "127.255.255.255", FALSE);
  assert_contains ("10.0.0.1/32", "10.0.0.1", TRUE);
  assert_contains ("10.0.0.1/32", "10.0.0.0", FALSE);
  assert_contains ("10.0.0.1/31", "10.0.0.0", TRUE);
  assert_contains ("10.0.0.1/31", "10.0.0.2", FALSE);
  assert_contains ("0.0.0.0/0", "255.255.255.255", TRUE);
  assert_contains ("0.0.0.0/0", "::", FALSE);
  assert_contains ("::/0", "0.0.0.0", FALSE);
  assert_contains ("::/0", "fd00:99::1", TRUE);
  assert_contains ("fd00:99::/64", "fd00:99::ffff:ffff:ffff:ffff", TRUE);
  assert_contains ("fd00:99::/64", "fd00:99:0:1::", FALSE);
  assert_contains ("fd00:99::/33", "fd00:99:7fff::1", TRUE);
  assert_contains ("fd00:99::/33", "fd00:99:8000::", FALSE);
  assert_contains ("fd00:99::/120", "fd00:99::ff", TRUE);
  assert_contains ("fd00:99::/120", "fd00:99::100", FALSE);
  assert_contains ("fd00:99::1/128", "fd00:99::1", TRUE);
  assert_contains ("fd00:99::1/128", "fd00:99::2", FALSE);
  /* same leading bytes, other family */
  assert_contains ("10.0.0.0/8", "a00::1", FALSE);
  assert_contains ("a00::/8", "10.0.0.1", FALSE);
}

static void
assert_network (const char *pfx, const char *expected)
{
  WstunPrefix p = prefix (pfx);
  WstunAddr net;

  memset (&net, 0xa5, sizeof net);
  wstun_prefix_network (&p, &net);
  assert_addr (&net, expected);
  g_assert_cmpuint (net.family, ==, p.addr.family);
  /* the network is in its own prefix */
  g_assert_true (wstun_prefix_contains (&p, &net));
}

static void
test_prefix_network (void)
{
  assert_network ("10.99.0.7/24", "10.99.0.0");
  assert_network ("10.99.0.0/24", "10.99.0.0");
  assert_network ("10.99.200.7/20", "10.99.192.0");
  assert_network ("10.99.255.255/17", "10.99.128.0");
  assert_network ("10.99.0.7/32", "10.99.0.7");
  assert_network ("10.99.0.7/31", "10.99.0.6");
  assert_network ("255.255.255.255/1", "128.0.0.0");
  assert_network ("10.99.0.7/0", "0.0.0.0");
  assert_network ("10.99.0.7/8", "10.0.0.0");
  /* fd00:0099:0001:0002:0003:0000:0000:0007, first 40 bits: fd 00 00 99 00 */
  assert_network ("fd00:99:1:2:3::7/40", "fd00:99::");
  /* 44 bits: fd 00 00 99 ab 1|2 -> fd00:99:ab10:: */
  assert_network ("fd00:99:ab12::7/44", "fd00:99:ab10::");
  assert_network ("fd00:99:1:2:3::7/64", "fd00:99:1:2::");
  assert_network ("fd00:99:1:2:3::7/65", "fd00:99:1:2::");
  assert_network ("fd00:99:1:2:ffff::7/65", "fd00:99:1:2:8000::");
  assert_network ("fd00:99::abcd/120", "fd00:99::ab00");
  assert_network ("fd00:99::7/127", "fd00:99::6");
  assert_network ("fd00:99::7/128", "fd00:99::7");
  assert_network ("fd00:99::7/0", "::");
  assert_network ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1", "8000::");
}

static void
test_prefix_nth_index (void)
{
  WstunPrefix p4 = prefix ("10.99.0.0/24");
  WstunPrefix p16 = prefix ("10.99.0.0/16");
  WstunPrefix p6 = prefix ("fd00:99::/64");
  WstunPrefix p120 = prefix ("fd00:99::/120");
  WstunAddr a;

  g_assert_true (wstun_prefix_nth (&p4, 5, &a));
  assert_addr (&a, "10.99.0.5");
  g_assert_true (wstun_prefix_nth (&p4, 255, &a));
  assert_addr (&a, "10.99.0.255");
  g_assert_false (wstun_prefix_nth (&p4, 256, &a));
  g_assert_true (wstun_prefix_nth (&p16, 301, &a));
  assert_addr (&a, "10.99.1.45");
  g_assert_false (wstun_prefix_nth (&p16, 65536, &a));
  a = addr ("10.99.1.45");
  g_assert_cmpuint (wstun_prefix_host_index (&p16, &a), ==, 301);
  g_assert_cmpuint (wstun_prefix_host_index (&p4, &a), ==, 45);

  g_assert_true (wstun_prefix_nth (&p6, 0x1234, &a));
  assert_addr (&a, "fd00:99::1234");
  g_assert_true (wstun_prefix_nth (&p6, G_MAXUINT64, &a));
  assert_addr (&a, "fd00:99::ffff:ffff:ffff:ffff");
  a = addr ("fd00:99::1:0:0:5");
  g_assert_cmpuint (wstun_prefix_host_index (&p6, &a), ==, G_GUINT64_CONSTANT (0x1000000000005));
  g_assert_true (wstun_prefix_nth (&p120, 255, &a));
  assert_addr (&a, "fd00:99::ff");
  g_assert_false (wstun_prefix_nth (&p120, 256, &a));
}

/* ---- IPv4 pools ------------------------------------------------------- */

static void
test_pool4_allocate_all (void)
{
  g_autoptr (WstunPool) pool = pool_new ("10.99.0.0/24");
  WstunAddr a, relay = addr ("10.99.0.1");

  g_assert_cmpuint (wstun_pool_get_capacity (pool), ==, 253);
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 0);
  for (guint i = 2; i <= 254; i++) {
    char expected[32];

    g_snprintf (expected, sizeof expected, "10.99.0.%u", i);
    assert_allocates (pool, expected);
    g_assert_cmpuint (wstun_pool_get_used (pool), ==, i - 1);
  }
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 253);
  g_assert_false (wstun_pool_allocate (pool, &a));
  g_assert_false (wstun_pool_allocate (pool, &a));
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 253);
  g_assert_false (wstun_pool_is_used (pool, &relay));
}

static void
test_pool4_release (void)
{
  g_autoptr (WstunPool) pool = pool_new ("10.99.0.0/24");
  g_autoptr (GHashTable) seen =
    g_hash_table_new_full (wstun_addr_hash, wstun_addr_equal, g_free, NULL);
  WstunAddr a, three = addr ("10.99.0.3");
  guint n = 0;

  assert_allocates (pool, "10.99.0.2");
  assert_allocates (pool, "10.99.0.3");
  assert_allocates (pool, "10.99.0.4");
  wstun_pool_release (pool, &three);
  g_assert_false (wstun_pool_is_used (pool, &three));
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 2);
  /* releasing twice, a free address or one outside the pool changes nothing */
  wstun_pool_release (pool, &three);
  a = addr ("10.99.0.200");
  wstun_pool_release (pool, &a);
  a = addr ("10.98.0.2");
  wstun_pool_release (pool, &a);
  a = addr ("fd00:99::2");
  wstun_pool_release (pool, &a);
  a = addr ("10.99.0.1");
  wstun_pool_release (pool, &a);
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 2);

  /* a freed address rests: the next ones come first */
  assert_allocates (pool, "10.99.0.5");
  /* then everything left, each once, the freed one included */
  while (wstun_pool_allocate (pool, &a)) {
    g_assert_true (wstun_pool_contains (pool, &a));
    g_assert_true (g_hash_table_add (seen, wstun_addr_dup (&a)));
    n++;
  }
  g_assert_cmpuint (n, ==, 253 - 3);
  g_assert_true (g_hash_table_contains (seen, &three));
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 253);

  /* once full, released addresses are handed out again, and only those */
  a = addr ("10.99.0.100");
  wstun_pool_release (pool, &a);
  a = addr ("10.99.0.7");
  wstun_pool_release (pool, &a);
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 251);
  assert_allocates (pool, "10.99.0.7");
  assert_allocates (pool, "10.99.0.100");
  g_assert_false (wstun_pool_allocate (pool, &a));
}

static void
test_pool4_reserve (void)
{
  g_autoptr (WstunPool) pool = pool_new ("10.99.0.0/24");
  g_autoptr (GError) error = NULL;
  WstunAddr a = addr ("10.99.0.50"), x;
  guint n = 0;

  g_assert_true (wstun_pool_contains (pool, &a));
  g_assert_true (wstun_pool_reserve (pool, &a, &error));
  g_assert_no_error (error);
  g_assert_true (wstun_pool_is_used (pool, &a));
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 1);

  assert_reserve_fails (pool, "10.99.0.50", WSTUN_ERROR_REFUSED);
  assert_reserve_fails (pool, "10.98.0.50", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "10.99.1.50", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "10.99.0.0", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "10.99.0.1", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "10.99.0.255", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "fd00:99::50", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "::ffff:10.99.0.51", WSTUN_ERROR_INVALID_ARGS);

  x = addr ("10.99.0.0");
  g_assert_false (wstun_pool_contains (pool, &x));
  x = addr ("10.99.0.1");
  g_assert_false (wstun_pool_contains (pool, &x));
  x = addr ("10.99.0.255");
  g_assert_false (wstun_pool_contains (pool, &x));
  x = addr ("10.99.0.2");
  g_assert_true (wstun_pool_contains (pool, &x));
  x = addr ("10.99.0.254");
  g_assert_true (wstun_pool_contains (pool, &x));

  /* an address allocated before cannot be reserved */
  assert_allocates (pool, "10.99.0.2");
  assert_reserve_fails (pool, "10.99.0.2", WSTUN_ERROR_REFUSED);

  /* the pool never hands out the reserved address */
  while (wstun_pool_allocate (pool, &x)) {
    g_assert_false (wstun_addr_equal (&x, &a));
    n++;
  }
  g_assert_cmpuint (n, ==, 253 - 2);

  /* released, it can be reserved again */
  wstun_pool_release (pool, &a);
  g_assert_false (wstun_pool_is_used (pool, &a));
  g_assert_true (wstun_pool_reserve (pool, &a, NULL));
  g_assert_true (wstun_pool_is_used (pool, &a));
}

static void
test_pool4_normalized (void)
{
  g_autoptr (WstunPool) pool = pool_new ("10.99.0.7/24");
  const WstunPrefix *p = wstun_pool_get_prefix (pool);
  char buf[WSTUN_PREFIX_STRLEN];
  WstunAddr seven = addr ("10.99.0.7");

  g_assert_cmpstr (wstun_prefix_to_string (p, buf), ==, "10.99.0.0/24");
  g_assert_cmpuint (wstun_pool_get_capacity (pool), ==, 253);
  g_assert_true (wstun_pool_contains (pool, &seven));
  assert_allocates (pool, "10.99.0.2");
  assert_allocates (pool, "10.99.0.3");
}

static void
assert_pool_refused (const char *pfx)
{
  g_autoptr (GError) error = NULL;
  WstunPrefix p = prefix (pfx);
  g_autoptr (WstunPool) pool = wstun_pool_new (&p, &error);

  if (pool != NULL)
    g_error ("pool %s accepted", pfx);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
}

static void
test_pool4_sizes (void)
{
  g_autoptr (WstunPool) p30 = pool_new ("10.99.0.0/30");
  g_autoptr (WstunPool) p29 = pool_new ("10.99.0.8/29");
  g_autoptr (WstunPool) p16 = pool_new ("10.99.0.0/16");
  WstunAddr a;

  assert_pool_refused ("10.99.0.0/31");
  assert_pool_refused ("10.99.0.0/32");

  /* network .0, relay .1, one client .2, broadcast .3 */
  g_assert_cmpuint (wstun_pool_get_capacity (p30), ==, 1);
  assert_allocates (p30, "10.99.0.2");
  g_assert_false (wstun_pool_allocate (p30, &a));
  a = addr ("10.99.0.3");
  g_assert_false (wstun_pool_contains (p30, &a));
  a = addr ("10.99.0.2");
  wstun_pool_release (p30, &a);
  assert_allocates (p30, "10.99.0.2");

  g_assert_cmpuint (wstun_pool_get_capacity (p29), ==, 5);
  for (guint i = 10; i <= 14; i++) {
    char expected[32];

    g_snprintf (expected, sizeof expected, "10.99.0.%u", i);
    assert_allocates (p29, expected);
  }
  g_assert_false (wstun_pool_allocate (p29, &a));

  /* in a /16, x.x.0.255 and x.x.1.0 are ordinary hosts */
  g_assert_cmpuint (wstun_pool_get_capacity (p16), ==, 65533);
  for (guint i = 2; i < 255; i++)
    g_assert_true (wstun_pool_allocate (p16, &a));
  assert_addr (&a, "10.99.0.254");
  assert_allocates (p16, "10.99.0.255");
  assert_allocates (p16, "10.99.1.0");
  assert_allocates (p16, "10.99.1.1");
  a = addr ("10.99.255.254");
  g_assert_true (wstun_pool_contains (p16, &a));
  a = addr ("10.99.255.255");
  g_assert_false (wstun_pool_contains (p16, &a));
}

/* ---- IPv6 pools ------------------------------------------------------- */

static void
test_pool6_allocate (void)
{
  g_autoptr (WstunPool) pool = pool_new ("fd00:99::/64");
  WstunAddr a;

  g_assert_cmpuint (wstun_pool_get_capacity (pool), >, G_MAXUINT32);
  assert_allocates (pool, "fd00:99::2");
  assert_allocates (pool, "fd00:99::3");
  for (guint i = 4; i <= 0x1ff; i++)
    g_assert_true (wstun_pool_allocate (pool, &a));
  assert_addr (&a, "fd00:99::1ff");
  assert_allocates (pool, "fd00:99::200");
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 0x1ff);

  a = addr ("fd00:99::1");
  g_assert_false (wstun_pool_contains (pool, &a));
  a = addr ("fd00:99::");
  g_assert_false (wstun_pool_contains (pool, &a));
  a = addr ("fd00:99::1:0:0:0");
  g_assert_true (wstun_pool_contains (pool, &a));
  a = addr ("fd00:99:0:1::2");
  g_assert_false (wstun_pool_contains (pool, &a));
  a = addr ("10.99.0.2");
  g_assert_false (wstun_pool_contains (pool, &a));
}

static void
test_pool6_reserve_release (void)
{
  g_autoptr (WstunPool) pool = pool_new ("fd00:99::/64");
  WstunAddr a = addr ("fd00:99::4"), far = addr ("fd00:99::1:0:0:5");

  g_assert_true (wstun_pool_reserve (pool, &a, NULL));
  g_assert_true (wstun_pool_reserve (pool, &far, NULL));
  g_assert_true (wstun_pool_is_used (pool, &far));
  assert_reserve_fails (pool, "fd00:99::4", WSTUN_ERROR_REFUSED);
  assert_reserve_fails (pool, "fd00:99::1:0:0:5", WSTUN_ERROR_REFUSED);
  assert_reserve_fails (pool, "fd00:99::1", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "fd00:99::", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "fd00:98::5", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "fd00:99:0:1::5", WSTUN_ERROR_INVALID_ARGS);
  assert_reserve_fails (pool, "10.99.0.5", WSTUN_ERROR_INVALID_ARGS);
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 2);

  /* allocation skips what was reserved */
  assert_allocates (pool, "fd00:99::2");
  assert_allocates (pool, "fd00:99::3");
  assert_allocates (pool, "fd00:99::5");

  wstun_pool_release (pool, &a);
  g_assert_false (wstun_pool_is_used (pool, &a));
  wstun_pool_release (pool, &far);
  g_assert_false (wstun_pool_is_used (pool, &far));
  g_assert_cmpuint (wstun_pool_get_used (pool), ==, 3);
  g_assert_true (wstun_pool_reserve (pool, &far, NULL));
  g_assert_true (wstun_pool_reserve (pool, &a, NULL));
}

static void
test_pool6_sizes (void)
{
  g_autoptr (WstunPool) p120 = pool_new ("fd00:99::/120");
  g_autoptr (WstunPool) p126 = pool_new ("fd00:99::/126");
  g_autoptr (WstunPool) p80 = pool_new ("fd00:99::abcd/80");
  char buf[WSTUN_PREFIX_STRLEN];
  WstunAddr a;

  assert_pool_refused ("fd00:99::/48");
  assert_pool_refused ("fd00:99::/63");
  assert_pool_refused ("::/0");
  assert_pool_refused ("fd00:99::/127");
  assert_pool_refused ("fd00:99::/128");

  /* no broadcast in IPv6: ::2 .. ::ff */
  g_assert_cmpuint (wstun_pool_get_capacity (p120), ==, 254);
  for (guint i = 2; i <= 0xff; i++) {
    char expected[32];

    g_snprintf (expected, sizeof expected, "fd00:99::%x", i);
    assert_allocates (p120, expected);
  }
  g_assert_false (wstun_pool_allocate (p120, &a));
  g_assert_cmpuint (wstun_pool_get_used (p120), ==, 254);
  a = addr ("fd00:99::80");
  wstun_pool_release (p120, &a);
  assert_allocates (p120, "fd00:99::80");
  g_assert_false (wstun_pool_allocate (p120, &a));

  g_assert_cmpuint (wstun_pool_get_capacity (p126), ==, 2);
  assert_allocates (p126, "fd00:99::2");
  assert_allocates (p126, "fd00:99::3");
  g_assert_false (wstun_pool_allocate (p126, &a));

  g_assert_cmpstr (wstun_prefix_to_string (wstun_pool_get_prefix (p80), buf), ==, "fd00:99::/80");
  assert_allocates (p80, "fd00:99::2");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/address/parse", test_addr_parse);
  g_test_add_func ("/address/parse-errors", test_addr_parse_errors);
  g_test_add_func ("/address/set", test_addr_set);
  g_test_add_func ("/address/hash-equal", test_addr_hash_equal);
  g_test_add_func ("/address/forwardable", test_addr_forwardable);
  g_test_add_func ("/prefix/parse", test_prefix_parse);
  g_test_add_func ("/prefix/to-string-longest", test_prefix_to_string_longest);
  g_test_add_func ("/prefix/contains", test_prefix_contains);
  g_test_add_func ("/prefix/network", test_prefix_network);
  g_test_add_func ("/prefix/nth-and-index", test_prefix_nth_index);
  g_test_add_func ("/pool/ipv4/allocate-all", test_pool4_allocate_all);
  g_test_add_func ("/pool/ipv4/release", test_pool4_release);
  g_test_add_func ("/pool/ipv4/reserve", test_pool4_reserve);
  g_test_add_func ("/pool/ipv4/normalized", test_pool4_normalized);
  g_test_add_func ("/pool/ipv4/sizes", test_pool4_sizes);
  g_test_add_func ("/pool/ipv6/allocate", test_pool6_allocate);
  g_test_add_func ("/pool/ipv6/reserve-release", test_pool6_reserve_release);
  g_test_add_func ("/pool/ipv6/sizes", test_pool6_sizes);
  return g_test_run ();
}
