/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-vnet.h: the virtio-net header of a TUN device with IFF_VNET_HDR
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD the kernel hands over packets whose
 * transport checksum is not computed yet (VIRTIO_NET_HDR_F_NEEDS_CSUM:
 * csum_start/csum_offset say where) and TCP/UDP super-packets it has not
 * segmented (gso_type/gso_size), and takes packets marked as already
 * verified (VIRTIO_NET_HDR_F_DATA_VALID). Everything here treats the
 * header and the packet as hostile: they may come from the network (a
 * peer that announced the capability), so every offset is checked against
 * the packet before a byte is touched, and what cannot be done safely is
 * refused with a reason for a counted drop.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* struct virtio_net_hdr, without num_buffers; little endian (the TUN
 * device's default on little-endian machines, and the wire's) */
#define WSTUN_VNET_HDR_LEN 10

#define WSTUN_VNET_F_NEEDS_CSUM 0x01
#define WSTUN_VNET_F_DATA_VALID 0x02

#define WSTUN_VNET_GSO_NONE   0
#define WSTUN_VNET_GSO_TCPV4  1
#define WSTUN_VNET_GSO_TCPV6  4
#define WSTUN_VNET_GSO_UDP_L4 5
#define WSTUN_VNET_GSO_ECN    0x80

/* Segments one super-packet may become at most (the kernel's own GSO
 * limit is 64 KB of payload; gso_size 1 would be 65,000 packets) */
#define WSTUN_VNET_MAX_SEGMENTS 128

typedef struct {
  guint8 flags;
  guint8 gso_type;
  guint16 hdr_len;
  guint16 gso_size;
  guint16 csum_start;
  guint16 csum_offset;
} WstunVnetHdr;

/* What an IP packet's header says, for the checks: offsets into it */
typedef struct {
  guint version;   /* 4 or 6 */
  gsize l3_len;    /* IP header (IPv6: the fixed 40 bytes; extension headers are not followed) */
  guint8 protocol; /* 6 TCP, 17 UDP */
  gsize l4_len;    /* TCP header with options, or 8 for UDP */
  gsize length;    /* the whole packet */
} WstunVnetLayout;

/* Whether @hdr asks for segmentation */
static inline gboolean
wstun_vnet_hdr_is_gso (const WstunVnetHdr *hdr)
{
  return (hdr->gso_type & ~WSTUN_VNET_GSO_ECN) != WSTUN_VNET_GSO_NONE;
}

/* Whether @hdr leaves work undone: a partial checksum or a super-packet
 * (DATA_VALID alone asks for nothing) */
static inline gboolean
wstun_vnet_hdr_has_work (const WstunVnetHdr *hdr)
{
  return (hdr->flags & WSTUN_VNET_F_NEEDS_CSUM) || wstun_vnet_hdr_is_gso (hdr);
}

void wstun_vnet_hdr_read (const guint8 data[WSTUN_VNET_HDR_LEN], WstunVnetHdr *hdr);
void wstun_vnet_hdr_write (const WstunVnetHdr *hdr, guint8 data[WSTUN_VNET_HDR_LEN]);

/* Checks @hdr against the IP packet @pkt of @len bytes (complete: its
 * length field says @len). Returns FALSE with a short reason ("csum-range",
 * "gso-size", ...) for anything not carried: unknown flags or GSO types, a
 * checksum start or offset outside the transport header, GSO on a packet
 * that is not TCP or UDP of the matching family or that would make more
 * than WSTUN_VNET_MAX_SEGMENTS segments. On success @layout (may be NULL)
 * says where the headers are. */
gboolean wstun_vnet_check (const WstunVnetHdr *hdr, const guint8 *pkt, gsize len,
                           WstunVnetLayout *layout, const char **reason);

/* Completes the checksum a NEEDS_CSUM packet leaves partial (the field
 * holds the pseudo-header sum), in place, and clears the flag. @hdr must
 * have passed wstun_vnet_check() for @pkt. */
void wstun_vnet_finish_csum (WstunVnetHdr *hdr, guint8 *pkt, gsize len);

/* Called with each segment, complete (headers fixed up, checksums
 * computed); @segment is valid only during the call. */
typedef void (*WstunVnetEmitFunc) (const guint8 *segment, gsize len, gpointer user_data);

/* Splits a GSO packet into the packets the kernel would have sent, each
 * with at most gso_size bytes of payload and complete checksums, as a NIC
 * without segmentation offload gets them; a packet without GSO is emitted
 * whole, its checksum completed if partial. @hdr must have passed
 * wstun_vnet_check() for @pkt. Returns the number of packets emitted. */
guint wstun_vnet_segment (const WstunVnetHdr *hdr, const guint8 *pkt, gsize len,
                          WstunVnetEmitFunc emit, gpointer user_data);

/* The Internet checksum (RFC 1071) of @len bytes, added to @sum, not yet
 * folded or complemented. Exposed for tests. */
guint32 wstun_vnet_csum_add (guint32 sum, const guint8 *data, gsize len);
guint16 wstun_vnet_csum_fold (guint32 sum);

G_END_DECLS
