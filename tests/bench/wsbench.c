/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wsbench: libsoup's WebSocket framing against WstunWs, nothing else.
 *
 * Three processes on 127.0.0.1, the shape of the data-plane performance
 * study: a sender sends random binary messages of a fixed size to the
 * relay's /in as fast as its socket takes them, the relay forwards every
 * message to /out, and a receiver counts what arrives. With --framer soup
 * every end frames with libsoup's SoupWebsocketConnection; with --framer
 * wstun libsoup only does the HTTP upgrade and WstunWs frames the data, the
 * way wstun-relay and wstund do. No TUN, no wstun protocol: only framing.
 *
 * Built, never run as a test: tests/bench/framer-ladder.sh runs it.
 *
 *   wsbench relay --port P --framer soup|wstun [--backlog BYTES]
 *   wsbench send --url ws://127.0.0.1:P/in --framer F --size N --seconds S
 *   wsbench recv --url ws://127.0.0.1:P/out --framer F --seconds S
 *
 * Every figure is printed on stdout as key=value words. The relay prints
 * port=P once it listens and its counters when SIGTERM or SIGINT stops it.
 */
#include "config.h"

#include <glib-unix.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "wstun-error.h"
#include "wstun-ws-takeover.h"
#include "wstun-ws.h"

/* Largest message every end accepts: above every size the ladder sends and
 * above libsoup's default limit of 128 KiB. */
#define MAX_MESSAGE (1024 * 1024)
/* Messages sent per main-loop dispatch at most, so that the connection's
 * own sources (libsoup's output queue, WstunWs's) get their turns. */
#define BURST 64
/* The sender's messages are slices of this much random data. */
#define POOL_SIZE        (1024 * 1024)
#define CLOSE_TIMEOUT_MS 3000
/* After its window, the receiver reads on uncounted, and stops once
 * nothing arrived for this long. */
#define IDLE_STOP_US  (1000 * 1000)
#define RECV_TICK_MS  100
#define DEFAULT_PORT  8765
#define RELAY_BACKLOG (1024 * 1024) /* wstun-relay's default --backlog */

typedef enum {
  FRAMER_SOUP,
  FRAMER_WSTUN,
} Framer;

static GMainLoop *loop;
static int exit_status;
static Framer framer;

static int opt_port = DEFAULT_PORT;
static char *opt_url;
static char *opt_framer;
static int opt_size = 1400;
static int opt_seconds = 5;
static gint64 opt_backlog = RELAY_BACKLOG;

static const GOptionEntry entries[] = {
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "relay: port on 127.0.0.1 (0: any, printed)",
    "P" },
  { "url", 'u', 0, G_OPTION_ARG_STRING, &opt_url, "send, recv: ws://127.0.0.1:P/in or /out",
    "URL" },
  { "framer", 'f', 0, G_OPTION_ARG_STRING, &opt_framer, "soup or wstun", "F" },
  { "size", 's', 0, G_OPTION_ARG_INT, &opt_size, "send: message size in bytes (1400)", "N" },
  { "seconds", 't', 0, G_OPTION_ARG_INT, &opt_seconds,
    "send: how long to send; recv: how long to count from the first message, then it reads on "
    "until 1 s passes without one (5)",
    "S" },
  { "backlog", 'b', 0, G_OPTION_ARG_INT64, &opt_backlog,
    "relay, wstun: send backlog of /out; beyond it messages are dropped (1048576)", "BYTES" },
  { NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL },
};

static void fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("wsbench: %s\n", msg);
  exit_status = 1;
  g_main_loop_quit (loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  (void) user_data;
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_quit_timeout (gpointer user_data)
{
  (void) user_data;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* CPU time of this process (user + system) in seconds */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double
gbit_per_s (guint64 bytes, gint64 usec)
{
  return usec > 0 ? bytes * 8.0 / (usec * 1e3) : 0.0;
}

/* ---- relay ----------------------------------------------------------- */

typedef struct {
  SoupServer *server;
  GPtrArray *conns; /* every connection, owned; closed ones stay until exit */
  /* framer soup */
  SoupWebsocketConnection *soup_out;
  GPollableOutputStream *soup_out_stream;
  /* framer wstun */
  WstunWs *ws_out;
  guint8 *buf; /* WSTUN_WS_HEADROOM + a message */
  gsize buf_len;
  guint64 received;
  guint64 forwarded;
  guint64 dropped;  /* /out did not take it: tail drop */
  guint64 unrouted; /* no /out connection */
  guint64 bytes_forwarded;
} Relay;

static Relay relay;

static void
on_soup_in_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (message, &len);

  (void) conn;
  (void) user_data;
  relay.received++;
  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    return;
  if (relay.soup_out == NULL ||
      soup_websocket_connection_get_state (relay.soup_out) != SOUP_WEBSOCKET_STATE_OPEN) {
    relay.unrouted++;
    return;
  }
  /* libsoup has no send backlog to ask: the socket's writability is the
   * gate, as in the study (one poll() per message) */
  if (!g_pollable_output_stream_is_writable (relay.soup_out_stream)) {
    relay.dropped++;
    return;
  }
  soup_websocket_connection_send_binary (relay.soup_out, data, len);
  relay.forwarded++;
  relay.bytes_forwarded += len;
}

static void
on_soup_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  (void) user_data;
  if (conn == relay.soup_out) {
    relay.soup_out = NULL;
    relay.soup_out_stream = NULL;
  }
}

static void
on_soup_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
                   SoupWebsocketConnection *conn, gpointer user_data)
{
  gboolean out = GPOINTER_TO_INT (user_data);

  (void) server;
  (void) msg;
  (void) path;
  g_ptr_array_add (relay.conns, g_object_ref (conn));
  soup_websocket_connection_set_max_incoming_payload_size (conn, MAX_MESSAGE);
  g_signal_connect (conn, "closed", G_CALLBACK (on_soup_closed), NULL);
  if (out) {
    if (relay.soup_out != NULL || relay.ws_out != NULL)
      g_printerr ("wsbench: a new /out replaces the previous one\n");
    relay.soup_out = conn;
    relay.soup_out_stream = G_POLLABLE_OUTPUT_STREAM (
      g_io_stream_get_output_stream (soup_websocket_connection_get_io_stream (conn)));
  } else {
    g_signal_connect (conn, "message", G_CALLBACK (on_soup_in_message), NULL);
  }
}

static void
on_ws_in_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  gsize backlog;

  (void) ws;
  (void) user_data;
  relay.received++;
  if (opcode != WSTUN_WS_OPCODE_BINARY)
    return;
  if (relay.ws_out == NULL || !wstun_ws_is_open (relay.ws_out)) {
    relay.unrouted++;
    return;
  }
  /* the router's check (wstun-router.c): drop before copying */
  backlog = wstun_ws_get_backlog (relay.ws_out);
  if (backlog > 0 && backlog + len > wstun_ws_get_max_backlog (relay.ws_out)) {
    relay.dropped++;
    return;
  }
  if (relay.buf_len < WSTUN_WS_HEADROOM + len) {
    relay.buf_len = WSTUN_WS_HEADROOM + len;
    relay.buf = g_realloc (relay.buf, relay.buf_len);
  }
  memcpy (relay.buf + WSTUN_WS_HEADROOM, data, len);
  switch (wstun_ws_send_frame (relay.ws_out, WSTUN_WS_OPCODE_BINARY, relay.buf + WSTUN_WS_HEADROOM,
                               len, TRUE)) {
  case WSTUN_WS_SEND_OK:
    relay.forwarded++;
    relay.bytes_forwarded += len;
    break;
  case WSTUN_WS_SEND_DROPPED:
    relay.dropped++;
    break;
  case WSTUN_WS_SEND_CLOSED:
    relay.unrouted++;
    break;
  }
}

static void
on_ws_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error,
              gpointer user_data)
{
  (void) code;
  (void) reason;
  (void) user_data;
  /* the receiver stops reading and goes away without a closing handshake */
  if (error != NULL)
    g_debug ("a connection closed: %s", error->message);
  if (ws == relay.ws_out)
    relay.ws_out = NULL;
}

static void
on_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  static const WstunWsCallbacks in_callbacks = {
    .message = on_ws_in_message,
    .closed = on_ws_closed,
  };
  static const WstunWsCallbacks out_callbacks = {
    .closed = on_ws_closed,
  };
  gboolean out = GPOINTER_TO_INT (user_data);
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (msg);
  WstunWs *ws = wstun_ws_new (stream, WSTUN_WS_ROLE_SERVER);

  g_ptr_array_add (relay.conns, ws);
  wstun_ws_set_max_message (ws, MAX_MESSAGE);
  wstun_ws_set_max_backlog (ws, opt_backlog);
  if (out) {
    if (relay.soup_out != NULL || relay.ws_out != NULL)
      g_printerr ("wsbench: a new /out replaces the previous one\n");
    relay.ws_out = ws;
  }
  wstun_ws_start (ws, out ? &out_callbacks : &in_callbacks, NULL);
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  gboolean out = g_strcmp0 (path, "/out") == 0;

  (void) server;
  (void) query;
  (void) user_data;
  if (!out && g_strcmp0 (path, "/in") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  /* no extension offered is accepted: WstunWs speaks none */
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error)) {
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, error->message);
    return;
  }
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgraded), GINT_TO_POINTER (out));
}

static void
relay_conn_free (gpointer conn)
{
  if (WSTUN_IS_WS (conn))
    wstun_ws_detach (conn);
  else
    g_signal_handlers_disconnect_by_data (conn, NULL);
  g_object_unref (conn);
}

static void
run_relay (void)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, opt_port);
  g_autoptr (GError) error = NULL;
  GSList *uris;

  relay.conns = g_ptr_array_new_with_free_func (relay_conn_free);
  relay.server = soup_server_new ("server-header", "wsbench ", NULL);
  if (framer == FRAMER_SOUP) {
    /* accepted by default; a random payload does not compress anyway */
    soup_server_remove_websocket_extension (relay.server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
    soup_server_add_websocket_handler (relay.server, "/in", NULL, NULL, on_soup_websocket,
                                       GINT_TO_POINTER (FALSE), NULL);
    soup_server_add_websocket_handler (relay.server, "/out", NULL, NULL, on_soup_websocket,
                                       GINT_TO_POINTER (TRUE), NULL);
  } else {
    soup_server_add_handler (relay.server, NULL, on_request, NULL, NULL);
  }
  if (!soup_server_listen (relay.server, addr, 0, &error)) {
    fail ("cannot listen on 127.0.0.1:%d: %s", opt_port, error->message);
    return;
  }
  uris = soup_server_get_uris (relay.server);
  g_print ("port=%d\n", uris != NULL ? g_uri_get_port (uris->data) : -1);
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (loop);

  g_print ("received=%" G_GUINT64_FORMAT " forwarded=%" G_GUINT64_FORMAT
           " dropped=%" G_GUINT64_FORMAT " unrouted=%" G_GUINT64_FORMAT
           " forwarded_bytes=%" G_GUINT64_FORMAT "\n",
           relay.received, relay.forwarded, relay.dropped, relay.unrouted, relay.bytes_forwarded);
  fflush (stdout);
  soup_server_disconnect (relay.server);
  g_clear_pointer (&relay.conns, g_ptr_array_unref);
  g_clear_object (&relay.server);
  g_clear_pointer (&relay.buf, g_free);
}

/* ---- sender and receiver: the client end ----------------------------- */

static SoupSession *client_session;
/* framer soup: the connection; framer wstun: the shell whose stream the
 * WstunWs drives (disposing it would close the stream) */
static SoupWebsocketConnection *client_conn;
static WstunWs *client_ws;

static gboolean
connect_client (GAsyncReadyCallback callback)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, opt_url);

  if (msg == NULL) {
    g_printerr ("wsbench: invalid URL “%s”\n", opt_url);
    exit_status = 2;
    return FALSE;
  }
  /* no proxy from the environment may come between us and 127.0.0.1 */
  client_session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  soup_session_websocket_connect_async (client_session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        callback, NULL);
  return TRUE;
}

/* Completes connect_client(); with framer wstun, a WstunWs takes the
 * stream over. FALSE after fail(). */
static gboolean
finish_connect (GAsyncResult *result, const WstunWsCallbacks *callbacks)
{
  g_autoptr (GError) error = NULL;
  GIOStream *stream;

  client_conn = soup_session_websocket_connect_finish (client_session, result, &error);
  if (client_conn == NULL) {
    fail ("cannot connect to %s: %s", opt_url, error->message);
    return FALSE;
  }
  if (soup_websocket_connection_get_extensions (client_conn) != NULL) {
    fail ("%s negotiated a WebSocket extension; the relay must accept none", opt_url);
    return FALSE;
  }
  soup_websocket_connection_set_max_incoming_payload_size (client_conn, MAX_MESSAGE);
  if (framer == FRAMER_SOUP)
    return TRUE;

  stream = wstun_ws_take_over (client_conn, &error);
  if (stream == NULL) {
    fail ("%s", error->message);
    return FALSE;
  }
  client_ws = wstun_ws_new (stream, WSTUN_WS_ROLE_CLIENT);
  wstun_ws_set_max_message (client_ws, MAX_MESSAGE);
  wstun_ws_start (client_ws, callbacks, NULL);
  return TRUE;
}

static void
close_client (void)
{
  if (client_ws != NULL)
    wstun_ws_detach (client_ws);
  g_clear_object (&client_ws);
  g_clear_object (&client_conn);
  g_clear_object (&client_session);
}

/* ---- sender ---------------------------------------------------------- */

typedef struct {
  guint8 *pool; /* random bytes; messages are slices of it */
  gsize pool_len;
  gsize offset;
  guint8 *frame;                 /* framer wstun: WSTUN_WS_HEADROOM + a message */
  GPollableOutputStream *output; /* framer soup: the socket's side */
  GSource *pump;
  GSource *wait;
  GSource *stop;
  gint64 start;
  double cpu_start;
  guint64 messages;
  gboolean finished;
} Sender;

static Sender tx;

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static const guint8 *
next_payload (void)
{
  const guint8 *p;

  if (tx.offset + opt_size > tx.pool_len)
    tx.offset = 0;
  p = tx.pool + tx.offset;
  tx.offset += opt_size;
  return p;
}

static void
on_send_closed (void)
{
  if (tx.finished)
    g_main_loop_quit (loop);
  else
    fail ("the relay closed the connection");
}

static void
on_soup_send_closed (SoupWebsocketConnection *soup_conn, gpointer user_data)
{
  (void) soup_conn;
  (void) user_data;
  on_send_closed ();
}

static void
on_ws_send_closed (WstunWs *self, guint16 code, const char *reason, const GError *error,
                   gpointer user_data)
{
  (void) self;
  (void) code;
  (void) reason;
  (void) user_data;
  if (error != NULL && !tx.finished)
    g_printerr ("wsbench: %s\n", error->message);
  on_send_closed ();
}

static gboolean
on_stop_sending (gpointer user_data)
{
  gint64 usec = g_get_monotonic_time () - tx.start;
  double cpu = cpu_seconds () - tx.cpu_start;

  (void) user_data;
  g_clear_pointer (&tx.stop, g_source_unref);
  destroy_source (&tx.pump);
  destroy_source (&tx.wait);
  tx.finished = TRUE;
  g_print ("sent_msgs=%" G_GUINT64_FORMAT " sent_bytes=%" G_GUINT64_FORMAT
           " seconds=%.3f gbps=%.3f cpu_pct=%.1f\n",
           tx.messages, tx.messages * opt_size, usec / 1e6,
           gbit_per_s (tx.messages * opt_size, usec), 100.0 * cpu * 1e6 / MAX (usec, 1));
  fflush (stdout);

  /* the closing handshake, within bounds: "closed" quits */
  g_timeout_add (CLOSE_TIMEOUT_MS, on_quit_timeout, NULL);
  if (client_ws != NULL)
    wstun_ws_close (client_ws, WSTUN_WS_CLOSE_NORMAL, NULL);
  else
    soup_websocket_connection_close (client_conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  return G_SOURCE_REMOVE;
}

static void start_pump (void);

static gboolean
on_writable (GObject *stream, gpointer user_data)
{
  (void) stream;
  (void) user_data;
  g_clear_pointer (&tx.wait, g_source_unref);
  start_pump ();
  return G_SOURCE_REMOVE;
}

static void
on_drained (WstunWs *self, gpointer user_data)
{
  (void) self;
  (void) user_data;
  start_pump ();
}

/* Sends one message if the connection takes it now. When it does not, arranges to be woken up
 * and returns FALSE. */
static gboolean
send_one (void)
{
  if (framer == FRAMER_SOUP) {
    if (soup_websocket_connection_get_state (client_conn) != SOUP_WEBSOCKET_STATE_OPEN)
      return FALSE; /* "closed" follows */
    if (!g_pollable_output_stream_is_writable (tx.output)) {
      tx.wait = g_pollable_output_stream_create_source (tx.output, NULL);
      g_source_set_callback (tx.wait, G_SOURCE_FUNC (on_writable), NULL, NULL);
      g_source_attach (tx.wait, NULL);
      return FALSE;
    }
    soup_websocket_connection_send_binary (client_conn, next_payload (), opt_size);
  } else {
    if (wstun_ws_get_backlog (client_ws) > 0)
      return FALSE; /* drained() follows */
    memcpy (tx.frame + WSTUN_WS_HEADROOM, next_payload (), opt_size);
    if (wstun_ws_send_frame (client_ws, WSTUN_WS_OPCODE_BINARY, tx.frame + WSTUN_WS_HEADROOM,
                             opt_size, FALSE) != WSTUN_WS_SEND_OK)
      return FALSE; /* closed() follows */
  }
  tx.messages++;
  return TRUE;
}

static gboolean
on_pump (gpointer user_data)
{
  (void) user_data;
  for (guint i = 0; i < BURST; i++) {
    if (!send_one ()) {
      g_clear_pointer (&tx.pump, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  }
  return G_SOURCE_CONTINUE;
}

static void
start_pump (void)
{
  if (tx.pump != NULL || tx.finished)
    return;
  /* idle priority: the connection's own I/O sources go first */
  tx.pump = g_idle_source_new ();
  g_source_set_callback (tx.pump, on_pump, NULL, NULL);
  g_source_attach (tx.pump, NULL);
}

static void
on_send_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const WstunWsCallbacks callbacks = {
    .drained = on_drained,
    .closed = on_ws_send_closed,
  };

  (void) source;
  (void) user_data;
  if (!finish_connect (result, &callbacks))
    return;
  if (framer == FRAMER_SOUP) {
    tx.output = G_POLLABLE_OUTPUT_STREAM (
      g_io_stream_get_output_stream (soup_websocket_connection_get_io_stream (client_conn)));
    g_signal_connect (client_conn, "closed", G_CALLBACK (on_soup_send_closed), NULL);
  }
  tx.start = g_get_monotonic_time ();
  tx.cpu_start = cpu_seconds ();
  tx.stop = g_timeout_source_new (opt_seconds * 1000);
  g_source_set_callback (tx.stop, on_stop_sending, NULL, NULL);
  g_source_attach (tx.stop, NULL);
  start_pump ();
}

static void
run_send (void)
{
  g_autoptr (GRand) rng = g_rand_new ();

  tx.pool_len = MAX (POOL_SIZE, 2 * (gsize) opt_size);
  tx.pool = g_malloc (tx.pool_len);
  for (gsize i = 0; i + 4 <= tx.pool_len; i += 4) {
    guint32 v = g_rand_int (rng);
    memcpy (tx.pool + i, &v, 4);
  }
  tx.frame = g_malloc (WSTUN_WS_HEADROOM + opt_size);

  if (connect_client (on_send_connected))
    g_main_loop_run (loop);

  destroy_source (&tx.stop);
  destroy_source (&tx.pump);
  destroy_source (&tx.wait);
  close_client ();
  g_clear_pointer (&tx.pool, g_free);
  g_clear_pointer (&tx.frame, g_free);
}

/* ---- receiver -------------------------------------------------------- */

typedef struct {
  gint64 first;      /* time of the first message */
  gint64 last;       /* time of the last message counted */
  gint64 idle_since; /* time of the last message, counted or not */
  guint64 messages;
  guint64 bytes; /* all of them; the rate leaves the first out */
  gsize first_len;
  double cpu_first;
  double cpu_active; /* at the last tick that had seen messages arrive */
  gint64 active;     /* time of that tick */
  guint64 ticked_messages;
  gboolean finished;
} Receiver;

static Receiver rx;

static void
stop_receiving (void)
{
  /* the messages after the first one arrived within [first, last] */
  gint64 usec = rx.last - rx.first;
  guint64 bytes = rx.bytes - rx.first_len;
  double cpu = rx.cpu_active - rx.cpu_first;
  gint64 cpu_usec = rx.active - rx.first;

  if (rx.finished)
    return;
  rx.finished = TRUE;
  g_print ("received_msgs=%" G_GUINT64_FORMAT " received_bytes=%" G_GUINT64_FORMAT
           " seconds=%.3f gbps=%.3f cpu_pct=%.1f\n",
           rx.messages, rx.bytes, usec / 1e6, gbit_per_s (bytes, usec),
           cpu_usec > 0 ? 100.0 * cpu * 1e6 / cpu_usec : 0.0);
  fflush (stdout);
  if (rx.messages < 2)
    exit_status = 1;
  g_main_loop_quit (loop);
}

static void
count_message (gsize len)
{
  gint64 now = g_get_monotonic_time ();

  if (rx.finished)
    return;
  rx.idle_since = now;
  if (rx.messages == 0) {
    rx.first = rx.active = now;
    rx.first_len = len;
    rx.cpu_first = rx.cpu_active = cpu_seconds ();
  } else if (now - rx.first > opt_seconds * G_USEC_PER_SEC) {
    /* after the window: read on, so that the relay's /out stays as it
     * was until the sender stops, but do not count */
    return;
  }
  rx.messages++;
  rx.bytes += len;
  rx.last = now;
}

static gboolean
on_recv_tick (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  (void) user_data;
  if (rx.messages == 0)
    return G_SOURCE_CONTINUE;
  if (rx.messages != rx.ticked_messages) {
    rx.ticked_messages = rx.messages;
    rx.cpu_active = cpu_seconds ();
    rx.active = now;
  }
  if (now - rx.idle_since > IDLE_STOP_US)
    stop_receiving ();
  return G_SOURCE_CONTINUE;
}

static void
on_soup_recv_message (SoupWebsocketConnection *soup_conn, gint type, GBytes *message,
                      gpointer user_data)
{
  (void) soup_conn;
  (void) type;
  (void) user_data;
  count_message (g_bytes_get_size (message));
}

static void
on_ws_recv_message (WstunWs *self, WstunWsOpcode opcode, guint8 *data, gsize len,
                    gpointer user_data)
{
  (void) self;
  (void) opcode;
  (void) data;
  (void) user_data;
  count_message (len);
}

static void
on_recv_closed (void)
{
  if (rx.messages == 0)
    fail ("the relay closed the connection before any message");
  else
    stop_receiving ();
}

static void
on_soup_recv_closed (SoupWebsocketConnection *soup_conn, gpointer user_data)
{
  (void) soup_conn;
  (void) user_data;
  on_recv_closed ();
}

static void
on_ws_recv_closed (WstunWs *self, guint16 code, const char *reason, const GError *error,
                   gpointer user_data)
{
  (void) self;
  (void) code;
  (void) reason;
  (void) user_data;
  if (error != NULL)
    g_printerr ("wsbench: %s\n", error->message);
  on_recv_closed ();
}

static void
on_recv_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const WstunWsCallbacks callbacks = {
    .message = on_ws_recv_message,
    .closed = on_ws_recv_closed,
  };

  (void) source;
  (void) user_data;
  if (!finish_connect (result, &callbacks))
    return;
  if (framer == FRAMER_SOUP) {
    g_signal_connect (client_conn, "message", G_CALLBACK (on_soup_recv_message), NULL);
    g_signal_connect (client_conn, "closed", G_CALLBACK (on_soup_recv_closed), NULL);
  }
  g_print ("connected\n");
  fflush (stdout);
}

static void
run_recv (void)
{
  guint tick = g_timeout_add (RECV_TICK_MS, on_recv_tick, NULL);

  if (connect_client (on_recv_connected))
    g_main_loop_run (loop);
  g_source_remove (tick);
  if (client_conn != NULL)
    g_signal_handlers_disconnect_by_data (client_conn, NULL);
  close_client ();
}

/* ---- main ------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  const char *mode;

  context = g_option_context_new ("relay|send|recv");
  g_option_context_set_summary (context, "libsoup's WebSocket framing against WstunWs on "
                                         "127.0.0.1: sender -> relay -> receiver");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("wsbench: %s\n", error->message);
    return 2;
  }
  mode = argc == 2 ? argv[1] : "";
  if (g_strcmp0 (opt_framer, "soup") == 0) {
    framer = FRAMER_SOUP;
  } else if (g_strcmp0 (opt_framer, "wstun") == 0) {
    framer = FRAMER_WSTUN;
  } else {
    g_printerr ("wsbench: --framer soup or --framer wstun is needed\n");
    return 2;
  }
  if (opt_size < 1 || opt_size > MAX_MESSAGE || opt_seconds < 1 || opt_port < 0 ||
      opt_port > 65535 || opt_backlog < 1) {
    g_printerr ("wsbench: --size must be 1 to %d, --seconds at least 1, --port 0 to 65535, "
                "--backlog positive\n",
                MAX_MESSAGE);
    return 2;
  }
  if (g_strcmp0 (mode, "relay") != 0 && opt_url == NULL) {
    g_printerr ("wsbench: relay, send or recv, and --url for send and recv\n");
    return 2;
  }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_quit_signal, NULL);
  g_unix_signal_add (SIGINT, on_quit_signal, NULL);
  if (g_strcmp0 (mode, "relay") == 0) {
    run_relay ();
  } else if (g_strcmp0 (mode, "send") == 0) {
    run_send ();
  } else if (g_strcmp0 (mode, "recv") == 0) {
    run_recv ();
  } else {
    g_printerr ("wsbench: unknown mode “%s”: relay, send or recv\n", mode);
    exit_status = 2;
  }
  g_main_loop_unref (loop);
  g_free (opt_url);
  g_free (opt_framer);
  return exit_status;
}
