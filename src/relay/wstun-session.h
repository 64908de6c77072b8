/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-session.h: one client of the relay, from hello to close */
#pragma once

#include <glib-object.h>

#include "wstun-leases.h"
#include "wstun-relay-config.h"
#include "wstun-router.h"
#include "wstun-ws.h"

G_BEGIN_DECLS

/* What every session shares; owned by the relay, outlives its sessions. */
typedef struct {
  WstunRouter *router;
  WstunLeases *leases;
  const WstunRelayConfig *config;
} WstunSessionContext;

#define WSTUN_TYPE_SESSION (wstun_session_get_type ())
G_DECLARE_FINAL_TYPE (WstunSession, wstun_session, WSTUN, SESSION, GObject)

/* @seed: the client speaks the original text protocol instead of wstun.v1 */
WstunSession *wstun_session_new (const WstunSessionContext *context, WstunWs *ws,
                                 const char *remote, gboolean seed);
void wstun_session_start (WstunSession *self);
/* Closes with @code; the "closed" signal follows. */
void wstun_session_close (WstunSession *self, guint16 code, const char *reason);
const char *wstun_session_get_remote (WstunSession *self);
const WstunRouterPeer *wstun_session_get_peer (WstunSession *self);

G_END_DECLS
