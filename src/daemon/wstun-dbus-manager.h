/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-dbus-manager.h: wstund's D-Bus API over a WstunManager
 *
 * Exports the interface org.wstun and an ObjectManager at /org/wstun and
 * a WstunDBusConnection per connection below it; handles Connect and the
 * two Disconnect methods: asks WstunAuthority, checks the settings, and
 * answers with org.wstun.Error.* (wstun-dbus-reply.h).
 *
 * Ownership rule: a connection belongs to the uid that made it and
 * outlives the caller's bus connection; root, that uid and whoever polkit
 * authorizes for org.wstun.connect may disconnect it. With the setting
 * bind-to-caller it is disconnected when the caller's unique name leaves
 * the bus. */
#pragma once

#include <gio/gio.h>

#include "wstun-authority.h"
#include "wstun-manager.h"

G_BEGIN_DECLS

/* Defaults of wstund's --max-connections and --max-connections-per-user.
 * With them the largest GetManagedObjects reply is about 4 MiB (every
 * connection at the bounds of data/org.wstun.xml), an eighth of the bus's
 * 32 MiB message limit. */
#define WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS          128
#define WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS_PER_USER 32
/* Connect and Disconnect calls one caller (unique bus name) may have in
 * progress: each holds its message, up to a CA's 256 kB, while polkit is
 * asked and the CA loaded */
#define WSTUN_DBUS_MANAGER_MAX_CALLS_PER_CALLER 8

#define WSTUN_TYPE_DBUS_MANAGER (wstun_dbus_manager_get_type ())
G_DECLARE_FINAL_TYPE (WstunDBusManager, wstun_dbus_manager, WSTUN, DBUS_MANAGER, GObject)

WstunDBusManager *wstun_dbus_manager_new (WstunManager *manager, WstunAuthority *authority);

/* At most @max_connections connections in all and @max_per_user per uid;
 * failed ones still listed and Connect calls in progress count. */
void wstun_dbus_manager_set_limits (WstunDBusManager *self, guint max_connections,
                                    guint max_per_user);

gboolean wstun_dbus_manager_export (WstunDBusManager *self, GDBusConnection *bus, GError **error);
void wstun_dbus_manager_unexport (WstunDBusManager *self);

/* Whether there are connections or calls in progress; "notify::busy"
 * follows it (wstund exits after a while of not being busy). */
gboolean wstun_dbus_manager_is_busy (WstunDBusManager *self);

G_END_DECLS
