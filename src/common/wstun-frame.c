/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-frame.h"

#include <glib/gi18n.h>
#include <string.h>

WstunFrameStatus
wstun_frame_validate (const guint8 *data, gsize len, guint max_packets, guint *n_packets,
                      WstunPacketStatus *bad_packet, gsize *bad_offset)
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
    WstunPacketStatus status = wstun_packet_parse (data + offset, len - offset, &info);

    if (status != WSTUN_PACKET_OK) {
      if (bad_packet != NULL)
        *bad_packet = status;
      if (bad_offset != NULL)
        *bad_offset = offset;
      return WSTUN_FRAME_BAD_PACKET;
    }
    if (++count > max_packets)
      return WSTUN_FRAME_TOO_MANY_PACKETS;
    offset += info.length;
  }
  if (n_packets != NULL)
    *n_packets = count;
  return WSTUN_FRAME_OK;
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

void
wstun_batch_reset (WstunBatch *batch)
{
  batch->len = 0;
  batch->packets = 0;
}
