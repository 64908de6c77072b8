/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-router.h: forwards IP packets between relay clients by destination */
#pragma once

#include <glib.h>

#include "wstun-address.h"
#include "wstun-codel.h"
#include "wstun-frame.h"
#include "wstun-ws.h"

G_BEGIN_DECLS

typedef struct {
  guint64 rx_frames;
  guint64 rx_packets;
  guint64 rx_bytes;
  guint64 tx_frames;
  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 drop_malformed;   /* frames that do not parse exactly */
  guint64 drop_spoofed;     /* source is not the sender's address */
  guint64 drop_no_route;    /* no client holds the destination */
  guint64 drop_unroutable;  /* multicast, broadcast, link-local, loopback */
  guint64 drop_loop;        /* addressed to the sender itself */
  guint64 drop_backlog;     /* the receiver's send backlog is full */
  guint64 drop_delay;       /* the receiver's backlog stood too long (CoDel) */
  guint64 drop_offload;     /* an offload record the packet does not bear out */
  guint64 tx_segmented;     /* super-packets segmented for a receiver without offload */
  guint64 drop_unreachable; /* for a peer relay the relay has no link to (cluster) */
} WstunRouterCounters;

#define WSTUN_ROUTER_PEER_MAX_ADDRS 2

/* The router's view of one client; embedded in the relay's session. */
typedef struct {
  WstunWs *ws;
  WstunAddr addrs[WSTUN_ROUTER_PEER_MAX_ADDRS];
  guint n_addrs;
  gboolean seed;     /* speaks the original text protocol: one rx:<hex> per packet */
  gboolean offload;  /* negotiated "offload": its frames may carry offload records */
  gboolean mesh;     /* another relay of the cluster: holds the addresses mapped to it
                      * (wstun_router_add_remote()), not addrs[]; ws is NULL while
                      * there is no link */
  WstunBatch *batch; /* packets staged for this peer during the current burst */
  gboolean dirty;
  WstunCodel codel; /* on the send backlog */
  WstunRouterCounters counters;
} WstunRouterPeer;

typedef struct _WstunRouter WstunRouter;

WstunRouter *wstun_router_new (void);
void wstun_router_free (WstunRouter *router);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunRouter, wstun_router_free)

void wstun_router_set_max_packets (WstunRouter *router, guint max_packets);

/* Makes @peer the holder of @addr; fails if another peer holds it. */
gboolean wstun_router_add (WstunRouter *router, WstunRouterPeer *peer, const WstunAddr *addr,
                           GError **error);
void wstun_router_remove_peer (WstunRouter *router, WstunRouterPeer *peer);
/* Maps @addr to the peer relay @peer (a mesh peer, any number of
 * addresses); fails if anyone holds it. */
gboolean wstun_router_add_remote (WstunRouter *router, WstunRouterPeer *peer, const WstunAddr *addr,
                                  GError **error);
/* Unmaps @addr if @peer holds it. */
void wstun_router_remove_remote (WstunRouter *router, WstunRouterPeer *peer, const WstunAddr *addr);
WstunRouterPeer *wstun_router_lookup (WstunRouter *router, const WstunAddr *addr);
gboolean wstun_router_peer_owns (const WstunRouterPeer *peer, const WstunAddr *addr);

/* Validates a binary frame from @from and stages each packet for its
 * destination. Returns what was wrong with a frame that was dropped. */
WstunFrameStatus wstun_router_forward_frame (WstunRouter *router, WstunRouterPeer *from,
                                             guint8 *data, gsize len);
void wstun_router_forward_packet (WstunRouter *router, WstunRouterPeer *from, const guint8 *packet,
                                  const WstunPacketInfo *info);
/* The same for a packet with an offload record (@vnet all zero: none).
 * The record is checked against the packet (wstun-vnet.h); a receiver
 * that did not negotiate "offload" gets the packet as the kernel would
 * have sent it without offloads: segmented, checksums complete. */
void wstun_router_forward_offload (WstunRouter *router, WstunRouterPeer *from, const guint8 *packet,
                                   const WstunPacketInfo *info, const WstunVnetHdr *vnet);
/* Sends every staged batch: call at the end of each input burst. */
void wstun_router_flush (WstunRouter *router);

const WstunRouterCounters *wstun_router_get_counters (WstunRouter *router);
guint wstun_router_get_n_addresses (WstunRouter *router);

G_END_DECLS
