/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-packet.h"

#include <glib/gi18n.h>

WstunPacketStatus
wstun_packet_parse (const guint8 *data, gsize avail, WstunPacketInfo *info)
{
  gsize len;

  if (avail < 1)
    return WSTUN_PACKET_TRUNCATED;

  switch (data[0] >> 4) {
  case 4: {
    gsize ihl;

    if (avail < WSTUN_IPV4_MIN_HEADER)
      return WSTUN_PACKET_TRUNCATED;
    ihl = (gsize) (data[0] & 0x0f) * 4;
    len = ((gsize) data[2] << 8) | data[3];
    if (ihl < WSTUN_IPV4_MIN_HEADER || len < ihl)
      return WSTUN_PACKET_BAD_LENGTH;
    if (len > avail)
      return WSTUN_PACKET_TRUNCATED;
    info->version = 4;
    info->length = len;
    info->protocol = data[9];
    wstun_addr_set_v4 (&info->src, data + 12);
    wstun_addr_set_v4 (&info->dst, data + 16);
    return WSTUN_PACKET_OK;
  }
  case 6:
    if (avail < WSTUN_IPV6_HEADER)
      return WSTUN_PACKET_TRUNCATED;
    /* a zero payload length with a hop-by-hop header announces a
     * jumbogram (RFC 2675), which does not fit a 16-bit world */
    len = ((gsize) data[4] << 8) | data[5];
    if (len == 0 && data[6] == 0)
      return WSTUN_PACKET_BAD_LENGTH;
    len += WSTUN_IPV6_HEADER;
    if (len > avail)
      return WSTUN_PACKET_TRUNCATED;
    info->version = 6;
    info->length = len;
    info->protocol = data[6];
    wstun_addr_set_v6 (&info->src, data + 8);
    wstun_addr_set_v6 (&info->dst, data + 24);
    return WSTUN_PACKET_OK;
  default:
    return WSTUN_PACKET_BAD_VERSION;
  }
}

const char *
wstun_packet_status_to_string (WstunPacketStatus status)
{
  switch (status) {
  case WSTUN_PACKET_OK:
    return _ ("valid");
  case WSTUN_PACKET_TRUNCATED:
    return _ ("truncated IP packet");
  case WSTUN_PACKET_BAD_VERSION:
    return _ ("not an IPv4 or IPv6 packet");
  case WSTUN_PACKET_BAD_LENGTH:
    return _ ("IP length field inconsistent with its header");
  default:
    return "?";
  }
}
