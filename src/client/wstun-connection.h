/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-connection.h: one tunnel to a relay, from WebSocket to TUN device
 *
 * The state machine over a handshake (wstun-handshake.h) and a packet pump
 * (wstun-pump.h); several instances can live in one process (wstund runs
 * one per D-Bus Connect call).
 *
 *   DISCONNECTED --start--> CONNECTING --config--> CONNECTED <------+
 *        ^   ^                  |                   |     |         |
 *        |   |                error           lost, may  lost,    config
 *        |   |                  v             not retry  transient  |
 *        |   +-- stop --- FAILED <-------------+          v         |
 *        |                      ^------ refused -- RECONNECTING ----+
 *        +----- DISCONNECTING <----stop-- (any state above)
 *
 * While RECONNECTING the TUN device, its addresses and routes stay; what
 * is sent into it is dropped and counted. Attempts follow a backoff with
 * jitter (wstun_connection_retry_delay()), present the relay's resume id
 * and ask for the previous addresses; a change of the route to the relay
 * starts one at once. A failure that retrying cannot mend (a refused token,
 * a certificate or pin that does not check out, a peer that is no wstun
 * relay) ends in FAILED.
 */
#pragma once

#include <gio/gio.h>

#include "wstun-failure.h"
#include "wstun-pump.h"

G_BEGIN_DECLS

typedef enum {
  WSTUN_CONNECTION_STATE_DISCONNECTED,
  WSTUN_CONNECTION_STATE_CONNECTING,
  WSTUN_CONNECTION_STATE_CONNECTED,
  WSTUN_CONNECTION_STATE_RECONNECTING,
  WSTUN_CONNECTION_STATE_DISCONNECTING,
  WSTUN_CONNECTION_STATE_FAILED,
} WstunConnectionState;

/* The state's name on D-Bus: "connecting", "connected", ... (its GEnum
 * nick, see wstun-client-enums.h) */
const char *wstun_connection_state_to_string (WstunConnectionState state);

/* The pause before reconnection attempt @attempt (0 for the first after
 * a loss), in milliseconds, with @random in [0, 1) as its jitter: half to
 * all of 500 ms doubled per attempt, at most 30 s; after the relay said
 * it is restarting (@restarting), 0 to 250 ms and then 250 to 500 ms for
 * as long as that lasts. Exposed for tests. */
guint wstun_connection_retry_delay (guint attempt, gboolean restarting, double random);

#define WSTUN_TYPE_CONNECTION (wstun_connection_get_type ())
G_DECLARE_FINAL_TYPE (WstunConnection, wstun_connection, WSTUN, CONNECTION, GObject)

/* @url: ws:// or wss:// URL of the relay (wstun_handshake_check_url()) */
WstunConnection *wstun_connection_new (const char *url, GError **error);
/* Several relays (wstun_url_list_check()): the connection starts at a
 * random one and moves to the next, round robin, after each failed
 * attempt and each lost session, presenting its resume id there. The
 * first connection tries each once before it fails. */
WstunConnection *wstun_connection_new_for_urls (const char *const *urls, GError **error);

/* Settings; take effect at the next start. */
void wstun_connection_set_interface_name (WstunConnection *self, const char *name);
/* FALSE leaves addresses, routes, MTU and link state to someone else
 * (NetworkManager); the device is still created. */
void wstun_connection_set_manage_ip (WstunConnection *self, gboolean manage_ip);
/* A tunnel MTU below the relay's; 0 takes the relay's. */
void wstun_connection_set_mtu (WstunConnection *self, guint mtu);
/* FALSE: a lost connection fails instead of reconnecting (default TRUE). */
void wstun_connection_set_reconnect (WstunConnection *self, gboolean reconnect);

/* Security settings (see README, "Security"): the bearer token sent in the
 * upgrade request, the CAs to trust instead of the system's (see
 * wstun-ca.h), and a base64 SHA-256 pin of the relay's public key
 * (SubjectPublicKeyInfo). */
void wstun_connection_set_token (WstunConnection *self, const char *token);
void wstun_connection_set_tls_database (WstunConnection *self, GTlsDatabase *database);
/* Fails for a malformed pin (see wstun_pin_normalize()). */
gboolean wstun_connection_set_pin_sha256 (WstunConnection *self, const char *pin, GError **error);

void wstun_connection_start (WstunConnection *self);
void wstun_connection_stop (WstunConnection *self);

WstunConnectionState wstun_connection_get_state (WstunConnection *self);
/* The relay in use now, or tried next (property "url", notified when
 * it moves on) */
const char *wstun_connection_get_url (WstunConnection *self);
/* All of them, as given */
const char *const *wstun_connection_get_urls (WstunConnection *self);
const char *wstun_connection_get_interface (WstunConnection *self);
const char *wstun_connection_get_address4 (WstunConnection *self);
const char *wstun_connection_get_address6 (WstunConnection *self);
guint wstun_connection_get_mtu (WstunConnection *self);
const char *const *wstun_connection_get_routes (WstunConnection *self);
const char *const *wstun_connection_get_dns (WstunConnection *self);
/* Why the connection failed, or, while reconnecting, why it was lost and
 * why the last attempt failed. */
const char *wstun_connection_get_last_error (WstunConnection *self);
/* Changes with last-error: WSTUN_FAILURE_NONE while it is NULL. */
WstunFailure wstun_connection_get_failure (WstunConnection *self);
/* The IP address the TCP connection to the relay reached; NULL before. */
const char *wstun_connection_get_relay_address (WstunConnection *self);
/* Times the connection came back after a loss since start. */
guint wstun_connection_get_reconnects (WstunConnection *self);
/* The counters. The signal "stats-changed" (no arguments) announces them at
 * most once a second while they change, and not at all while no traffic
 * flows (no timer runs then). */
const WstunConnectionStats *wstun_connection_get_stats (WstunConnection *self);

G_END_DECLS
