/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-frame.c: libFuzzer harness for binary data frames
 *
 * The input is one binary message payload. Checks that
 * wstun_frame_validate() and the frame iterator agree with each other and
 * with the protocol (PROTOCOL.md section 4): every packet lies within the
 * frame and has the length its own header gives, a valid frame is exactly
 * its packets back to back, the iterator stops exactly where validation
 * found a bad packet, and the packet limit is enforced. A valid frame is
 * also rebuilt with WstunBatch, which must give the same bytes.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "wstun-frame.h"

/* Recomputes, from the header, what wstun_packet_parse() reported. */
static void
check_packet (const guint8 *p, gsize avail, const WstunPacketInfo *info)
{
  g_assert_cmpuint (info->length, >=, 1);
  g_assert_cmpuint (info->length, <=, avail);
  g_assert_cmpuint (info->version, ==, p[0] >> 4);
  if (info->version == 4) {
    g_assert_cmpuint (info->length, >=, WSTUN_IPV4_MIN_HEADER);
    g_assert_cmpuint (info->length, ==, ((gsize) p[2] << 8) | p[3]);
    g_assert_cmpuint ((gsize) (p[0] & 0x0f) * 4, >=, WSTUN_IPV4_MIN_HEADER);
    g_assert_cmpuint ((gsize) (p[0] & 0x0f) * 4, <=, info->length);
    g_assert_cmpuint (info->src.family, ==, AF_INET);
    g_assert_cmpuint (info->dst.family, ==, AF_INET);
    g_assert_cmpmem (info->src.bytes, 4, p + 12, 4);
    g_assert_cmpmem (info->dst.bytes, 4, p + 16, 4);
  } else {
    g_assert_cmpuint (info->version, ==, 6);
    g_assert_cmpuint (info->length, ==, WSTUN_IPV6_HEADER + (((gsize) p[4] << 8) | p[5]));
    g_assert_false (info->length == WSTUN_IPV6_HEADER && p[6] == 0); /* no jumbograms */
    g_assert_cmpuint (info->src.family, ==, AF_INET6);
    g_assert_cmpuint (info->dst.family, ==, AF_INET6);
    g_assert_cmpmem (info->src.bytes, 16, p + 8, 16);
    g_assert_cmpmem (info->dst.bytes, 16, p + 24, 16);
  }
  g_assert_cmpuint (info->length, <=, WSTUN_PACKET_MAX);
}

/* Rebuilds a valid frame packet by packet, as a sender batches them. */
static void
check_batch (guint8 *frame, gsize len, guint n_packets)
{
  static WstunBatch *batch = NULL; /* 256 KiB: allocated once, reused */
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *packet;

  if (batch == NULL)
    batch = wstun_batch_new ();
  wstun_batch_reset (batch);
  wstun_frame_iter_init (&iter, frame, len);
  while (wstun_frame_iter_next (&iter, &packet, &info))
    g_assert_true (wstun_batch_append (batch, packet, info.length));
  g_assert_cmpuint (batch->len, ==, len);
  g_assert_cmpuint (batch->packets, ==, n_packets);
  g_assert_cmpuint (wstun_batch_room (batch), ==, WSTUN_FRAME_MAX - len);
  g_assert_cmpmem (wstun_batch_payload (batch), batch->len, frame, len);
  g_assert_true (wstun_batch_full (batch, wstun_batch_room (batch) + 1));
}

/* The same frame on a connection that negotiated offload records
 * (PROTOCOL.md 4.2): a frame valid without records is valid with them
 * allowed; a valid one iterates to its end, each record whole and right
 * before its packet, each record and packet one of the packets counted. */
static void
check_offload (guint8 *frame, gsize size, WstunFrameStatus plain)
{
  guint n = G_MAXUINT, count = 0;
  WstunFrameStatus status;
  WstunFrameIter iter;
  WstunPacketInfo info;
  WstunVnetHdr vnet;
  guint8 *packet;

  status =
    wstun_frame_validate_offload (frame, size, WSTUN_FRAME_MAX_PACKETS, TRUE, &n, NULL, NULL);
  if (plain == WSTUN_FRAME_OK)
    g_assert_cmpint (status, ==, WSTUN_FRAME_OK);
  if (status != WSTUN_FRAME_OK)
    return;
  wstun_frame_iter_init (&iter, frame, size);
  while (wstun_frame_iter_next_offload (&iter, &packet, &info, &vnet)) {
    gboolean record = packet >= frame + WSTUN_FRAME_RECORD_LEN &&
                      packet[-WSTUN_FRAME_RECORD_LEN] == 0 &&
                      packet[-WSTUN_FRAME_RECORD_LEN + 1] == WSTUN_FRAME_RECORD_OFFLOAD &&
                      iter.offset - info.length - WSTUN_FRAME_RECORD_LEN ==
                        (gsize) (packet - WSTUN_FRAME_RECORD_LEN - frame);

    g_assert_cmpuint (packet[0] >> 4, !=, 0);
    g_assert_cmpuint ((gsize) (packet - frame) + info.length, ==, iter.offset);
    if (!record)
      g_assert_cmpuint (vnet.flags | vnet.gso_type | vnet.gso_size | vnet.csum_start, ==, 0);
    count++;
  }
  g_assert_cmpuint (iter.offset, ==, size);
  g_assert_cmpuint (count, ==, n);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* an exact-size copy: the iterator wants writable packets, and ASan then
   * catches any read past the end */
  g_autofree guint8 *frame = g_memdup2 (data, size);
  WstunPacketStatus bad_packet = WSTUN_PACKET_OK;
  gsize bad_offset = G_MAXSIZE, offset = 0;
  guint n_packets = G_MAXUINT, count = 0;
  WstunFrameStatus status;
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *packet;

  fuzz_init ();
  status = wstun_frame_validate (frame, size, WSTUN_FRAME_MAX_PACKETS, &n_packets, &bad_packet,
                                 &bad_offset);
  g_assert_nonnull (wstun_frame_status_to_string (status));
  /* the out parameters are optional */
  g_assert_cmpint (wstun_frame_validate (frame, size, WSTUN_FRAME_MAX_PACKETS, NULL, NULL, NULL),
                   ==, status);

  wstun_frame_iter_init (&iter, frame, size);
  while (wstun_frame_iter_next (&iter, &packet, &info)) {
    g_assert_true (packet == frame + offset);
    check_packet (packet, size - offset, &info);
    offset += info.length;
    count++;
    g_assert_cmpuint (iter.offset, ==, offset);
    g_assert_cmpuint (offset, <=, size);
  }
  /* the iterator stops at the end of the frame or at a bad packet */
  if (offset < size) {
    WstunPacketStatus s = wstun_packet_parse (frame + offset, size - offset, &info);

    g_assert_cmpint (s, !=, WSTUN_PACKET_OK);
    g_assert_nonnull (wstun_packet_status_to_string (s));
  }
  g_assert_false (wstun_frame_iter_next (&iter, &packet, &info));

  switch (status) {
  case WSTUN_FRAME_OK:
    g_assert_cmpuint (size, >, 0);
    g_assert_cmpuint (size, <=, WSTUN_FRAME_MAX);
    g_assert_cmpuint (offset, ==, size); /* nothing before, between or after */
    g_assert_cmpuint (n_packets, ==, count);
    g_assert_cmpuint (n_packets, >=, 1);
    g_assert_cmpuint (n_packets, <=, WSTUN_FRAME_MAX_PACKETS);
    /* the packet limit, exactly at and just below the count */
    g_assert_cmpint (wstun_frame_validate (frame, size, count, NULL, NULL, NULL), ==,
                     WSTUN_FRAME_OK);
    g_assert_cmpint (wstun_frame_validate (frame, size, count - 1, &n_packets, NULL, NULL), ==,
                     WSTUN_FRAME_TOO_MANY_PACKETS);
    g_assert_cmpuint (n_packets, ==, 0);
    check_batch (frame, size, count);
    break;
  case WSTUN_FRAME_EMPTY:
    g_assert_cmpuint (size, ==, 0);
    g_assert_cmpuint (n_packets, ==, 0);
    break;
  case WSTUN_FRAME_TOO_BIG:
    g_assert_cmpuint (size, >, WSTUN_FRAME_MAX);
    g_assert_cmpuint (n_packets, ==, 0);
    break;
  case WSTUN_FRAME_TOO_MANY_PACKETS:
    g_assert_cmpuint (count, >, WSTUN_FRAME_MAX_PACKETS);
    g_assert_cmpuint (n_packets, ==, 0);
    break;
  case WSTUN_FRAME_BAD_PACKET:
    g_assert_cmpuint (n_packets, ==, 0);
    g_assert_cmpuint (bad_offset, ==, offset);
    g_assert_cmpuint (bad_offset, <, size);
    g_assert_cmpint (bad_packet, !=, WSTUN_PACKET_OK);
    g_assert_cmpint (bad_packet, ==, wstun_packet_parse (frame + offset, size - offset, &info));
    g_assert_cmpuint (count, <=, WSTUN_FRAME_MAX_PACKETS);
    break;
  default:
    g_assert_not_reached ();
  }

  check_offload (frame, size, status);
  /* parsing never writes to the frame */
  g_assert_cmpmem (frame, size, data, size);
  return 0;
}
