/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-gate.h: who gets in, before any WebSocket is spent on them
 *
 * Bounds the connections that have not yet been upgraded (and closes those
 * that take too long: slowloris), checks the bearer token of each upgrade
 * request against the tokens file, and refuses sources that keep failing
 * authentication. Every refusal is counted; logging is limited to one line
 * per source and kind per interval.
 */
#pragma once

#include <glib-object.h>
#include <libsoup/soup.h>

#include "wstun-relay-config.h"
#include "wstun-tokens.h"

G_BEGIN_DECLS

typedef struct {
  guint64 auth_failures;    /* missing or wrong token: HTTP 401 */
  guint64 auth_limited;     /* refused unchecked after too many failures: HTTP 429 */
  guint64 pending_refused;  /* too many connections not yet upgraded: HTTP 503 or hung up */
  guint64 pending_timeouts; /* connections closed for not upgrading in time */
  guint64 clients_full;     /* refused at --max-clients: HTTP 503 */
} WstunGateCounters;

#define WSTUN_TYPE_GATE (wstun_gate_get_type ())
G_DECLARE_FINAL_TYPE (WstunGate, wstun_gate, WSTUN, GATE, GObject)

/* @config must outlive the gate. Loads the tokens file if one is set. */
WstunGate *wstun_gate_new (const WstunRelayConfig *config, GError **error);
/* Follows @server's connections from their first byte. */
void wstun_gate_watch (WstunGate *self, SoupServer *server);
/* Checks an upgrade request. On refusal sets the HTTP @status and a
 * @reason for the client and returns FALSE. On success *@token is the
 * matching entry (NULL on an open relay), valid until the next reload. */
gboolean wstun_gate_admit (WstunGate *self, SoupServerMessage *msg, const WstunToken **token,
                           guint *status, const char **reason);
/* Counts and logs (once per source per interval) a request refused
 * because the relay has @max_clients clients. */
void wstun_gate_refuse_full (WstunGate *self, SoupServerMessage *msg, guint max_clients);
/* Whether @msg came when max-pending connections were waiting: it gets
 * HTTP 503 with Retry-After instead of a WebSocket. */
gboolean wstun_gate_is_overflow (WstunGate *self, SoupServerMessage *msg);
/* The request became a WebSocket: it no longer counts as pending. */
void wstun_gate_upgraded (WstunGate *self, SoupServerMessage *msg);
/* Re-reads the tokens file (also done when it changes); "tokens-changed"
 * follows on success. */
gboolean wstun_gate_reload (WstunGate *self, GError **error);
/* NULL on an open relay. */
WstunTokens *wstun_gate_get_tokens (WstunGate *self);
const WstunGateCounters *wstun_gate_get_counters (WstunGate *self);
guint wstun_gate_get_n_pending (WstunGate *self);
/* Remote IP address of @msg as text, for logs and limits. */
char *wstun_gate_remote_ip (SoupServerMessage *msg);
/* Works around libsoup < 3.4.0 leaking every socket @server accepts (done
 * by wstun_gate_watch() for the server it watches). */
void wstun_soup_server_plug_socket_leak (SoupServer *server);

G_END_DECLS
