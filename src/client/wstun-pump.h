/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-pump.h: packets between a TUN device and a relay connection
 *
 * The data path of a connection: packets read from the device are batched
 * into binary frames for the relay, as many as the socket takes without a
 * queue behind it growing (the device's own queue is the backpressure);
 * frames from the relay are checked and their packets written to the
 * device. With no relay connection (while reconnecting) packets read from
 * the device are dropped and counted, never queued; with no device,
 * frames from the relay are. The counters are announced with
 * "stats-changed" at most once a second while they move, and not at all
 * while no traffic flows (no timer runs then). */
#pragma once

#include <glib-object.h>

#include "wstun-tun.h"
#include "wstun-ws.h"

G_BEGIN_DECLS

typedef struct {
  guint64 rx_bytes;
  guint64 tx_bytes;
  guint64 rx_packets;
  guint64 tx_packets;
  guint64 dropped_packets;
} WstunConnectionStats;

#define WSTUN_TYPE_PUMP (wstun_pump_get_type ())
G_DECLARE_FINAL_TYPE (WstunPump, wstun_pump, WSTUN, PUMP, GObject)

/* @name prefixes its complaints in the log (the relay's URL) */
WstunPump *wstun_pump_new (const char *name);

/* The device and the relay connection to move packets between; either
 * may be NULL (none). The pump holds a reference to each. */
void wstun_pump_set_tun (WstunPump *self, WstunTun *tun);
void wstun_pump_set_ws (WstunPump *self, WstunWs *ws);
/* Whether the relay connection negotiated "offload" (PROTOCOL.md 4.2):
 * the device then hands over partial checksums and super-packets, which
 * travel with their offload records; without, the pump completes what the
 * device left undone and frames carry plain packets. */
void wstun_pump_set_offload (WstunPump *self, gboolean offload);

/* A binary frame from the relay (WstunWsCallbacks.message), and the
 * relay connection taking more again (WstunWsCallbacks.drained) */
void wstun_pump_receive (WstunPump *self, guint8 *data, gsize len);
void wstun_pump_drained (WstunPump *self);

const WstunConnectionStats *wstun_pump_get_stats (WstunPump *self);

G_END_DECLS
