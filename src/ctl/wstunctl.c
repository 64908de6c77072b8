/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl: control wstund over D-Bus (org.wstun). Uses only the API's
 * generated bindings; see wstunctl(1). */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "wstun-dbus-error.h"
#include "wstun-dbus-names.h"

/* Connect and Disconnect may wait for a person typing a password. */
#define CALL_TIMEOUT_MS (5 * 60 * 1000)

GOptionGroup *
wstunctl_global_options (WstunCtl *ctl)
{
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl->json, N_ ("Print JSON instead of text"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &ctl->session,
      N_ ("Talk to a wstund on the session bus (wstund --session)"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  GOptionGroup *group = g_option_group_new ("global", _ ("Options of every command:"),
                                            _ ("Show the options of every command"), NULL, NULL);

  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  return group;
}

gboolean
wstunctl_parse (GOptionContext *context, WstunCtl *ctl, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  g_option_context_add_group (context, wstunctl_global_options (ctl));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error)) {
    g_printerr ("wstunctl: %s\n", error->message);
    return FALSE;
  }
  if (ctl->session)
    ctl->bus_type = G_BUS_TYPE_SESSION;
  return TRUE;
}

int
wstunctl_fail_message (WstunCtlExit status, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("wstunctl: %s\n", message);
  return status;
}

static WstunCtlExit
status_for (const GError *error)
{
  if (error->domain == WSTUN_DBUS_ERROR) {
    switch ((WstunDBusError) error->code) {
    case WSTUN_DBUS_ERROR_INVALID_ARGS:
      return WSTUNCTL_EXIT_USAGE;
    case WSTUN_DBUS_ERROR_NOT_AUTHORIZED:
      return WSTUNCTL_EXIT_NOT_AUTHORIZED;
    case WSTUN_DBUS_ERROR_NOT_FOUND:
      return WSTUNCTL_EXIT_NOT_FOUND;
    case WSTUN_DBUS_ERROR_FAILED:
    default:
      return WSTUNCTL_EXIT_FAILED;
    }
  }
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return WSTUNCTL_EXIT_NOT_AUTHORIZED;
  if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR)
    return WSTUNCTL_EXIT_UNAVAILABLE;
  return WSTUNCTL_EXIT_FAILED;
}

int
wstunctl_fail (const GError *error)
{
  g_autoptr (GError) copy = g_error_copy (error);
  WstunCtlExit status = status_for (error);

  g_dbus_error_strip_remote_error (copy);
  if (status == WSTUNCTL_EXIT_UNAVAILABLE)
    return wstunctl_fail_message (status, _ ("cannot reach wstund: %s"), copy->message);
  return wstunctl_fail_message (status, "%s", copy->message);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  const char *x = g_dbus_proxy_get_object_path (*(GDBusProxy **) a);
  const char *y = g_dbus_proxy_get_object_path (*(GDBusProxy **) b);
  size_t lx = strlen (x), ly = strlen (y);

  /* /org/wstun/connection/9 before /org/wstun/connection/10 */
  return lx != ly ? (lx < ly ? -1 : 1) : strcmp (x, y);
}

GPtrArray *
wstunctl_get_connections (WstunCtl *ctl, GError **error)
{
  g_autoptr (GDBusObjectManager) manager = NULL;
  g_autolist (GDBusObject) objects = NULL;
  g_autoptr (GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *owner = NULL;

  manager = wstun_object_manager_client_new_for_bus_sync (
    ctl->bus_type, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, WSTUN_DBUS_NAME, WSTUN_DBUS_PATH, NULL,
    error);
  if (manager == NULL)
    return NULL;
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (manager));
  if (owner == NULL) {
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
                 _ ("wstund is not running on the %s bus and could not be started"),
                 ctl->bus_type == G_BUS_TYPE_SESSION ? "session" : "system");
    return NULL;
  }
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next) {
    WstunExportedConnection *connection = wstun_object_get_exported_connection (l->data);

    if (connection != NULL)
      g_ptr_array_add (connections, connection);
  }
  g_ptr_array_sort (connections, compare_paths);
  return g_steal_pointer (&connections);
}

WstunExportedConnection *
wstunctl_find_connection (GPtrArray *connections, const char *which, GError **error)
{
  g_autofree char *path = NULL;

  if (which == NULL) {
    if (connections->len == 1)
      return connections->pdata[0];
    if (connections->len == 0)
      g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND, _ ("No connections"));
    else
      g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_INVALID_ARGS,
                   _ ("There are %u connections: name one (see wstunctl list)"), connections->len);
    return NULL;
  }
  if (which[0] != '\0' && strspn (which, "0123456789") == strlen (which))
    path = g_strconcat (WSTUN_DBUS_CONNECTION_PATH_PREFIX, which, NULL);
  for (guint i = 0; i < connections->len; i++) {
    WstunExportedConnection *connection = connections->pdata[i];
    const char *object_path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection));

    if (g_strcmp0 (object_path, path != NULL ? path : which) == 0 ||
        g_strcmp0 (wstun_exported_connection_get_interface (connection), which) == 0)
      return connection;
  }
  g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND,
               _ ("No connection “%s” (see wstunctl list)"), which);
  return NULL;
}

GVariant *
wstunctl_call (WstunCtl *ctl, const char *path, const char *interface, const char *method,
               GVariant *parameters, GError **error)
{
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (ctl->bus_type, NULL, error);

  if (bus == NULL)
    return NULL;
  return g_dbus_connection_call_sync (bus, WSTUN_DBUS_NAME, path, interface, method, parameters,
                                      NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                      CALL_TIMEOUT_MS, NULL, error);
}

static const struct {
  const char *name;
  int (*run) (WstunCtl *ctl, int argc, char **argv);
  const char *synopsis;
  const char *description;
} commands[] = {
  { "connect", wstunctl_connect,
    N_ ("URL [--token-file FILE] [--ca-file FILE] [--pin-sha256 HASH]"),
    N_ ("Connect to a relay and wait until the tunnel is up") },
  { "disconnect", wstunctl_disconnect, N_ ("[CONNECTION]"),
    N_ ("Disconnect a connection (the only one when none is named)") },
  { "status", wstunctl_status, N_ ("[CONNECTION]"),
    N_ ("Show state, addresses, interface, traffic and errors") },
  { "list", wstunctl_list, "", N_ ("List the connections, one a line") },
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n", _ ("Usage: wstunctl [--json] [--session] COMMAND [ARGUMENTS]"));
  fprintf (out, "\n%s\n", _ ("Control wstun VPN connections of wstund (org.wstun)."));
  fprintf (out, "\n%s\n", _ ("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %s %s\n      %s\n", commands[i].name, _ (commands[i].synopsis),
             _ (commands[i].description));
  fprintf (out, "\n%s\n",
           _ ("CONNECTION is an object path, its number, or its interface name.\n"
              "“wstunctl COMMAND --help” shows a command's options; see wstunctl(1)."));
}

int
main (int argc, char **argv)
{
  WstunCtl ctl = { .bus_type = G_BUS_TYPE_SYSTEM };
  const char *command = NULL;
  int i;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* the remote errors arrive as WSTUN_DBUS_ERROR */
  (void) wstun_dbus_error_quark ();

  /* the command is the first argument that is no option; the global
   * options may come before or after it */
  for (i = 1; i < argc; i++) {
    if (argv[i][0] != '-')
      break;
    if (strcmp (argv[i], "--version") == 0) {
      g_print ("wstunctl %s\n", PACKAGE_VERSION);
      return WSTUNCTL_EXIT_OK;
    }
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0) {
      usage (stdout);
      return WSTUNCTL_EXIT_OK;
    }
  }
  if (i == argc) {
    usage (stderr);
    return WSTUNCTL_EXIT_USAGE;
  }
  command = argv[i];
  if (strcmp (command, "help") == 0) {
    usage (stdout);
    return WSTUNCTL_EXIT_OK;
  }
  /* argv[i] becomes the program name of the command's own parsing */
  memmove (&argv[1], &argv[0], sizeof (char *) * (size_t) i);
  argv += 1;
  argc -= 1;
  for (gsize c = 0; c < G_N_ELEMENTS (commands); c++) {
    if (strcmp (command, commands[c].name) == 0)
      return commands[c].run (&ctl, argc, argv);
  }
  return wstunctl_fail_message (WSTUNCTL_EXIT_USAGE, _ ("unknown command “%s”; see --help"),
                                command);
}
