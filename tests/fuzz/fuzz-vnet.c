/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-vnet.c: libFuzzer harness for the virtio-net header
 *
 * The input is a 10-byte virtio-net header followed by a packet. Whatever
 * wstun_vnet_check() accepts must be safe to complete and to segment: no
 * byte outside the packet read or written (an exact-size copy: ASan sees
 * it), every segment a whole IP packet of the same version no longer than
 * the super-packet's headers plus gso_size, with a valid IPv4 header
 * checksum, the segments' payloads adding up to the super-packet's. What
 * it refuses must carry a reason.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "wstun-packet.h"
#include "wstun-vnet.h"

typedef struct {
  const WstunVnetHdr *hdr;
  const WstunVnetLayout *layout;
  guint version;
  gsize payload; /* sum of the segments' payloads */
  guint n;
} Run;

static void
on_segment (const guint8 *seg, gsize len, gpointer user_data)
{
  Run *r = user_data;
  WstunPacketInfo info;
  gsize headers = r->layout->l3_len + r->layout->l4_len;

  g_assert_cmpuint (len, >=, 1);
  g_assert_cmpuint (seg[0] >> 4, ==, r->version);
  g_assert_cmpuint (wstun_packet_parse (seg, len, &info), ==, WSTUN_PACKET_OK);
  g_assert_cmpuint (info.length, ==, len);
  if ((r->hdr->gso_type & ~WSTUN_VNET_GSO_ECN) != WSTUN_VNET_GSO_NONE) {
    g_assert_cmpuint (len, >=, headers);
    g_assert_cmpuint (len - headers, <=, r->hdr->gso_size);
    r->payload += len - headers;
    if (r->version == 4) {
      guint32 sum = wstun_vnet_csum_add (0, seg, r->layout->l3_len);

      g_assert_cmphex (wstun_vnet_csum_fold (sum), ==, 0);
    }
  }
  r->n++;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree guint8 *pkt = NULL;
  WstunVnetHdr hdr;
  WstunVnetLayout layout;
  WstunPacketInfo info;
  const char *reason = NULL;
  gsize len;
  Run run = { 0 };

  fuzz_init ();
  if (size < WSTUN_VNET_HDR_LEN)
    return 0;
  wstun_vnet_hdr_read (data, &hdr);
  len = size - WSTUN_VNET_HDR_LEN;
  pkt = g_memdup2 (data + WSTUN_VNET_HDR_LEN, len);
  /* what a TUN device or a frame hands over is one whole packet */
  if (wstun_packet_parse (pkt, len, &info) != WSTUN_PACKET_OK || info.length != len)
    return 0;
  if (!wstun_vnet_check (&hdr, pkt, len, &layout, &reason)) {
    g_assert_nonnull (reason);
    return 0;
  }
  g_assert_null (reason);

  run.hdr = &hdr;
  run.layout = &layout;
  run.version = pkt[0] >> 4;
  g_assert_cmpuint (wstun_vnet_segment (&hdr, pkt, len, on_segment, &run), ==, run.n);
  g_assert_cmpuint (run.n, >=, 1);
  g_assert_cmpuint (run.n, <=, WSTUN_VNET_MAX_SEGMENTS);
  if ((hdr.gso_type & ~WSTUN_VNET_GSO_ECN) != WSTUN_VNET_GSO_NONE)
    g_assert_cmpuint (run.payload, ==, len - layout.l3_len - layout.l4_len);

  if (hdr.flags & WSTUN_VNET_F_NEEDS_CSUM) {
    wstun_vnet_finish_csum (&hdr, pkt, len);
    g_assert_cmpuint (hdr.flags & WSTUN_VNET_F_NEEDS_CSUM, ==, 0);
  }
  return 0;
}
