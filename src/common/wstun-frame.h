/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-frame.h: binary data frames, whole IP packets back to back */
#pragma once

#include <glib.h>

#include "wstun-packet.h"
#include "wstun-vnet.h"
#include "wstun-ws.h"

G_BEGIN_DECLS

/* Largest binary message payload a wstun.v1 peer must accept, and the most
 * packets one may carry. */
#define WSTUN_FRAME_MAX         (256 * 1024)
#define WSTUN_FRAME_MAX_PACKETS 1024
/* An offload record (PROTOCOL.md 4.2, capability "offload"): 0x00, 0x01,
 * then the virtio-net header of the IP packet that follows it. The first
 * byte's high nibble, 0, is no IP version: a peer without the capability
 * would drop the frame as malformed, so only those with it get records. */
#define WSTUN_FRAME_RECORD_LEN     (2 + WSTUN_VNET_HDR_LEN)
#define WSTUN_FRAME_RECORD_OFFLOAD 0x01

typedef enum {
  WSTUN_FRAME_OK,
  WSTUN_FRAME_EMPTY,
  WSTUN_FRAME_TOO_BIG,
  WSTUN_FRAME_TOO_MANY_PACKETS,
  WSTUN_FRAME_BAD_PACKET,
} WstunFrameStatus;

/* Checks that @data is exactly a sequence of whole, well-formed IP packets.
 * On failure, @bad_packet (if not NULL) says what was wrong with the packet
 * at @bad_offset. */
WstunFrameStatus wstun_frame_validate (const guint8 *data, gsize len, guint max_packets,
                                       guint *n_packets, WstunPacketStatus *bad_packet,
                                       gsize *bad_offset);
/* The same, where @offload allows an offload record before any packet
 * (a record with nothing after it, or before another record, is a
 * truncated packet). A record and its packet count as one packet. */
WstunFrameStatus wstun_frame_validate_offload (const guint8 *data, gsize len, guint max_packets,
                                               gboolean offload, guint *n_packets,
                                               WstunPacketStatus *bad_packet, gsize *bad_offset);
const char *wstun_frame_status_to_string (WstunFrameStatus status);

/* Iterates over a frame that wstun_frame_validate() accepted. */
typedef struct {
  guint8 *data;
  gsize len;
  gsize offset;
} WstunFrameIter;

void wstun_frame_iter_init (WstunFrameIter *iter, guint8 *data, gsize len);
gboolean wstun_frame_iter_next (WstunFrameIter *iter, guint8 **packet, WstunPacketInfo *info);
/* For a frame validated with offload records: @vnet is the record before
 * the packet, or all zero when it has none. */
gboolean wstun_frame_iter_next_offload (WstunFrameIter *iter, guint8 **packet,
                                        WstunPacketInfo *info, WstunVnetHdr *vnet);

/* A binary frame being filled: WSTUN_WS_HEADROOM bytes, then up to
 * WSTUN_FRAME_MAX of packets. */
typedef struct {
  guint8 *buf;
  gsize len; /* payload bytes */
  guint packets;
} WstunBatch;

WstunBatch *wstun_batch_new (void);
void wstun_batch_free (WstunBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunBatch, wstun_batch_free)
static inline guint8 *
wstun_batch_payload (WstunBatch *batch)
{
  return batch->buf + WSTUN_WS_HEADROOM;
}
static inline gsize
wstun_batch_room (const WstunBatch *batch)
{
  return WSTUN_FRAME_MAX - batch->len;
}
/* Whether a packet of @next_len bytes would not fit (flush first). */
gboolean wstun_batch_full (const WstunBatch *batch, gsize next_len);
/* Appends one packet; FALSE when it does not fit (flush first). */
gboolean wstun_batch_append (WstunBatch *batch, const guint8 *packet, gsize len);
/* Appends an offload record and its packet; FALSE when they do not fit */
gboolean wstun_batch_append_offload (WstunBatch *batch, const WstunVnetHdr *vnet,
                                     const guint8 *packet, gsize len);
void wstun_batch_reset (WstunBatch *batch);

G_END_DECLS
