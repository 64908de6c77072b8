/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-relay.h: the relay server: accepts WebSocket clients and forwards
 * their packets between them */
#pragma once

#include <glib-object.h>

#include "wstun-claims.h"
#include "wstun-gate.h"
#include "wstun-pool.h"
#include "wstun-relay-config.h"
#include "wstun-router.h"
#include "wstun-session.h"
#include "wstun-state.h"

G_BEGIN_DECLS

#define WSTUN_TYPE_RELAY (wstun_relay_get_type ())
G_DECLARE_FINAL_TYPE (WstunRelay, wstun_relay, WSTUN, RELAY, GObject)

/* Takes over @config (it is cleared). */
WstunRelay *wstun_relay_new (WstunRelayConfig *config, GError **error);
gboolean wstun_relay_listen (WstunRelay *self, GError **error);
/* Reads --tls-cert and --tls-key again for connections from now on (a
 * renewed certificate); on failure the one in use stays. TRUE without TLS. */
gboolean wstun_relay_reload_certificate (WstunRelay *self, GError **error);
/* Writes the state file, then closes every client: with 1012 (service
 * restart) when the relay keeps its leases in a state file, so they come
 * back at once, else with 1001 (going away). "stopped" is emitted once all
 * are closed. */
void wstun_relay_shutdown (WstunRelay *self);
/* Writes the state file now (if there is one): at exit. */
void wstun_relay_save_state (WstunRelay *self);
/* Whether the leases outlive the process (a usable state directory). */
gboolean wstun_relay_is_persistent (WstunRelay *self);

const WstunRelayConfig *wstun_relay_get_config (WstunRelay *self);
const WstunRouterCounters *wstun_relay_get_counters (WstunRelay *self);
WstunPool *wstun_relay_get_pool (WstunRelay *self, int family);
guint wstun_relay_get_n_clients (WstunRelay *self);
guint64 wstun_relay_get_n_accepted (WstunRelay *self);
guint64 wstun_relay_get_n_refused (WstunRelay *self);
WstunGate *wstun_relay_get_gate (WstunRelay *self);
WstunLeases *wstun_relay_get_leases (WstunRelay *self);
/* In a cluster; else NULL */
WstunClaims *wstun_relay_get_claims (WstunRelay *self);
WstunMesh *wstun_relay_get_mesh (WstunRelay *self);
WstunEtcd *wstun_relay_get_etcd (WstunRelay *self);
/* NULL before wstun_relay_listen() */
WstunState *wstun_relay_get_state (WstunRelay *self);
const WstunSessionCounters *wstun_relay_get_session_counters (WstunRelay *self);
/* When the TLS certificate in use expires, in seconds since 1970; 0 without TLS. */
gint64 wstun_relay_get_certificate_expiry (WstunRelay *self);
/* The port actually bound (useful with port 0). */
guint16 wstun_relay_get_port (WstunRelay *self);

G_END_DECLS
