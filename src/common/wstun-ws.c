/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-ws.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-reactor.h"

/* Reads go straight into a buffer big enough for a whole frame, so a
 * message is handed up in place. A connection with nothing pending reads
 * into its reactor's shared buffer and keeps a buffer of its own only for
 * a frame that is not complete yet: an idle client, or one whose frames
 * arrive whole, costs no input buffer (a 64 KiB buffer each was most of a
 * relay's memory per client). An own buffer grows to what the frames
 * need. */
#define IN_MIN_CAP  (64 * 1024)
#define IN_MIN_READ (16 * 1024)
/* Upper bound of bytes read per wakeup, so one busy peer cannot starve the
 * others sharing the main loop. */
#define READ_BUDGET         (1024 * 1024)
#define DEFAULT_MAX_MESSAGE (256 * 1024)
#define DEFAULT_MAX_BACKLOG (1024 * 1024)
/* Control frames (close, pong, text) may exceed the data backlog by this. */
#define CONTROL_ALLOWANCE (256 * 1024 + WSTUN_WS_HEADROOM)
/* RFC 6455 10.3 wants masking keys from a strong entropy source; fetch
 * them from the kernel in batches so that costs one syscall per 64 frames. */
#define MASK_KEY_BATCH   64
#define CLOSE_TIMEOUT_MS 3000
/* Keepalive ticks need no precision: rounded to this, the ticks of many
 * connections share wakeups. */
#define KEEPALIVE_SLACK_US (100 * 1000)
/* Queued frames remember when they were queued, so the backlog's age (how
 * long its oldest byte has waited) is known; a backlog that grows one
 * small frame at a time shares marks beyond this many. */
#define MAX_QUEUE_MARKS 256

typedef struct {
  guint64 end; /* the queued_total just past the frame */
  gint64 time; /* when it was queued */
} QueueMark;

typedef enum {
  STATE_NEW,
  STATE_OPEN,
  STATE_CLOSING,  /* close sent, waiting for the peer's */
  STATE_FLUSHING, /* close exchange done or failed: write out, then close */
  STATE_CLOSED,
} State;

struct _WstunWs {
  GObject parent_instance;

  GIOStream *stream;
  GPollableInputStream *input;
  GPollableOutputStream *output;
  WstunWsRole role;
  WstunWsCallbacks cb;
  gpointer user_data;
  State state;

  guint8 *in_buf;
  gsize in_cap;
  gboolean in_borrowed; /* in_buf is the reactor's shared buffer */
  gsize in_start;
  gsize in_end;
  gsize in_need; /* bytes from in_start the pending frame needs */
  gboolean in_watched;
  GByteArray *frag;
  WstunWsOpcode frag_opcode;
  gsize max_message;

  guint8 *out_buf;
  gsize out_cap;
  gsize out_head;
  gsize out_tail;
  gboolean out_watched;
  gsize max_backlog;
  GArray *marks; /* QueueMark, oldest first from marks_head */
  guint marks_head;
  guint64 queued_total;              /* bytes ever queued */
  guint64 sent_total;                /* bytes ever written out of the queue */
  guint32 mask_keys[MASK_KEY_BATCH]; /* strong random masking keys, used in turn */
  guint n_mask_keys;

  guint16 close_code;
  char *close_reason;
  GError *close_error;
  WstunTimer close_timer;
  gboolean closed_emitted;
  gboolean lingering; /* failed: input is read and dropped until the peer closes */

  guint keepalive;
  gint64 keepalive_next;
  WstunTimer keepalive_timer;
  WstunTimer deadline_timer; /* armed once the peer is quiet: 3 intervals exactly */
  gint64 last_rx;
  gint64 ping_sent;
  gint64 rtt;

  /* Readiness comes from one watch in the main context's reactor when the
   * stream's socket is known (always, for TCP and TLS); a stream without
   * one (the fuzzer's memory streams) gets pollable sources. */
  WstunReactor *reactor;
  GSocket *socket;
  WstunReactorWatch *watch;
  GSource *in_source;
  GSource *out_source;
};

G_DEFINE_FINAL_TYPE (WstunWs, wstun_ws, G_TYPE_OBJECT)

static void close_stream (WstunWs *self);
static void drop_input_buffer (WstunWs *self);
static void send_close_frame (WstunWs *self, guint16 code, const char *reason);
static WstunWsSendResult send_frame (WstunWs *self, WstunWsOpcode opcode, guint8 *payload,
                                     gsize len, gboolean droppable);

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

void
wstun_ws_mask (guint8 *data, gsize len, const guint8 key[4], gsize offset)
{
  guint8 k[8];
  guint64 k64;
  gsize i = 0;

  for (guint j = 0; j < 8; j++)
    k[j] = key[(j + offset) & 3];
  memcpy (&k64, k, sizeof k64);

  for (; i + 32 <= len; i += 32) {
    guint64 v[4];
    memcpy (v, data + i, sizeof v);
    v[0] ^= k64;
    v[1] ^= k64;
    v[2] ^= k64;
    v[3] ^= k64;
    memcpy (data + i, v, sizeof v);
  }
  for (; i + 8 <= len; i += 8) {
    guint64 v;
    memcpy (&v, data + i, sizeof v);
    v ^= k64;
    memcpy (data + i, &v, sizeof v);
  }
  /* k repeats the key with period 4, so k[i & 7] is the key byte for i */
  for (; i < len; i++)
    data[i] ^= k[i & 7];
}

/* ---- output ---------------------------------------------------------- */

static gsize
backlog (WstunWs *self)
{
  return self->out_tail - self->out_head;
}

static void
queue_append (WstunWs *self, const guint8 *data, gsize len)
{
  if (self->out_tail + len > self->out_cap && self->out_head > 0) {
    memmove (self->out_buf, self->out_buf + self->out_head, backlog (self));
    self->out_tail -= self->out_head;
    self->out_head = 0;
  }
  if (self->out_tail + len > self->out_cap) {
    gsize cap = MAX (self->out_cap * 2, self->out_tail + len);
    self->out_buf = g_realloc (self->out_buf, cap);
    self->out_cap = cap;
  }
  memcpy (self->out_buf + self->out_tail, data, len);
  self->out_tail += len;

  self->queued_total += len;
  if (self->marks->len - self->marks_head < MAX_QUEUE_MARKS) {
    QueueMark mark = { self->queued_total, g_get_monotonic_time () };
    g_array_append_val (self->marks, mark);
  } else {
    /* later than its own time: the age can only come out too high */
    g_array_index (self->marks, QueueMark, self->marks->len - 1).end = self->queued_total;
  }
}

static void
queue_sent (WstunWs *self, gsize n)
{
  self->sent_total += n;
  while (self->marks_head < self->marks->len &&
         g_array_index (self->marks, QueueMark, self->marks_head).end <= self->sent_total)
    self->marks_head++;
  if (self->marks_head == self->marks->len) {
    g_array_set_size (self->marks, 0);
    self->marks_head = 0;
  } else if (self->marks_head >= MAX_QUEUE_MARKS) {
    g_array_remove_range (self->marks, 0, self->marks_head);
    self->marks_head = 0;
  }
}

static void
release_queue_memory (WstunWs *self)
{
  /* an idle connection should not keep a burst-sized buffer */
  if (self->out_cap > IN_MIN_CAP) {
    g_clear_pointer (&self->out_buf, g_free);
    self->out_cap = 0;
  }
}

/* Writes as much of @data as the socket takes now. Returns the number of
 * bytes written, or -1 after aborting the connection on an I/O error. */
static gssize
write_some (WstunWs *self, const guint8 *data, gsize len)
{
  gsize done = 0;

  while (done < len) {
    g_autoptr (GError) error = NULL;
    gssize n = g_pollable_output_stream_write_nonblocking (self->output, data + done, len - done,
                                                           NULL, &error);
    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      wstun_ws_abort (self, error);
      return -1;
    }
    done += n;
  }
  return done;
}

/* ---- readiness --------------------------------------------------------- */

static void input_ready (WstunWs *self);
static void output_ready (WstunWs *self);

static void
on_ready (WstunReactorWatch *watch, GIOCondition condition, gpointer user_data)
{
  WstunWs *self = user_data;
  g_autoptr (WstunWs) hold G_GNUC_UNUSED = g_object_ref (self);

  (void) watch;
  /* errors and hang-ups go to whichever side is watched: its next read or
   * write reports them */
  if ((condition & (G_IO_IN | G_IO_ERR | G_IO_HUP)) && self->in_watched)
    input_ready (self);
  if ((condition & (G_IO_OUT | G_IO_ERR | G_IO_HUP)) && self->out_watched)
    output_ready (self);
}

static gboolean
on_input_source (GObject *stream, gpointer user_data)
{
  (void) stream;
  input_ready (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_output_source (GObject *stream, gpointer user_data)
{
  (void) stream;
  output_ready (user_data);
  return G_SOURCE_CONTINUE;
}

/* Watches the stream for input and/or output (only what is asked) */
static void
set_watch (WstunWs *self, gboolean in, gboolean out)
{
  self->in_watched = in;
  self->out_watched = out;
  if (self->socket != NULL) {
    GIOCondition events = (in ? G_IO_IN : 0) | (out ? G_IO_OUT : 0);

    if (self->watch != NULL)
      wstun_reactor_watch_set_events (self->watch, events);
    else if (events != 0)
      self->watch = wstun_reactor_watch_fd (self->reactor, g_socket_get_fd (self->socket), events,
                                            on_ready, self);
    return;
  }
  if (!in)
    destroy_source (&self->in_source);
  else if (self->in_source == NULL) {
    self->in_source = g_pollable_input_stream_create_source (self->input, NULL);
    g_source_set_callback (self->in_source, G_SOURCE_FUNC (on_input_source), self, NULL);
    g_source_attach (self->in_source, g_main_context_get_thread_default ());
  }
  if (!out)
    destroy_source (&self->out_source);
  else if (self->out_source == NULL) {
    self->out_source = g_pollable_output_stream_create_source (self->output, NULL);
    g_source_set_callback (self->out_source, G_SOURCE_FUNC (on_output_source), self, NULL);
    g_source_attach (self->out_source, g_main_context_get_thread_default ());
  }
}

/* Input this wakeup did not take (the read budget): read it on the next
 * pass, not only when the socket shows more (a TLS stream may hold
 * decrypted data the socket no longer shows) */
static void
input_left (WstunWs *self)
{
  if (self->watch != NULL && self->in_watched)
    wstun_reactor_watch_set_pending (self->watch);
}

static void
unwatch (WstunWs *self)
{
  set_watch (self, FALSE, FALSE);
  g_clear_pointer (&self->watch, wstun_reactor_watch_remove);
}

static void
output_ready (WstunWs *self)
{
  g_autoptr (WstunWs) hold G_GNUC_UNUSED = g_object_ref (self);
  gssize n;

  n = write_some (self, self->out_buf + self->out_head, backlog (self));
  if (n < 0)
    return;
  self->out_head += n;
  queue_sent (self, n);
  if (backlog (self) > 0)
    return;

  self->out_head = self->out_tail = 0;
  set_watch (self, self->in_watched, FALSE);
  release_queue_memory (self);
  if (self->state == STATE_FLUSHING) {
    if (!self->lingering)
      close_stream (self);
  } else if (self->state == STATE_OPEN && self->cb.drained != NULL)
    self->cb.drained (self, self->user_data);
}

static void
watch_output (WstunWs *self)
{
  if (!self->out_watched)
    set_watch (self, self->in_watched, TRUE);
}

static guint32
next_mask_key (WstunWs *self)
{
  if (self->n_mask_keys == 0) {
    gsize got = 0;

    while (got < sizeof self->mask_keys) {
      ssize_t n = getrandom ((guint8 *) self->mask_keys + got, sizeof self->mask_keys - got, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) /* no getrandom(): GLib's generator, seeded from /dev/urandom */
        break;
      got += n;
    }
    for (gsize i = got / sizeof (guint32); i < MASK_KEY_BATCH; i++)
      self->mask_keys[i] = g_random_int ();
    self->n_mask_keys = MASK_KEY_BATCH;
  }
  return self->mask_keys[--self->n_mask_keys];
}

static gsize
write_header (WstunWs *self, WstunWsOpcode opcode, guint8 *payload, gsize len)
{
  guint8 hdr[WSTUN_WS_HEADROOM];
  gsize hlen = 2;

  hdr[0] = 0x80 | opcode; /* FIN, no RSV bits: wstun negotiates no extensions */
  if (len < 126) {
    hdr[1] = (guint8) len;
  } else if (len <= G_MAXUINT16) {
    hdr[1] = 126;
    hdr[2] = len >> 8;
    hdr[3] = len & 0xff;
    hlen = 4;
  } else {
    guint64 l = len;
    hdr[1] = 127;
    for (int i = 9; i >= 2; i--) {
      hdr[i] = l & 0xff;
      l >>= 8;
    }
    hlen = 10;
  }
  if (self->role == WSTUN_WS_ROLE_CLIENT) {
    guint32 key = next_mask_key (self);
    hdr[1] |= 0x80;
    memcpy (hdr + hlen, &key, 4);
    wstun_ws_mask (payload, len, hdr + hlen, 0);
    hlen += 4;
  }
  memcpy (payload - hlen, hdr, hlen);
  return hlen;
}

gsize
wstun_ws_frame_size (WstunWs *self, gsize payload_len)
{
  gsize hlen = payload_len < 126 ? 2 : payload_len <= G_MAXUINT16 ? 4 : 10;

  g_return_val_if_fail (WSTUN_IS_WS (self), payload_len);
  return hlen + (self->role == WSTUN_WS_ROLE_CLIENT ? 4 : 0) + payload_len;
}

static WstunWsSendResult
send_frame (WstunWs *self, WstunWsOpcode opcode, guint8 *payload, gsize len, gboolean droppable)
{
  gsize hlen, flen;
  guint8 *frame;
  gssize n;

  /* the backlog is what the queue would hold: whole frames, headers
   * included (PROTOCOL.md 4.1) */
  if (droppable && backlog (self) > 0 &&
      backlog (self) + wstun_ws_frame_size (self, len) > self->max_backlog)
    return WSTUN_WS_SEND_DROPPED;
  if (!droppable && backlog (self) + len > self->max_backlog + CONTROL_ALLOWANCE) {
    g_autoptr (GError) error =
      g_error_new (WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("Peer does not read: send queue overflow"));
    wstun_ws_abort (self, error);
    return WSTUN_WS_SEND_CLOSED;
  }

  hlen = write_header (self, opcode, payload, len);
  frame = payload - hlen;
  flen = hlen + len;

  if (backlog (self) > 0) {
    queue_append (self, frame, flen);
    return WSTUN_WS_SEND_OK;
  }
  n = write_some (self, frame, flen);
  if (n < 0)
    return WSTUN_WS_SEND_CLOSED;
  if ((gsize) n < flen) {
    queue_append (self, frame + n, flen - n);
    watch_output (self);
  }
  return WSTUN_WS_SEND_OK;
}

static WstunWsSendResult
send_copy (WstunWs *self, WstunWsOpcode opcode, const guint8 *data, gsize len)
{
  guint8 stackbuf[WSTUN_WS_HEADROOM + WSTUN_WS_CONTROL_MAX];
  g_autofree guint8 *heapbuf = NULL;
  guint8 *buf = stackbuf;

  if (len > WSTUN_WS_CONTROL_MAX)
    buf = heapbuf = g_malloc (WSTUN_WS_HEADROOM + len);
  if (len > 0)
    memcpy (buf + WSTUN_WS_HEADROOM, data, len);
  return send_frame (self, opcode, buf + WSTUN_WS_HEADROOM, len, FALSE);
}

WstunWsSendResult
wstun_ws_send_frame (WstunWs *self, WstunWsOpcode opcode, guint8 *payload, gsize len,
                     gboolean droppable)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), WSTUN_WS_SEND_CLOSED);
  g_return_val_if_fail (opcode == WSTUN_WS_OPCODE_TEXT || opcode == WSTUN_WS_OPCODE_BINARY,
                        WSTUN_WS_SEND_CLOSED);

  if (self->state != STATE_OPEN)
    return WSTUN_WS_SEND_CLOSED;
  return send_frame (self, opcode, payload, len, droppable);
}

WstunWsSendResult
wstun_ws_send_text (WstunWs *self, const char *text, gssize len)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), WSTUN_WS_SEND_CLOSED);

  if (self->state != STATE_OPEN)
    return WSTUN_WS_SEND_CLOSED;
  if (len < 0)
    len = strlen (text);
  return send_copy (self, WSTUN_WS_OPCODE_TEXT, (const guint8 *) text, len);
}

WstunWsSendResult
wstun_ws_send_binary (WstunWs *self, const guint8 *data, gsize len)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), WSTUN_WS_SEND_CLOSED);

  if (self->state != STATE_OPEN)
    return WSTUN_WS_SEND_CLOSED;
  return send_copy (self, WSTUN_WS_OPCODE_BINARY, data, len);
}

/* ---- closing --------------------------------------------------------- */

static void
on_stream_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunWs) self = user_data;

  /* the peer may already be gone; nothing useful to do with the error */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);

  if (!self->closed_emitted) {
    self->closed_emitted = TRUE;
    if (self->cb.closed != NULL)
      self->cb.closed (self, self->close_code, self->close_reason, self->close_error,
                       self->user_data);
  }
}

static void
close_stream (WstunWs *self)
{
  if (self->state == STATE_CLOSED)
    return;
  self->state = STATE_CLOSED;
  /* out of the epoll set before the descriptor closes */
  unwatch (self);
  wstun_timer_stop (&self->close_timer);
  wstun_timer_stop (&self->keepalive_timer);
  wstun_timer_stop (&self->deadline_timer);
  g_clear_pointer (&self->out_buf, g_free);
  self->out_cap = self->out_head = self->out_tail = 0;
  queue_sent (self, self->queued_total - self->sent_total);
  drop_input_buffer (self);
  g_clear_pointer (&self->frag, g_byte_array_unref);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, on_stream_closed,
                           g_object_ref (self));
}

static void
on_close_timeout (WstunTimer *timer, gpointer user_data)
{
  WstunWs *self = user_data;
  g_autoptr (WstunWs) hold G_GNUC_UNUSED = g_object_ref (self);

  (void) timer;
  if (self->close_error == NULL && self->state == STATE_CLOSING)
    g_debug ("peer did not answer the closing handshake in time");
  close_stream (self);
}

static void
start_close_timeout (WstunWs *self)
{
  if (wstun_timer_is_armed (&self->close_timer))
    return;
  wstun_timer_start (&self->close_timer, self->reactor,
                     g_get_monotonic_time () + CLOSE_TIMEOUT_MS * 1000, 0);
}

/* Flushes what is queued, then closes the stream (bounded by a timeout).
 * With @linger, input is read and dropped until the peer closes its side:
 * closing a TCP socket that has unread input resets the connection, and
 * the peer would then likely lose the close frame we just sent it. */
static void
flush_and_close (WstunWs *self, gboolean linger)
{
  self->state = STATE_FLUSHING;
  self->lingering = linger && self->in_watched;
  if (!self->lingering)
    set_watch (self, FALSE, self->out_watched);
  if (backlog (self) == 0 && !self->lingering) {
    close_stream (self);
    return;
  }
  start_close_timeout (self);
}

static void
send_close_frame (WstunWs *self, guint16 code, const char *reason)
{
  guint8 payload[WSTUN_WS_CONTROL_MAX];
  gsize len = 0;

  if (code != WSTUN_WS_CLOSE_NO_STATUS) {
    gsize rlen = reason != NULL ? strlen (reason) : 0;
    const char *end = NULL;

    /* cut the reason on a character boundary to fit a control frame */
    if (rlen > WSTUN_WS_CONTROL_MAX - 2) {
      g_utf8_validate (reason, WSTUN_WS_CONTROL_MAX - 2, &end);
      rlen = end - reason;
    }
    payload[0] = code >> 8;
    payload[1] = code & 0xff;
    if (rlen > 0)
      memcpy (payload + 2, reason, rlen);
    len = 2 + rlen;
  }
  send_copy (self, WSTUN_WS_OPCODE_CLOSE, payload, len);
}

void
wstun_ws_close (WstunWs *self, guint16 code, const char *reason)
{
  g_return_if_fail (WSTUN_IS_WS (self));

  if (self->state == STATE_NEW) {
    self->close_code = code;
    close_stream (self);
    return;
  }
  if (self->state != STATE_OPEN)
    return;
  self->close_code = code;
  g_free (self->close_reason);
  self->close_reason = g_strdup (reason);
  send_close_frame (self, code, reason);
  if (self->state != STATE_OPEN) /* writing failed and aborted */
    return;
  self->state = STATE_CLOSING;
  start_close_timeout (self);
}

void
wstun_ws_abort (WstunWs *self, const GError *error)
{
  g_return_if_fail (WSTUN_IS_WS (self));

  if (self->state == STATE_CLOSED)
    return;
  if (self->close_error == NULL && error != NULL)
    self->close_error = g_error_copy (error);
  if (self->close_code == 0)
    self->close_code = WSTUN_WS_CLOSE_ABNORMAL;
  close_stream (self);
}

/* Fails the connection as RFC 6455 section 7.1.7 asks: close frame with
 * @code, then close the stream without waiting for the peer. */
static void
fail (WstunWs *self, guint16 code, const char *message)
{
  if (self->state >= STATE_FLUSHING)
    return;
  g_debug ("closing WebSocket with %u: %s", code, message);
  if (self->close_error == NULL)
    self->close_error = g_error_new_literal (WSTUN_ERROR, WSTUN_ERROR_PROTOCOL, message);
  if (self->state == STATE_OPEN) {
    self->close_code = code;
    g_free (self->close_reason);
    self->close_reason = g_strdup (message);
    send_close_frame (self, code, message);
  }
  if (self->state != STATE_CLOSED)
    flush_and_close (self, TRUE);
}

/* ---- input ----------------------------------------------------------- */

/* g_utf8_validate_len() refuses U+0000, which UTF-8 (RFC 3629) and so
 * RFC 6455 allow in text. A NUL byte never occurs inside a multi-byte
 * sequence, so validating the pieces between NUL bytes is exact. */
static gboolean
utf8_valid (const guint8 *data, gsize len)
{
  while (len > 0) {
    const guint8 *nul = memchr (data, 0, len);
    gsize n = nul != NULL ? (gsize) (nul - data) : len;

    if (!g_utf8_validate_len ((const char *) data, n, NULL))
      return FALSE;
    if (nul == NULL)
      break;
    data += n + 1;
    len -= n + 1;
  }
  return TRUE;
}

static gboolean
valid_close_code (guint code)
{
  /* RFC 6455 7.4: 1005, 1006 and 1015 never appear on the wire */
  if (code >= 1000 && code <= 1003)
    return TRUE;
  if (code >= 1007 && code <= 1014)
    return TRUE;
  return code >= 3000 && code <= 4999;
}

static void
deliver (WstunWs *self, WstunWsOpcode opcode, guint8 *data, gsize len)
{
  if (self->state != STATE_OPEN) /* after our close, data is ignored */
    return;
  if (opcode == WSTUN_WS_OPCODE_TEXT && !utf8_valid (data, len)) {
    fail (self, WSTUN_WS_CLOSE_BAD_DATA, _ ("Text message is not valid UTF-8"));
    return;
  }
  if (self->cb.message != NULL)
    self->cb.message (self, opcode, data, len, self->user_data);
}

static void
handle_close (WstunWs *self, guint8 *data, gsize len)
{
  guint16 code = WSTUN_WS_CLOSE_NO_STATUS;
  g_autofree char *reason = NULL;

  if (len == 1) {
    fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Close frame with a one-byte payload"));
    return;
  }
  if (len >= 2) {
    code = (data[0] << 8) | data[1];
    if (!valid_close_code (code)) {
      fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Close frame with an invalid code"));
      return;
    }
    if (!utf8_valid (data + 2, len - 2)) {
      fail (self, WSTUN_WS_CLOSE_BAD_DATA, _ ("Close reason is not valid UTF-8"));
      return;
    }
    reason = g_strndup ((const char *) data + 2, len - 2);
  }

  if (self->state == STATE_OPEN) {
    /* the peer started closing: echo its code and finish */
    self->close_code = code;
    g_free (self->close_reason);
    self->close_reason = g_steal_pointer (&reason);
    send_close_frame (self, code, NULL);
    if (self->state != STATE_CLOSED)
      flush_and_close (self, FALSE);
  } else if (self->state == STATE_CLOSING) {
    close_stream (self);
  }
}

static void
handle_frame (WstunWs *self, gboolean fin, WstunWsOpcode opcode, guint8 *data, gsize len)
{
  switch (opcode) {
  case WSTUN_WS_OPCODE_TEXT:
  case WSTUN_WS_OPCODE_BINARY:
    if (self->frag != NULL) {
      fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("New message inside a fragmented one"));
      return;
    }
    if (fin) {
      deliver (self, opcode, data, len);
      return;
    }
    self->frag = g_byte_array_sized_new (len);
    self->frag_opcode = opcode;
    g_byte_array_append (self->frag, data, len);
    return;
  case WSTUN_WS_OPCODE_CONTINUATION:
    if (self->frag == NULL) {
      fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Continuation frame without a message"));
      return;
    }
    if (self->frag->len + len > self->max_message) {
      fail (self, WSTUN_WS_CLOSE_TOO_BIG, _ ("Message exceeds the size limit"));
      return;
    }
    g_byte_array_append (self->frag, data, len);
    if (fin) {
      g_autoptr (GByteArray) msg = g_steal_pointer (&self->frag);
      deliver (self, self->frag_opcode, msg->data, msg->len);
    }
    return;
  case WSTUN_WS_OPCODE_PING:
    if (self->state == STATE_OPEN)
      send_copy (self, WSTUN_WS_OPCODE_PONG, data, len);
    return;
  case WSTUN_WS_OPCODE_PONG:
    if (len == sizeof (gint64) && self->ping_sent != 0) {
      gint64 stamp;
      memcpy (&stamp, data, sizeof stamp);
      if (stamp == self->ping_sent)
        self->rtt = g_get_monotonic_time () - stamp;
    }
    return;
  case WSTUN_WS_OPCODE_CLOSE:
    handle_close (self, data, len);
    return;
  default:
    g_assert_not_reached ();
  }
}

/* Parses and dispatches every complete frame in the input buffer. */
static void
process_input (WstunWs *self)
{
  while (self->state == STATE_OPEN || self->state == STATE_CLOSING) {
    guint8 *p = self->in_buf + self->in_start;
    gsize avail = self->in_end - self->in_start;
    gsize hlen, total;
    guint64 len;
    gboolean fin, masked;
    guint opcode;

    if (avail < 2) {
      self->in_need = 2;
      return;
    }
    fin = (p[0] & 0x80) != 0;
    opcode = p[0] & 0x0f;
    masked = (p[1] & 0x80) != 0;
    len = p[1] & 0x7f;
    hlen = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + (masked ? 4 : 0);
    if (avail < hlen) {
      self->in_need = hlen;
      return;
    }

    if ((p[0] & 0x70) != 0) {
      fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Reserved bits set without an extension"));
      return;
    }
    if (opcode >= 0x8) {
      if (opcode > WSTUN_WS_OPCODE_PONG) {
        fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Unknown control opcode"));
        return;
      }
      if (!fin || len > WSTUN_WS_CONTROL_MAX) {
        fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR,
              _ ("Control frame fragmented or longer than 125 bytes"));
        return;
      }
    } else if (opcode > WSTUN_WS_OPCODE_BINARY) {
      fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Unknown data opcode"));
      return;
    }
    if (masked != (self->role == WSTUN_WS_ROLE_SERVER)) {
      fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR,
            self->role == WSTUN_WS_ROLE_SERVER ? _ ("Unmasked frame from a client")
                                               : _ ("Masked frame from a server"));
      return;
    }
    if (len == 126) {
      len = ((guint64) p[2] << 8) | p[3];
    } else if (len == 127) {
      len = 0;
      for (int i = 2; i < 10; i++)
        len = (len << 8) | p[i];
      if (len >> 63) {
        fail (self, WSTUN_WS_CLOSE_PROTOCOL_ERROR, _ ("Frame length has its top bit set"));
        return;
      }
    }
    if (len > self->max_message) {
      fail (self, WSTUN_WS_CLOSE_TOO_BIG, _ ("Message exceeds the size limit"));
      return;
    }
    total = hlen + len;
    if (avail < total) {
      self->in_need = total;
      return;
    }

    self->in_start += total;
    self->in_need = 0;
    if (masked)
      wstun_ws_mask (p + hlen, len, p + hlen - 4, 0);
    handle_frame (self, fin, opcode, p + hlen, len);
  }
}

/* Moves what the shared buffer holds into a buffer of @cap bytes of the
 * connection's own, and gives the shared one back */
static void
keep_input (WstunWs *self, gsize cap)
{
  guint8 *own = g_malloc (cap);

  memcpy (own, self->in_buf, self->in_end);
  wstun_reactor_return_buffer (self->reactor, self->in_buf);
  self->in_buf = own;
  self->in_cap = cap;
  self->in_borrowed = FALSE;
}

static void
drop_input_buffer (WstunWs *self)
{
  if (self->in_borrowed)
    wstun_reactor_return_buffer (self->reactor, self->in_buf);
  else
    g_free (self->in_buf);
  self->in_buf = NULL;
  self->in_borrowed = FALSE;
  self->in_cap = self->in_start = self->in_end = self->in_need = 0;
}

/* After a wakeup: the shared buffer goes back, with a frame not yet
 * complete moved to a buffer of the connection's own */
static void
settle_input (WstunWs *self)
{
  gsize pending = self->in_end - self->in_start;

  if (!self->in_borrowed)
    return;
  if (pending == 0 || self->state == STATE_CLOSED) {
    drop_input_buffer (self);
    return;
  }
  if (self->in_start > 0) {
    memmove (self->in_buf, self->in_buf + self->in_start, pending);
    self->in_start = 0;
    self->in_end = pending;
  }
  keep_input (self, MAX (self->in_need, pending) + IN_MIN_CAP);
}

static void
ensure_input_space (WstunWs *self)
{
  gsize need = MAX (self->in_need, 1);
  gsize pending;
  gsize cap;

  if (self->in_start == self->in_end)
    self->in_start = self->in_end = 0;
  if (self->in_buf == NULL) {
    self->in_buf = wstun_reactor_borrow_buffer (self->reactor, &self->in_cap);
    self->in_borrowed = self->in_buf != NULL;
  }
  if (self->in_cap - self->in_end >= IN_MIN_READ && self->in_start + need <= self->in_cap)
    return;

  pending = self->in_end - self->in_start;
  if (self->in_start > 0) {
    memmove (self->in_buf, self->in_buf + self->in_start, pending);
    self->in_start = 0;
    self->in_end = pending;
  }
  if (self->in_cap - self->in_end >= IN_MIN_READ && need <= self->in_cap)
    return;

  /* room for the pending frame plus one more read */
  cap = MAX (MAX (need, self->in_end) + IN_MIN_CAP, IN_MIN_CAP);
  if (self->in_borrowed)
    keep_input (self, cap);
  else {
    self->in_buf = g_realloc (self->in_buf, cap);
    self->in_cap = cap;
  }
}

static void
read_input (WstunWs *self)
{
  gsize budget = READ_BUDGET;
  gboolean got_data = FALSE;

  while (self->in_watched && budget > 0) {
    g_autoptr (GError) error = NULL;
    gssize n;

    ensure_input_space (self);
    n = g_pollable_input_stream_read_nonblocking (self->input, self->in_buf + self->in_end,
                                                  self->in_cap - self->in_end, NULL, &error);
    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      wstun_ws_abort (self, error);
      return;
    }
    if (n == 0) {
      g_autoptr (GError) eof = NULL;

      eof = g_error_new_literal (WSTUN_ERROR, WSTUN_ERROR_FAILED,
                                 _ ("The peer closed the connection without a closing handshake"));
      wstun_ws_abort (self, self->state == STATE_OPEN ? eof : NULL);
      return;
    }
    got_data = TRUE;
    self->in_end += n;
    budget -= MIN ((gsize) n, budget);
    if (self->lingering) {
      self->in_start = self->in_end = self->in_need = 0;
      continue;
    }
    process_input (self);
  }

  if (budget == 0)
    input_left (self);
  if (got_data)
    self->last_rx = g_get_monotonic_time ();
  if (self->state == STATE_OPEN && self->cb.burst_done != NULL)
    self->cb.burst_done (self, self->user_data);
}

static void
input_ready (WstunWs *self)
{
  g_autoptr (WstunWs) hold G_GNUC_UNUSED = g_object_ref (self);

  read_input (self);
  settle_input (self);
}

/* ---- keepalive ------------------------------------------------------- */

/* Nothing came for three intervals: the peer is gone, or only half there */
static void
peer_timed_out (WstunWs *self)
{
  g_autoptr (GError) error = NULL;

  error = g_error_new (WSTUN_ERROR, WSTUN_ERROR_TIMED_OUT,
                       _ ("Nothing received from the peer for %u seconds"), 3 * self->keepalive);
  /* a peer that is only half dead (it reads, but its pongs do not come
   * through) learns why; one that is gone costs no wait for its answer:
   * the stream closes now either way (PROTOCOL.md, 5) */
  if (self->state == STATE_OPEN) {
    self->close_code = WSTUN_CLOSE_PEER_TIMEOUT;
    g_free (self->close_reason);
    self->close_reason = g_strdup ("peer-timeout");
    if (self->close_error == NULL)
      self->close_error = g_error_copy (error);
    send_close_frame (self, WSTUN_CLOSE_PEER_TIMEOUT, "peer-timeout");
  }
  wstun_ws_abort (self, error);
}

static void
on_deadline (WstunTimer *timer, gpointer user_data)
{
  WstunWs *self = user_data;
  g_autoptr (WstunWs) hold G_GNUC_UNUSED = g_object_ref (self);
  gint64 deadline = self->last_rx + 3 * (gint64) self->keepalive * G_USEC_PER_SEC;

  (void) timer;
  /* something came meanwhile: the ticks go on looking */
  if (g_get_monotonic_time () >= deadline)
    peer_timed_out (self);
}

static void
on_keepalive (WstunTimer *timer, gpointer user_data)
{
  WstunWs *self = user_data;
  g_autoptr (WstunWs) hold G_GNUC_UNUSED = g_object_ref (self);
  gint64 now = g_get_monotonic_time ();
  gint64 interval = (gint64) self->keepalive * G_USEC_PER_SEC;
  gint64 deadline = self->last_rx + 3 * interval;
  guint8 payload[sizeof (gint64)];

  (void) timer;
  if (now >= deadline) {
    peer_timed_out (self);
    return;
  }
  /* the next tick one interval after this one was due, not after it ran */
  self->keepalive_next = MAX (self->keepalive_next + interval, now);
  wstun_timer_start (&self->keepalive_timer, self->reactor, self->keepalive_next,
                     KEEPALIVE_SLACK_US);
  /* The ticks come every interval, so the first one after the deadline
   * could be almost an interval late; once the peer has been quiet for an
   * interval and a half, a one-shot timer ends it at three intervals
   * exactly (PROTOCOL.md, 5: "within three intervals"). A peer that
   * answers pings is never that quiet: no extra timer. */
  if (now - self->last_rx > interval + interval / 2 &&
      !wstun_timer_is_armed (&self->deadline_timer))
    wstun_timer_start (&self->deadline_timer, self->reactor, deadline, 0);
  if (self->state != STATE_OPEN)
    return;
  /* an idle connection gives back its input buffer (up to a frame's size),
   * so a relay's memory follows its active clients, not all of them */
  if (self->in_start == self->in_end && now - self->last_rx >= interval) {
    drop_input_buffer (self);
  }
  self->ping_sent = now;
  memcpy (payload, &now, sizeof now);
  send_copy (self, WSTUN_WS_OPCODE_PING, payload, sizeof payload);
}

void
wstun_ws_set_keepalive (WstunWs *self, guint seconds)
{
  g_return_if_fail (WSTUN_IS_WS (self));

  self->keepalive = seconds;
  wstun_timer_stop (&self->keepalive_timer);
  wstun_timer_stop (&self->deadline_timer);
  if (seconds == 0 || self->state >= STATE_FLUSHING)
    return;
  self->keepalive_next = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  wstun_timer_start (&self->keepalive_timer, self->reactor, self->keepalive_next,
                     KEEPALIVE_SLACK_US);
}

/* ---- object ---------------------------------------------------------- */

/* The socket under @stream: a GSocketConnection's, or the one under a TLS
 * connection or libsoup's buffering stream ("base-iostream"), whose reads
 * the socket's readiness drives. NULL for other streams. */
static GSocket *
stream_socket (GIOStream *stream)
{
  for (guint depth = 0; stream != NULL && depth < 4; depth++) {
    const char *property;
    GIOStream *base = NULL;

    if (G_IS_SOCKET_CONNECTION (stream))
      return g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
    if (G_IS_TLS_CONNECTION (stream))
      property = "base-io-stream";
    else if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") != NULL)
      property = "base-iostream";
    else
      return NULL;
    g_object_get (stream, property, &base, NULL);
    if (base == NULL || !G_IS_IO_STREAM (base)) {
      g_clear_object (&base);
      return NULL;
    }
    /* the outer stream keeps it */
    g_object_unref (base);
    stream = base;
  }
  return NULL;
}

WstunWs *
wstun_ws_new (GIOStream *stream, WstunWsRole role)
{
  WstunWs *self;
  GInputStream *in;
  GOutputStream *out;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  in = g_io_stream_get_input_stream (stream);
  out = g_io_stream_get_output_stream (stream);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (in), NULL);
  g_return_val_if_fail (G_IS_POLLABLE_OUTPUT_STREAM (out), NULL);

  self = g_object_new (WSTUN_TYPE_WS, NULL);
  self->stream = g_object_ref (stream);
  self->input = G_POLLABLE_INPUT_STREAM (in);
  self->output = G_POLLABLE_OUTPUT_STREAM (out);
  self->role = role;
  self->socket = stream_socket (stream);
  return self;
}

void
wstun_ws_set_socket (WstunWs *self, GSocket *socket)
{
  g_return_if_fail (WSTUN_IS_WS (self));
  g_return_if_fail (G_IS_SOCKET (socket));
  g_return_if_fail (self->state == STATE_NEW);

  g_set_object (&self->socket, socket);
}

void
wstun_ws_set_max_message (WstunWs *self, gsize max_message)
{
  g_return_if_fail (WSTUN_IS_WS (self));
  self->max_message = max_message;
}

void
wstun_ws_set_max_backlog (WstunWs *self, gsize max_backlog)
{
  g_return_if_fail (WSTUN_IS_WS (self));
  self->max_backlog = max_backlog;
}

void
wstun_ws_start (WstunWs *self, const WstunWsCallbacks *callbacks, gpointer user_data)
{
  g_return_if_fail (WSTUN_IS_WS (self));
  g_return_if_fail (self->state == STATE_NEW);

  self->cb = *callbacks;
  self->user_data = user_data;
  self->state = STATE_OPEN;
  self->last_rx = g_get_monotonic_time ();
  set_watch (self, TRUE, self->out_watched);
  /* what the stream already holds (libsoup's read-ahead past the upgrade,
   * TLS records) shows on no socket */
  input_left (self);
  if (self->keepalive > 0)
    wstun_ws_set_keepalive (self, self->keepalive);
}

void
wstun_ws_detach (WstunWs *self)
{
  g_return_if_fail (WSTUN_IS_WS (self));

  memset (&self->cb, 0, sizeof self->cb);
  self->user_data = NULL;
  wstun_ws_abort (self, NULL);
}

gboolean
wstun_ws_is_open (WstunWs *self)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), FALSE);
  return self->state == STATE_OPEN;
}

gsize
wstun_ws_get_backlog (WstunWs *self)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), 0);
  return backlog (self);
}

gint64
wstun_ws_get_backlog_age (WstunWs *self, gint64 now)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), 0);
  if (backlog (self) == 0 || self->marks_head == self->marks->len)
    return 0;
  return MAX (now - g_array_index (self->marks, QueueMark, self->marks_head).time, 0);
}

gsize
wstun_ws_get_max_backlog (WstunWs *self)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), 0);
  return self->max_backlog;
}

GIOStream *
wstun_ws_get_stream (WstunWs *self)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), NULL);
  return self->stream;
}

gint64
wstun_ws_get_rtt (WstunWs *self)
{
  g_return_val_if_fail (WSTUN_IS_WS (self), -1);
  return self->rtt;
}

static void
wstun_ws_dispose (GObject *object)
{
  WstunWs *self = WSTUN_WS (object);

  unwatch (self);
  wstun_timer_stop (&self->close_timer);
  wstun_timer_stop (&self->keepalive_timer);
  wstun_timer_stop (&self->deadline_timer);
  if (self->stream != NULL && !g_io_stream_is_closed (self->stream))
    g_io_stream_close (self->stream, NULL, NULL);
  G_OBJECT_CLASS (wstun_ws_parent_class)->dispose (object);
}

static void
wstun_ws_finalize (GObject *object)
{
  WstunWs *self = WSTUN_WS (object);

  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_clear_pointer (&self->reactor, wstun_reactor_unref);
  drop_input_buffer (self);
  g_free (self->out_buf);
  g_array_unref (self->marks);
  g_clear_pointer (&self->frag, g_byte_array_unref);
  g_free (self->close_reason);
  g_clear_error (&self->close_error);
  G_OBJECT_CLASS (wstun_ws_parent_class)->finalize (object);
}

static void
wstun_ws_class_init (WstunWsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_ws_dispose;
  object_class->finalize = wstun_ws_finalize;
}

static void
wstun_ws_init (WstunWs *self)
{
  self->max_message = DEFAULT_MAX_MESSAGE;
  self->max_backlog = DEFAULT_MAX_BACKLOG;
  self->rtt = -1;
  self->marks = g_array_new (FALSE, FALSE, sizeof (QueueMark));
  self->reactor = wstun_reactor_get_default ();
  wstun_timer_init (&self->close_timer, on_close_timeout, self);
  wstun_timer_init (&self->keepalive_timer, on_keepalive, self);
  wstun_timer_init (&self->deadline_timer, on_deadline, self);
}
