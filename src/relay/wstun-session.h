/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-session.h: one client of the relay, from hello to close */
#pragma once

#include <glib-object.h>

#include "wstun-claims.h"
#include "wstun-leases.h"
#include "wstun-relay-config.h"
#include "wstun-router.h"
#include "wstun-tokens.h"
#include "wstun-ws.h"

G_BEGIN_DECLS

typedef struct {
  guint64 hello_timeouts;
  guint64 bad_messages;        /* closed with 4400 */
  guint64 revoked;             /* closed with 4401: token removed */
  guint64 too_big;             /* closed with 1009: a message over max-frame */
  guint64 dead_peers;          /* closed with 4504: nothing received for 3 keepalive intervals */
  guint64 cluster_unavailable; /* refused with 4502: etcd could not be asked */
} WstunSessionCounters;

/* What every session shares; owned by the relay, outlives its sessions. */
typedef struct {
  WstunRouter *router;
  WstunLeases *leases;
  const WstunRelayConfig *config;
  WstunSessionCounters *counters;
  WstunClaims *claims; /* in a cluster; else NULL */
} WstunSessionContext;

#define WSTUN_TYPE_SESSION (wstun_session_get_type ())
G_DECLARE_FINAL_TYPE (WstunSession, wstun_session, WSTUN, SESSION, GObject)

/* @seed: the client speaks the original text protocol instead of wstun.v1 */
WstunSession *wstun_session_new (const WstunSessionContext *context, WstunWs *ws,
                                 const char *remote, gboolean seed);
/* The token the client authenticated with (before start). */
void wstun_session_set_token (WstunSession *self, const WstunToken *token);
/* Whether the session's token is still in @tokens, unchanged. Sessions
 * without a token (open relay) always are. */
gboolean wstun_session_token_valid (WstunSession *self, WstunTokens *tokens);
void wstun_session_start (WstunSession *self);
/* Ends a session whose token was revoked: error "unauthorized", 4401. */
void wstun_session_revoke (WstunSession *self);
/* Ends a session whose lease a client at @by resumed: error "replaced",
 * 4410; the lease is no longer this session's. */
void wstun_session_replace (WstunSession *self, const char *by);
/* Ends a session whose addresses another relay of the cluster took over
 * (its client resumed there): error "replaced", 4410. */
void wstun_session_lost (WstunSession *self);
/* Closes with @code; the "closed" signal follows. */
void wstun_session_close (WstunSession *self, guint16 code, const char *reason);
const char *wstun_session_get_remote (WstunSession *self);
const WstunRouterPeer *wstun_session_get_peer (WstunSession *self);

G_END_DECLS
