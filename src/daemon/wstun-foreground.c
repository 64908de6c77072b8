/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-foreground.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

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

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Load;

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Load *load = user_data;

  (void) source;
  load->ok =
    wstun_settings_load_finish (g_task_get_task_data (G_TASK (result)), result, &load->error);
  load->done = TRUE;
}

/* The CA certificates, loaded as the D-Bus service loads them */
static gboolean
load_settings (WstunSettings *settings, GError **error)
{
  Load load = { 0 };

  wstun_settings_load_async (settings, NULL, on_loaded, &load);
  while (!load.done)
    g_main_context_iteration (NULL, TRUE);
  if (!load.ok)
    g_propagate_error (error, load.error);
  return load.ok;
}

int
wstun_foreground_run (WstunSettings *settings)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunConnection) connection = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  Foreground fg = { 0 };
  guint sigint, sigterm;

  if (!load_settings (settings, &error) ||
      (connection = wstun_settings_create_connection (settings, &error)) == NULL) {
    g_printerr ("wstund: %s\n", error->message);
    return 2;
  }
  loop = g_main_loop_new (NULL, FALSE);
  fg.loop = loop;
  fg.connection = connection;
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_state), &fg);
  sigint = g_unix_signal_add (SIGINT, on_signal, &fg);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &fg);
  wstun_connection_start (connection);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (connection, &fg);
  return fg.exit_code;
}
