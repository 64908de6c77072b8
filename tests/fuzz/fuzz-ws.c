/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-ws.c: libFuzzer harness for the input path of the RFC 6455 framer
 *
 * The first two input bytes choose how the framer is set up: byte 0 the
 * FLAG_* bits below (role, message size limit, what the owner does from its
 * callbacks, how the bytes arrive), byte 1 the OUT_* bits (how the output
 * stream takes what is written, the send backlog); the rest is what the
 * peer sent. A WstunWs reads it from a GMemoryInputStream and writes to a
 * GMemoryOutputStream, both pollable, in a GMainContext of its own, which is
 * iterated until the input is consumed and closed() has been called
 * (bounded).
 *
 * Checked: the callbacks only see what the API promises (complete text or
 * binary messages within the size limit, text that is UTF-8, nothing after
 * closed(), closed() exactly once, with a code that may appear there and a
 * UTF-8 reason); the send backlog stays bounded; a finite input always
 * ends in closed(); and what the framer wrote is valid RFC 6455 for its
 * role (unfragmented frames, masked exactly when a client, control frames
 * of at most 125 bytes, UTF-8 text, a valid close frame and nothing after
 * it). Everything is released before the next input, and ASan/LSan check
 * that nothing leaks.
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "fuzz.h"
#include "wstun-ws.h"

#define FLAG_CLIENT     0x01 /* WSTUN_WS_ROLE_CLIENT; otherwise SERVER */
#define FLAG_LIMIT_MASK 0x06 /* max_message: default, 1, 125 or 1000 bytes */
#define FLAG_ECHO       0x08 /* send every message back, as a relay answers */
#define FLAG_CLOSE      0x10 /* start the closing handshake at the first message */
#define FLAG_DETACH     0x20 /* detach (owner going away) at the third message */
#define FLAG_BURST_SEND 0x40 /* send a data frame at every burst_done(), as a relay does */
#define FLAG_TRICKLE    0x80 /* input arrives a few bytes at a time */

#define OUT_MASK          0x03
#define OUT_MEMORY        0x00 /* takes everything at once */
#define OUT_FULL          0x01 /* 64 bytes of room: writes fail once it is full */
#define OUT_SLOW          0x02 /* takes a few bytes at a time: frames queue up */
#define OUT_SLOW_REPLIES  0x03 /* as slow, and the echo uses the copying send */
#define OUT_SMALL_BACKLOG 0x04 /* max_backlog of 64 bytes: data frames get dropped */

#define FULL_OUTPUT       64
#define SMALL_BACKLOG     64
#define BURST_FRAME       200
#define DEFAULT_LIMIT     (256 * 1024)                     /* the framer's default max_message */
#define DEFAULT_BACKLOG   (1024 * 1024)                    /* and max_backlog */
#define CONTROL_ALLOWANCE (256 * 1024 + WSTUN_WS_HEADROOM) /* control frames may exceed it by */
/* Bounds of one run. Input arrives at least a byte per two iterations on
 * average (more when it trickles: 7 bytes per read on average, a read every
 * other iteration), and every source is always ready except while a GTask
 * closes the stream; each blocking iteration is bounded by a 10 ms ticker. */
#define MAX_ITERATIONS(size) (10000 + 4 * (size))
#define MAX_USEC             (8 * G_USEC_PER_SEC)

/* ---- a GMemoryInputStream that trickles ------------------------------ */

/* Hands out 1 to 13 bytes per read and has nothing every other read, as a
 * socket between TCP segments, so frames arrive in pieces and the framer
 * sees many wakeups. */
#define FUZZ_TYPE_TRICKLE_STREAM (fuzz_trickle_stream_get_type ())
G_DECLARE_FINAL_TYPE (FuzzTrickleStream, fuzz_trickle_stream, FUZZ, TRICKLE_STREAM,
                      GMemoryInputStream)

struct _FuzzTrickleStream {
  GMemoryInputStream parent_instance;
  guint reads;
};

G_DEFINE_FINAL_TYPE (FuzzTrickleStream, fuzz_trickle_stream, G_TYPE_MEMORY_INPUT_STREAM)

static gssize
fuzz_trickle_stream_read (GInputStream *stream, void *buffer, gsize count,
                          GCancellable *cancellable, GError **error)
{
  FuzzTrickleStream *self = FUZZ_TRICKLE_STREAM (stream);
  guint turn = self->reads++;

  if (turn % 2 == 1) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "nothing yet");
    return -1;
  }
  count = MIN (count, 1 + (turn / 2) % 13);
  return G_INPUT_STREAM_CLASS (fuzz_trickle_stream_parent_class)
    ->read_fn (stream, buffer, count, cancellable, error);
}

static void
fuzz_trickle_stream_class_init (FuzzTrickleStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = fuzz_trickle_stream_read;
}

static void
fuzz_trickle_stream_init (FuzzTrickleStream *self)
{
  (void) self;
}

/* ---- a GMemoryOutputStream that is slow ------------------------------ */

/* Takes 1 to 13 bytes per write and none every other write, as a socket
 * whose send buffer is full, so the framer queues and drains. */
#define FUZZ_TYPE_SLOW_STREAM (fuzz_slow_stream_get_type ())
G_DECLARE_FINAL_TYPE (FuzzSlowStream, fuzz_slow_stream, FUZZ, SLOW_STREAM, GMemoryOutputStream)

struct _FuzzSlowStream {
  GMemoryOutputStream parent_instance;
  guint writes;
};

G_DEFINE_FINAL_TYPE (FuzzSlowStream, fuzz_slow_stream, G_TYPE_MEMORY_OUTPUT_STREAM)

static gssize
fuzz_slow_stream_write (GOutputStream *stream, const void *buffer, gsize count,
                        GCancellable *cancellable, GError **error)
{
  FuzzSlowStream *self = FUZZ_SLOW_STREAM (stream);
  guint turn = self->writes++;

  if (turn % 2 == 1) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "no room yet");
    return -1;
  }
  count = MIN (count, 1 + (turn / 2) % 13);
  return G_OUTPUT_STREAM_CLASS (fuzz_slow_stream_parent_class)
    ->write_fn (stream, buffer, count, cancellable, error);
}

static void
fuzz_slow_stream_class_init (FuzzSlowStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = fuzz_slow_stream_write;
}

static void
fuzz_slow_stream_init (FuzzSlowStream *self)
{
  (void) self;
}

/* ---- the owner's callbacks ------------------------------------------- */

typedef struct {
  guint flags;
  guint out;
  gsize max_message;
  gsize max_backlog;
  guint n_messages;
  guint n_closed;
  gboolean detached;
  WstunWs *alive; /* weak pointer: NULL once the framer is finalized */
} Run;

static void
assert_may_call (WstunWs *ws, Run *run)
{
  g_assert_cmpuint (run->n_closed, ==, 0);
  g_assert_false (run->detached);
  g_assert_true (wstun_ws_is_open (ws));
  /* a peer that does not read costs a bounded amount of memory */
  g_assert_cmpuint (wstun_ws_get_backlog (ws), <=,
                    run->max_backlog + CONTROL_ALLOWANCE + run->max_message +
                      2 * WSTUN_WS_HEADROOM);
}

static void
on_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  Run *run = user_data;
  g_autofree guint8 *buf = NULL;

  assert_may_call (ws, run);
  g_assert_true (opcode == WSTUN_WS_OPCODE_TEXT || opcode == WSTUN_WS_OPCODE_BINARY);
  g_assert_cmpuint (len, <=, run->max_message);
  if (opcode == WSTUN_WS_OPCODE_TEXT)
    g_assert_true (fuzz_utf8_valid (data, len));
  /* the data is the owner's to modify in place during the call: keep it
   * (behind headroom, for the zero-copy send path) and scribble over it,
   * which shows if the framer still used it afterwards */
  buf = g_malloc (WSTUN_WS_HEADROOM + len + 1);
  if (len > 0) {
    memcpy (buf + WSTUN_WS_HEADROOM, data, len);
    memset (data, 0xa5, len);
  }
  run->n_messages++;

  if (run->flags & FLAG_ECHO) {
    if (opcode == WSTUN_WS_OPCODE_TEXT)
      wstun_ws_send_text (ws, (const char *) buf + WSTUN_WS_HEADROOM, len);
    else if ((run->out & OUT_MASK) == OUT_SLOW_REPLIES)
      wstun_ws_send_binary (ws, buf + WSTUN_WS_HEADROOM, len);
    else /* droppable, as data frames are */
      wstun_ws_send_frame (ws, WSTUN_WS_OPCODE_BINARY, buf + WSTUN_WS_HEADROOM, len, TRUE);
  }
  if ((run->flags & FLAG_CLOSE) && run->n_messages == 1 && wstun_ws_is_open (ws))
    wstun_ws_close (ws, WSTUN_WS_CLOSE_NORMAL, "fuzz: done");
  if ((run->flags & FLAG_DETACH) && run->n_messages == 3 && run->n_closed == 0) {
    run->detached = TRUE;
    wstun_ws_detach (ws);
  }
}

static void
on_burst_done (WstunWs *ws, gpointer user_data)
{
  Run *run = user_data;

  assert_may_call (ws, run);
  if (run->flags & FLAG_BURST_SEND) {
    guint8 frame[WSTUN_WS_HEADROOM + BURST_FRAME];

    memset (frame, 0x45, sizeof frame);
    wstun_ws_send_frame (ws, WSTUN_WS_OPCODE_BINARY, frame + WSTUN_WS_HEADROOM, BURST_FRAME, TRUE);
  }
}

static void
on_drained (WstunWs *ws, gpointer user_data)
{
  assert_may_call (ws, user_data);
}

static gboolean
closed_code_ok (guint16 code)
{
  /* a code from the peer (checked), one of ours, or "none"/"lost" */
  return (code >= 1000 && code <= 1003) || (code >= 1005 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

static void
on_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error, gpointer user_data)
{
  Run *run = user_data;

  (void) error;
  g_assert_cmpuint (run->n_closed, ==, 0);
  g_assert_false (run->detached);
  run->n_closed++;
  g_assert_false (wstun_ws_is_open (ws));
  if (!closed_code_ok (code))
    g_error ("closed() with code %u", code);
  if (reason != NULL)
    g_assert_true (fuzz_utf8_valid ((const guint8 *) reason, strlen (reason)));
  g_assert_cmpint (wstun_ws_send_text (ws, "late", -1), ==, WSTUN_WS_SEND_CLOSED);
}

/* ---- what the framer wrote ------------------------------------------- */

static void
check_output (const guint8 *out, gsize len, gboolean client, gboolean may_be_cut)
{
  gsize pos = 0;
  gboolean seen_close = FALSE;

  while (pos < len) {
    const guint8 *p = out + pos;
    gsize avail = len - pos, hlen = 2, plen;
    guint opcode;
    gboolean masked;
    g_autofree guint8 *payload = NULL;

    g_assert_false (seen_close); /* nothing after a close frame */
    if (avail < 2)
      break;
    g_assert_cmphex (p[0] & 0xf0, ==, 0x80); /* FIN, no RSV bits: never fragmented */
    opcode = p[0] & 0x0f;
    g_assert_true (opcode == WSTUN_WS_OPCODE_TEXT || opcode == WSTUN_WS_OPCODE_BINARY ||
                   opcode == WSTUN_WS_OPCODE_CLOSE || opcode == WSTUN_WS_OPCODE_PING ||
                   opcode == WSTUN_WS_OPCODE_PONG);
    masked = (p[1] & 0x80) != 0;
    g_assert_true (masked == client);
    plen = p[1] & 0x7f;
    if (plen == 126) {
      if (avail < 4)
        break;
      plen = ((gsize) p[2] << 8) | p[3];
      g_assert_cmpuint (plen, >=, 126); /* shortest encoding */
      hlen = 4;
    } else if (plen == 127) {
      if (avail < 10)
        break;
      plen = 0;
      for (int i = 2; i < 10; i++)
        plen = (plen << 8) | p[i];
      g_assert_cmpuint (plen, >, G_MAXUINT16);
      hlen = 10;
    }
    if (masked)
      hlen += 4;
    if (avail < hlen || avail - hlen < plen)
      break;
    payload = g_memdup2 (p + hlen, plen);
    if (masked)
      wstun_ws_mask (payload, plen, p + hlen - 4, 0);
    if (opcode >= WSTUN_WS_OPCODE_CLOSE)
      g_assert_cmpuint (plen, <=, WSTUN_WS_CONTROL_MAX);
    if (opcode == WSTUN_WS_OPCODE_TEXT)
      g_assert_true (fuzz_utf8_valid (payload, plen));
    if (opcode == WSTUN_WS_OPCODE_CLOSE) {
      seen_close = TRUE;
      g_assert_cmpuint (plen, !=, 1);
      if (plen >= 2) {
        guint16 code = (payload[0] << 8) | payload[1];

        /* 1005 and 1006 never go on the wire */
        if (!closed_code_ok (code) || code == 1005 || code == 1006)
          g_error ("close frame with code %u", code);
        g_assert_true (fuzz_utf8_valid (payload + 2, plen - 2));
      }
    }
    pos += hlen + plen;
  }
  if (pos != len)
    g_assert_true (may_be_cut);
}

/* ---- one run --------------------------------------------------------- */

static gboolean
tick (gpointer user_data)
{
  (void) user_data;
  return G_SOURCE_CONTINUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const gsize limits[] = { DEFAULT_LIMIT, 1, 125, 1000 };
  static const WstunWsCallbacks callbacks = {
    .message = on_message,
    .burst_done = on_burst_done,
    .drained = on_drained,
    .closed = on_closed,
  };
  Run run = { 0 };
  g_autoptr (GMainContext) ctx = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GInputStream) input = NULL;
  g_autoptr (GOutputStream) output = NULL;
  g_autoptr (GIOStream) stream = NULL;
  GSource *ticker;
  WstunWs *ws;
  gint64 deadline;
  guint iterations = 0;

  if (size < 2)
    return 0;
  fuzz_init ();
  run.flags = data[0];
  run.out = data[1];
  run.max_message = limits[(run.flags & FLAG_LIMIT_MASK) >> 1];
  run.max_backlog = (run.out & OUT_SMALL_BACKLOG) ? SMALL_BACKLOG : DEFAULT_BACKLOG;

  ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);

  bytes = g_bytes_new (data + 2, size - 2);
  if (run.flags & FLAG_TRICKLE) {
    input = g_object_new (FUZZ_TYPE_TRICKLE_STREAM, NULL);
    g_memory_input_stream_add_bytes (G_MEMORY_INPUT_STREAM (input), bytes);
  } else {
    input = g_memory_input_stream_new_from_bytes (bytes);
  }
  switch (run.out & OUT_MASK) {
  case OUT_MEMORY:
    output = g_memory_output_stream_new_resizable ();
    break;
  case OUT_FULL:
    output = g_memory_output_stream_new (g_malloc (FULL_OUTPUT), FULL_OUTPUT, NULL, g_free);
    break;
  default:
    output = g_object_new (FUZZ_TYPE_SLOW_STREAM, "realloc-function", g_realloc, "destroy-function",
                           g_free, NULL);
    break;
  }
  stream = g_simple_io_stream_new (input, output);

  ws =
    wstun_ws_new (stream, (run.flags & FLAG_CLIENT) ? WSTUN_WS_ROLE_CLIENT : WSTUN_WS_ROLE_SERVER);
  g_assert_nonnull (ws);
  run.alive = ws;
  g_object_add_weak_pointer (G_OBJECT (ws), (gpointer *) &run.alive);
  if (run.max_message != DEFAULT_LIMIT)
    wstun_ws_set_max_message (ws, run.max_message);
  if (run.max_backlog != DEFAULT_BACKLOG)
    wstun_ws_set_max_backlog (ws, run.max_backlog);
  wstun_ws_start (ws, &callbacks, &run);

  /* The framer reads, answers and closes; closing the stream completes in
   * a GTask, so block in the context (a ticker bounds each wait). */
  ticker = g_timeout_source_new (10);
  g_source_set_callback (ticker, tick, NULL, NULL);
  g_source_attach (ticker, ctx);
  deadline = g_get_monotonic_time () + MAX_USEC;
  while (run.n_closed == 0 && !run.detached && iterations++ < MAX_ITERATIONS (size) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (ctx, TRUE);
  /* a finite input always ends the connection */
  if (run.n_closed == 0 && !run.detached)
    g_error ("closed() not called after %u iterations", iterations);
  g_assert_cmpuint (run.n_closed, <=, 1);
  /* the framer read through the trickling read_fn, not around it */
  if (run.flags & FLAG_TRICKLE)
    g_assert_cmpuint (FUZZ_TRICKLE_STREAM (input)->reads, >, 0);

  /* the framer wrote through the slow write_fn, not around it */
  if ((run.out & OUT_MASK) >= OUT_SLOW &&
      g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)) > 0)
    g_assert_cmpuint (FUZZ_SLOW_STREAM (output)->writes, >, 0);

  /* Only a stream that ran out of room, or a connection aborted with
   * output still queued (the peer vanished, the queue overflowed), may
   * end inside a frame. */
  check_output (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output)),
                g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)),
                (run.flags & FLAG_CLIENT) != 0, (run.out & OUT_MASK) != OUT_MEMORY);

  /* release everything: the framer goes once its stream is closed */
  g_object_unref (ws);
  deadline = g_get_monotonic_time () + MAX_USEC;
  while (run.alive != NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (ctx, TRUE);
  g_assert_null (run.alive);
  g_assert_cmpuint (run.n_closed, <=, 1);
  g_source_destroy (ticker);
  g_source_unref (ticker);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_pop_thread_default (ctx);
  return 0;
}
