/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIGINT (Ctrl-C) and SIGTERM while a command waits in its main loop:
 * instead of killing wstunctl halfway (leaving, say, a connection it was
 * about to give up on), they stop the wait so that the command can clean
 * up and exit with 128 + the signal's number, as a shell would report. */
#include "config.h"

#include "wstunctl.h"

#include <glib-unix.h>
#include <signal.h>

struct _WstunCtlInterrupt {
  GMainLoop *loop;
  guint sources[2];
  int signum;
  guint count;
};

typedef struct {
  WstunCtlInterrupt *interrupt;
  int signum;
} Watch;

static gboolean
on_signal (gpointer user_data)
{
  Watch *watch = user_data;
  WstunCtlInterrupt *interrupt = watch->interrupt;

  interrupt->signum = watch->signum;
  interrupt->count++;
  if (interrupt->loop != NULL)
    g_main_loop_quit (interrupt->loop);
  return G_SOURCE_CONTINUE;
}

static guint
watch_signal (WstunCtlInterrupt *interrupt, int signum)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->interrupt = interrupt;
  watch->signum = signum;
  return g_unix_signal_add_full (G_PRIORITY_DEFAULT, signum, on_signal, watch, g_free);
}

WstunCtlInterrupt *
wstunctl_interrupt_new (GMainLoop *loop)
{
  WstunCtlInterrupt *interrupt = g_new0 (WstunCtlInterrupt, 1);

  interrupt->loop = loop != NULL ? g_main_loop_ref (loop) : NULL;
  interrupt->sources[0] = watch_signal (interrupt, SIGINT);
  interrupt->sources[1] = watch_signal (interrupt, SIGTERM);
  return interrupt;
}

int
wstunctl_interrupt_get_signal (WstunCtlInterrupt *interrupt)
{
  return interrupt->signum;
}

guint
wstunctl_interrupt_get_count (WstunCtlInterrupt *interrupt)
{
  return interrupt->count;
}

void
wstunctl_interrupt_free (WstunCtlInterrupt *interrupt)
{
  if (interrupt == NULL)
    return;
  /* GLib gives the signals their default action back with the last
   * source: a second Ctrl-C while the command cleans up ends it */
  for (gsize i = 0; i < G_N_ELEMENTS (interrupt->sources); i++)
    g_source_remove (interrupt->sources[i]);
  g_clear_pointer (&interrupt->loop, g_main_loop_unref);
  g_free (interrupt);
}
