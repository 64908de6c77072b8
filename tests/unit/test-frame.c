/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: IP packet delimiting and binary data frames */
#include "config.h"

#include <string.h>

#include "wstun-frame.h"
#include "wstun-packet.h"

/* Builds an IPv4 packet of @len bytes from 10.99.0.@src to 10.99.0.@dst. */
static GByteArray *
ipv4 (gsize len, guint8 src, guint8 dst)
{
  GByteArray *p = g_byte_array_sized_new (len);

  g_byte_array_set_size (p, len);
  memset (p->data, 0xab, len);
  p->data[0] = 0x45;
  p->data[2] = len >> 8;
  p->data[3] = len & 0xff;
  p->data[12] = 10, p->data[13] = 99, p->data[14] = 0, p->data[15] = src;
  p->data[16] = 10, p->data[17] = 99, p->data[18] = 0, p->data[19] = dst;
  return p;
}

static GByteArray *
ipv6 (gsize payload, guint8 src, guint8 dst)
{
  GByteArray *p = g_byte_array_sized_new (40 + payload);

  g_byte_array_set_size (p, 40 + payload);
  memset (p->data, 0, 40 + payload);
  p->data[0] = 0x60;
  p->data[4] = payload >> 8;
  p->data[5] = payload & 0xff;
  p->data[6] = 59; /* no next header */
  p->data[8] = 0xfd, p->data[9] = 0x00, p->data[10] = 0x00, p->data[11] = 0x99;
  p->data[23] = src;
  p->data[24] = 0xfd, p->data[25] = 0x00, p->data[26] = 0x00, p->data[27] = 0x99;
  p->data[39] = dst;
  return p;
}

static void
test_packet_ipv4 (void)
{
  g_autoptr (GByteArray) p = ipv4 (84, 2, 3);
  WstunPacketInfo info;
  char buf[WSTUN_ADDR_STRLEN];

  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_OK);
  g_assert_cmpuint (info.version, ==, 4);
  g_assert_cmpuint (info.length, ==, 84);
  g_assert_cmpstr (wstun_addr_to_string (&info.src, buf), ==, "10.99.0.2");
  g_assert_cmpstr (wstun_addr_to_string (&info.dst, buf), ==, "10.99.0.3");
  g_assert_cmpuint (info.protocol, ==, 0xab);
  p->data[9] = WSTUN_IPPROTO_TCP;
  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_OK);
  g_assert_cmpuint (info.protocol, ==, WSTUN_IPPROTO_TCP);
  /* trailing bytes are not part of the packet */
  g_assert_cmpint (wstun_packet_parse (p->data, p->len + 0, &info), ==, WSTUN_PACKET_OK);
}

static void
test_packet_ipv6 (void)
{
  g_autoptr (GByteArray) p = ipv6 (24, 2, 3);
  WstunPacketInfo info;
  char buf[WSTUN_ADDR_STRLEN];

  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_OK);
  g_assert_cmpuint (info.version, ==, 6);
  g_assert_cmpuint (info.length, ==, 64);
  g_assert_cmpstr (wstun_addr_to_string (&info.src, buf), ==, "fd00:99::2");
  g_assert_cmpstr (wstun_addr_to_string (&info.dst, buf), ==, "fd00:99::3");
  g_assert_cmpuint (info.protocol, ==, 59);
}

static void
test_packet_truncated (void)
{
  g_autoptr (GByteArray) p4 = ipv4 (100, 2, 3);
  g_autoptr (GByteArray) p6 = ipv6 (60, 2, 3);
  WstunPacketInfo info;

  for (gsize n = 0; n < p4->len; n++)
    g_assert_cmpint (wstun_packet_parse (p4->data, n, &info), ==, WSTUN_PACKET_TRUNCATED);
  for (gsize n = 0; n < p6->len; n++)
    g_assert_cmpint (wstun_packet_parse (p6->data, n, &info), ==, WSTUN_PACKET_TRUNCATED);
}

static void
test_packet_bad_version (void)
{
  g_autoptr (GByteArray) p = ipv4 (40, 2, 3);
  WstunPacketInfo info;

  for (guint v = 0; v < 16; v++) {
    if (v == 4 || v == 6)
      continue;
    p->data[0] = (v << 4) | 5;
    g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_BAD_VERSION);
  }
}

static void
test_packet_lying_length (void)
{
  g_autoptr (GByteArray) p = ipv4 (60, 2, 3);
  g_autoptr (GByteArray) p6 = ipv6 (8, 2, 3);
  WstunPacketInfo info;

  /* total length shorter than the header */
  p->data[2] = 0, p->data[3] = 19;
  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_BAD_LENGTH);
  /* total length shorter than the IHL says the header is */
  p->data[0] = 0x4f; /* 60-byte header */
  p->data[2] = 0, p->data[3] = 40;
  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_BAD_LENGTH);
  /* IHL below the minimum */
  p->data[0] = 0x44;
  p->data[3] = 60;
  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_BAD_LENGTH);
  /* total length longer than what is there */
  p->data[0] = 0x45;
  p->data[2] = 0xff, p->data[3] = 0xff;
  g_assert_cmpint (wstun_packet_parse (p->data, p->len, &info), ==, WSTUN_PACKET_TRUNCATED);
  /* IPv6 jumbogram announcement */
  p6->data[4] = 0, p6->data[5] = 0, p6->data[6] = 0;
  g_assert_cmpint (wstun_packet_parse (p6->data, p6->len, &info), ==, WSTUN_PACKET_BAD_LENGTH);
  /* IPv6 payload length beyond the buffer */
  p6->data[4] = 0x10, p6->data[6] = 59;
  g_assert_cmpint (wstun_packet_parse (p6->data, p6->len, &info), ==, WSTUN_PACKET_TRUNCATED);
}

static GByteArray *
concat (GByteArray **packets, guint n)
{
  GByteArray *frame = g_byte_array_new ();

  for (guint i = 0; i < n; i++)
    g_byte_array_append (frame, packets[i]->data, packets[i]->len);
  return frame;
}

static void
test_frame_batched (void)
{
  GByteArray *packets[] = { ipv4 (84, 2, 3), ipv6 (100, 2, 3), ipv4 (20, 2, 4), ipv4 (1500, 3, 2) };
  g_autoptr (GByteArray) frame = concat (packets, G_N_ELEMENTS (packets));
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *packet;
  guint n = 0;

  g_assert_cmpint (wstun_frame_validate (frame->data, frame->len, 1024, &n, NULL, NULL), ==,
                   WSTUN_FRAME_OK);
  g_assert_cmpuint (n, ==, 4);
  wstun_frame_iter_init (&iter, frame->data, frame->len);
  for (guint i = 0; i < G_N_ELEMENTS (packets); i++) {
    g_assert_true (wstun_frame_iter_next (&iter, &packet, &info));
    g_assert_cmpuint (info.length, ==, packets[i]->len);
    g_assert_cmpmem (packet, info.length, packets[i]->data, packets[i]->len);
    g_byte_array_unref (packets[i]);
  }
  g_assert_false (wstun_frame_iter_next (&iter, &packet, &info));
}

static void
test_frame_truncated_tail (void)
{
  GByteArray *packets[] = { ipv4 (84, 2, 3), ipv4 (84, 2, 3) };
  g_autoptr (GByteArray) frame = concat (packets, 2);
  WstunPacketStatus why;
  gsize where;

  /* every cut inside the second packet leaves a frame that does not parse */
  for (gsize cut = 85; cut < frame->len; cut++) {
    g_assert_cmpint (wstun_frame_validate (frame->data, cut, 1024, NULL, &why, &where), ==,
                     WSTUN_FRAME_BAD_PACKET);
    g_assert_cmpint (why, ==, WSTUN_PACKET_TRUNCATED);
    g_assert_cmpuint (where, ==, 84);
  }
  g_byte_array_unref (packets[0]);
  g_byte_array_unref (packets[1]);
}

static void
test_frame_lying_inner_length (void)
{
  GByteArray *packets[] = { ipv4 (84, 2, 3), ipv4 (84, 2, 3) };
  g_autoptr (GByteArray) frame = concat (packets, 2);

  /* the first packet claims 4 bytes less: the rest is not a packet */
  frame->data[3] = 80;
  g_assert_cmpint (wstun_frame_validate (frame->data, frame->len, 1024, NULL, NULL, NULL), ==,
                   WSTUN_FRAME_BAD_PACKET);
  /* claims more than the frame holds */
  frame->data[2] = 0x01;
  g_assert_cmpint (wstun_frame_validate (frame->data, frame->len, 1024, NULL, NULL, NULL), ==,
                   WSTUN_FRAME_BAD_PACKET);
  g_byte_array_unref (packets[0]);
  g_byte_array_unref (packets[1]);
}

static void
test_frame_empty_and_big (void)
{
  g_autofree guint8 *big = g_malloc0 (WSTUN_FRAME_MAX + 1);

  g_assert_cmpint (wstun_frame_validate (big, 0, 1024, NULL, NULL, NULL), ==, WSTUN_FRAME_EMPTY);
  g_assert_cmpint (wstun_frame_validate (big, WSTUN_FRAME_MAX + 1, 1024, NULL, NULL, NULL), ==,
                   WSTUN_FRAME_TOO_BIG);
  /* zeros are not IP packets */
  g_assert_cmpint (wstun_frame_validate (big, 100, 1024, NULL, NULL, NULL), ==,
                   WSTUN_FRAME_BAD_PACKET);
}

static void
test_frame_too_many_packets (void)
{
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (GByteArray) small = ipv4 (20, 2, 3);
  guint n = 0;

  for (guint i = 0; i < 11; i++)
    g_byte_array_append (frame, small->data, small->len);
  g_assert_cmpint (wstun_frame_validate (frame->data, frame->len, 11, &n, NULL, NULL), ==,
                   WSTUN_FRAME_OK);
  g_assert_cmpuint (n, ==, 11);
  g_assert_cmpint (wstun_frame_validate (frame->data, frame->len, 10, NULL, NULL, NULL), ==,
                   WSTUN_FRAME_TOO_MANY_PACKETS);
}

static void
test_batch (void)
{
  g_autoptr (WstunBatch) batch = wstun_batch_new ();
  g_autoptr (GByteArray) p = ipv4 (65000, 2, 3);
  guint n = 0;

  while (wstun_batch_append (batch, p->data, p->len))
    n++;
  g_assert_cmpuint (n, ==, WSTUN_FRAME_MAX / 65000);
  g_assert_cmpuint (batch->packets, ==, n);
  g_assert_cmpint (
    wstun_frame_validate (wstun_batch_payload (batch), batch->len, 1024, NULL, NULL, NULL), ==,
    WSTUN_FRAME_OK);
  wstun_batch_reset (batch);
  g_assert_cmpuint (batch->len, ==, 0);
}

/* Offload records (PROTOCOL.md 4.2): accepted only where negotiated, each
 * whole and before a packet; the iterator hands them over with the packet
 * they describe; a batch writes them as it reads them. */
static void
test_frame_offload_records (void)
{
  g_autoptr (GByteArray) p1 = ipv4 (84, 2, 3);
  g_autoptr (GByteArray) p2 = ipv6 (100, 2, 3);
  g_autoptr (WstunBatch) batch = wstun_batch_new ();
  WstunVnetHdr vnet = { .flags = WSTUN_VNET_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16 };
  WstunVnetHdr got;
  WstunPacketStatus bad = WSTUN_PACKET_OK;
  gsize bad_offset = 0;
  guint n = 0;
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *packet;
  guint8 *frame;
  gsize len;

  g_assert_true (wstun_batch_append_offload (batch, &vnet, p1->data, p1->len));
  g_assert_true (wstun_batch_append (batch, p2->data, p2->len));
  frame = wstun_batch_payload (batch);
  len = batch->len;
  g_assert_cmpuint (len, ==, WSTUN_FRAME_RECORD_LEN + 84 + 140);
  g_assert_cmphex (frame[0], ==, 0);
  g_assert_cmphex (frame[1], ==, WSTUN_FRAME_RECORD_OFFLOAD);

  g_assert_cmpint (
    wstun_frame_validate_offload (frame, len, WSTUN_FRAME_MAX_PACKETS, TRUE, &n, NULL, NULL), ==,
    WSTUN_FRAME_OK);
  g_assert_cmpuint (n, ==, 2);
  /* not negotiated: the record is no IP packet */
  g_assert_cmpint (
    wstun_frame_validate (frame, len, WSTUN_FRAME_MAX_PACKETS, NULL, &bad, &bad_offset), ==,
    WSTUN_FRAME_BAD_PACKET);
  g_assert_cmpint (bad, ==, WSTUN_PACKET_BAD_VERSION);
  g_assert_cmpuint (bad_offset, ==, 0);

  wstun_frame_iter_init (&iter, frame, len);
  g_assert_true (wstun_frame_iter_next_offload (&iter, &packet, &info, &got));
  g_assert_cmpmem (packet, info.length, p1->data, p1->len);
  g_assert_cmpmem (&got, sizeof got, &vnet, sizeof vnet);
  g_assert_true (wstun_frame_iter_next_offload (&iter, &packet, &info, &got));
  g_assert_cmpmem (packet, info.length, p2->data, p2->len);
  g_assert_cmpuint (got.flags | got.csum_start | got.csum_offset, ==, 0);
  g_assert_false (wstun_frame_iter_next_offload (&iter, &packet, &info, &got));

  /* a record with nothing after it */
  g_assert_cmpint (wstun_frame_validate_offload (frame, WSTUN_FRAME_RECORD_LEN,
                                                 WSTUN_FRAME_MAX_PACKETS, TRUE, NULL, &bad,
                                                 &bad_offset),
                   ==, WSTUN_FRAME_BAD_PACKET);
  g_assert_cmpint (bad, ==, WSTUN_PACKET_TRUNCATED);
  /* cut inside the record */
  g_assert_cmpint (
    wstun_frame_validate_offload (frame, 5, WSTUN_FRAME_MAX_PACKETS, TRUE, NULL, &bad, NULL), ==,
    WSTUN_FRAME_BAD_PACKET);
  g_assert_cmpint (bad, ==, WSTUN_PACKET_TRUNCATED);
  /* a record after a record */
  {
    g_autoptr (GByteArray) twice = g_byte_array_new ();

    g_byte_array_append (twice, frame, WSTUN_FRAME_RECORD_LEN);
    g_byte_array_append (twice, frame, len);
    g_assert_cmpint (wstun_frame_validate_offload (twice->data, twice->len, WSTUN_FRAME_MAX_PACKETS,
                                                   TRUE, NULL, &bad, &bad_offset),
                     ==, WSTUN_FRAME_BAD_PACKET);
    g_assert_cmpint (bad, ==, WSTUN_PACKET_BAD_VERSION);
    g_assert_cmpuint (bad_offset, ==, WSTUN_FRAME_RECORD_LEN);
  }
  /* an unknown kind of record, and a first byte 0x0N that is no record */
  frame[1] = 0x02;
  g_assert_cmpint (
    wstun_frame_validate_offload (frame, len, WSTUN_FRAME_MAX_PACKETS, TRUE, NULL, &bad, NULL), ==,
    WSTUN_FRAME_BAD_PACKET);
  g_assert_cmpint (bad, ==, WSTUN_PACKET_BAD_VERSION);
  frame[1] = WSTUN_FRAME_RECORD_OFFLOAD;
  frame[0] = 0x01;
  g_assert_cmpint (
    wstun_frame_validate_offload (frame, len, WSTUN_FRAME_MAX_PACKETS, TRUE, NULL, &bad, NULL), ==,
    WSTUN_FRAME_BAD_PACKET);
  frame[0] = 0;
  /* a record and its packet count as one packet */
  g_assert_cmpint (wstun_frame_validate_offload (frame, len, 1, TRUE, NULL, NULL, NULL), ==,
                   WSTUN_FRAME_TOO_MANY_PACKETS);
  /* and take their bytes of the frame's room */
  wstun_batch_reset (batch);
  g_assert_false (wstun_batch_append_offload (batch, &vnet, p1->data,
                                              WSTUN_FRAME_MAX - WSTUN_FRAME_RECORD_LEN + 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/packet/ipv4", test_packet_ipv4);
  g_test_add_func ("/packet/ipv6", test_packet_ipv6);
  g_test_add_func ("/packet/truncated", test_packet_truncated);
  g_test_add_func ("/packet/bad-version", test_packet_bad_version);
  g_test_add_func ("/packet/lying-length", test_packet_lying_length);
  g_test_add_func ("/frame/batched", test_frame_batched);
  g_test_add_func ("/frame/truncated-tail", test_frame_truncated_tail);
  g_test_add_func ("/frame/lying-inner-length", test_frame_lying_inner_length);
  g_test_add_func ("/frame/empty-and-oversized", test_frame_empty_and_big);
  g_test_add_func ("/frame/too-many-packets", test_frame_too_many_packets);
  g_test_add_func ("/frame/batch", test_batch);
  g_test_add_func ("/frame/offload-records", test_frame_offload_records);
  return g_test_run ();
}
