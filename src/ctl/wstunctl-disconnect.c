/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl disconnect [CONNECTION | --all] */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>

#include "wstun-dbus-error.h"
#include "wstun-dbus-names.h"

static gboolean
disconnect_one (WstunCtl *ctl, const char *path, GError **error)
{
  g_autoptr (GVariant) reply = NULL;

  reply = wstunctl_call (ctl, path, WSTUN_DBUS_CONNECTION_INTERFACE, "Disconnect", NULL, error);
  return reply != NULL;
}

static void
print_done (WstunCtl *ctl, const char *path)
{
  g_autofree char *printable = NULL;

  if (ctl->json) {
    wstunctl_print_json_strings ("path", path, "state", "disconnected", NULL);
    return;
  }
  printable = wstunctl_text (path, FALSE);
  g_print (_ ("Disconnected %s\n"), printable);
}

/* Tries every connection: the caller may own some and not others, and
 * only wstund (and polkit) know which it may end. One that went away
 * meanwhile (a failed one expiring) is as good as disconnected. */
static int
disconnect_all (WstunCtl *ctl, GPtrArray *connections)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  int status = WSTUNCTL_EXIT_OK;

  json_builder_begin_array (builder);
  for (guint i = 0; i < connections->len; i++) {
    const char *path = g_dbus_proxy_get_object_path (connections->pdata[i]);
    g_autofree char *printable = wstunctl_text (path, FALSE);
    g_autoptr (GError) error = NULL;
    gboolean gone = FALSE;

    if (!disconnect_one (ctl, path, &error))
      gone = g_error_matches (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND);
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "path");
    json_builder_add_string_value (builder, path);
    if (error == NULL || gone) {
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, "disconnected");
      if (!ctl->json && gone)
        g_print (_ ("%s was gone already\n"), printable);
      else if (!ctl->json)
        g_print (_ ("Disconnected %s\n"), printable);
    } else {
      g_autofree char *message = NULL;

      json_builder_set_member_name (builder, "error");
      wstunctl_build_error (builder, error);
      if (status == WSTUNCTL_EXIT_OK)
        status = wstunctl_error_status (error);
      if (!ctl->json) {
        g_autoptr (GError) copy = g_error_copy (error);

        g_dbus_error_strip_remote_error (copy);
        message = wstunctl_text (copy->message, FALSE);
        g_printerr (_ ("wstunctl: cannot disconnect %s: %s\n"), printable, message);
      }
    }
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  if (ctl->json) {
    node = json_builder_get_root (builder);
    wstunctl_print_json (node);
  } else if (connections->len == 0) {
    g_print ("%s\n", _ ("No connections."));
  }
  return status;
}

int
wstunctl_disconnect (WstunCtl *ctl, int argc, char **argv)
{
  gboolean all = FALSE;
  GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_ ("Disconnect every connection you may disconnect"),
      NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("[CONNECTION]"));
  g_autoptr (GPtrArray) connections = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  WstunExportedConnection *connection;

  g_option_context_set_summary (
    context, _ ("Disconnect CONNECTION (an object path, its number or its interface), or the "
                "only connection when none is named, or with --all every one. Returns once the "
                "devices are gone."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc > 2)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE,
                                  _ ("disconnect takes at most one connection; see --help"));
  if (all && argc == 2)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE,
                                  _ ("disconnect takes a connection or --all, not both"));

  connections = wstunctl_get_connections (ctl, &error);
  if (connections == NULL)
    return wstunctl_fail (ctl, error);
  if (all)
    return disconnect_all (ctl, connections);
  connection = wstunctl_find_connection (connections, argc == 2 ? argv[1] : NULL, &error);
  if (connection == NULL)
    return wstunctl_fail (ctl, error);
  path = g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection)));
  if (!disconnect_one (ctl, path, &error))
    return wstunctl_fail (ctl, error);
  print_done (ctl, path);
  return WSTUNCTL_EXIT_OK;
}
