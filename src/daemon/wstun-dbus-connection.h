/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-dbus-connection.h: one WstunConnection as a D-Bus object
 *
 * /org/wstun/connection/N with the interface org.wstun.Connection, whose
 * properties follow the connection: every state in a PropertiesChanged of
 * its own, the counters at most once a second while they move. Method
 * calls are handled by WstunDBusManager, which connects to the
 * interface's "handle-disconnect". */
#pragma once

#include <gio/gio.h>

#include "wstun-connection.h"
#include "wstun-dbus-generated.h"

G_BEGIN_DECLS

/* LastError quotes the URL and the relay's words: at most this many bytes,
 * so that the largest GetManagedObjects reply stays far below the bus's
 * message limit */
#define WSTUN_DBUS_CONNECTION_LAST_ERROR_MAX 4096

#define WSTUN_TYPE_DBUS_CONNECTION (wstun_dbus_connection_get_type ())
G_DECLARE_FINAL_TYPE (WstunDBusConnection, wstun_dbus_connection, WSTUN, DBUS_CONNECTION, GObject)

/* @owner_uid: the user who made it (may disconnect it) */
WstunDBusConnection *wstun_dbus_connection_new (guint id, WstunConnection *connection,
                                                guint owner_uid);

guint wstun_dbus_connection_get_id (WstunDBusConnection *self);
const char *wstun_dbus_connection_get_path (WstunDBusConnection *self);
guint wstun_dbus_connection_get_owner_uid (WstunDBusConnection *self);
/* the object to export with a GDBusObjectManagerServer */
GDBusObjectSkeleton *wstun_dbus_connection_get_object (WstunDBusConnection *self);
WstunExportedConnection *wstun_dbus_connection_get_interface (WstunDBusConnection *self);

/* Ties the connection to @name (a unique bus name) on @bus: "caller-vanished"
 * is emitted once when it leaves the bus (at once if it already has). */
void wstun_dbus_connection_bind_to_caller (WstunDBusConnection *self, GDBusConnection *bus,
                                           const char *name);

/* Brings every property up to date and sends what changed now, rather
 * than from an idle callback: before the object is unexported. */
void wstun_dbus_connection_flush (WstunDBusConnection *self);

G_END_DECLS
