/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl disconnect [CONNECTION] */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>

#include "wstun-dbus-names.h"

int
wstunctl_disconnect (WstunCtl *ctl, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("[CONNECTION]"));
  g_autoptr (GPtrArray) connections = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  WstunExportedConnection *connection;

  g_option_context_set_summary (
    context, _ ("Disconnect CONNECTION (an object path, its number or its interface), or the "
                "only connection when none is named. Returns once its device is gone."));
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc > 2)
    return wstunctl_fail_message (WSTUNCTL_EXIT_USAGE,
                                  _ ("disconnect takes at most one connection; see --help"));

  connections = wstunctl_get_connections (ctl, &error);
  if (connections == NULL)
    return wstunctl_fail (error);
  connection = wstunctl_find_connection (connections, argc == 2 ? argv[1] : NULL, &error);
  if (connection == NULL)
    return wstunctl_fail (error);
  path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection)));
  reply = wstunctl_call (ctl, path, WSTUN_DBUS_CONNECTION_INTERFACE, "Disconnect", NULL, &error);
  if (reply == NULL)
    return wstunctl_fail (error);

  if (ctl->json)
    wstunctl_print_json_strings ("path", path, "state", "disconnected", NULL);
  else
    g_print (_ ("Disconnected %s\n"), path);
  return WSTUNCTL_EXIT_OK;
}
