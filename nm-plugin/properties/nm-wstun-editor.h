/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-editor.h: the wstun VPN editor, the GTK widget that
 * nm-connection-editor (GTK3) and GNOME Settings (GTK4) show for a wstun
 * connection. The same source is built twice, into
 * libnm-vpn-plugin-wstun-editor.so and libnm-gtk4-vpn-plugin-wstun-editor.so;
 * libnm-vpn-plugin-wstun.so's get_editor() loads the one that matches the
 * calling process's GTK and calls nm_vpn_editor_factory_wstun(). */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

#define NM_TYPE_WSTUN_EDITOR (nm_wstun_editor_get_type ())
G_DECLARE_FINAL_TYPE (NMWstunEditor, nm_wstun_editor, NM, WSTUN_EDITOR, GObject)

/* The only symbol the editor libraries export (libnm-vpn-plugin-wstun-editor.ver) */
NMVpnEditor *nm_vpn_editor_factory_wstun (NMVpnEditorPlugin *plugin, NMConnection *connection,
                                          GError **error);

G_END_DECLS
