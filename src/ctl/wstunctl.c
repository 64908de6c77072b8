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

/* The options of every command; in each command's own --help. */
static void
add_global_options (GOptionContext *context, WstunCtl *ctl)
{
  GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl->json, N_ ("Print JSON instead of text"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &ctl->session,
      N_ ("Talk to a wstund on the session bus (wstund --session)"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

gboolean
wstunctl_parse (GOptionContext *context, WstunCtl *ctl, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  gboolean json = ctl->json;

  add_global_options (context, ctl);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error)) {
    /* a failed parse resets the flags it had set, to FALSE, not to what
     * they were: main() saw --json before */
    ctl->json = json;
    g_autoptr (GError) usage =
      g_error_new (WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE, "%s; %s", error->message, _ ("see --help"));
    wstunctl_fail (ctl, usage);
    return FALSE;
  }
  if (ctl->session)
    ctl->bus_type = G_BUS_TYPE_SESSION;
  return TRUE;
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

void
wstunctl_sort_connections (GPtrArray *connections)
{
  g_ptr_array_sort (connections, compare_paths);
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
    g_set_error_literal (
      error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN,
      ctl->bus_type == G_BUS_TYPE_SESSION
        ? _ ("wstund is not running on the session bus and could not be started")
        : _ ("wstund is not running on the system bus and could not be started"));
    return NULL;
  }
  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next) {
    WstunExportedConnection *connection = wstun_object_get_exported_connection (l->data);

    if (connection != NULL)
      g_ptr_array_add (connections, connection);
  }
  wstunctl_sort_connections (connections);
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
      g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_NOT_FOUND, _ ("No connections"));
    else
      g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE,
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
  g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_NOT_FOUND,
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
                                      WSTUNCTL_CALL_TIMEOUT_MS, NULL, error);
}

typedef struct {
  const char *name;
  int (*run) (WstunCtl *ctl, int argc, char **argv);
  const char *synopsis;
  const char *description;
} Command;

static const Command commands[] = {
  { "connect", wstunctl_connect,
    N_ ("URL [--token-file FILE] [--ca-file FILE] [--pin-sha256 HASH]"),
    N_ ("Connect to a relay and wait until the tunnel is up") },
  { "disconnect", wstunctl_disconnect, N_ ("[CONNECTION | --all]"),
    N_ ("Disconnect a connection (the only one when none is named), or all") },
  { "status", wstunctl_status, N_ ("[CONNECTION]"),
    N_ ("Show state, owner, addresses, interface, traffic and errors") },
  { "list", wstunctl_list, "", N_ ("List the connections, one a line (the default)") },
  { "monitor", wstunctl_monitor, "",
    N_ ("Follow wstund: connections added and removed, state changes, until Ctrl-C") },
  { "help", NULL, N_ ("[COMMAND]"), N_ ("Show this help, or a command's options") },
};

static void
usage (FILE *out)
{
  fprintf (out, "%s\n", _ ("Usage: wstunctl [--json] [--session] [COMMAND] [ARGUMENTS]"));
  fprintf (out, "\n%s\n", _ ("Control wstun VPN connections of wstund (org.wstun)."));
  fprintf (out, "\n%s\n", _ ("Commands:"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++) {
    /* not _ (""), which is the catalogue's header */
    const char *synopsis = *commands[i].synopsis != '\0' ? _ (commands[i].synopsis) : NULL;

    fprintf (out, "  %s%s%s\n      %s\n", commands[i].name, synopsis != NULL ? " " : "",
             synopsis != NULL ? synopsis : "", _ (commands[i].description));
  }
  fprintf (out, "\n%s\n",
           _ ("Without a command, wstunctl lists the connections.\n"
              "CONNECTION is an object path, its number, or its interface name.\n"
              "“wstunctl help COMMAND” or “wstunctl COMMAND --help” shows a command's\n"
              "options; see wstunctl(1)."));
}

static const Command *
find_command (const char *name)
{
  for (gsize c = 0; c < G_N_ELEMENTS (commands); c++) {
    if (strcmp (name, commands[c].name) == 0)
      return &commands[c];
  }
  return NULL;
}

/* "--json" or "-j" among the arguments before "--": usage errors found
 * before or while parsing are then reported as JSON too */
static gboolean
wants_json (int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++) {
    if (strcmp (argv[i], "--json") == 0 || strcmp (argv[i], "-j") == 0)
      return TRUE;
  }
  return FALSE;
}

/* wstunctl help [COMMAND] */
static int
help (WstunCtl *ctl, const char *name)
{
  const Command *command;
  g_autofree char *prgname = NULL;
  char *argv[] = { (char *) "wstunctl", (char *) "--help", NULL };

  if (name == NULL || strcmp (name, "help") == 0) {
    usage (stdout);
    return WSTUNCTL_EXIT_OK;
  }
  command = find_command (name);
  if (command == NULL)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE, _ ("unknown command “%s”; see --help"),
                                  name);
  /* the command's option parser prints its help and exits, as for
   * "wstunctl COMMAND --help" */
  prgname = g_strconcat ("wstunctl ", command->name, NULL);
  g_set_prgname (prgname);
  return command->run (ctl, G_N_ELEMENTS (argv) - 1, argv);
}

int
main (int argc, char **argv)
{
  WstunCtl ctl = { .bus_type = G_BUS_TYPE_SYSTEM };
  const Command *command;
  g_autofree char *prgname = NULL;
  int i;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* the remote errors arrive as WSTUN_DBUS_ERROR */
  (void) wstun_dbus_error_quark ();
  ctl.json = wants_json (argc, argv);

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
  /* no command: list, as boltctl does */
  command = i < argc ? find_command (argv[i]) : find_command ("list");
  if (command == NULL)
    return wstunctl_fail_message (&ctl, WSTUNCTL_EXIT_USAGE, _ ("unknown command “%s”; see --help"),
                                  argv[i]);
  if (command->run == NULL) {
    const char *topic = NULL;

    /* the global options may follow "help" too */
    for (int j = i + 1; j < argc; j++) {
      if (argv[j][0] == '-')
        continue;
      if (topic != NULL)
        return wstunctl_fail_message (&ctl, WSTUNCTL_EXIT_USAGE,
                                      _ ("help takes at most one command; see --help"));
      topic = argv[j];
    }
    return help (&ctl, topic);
  }
  /* the command's usage line reads "wstunctl connect [OPTION…] URL" */
  prgname = g_strconcat ("wstunctl ", command->name, NULL);
  g_set_prgname (prgname);
  if (i < argc) {
    /* drop the command: argv[0] and the options before it move up */
    memmove (&argv[1], &argv[0], sizeof (char *) * (size_t) i);
    argv += 1;
    argc -= 1;
  }
  return command->run (&ctl, argc, argv);
}
