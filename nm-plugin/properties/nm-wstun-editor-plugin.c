/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-editor-plugin.h"

#include <dlfcn.h>
#include <glib/gi18n-lib.h>
#include <gmodule.h>
#include <string.h>

#include "nm-wstun-keyfile.h"
#include "nm-wstun-keys.h"

enum {
  PROP_0,
  PROP_NAME,
  PROP_DESC,
  PROP_SERVICE,
};

struct _NMWstunEditorPlugin {
  GObject parent_instance;
};

static void editor_plugin_interface_init (NMVpnEditorPluginInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NMWstunEditorPlugin, nm_wstun_editor_plugin, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NM_TYPE_VPN_EDITOR_PLUGIN,
                                                      editor_plugin_interface_init))

static NMConnection *
import_from_file (NMVpnEditorPlugin *plugin, const char *path, GError **error)
{
  (void) plugin;
  return nm_wstun_keyfile_import (path, error);
}

static gboolean
export_to_file (NMVpnEditorPlugin *plugin, const char *path, NMConnection *connection,
                GError **error)
{
  (void) plugin;
  return nm_wstun_keyfile_export (path, connection, error);
}

static char *
get_suggested_filename (NMVpnEditorPlugin *plugin, NMConnection *connection)
{
  (void) plugin;
  return nm_wstun_keyfile_suggested_name (connection);
}

static NMVpnEditorPluginCapability
get_capabilities (NMVpnEditorPlugin *plugin)
{
  (void) plugin;
  return NM_VPN_EDITOR_PLUGIN_CAPABILITY_IMPORT | NM_VPN_EDITOR_PLUGIN_CAPABILITY_EXPORT |
         NM_VPN_EDITOR_PLUGIN_CAPABILITY_IPV6;
}

typedef NMVpnEditor *(*EditorFactory) (NMVpnEditorPlugin *plugin, NMConnection *connection,
                                       GError **error);

/* The GTK editor lives in a library of its own, one for GTK3 and one for
 * GTK4, beside this one: which is loaded depends on the GTK the calling
 * process already has (a process cannot have both). */
static NMVpnEditor *
get_editor (NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
  static const char anchor = 0; /* an address inside this library, for dladdr() */
  GModule *self = g_module_open (NULL, 0);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  gpointer gtk3_symbol = NULL;
  const char *name;
  Dl_info info;
  GModule *module;
  gpointer symbol = NULL;
  EditorFactory factory;

  name = self != NULL && g_module_symbol (self, "gtk_container_add", &gtk3_symbol)
           ? "libnm-vpn-plugin-wstun-editor.so"
           : "libnm-gtk4-vpn-plugin-wstun-editor.so";
  if (self != NULL)
    g_module_close (self);
  if (dladdr (&anchor, &info) == 0 || info.dli_fname == NULL) {
    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
                 _ ("Cannot find where the wstun plugin is installed"));
    return NULL;
  }
  dir = g_path_get_dirname (info.dli_fname);
  path = g_build_filename (dir, name, NULL);
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL) {
    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
                 _ ("Cannot load the wstun editor %s: %s"), path, g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (module, "nm_vpn_editor_factory_wstun", &symbol) || symbol == NULL) {
    g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_FAILED,
                 _ ("%s is not a wstun editor: %s"), path, g_module_error ());
    g_module_close (module);
    return NULL;
  }
  /* stays loaded: the editor's code runs for as long as the caller wants */
  g_module_make_resident (module);
  memcpy (&factory, &symbol, sizeof factory); /* ISO C has no object-to-function cast */
  return factory (plugin, connection, error);
}

static void
get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id) {
  case PROP_NAME:
    g_value_set_string (value, _ ("WebSocket VPN (wstun)"));
    break;
  case PROP_DESC:
    g_value_set_string (value, _ ("IP packets over WebSockets (ws:// and wss://) to a wstun "
                                  "relay"));
    break;
  case PROP_SERVICE:
    g_value_set_string (value, NM_WSTUN_SERVICE_TYPE);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
nm_wstun_editor_plugin_class_init (NMWstunEditorPluginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = get_property;
  g_object_class_override_property (object_class, PROP_NAME, NM_VPN_EDITOR_PLUGIN_NAME);
  g_object_class_override_property (object_class, PROP_DESC, NM_VPN_EDITOR_PLUGIN_DESCRIPTION);
  g_object_class_override_property (object_class, PROP_SERVICE, NM_VPN_EDITOR_PLUGIN_SERVICE);
}

static void
nm_wstun_editor_plugin_init (NMWstunEditorPlugin *self)
{
  (void) self;
}

static void
editor_plugin_interface_init (NMVpnEditorPluginInterface *iface)
{
  iface->get_editor = get_editor;
  iface->get_capabilities = get_capabilities;
  iface->import_from_file = import_from_file;
  iface->export_to_file = export_to_file;
  iface->get_suggested_filename = get_suggested_filename;
}

G_MODULE_EXPORT NMVpnEditorPlugin *
nm_vpn_editor_plugin_factory (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  return g_object_new (NM_TYPE_WSTUN_EDITOR_PLUGIN, NULL);
}
