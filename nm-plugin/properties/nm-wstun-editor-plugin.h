/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-editor-plugin.h: libnm-vpn-plugin-wstun.so, the GTK-free part
 * of NetworkManager-wstun that libnm clients (nmcli, GNOME Settings,
 * nm-connection-editor) load through the .name file's [libnm] plugin=:
 * name, capabilities, import and export of .wstun files, and the editor
 * factory, which loads the GTK3 or GTK4 editor library beside this one. */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

#define NM_TYPE_WSTUN_EDITOR_PLUGIN (nm_wstun_editor_plugin_get_type ())
G_DECLARE_FINAL_TYPE (NMWstunEditorPlugin, nm_wstun_editor_plugin, NM, WSTUN_EDITOR_PLUGIN, GObject)

G_END_DECLS
