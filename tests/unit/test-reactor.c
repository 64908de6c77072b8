/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reactor: one main-loop source for many sockets and timers */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wstun-reactor.h"

/* Iterates the thread-default context until @cond, for at most 5 s */
#define WAIT_FOR(cond)                                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 _end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;                                    \
    while (!(cond) && g_get_monotonic_time () < _end)                                              \
      if (!g_main_context_iteration (g_main_context_get_thread_default (), FALSE))                 \
        g_usleep (500);                                                                            \
    g_assert_true (cond);                                                                          \
  }                                                                                                \
  G_STMT_END

/* Runs every source that is ready now, without blocking */
static void
spin (guint passes)
{
  for (guint i = 0; i < passes; i++)
    while (g_main_context_iteration (g_main_context_get_thread_default (), FALSE))
      ;
}

/* ---- timers ------------------------------------------------------------ */

typedef struct {
  GArray *order; /* indexes in firing order */
  guint index;
  gint64 fired_at;
} TimerProbe;

static void
on_timer (WstunTimer *timer, gpointer user_data)
{
  TimerProbe *probe = user_data;

  (void) timer;
  probe->fired_at = g_get_monotonic_time ();
  g_array_append_val (probe->order, probe->index);
}

/* A thousand timers started in random order, some stopped and some moved,
 * fire in the order of their expiry and only once */
static void
test_timers_order (void)
{
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  enum { N = 1000 };
  WstunTimer *timers = g_new0 (WstunTimer, N);
  TimerProbe *probes = g_new0 (TimerProbe, N);
  gint64 *expiry = g_new0 (gint64, N);
  gint64 base = g_get_monotonic_time () + 50 * 1000;
  guint expected = 0;

  for (guint i = 0; i < N; i++) {
    probes[i].order = order;
    probes[i].index = i;
    wstun_timer_init (&timers[i], on_timer, &probes[i]);
    expiry[i] = base + g_rand_int_range (rand, 0, 200 * 1000);
    wstun_timer_start (&timers[i], reactor, expiry[i], 0);
  }
  g_assert_cmpuint (wstun_reactor_get_n_timers (reactor), ==, N);
  /* every third one stopped, every seventh one moved (earlier or later) */
  for (guint i = 0; i < N; i++) {
    if (i % 3 == 0) {
      wstun_timer_stop (&timers[i]);
      g_assert_false (wstun_timer_is_armed (&timers[i]));
      expiry[i] = -1;
    } else if (i % 7 == 0) {
      expiry[i] = base + g_rand_int_range (rand, 0, 200 * 1000);
      wstun_timer_start (&timers[i], reactor, expiry[i], 0);
    }
  }
  for (guint i = 0; i < N; i++)
    expected += expiry[i] >= 0;
  g_assert_cmpuint (wstun_reactor_get_n_timers (reactor), ==, expected);

  WAIT_FOR (order->len == expected);
  spin (3);
  g_assert_cmpuint (order->len, ==, expected);
  g_assert_cmpuint (wstun_reactor_get_n_timers (reactor), ==, 0);
  for (guint k = 0; k < order->len; k++) {
    guint i = g_array_index (order, guint, k);

    g_assert_cmpint (expiry[i], >=, 0);
    /* not early, and in order of expiry */
    g_assert_cmpint (probes[i].fired_at, >=, expiry[i]);
    if (k > 0)
      g_assert_cmpint (expiry[g_array_index (order, guint, k - 1)], <=, expiry[i]);
  }
  g_free (timers);
  g_free (probes);
  g_free (expiry);
}

/* Slack rounds the expiry up to its multiple, so ticks share wakeups */
static void
test_timers_slack (void)
{
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  g_autoptr (GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  TimerProbe a = { order, 0, 0 }, b = { order, 1, 0 };
  WstunTimer ta, tb;
  gint64 slack = 100 * 1000;
  gint64 now = g_get_monotonic_time ();

  wstun_timer_init (&ta, on_timer, &a);
  wstun_timer_init (&tb, on_timer, &b);
  wstun_timer_start (&ta, reactor, now + 10 * 1000, slack);
  wstun_timer_start (&tb, reactor, now + 60 * 1000, slack);
  WAIT_FOR (order->len == 2);
  /* both at the same boundary, not before it */
  g_assert_cmpint (a.fired_at, >=, (now + 10 * 1000 + slack - 1) / slack * slack);
  g_assert_cmpint (b.fired_at, >=, (now + 60 * 1000 + slack - 1) / slack * slack);
}

typedef struct {
  WstunReactor *reactor;
  WstunTimer timer;
  guint runs;
} Rearm;

static void
on_rearm (WstunTimer *timer, gpointer user_data)
{
  Rearm *r = user_data;

  r->runs++;
  /* at once again: must not loop within one pass */
  wstun_timer_start (timer, r->reactor, g_get_monotonic_time () - 1, 0);
}

/* A timer that re-arms itself in the past runs once per pass, so other
 * sources still run */
static void
test_timers_rearm (void)
{
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  Rearm r = { reactor, { 0 }, 0 };

  wstun_timer_init (&r.timer, on_rearm, &r);
  wstun_timer_start (&r.timer, reactor, g_get_monotonic_time (), 0);
  g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (r.runs, ==, 1);
  g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (r.runs, ==, 2);
  wstun_timer_stop (&r.timer);
  g_assert_cmpuint (wstun_reactor_get_n_timers (reactor), ==, 0);
}

/* ---- watches ----------------------------------------------------------- */

typedef struct {
  int fd;   /* ours */
  int peer; /* the other end */
  WstunReactorWatch *watch;
  GIOCondition seen;
  guint runs;
  gboolean drain;
  WstunReactorWatch **remove_other; /* removed from this callback */
} Probe;

static void
on_io (WstunReactorWatch *watch, GIOCondition condition, gpointer user_data)
{
  Probe *p = user_data;
  char buf[64];

  (void) watch;
  p->runs++;
  p->seen |= condition;
  if (p->drain && (condition & G_IO_IN))
    while (read (p->fd, buf, sizeof buf) > 0)
      ;
  if (p->remove_other != NULL && *p->remove_other != NULL) {
    wstun_reactor_watch_remove (*p->remove_other);
    *p->remove_other = NULL;
  }
}

static void
probe_open (Probe *p)
{
  int sv[2];

  memset (p, 0, sizeof *p);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), ==, 0);
  p->fd = sv[0];
  p->peer = sv[1];
}

static void
probe_close (Probe *p)
{
  g_clear_pointer (&p->watch, wstun_reactor_watch_remove);
  if (p->fd >= 0)
    close (p->fd);
  if (p->peer >= 0)
    close (p->peer);
}

static void
test_watch_events (void)
{
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  guint before = wstun_reactor_get_n_watches (reactor);
  Probe p;

  probe_open (&p);
  p.drain = TRUE;
  p.watch = wstun_reactor_watch_fd (reactor, p.fd, G_IO_IN, on_io, &p);
  g_assert_cmpuint (wstun_reactor_get_n_watches (reactor), ==, before + 1);
  spin (3);
  g_assert_cmpuint (p.runs, ==, 0);

  g_assert_cmpint (write (p.peer, "x", 1), ==, 1);
  WAIT_FOR (p.runs == 1);
  g_assert_true (p.seen & G_IO_IN);
  spin (3);
  g_assert_cmpuint (p.runs, ==, 1); /* drained: level-triggered, no more */

  /* output: a socket with room is writable at once */
  p.seen = 0;
  wstun_reactor_watch_set_events (p.watch, G_IO_IN | G_IO_OUT);
  g_assert_cmpint (wstun_reactor_watch_get_events (p.watch), ==, G_IO_IN | G_IO_OUT);
  WAIT_FOR (p.seen & G_IO_OUT);
  wstun_reactor_watch_set_events (p.watch, G_IO_IN);

  /* nothing watched: a hung-up socket is not reported on every pass */
  wstun_reactor_watch_set_events (p.watch, 0);
  close (p.peer);
  p.peer = -1;
  p.runs = 0;
  spin (5);
  g_assert_cmpuint (p.runs, ==, 0);
  /* watched again: the hang-up is reported */
  wstun_reactor_watch_set_events (p.watch, G_IO_IN);
  WAIT_FOR (p.runs > 0);
  g_assert_true (p.seen & G_IO_HUP);
  wstun_reactor_watch_set_events (p.watch, 0);

  probe_close (&p);
  g_assert_cmpuint (wstun_reactor_get_n_watches (reactor), ==, before);
}

/* set_pending runs the callback on the next pass with nothing to read, and
 * once: a callback that asks again runs on the pass after */
static void
test_watch_pending (void)
{
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  Probe p;

  probe_open (&p);
  p.watch = wstun_reactor_watch_fd (reactor, p.fd, G_IO_IN, on_io, &p);
  wstun_reactor_watch_set_pending (p.watch);
  wstun_reactor_watch_set_pending (p.watch); /* twice is once */
  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (p.runs, ==, 1);
  g_assert_cmpint (p.seen, ==, G_IO_IN);
  spin (3);
  g_assert_cmpuint (p.runs, ==, 1);

  /* removed while pending: never called */
  wstun_reactor_watch_set_pending (p.watch);
  g_clear_pointer (&p.watch, wstun_reactor_watch_remove);
  spin (3);
  g_assert_cmpuint (p.runs, ==, 1);
  probe_close (&p);
}

/* A callback removes another watch whose event the same pass collected:
 * the removed one is not called (ASan checks nothing freed is touched) */
static void
test_watch_remove_in_pass (void)
{
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  Probe a, b;

  probe_open (&a);
  probe_open (&b);
  a.drain = b.drain = TRUE;
  a.watch = wstun_reactor_watch_fd (reactor, a.fd, G_IO_IN, on_io, &a);
  b.watch = wstun_reactor_watch_fd (reactor, b.fd, G_IO_IN, on_io, &b);
  /* whichever runs first removes the other */
  a.remove_other = &b.watch;
  b.remove_other = &a.watch;
  g_assert_cmpint (write (a.peer, "x", 1), ==, 1);
  g_assert_cmpint (write (b.peer, "x", 1), ==, 1);
  WAIT_FOR (a.runs + b.runs >= 1);
  spin (3);
  g_assert_cmpuint (a.runs + b.runs, ==, 1);
  g_assert_true ((a.watch == NULL) != (b.watch == NULL));
  probe_close (&a);
  probe_close (&b);
}

/* Each main context has its own reactor, which goes with the context */
static void
test_per_context (void)
{
  g_autoptr (WstunReactor) outer = wstun_reactor_get_default ();
  g_autoptr (WstunReactor) again = wstun_reactor_get_default ();
  GMainContext *context = g_main_context_new ();
  WstunReactor *inner;
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint));
  TimerProbe probe = { order, 7, 0 };
  WstunTimer timer;

  g_assert_true (outer == again);
  g_main_context_push_thread_default (context);
  inner = wstun_reactor_get_default ();
  g_assert_true (inner != outer);
  wstun_timer_init (&timer, on_timer, &probe);
  wstun_timer_start (&timer, inner, g_get_monotonic_time (), 0);
  /* the outer context does not run it */
  g_main_context_iteration (g_main_context_default (), FALSE);
  g_assert_cmpuint (order->len, ==, 0);
  WAIT_FOR (order->len == 1);
  g_main_context_pop_thread_default (context);
  wstun_reactor_unref (inner);
  g_main_context_unref (context);
  g_array_unref (order);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reactor/timers/order", test_timers_order);
  g_test_add_func ("/reactor/timers/slack", test_timers_slack);
  g_test_add_func ("/reactor/timers/rearm", test_timers_rearm);
  g_test_add_func ("/reactor/watch/events", test_watch_events);
  g_test_add_func ("/reactor/watch/pending", test_watch_pending);
  g_test_add_func ("/reactor/watch/remove-in-pass", test_watch_remove_in_pass);
  g_test_add_func ("/reactor/per-context", test_per_context);
  return g_test_run ();
}
