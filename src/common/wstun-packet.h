/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-packet.h: just enough IPv4/IPv6 header parsing to delimit and route */
#pragma once

#include <glib.h>

#include "wstun-address.h"

G_BEGIN_DECLS

#define WSTUN_IPV4_MIN_HEADER 20
#define WSTUN_IPV6_HEADER     40
/* IPv4 total length is 16 bits; IPv6 adds its fixed header to a 16-bit
 * payload length (jumbograms are not carried). */
#define WSTUN_PACKET_MAX  (65535 + WSTUN_IPV6_HEADER)
#define WSTUN_IPPROTO_TCP 6

typedef enum {
  WSTUN_PACKET_OK,
  WSTUN_PACKET_TRUNCATED,   /* fewer bytes than the header or its length field says */
  WSTUN_PACKET_BAD_VERSION, /* not 4 or 6 */
  WSTUN_PACKET_BAD_LENGTH,  /* length field smaller than the header itself, or zero */
} WstunPacketStatus;

typedef struct {
  guint version;   /* 4 or 6 */
  gsize length;    /* whole packet, header included */
  guint8 protocol; /* IPv4 protocol, or the IPv6 header's next header (6 = TCP) */
  WstunAddr src;
  WstunAddr dst;
} WstunPacketInfo;

/* Parses the packet starting at @data; @avail is how many bytes follow. On
 * success @info->length is at most @avail. Never reads past @avail. */
WstunPacketStatus wstun_packet_parse (const guint8 *data, gsize avail, WstunPacketInfo *info);
const char *wstun_packet_status_to_string (WstunPacketStatus status);

G_END_DECLS
