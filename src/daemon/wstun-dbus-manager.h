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

#define WSTUN_TYPE_DBUS_MANAGER (wstun_dbus_manager_get_type ())
G_DECLARE_FINAL_TYPE (WstunDBusManager, wstun_dbus_manager, WSTUN, DBUS_MANAGER, GObject)

WstunDBusManager *wstun_dbus_manager_new (WstunManager *manager, WstunAuthority *authority);

gboolean wstun_dbus_manager_export (WstunDBusManager *self, GDBusConnection *bus, GError **error);
void wstun_dbus_manager_unexport (WstunDBusManager *self);

/* Whether there are connections or calls in progress; "notify::busy"
 * follows it (wstund exits after a while of not being busy). */
gboolean wstun_dbus_manager_is_busy (WstunDBusManager *self);

G_END_DECLS
