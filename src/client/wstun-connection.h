/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-connection.h: one tunnel to a relay, from WebSocket to TUN device
 *
 * An explicit state machine; several instances can live in one process
 * (wstund runs one per D-Bus Connect call).
 *
 *   DISCONNECTED --start--> CONNECTING --config--> CONNECTED
 *        ^                      |                     |
 *        |                      +----error-----> FAILED <--lost--+
 *        +----- DISCONNECTING <----stop------------------+
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  WSTUN_CONNECTION_STATE_DISCONNECTED,
  WSTUN_CONNECTION_STATE_CONNECTING,
  WSTUN_CONNECTION_STATE_CONNECTED,
  WSTUN_CONNECTION_STATE_RECONNECTING, /* reserved for automatic reconnection */
  WSTUN_CONNECTION_STATE_DISCONNECTING,
  WSTUN_CONNECTION_STATE_FAILED,
} WstunConnectionState;

/* Why a connection failed, for programs (org.wstun.Connection's
 * FailureReason; data/org.wstun.xml says what each means). */
typedef enum {
  WSTUN_FAILURE_NONE,
  WSTUN_FAILURE_AUTH_FAILED,
  WSTUN_FAILURE_TLS_UNTRUSTED,
  WSTUN_FAILURE_TLS_PIN_MISMATCH,
  WSTUN_FAILURE_TLS_EXPIRED,
  WSTUN_FAILURE_UNREACHABLE,
  WSTUN_FAILURE_TIMEOUT,
  WSTUN_FAILURE_REFUSED,
  WSTUN_FAILURE_RELAY_CLOSED,
  WSTUN_FAILURE_PROTOCOL,
  WSTUN_FAILURE_DEVICE,
  WSTUN_FAILURE_INTERNAL,
} WstunFailure;

typedef struct {
  guint64 rx_bytes;
  guint64 tx_bytes;
  guint64 rx_packets;
  guint64 tx_packets;
  guint64 dropped_packets;
} WstunConnectionStats;

/* The state's name on D-Bus: "connecting", "connected", ... */
const char *wstun_connection_state_to_string (WstunConnectionState state);
/* The failure's code on D-Bus: "auth-failed", ...; "" for none */
const char *wstun_failure_to_string (WstunFailure failure);

#define WSTUN_TYPE_CONNECTION (wstun_connection_get_type ())
G_DECLARE_FINAL_TYPE (WstunConnection, wstun_connection, WSTUN, CONNECTION, GObject)

/* Checks a relay URL: ws:// or wss://, a host name or address, no port 0,
 * no credentials, no fragment. @tls (optional) tells whether it is wss://. */
gboolean wstun_connection_check_url (const char *url, gboolean *tls, GError **error);

/* @url: ws:// or wss:// URL of the relay (wstun_connection_check_url()) */
WstunConnection *wstun_connection_new (const char *url, GError **error);

/* Settings; take effect at the next start. */
void wstun_connection_set_interface_name (WstunConnection *self, const char *name);
/* FALSE leaves addresses, routes, MTU and link state to someone else
 * (NetworkManager); the device is still created. */
void wstun_connection_set_manage_ip (WstunConnection *self, gboolean manage_ip);
/* A tunnel MTU below the relay's; 0 takes the relay's. */
void wstun_connection_set_mtu (WstunConnection *self, guint mtu);

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
const char *wstun_connection_get_url (WstunConnection *self);
const char *wstun_connection_get_interface (WstunConnection *self);
const char *wstun_connection_get_address4 (WstunConnection *self);
const char *wstun_connection_get_address6 (WstunConnection *self);
guint wstun_connection_get_mtu (WstunConnection *self);
const char *const *wstun_connection_get_routes (WstunConnection *self);
const char *const *wstun_connection_get_dns (WstunConnection *self);
const char *wstun_connection_get_last_error (WstunConnection *self);
/* Changes with last-error: WSTUN_FAILURE_NONE while it is NULL. */
WstunFailure wstun_connection_get_failure (WstunConnection *self);
/* The IP address the TCP connection to the relay reached; NULL before. */
const char *wstun_connection_get_relay_address (WstunConnection *self);
/* The counters. The signal "stats-changed" (no arguments) announces them at
 * most once a second while they change, and not at all while no traffic
 * flows (no timer runs then). */
const WstunConnectionStats *wstun_connection_get_stats (WstunConnection *self);

G_END_DECLS
