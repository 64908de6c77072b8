/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-plugin.h: NetworkManager's VPN service for wstun
 *
 * An NMVpnServicePlugin that carries no packets itself: on Connect it
 * asks wstund (org.wstun.Connect, manage-ip false, bind-to-caller true, the
 * CA as PEM bytes it read) for a tunnel, follows the connection object,
 * and hands NetworkManager the device, addresses, routes, DNS servers and
 * the relay's address as the relay pushed them; NetworkManager configures
 * the device. A failure is reported with the matching NetworkManager
 * reason and a log line that says what to do (nm-wstun-failure.h). */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

#define NM_TYPE_WSTUN_PLUGIN (nm_wstun_plugin_get_type ())
G_DECLARE_FINAL_TYPE (NMWstunPlugin, nm_wstun_plugin, NM, WSTUN_PLUGIN, NMVpnServicePlugin)

/* @bus_name: the name to own (NetworkManager passes one per connection);
 * @watch_peer: disconnect when NetworkManager leaves the bus */
NMWstunPlugin *nm_wstun_plugin_new (const char *bus_name, gboolean watch_peer, GError **error);

G_END_DECLS
