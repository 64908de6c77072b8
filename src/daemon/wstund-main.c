/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstund: the wstun client service. With --connect it runs one tunnel in
 * the foreground without D-Bus, for servers, containers and tests. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "wstun-connection.h"

typedef struct {
  GMainLoop *loop;
  WstunConnection *connection;
  int exit_code;
} Foreground;

static void
on_state (WstunConnection *connection, GParamSpec *pspec, Foreground *fg)
{
  (void) pspec;
  switch (wstun_connection_get_state (connection)) {
  case WSTUN_CONNECTION_STATE_FAILED:
    g_printerr ("wstund: %s\n", wstun_connection_get_last_error (connection));
    fg->exit_code = 1;
    g_main_loop_quit (fg->loop);
    break;
  case WSTUN_CONNECTION_STATE_DISCONNECTED:
    g_main_loop_quit (fg->loop);
    break;
  case WSTUN_CONNECTION_STATE_CONNECTING:
  case WSTUN_CONNECTION_STATE_CONNECTED:
  case WSTUN_CONNECTION_STATE_RECONNECTING:
  case WSTUN_CONNECTION_STATE_DISCONNECTING:
  default:
    break;
  }
}

static gboolean
on_signal (gpointer user_data)
{
  Foreground *fg = user_data;

  g_message ("disconnecting");
  wstun_connection_stop (fg->connection);
  return G_SOURCE_CONTINUE;
}

static int
run_foreground (const char *url, const char *interface, guint mtu, gboolean no_manage_ip)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunConnection) connection = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  Foreground fg = { 0 };

  connection = wstun_connection_new (url, &error);
  if (connection == NULL) {
    g_printerr ("wstund: %s\n", error->message);
    return 2;
  }
  wstun_connection_set_interface_name (connection, interface);
  wstun_connection_set_mtu (connection, mtu);
  wstun_connection_set_manage_ip (connection, !no_manage_ip);

  loop = g_main_loop_new (NULL, FALSE);
  fg.loop = loop;
  fg.connection = connection;
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_state), &fg);
  g_unix_signal_add (SIGINT, on_signal, &fg);
  g_unix_signal_add (SIGTERM, on_signal, &fg);
  wstun_connection_start (connection);
  g_main_loop_run (loop);
  return fg.exit_code;
}

int
main (int argc, char **argv)
{
  g_autofree char *connect_url = NULL;
  g_autofree char *interface = NULL;
  int mtu = 0;
  gboolean no_manage_ip = FALSE, verbose = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    { "connect", 0, 0, G_OPTION_ARG_STRING, &connect_url,
      N_ ("Run one tunnel to the relay at URL in the foreground, without D-Bus"), N_ ("URL") },
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface,
      N_ ("Name of the TUN device (default wstun0, wstun1, …)"), N_ ("NAME") },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, N_ ("Use a tunnel MTU below the relay's"),
      N_ ("BYTES") },
    { "no-manage-ip", 0, 0, G_OPTION_ARG_NONE, &no_manage_ip,
      N_ ("Create the device but leave addresses, routes and MTU to someone else"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _ ("The wstun VPN client service."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("wstund: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("wstund %s\n", PACKAGE_VERSION);
    return 0;
  }
  if (argc > 1 || mtu < 0) {
    g_printerr ("wstund: %s\n", _ ("invalid arguments; see --help"));
    return 2;
  }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  if (connect_url == NULL) {
    g_printerr ("wstund: %s\n", _ ("the D-Bus service is not available in this version; "
                                   "use --connect URL"));
    return 2;
  }
  return run_foreground (connect_url, interface, mtu, no_manage_ip);
}
