/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: parsing the original proof of concept's text protocol */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "wstun-error.h"
#include "wstun-packet.h"
#include "wstun-seed.h"

/* An IPv4 packet of @len bytes from 10.99.0.@src to 10.99.0.@dst. */
static GByteArray *
ipv4 (gsize len, guint8 src, guint8 dst)
{
  GByteArray *p = g_byte_array_sized_new (len);

  g_byte_array_set_size (p, len);
  for (gsize i = 0; i < len; i++)
    p->data[i] = (guint8) (i * 7 + 1);
  p->data[0] = 0x45;
  p->data[2] = len >> 8;
  p->data[3] = len & 0xff;
  p->data[12] = 10, p->data[13] = 99, p->data[14] = 0, p->data[15] = src;
  p->data[16] = 10, p->data[17] = 99, p->data[18] = 0, p->data[19] = dst;
  return p;
}

/* An IPv6 packet with @payload bytes from fd00:99::@src to fd00:99::@dst. */
static GByteArray *
ipv6 (gsize payload, guint8 src, guint8 dst)
{
  GByteArray *p = g_byte_array_sized_new (40 + payload);

  g_byte_array_set_size (p, 40 + payload);
  for (gsize i = 0; i < p->len; i++)
    p->data[i] = (guint8) (i * 13 + 5);
  memset (p->data, 0, 40);
  p->data[0] = 0x60;
  p->data[4] = payload >> 8;
  p->data[5] = payload & 0xff;
  p->data[6] = 59; /* no next header */
  p->data[7] = 64;
  p->data[8] = 0xfd, p->data[9] = 0x00, p->data[10] = 0x00, p->data[11] = 0x99;
  p->data[23] = src;
  p->data[24] = 0xfd, p->data[25] = 0x00, p->data[26] = 0x00, p->data[27] = 0x99;
  p->data[39] = dst;
  return p;
}

static char *
hex (const guint8 *data, gsize len, gboolean upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char *s = g_malloc (2 * len + 1);

  for (gsize i = 0; i < len; i++) {
    s[2 * i] = digits[data[i] >> 4];
    s[2 * i + 1] = digits[data[i] & 0xf];
  }
  s[2 * len] = '\0';
  return s;
}

static char *
tx_message (const char *dst, const GByteArray *packet)
{
  g_autofree char *h = hex (packet->data, packet->len, FALSE);

  return g_strdup_printf ("tx:%s:%s", dst, h);
}

#define assert_addr(a, expected)                                                                   \
  G_STMT_START                                                                                     \
  {                                                                                                \
    char _buf[WSTUN_ADDR_STRLEN];                                                                  \
    g_assert_cmpstr (wstun_addr_to_string ((a), _buf), ==, (expected));                            \
  }                                                                                                \
  G_STMT_END

typedef struct {
  WstunSeedKind kind;
  WstunAddr addr;
  guint8 *packet; /* WSTUN_PACKET_MAX bytes, exactly, so ASan sees overruns */
  gsize packet_len;
  WstunPacketInfo info;
} Parsed;

static void
parsed_clear (Parsed *p)
{
  g_clear_pointer (&p->packet, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parsed, parsed_clear)

static gboolean
parse (const char *text, gsize len, Parsed *out, GError **error)
{
  memset (out, 0, sizeof *out);
  out->packet = g_malloc0 (WSTUN_PACKET_MAX);
  out->kind = (WstunSeedKind) 42;
  return wstun_seed_parse (text, len, &out->kind, &out->addr, out->packet, &out->packet_len,
                           &out->info, error);
}

static void
assert_tx (const char *text, gsize len, const char *dst, const GByteArray *packet)
{
  g_autoptr (GError) error = NULL;
  g_auto (Parsed) p;

  g_assert_true (parse (text, len, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.kind, ==, WSTUN_SEED_TX);
  assert_addr (&p.addr, dst);
  g_assert_cmpmem (p.packet, p.packet_len, packet->data, packet->len);
  g_assert_cmpuint (p.info.length, ==, packet->len);
  g_assert_true (wstun_addr_equal (&p.info.dst, &p.addr));
}

static void
assert_register (const char *text, gsize len, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_auto (Parsed) p;

  g_assert_true (parse (text, len, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.kind, ==, WSTUN_SEED_REGISTER);
  assert_addr (&p.addr, expected);
}

static void
assert_refused_len (const char *text, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_auto (Parsed) p;

  if (parse (text, len, &p, &error))
    g_error ("accepted seed message: %.*s", (int) MIN (len, 120), text);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL);
}

static void
assert_refused (const char *text)
{
  assert_refused_len (text, strlen (text));
}

/* ---- tx --------------------------------------------------------------- */

static void
test_tx_ipv4 (void)
{
  g_autoptr (GByteArray) packet = ipv4 (84, 2, 3);
  g_autofree char *msg = tx_message ("10.99.0.3", packet);
  g_autoptr (GError) error = NULL;
  g_auto (Parsed) p;

  g_assert_true (parse (msg, strlen (msg), &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.kind, ==, WSTUN_SEED_TX);
  assert_addr (&p.addr, "10.99.0.3");
  g_assert_cmpuint (p.packet_len, ==, 84);
  g_assert_cmpmem (p.packet, p.packet_len, packet->data, packet->len);
  g_assert_cmpuint (p.info.version, ==, 4);
  g_assert_cmpuint (p.info.length, ==, 84);
  assert_addr (&p.info.src, "10.99.0.2");
  assert_addr (&p.info.dst, "10.99.0.3");

  /* only @len bytes count: the rest of the buffer is not read */
  {
    g_autofree char *longer = g_strconcat (msg, "zz", NULL);

    assert_tx (longer, strlen (msg), "10.99.0.3", packet);
  }
}

static void
test_tx_ipv6 (void)
{
  g_autoptr (GByteArray) packet = ipv6 (100, 2, 3);
  g_autoptr (GByteArray) to_net = ipv6 (8, 2, 0);
  g_autofree char *msg = tx_message ("fd00:99::3", packet);
  g_autofree char *msg_long = tx_message ("fd00:0099:0000:0000:0000:0000:0000:0003", packet);
  /* the destination ends with a colon itself: only the last one splits */
  g_autofree char *msg_net = tx_message ("fd00:99::", to_net);
  g_autoptr (GError) error = NULL;
  g_auto (Parsed) p;

  g_assert_true (parse (msg, strlen (msg), &p, &error));
  g_assert_no_error (error);
  g_assert_cmpint (p.kind, ==, WSTUN_SEED_TX);
  assert_addr (&p.addr, "fd00:99::3");
  g_assert_cmpuint (p.packet_len, ==, 140);
  g_assert_cmpmem (p.packet, p.packet_len, packet->data, packet->len);
  g_assert_cmpuint (p.info.version, ==, 6);
  g_assert_cmpuint (p.info.length, ==, 140);
  assert_addr (&p.info.src, "fd00:99::2");
  assert_addr (&p.info.dst, "fd00:99::3");

  assert_tx (msg_long, strlen (msg_long), "fd00:99::3", packet);
  assert_tx (msg_net, strlen (msg_net), "fd00:99::", to_net);
}

static void
test_tx_uppercase (void)
{
  g_autoptr (GByteArray) packet = ipv4 (60, 2, 0xab);
  g_autofree char *upper = hex (packet->data, packet->len, TRUE);
  g_autofree char *msg = g_strdup_printf ("tx:10.99.0.171:%s", upper);
  g_autofree char *mixed = g_strdup (msg);

  /* some hex letters must be present for the test to mean anything */
  g_assert_nonnull (strpbrk (upper, "ABCDEF"));
  assert_tx (msg, strlen (msg), "10.99.0.171", packet);
  for (char *c = mixed + 3; *c != '\0'; c += 2)
    *c = g_ascii_tolower (*c);
  assert_tx (mixed, strlen (mixed), "10.99.0.171", packet);
}

static void
test_tx_largest (void)
{
  /* the largest packet a seed message may carry fills the buffer exactly */
  g_autoptr (GByteArray) packet = ipv6 (65535, 2, 3);
  g_autofree char *msg = tx_message ("fd00:99::3", packet);

  g_assert_cmpuint (packet->len, ==, WSTUN_PACKET_MAX);
  assert_tx (msg, strlen (msg), "fd00:99::3", packet);
}

static void
test_tx_minimal (void)
{
  g_autoptr (GByteArray) p4 = ipv4 (20, 2, 3);
  g_autoptr (GByteArray) p6 = ipv6 (1, 2, 3);
  g_autofree char *m4 = tx_message ("10.99.0.3", p4);
  g_autofree char *m6 = tx_message ("fd00:99::3", p6);

  assert_tx (m4, strlen (m4), "10.99.0.3", p4);
  assert_tx (m6, strlen (m6), "fd00:99::3", p6);
}

/* ---- registration ----------------------------------------------------- */

static void
test_register (void)
{
  static const char nul_after[] = "10.99.0.7\0";

  assert_register ("10.99.0.7", 9, "10.99.0.7");
  assert_register ("10.99.0.7\n", 10, "10.99.0.7");
  assert_register ("  10.99.0.7 \r\n", 14, "10.99.0.7");
  assert_register ("\t10.99.0.7\t", 11, "10.99.0.7");
  assert_register ("fd00:99::7\n", 11, "fd00:99::7");
  assert_register (" fd00:0099::0007 ", 17, "fd00:99::7");
  /* only @len bytes count */
  assert_register ("10.99.0.7 trailing", 9, "10.99.0.7");
  assert_refused_len (nul_after, sizeof nul_after - 1);
}

static void
test_register_errors (void)
{
  static const char nul_inside[] = "10.99.0.7\0junk";
  static const char nul_before[] = "\0"
                                   "10.99.0.7";

  assert_refused ("");
  assert_refused ("   ");
  assert_refused ("\r\n");
  assert_refused ("hello");
  assert_refused ("10.99.0.7 x");
  assert_refused ("10.99.0.7/24");
  assert_refused ("10.99.0.256");
  assert_refused ("10 .99.0.7");
  assert_refused ("rx:4500");
  assert_refused ("TX:10.99.0.3:4500");
  assert_refused ("tx");
  assert_refused ("t");
  assert_refused ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  assert_refused_len (nul_inside, sizeof nul_inside - 1);
  assert_refused_len (nul_before, sizeof nul_before - 1);
}

/* ---- refused tx ------------------------------------------------------- */

static void
test_tx_bad_hex (void)
{
  g_autoptr (GByteArray) packet = ipv4 (40, 2, 3);
  g_autofree char *msg = tx_message ("10.99.0.3", packet);
  gsize len = strlen (msg);
  const char bad_chars[] = { 'g', 'G', ' ', 'x', '-', '\n', (char) 0xc3, '\0' };

  /* odd length */
  assert_refused_len (msg, len - 1);
  {
    g_autofree char *extra = g_strconcat (msg, "0", NULL);
    assert_refused (extra);
  }
  /* a non-hex character at either position of a byte */
  for (guint i = 0; i < G_N_ELEMENTS (bad_chars); i++) {
    for (gsize at = len - 4; at < len; at++) {
      g_autofree char *bad = g_strdup (msg);

      bad[at] = bad_chars[i];
      assert_refused_len (bad, len);
    }
  }
  /* empty */
  assert_refused ("tx:10.99.0.3:");
  assert_refused ("tx:fd00:99::3:");
}

static void
test_tx_too_long (void)
{
  /* one byte more than any IP packet, all valid hex */
  gsize n = (WSTUN_PACKET_MAX + 1) * 2;
  g_autofree char *msg = g_malloc (strlen ("tx:fd00:99::3:") + n + 1);
  g_autoptr (GByteArray) packet = ipv6 (65535, 2, 3);
  g_autofree char *h = NULL;

  strcpy (msg, "tx:fd00:99::3:");
  memset (msg + strlen (msg), '6', n);
  msg[strlen ("tx:fd00:99::3:") + n] = '\0';
  assert_refused (msg);

  /* a whole valid packet followed by one byte */
  g_byte_array_append (packet, (const guint8 *) "\x00", 1);
  h = hex (packet->data, packet->len, FALSE);
  g_free (msg);
  msg = g_strdup_printf ("tx:fd00:99::3:%s", h);
  assert_refused (msg);
}

static void
test_tx_bad_destination (void)
{
  g_autoptr (GByteArray) packet = ipv4 (40, 2, 3);
  g_autofree char *h = hex (packet->data, packet->len, FALSE);
  const char *dsts[] = {
    "",
    "10.99.0",
    "10.99.0.3.4",
    "10.99.0.256",
    "relay",
    " 10.99.0.3",
    "10.99.0.3 ",
    "10.99.0.3/32",
    "fd00:99:",
    "::g",
    "0123456789012345678901234567890123456789012345678901234567890123456789",
  };
  static const char nul_dst[] = "tx:10.99.0.3\0x:4500";

  for (guint i = 0; i < G_N_ELEMENTS (dsts); i++) {
    g_autofree char *msg = g_strdup_printf ("tx:%s:%s", dsts[i], h);
    assert_refused (msg);
  }
  /* no second colon at all */
  assert_refused ("tx:10.99.0.3");
  {
    g_autofree char *msg = g_strdup_printf ("tx:%s", h);
    assert_refused (msg);
  }
  /* a NUL hidden in the destination */
  {
    g_autofree char *msg = g_strdup_printf ("tx:10.99.0.3%cx:%s", 0, h);
    assert_refused_len (msg, strlen ("tx:10.99.0.3.x:") + strlen (h));
  }
  assert_refused_len (nul_dst, sizeof nul_dst - 1);
}

static void
test_tx_not_one_packet (void)
{
  g_autoptr (GByteArray) packet = ipv4 (84, 2, 3);
  g_autoptr (GByteArray) two = ipv4 (84, 2, 3);
  g_autoptr (GByteArray) v6 = ipv6 (16, 2, 3);
  g_autofree char *h = hex (packet->data, packet->len, FALSE);
  g_autofree char *h6 = hex (v6->data, v6->len, FALSE);
  g_autofree char *trailing = g_strdup_printf ("tx:10.99.0.3:%s00", h);
  g_autofree char *truncated = g_strdup_printf ("tx:10.99.0.3:%.60s", h);
  g_autofree char *header_only = g_strdup_printf ("tx:10.99.0.3:%.40s", h);
  g_autofree char *short_header = g_strdup_printf ("tx:10.99.0.3:%.38s", h);
  g_autofree char *v6_truncated = g_strdup_printf ("tx:fd00:99::3:%.100s", h6);
  g_autofree char *h2 = NULL;
  g_autofree char *twice = NULL;
  g_autofree char *lying = NULL;
  g_autofree char *bad_version = NULL;

  g_byte_array_append (two, packet->data, packet->len);
  h2 = hex (two->data, two->len, FALSE);
  twice = g_strdup_printf ("tx:10.99.0.3:%s", h2);

  assert_refused (trailing);
  assert_refused (truncated);
  assert_refused (header_only);
  assert_refused (short_header);
  assert_refused (v6_truncated);
  assert_refused (twice);
  assert_refused ("tx:10.99.0.3:00");
  assert_refused ("tx:10.99.0.3:45");

  /* the length field says less than the hex holds */
  packet->data[3] = 80;
  g_free (h);
  h = hex (packet->data, packet->len, FALSE);
  lying = g_strdup_printf ("tx:10.99.0.3:%s", h);
  assert_refused (lying);

  /* neither IPv4 nor IPv6 */
  packet->data[3] = 84;
  packet->data[0] = 0x55;
  g_free (h);
  h = hex (packet->data, packet->len, FALSE);
  bad_version = g_strdup_printf ("tx:10.99.0.3:%s", h);
  assert_refused (bad_version);
}

static void
test_tx_destination_mismatch (void)
{
  g_autoptr (GByteArray) p4 = ipv4 (40, 2, 3);
  g_autoptr (GByteArray) p6 = ipv6 (8, 2, 3);
  const char *wrong4[] = { "10.99.0.4", "10.99.0.2", "fd00:99::3", "::ffff:10.99.0.3" };
  const char *wrong6[] = { "fd00:99::4", "fd00:99::2", "10.99.0.3", "fd00:98::3" };

  for (guint i = 0; i < G_N_ELEMENTS (wrong4); i++) {
    g_autofree char *msg = tx_message (wrong4[i], p4);
    assert_refused (msg);
  }
  for (guint i = 0; i < G_N_ELEMENTS (wrong6); i++) {
    g_autofree char *msg = tx_message (wrong6[i], p6);
    assert_refused (msg);
  }
}

static void
test_garbage (void)
{
  static const guint8 binary[] = { 0x74, 0x78, 0x3a, 0xff, 0x00, 0x3a, 0x80, 0x3a };
  const char *texts[] = {
    "tx:",     "tx::",     "tx:::",       "tx:10.99.0.3::",
    "tx:\n",   "tx:zz:zz", "hello world", "{\"type\":\"hello\",\"version\":1}",
    "rx:4500", ":",        "::::",        "tx:tx:tx:4500",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_refused (texts[i]);
  assert_refused_len ((const char *) binary, sizeof binary);
  assert_refused_len ((const char *) binary, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seed/tx/ipv4", test_tx_ipv4);
  g_test_add_func ("/seed/tx/ipv6", test_tx_ipv6);
  g_test_add_func ("/seed/tx/uppercase", test_tx_uppercase);
  g_test_add_func ("/seed/tx/largest", test_tx_largest);
  g_test_add_func ("/seed/tx/minimal", test_tx_minimal);
  g_test_add_func ("/seed/register/valid", test_register);
  g_test_add_func ("/seed/register/errors", test_register_errors);
  g_test_add_func ("/seed/refuse/bad-hex", test_tx_bad_hex);
  g_test_add_func ("/seed/refuse/too-long", test_tx_too_long);
  g_test_add_func ("/seed/refuse/bad-destination", test_tx_bad_destination);
  g_test_add_func ("/seed/refuse/not-one-packet", test_tx_not_one_packet);
  g_test_add_func ("/seed/refuse/destination-mismatch", test_tx_destination_mismatch);
  g_test_add_func ("/seed/refuse/garbage", test_garbage);
  return g_test_run ();
}
