/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-seed.h: the original proof of concept's text protocol
 *
 * Client to relay: "tx:<destination address>:<packet in hex>"; relay to
 * client: "rx:<packet in hex>", one packet per text message. A seed client
 * may also send its own address alone as its first message to register.
 */
#pragma once

#include <glib.h>

#include "wstun-address.h"
#include "wstun-packet.h"
#include "wstun-ws.h"

G_BEGIN_DECLS

typedef enum {
  WSTUN_SEED_TX,       /* a packet to forward */
  WSTUN_SEED_REGISTER, /* the client's own address */
} WstunSeedKind;

/* Parses one seed text message. For TX, the packet is decoded into @packet
 * (at least WSTUN_PACKET_MAX bytes) and checked to be exactly one IP packet
 * addressed to the destination the message names. */
gboolean wstun_seed_parse (const char *text, gsize len, WstunSeedKind *kind, WstunAddr *addr,
                           guint8 *packet, gsize *packet_len, WstunPacketInfo *info,
                           GError **error);

/* Sends @packet as "rx:<hex>". FALSE when the backlog is full (dropped). */
gboolean wstun_seed_send_packet (WstunWs *ws, const guint8 *packet, gsize len);

G_END_DECLS
