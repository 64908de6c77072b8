/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-daemon.h: wstund as a D-Bus service
 *
 * Owns the name org.wstun on the system bus (or the session bus, for
 * development), exports the API (WstunDBusManager) and ends:
 * - on wstun_daemon_shutdown() (SIGTERM, SIGINT): every connection is
 *   closed and its device removed first;
 * - on the system bus, after @idle_timeout seconds without connections or
 *   calls (0: never): D-Bus activation starts it again on the next call;
 * - when the bus goes away or another wstund --replace takes the name.
 * Then it emits "finished". */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WSTUN_DAEMON_DEFAULT_IDLE_TIMEOUT 60

#define WSTUN_TYPE_DAEMON (wstun_daemon_get_type ())
G_DECLARE_FINAL_TYPE (WstunDaemon, wstun_daemon, WSTUN, DAEMON, GObject)

WstunDaemon *wstun_daemon_new (GBusType bus_type, guint idle_timeout, gboolean replace);
/* See wstun_dbus_manager_set_limits(); before wstun_daemon_start(). */
void wstun_daemon_set_limits (WstunDaemon *self, guint max_connections, guint max_per_user);
void wstun_daemon_start (WstunDaemon *self);
void wstun_daemon_shutdown (WstunDaemon *self);
/* 0 after a shutdown or an idle exit, 1 when the bus or the name was lost */
int wstun_daemon_get_exit_code (WstunDaemon *self);

G_END_DECLS
