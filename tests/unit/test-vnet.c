/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtio-net header: checks against hostile values, completing partial
 * checksums, segmenting TCP and UDP super-packets. Checksums are verified
 * with a reference written here independently (a plain 16-bit sum). */
#include "config.h"

#include <string.h>

#include "wstun-vnet.h"

/* ---- reference ----------------------------------------------------------- */

static guint32
ref_sum (guint32 sum, const guint8 *p, gsize len)
{
  for (gsize i = 0; i < len; i += 2)
    sum += (guint32) (p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
  return sum;
}

static guint16
ref_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

static guint32
ref_pseudo (const guint8 *pkt, gsize len)
{
  guint32 sum = 0;

  if (pkt[0] >> 4 == 4) {
    gsize ihl = (pkt[0] & 0xf) * 4;

    sum = ref_sum (0, pkt + 12, 8) + pkt[9] + (guint32) (len - ihl);
  } else
    sum = ref_sum (0, pkt + 8, 32) + pkt[6] + (guint32) (len - 40);
  return sum;
}

static gsize
l3_len (const guint8 *pkt)
{
  return pkt[0] >> 4 == 4 ? (gsize) (pkt[0] & 0xf) * 4 : 40;
}

/* The transport checksum verifies: the sum over pseudo-header and
 * transport bytes, checksum included, folds to 0xffff */
static gboolean
transport_valid (const guint8 *pkt, gsize len)
{
  gsize l3 = l3_len (pkt);

  return ref_fold (ref_sum (ref_pseudo (pkt, len), pkt + l3, len - l3)) == 0xffff;
}

static gboolean
ip4_header_valid (const guint8 *pkt)
{
  return ref_fold (ref_sum (0, pkt, l3_len (pkt))) == 0xffff;
}

/* ---- packets ------------------------------------------------------------- */

static guint16
rd16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static void
wr16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

/* An IPv4 or IPv6 packet with a TCP (20-byte header + 12 bytes of options)
 * or UDP header and @payload bytes of pattern; its transport checksum left
 * partial as a TUN device hands it over: the pseudo-header's sum */
static guint8 *
make_packet (guint version, guint8 proto, gsize payload, gsize *len, WstunVnetHdr *hdr)
{
  gsize l3 = version == 4 ? 20 : 40;
  gsize l4 = proto == 6 ? 32 : 8;
  guint8 *p;

  *len = l3 + l4 + payload;
  p = g_malloc0 (*len);
  if (version == 4) {
    p[0] = 0x45;
    wr16 (p + 2, (guint16) *len);
    wr16 (p + 4, 0x1234);
    p[6] = 0x40; /* DF */
    p[8] = 64;
    p[9] = proto;
    memcpy (p + 12, (guint8[]){ 10, 99, 0, 2, 10, 99, 0, 3 }, 8);
    wr16 (p + 10, (guint16) ~ref_fold (ref_sum (0, p, 20)));
  } else {
    p[0] = 0x60;
    wr16 (p + 4, (guint16) (*len - 40));
    p[6] = proto;
    p[7] = 64;
    p[8] = 0xfd;
    p[23] = 2;
    p[24] = 0xfd;
    p[39] = 3;
  }
  wr16 (p + l3, 40000);
  wr16 (p + l3 + 2, 5201);
  if (proto == 6) {
    wr16 (p + l3 + 4, 0xfffe); /* sequence number near the wrap */
    wr16 (p + l3 + 6, 0xff00);
    p[l3 + 12] = (32 / 4) << 4;
    p[l3 + 13] = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
    wr16 (p + l3 + 14, 512);
    p[l3 + 20] = 1; /* NOP options */
  } else
    wr16 (p + l3 + 4, (guint16) (*len - l3));
  for (gsize i = 0; i < payload; i++)
    p[l3 + l4 + i] = (guint8) (i * 7 + 3);

  memset (hdr, 0, sizeof *hdr);
  hdr->flags = WSTUN_VNET_F_NEEDS_CSUM;
  hdr->csum_start = (guint16) l3;
  hdr->csum_offset = proto == 6 ? 16 : 6;
  wr16 (p + l3 + hdr->csum_offset, ref_fold (ref_pseudo (p, *len)));
  return p;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_csum_rfc1071 (void)
{
  /* RFC 1071 section 3's example: the sum is ddf2, the checksum 220d */
  const guint8 data[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

  g_assert_cmphex (wstun_vnet_csum_fold (wstun_vnet_csum_add (0, data, sizeof data)), ==, 0x220d);
  /* odd lengths pad with a zero byte; any split on an even boundary adds up */
  for (gsize n = 0; n <= sizeof data; n++)
    g_assert_cmphex (ref_fold (wstun_vnet_csum_add (0, data, n)), ==,
                     ref_fold (ref_sum (0, data, n)));
  g_assert_cmphex (
    wstun_vnet_csum_fold (wstun_vnet_csum_add (wstun_vnet_csum_add (0, data, 2), data + 2, 6)), ==,
    0x220d);
}

static void
test_hdr_roundtrip (void)
{
  const guint8 wire[WSTUN_VNET_HDR_LEN] = { 0x01, 0x04, 0x42, 0x00, 0xa0,
                                            0x05, 0x28, 0x00, 0x10, 0x00 };
  guint8 out[WSTUN_VNET_HDR_LEN];
  WstunVnetHdr h;

  wstun_vnet_hdr_read (wire, &h);
  g_assert_cmpuint (h.flags, ==, WSTUN_VNET_F_NEEDS_CSUM);
  g_assert_cmpuint (h.gso_type, ==, WSTUN_VNET_GSO_TCPV6);
  g_assert_cmpuint (h.hdr_len, ==, 66);
  g_assert_cmpuint (h.gso_size, ==, 1440);
  g_assert_cmpuint (h.csum_start, ==, 40);
  g_assert_cmpuint (h.csum_offset, ==, 16);
  wstun_vnet_hdr_write (&h, out);
  g_assert_cmpmem (out, sizeof out, wire, sizeof wire);
}

static void
test_finish_csum (void)
{
  static const struct {
    guint version;
    guint8 proto;
    gsize payload;
  } cases[] = { { 4, 6, 1000 }, { 4, 6, 999 }, { 6, 6, 60000 }, { 4, 17, 0 }, { 6, 17, 1401 } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    WstunVnetHdr h;
    gsize len;
    g_autofree guint8 *p =
      make_packet (cases[i].version, cases[i].proto, cases[i].payload, &len, &h);
    const char *reason = NULL;

    g_assert_true (wstun_vnet_check (&h, p, len, NULL, &reason));
    g_assert_null (reason);
    g_assert_false (transport_valid (p, len));
    wstun_vnet_finish_csum (&h, p, len);
    g_assert_true (transport_valid (p, len));
    g_assert_cmpuint (h.flags & WSTUN_VNET_F_NEEDS_CSUM, ==, 0);
  }
}

typedef struct {
  GByteArray *payload; /* all segments' payloads, in order */
  guint n;
  guint version;
  guint8 proto;
  gsize mss;
  gsize total; /* the super-packet's payload */
  guint8 orig_flags;
} Segments;

static void
on_segment (const guint8 *seg, gsize len, gpointer user_data)
{
  Segments *s = user_data;
  gsize l3 = l3_len (seg);
  gsize l4 = s->proto == 6 ? (gsize) (seg[l3 + 12] >> 4) * 4 : 8;
  gsize chunk = len - l3 - l4;
  gboolean last = s->payload->len + chunk == s->total;

  g_assert_cmpuint (seg[0] >> 4, ==, s->version);
  g_assert_cmpuint (chunk, <=, s->mss);
  if (!last)
    g_assert_cmpuint (chunk, ==, s->mss);
  if (s->version == 4) {
    g_assert_cmpuint (rd16 (seg + 2), ==, len);
    g_assert_cmpuint (rd16 (seg + 4), ==, 0x1234 + s->n);
    g_assert_true (ip4_header_valid (seg));
  } else
    g_assert_cmpuint (rd16 (seg + 4), ==, len - 40);
  if (s->proto == 6) {
    guint32 seq = ((guint32) rd16 (seg + l3 + 4) << 16) | rd16 (seg + l3 + 6);
    guint8 f = seg[l3 + 13];

    /* the sequence number wraps past 2^32 within the super-packet */
    g_assert_cmpuint (seq, ==, (guint32) (0xfffeff00u + s->payload->len));
    g_assert_cmpuint (!!(f & 0x01), ==, last && (s->orig_flags & 0x01));
    g_assert_cmpuint (!!(f & 0x08), ==, last && (s->orig_flags & 0x08));
    g_assert_cmpuint (!!(f & 0x80), ==, s->n == 0 && (s->orig_flags & 0x80));
    g_assert_true (f & 0x10);
  } else
    g_assert_cmpuint (rd16 (seg + l3 + 4), ==, len - l3);
  g_assert_true (transport_valid (seg, len));
  g_byte_array_append (s->payload, seg + l3 + l4, chunk);
  s->n++;
}

static void
test_segment (void)
{
  static const struct {
    guint version;
    guint8 proto;
    guint8 gso_type;
    gsize payload, mss;
    guint n;
  } cases[] = {
    { 4, 6, WSTUN_VNET_GSO_TCPV4, 3000, 1000, 3 },
    { 4, 6, WSTUN_VNET_GSO_TCPV4 | WSTUN_VNET_GSO_ECN, 2999, 1000, 3 },
    { 6, 6, WSTUN_VNET_GSO_TCPV6, 64000, 1428, 45 },
    { 4, 17, WSTUN_VNET_GSO_UDP_L4, 2500, 1000, 3 },
    { 6, 17, WSTUN_VNET_GSO_UDP_L4, 1000, 1000, 1 },
    { 4, 6, WSTUN_VNET_GSO_TCPV4, 100, 1448, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    WstunVnetHdr h;
    gsize len;
    g_autofree guint8 *p =
      make_packet (cases[i].version, cases[i].proto, cases[i].payload, &len, &h);
    g_autoptr (GByteArray) payload = g_byte_array_new ();
    gsize l4 = cases[i].proto == 6 ? 32 : 8;
    gsize l3 = cases[i].version == 4 ? 20 : 40;
    Segments s = {
      payload, 0, cases[i].version, cases[i].proto, cases[i].mss, cases[i].payload, 0
    };
    g_autofree guint8 *before = g_memdup2 (p, len);

    h.gso_type = cases[i].gso_type;
    h.gso_size = (guint16) cases[i].mss;
    s.orig_flags = cases[i].proto == 6 ? p[l3 + 13] : 0;
    g_assert_true (wstun_vnet_check (&h, p, len, NULL, NULL));
    g_assert_cmpuint (wstun_vnet_segment (&h, p, len, on_segment, &s), ==, cases[i].n);
    g_assert_cmpuint (s.n, ==, cases[i].n);
    g_assert_cmpmem (payload->data, payload->len, p + l3 + l4, cases[i].payload);
    /* the super-packet itself is left as it was */
    g_assert_cmpmem (p, len, before, len);
  }
}

static void
on_whole (const guint8 *seg, gsize len, gpointer user_data)
{
  guint *n = user_data;

  g_assert_true (transport_valid (seg, len));
  (*n)++;
}

/* Without GSO, segmenting emits the packet whole with its checksum done */
static void
test_segment_none (void)
{
  WstunVnetHdr h;
  gsize len;
  g_autofree guint8 *p = make_packet (6, 17, 333, &len, &h);
  guint n = 0;

  g_assert_cmpuint (wstun_vnet_segment (&h, p, len, on_whole, &n), ==, 1);
  g_assert_cmpuint (n, ==, 1);
}

/* Every hostile value is refused with its reason, none read out of bounds
 * (the packets are exact-size allocations: ASan would see it) */
static void
test_hostile (void)
{
  WstunVnetHdr good, h;
  gsize len;
  g_autofree guint8 *p = make_packet (4, 6, 3000, &len, &good);
  g_autofree guint8 *p6 = NULL;
  g_autofree guint8 *u = NULL;
  gsize len6, ulen;
  WstunVnetHdr good6, goodu;
  const char *reason;

#define REFUSED(hdr, pkt, n, why)                                                                  \
  G_STMT_START                                                                                     \
  {                                                                                                \
    reason = NULL;                                                                                 \
    g_assert_false (wstun_vnet_check (&(hdr), (pkt), (n), NULL, &reason));                         \
    g_assert_cmpstr (reason, ==, (why));                                                           \
  }                                                                                                \
  G_STMT_END

  good.gso_type = WSTUN_VNET_GSO_TCPV4;
  good.gso_size = 1000;
  g_assert_true (wstun_vnet_check (&good, p, len, NULL, NULL));

  h = good, h.flags |= 0x04;
  REFUSED (h, p, len, "flags");
  h = good, h.gso_type = 3; /* UFO: gone from Linux */
  REFUSED (h, p, len, "gso-type");
  h = good, h.gso_type = 0x7f;
  REFUSED (h, p, len, "gso-type");
  h = good, h.gso_size = 0;
  REFUSED (h, p, len, "gso-size");
  h = good, h.gso_size = 1; /* 3000 segments */
  REFUSED (h, p, len, "gso-segments");
  h = good, h.gso_size = 23; /* 131 segments */
  REFUSED (h, p, len, "gso-segments");
  h = good, h.gso_size = 24; /* 125: allowed */
  g_assert_true (wstun_vnet_check (&h, p, len, NULL, NULL));
  h = good, h.gso_type = WSTUN_VNET_GSO_NONE; /* gso_size without GSO */
  REFUSED (h, p, len, "gso-size");
  h = good, h.flags = 0; /* a super-packet with its checksum done */
  REFUSED (h, p, len, "gso-csum");
  h = good, h.csum_start = 0;
  REFUSED (h, p, len, "csum-range");
  h = good, h.csum_start = 0xffff;
  REFUSED (h, p, len, "csum-range");
  h = good, h.csum_offset = 6; /* UDP's, on TCP */
  REFUSED (h, p, len, "csum-range");
  h = good, h.csum_offset = 0xfff0;
  REFUSED (h, p, len, "csum-range");
  h = good, h.gso_type = WSTUN_VNET_GSO_TCPV6; /* on IPv4 */
  REFUSED (h, p, len, "gso-type");
  h = good, h.gso_type = WSTUN_VNET_GSO_UDP_L4; /* on TCP */
  REFUSED (h, p, len, "gso-type");

  /* headers that do not fit the packet */
  REFUSED (good, p, 19, "truncated");
  REFUSED (good, p, 39, "truncated");
  p[0] = 0x4f; /* IHL 60 */
  REFUSED (good, p, 59, "ip-header");
  p[0] = 0x45;
  p[32] = 0xf0; /* TCP data offset 60 */
  REFUSED (good, p, 79, "tcp-header");
  p[32] = 0x40; /* 16: below the minimum */
  REFUSED (good, p, len, "tcp-header");
  p[32] = 0x80;
  p[6] = 0x20; /* more fragments */
  REFUSED (good, p, len, "fragment");
  p[6] = 0x40;
  p[9] = 1; /* ICMP */
  REFUSED (good, p, len, "not-tcp-udp");
  p[9] = 6;
  p[0] = 0x55;
  REFUSED (good, p, len, "ip-version");
  p[0] = 0x45;
  g_assert_true (wstun_vnet_check (&good, p, len, NULL, NULL));

  p6 = make_packet (6, 6, 100, &len6, &good6);
  good6.gso_type = WSTUN_VNET_GSO_TCPV4; /* on IPv6 */
  good6.gso_size = 50;
  REFUSED (good6, p6, len6, "gso-type");
  good6.gso_type = WSTUN_VNET_GSO_TCPV6;
  g_assert_true (wstun_vnet_check (&good6, p6, len6, NULL, NULL));
  p6[6] = 0; /* a hop-by-hop header: not followed */
  REFUSED (good6, p6, len6, "not-tcp-udp");

  u = make_packet (4, 17, 100, &ulen, &goodu);
  h = goodu, h.gso_type = WSTUN_VNET_GSO_UDP_L4 | WSTUN_VNET_GSO_ECN;
  h.gso_size = 10;
  REFUSED (h, u, ulen, "gso-type");
  h = goodu, h.csum_offset = 16;
  REFUSED (h, u, ulen, "csum-range");
  REFUSED (goodu, u, 27, "truncated");

  /* no offload asked: anything passes, untouched (the relay's own checks
   * see the packet as before) */
  memset (&h, 0, sizeof h);
  g_assert_true (wstun_vnet_check (&h, (const guint8 *) "x", 1, NULL, NULL));
  h.flags = WSTUN_VNET_F_DATA_VALID;
  g_assert_true (wstun_vnet_check (&h, p, len, NULL, NULL));
#undef REFUSED
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vnet/csum/rfc1071", test_csum_rfc1071);
  g_test_add_func ("/vnet/hdr/roundtrip", test_hdr_roundtrip);
  g_test_add_func ("/vnet/finish-csum", test_finish_csum);
  g_test_add_func ("/vnet/segment", test_segment);
  g_test_add_func ("/vnet/segment/none", test_segment_none);
  g_test_add_func ("/vnet/hostile", test_hostile);
  return g_test_run ();
}
