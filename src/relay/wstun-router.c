/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-router.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"
#include "wstun-seed.h"

/* Idle staging buffers kept for reuse; more are freed, so memory follows
 * the number of destinations active in one burst, not the client count. */
#define MAX_SPARE_BATCHES 8

struct _WstunRouter {
  GHashTable *table; /* WstunAddr * -> WstunRouterPeer * */
  GPtrArray *dirty;  /* peers with a staged batch */
  GPtrArray *spare;  /* WstunBatch * */
  guint max_packets;
  WstunRouterCounters counters;
};

WstunRouter *
wstun_router_new (void)
{
  WstunRouter *router = g_new0 (WstunRouter, 1);

  router->table = g_hash_table_new_full (wstun_addr_hash, wstun_addr_equal, g_free, NULL);
  router->dirty = g_ptr_array_new ();
  router->spare = g_ptr_array_new_with_free_func ((GDestroyNotify) wstun_batch_free);
  router->max_packets = WSTUN_FRAME_MAX_PACKETS;
  return router;
}

void
wstun_router_free (WstunRouter *router)
{
  if (router == NULL)
    return;
  g_hash_table_unref (router->table);
  g_ptr_array_unref (router->dirty);
  g_ptr_array_unref (router->spare);
  g_free (router);
}

void
wstun_router_set_max_packets (WstunRouter *router, guint max_packets)
{
  router->max_packets = max_packets;
}

gboolean
wstun_router_add (WstunRouter *router, WstunRouterPeer *peer, const WstunAddr *addr, GError **error)
{
  char buf[WSTUN_ADDR_STRLEN];

  g_return_val_if_fail (peer->n_addrs < WSTUN_ROUTER_PEER_MAX_ADDRS, FALSE);

  if (g_hash_table_contains (router->table, addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address %s is already in use"),
                 wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  g_hash_table_insert (router->table, wstun_addr_dup (addr), peer);
  peer->addrs[peer->n_addrs++] = *addr;
  return TRUE;
}

gboolean
wstun_router_add_remote (WstunRouter *router, WstunRouterPeer *peer, const WstunAddr *addr,
                         GError **error)
{
  char buf[WSTUN_ADDR_STRLEN];

  g_return_val_if_fail (peer->mesh, FALSE);

  if (g_hash_table_contains (router->table, addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address %s is already in use"),
                 wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  g_hash_table_insert (router->table, wstun_addr_dup (addr), peer);
  return TRUE;
}

void
wstun_router_remove_remote (WstunRouter *router, WstunRouterPeer *peer, const WstunAddr *addr)
{
  if (g_hash_table_lookup (router->table, addr) == peer)
    g_hash_table_remove (router->table, addr);
}

static void
put_batch (WstunRouter *router, WstunRouterPeer *peer)
{
  WstunBatch *batch = g_steal_pointer (&peer->batch);

  if (batch == NULL)
    return;
  wstun_batch_reset (batch);
  if (router->spare->len < MAX_SPARE_BATCHES)
    g_ptr_array_add (router->spare, batch);
  else
    wstun_batch_free (batch);
}

void
wstun_router_remove_peer (WstunRouter *router, WstunRouterPeer *peer)
{
  for (guint i = 0; i < peer->n_addrs; i++) {
    if (g_hash_table_lookup (router->table, &peer->addrs[i]) == peer)
      g_hash_table_remove (router->table, &peer->addrs[i]);
  }
  peer->n_addrs = 0;
  if (peer->dirty) {
    g_ptr_array_remove_fast (router->dirty, peer);
    peer->dirty = FALSE;
  }
  put_batch (router, peer);
}

WstunRouterPeer *
wstun_router_lookup (WstunRouter *router, const WstunAddr *addr)
{
  return g_hash_table_lookup (router->table, addr);
}

gboolean
wstun_router_peer_owns (const WstunRouterPeer *peer, const WstunAddr *addr)
{
  for (guint i = 0; i < peer->n_addrs; i++) {
    if (wstun_addr_equal (&peer->addrs[i], addr))
      return TRUE;
  }
  return FALSE;
}

static void
count_drop_backlog (WstunRouter *router, WstunRouterPeer *to, guint packets)
{
  router->counters.drop_backlog += packets;
  to->counters.drop_backlog += packets;
}

static void
flush_peer (WstunRouter *router, WstunRouterPeer *to)
{
  WstunBatch *batch = to->batch;
  WstunWsSendResult res;

  if (batch == NULL || batch->len == 0)
    return;
  res = wstun_ws_send_frame (to->ws, WSTUN_WS_OPCODE_BINARY, wstun_batch_payload (batch),
                             batch->len, TRUE);
  if (res == WSTUN_WS_SEND_OK) {
    router->counters.tx_frames++;
    router->counters.tx_packets += batch->packets;
    router->counters.tx_bytes += batch->len;
    to->counters.tx_frames++;
    to->counters.tx_packets += batch->packets;
    to->counters.tx_bytes += batch->len;
  } else {
    count_drop_backlog (router, to, batch->packets);
  }
  wstun_batch_reset (batch);
}

static void
deliver (WstunRouter *router, WstunRouterPeer *to, const guint8 *packet, gsize len,
         const WstunVnetHdr *vnet)
{
  gsize backlog, staged;
  gsize size = vnet != NULL ? WSTUN_FRAME_RECORD_LEN + len : len;

  if (to->seed) {
    if (wstun_seed_send_packet (to->ws, packet, len)) {
      router->counters.tx_frames++;
      router->counters.tx_packets++;
      router->counters.tx_bytes += len;
      to->counters.tx_frames++;
      to->counters.tx_packets++;
      to->counters.tx_bytes += len;
    } else {
      count_drop_backlog (router, to, 1);
    }
    return;
  }

  /* tail drop, as a NIC ring does: never queue without bound for a slow
   * receiver, and never block the sender; inner TCP adapts. The backlog is
   * counted in frame bytes: what waits in the send queue, and the frame
   * the staged packets and this one would make (PROTOCOL.md 4.1) */
  backlog = wstun_ws_get_backlog (to->ws);
  staged = to->batch != NULL ? to->batch->len : 0;
  if (backlog > 0 &&
      backlog + wstun_ws_frame_size (to->ws, staged + size) > wstun_ws_get_max_backlog (to->ws)) {
    count_drop_backlog (router, to, 1);
    return;
  }
  /* and bounded in time: a backlog that stands for long is a queue the
   * senders' congestion control has to be told about (wstun-codel.h) */
  if (backlog > 0) {
    gint64 now = g_get_monotonic_time ();

    if (wstun_codel_should_drop (&to->codel, wstun_ws_get_backlog_age (to->ws, now), backlog, size,
                                 now)) {
      router->counters.drop_delay++;
      to->counters.drop_delay++;
      return;
    }
  }

  if (to->batch == NULL) {
    to->batch = router->spare->len > 0
                  ? g_ptr_array_steal_index_fast (router->spare, router->spare->len - 1)
                  : wstun_batch_new ();
  }
  if (!to->dirty) {
    to->dirty = TRUE;
    g_ptr_array_add (router->dirty, to);
  }
  if (vnet != NULL) {
    if (!wstun_batch_append_offload (to->batch, vnet, packet, len)) {
      flush_peer (router, to);
      wstun_batch_append_offload (to->batch, vnet, packet, len);
    }
    return;
  }
  if (!wstun_batch_append (to->batch, packet, len)) {
    flush_peer (router, to);
    wstun_batch_append (to->batch, packet, len);
  }
}

typedef struct {
  WstunRouter *router;
  WstunRouterPeer *to;
} Segmenting;

static void
deliver_segment (const guint8 *segment, gsize len, gpointer user_data)
{
  Segmenting *s = user_data;

  deliver (s->router, s->to, segment, len, NULL);
}

/* A packet with an offload record, to @to: the record travels along to a
 * peer that negotiated it; for others the relay does what the sender's
 * kernel left undone */
static void
deliver_offload (WstunRouter *router, WstunRouterPeer *to, const guint8 *packet, gsize len,
                 const WstunVnetHdr *vnet)
{
  Segmenting s = { router, to };

  /* a record that asks for nothing (DATA_VALID alone) goes no further: a
   * peer's word that a checksum was verified is not passed on to another
   * peer's kernel (PROTOCOL.md 4.2) */
  if (!wstun_vnet_hdr_has_work (vnet)) {
    deliver (router, to, packet, len, NULL);
    return;
  }
  if (to->offload && !to->seed) {
    deliver (router, to, packet, len, vnet);
    return;
  }
  if (wstun_vnet_hdr_is_gso (vnet)) {
    router->counters.tx_segmented++;
    to->counters.tx_segmented++;
  }
  wstun_vnet_segment (vnet, packet, len, deliver_segment, &s);
}

void
wstun_router_forward_packet (WstunRouter *router, WstunRouterPeer *from, const guint8 *packet,
                             const WstunPacketInfo *info)
{
  wstun_router_forward_offload (router, from, packet, info, NULL);
}

void
wstun_router_forward_offload (WstunRouter *router, WstunRouterPeer *from, const guint8 *packet,
                              const WstunPacketInfo *info, const WstunVnetHdr *vnet)
{
  WstunRouterPeer *to;
  gboolean offload =
    vnet != NULL && (vnet->flags != 0 || vnet->gso_type != 0 || vnet->gso_size != 0 ||
                     vnet->csum_start != 0 || vnet->csum_offset != 0 || vnet->hdr_len != 0);

  router->counters.rx_packets++;
  router->counters.rx_bytes += info->length;
  from->counters.rx_packets++;
  from->counters.rx_bytes += info->length;

  if (!wstun_addr_is_forwardable (&info->dst)) {
    router->counters.drop_unroutable++;
    from->counters.drop_unroutable++;
    return;
  }
  /* a peer relay may send only from the addresses it holds */
  if (from->mesh ? g_hash_table_lookup (router->table, &info->src) != from
                 : !wstun_router_peer_owns (from, &info->src)) {
    router->counters.drop_spoofed++;
    from->counters.drop_spoofed++;
    return;
  }
  to = g_hash_table_lookup (router->table, &info->dst);
  /* a relay forwards only for its own clients: what came from one peer
   * relay and is held by another (the two disagree for a moment) is
   * dropped, never passed on, so nothing loops between relays */
  if (to == from || (to != NULL && from->mesh && to->mesh)) {
    router->counters.drop_loop++;
    from->counters.drop_loop++;
    return;
  }
  if (to != NULL && to->mesh && (to->ws == NULL || !wstun_ws_is_open (to->ws))) {
    /* a partition between relays: dropped here, never sent around */
    router->counters.drop_unreachable++;
    from->counters.drop_unreachable++;
    return;
  }
  if (to == NULL || !wstun_ws_is_open (to->ws)) {
    router->counters.drop_no_route++;
    from->counters.drop_no_route++;
    return;
  }
  if (offload) {
    if (!wstun_vnet_check (vnet, packet, info->length, NULL, NULL)) {
      router->counters.drop_offload++;
      from->counters.drop_offload++;
      return;
    }
    deliver_offload (router, to, packet, info->length, vnet);
    return;
  }
  deliver (router, to, packet, info->length, NULL);
}

WstunFrameStatus
wstun_router_forward_frame (WstunRouter *router, WstunRouterPeer *from, guint8 *data, gsize len)
{
  WstunFrameStatus status;
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *packet;

  router->counters.rx_frames++;
  from->counters.rx_frames++;

  /* a frame that does not parse exactly is dropped whole, before any of
   * its packets is forwarded */
  status =
    wstun_frame_validate_offload (data, len, router->max_packets, from->offload, NULL, NULL, NULL);
  if (status != WSTUN_FRAME_OK) {
    router->counters.drop_malformed++;
    from->counters.drop_malformed++;
    return status;
  }
  wstun_frame_iter_init (&iter, data, len);
  if (from->offload) {
    WstunVnetHdr vnet;

    while (wstun_frame_iter_next_offload (&iter, &packet, &info, &vnet))
      wstun_router_forward_offload (router, from, packet, &info, &vnet);
  } else {
    while (wstun_frame_iter_next (&iter, &packet, &info))
      wstun_router_forward_packet (router, from, packet, &info);
  }
  return WSTUN_FRAME_OK;
}

void
wstun_router_flush (WstunRouter *router)
{
  for (guint i = 0; i < router->dirty->len; i++) {
    WstunRouterPeer *peer = g_ptr_array_index (router->dirty, i);

    flush_peer (router, peer);
    put_batch (router, peer);
    peer->dirty = FALSE;
  }
  g_ptr_array_set_size (router->dirty, 0);
}

const WstunRouterCounters *
wstun_router_get_counters (WstunRouter *router)
{
  return &router->counters;
}

guint
wstun_router_get_n_addresses (WstunRouter *router)
{
  return g_hash_table_size (router->table);
}
