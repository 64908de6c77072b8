/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-manager.h: the connections of one wstund, without D-Bus
 *
 * Makes, numbers, ends and forgets WstunConnection objects. A connection
 * is forgotten once it is down: after wstun_manager_remove() (when it reached
 * "disconnected" or "failed"), or FAILED_LINGER seconds after it failed on
 * its own, so that a client has time to read why. The D-Bus side
 * (wstun-dbus-manager.c) follows "connection-added" and
 * "connection-removed". */
#pragma once

#include <gio/gio.h>

#include "wstun-connection.h"
#include "wstun-settings.h"

G_BEGIN_DECLS

/* How long a connection that failed by itself stays listed. */
#define WSTUN_MANAGER_FAILED_LINGER_SECONDS 60

#define WSTUN_TYPE_MANAGER (wstun_manager_get_type ())
G_DECLARE_FINAL_TYPE (WstunManager, wstun_manager, WSTUN, MANAGER, GObject)

WstunManager *wstun_manager_new (void);

/* Makes a connection with @settings and starts it. Returns its id (1, 2,
 * ...; never reused), or 0 with @error set (invalid settings). The
 * connection is in state "connecting" (or already "failed") on return;
 * "connection-added" has been emitted. */
guint wstun_manager_add (WstunManager *self, const WstunSettings *settings, GError **error);

/* The connection with @id, or NULL (no such connection, or being removed). */
WstunConnection *wstun_manager_lookup (WstunManager *self, guint id);

/* Ends connection @id (WebSocket close, device removed) and forgets it;
 * completes once "connection-removed" has been emitted. Fails with
 * WSTUN_ERROR_NOT_FOUND for an unknown id. */
void wstun_manager_remove_async (WstunManager *self, guint id, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean wstun_manager_remove_finish (WstunManager *self, GAsyncResult *result, GError **error);

/* Ends every connection; "notify::n-connections" tells when none is left. */
void wstun_manager_remove_all (WstunManager *self);

guint wstun_manager_get_n_connections (WstunManager *self);

G_END_DECLS
