/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-reactor.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* Events taken from the kernel per dispatch; more stay ready (the watches
 * are level-triggered) and come on the next pass, after other sources. */
#define MAX_EVENTS 256
/* The shared read buffer: a whole default-sized frame (256 KiB) and a read */
#define SHARED_BUFFER_SIZE (320 * 1024)

struct _WstunReactorWatch {
  WstunReactor *reactor;
  int fd;
  GIOCondition events;
  gboolean in_epoll;
  gboolean dead;
  GList pending_link;
  GQueue *queue; /* the queue pending_link is in: pending, or running */
  WstunReactorFunc func;
  gpointer user_data;
};

struct _WstunReactor {
  GSource source;
  GMainContext *context; /* not owned: the key in reactors */
  int epfd;
  gpointer epfd_tag;
  guint n_watches;
  GQueue pending;  /* watches to run on the next pass */
  GQueue running;  /* those of this pass still to run */
  GPtrArray *heap; /* WstunTimer *, a binary min-heap on expiry */
  GPtrArray *dead; /* watches removed while dispatching */
  guint dispatching;
  guint8 *buffer; /* shared read buffer, allocated on first use */
  gboolean buffer_lent;
};

/* One reactor per main context. The table does not hold references: a
 * reactor leaves it when it is finalized, which destroying its context (or
 * dropping the last reference) does. */
G_LOCK_DEFINE_STATIC (reactors);
static GHashTable *reactors;

/* ---- timers ------------------------------------------------------------ */

static inline gboolean
timer_before (const WstunTimer *a, const WstunTimer *b)
{
  return a->expiry < b->expiry;
}

static void
heap_set (WstunReactor *self, guint i, WstunTimer *t)
{
  self->heap->pdata[i] = t;
  t->index = i;
}

static void
heap_up (WstunReactor *self, guint i)
{
  WstunTimer *t = self->heap->pdata[i];

  while (i > 0) {
    guint parent = (i - 1) / 2;
    WstunTimer *p = self->heap->pdata[parent];

    if (!timer_before (t, p))
      break;
    heap_set (self, i, p);
    i = parent;
  }
  heap_set (self, i, t);
}

static void
heap_down (WstunReactor *self, guint i)
{
  guint n = self->heap->len;
  WstunTimer *t = self->heap->pdata[i];

  for (;;) {
    guint child = 2 * i + 1;
    WstunTimer *c;

    if (child >= n)
      break;
    if (child + 1 < n && timer_before (self->heap->pdata[child + 1], self->heap->pdata[child]))
      child++;
    c = self->heap->pdata[child];
    if (!timer_before (c, t))
      break;
    heap_set (self, i, c);
    i = child;
  }
  heap_set (self, i, t);
}

static void
heap_remove (WstunReactor *self, WstunTimer *t)
{
  guint i = t->index;
  WstunTimer *last = g_ptr_array_steal_index (self->heap, self->heap->len - 1);

  t->index = G_MAXUINT;
  if (last == t)
    return;
  heap_set (self, i, last);
  if (i > 0 && timer_before (last, self->heap->pdata[(i - 1) / 2]))
    heap_up (self, i);
  else
    heap_down (self, i);
}

void
wstun_timer_init (WstunTimer *timer, WstunTimerFunc func, gpointer user_data)
{
  memset (timer, 0, sizeof *timer);
  timer->index = G_MAXUINT;
  timer->func = func;
  timer->user_data = user_data;
}

gboolean
wstun_timer_is_armed (const WstunTimer *timer)
{
  return timer->index != G_MAXUINT;
}

void
wstun_timer_stop (WstunTimer *timer)
{
  if (!wstun_timer_is_armed (timer))
    return;
  heap_remove (timer->reactor, timer);
  timer->reactor = NULL;
}

void
wstun_timer_start (WstunTimer *timer, WstunReactor *reactor, gint64 expiry, gint64 slack)
{
  g_return_if_fail (reactor != NULL);
  g_return_if_fail (timer->func != NULL);

  if (slack > 1)
    expiry = (expiry + slack - 1) / slack * slack;
  if (wstun_timer_is_armed (timer) && timer->reactor == reactor) {
    gint64 old = timer->expiry;

    timer->expiry = expiry;
    if (expiry < old)
      heap_up (reactor, timer->index);
    else if (expiry > old)
      heap_down (reactor, timer->index);
    return;
  }
  wstun_timer_stop (timer);
  timer->reactor = reactor;
  timer->expiry = expiry;
  g_ptr_array_add (reactor->heap, timer);
  heap_up (reactor, reactor->heap->len - 1);
}

static void
run_timers (WstunReactor *self)
{
  gint64 now = g_get_monotonic_time ();
  /* a callback that re-arms its timer at or before now runs on the next
   * pass, not in a loop here */
  guint budget = self->heap->len;

  while (self->heap->len > 0 && budget-- > 0) {
    WstunTimer *t = self->heap->pdata[0];

    if (t->expiry > now)
      break;
    heap_remove (self, t);
    t->reactor = NULL;
    t->func (t, t->user_data);
  }
}

/* ---- watches ----------------------------------------------------------- */

static guint32
epoll_events (GIOCondition events)
{
  return ((events & G_IO_IN) ? EPOLLIN : 0) | ((events & G_IO_OUT) ? EPOLLOUT : 0);
}

static void
update_epoll (WstunReactorWatch *w)
{
  struct epoll_event ev = { .events = epoll_events (w->events), .data.ptr = w };
  int op;

  /* Nothing watched: out of the set, or a hung-up socket would be
   * reported on every pass. */
  if (w->events == 0) {
    if (!w->in_epoll)
      return;
    op = EPOLL_CTL_DEL;
  } else
    op = w->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl (w->reactor->epfd, op, w->fd, &ev) < 0)
    g_critical ("epoll_ctl(%d) on descriptor %d: %s", op, w->fd, g_strerror (errno));
  else
    w->in_epoll = w->events != 0;
}

WstunReactorWatch *
wstun_reactor_watch_fd (WstunReactor *reactor, int fd, GIOCondition events, WstunReactorFunc func,
                        gpointer user_data)
{
  WstunReactorWatch *w;

  g_return_val_if_fail (reactor != NULL, NULL);
  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  w = g_new0 (WstunReactorWatch, 1);
  w->reactor = reactor;
  w->fd = fd;
  w->func = func;
  w->user_data = user_data;
  w->events = events & (G_IO_IN | G_IO_OUT);
  reactor->n_watches++;
  update_epoll (w);
  return w;
}

void
wstun_reactor_watch_set_events (WstunReactorWatch *w, GIOCondition events)
{
  g_return_if_fail (w != NULL && !w->dead);

  events &= G_IO_IN | G_IO_OUT;
  if (events == w->events)
    return;
  w->events = events;
  update_epoll (w);
}

GIOCondition
wstun_reactor_watch_get_events (WstunReactorWatch *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return w->events;
}

void
wstun_reactor_watch_set_pending (WstunReactorWatch *w)
{
  g_return_if_fail (w != NULL && !w->dead);

  if (w->queue != NULL)
    return;
  w->pending_link.data = w;
  w->queue = &w->reactor->pending;
  g_queue_push_tail_link (w->queue, &w->pending_link);
}

void
wstun_reactor_watch_remove (WstunReactorWatch *w)
{
  WstunReactor *self;

  if (w == NULL)
    return;
  g_return_if_fail (!w->dead);

  self = w->reactor;
  if (w->queue != NULL) {
    g_queue_unlink (w->queue, &w->pending_link);
    w->queue = NULL;
  }
  w->events = 0;
  update_epoll (w);
  w->dead = TRUE;
  self->n_watches--;
  /* events of this pass may still point at it */
  if (self->dispatching > 0)
    g_ptr_array_add (self->dead, w);
  else
    g_free (w);
}

static void
run_watch (WstunReactorWatch *w, GIOCondition condition)
{
  if (w->dead)
    return;
  w->func (w, condition, w->user_data);
}

static void
run_events (WstunReactor *self)
{
  struct epoll_event events[MAX_EVENTS];
  int n;

  do
    n = epoll_wait (self->epfd, events, MAX_EVENTS, 0);
  while (n < 0 && errno == EINTR);
  for (int i = 0; i < n; i++) {
    guint32 e = events[i].events;
    GIOCondition condition = ((e & EPOLLIN) ? G_IO_IN : 0) | ((e & EPOLLOUT) ? G_IO_OUT : 0) |
                             ((e & EPOLLERR) ? G_IO_ERR : 0) | ((e & EPOLLHUP) ? G_IO_HUP : 0);

    run_watch (events[i].data.ptr, condition);
  }
}

static void
run_pending (WstunReactor *self)
{
  GList *link;

  /* Only those pending now: one that asks again runs on the next pass. */
  if (self->pending.length == 0)
    return;
  self->running = self->pending;
  g_queue_init (&self->pending);
  for (link = self->running.head; link != NULL; link = link->next)
    ((WstunReactorWatch *) link->data)->queue = &self->running;
  while ((link = g_queue_pop_head_link (&self->running)) != NULL) {
    WstunReactorWatch *w = link->data;

    w->queue = NULL;
    run_watch (w, w->events);
  }
}

/* ---- the source -------------------------------------------------------- */

static gboolean
reactor_prepare (GSource *source, gint *timeout)
{
  WstunReactor *self = (WstunReactor *) source;
  gint64 now;

  *timeout = -1;
  if (self->pending.length > 0) {
    *timeout = 0;
    return TRUE;
  }
  if (self->heap->len == 0)
    return FALSE;
  now = g_source_get_time (source);
  if (((WstunTimer *) self->heap->pdata[0])->expiry <= now) {
    *timeout = 0;
    return TRUE;
  }
  *timeout =
    (gint) MIN ((((WstunTimer *) self->heap->pdata[0])->expiry - now + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
reactor_check (GSource *source)
{
  WstunReactor *self = (WstunReactor *) source;

  if (self->pending.length > 0)
    return TRUE;
  if (self->heap->len > 0 &&
      ((WstunTimer *) self->heap->pdata[0])->expiry <= g_source_get_time (source))
    return TRUE;
  return (g_source_query_unix_fd (source, self->epfd_tag) & G_IO_IN) != 0;
}

static gboolean
reactor_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  WstunReactor *self = (WstunReactor *) source;

  (void) callback;
  (void) user_data;
  g_source_ref (source);
  self->dispatching++;
  run_events (self);
  run_pending (self);
  run_timers (self);
  if (--self->dispatching == 0)
    g_ptr_array_set_size (self->dead, 0);
  g_source_unref (source);
  return G_SOURCE_CONTINUE;
}

static void
reactor_finalize (GSource *source)
{
  WstunReactor *self = (WstunReactor *) source;

  G_LOCK (reactors);
  if (reactors != NULL && g_hash_table_lookup (reactors, self->context) == self)
    g_hash_table_remove (reactors, self->context);
  G_UNLOCK (reactors);
  /* Owners remove their watches and stop their timers first: what is left
   * is leaked on purpose rather than freed under them. */
  if (self->n_watches > 0 || self->heap->len > 0)
    g_warning ("reactor finalized with %u watches and %u timers", self->n_watches, self->heap->len);
  g_ptr_array_unref (self->heap);
  g_ptr_array_unref (self->dead);
  g_free (self->buffer);
  close (self->epfd);
}

static GSourceFuncs reactor_funcs = {
  .prepare = reactor_prepare,
  .check = reactor_check,
  .dispatch = reactor_dispatch,
  .finalize = reactor_finalize,
};

static WstunReactor *
reactor_new (GMainContext *context)
{
  GSource *source = g_source_new (&reactor_funcs, sizeof (WstunReactor));
  WstunReactor *self = (WstunReactor *) source;

  self->context = context;
  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));
  self->epfd_tag = g_source_add_unix_fd (source, self->epfd, G_IO_IN);
  g_queue_init (&self->pending);
  g_queue_init (&self->running);
  self->heap = g_ptr_array_new ();
  self->dead = g_ptr_array_new_with_free_func (g_free);
  g_source_set_name (source, "wstun reactor");
  g_source_set_can_recurse (source, FALSE);
  g_source_attach (source, context);
  /* the context keeps it */
  g_source_unref (source);
  return self;
}

WstunReactor *
wstun_reactor_get_default (void)
{
  GMainContext *context = g_main_context_get_thread_default ();
  WstunReactor *self;

  if (context == NULL)
    context = g_main_context_default ();
  G_LOCK (reactors);
  if (reactors == NULL)
    reactors = g_hash_table_new (NULL, NULL);
  self = g_hash_table_lookup (reactors, context);
  if (self == NULL || g_source_is_destroyed (&self->source)) {
    self = reactor_new (context);
    g_hash_table_replace (reactors, context, self);
  }
  wstun_reactor_ref (self);
  G_UNLOCK (reactors);
  return self;
}

WstunReactor *
wstun_reactor_ref (WstunReactor *self)
{
  g_source_ref (&self->source);
  return self;
}

void
wstun_reactor_unref (WstunReactor *self)
{
  g_source_unref (&self->source);
}

guint8 *
wstun_reactor_borrow_buffer (WstunReactor *self, gsize *len)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->buffer_lent) {
    *len = 0;
    return NULL;
  }
  if (self->buffer == NULL)
    self->buffer = g_malloc (SHARED_BUFFER_SIZE);
  self->buffer_lent = TRUE;
  *len = SHARED_BUFFER_SIZE;
  return self->buffer;
}

void
wstun_reactor_return_buffer (WstunReactor *self, guint8 *buffer)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->buffer_lent && buffer == self->buffer);

  self->buffer_lent = FALSE;
}

guint
wstun_reactor_get_n_watches (WstunReactor *self)
{
  return self->n_watches;
}

guint
wstun_reactor_get_n_timers (WstunReactor *self)
{
  return self->heap->len;
}
