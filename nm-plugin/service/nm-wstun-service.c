/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-service: NetworkManager's VPN service for wstun. NetworkManager
 * starts it (the .name file's program=), one process per active connection
 * with its own --bus-name; it quits when its connection ends. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "nm-wstun-keys.h"
#include "nm-wstun-plugin.h"
#include "wstun-dbus-error.h"

static int log_level = LOG_NOTICE; /* NM_VPN_LOG_LEVEL: syslog's levels */
static gboolean log_syslog;        /* NM_VPN_LOG_SYSLOG */

static int
syslog_level (GLogLevelFlags level)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return LOG_ERR;
  if (level & G_LOG_LEVEL_WARNING)
    return LOG_WARNING;
  if (level & G_LOG_LEVEL_MESSAGE)
    return LOG_NOTICE;
  if (level & G_LOG_LEVEL_INFO)
    return LOG_INFO;
  return LOG_DEBUG;
}

/* NetworkManager says where and how much to log, as to every VPN service */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;
  int priority = syslog_level (level);

  (void) user_data;
  if (priority > log_level)
    return G_LOG_WRITER_HANDLED;
  for (gsize i = 0; i < n_fields; i++) {
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  }
  if (message == NULL)
    return G_LOG_WRITER_UNHANDLED;
  if (log_syslog)
    syslog (priority, "%s", message);
  else
    fprintf (stderr, "nm-wstun[%d]: %s\n", (int) getpid (), message);
  return G_LOG_WRITER_HANDLED;
}

static void
setup_logging (gboolean debug)
{
  const char *level = g_getenv ("NM_VPN_LOG_LEVEL");
  const char *use_syslog = g_getenv ("NM_VPN_LOG_SYSLOG");

  if (level != NULL)
    log_level = CLAMP (atoi (level), LOG_EMERG, LOG_DEBUG);
  if (debug)
    log_level = LOG_DEBUG;
  log_syslog = use_syslog != NULL ? atoi (use_syslog) != 0 : !debug;
  /* NetworkManager asks for syslog even where nothing listens (a
   * container, a test's namespace): there, stderr is not lost */
  if (log_syslog && !g_file_test ("/dev/log", G_FILE_TEST_EXISTS))
    log_syslog = FALSE;
  if (log_syslog)
    openlog ("nm-wstun", LOG_PID, LOG_DAEMON);
  g_log_set_writer_func (write_log, NULL, NULL);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *bus_name = NULL;
  gboolean persist = FALSE, debug = FALSE;
  GOptionEntry entries[] = {
    { "persist", 0, 0, G_OPTION_ARG_NONE, &persist, N_ ("Do not quit when the VPN connection ends"),
      NULL },
    { "debug", 0, 0, G_OPTION_ARG_NONE, &debug,
      N_ ("Log debug messages to stderr, and keep running without NetworkManager"), NULL },
    { "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name,
      N_ ("The D-Bus name to own (NetworkManager gives one per connection)"), N_ ("NAME") },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (NMWstunPlugin) plugin = NULL;
  g_autoptr (GMainLoop) loop = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* org.wstun's errors arrive as WSTUN_DBUS_ERROR */
  (void) wstun_dbus_error_quark ();

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _ ("NetworkManager's VPN service for wstun, started by "
                                            "NetworkManager; it asks wstund for the tunnel."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("nm-wstun-service: %s\n", error->message);
    return 2;
  }
  if (getenv ("WSTUN_DEBUG") != NULL)
    debug = TRUE;
  setup_logging (debug);
  signal (SIGPIPE, SIG_IGN);

  plugin =
    nm_wstun_plugin_new (bus_name != NULL ? bus_name : NM_WSTUN_SERVICE_TYPE, !debug, &error);
  if (plugin == NULL) {
    g_warning ("cannot serve %s: %s", bus_name != NULL ? bus_name : NM_WSTUN_SERVICE_TYPE,
               error->message);
    return 1;
  }
  loop = g_main_loop_new (NULL, FALSE);
  if (!persist)
    g_signal_connect_swapped (plugin, "quit", G_CALLBACK (g_main_loop_quit), loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  /* a tunnel still up ends with this process (bind-to-caller does it too) */
  nm_vpn_service_plugin_disconnect (NM_VPN_SERVICE_PLUGIN (plugin), NULL);
  return 0;
}
