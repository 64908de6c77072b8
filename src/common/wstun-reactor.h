/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-reactor.h: many sockets and timers in one main-loop source
 *
 * GLib's main loop polls every source's descriptors on every pass and walks
 * every source in prepare and check: with one GSource per connection (input,
 * output, keepalive) a relay's wakeup costs O(clients). A reactor is one
 * GSource per GMainContext that holds an epoll set for the descriptors and a
 * binary heap for the timers, so a wakeup costs what the ready descriptors
 * and the expired timers cost. Callbacks run in the context's thread, at
 * G_PRIORITY_DEFAULT, like the sources they replace.
 *
 * Watches are level-triggered. A callback that stops before it has taken
 * everything (a read budget, or a stream such as TLS that buffers data the
 * descriptor no longer shows) asks to run again with
 * wstun_reactor_watch_set_pending().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WstunReactor WstunReactor;
typedef struct _WstunReactorWatch WstunReactorWatch;
typedef struct _WstunTimer WstunTimer;

/* @condition: G_IO_IN, G_IO_OUT, G_IO_ERR, G_IO_HUP as reported; a pending
 * run reports the conditions the watch asked for. */
typedef void (*WstunReactorFunc) (WstunReactorWatch *watch, GIOCondition condition,
                                  gpointer user_data);
typedef void (*WstunTimerFunc) (WstunTimer *timer, gpointer user_data);

/* Embedded in its owner, which stops it before going away; the reactor
 * only points at it while it is armed. */
struct _WstunTimer {
  /*< private >*/
  WstunReactor *reactor;
  gint64 expiry;
  guint index; /* in the heap; G_MAXUINT while not armed */
  WstunTimerFunc func;
  gpointer user_data;
};

/* The reactor of the thread-default main context, created and attached on
 * first use; the caller owns a reference. */
WstunReactor *wstun_reactor_get_default (void);
WstunReactor *wstun_reactor_ref (WstunReactor *reactor);
void wstun_reactor_unref (WstunReactor *reactor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunReactor, wstun_reactor_unref)

/* Watches @fd (which the caller keeps open until the watch is removed) for
 * @events (G_IO_IN and/or G_IO_OUT; errors and hang-ups are always
 * reported while any event is watched). Never fails for a valid socket; a
 * descriptor epoll refuses is a programmer error. */
WstunReactorWatch *wstun_reactor_watch_fd (WstunReactor *reactor, int fd, GIOCondition events,
                                           WstunReactorFunc func, gpointer user_data);
void wstun_reactor_watch_set_events (WstunReactorWatch *watch, GIOCondition events);
GIOCondition wstun_reactor_watch_get_events (WstunReactorWatch *watch);
/* Runs the callback again on the next pass, whatever the descriptor says */
void wstun_reactor_watch_set_pending (WstunReactorWatch *watch);
/* Forgets the watch: its callback is not called again, even for events the
 * current pass already collected. Safe from within any callback. */
void wstun_reactor_watch_remove (WstunReactorWatch *watch);

void wstun_timer_init (WstunTimer *timer, WstunTimerFunc func, gpointer user_data);
/* Arms (or re-arms) @timer to fire once at @expiry (g_get_monotonic_time()
 * microseconds), rounded up to a multiple of @slack microseconds (0 for
 * none) so timers that need no precision share wakeups. */
void wstun_timer_start (WstunTimer *timer, WstunReactor *reactor, gint64 expiry, gint64 slack);
void wstun_timer_stop (WstunTimer *timer);
gboolean wstun_timer_is_armed (const WstunTimer *timer);

/* A read buffer shared by the reactor's connections: what a connection
 * reads goes here first, and only a frame not complete by the end of the
 * wakeup is copied to a buffer of its own. NULL while it is lent (a
 * connection reading within another's callback); returned before the
 * callback that borrowed it ends. */
guint8 *wstun_reactor_borrow_buffer (WstunReactor *reactor, gsize *len);
void wstun_reactor_return_buffer (WstunReactor *reactor, guint8 *buffer);

/* Numbers for tests and metrics */
guint wstun_reactor_get_n_watches (WstunReactor *reactor);
guint wstun_reactor_get_n_timers (WstunReactor *reactor);

G_END_DECLS
