/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-frame.h"

#include <glib/gi18n.h>
#include <string.h>

WstunFrameStatus
wstun_frame_validate_offload (const guint8 *data, gsize len, guint max_packets, gboolean offload,
                              guint *n_packets, WstunPacketStatus *bad_packet, gsize *bad_offset)
{
  gsize offset = 0;
  guint count = 0;

  if (n_packets != NULL)
    *n_packets = 0;
  if (len == 0)
    return WSTUN_FRAME_EMPTY;
  if (len > WSTUN_FRAME_MAX)
    return WSTUN_FRAME_TOO_BIG;

  while (offset < len) {
    WstunPacketInfo info;
    WstunPacketStatus status;
    gsize start = offset;

    if (offload && (data[offset] >> 4) == 0) {
      /* a record of the one known kind, whole, and a packet after it (a
       * record after a record fails as a packet of version 0) */
      status = WSTUN_PACKET_BAD_VERSION;
      if (data[offset] != 0 || len - offset < 2 || data[offset + 1] != WSTUN_FRAME_RECORD_OFFLOAD)
        goto bad;
      status = WSTUN_PACKET_TRUNCATED;
      if (len - offset <= WSTUN_FRAME_RECORD_LEN)
        goto bad;
      offset += WSTUN_FRAME_RECORD_LEN;
    }
    status = wstun_packet_parse (data + offset, len - offset, &info);
    if (status != WSTUN_PACKET_OK) {
      start = offset;
      goto bad;
    }
    if (++count > max_packets)
      return WSTUN_FRAME_TOO_MANY_PACKETS;
    offset += info.length;
    continue;

  bad:
    if (bad_packet != NULL)
      *bad_packet = status;
    if (bad_offset != NULL)
      *bad_offset = start;
    return WSTUN_FRAME_BAD_PACKET;
  }
  if (n_packets != NULL)
    *n_packets = count;
  return WSTUN_FRAME_OK;
}

WstunFrameStatus
wstun_frame_validate (const guint8 *data, gsize len, guint max_packets, guint *n_packets,
                      WstunPacketStatus *bad_packet, gsize *bad_offset)
{
  return wstun_frame_validate_offload (data, len, max_packets, FALSE, n_packets, bad_packet,
                                       bad_offset);
}

const char *
wstun_frame_status_to_string (WstunFrameStatus status)
{
  switch (status) {
  case WSTUN_FRAME_OK:
    return _ ("valid");
  case WSTUN_FRAME_EMPTY:
    return _ ("empty data frame");
  case WSTUN_FRAME_TOO_BIG:
    return _ ("data frame larger than the protocol limit");
  case WSTUN_FRAME_TOO_MANY_PACKETS:
    return _ ("data frame carries too many packets");
  case WSTUN_FRAME_BAD_PACKET:
    return _ ("data frame holds a malformed IP packet");
  default:
    return "?";
  }
}

void
wstun_frame_iter_init (WstunFrameIter *iter, guint8 *data, gsize len)
{
  iter->data = data;
  iter->len = len;
  iter->offset = 0;
}

gboolean
wstun_frame_iter_next (WstunFrameIter *iter, guint8 **packet, WstunPacketInfo *info)
{
  if (iter->offset >= iter->len)
    return FALSE;
  if (wstun_packet_parse (iter->data + iter->offset, iter->len - iter->offset, info) !=
      WSTUN_PACKET_OK)
    return FALSE;
  *packet = iter->data + iter->offset;
  iter->offset += info->length;
  return TRUE;
}

gboolean
wstun_frame_iter_next_offload (WstunFrameIter *iter, guint8 **packet, WstunPacketInfo *info,
                               WstunVnetHdr *vnet)
{
  memset (vnet, 0, sizeof *vnet);
  if (iter->offset + WSTUN_FRAME_RECORD_LEN < iter->len && iter->data[iter->offset] == 0 &&
      iter->data[iter->offset + 1] == WSTUN_FRAME_RECORD_OFFLOAD) {
    wstun_vnet_hdr_read (iter->data + iter->offset + 2, vnet);
    iter->offset += WSTUN_FRAME_RECORD_LEN;
  }
  return wstun_frame_iter_next (iter, packet, info);
}

WstunBatch *
wstun_batch_new (void)
{
  WstunBatch *batch = g_new0 (WstunBatch, 1);

  batch->buf = g_malloc (WSTUN_WS_HEADROOM + WSTUN_FRAME_MAX);
  return batch;
}

void
wstun_batch_free (WstunBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->buf);
  g_free (batch);
}

/* WSTUN_BATCH_PACKETS=N caps the packets per frame a sender builds. It
 * exists for the benchmark's ladder (N=1 is one packet per message, as the
 * original design sent), not for production use. */
static guint
batch_limit (void)
{
  static gsize limit = 0;

  if (g_once_init_enter (&limit)) {
    const char *env = g_getenv ("WSTUN_BATCH_PACKETS");
    guint64 n = env != NULL ? g_ascii_strtoull (env, NULL, 10) : 0;

    g_once_init_leave (&limit,
                       n >= 1 && n <= WSTUN_FRAME_MAX_PACKETS ? n : WSTUN_FRAME_MAX_PACKETS);
  }
  return limit;
}

gboolean
wstun_batch_full (const WstunBatch *batch, gsize next_len)
{
  return next_len > wstun_batch_room (batch) || batch->packets >= batch_limit ();
}

gboolean
wstun_batch_append (WstunBatch *batch, const guint8 *packet, gsize len)
{
  if (wstun_batch_full (batch, len))
    return FALSE;
  memcpy (wstun_batch_payload (batch) + batch->len, packet, len);
  batch->len += len;
  batch->packets++;
  return TRUE;
}

gboolean
wstun_batch_append_offload (WstunBatch *batch, const WstunVnetHdr *vnet, const guint8 *packet,
                            gsize len)
{
  guint8 *p;

  if (wstun_batch_full (batch, WSTUN_FRAME_RECORD_LEN + len))
    return FALSE;
  p = wstun_batch_payload (batch) + batch->len;
  p[0] = 0;
  p[1] = WSTUN_FRAME_RECORD_OFFLOAD;
  wstun_vnet_hdr_write (vnet, p + 2);
  memcpy (p + WSTUN_FRAME_RECORD_LEN, packet, len);
  batch->len += WSTUN_FRAME_RECORD_LEN + len;
  batch->packets++;
  return TRUE;
}

void
wstun_batch_reset (WstunBatch *batch)
{
  batch->len = 0;
  batch->packets = 0;
}
