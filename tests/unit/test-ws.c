/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the RFC 6455 framer (WstunWs)
 *
 * - as a server against libsoup's WebSocket client, upgraded the way the
 *   relay does it (SoupServer handler, steal the connection);
 * - as a client against libsoup's WebSocket server, taking the stream over
 *   from a SoupSession connection the way wstund does it;
 * - as a server against raw bytes on a socketpair (protocol conformance);
 * - masking, and the bounded send queue.
 *
 * Everything runs in-process on 127.0.0.1 or a socketpair, each test in
 * its own GMainContext, with bounded waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libsoup/soup.h>

#include "wstun-error.h"
#include "wstun-reactor.h"
#include "wstun-ws-takeover.h"
#include "wstun-ws.h"

#define SUBPROTOCOL "wstun.v1"
/* Upper bound of any single wait; a passing run needs a fraction of it. */
#define WAIT_USEC (10 * G_USEC_PER_SEC)

static char *protocols[] = { (char *) SUBPROTOCOL, NULL };

/* ---- main loop helpers ----------------------------------------------- */

static gboolean
tick (gpointer user_data)
{
  (void) user_data;
  return G_SOURCE_CONTINUE;
}

/* A short periodic source, so a blocking iteration never waits long. */
static GSource *
ticker_start (void)
{
  GSource *ticker = g_timeout_source_new (5);

  g_source_set_callback (ticker, tick, NULL, NULL);
  g_source_attach (ticker, g_main_context_get_thread_default ());
  return ticker;
}

static void
ticker_stop (GSource *ticker)
{
  g_source_destroy (ticker);
  g_source_unref (ticker);
}

/* Iterates the thread-default context until @cond holds; fails the test
 * when it does not within @usec. */
#define WAIT_FOR_USEC(cond, usec)                                                                  \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 deadline_ = g_get_monotonic_time () + (usec);                                           \
    GSource *ticker_ = ticker_start ();                                                            \
    while (!(cond) && g_get_monotonic_time () < deadline_)                                         \
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);                       \
    ticker_stop (ticker_);                                                                         \
    if (!(cond))                                                                                   \
      g_test_message ("timed out after %d ms waiting for: %s", (int) ((usec) / 1000), #cond);      \
    g_assert_true (cond);                                                                          \
  }                                                                                                \
  G_STMT_END
#define WAIT_FOR(cond) WAIT_FOR_USEC (cond, WAIT_USEC)

/* Lets pending events run for @msec (to see that nothing else happens). */
static void
spin (guint msec)
{
  gint64 deadline = g_get_monotonic_time () + msec * 1000;
  GSource *ticker = ticker_start ();

  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  ticker_stop (ticker);
}

static GMainContext *
context_push (void)
{
  GMainContext *ctx = g_main_context_new ();

  g_main_context_push_thread_default (ctx);
  return ctx;
}

static void
context_pop (GMainContext *ctx)
{
  /* let deferred closes and unrefs finish before the context goes */
  spin (20);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
}

/* ---- payloads -------------------------------------------------------- */

static const gsize sizes[] = { 0, 1, 125, 126, 65535, 65536, 200000 };

static GBytes *
random_binary (gsize len)
{
  guint8 *p = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    p[i] = g_test_rand_int_range (0, 256);
  return g_bytes_new_take (p, len);
}

/* Random valid UTF-8 of exactly @len bytes, with 1- to 4-byte characters
 * and some U+0000 (valid UTF-8 per RFC 3629, so valid in a text message). */
static GBytes *
random_utf8 (gsize len)
{
  guint8 *p = g_malloc (len + 1);
  gsize i = 0;

  while (i < len) {
    gsize left = len - i;
    gint kind = g_test_rand_int_range (0, 16);
    gunichar c;

    if (kind >= 12 && left >= 4) {
      c = g_test_rand_int_range (0x10000, 0x110000);
    } else if (kind >= 8 && left >= 3) {
      do
        c = g_test_rand_int_range (0x800, 0x10000);
      while (c >= 0xd800 && c < 0xe000);
    } else if (kind >= 4 && left >= 2) {
      c = g_test_rand_int_range (0x80, 0x800);
    } else if (kind == 0) {
      c = 0;
    } else {
      c = g_test_rand_int_range (1, 0x80);
    }
    i += g_unichar_to_utf8 (c, (char *) p + i);
  }
  g_assert_cmpuint (i, ==, len);
  return g_bytes_new_take (p, len);
}

typedef struct {
  int opcode; /* WstunWsOpcode; SoupWebsocketDataType has the same values */
  GBytes *data;
} Msg;

static void
msg_free (gpointer p)
{
  Msg *m = p;

  g_bytes_unref (m->data);
  g_free (m);
}

static void
msg_append (GPtrArray *messages, int opcode, const void *data, gsize len)
{
  Msg *m = g_new0 (Msg, 1);

  m->opcode = opcode;
  m->data = g_bytes_new (data, len);
  g_ptr_array_add (messages, m);
}

static void
assert_msg (GPtrArray *messages, guint i, int opcode, GBytes *expected)
{
  Msg *m;

  g_assert_cmpuint (i, <, messages->len);
  m = messages->pdata[i];
  g_assert_cmpint (m->opcode, ==, opcode);
  g_assert_cmpmem (g_bytes_get_data (m->data, NULL), g_bytes_get_size (m->data),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* ---- our side: a WstunWs and what its callbacks saw ------------------ */

typedef struct {
  WstunWs *ws;
  GPtrArray *messages; /* Msg */
  guint closed;
  guint16 close_code;
  char *close_reason;
  GError *close_error;
  guint drained;
  guint bursts;
} Ours;

static void
on_ours_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  Ours *o = user_data;

  g_assert_true (ws == o->ws);
  msg_append (o->messages, opcode, data, len);
}

static void
on_ours_burst_done (WstunWs *ws, gpointer user_data)
{
  Ours *o = user_data;

  (void) ws;
  o->bursts++;
}

static void
on_ours_drained (WstunWs *ws, gpointer user_data)
{
  Ours *o = user_data;

  (void) ws;
  o->drained++;
}

static void
on_ours_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error,
                gpointer user_data)
{
  Ours *o = user_data;

  g_assert_true (ws == o->ws);
  o->closed++;
  o->close_code = code;
  g_free (o->close_reason);
  o->close_reason = g_strdup (reason);
  g_clear_error (&o->close_error);
  if (error != NULL)
    o->close_error = g_error_copy (error);
}

static const WstunWsCallbacks ours_callbacks = {
  .message = on_ours_message,
  .burst_done = on_ours_burst_done,
  .drained = on_ours_drained,
  .closed = on_ours_closed,
};

static void
ours_init (Ours *o)
{
  memset (o, 0, sizeof *o);
  o->messages = g_ptr_array_new_with_free_func (msg_free);
}

static void
ours_start (Ours *o, GIOStream *stream, WstunWsRole role)
{
  o->ws = wstun_ws_new (stream, role);
  wstun_ws_start (o->ws, &ours_callbacks, o);
}

/* Ends the connection if still open and releases everything. */
static void
ours_clear (Ours *o)
{
  if (o->ws != NULL) {
    if (o->closed == 0) {
      wstun_ws_abort (o->ws, NULL);
      WAIT_FOR (o->closed == 1);
    }
    g_clear_object (&o->ws);
  }
  g_clear_pointer (&o->messages, g_ptr_array_unref);
  g_clear_pointer (&o->close_reason, g_free);
  g_clear_error (&o->close_error);
}

/* Sends @data, through the zero-copy call or a copying one. */
static void
ours_send (Ours *o, int opcode, GBytes *data, gboolean zero_copy)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (data, &len);
  WstunWsSendResult res;

  if (zero_copy) {
    g_autofree guint8 *buf = g_malloc (WSTUN_WS_HEADROOM + len);

    if (len > 0)
      memcpy (buf + WSTUN_WS_HEADROOM, p, len);
    res = wstun_ws_send_frame (o->ws, opcode, buf + WSTUN_WS_HEADROOM, len, FALSE);
  } else if (opcode == WSTUN_WS_OPCODE_TEXT) {
    res = wstun_ws_send_text (o->ws, (const char *) p, len);
  } else {
    res = wstun_ws_send_binary (o->ws, p, len);
  }
  g_assert_cmpint (res, ==, WSTUN_WS_SEND_OK);
}

/* ---- their side: a libsoup SoupWebsocketConnection ------------------- */

typedef struct {
  SoupWebsocketConnection *conn;
  GPtrArray *messages; /* Msg */
  guint pongs;
  guint closed;
  GError *error;
} Theirs;

static void
on_theirs_message (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  Theirs *t = user_data;

  (void) conn;
  msg_append (t->messages, type, g_bytes_get_data (message, NULL), g_bytes_get_size (message));
}

static void
on_theirs_pong (SoupWebsocketConnection *conn, GBytes *message, gpointer user_data)
{
  Theirs *t = user_data;

  (void) conn;
  /* libsoup 3.2 emits a GByteArray as the GBytes argument: do not touch */
  (void) message;
  t->pongs++;
}

static void
on_theirs_error (SoupWebsocketConnection *conn, GError *error, gpointer user_data)
{
  Theirs *t = user_data;

  (void) conn;
  g_test_message ("libsoup WebSocket error: %s", error->message);
  if (t->error == NULL)
    t->error = g_error_copy (error);
}

static void
on_theirs_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  Theirs *t = user_data;

  (void) conn;
  t->closed++;
}

static void
theirs_init (Theirs *t)
{
  memset (t, 0, sizeof *t);
  t->messages = g_ptr_array_new_with_free_func (msg_free);
}

static void
theirs_attach (Theirs *t, SoupWebsocketConnection *conn)
{
  t->conn = g_object_ref (conn);
  /* 0: no limit; the matrix sends 200000 bytes, over libsoup's default */
  soup_websocket_connection_set_max_incoming_payload_size (conn, 0);
  g_signal_connect (conn, "message", G_CALLBACK (on_theirs_message), t);
  g_signal_connect (conn, "pong", G_CALLBACK (on_theirs_pong), t);
  g_signal_connect (conn, "error", G_CALLBACK (on_theirs_error), t);
  g_signal_connect (conn, "closed", G_CALLBACK (on_theirs_closed), t);
}

static void
theirs_send (Theirs *t, int opcode, GBytes *data)
{
  soup_websocket_connection_send_message (t->conn, opcode, data);
}

static void
theirs_clear (Theirs *t)
{
  if (t->conn != NULL) {
    if (t->closed == 0 &&
        soup_websocket_connection_get_state (t->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (t->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
    WAIT_FOR (t->closed > 0);
    g_signal_handlers_disconnect_by_data (t->conn, t);
    g_clear_object (&t->conn);
  }
  g_clear_pointer (&t->messages, g_ptr_array_unref);
  g_clear_error (&t->error);
}

/* ---- A and B: fixture with a SoupServer and a SoupSession ------------ */

typedef struct {
  GMainContext *ctx;
  SoupServer *server;
  SoupSession *session;
  char *url;
  Ours ours;
  Theirs theirs;
  /* B: the client-side libsoup object the stream was taken from */
  SoupWebsocketConnection *shell;
  gboolean shell_finalized;
  gboolean connect_done;
  /* B: the libsoup server sends a message as soon as it has upgraded */
  gboolean server_sends_first;
} Fixture;

static void
listen_local (Fixture *f)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GError) error = NULL;
  GSList *uris;

  soup_server_listen (f->server, addr, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->url = g_strdup_printf ("ws://127.0.0.1:%d/ws", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static SoupSession *
new_session (void)
{
  /* no proxy from the environment may come between us and 127.0.0.1 */
  return soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

static void
connect_async (Fixture *f, GAsyncReadyCallback callback)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, f->url);

  soup_session_websocket_connect_async (f->session, msg, NULL, protocols, G_PRIORITY_DEFAULT, NULL,
                                        callback, f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  ours_clear (&f->ours);
  theirs_clear (&f->theirs);
  if (f->server != NULL)
    soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_clear_object (&f->session);
  g_clear_pointer (&f->url, g_free);
  context_pop (f->ctx);
}

/* A: the relay's way: a plain handler that upgrades by hand and steals the
 * connection once the 101 is written (src/relay/wstun-relay.c). */

static void
on_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (msg);

  g_assert_null (f->ours.ws);
  ours_start (&f->ours, stream, WSTUN_WS_ROLE_SERVER);
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  (void) server;
  (void) path;
  (void) query;
  if (!soup_websocket_server_check_handshake (msg, NULL, protocols, NULL, &error)) {
    g_test_message ("not a WebSocket handshake: %s", error->message);
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
    return;
  }
  g_assert_true (soup_websocket_server_process_handshake (msg, NULL, protocols, NULL, NULL));
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_upgraded), user_data);
}

static void
on_soup_client_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupWebsocketConnection) conn = NULL;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  theirs_attach (&f->theirs, conn);
  f->connect_done = TRUE;
}

static void
setup_our_server (Fixture *f, gconstpointer data)
{
  (void) data;
  f->ctx = context_push ();
  ours_init (&f->ours);
  theirs_init (&f->theirs);
  f->server = g_object_new (SOUP_TYPE_SERVER, NULL);
  soup_server_add_handler (f->server, "/ws", on_request, f, NULL);
  listen_local (f);

  f->session = new_session ();
  connect_async (f, on_soup_client_connected);
  WAIT_FOR (f->connect_done && f->ours.ws != NULL);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (f->theirs.conn), ==, SUBPROTOCOL);
  g_assert_null (soup_websocket_connection_get_extensions (f->theirs.conn));
}

/* B: libsoup's own server end, and the client's way of taking over the
 * stream (wstun_ws_take_over(), src/common/wstun-ws-takeover.c). */

static void
on_websocket (SoupServer *server, SoupServerMessage *msg, const char *path,
              SoupWebsocketConnection *conn, gpointer user_data)
{
  Fixture *f = user_data;

  (void) server;
  (void) msg;
  (void) path;
  g_assert_null (f->theirs.conn);
  theirs_attach (&f->theirs, conn);
  if (f->server_sends_first)
    soup_websocket_connection_send_text (conn, "first");
}

/* qdata is released at finalization (after dispose, which libsoup ends by
 * closing the stream asynchronously) */
static void
on_shell_finalized (gpointer user_data)
{
  Fixture *f = user_data;

  f->shell_finalized = TRUE;
}

static void
on_our_client_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GError) error = NULL;
  GIOStream *stream;

  f->shell = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (f->shell), ==, SUBPROTOCOL);
  /* our framer speaks no extension: none may have been negotiated */
  g_assert_null (soup_websocket_connection_get_extensions (f->shell));
  g_object_set_data_full (G_OBJECT (f->shell), "test-fixture", f, on_shell_finalized);
  stream = wstun_ws_take_over (f->shell, &error);
  g_assert_no_error (error);
  ours_start (&f->ours, stream, WSTUN_WS_ROLE_CLIENT);
  f->connect_done = TRUE;
}

static void
setup_our_client_full (Fixture *f, gboolean server_sends_first)
{
  f->ctx = context_push ();
  ours_init (&f->ours);
  theirs_init (&f->theirs);
  f->server_sends_first = server_sends_first;
  /* libsoup's defaults, permessage-deflate included */
  f->server = g_object_new (SOUP_TYPE_SERVER, NULL);
  soup_server_add_websocket_handler (f->server, "/ws", NULL, protocols, on_websocket, f, NULL);
  listen_local (f);

  /* as wstund's session (libsoup 3 sessions offer no WebSocket extension
   * unless given a SoupWebsocketExtensionManager) */
  f->session = new_session ();
  connect_async (f, on_our_client_connected);
  WAIT_FOR (f->connect_done && f->theirs.conn != NULL);
}

static void
setup_our_client (Fixture *f, gconstpointer data)
{
  (void) data;
  setup_our_client_full (f, FALSE);
}

static void
teardown_our_client (Fixture *f, gconstpointer data)
{
  ours_clear (&f->ours);
  theirs_clear (&f->theirs);
  if (f->shell != NULL) {
    /* as wstund's teardown: the shell closes the (already closed) stream */
    g_clear_object (&f->shell);
    WAIT_FOR (f->shell_finalized);
  }
  fixture_teardown (f, data);
}

/* ---- A and B: the tests, which work for either role ------------------ */

/* Messages of every size class, both kinds, both ways at once; each side
 * must receive exactly what the other sent, in order. */
static void
test_messages (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) to_them = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GPtrArray) to_us = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint n = 0;

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    g_ptr_array_add (to_them, random_utf8 (sizes[i]));
    g_ptr_array_add (to_them, random_binary (sizes[i]));
    g_ptr_array_add (to_us, random_utf8 (sizes[i]));
    g_ptr_array_add (to_us, random_binary (sizes[i]));
  }
  for (guint i = 0; i < to_them->len; i++) {
    int opcode = i % 2 == 0 ? WSTUN_WS_OPCODE_TEXT : WSTUN_WS_OPCODE_BINARY;

    ours_send (&f->ours, opcode, to_them->pdata[i], (i / 2) % 2 == 0);
    theirs_send (&f->theirs, opcode, to_us->pdata[i]);
    n++;
  }

  WAIT_FOR (f->theirs.messages->len == n && f->ours.messages->len == n);
  for (guint i = 0; i < n; i++) {
    int opcode = i % 2 == 0 ? WSTUN_WS_OPCODE_TEXT : WSTUN_WS_OPCODE_BINARY;

    assert_msg (f->theirs.messages, i, opcode, to_them->pdata[i]);
    assert_msg (f->ours.messages, i, opcode, to_us->pdata[i]);
  }
  g_assert_null (f->theirs.error);
  g_assert_cmpuint (f->ours.closed, ==, 0);
  g_assert_true (wstun_ws_is_open (f->ours.ws));
  g_assert_cmpuint (f->ours.bursts, >, 0);
}

/* Our keepalive pings get answered (the RTT is measured), and their pings
 * get our pong (its payload is checked in /ws/raw/fragmented: libsoup 3.2
 * does not hand it out intact). */
static void
test_ping (Fixture *f, gconstpointer data)
{
  (void) data;
  g_assert_cmpint (wstun_ws_get_rtt (f->ours.ws), ==, -1);
  wstun_ws_set_keepalive (f->ours.ws, 1);
  soup_websocket_connection_set_keepalive_interval (f->theirs.conn, 1);
  WAIT_FOR (wstun_ws_get_rtt (f->ours.ws) >= 0 && f->theirs.pongs > 0);
  g_assert_cmpint (wstun_ws_get_rtt (f->ours.ws), <, 5 * G_USEC_PER_SEC);
  wstun_ws_set_keepalive (f->ours.ws, 0);
  soup_websocket_connection_set_keepalive_interval (f->theirs.conn, 0);
  /* pings and pongs are not messages */
  g_assert_cmpuint (f->ours.messages->len, ==, 0);
  g_assert_cmpuint (f->theirs.messages->len, ==, 0);
  g_assert_null (f->theirs.error);
  g_assert_true (wstun_ws_is_open (f->ours.ws));
}

static void
test_close_ours (Fixture *f, gconstpointer data)
{
  (void) data;
  wstun_ws_close (f->ours.ws, 4409, "replaced by a newer session");
  g_assert_false (wstun_ws_is_open (f->ours.ws));
  g_assert_cmpint (wstun_ws_send_text (f->ours.ws, "late", -1), ==, WSTUN_WS_SEND_CLOSED);
  WAIT_FOR (f->ours.closed > 0 && f->theirs.closed > 0);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (f->theirs.conn), ==, 4409);
  g_assert_cmpstr (soup_websocket_connection_get_close_data (f->theirs.conn), ==,
                   "replaced by a newer session");
  g_assert_null (f->theirs.error);
  g_assert_cmpuint (f->ours.close_code, ==, 4409);
  g_assert_cmpstr (f->ours.close_reason, ==, "replaced by a newer session");
  g_assert_no_error (f->ours.close_error);
  /* closing again does nothing; closed() came exactly once */
  wstun_ws_close (f->ours.ws, 1000, NULL);
  spin (50);
  g_assert_cmpuint (f->ours.closed, ==, 1);
  g_assert_cmpuint (f->theirs.closed, ==, 1);
}

static void
test_close_theirs (Fixture *f, gconstpointer data)
{
  (void) data;
  soup_websocket_connection_close (f->theirs.conn, SOUP_WEBSOCKET_CLOSE_NORMAL, "done");
  WAIT_FOR (f->ours.closed > 0 && f->theirs.closed > 0);
  g_assert_cmpuint (f->ours.close_code, ==, 1000);
  g_assert_cmpstr (f->ours.close_reason, ==, "done");
  g_assert_no_error (f->ours.close_error);
  /* our echo carried their code */
  g_assert_cmpuint (soup_websocket_connection_get_close_code (f->theirs.conn), ==, 1000);
  g_assert_null (f->theirs.error);
  spin (50);
  g_assert_cmpuint (f->ours.closed, ==, 1);
}

/* A message at the limit passes; one byte more closes with 1009, which the
 * peer receives. */
static void
test_too_big (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) fits = random_binary (1000);
  g_autoptr (GBytes) over = random_binary (1001);
  g_autoptr (GBytes) after = random_binary (10);

  (void) data;
  wstun_ws_set_max_message (f->ours.ws, 1000);
  theirs_send (&f->theirs, WSTUN_WS_OPCODE_BINARY, fits);
  theirs_send (&f->theirs, WSTUN_WS_OPCODE_BINARY, over);
  theirs_send (&f->theirs, WSTUN_WS_OPCODE_BINARY, after);
  WAIT_FOR (f->ours.closed > 0 && f->theirs.closed > 0);
  g_assert_cmpuint (f->ours.messages->len, ==, 1);
  assert_msg (f->ours.messages, 0, WSTUN_WS_OPCODE_BINARY, fits);
  g_assert_cmpuint (f->ours.close_code, ==, 1009);
  g_assert_nonnull (f->ours.close_error);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (f->theirs.conn), ==, 1009);
}

/* As above, with data in flight both ways when we fail the connection: a
 * message of ours the peer has not read yet, and most of the peer's
 * oversized message, which we have not read. The peer must still get our
 * message and then the 1009 close frame. (Closing a TCP socket with unread
 * input resets the connection, and a reset can discard what the peer has
 * not read yet.) */
static void
test_too_big_in_flight (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) ours = random_binary (200000);
  g_autoptr (GBytes) over = random_binary (4 * 1024 * 1024);

  (void) data;
  ours_send (&f->ours, WSTUN_WS_OPCODE_BINARY, ours, TRUE);
  theirs_send (&f->theirs, WSTUN_WS_OPCODE_BINARY, over);
  WAIT_FOR (f->ours.closed > 0 && f->theirs.closed > 0);
  g_assert_cmpuint (f->ours.messages->len, ==, 0);
  g_assert_cmpuint (f->ours.close_code, ==, 1009);
  g_assert_cmpuint (f->theirs.messages->len, ==, 1);
  assert_msg (f->theirs.messages, 0, WSTUN_WS_OPCODE_BINARY, ours);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (f->theirs.conn), ==, 1009);
}

/* B only: the server speaks first, right after the upgrade; nothing may be
 * lost while the client takes the stream over. */
static void
setup_our_client_server_first (Fixture *f, gconstpointer data)
{
  (void) data;
  setup_our_client_full (f, TRUE);
}

static void
test_server_first (Fixture *f, gconstpointer data)
{
  (void) data;
  WAIT_FOR (f->ours.messages->len == 1);
  {
    g_autoptr (GBytes) first = g_bytes_new_static ("first", 5);

    assert_msg (f->ours.messages, 0, WSTUN_WS_OPCODE_TEXT, first);
  }
  g_assert_true (wstun_ws_is_open (f->ours.ws));
}

/* ---- C: raw bytes against our server --------------------------------- */

typedef struct {
  GMainContext *ctx;
  WstunWsRole role;
  int fd;    /* the raw end, non-blocking */
  int ws_fd; /* the framer's end (owned by its GSocket) */
  Ours ours;
  GByteArray *rx; /* read from fd, not yet parsed */
  gboolean eof;
} Raw;

static const guint8 mask_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

static Raw *
raw_new (WstunWsRole role)
{
  Raw *r = g_new0 (Raw, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  int sv[2];

  r->ctx = context_push ();
  r->role = role;
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  sock = g_socket_new_from_fd (sv[0], &error);
  g_assert_no_error (error);
  conn = g_socket_connection_factory_create_connection (sock);
  r->ws_fd = sv[0];
  r->fd = sv[1];
  g_assert_cmpint (fcntl (r->fd, F_SETFL, fcntl (r->fd, F_GETFL) | O_NONBLOCK), ==, 0);
  r->rx = g_byte_array_new ();
  ours_init (&r->ours);
  ours_start (&r->ours, G_IO_STREAM (conn), role);
  return r;
}

static void
raw_free (Raw *r)
{
  ours_clear (&r->ours);
  if (r->fd >= 0)
    close (r->fd);
  g_byte_array_unref (r->rx);
  context_pop (r->ctx);
  g_free (r);
}

/* Appends a frame with first byte @b0 (FIN, RSV, opcode) and minimal
 * length encoding, masked with mask_key unless @unmasked. */
static void
append_frame (GByteArray *out, guint8 b0, gboolean unmasked, const void *payload, gsize len)
{
  guint8 hdr[14];
  gsize hlen = 2;
  gsize start;

  hdr[0] = b0;
  if (len < 126) {
    hdr[1] = len;
  } else if (len <= G_MAXUINT16) {
    hdr[1] = 126;
    hdr[2] = len >> 8;
    hdr[3] = len & 0xff;
    hlen = 4;
  } else {
    guint64 l = len;

    hdr[1] = 127;
    for (int i = 9; i >= 2; i--, l >>= 8)
      hdr[i] = l & 0xff;
    hlen = 10;
  }
  if (!unmasked) {
    hdr[1] |= 0x80;
    memcpy (hdr + hlen, mask_key, 4);
    hlen += 4;
  }
  g_byte_array_append (out, hdr, hlen);
  start = out->len;
  if (len > 0)
    g_byte_array_append (out, payload, len);
  if (!unmasked)
    for (gsize i = 0; i < len; i++)
      out->data[start + i] ^= mask_key[i & 3];
}

static void
append_close (GByteArray *out, guint16 code, const char *reason, gsize reason_len)
{
  g_autoptr (GByteArray) p = g_byte_array_new ();
  guint8 c[2] = { code >> 8, code & 0xff };

  g_byte_array_append (p, c, 2);
  if (reason_len > 0)
    g_byte_array_append (p, (const guint8 *) reason, reason_len);
  append_frame (out, 0x88, FALSE, p->data, p->len);
}

/* Writes all of @data, letting the framer read when the socket is full. */
static void
raw_write (Raw *r, const void *data, gsize len)
{
  const guint8 *p = data;
  gint64 deadline = g_get_monotonic_time () + WAIT_USEC;

  while (len > 0) {
    ssize_t n = send (r->fd, p, len, MSG_NOSIGNAL);

    if (n < 0) {
      g_assert_cmpint (errno, ==, EAGAIN);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (r->ctx, FALSE);
      continue;
    }
    p += n;
    len -= n;
  }
}

static void
raw_write_array (Raw *r, GByteArray *a)
{
  raw_write (r, a->data, a->len);
}

/* Reads what is available into r->rx; notes end of stream. */
static void
raw_fill (Raw *r)
{
  guint8 buf[65536];

  while (!r->eof) {
    ssize_t n = read (r->fd, buf, sizeof buf);

    if (n < 0) {
      g_assert_cmpint (errno, ==, EAGAIN);
      return;
    }
    if (n == 0)
      r->eof = TRUE;
    else
      g_byte_array_append (r->rx, buf, n);
  }
}

/* Length of the complete frame at the start of r->rx, or 0. */
static gsize
raw_frame_ready (Raw *r)
{
  const guint8 *p;
  gsize avail, hlen;
  guint64 len;

  raw_fill (r);
  p = r->rx->data;
  avail = r->rx->len;
  if (avail < 2)
    return 0;
  len = p[1] & 0x7f;
  hlen = 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + ((p[1] & 0x80) ? 4 : 0);
  if (avail < hlen)
    return 0;
  if (len == 126) {
    len = (p[2] << 8) | p[3];
  } else if (len == 127) {
    len = 0;
    for (int i = 2; i < 10; i++)
      len = (len << 8) | p[i];
  }
  return avail >= hlen + len ? hlen + len : 0;
}

/* Reads the next frame the framer wrote: returns its first byte and its
 * (unmasked) payload. A server never masks, a client always does. */
static guint8
raw_read_frame (Raw *r, GByteArray *payload)
{
  gsize flen, hlen;
  guint8 b0, l7, key[4];
  gboolean masked;

  WAIT_FOR ((flen = raw_frame_ready (r)) > 0 || r->eof);
  g_assert_cmpuint (flen, >, 0);
  b0 = r->rx->data[0];
  masked = (r->rx->data[1] & 0x80) != 0;
  g_assert_cmpint (masked, ==, r->role == WSTUN_WS_ROLE_CLIENT);
  g_assert_cmphex (b0 & 0x70, ==, 0); /* no RSV bits */
  l7 = r->rx->data[1] & 0x7f;
  hlen = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
  /* the minimal length encoding (RFC 6455 5.2), top bit clear */
  if (l7 == 126)
    g_assert_cmpuint (flen - hlen - (masked ? 4 : 0), >=, 126);
  if (l7 == 127) {
    g_assert_cmpuint (flen - hlen - (masked ? 4 : 0), >, G_MAXUINT16);
    g_assert_cmphex (r->rx->data[2] & 0x80, ==, 0);
  }
  if (masked) {
    memcpy (key, r->rx->data + hlen, 4);
    hlen += 4;
  }
  g_byte_array_set_size (payload, 0);
  g_byte_array_append (payload, r->rx->data + hlen, flen - hlen);
  if (masked)
    for (guint i = 0; i < payload->len; i++)
      payload->data[i] ^= key[i & 3];
  g_byte_array_remove_range (r->rx, 0, flen);
  return b0;
}

static void
raw_expect_frame (Raw *r, guint8 b0, const void *payload, gsize len)
{
  g_autoptr (GByteArray) got = g_byte_array_new ();

  g_assert_cmphex (raw_read_frame (r, got), ==, b0);
  g_assert_cmpmem (got->data, got->len, payload, len);
}

/* The framer sent a close frame with @code and nothing after it. */
static void
raw_expect_close_frame (Raw *r, guint16 code)
{
  g_autoptr (GByteArray) got = g_byte_array_new ();

  g_assert_cmphex (raw_read_frame (r, got), ==, 0x88);
  g_assert_cmpuint (got->len, >=, 2);
  g_assert_cmpuint (got->len, <=, 125);
  g_assert_cmpuint ((got->data[0] << 8) | got->data[1], ==, code);
  g_assert_true (g_utf8_validate_len ((const char *) got->data + 2, got->len - 2, NULL));
}

/* ... and then closed the connection */
static void
raw_expect_eof (Raw *r)
{
  WAIT_FOR ((raw_fill (r), r->eof));
  g_assert_cmpuint (r->rx->len, ==, 0);
}

/* The framer failed the connection with @code (RFC 6455 7.1.7): it sent a
 * close frame and nothing after it, and reads and drops what still comes
 * (closing with unread input would reset a TCP connection, losing the
 * close frame) until we close our side; closed() came once, with an error.
 */
static void
raw_expect_fail (Raw *r, guint16 code)
{
  g_autofree guint8 *junk = g_malloc0 (512 * 1024);

  raw_expect_close_frame (r, code);
  /* more than the socket buffers: this only completes if it reads */
  raw_write (r, junk, 512 * 1024);
  g_assert_cmpuint (r->ours.closed, ==, 0);
  g_assert_cmpint (shutdown (r->fd, SHUT_WR), ==, 0);
  raw_expect_eof (r);
  WAIT_FOR (r->ours.closed > 0);
  g_assert_cmpuint (r->ours.closed, ==, 1);
  g_assert_cmpuint (r->ours.close_code, ==, code);
  g_assert_nonnull (r->ours.close_error);
  g_assert_false (wstun_ws_is_open (r->ours.ws));
}

/* Inputs the framer must fail: frames, then verbatim bytes. */
typedef struct {
  guint8 b0; /* FIN, RSV bits and opcode */
  gboolean unmasked;
  const char *payload;
  gsize len;
} RawFrame;

typedef struct {
  const char *path;
  guint16 code;
  guint delivered;   /* messages delivered before the failure */
  gsize max_message; /* 0: the default */
  const char *raw;
  gsize raw_len;
  guint n_frames;
  RawFrame frames[2];
} FailCase;

#define P(s) s, sizeof (s) - 1
#define X126                                                                                       \
  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"                                \
  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
G_STATIC_ASSERT (sizeof (X126) - 1 == 126);
#define KEY "\x37\xfa\x21\x3d"
#define FAIL1(path, code, b0, unmasked, payload)                                                   \
  {                                                                                                \
    path, code, 0, 0, NULL, 0, 1,                                                                  \
    {                                                                                              \
      {                                                                                            \
        b0, unmasked, P (payload)                                                                  \
      }                                                                                            \
    }                                                                                              \
  }
#define FAIL2(path, code, delivered, b0, p0, b1, p1)                                               \
  {                                                                                                \
    path, code, delivered, 0, NULL, 0, 2,                                                          \
    {                                                                                              \
      { b0, FALSE, P (p0) },                                                                       \
      {                                                                                            \
        b1, FALSE, P (p1)                                                                          \
      }                                                                                            \
    }                                                                                              \
  }
#define FAIL_RAW(path, code, max_message, raw)                                                     \
  {                                                                                                \
    path, code, 0, max_message, P (raw), 0,                                                        \
    {                                                                                              \
      {                                                                                            \
        0                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }

static const FailCase fail_cases[] = {
  FAIL1 ("/ws/raw/fail/unmasked", 1002, 0x81, TRUE, "hello"),
  FAIL1 ("/ws/raw/fail/unmasked-ping", 1002, 0x89, TRUE, ""),
  FAIL1 ("/ws/raw/fail/rsv1", 1002, 0xc1, FALSE, "hello"),
  FAIL1 ("/ws/raw/fail/rsv2", 1002, 0xa2, FALSE, "hello"),
  FAIL1 ("/ws/raw/fail/rsv3", 1002, 0x92, FALSE, "hello"),
  FAIL1 ("/ws/raw/fail/rsv-on-ping", 1002, 0xc9, FALSE, ""),
  FAIL1 ("/ws/raw/fail/opcode-3", 1002, 0x83, FALSE, "x"),
  FAIL1 ("/ws/raw/fail/opcode-7", 1002, 0x87, FALSE, "x"),
  FAIL1 ("/ws/raw/fail/opcode-b", 1002, 0x8b, FALSE, "x"),
  FAIL1 ("/ws/raw/fail/opcode-f", 1002, 0x8f, FALSE, ""),
  FAIL1 ("/ws/raw/fail/ping-126", 1002, 0x89, FALSE, X126),
  FAIL1 ("/ws/raw/fail/pong-126", 1002, 0x8a, FALSE, X126),
  FAIL1 ("/ws/raw/fail/close-126", 1002, 0x88, FALSE, "\x03\xe8" X126),
  FAIL1 ("/ws/raw/fail/fragmented-ping", 1002, 0x09, FALSE, "a"),
  FAIL1 ("/ws/raw/fail/fragmented-close", 1002, 0x08, FALSE, "\x03\xe8"),
  FAIL1 ("/ws/raw/fail/continuation-first", 1002, 0x80, FALSE, "x"),
  FAIL1 ("/ws/raw/fail/continuation-unfinished-first", 1002, 0x00, FALSE, "x"),
  FAIL2 ("/ws/raw/fail/continuation-after-message", 1002, 1, 0x81, "done", 0x80, "x"),
  FAIL2 ("/ws/raw/fail/text-inside-fragmented", 1002, 0, 0x01, "a", 0x81, "b"),
  FAIL2 ("/ws/raw/fail/binary-inside-fragmented", 1002, 0, 0x02, "a", 0x02, "b"),
  FAIL1 ("/ws/raw/fail/utf8-ff", 1007, 0x81, FALSE, "ab\xff"),
  FAIL1 ("/ws/raw/fail/utf8-overlong", 1007, 0x81, FALSE, "\xc0\x80"),
  FAIL1 ("/ws/raw/fail/utf8-overlong-3", 1007, 0x81, FALSE, "\xe0\x80\xaf"),
  FAIL1 ("/ws/raw/fail/utf8-surrogate", 1007, 0x81, FALSE, "\xed\xa0\x80"),
  FAIL1 ("/ws/raw/fail/utf8-over-10ffff", 1007, 0x81, FALSE, "\xf4\x90\x80\x80"),
  FAIL1 ("/ws/raw/fail/utf8-truncated", 1007, 0x81, FALSE, "\xe2\x82"),
  FAIL1 ("/ws/raw/fail/utf8-lone-continuation", 1007, 0x81, FALSE, "a\x80"),
  FAIL2 ("/ws/raw/fail/utf8-fragmented", 1007, 0, 0x01, "\xce", 0x80, "\xff"),
  FAIL2 ("/ws/raw/fail/utf8-fragmented-truncated", 1007, 0, 0x01, "ok", 0x80, "\xce"),
  FAIL1 ("/ws/raw/fail/close-1-byte", 1002, 0x88, FALSE, "\x03"),
  FAIL1 ("/ws/raw/fail/close-code-0", 1002, 0x88, FALSE, "\x00\x00"),
  FAIL1 ("/ws/raw/fail/close-code-999", 1002, 0x88, FALSE, "\x03\xe7"),
  FAIL1 ("/ws/raw/fail/close-code-1004", 1002, 0x88, FALSE, "\x03\xec"),
  FAIL1 ("/ws/raw/fail/close-code-1005", 1002, 0x88, FALSE, "\x03\xed"),
  FAIL1 ("/ws/raw/fail/close-code-1006", 1002, 0x88, FALSE, "\x03\xee"),
  FAIL1 ("/ws/raw/fail/close-code-1015", 1002, 0x88, FALSE, "\x03\xf7"),
  FAIL1 ("/ws/raw/fail/close-code-2000", 1002, 0x88, FALSE, "\x07\xd0"),
  FAIL1 ("/ws/raw/fail/close-code-2999", 1002, 0x88, FALSE, "\x0b\xb7"),
  FAIL1 ("/ws/raw/fail/close-code-5000", 1002, 0x88, FALSE, "\x13\x88"),
  FAIL1 ("/ws/raw/fail/close-code-65535", 1002, 0x88, FALSE, "\xff\xff"),
  FAIL1 ("/ws/raw/fail/close-reason-utf8", 1007, 0x88, FALSE, "\x03\xe8ok\xc3\x28"),
  /* 64-bit lengths 2^63 + 1 and 2^64 - 1 */
  FAIL_RAW ("/ws/raw/fail/length-top-bit", 1002, 0, "\x82\xff\x80\0\0\0\0\0\0\x01" KEY),
  FAIL_RAW ("/ws/raw/fail/length-all-ones", 1002, 0,
            "\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff" KEY),
  /* over the limit: the header alone must fail the connection */
  FAIL_RAW ("/ws/raw/fail/length-over-max-64", 1009, 0, "\x82\xff\0\0\0\0\0\x04\0\x01" KEY),
  FAIL_RAW ("/ws/raw/fail/length-over-max-16", 1009, 1000, "\x82\xfe\x03\xe9" KEY),
  FAIL_RAW ("/ws/raw/fail/length-over-max-7", 1009, 100, "\x81\xe5" KEY),
};

static void
test_raw_fail (gconstpointer data)
{
  const FailCase *c = data;
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  if (c->max_message > 0)
    wstun_ws_set_max_message (r->ours.ws, c->max_message);
  for (guint i = 0; i < c->n_frames; i++)
    append_frame (out, c->frames[i].b0, c->frames[i].unmasked, c->frames[i].payload,
                  c->frames[i].len);
  if (c->raw != NULL)
    g_byte_array_append (out, (const guint8 *) c->raw, c->raw_len);

  raw_write_array (r, out);
  raw_expect_fail (r, c->code);
  g_assert_cmpuint (r->ours.messages->len, ==, c->delivered);
  raw_free (r);
}

/* A fragmented text message with a ping between its fragments is delivered
 * whole; the ping is answered at once with the same payload. */
static void
test_raw_fragmented (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  Msg *m;

  append_frame (out, 0x01, FALSE, "Hello, ", 7);
  append_frame (out, 0x89, FALSE, "ping payload", 12);
  /* a character split across fragments: U+00E9 */
  append_frame (out, 0x00, FALSE, "w\xc3", 2);
  append_frame (out, 0x80, FALSE, "\xa9rld", 4);
  /* binary in three fragments, one of them empty, a pong in between */
  append_frame (out, 0x02, FALSE, "\x00\x01", 2);
  append_frame (out, 0x00, FALSE, "", 0);
  append_frame (out, 0x8a, FALSE, "unsolicited", 11);
  append_frame (out, 0x80, FALSE, "\x02", 1);
  raw_write_array (r, out);

  raw_expect_frame (r, 0x8a, "ping payload", 12);
  WAIT_FOR (r->ours.messages->len == 2);
  m = r->ours.messages->pdata[0];
  g_assert_cmpint (m->opcode, ==, WSTUN_WS_OPCODE_TEXT);
  g_assert_cmpmem (g_bytes_get_data (m->data, NULL), g_bytes_get_size (m->data),
                   "Hello, w\xc3\xa9rld", 13);
  m = r->ours.messages->pdata[1];
  g_assert_cmpint (m->opcode, ==, WSTUN_WS_OPCODE_BINARY);
  g_assert_cmpmem (g_bytes_get_data (m->data, NULL), g_bytes_get_size (m->data), "\x00\x01\x02", 3);
  /* an empty ping gets an empty pong */
  g_byte_array_set_size (out, 0);
  append_frame (out, 0x89, FALSE, "", 0);
  raw_write_array (r, out);
  raw_expect_frame (r, 0x8a, "", 0);
  /* a pong was not answered, nothing else was written */
  spin (20);
  raw_fill (r);
  g_assert_cmpuint (r->rx->len, ==, 0);
  g_assert_cmpuint (r->ours.closed, ==, 0);
  g_assert_true (wstun_ws_is_open (r->ours.ws));
  raw_free (r);
}

/* Valid UTF-8 that a naive validator may refuse: U+0000 and
 * noncharacters (RFC 3629 allows both). */
static void
test_raw_utf8_valid (void)
{
  static const struct {
    const char *s;
    gsize len;
  } texts[] = {
    { P ("a\0b") },
    { P ("\0") },
    { P ("\xef\xbf\xbe\xef\xbf\xbf") },              /* U+FFFE U+FFFF */
    { P ("\xef\xb7\x90") },                          /* U+FDD0 */
    { P ("\xf4\x8f\xbf\xbf") },                      /* U+10FFFF */
    { P ("\xed\x9f\xbf\xee\x80\x80") },              /* U+D7FF U+E000 */
    { P ("\xf0\x9f\x98\x80 \xce\xba\xe1\xbd\xb9") }, /* emoji, Greek */
  };
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    append_frame (out, 0x81, FALSE, texts[i].s, texts[i].len);
  /* a close reason with U+0000 in it */
  append_close (out, 1000, "bye\0", 4);
  raw_write_array (r, out);
  WAIT_FOR (r->ours.closed > 0 || r->ours.messages->len == G_N_ELEMENTS (texts));
  g_assert_cmpuint (r->ours.messages->len, ==, G_N_ELEMENTS (texts));
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
    Msg *m = r->ours.messages->pdata[i];

    g_assert_cmpint (m->opcode, ==, WSTUN_WS_OPCODE_TEXT);
    g_assert_cmpmem (g_bytes_get_data (m->data, NULL), g_bytes_get_size (m->data), texts[i].s,
                     texts[i].len);
  }
  raw_expect_frame (r, 0x88, "\x03\xe8", 2);
  raw_expect_eof (r);
  WAIT_FOR (r->ours.closed > 0);
  g_assert_cmpuint (r->ours.close_code, ==, 1000);
  g_assert_no_error (r->ours.close_error);
  raw_free (r);
}

/* The peer closes with a valid code: we echo the code, close the
 * connection and report the peer's code without an error. */
static void
test_raw_close_codes (void)
{
  static const guint16 codes[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                   1010, 1011, 1012, 1013, 1014, 3000, 4999 };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++) {
    Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
    g_autoptr (GByteArray) out = g_byte_array_new ();
    guint8 echo[2] = { codes[i] >> 8, codes[i] & 0xff };

    append_close (out, codes[i], "reason", 6);
    raw_write_array (r, out);
    raw_expect_frame (r, 0x88, echo, 2);
    raw_expect_eof (r);
    WAIT_FOR (r->ours.closed > 0);
    g_assert_cmpuint (r->ours.closed, ==, 1);
    g_assert_cmpuint (r->ours.close_code, ==, codes[i]);
    g_assert_cmpstr (r->ours.close_reason, ==, "reason");
    g_assert_no_error (r->ours.close_error);
    raw_free (r);
  }
}

/* A close frame without a payload is answered with one; code 1005. */
static void
test_raw_close_empty (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();

  append_frame (out, 0x88, FALSE, "", 0);
  /* data after the close frame is not delivered */
  append_frame (out, 0x81, FALSE, "late", 4);
  raw_write_array (r, out);
  raw_expect_frame (r, 0x88, "", 0);
  raw_expect_eof (r);
  WAIT_FOR (r->ours.closed > 0);
  g_assert_cmpuint (r->ours.close_code, ==, 1005);
  g_assert_no_error (r->ours.close_error);
  g_assert_cmpuint (r->ours.messages->len, ==, 0);
  raw_free (r);
}

/* We close first: the peer's echo completes the handshake, the closed
 * callback reports our code and reason once, without an error. */
static void
test_raw_close_ours (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  /* longer than a control frame: cut on a character boundary */
  g_autoptr (GString) reason = g_string_new (NULL);
  g_autoptr (GByteArray) got = g_byte_array_new ();

  for (guint i = 0; i < 61; i++)
    g_string_append (reason, "\xc3\xa9");   /* 122 bytes */
  g_string_append (reason, "\xe2\x82\xac"); /* 125 bytes */
  wstun_ws_close (r->ours.ws, 4000, reason->str);
  g_assert_cmphex (raw_read_frame (r, got), ==, 0x88);
  /* 123 bytes fit; the third of them starts the euro sign */
  g_assert_cmpuint (got->len, ==, 2 + 122);
  g_assert_cmpuint ((got->data[0] << 8) | got->data[1], ==, 4000);
  g_assert_cmpmem (got->data + 2, got->len - 2, reason->str, 122);
  /* the peer still had a message in flight; then it echoes */
  append_frame (out, 0x81, FALSE, "in flight", 9);
  append_close (out, 4000, NULL, 0);
  raw_write_array (r, out);
  raw_expect_eof (r);
  WAIT_FOR (r->ours.closed > 0);
  spin (20);
  g_assert_cmpuint (r->ours.closed, ==, 1);
  g_assert_cmpuint (r->ours.close_code, ==, 4000);
  g_assert_cmpstr (r->ours.close_reason, ==, reason->str);
  g_assert_no_error (r->ours.close_error);
  raw_free (r);
}

/* We close first and the peer never answers: the connection ends after the
 * closing timeout (3 s). */
static void
test_raw_close_timeout (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  gint64 start = g_get_monotonic_time ();

  wstun_ws_close (r->ours.ws, 1001, "going away");
  raw_expect_close_frame (r, 1001);
  raw_expect_eof (r);
  WAIT_FOR (r->ours.closed > 0);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (r->ours.close_code, ==, 1001);
  raw_free (r);
}

/* Frames fed one byte per wakeup still parse. */
static void
test_raw_byte_by_byte (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GBytes) mid = random_binary (300);
  g_autoptr (GBytes) big = random_binary (70000);
  g_autoptr (GBytes) hello = g_bytes_new_static ("Hello", 5);
  gsize header_end;

  append_frame (out, 0x81, FALSE, "Hello", 5);
  append_frame (out, 0x82, FALSE, g_bytes_get_data (mid, NULL), 300);
  append_frame (out, 0x89, FALSE, "pp", 2);
  append_frame (out, 0x01, FALSE, "He", 2);
  append_frame (out, 0x80, FALSE, "llo", 3);
  header_end = out->len + 14;
  append_frame (out, 0x82, FALSE, g_bytes_get_data (big, NULL), 70000);

  for (gsize i = 0; i < out->len;) {
    /* one byte at a time through the big frame's header, then 1000 */
    gsize n = i < header_end ? 1 : MIN (1000, out->len - i);
    int pending;

    raw_write (r, out->data + i, n);
    i += n;
    /* until the framer has read it */
    WAIT_FOR (ioctl (r->ws_fd, FIONREAD, &pending) == 0 && pending == 0);
  }
  WAIT_FOR (r->ours.messages->len == 4);
  assert_msg (r->ours.messages, 0, WSTUN_WS_OPCODE_TEXT, hello);
  assert_msg (r->ours.messages, 1, WSTUN_WS_OPCODE_BINARY, mid);
  assert_msg (r->ours.messages, 2, WSTUN_WS_OPCODE_TEXT, hello);
  assert_msg (r->ours.messages, 3, WSTUN_WS_OPCODE_BINARY, big);
  raw_expect_frame (r, 0x8a, "pp", 2);
  g_assert_cmpuint (r->ours.closed, ==, 0);
  raw_free (r);
}

/* Many small frames in one write: all delivered, in order, and every ping
 * answered in order. */
static void
test_raw_many_frames (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  const guint n = 2000;

  for (guint i = 0; i < n; i++) {
    g_autofree char *s = g_strdup_printf ("%u", i);

    append_frame (out, i % 2 ? 0x82 : 0x81, FALSE, s, strlen (s));
    if (i % 200 == 0) {
      g_autofree char *p = g_strdup_printf ("ping %u", i);

      append_frame (out, 0x89, FALSE, p, strlen (p));
    }
  }
  g_assert_cmpint (send (r->fd, out->data, out->len, MSG_NOSIGNAL), ==, (gssize) out->len);
  WAIT_FOR (r->ours.messages->len == n);
  for (guint i = 0; i < n; i++) {
    g_autofree char *s = g_strdup_printf ("%u", i);
    Msg *m = r->ours.messages->pdata[i];

    g_assert_cmpint (m->opcode, ==, i % 2 ? WSTUN_WS_OPCODE_BINARY : WSTUN_WS_OPCODE_TEXT);
    g_assert_cmpmem (g_bytes_get_data (m->data, NULL), g_bytes_get_size (m->data), s, strlen (s));
  }
  for (guint i = 0; i < n; i += 200) {
    g_autofree char *p = g_strdup_printf ("ping %u", i);

    raw_expect_frame (r, 0x8a, p, strlen (p));
  }
  g_assert_cmpuint (r->ours.closed, ==, 0);
  raw_free (r);
}

/* Over a socket, a connection costs the main loop no source of its own:
 * one watch and its timers in the context's reactor, all gone once closed
 * (a GSource per connection made a relay's wakeup O(clients)). */
static void
test_raw_one_watch (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (WstunReactor) reactor = wstun_reactor_get_default ();
  g_autoptr (GByteArray) out = g_byte_array_new ();

  g_assert_cmpuint (wstun_reactor_get_n_watches (reactor), ==, 1);
  wstun_ws_set_keepalive (r->ours.ws, 5);
  g_assert_cmpuint (wstun_reactor_get_n_timers (reactor), ==, 1);
  g_assert_null (g_main_context_find_source_by_user_data (r->ctx, r->ours.ws));

  append_frame (out, 0x81, FALSE, "hello", 5);
  g_assert_cmpint (send (r->fd, out->data, out->len, MSG_NOSIGNAL), ==, (gssize) out->len);
  WAIT_FOR (r->ours.messages->len == 1);
  g_assert_null (g_main_context_find_source_by_user_data (r->ctx, r->ours.ws));

  wstun_ws_close (r->ours.ws, WSTUN_WS_CLOSE_NORMAL, NULL);
  raw_expect_close_frame (r, WSTUN_WS_CLOSE_NORMAL);
  append_frame (out, 0x88, FALSE, "\x03\xe8", 2);
  g_assert_cmpint (send (r->fd, out->data + out->len - 8, 8, MSG_NOSIGNAL), ==, 8);
  WAIT_FOR (r->ours.closed == 1);
  g_assert_cmpuint (wstun_reactor_get_n_watches (reactor), ==, 0);
  g_assert_cmpuint (wstun_reactor_get_n_timers (reactor), ==, 0);
  raw_free (r);
}

/* A fragmented message over the limit in total, each fragment under it. */
static void
test_raw_fragmented_too_big (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GBytes) part = random_binary (400);

  wstun_ws_set_max_message (r->ours.ws, 1000);
  append_frame (out, 0x02, FALSE, g_bytes_get_data (part, NULL), 400);
  append_frame (out, 0x00, FALSE, g_bytes_get_data (part, NULL), 400);
  append_frame (out, 0x80, FALSE, g_bytes_get_data (part, NULL), 201);
  raw_write_array (r, out);
  raw_expect_fail (r, 1009);
  g_assert_cmpuint (r->ours.messages->len, ==, 0);
  raw_free (r);
}

/* The peer goes away without a close frame, at a frame boundary or inside
 * a frame: closed() reports an error. */
static void
test_raw_peer_eof (void)
{
  for (guint partial = 0; partial < 2; partial++) {
    Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
    g_autoptr (GByteArray) out = g_byte_array_new ();

    append_frame (out, 0x81, FALSE, "last words", 10);
    if (partial)
      g_byte_array_append (out, (const guint8 *) "\x82\x85", 2);
    raw_write_array (r, out);
    g_assert_cmpint (shutdown (r->fd, SHUT_WR), ==, 0);
    WAIT_FOR (r->ours.closed > 0);
    g_assert_cmpuint (r->ours.messages->len, ==, 1);
    g_assert_cmpuint (r->ours.close_code, ==, 1006);
    g_assert_nonnull (r->ours.close_error);
    raw_expect_eof (r);
    spin (20);
    g_assert_cmpuint (r->ours.closed, ==, 1);
    raw_free (r);
  }
}

/* A silent peer (it never answers our pings) is given up on three
 * keepalive intervals after the last thing it sent: not before, and not
 * at the next whole-second tick after that (up to an interval late); it
 * is told why with close 4504 (PROTOCOL.md, 5). */
static void
test_raw_keepalive_deadline (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) got = g_byte_array_new ();
  gint64 t0, elapsed;
  guint pings = 0;
  guint8 b0;

  wstun_ws_set_keepalive (r->ours.ws, 1);
  /* half an interval off the ticks, the last word: the three intervals
   * start here */
  spin (500);
  append_frame (out, 0x81, FALSE, "last", 4);
  raw_write_array (r, out);
  WAIT_FOR (r->ours.messages->len == 1);
  t0 = g_get_monotonic_time ();
  WAIT_FOR (r->ours.closed > 0);
  elapsed = g_get_monotonic_time () - t0;
  g_test_message ("given up %" G_GINT64_FORMAT " ms after the last frame", elapsed / 1000);
  g_assert_cmpint (elapsed, >=, 2900 * 1000);
  g_assert_cmpint (elapsed, <=, 3250 * 1000);
  g_assert_cmpuint (r->ours.close_code, ==, 4504);
  g_assert_error (r->ours.close_error, WSTUN_ERROR, WSTUN_ERROR_TIMED_OUT);
  /* pings, one an interval, then the close frame */
  while ((b0 = raw_read_frame (r, got)) == 0x89)
    pings++;
  g_assert_cmphex (b0, ==, 0x88);
  g_assert_cmpuint ((got->data[0] << 8) | got->data[1], ==, 4504);
  g_assert_cmpuint (pings, >=, 3);
  g_assert_cmpuint (pings, <=, 4);
  raw_free (r);
}

/* Our client role against raw server bytes: it masks what it sends, and
 * fails a masked frame from the server. */
static void
test_raw_client (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_CLIENT);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GBytes) big = random_binary (70000);
  g_autoptr (GByteArray) got = g_byte_array_new ();
  guint8 *buf = g_malloc (WSTUN_WS_HEADROOM + 70000);

  g_assert_cmpint (wstun_ws_send_text (r->ours.ws, "hello", 5), ==, WSTUN_WS_SEND_OK);
  memcpy (buf + WSTUN_WS_HEADROOM, g_bytes_get_data (big, NULL), 70000);
  g_assert_cmpint (
    wstun_ws_send_frame (r->ours.ws, WSTUN_WS_OPCODE_BINARY, buf + WSTUN_WS_HEADROOM, 70000, FALSE),
    ==, WSTUN_WS_SEND_OK);
  g_free (buf);
  /* raw_read_frame checks the mask bit and unmasks */
  raw_expect_frame (r, 0x81, "hello", 5);
  g_assert_cmphex (raw_read_frame (r, got), ==, 0x82);
  g_assert_cmpmem (got->data, got->len, g_bytes_get_data (big, NULL), 70000);

  append_frame (out, 0x81, TRUE, "from server", 11);
  append_frame (out, 0x89, TRUE, "ping", 4);
  append_frame (out, 0x81, FALSE, "masked", 6);
  raw_write_array (r, out);
  raw_expect_frame (r, 0x8a, "ping", 4);
  raw_expect_fail (r, 1002);
  g_assert_cmpuint (r->ours.messages->len, ==, 1);
  raw_free (r);
}

/* After failing, the framer waits (3 s) for the peer to close, then closes
 * the connection itself. */
static void
test_raw_fail_linger_timeout (void)
{
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gint64 start = g_get_monotonic_time ();

  append_frame (out, 0x81, TRUE, "unmasked", 8);
  raw_write_array (r, out);
  raw_expect_close_frame (r, 1002);
  raw_expect_eof (r);
  WAIT_FOR (r->ours.closed > 0);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (r->ours.close_code, ==, 1002);
  g_assert_nonnull (r->ours.close_error);
  raw_free (r);
}

/* ---- D: masking ------------------------------------------------------ */

static void
test_mask (void)
{
  guint8 buf[128 + 8], ref[128], orig[128];
  const guint8 key[4] = { 0x12, 0x34, 0xa5, 0xff };

  for (gsize len = 0; len <= 100; len++) {
    for (gsize offset = 0; offset < 4; offset++) {
      for (gsize align = 0; align < 8; align++) {
        guint8 *data = buf + align;

        for (gsize i = 0; i < len; i++)
          orig[i] = g_test_rand_int_range (0, 256);
        for (gsize i = 0; i < len; i++)
          ref[i] = orig[i] ^ key[(i + offset) & 3];
        memset (buf, 0xee, sizeof buf);
        memcpy (data, orig, len);
        wstun_ws_mask (data, len, key, offset);
        g_assert_cmpmem (data, len, ref, len);
        /* nothing outside the range was touched */
        for (gsize i = 0; i < align; i++)
          g_assert_cmphex (buf[i], ==, 0xee);
        for (gsize i = align + len; i < sizeof buf; i++)
          g_assert_cmphex (buf[i], ==, 0xee);
        wstun_ws_mask (data, len, key, offset);
        g_assert_cmpmem (data, len, orig, len);
      }
    }
  }
}

/* Masking a payload in pieces equals masking it whole. */
static void
test_mask_pieces (void)
{
  g_autoptr (GBytes) orig = random_binary (1000);
  guint8 whole[1000], pieces[1000];
  const guint8 key[4] = { 0xde, 0xad, 0xbe, 0xef };

  memcpy (whole, g_bytes_get_data (orig, NULL), 1000);
  memcpy (pieces, whole, 1000);
  wstun_ws_mask (whole, 1000, key, 0);
  for (gsize at = 0; at < 1000;) {
    gsize piece = g_test_rand_int_range (1, 70);
    gsize n = MIN (piece, 1000 - at);

    wstun_ws_mask (pieces + at, n, key, at);
    at += n;
  }
  g_assert_cmpmem (pieces, 1000, whole, 1000);
}

/* ---- E: backpressure ------------------------------------------------- */

static void
test_backpressure (void)
{
  const gsize frame_len = 64 * 1024;
  const gsize max_backlog = 256 * 1024;
  Raw *r = raw_new (WSTUN_WS_ROLE_SERVER);
  g_autofree guint8 *buf = g_malloc (WSTUN_WS_HEADROOM + frame_len);
  guint8 *payload = buf + WSTUN_WS_HEADROOM;
  guint sent = 0, dropped = 0;
  guint frames = 0;
  gsize read_bytes = 0;
  g_autoptr (GByteArray) got = g_byte_array_new ();

  wstun_ws_set_max_backlog (r->ours.ws, max_backlog);
  g_assert_cmpuint (wstun_ws_get_max_backlog (r->ours.ws), ==, max_backlog);
  /* the peer never reads: the socket fills, then our queue */
  for (guint i = 0; i < 200 && dropped < 3; i++) {
    WstunWsSendResult res;

    memset (payload, sent & 0xff, frame_len);
    res = wstun_ws_send_frame (r->ours.ws, WSTUN_WS_OPCODE_BINARY, payload, frame_len, TRUE);
    g_assert_cmpint (res, !=, WSTUN_WS_SEND_CLOSED);
    if (res == WSTUN_WS_SEND_OK)
      sent++;
    else
      dropped++;
    g_assert_cmpuint (wstun_ws_get_backlog (r->ours.ws), <=,
                      max_backlog + WSTUN_WS_HEADROOM + frame_len);
    g_main_context_iteration (r->ctx, FALSE);
  }
  g_assert_cmpuint (dropped, ==, 3);
  g_assert_cmpuint (wstun_ws_get_backlog (r->ours.ws), >, 0);
  g_assert_cmpuint (r->ours.drained, ==, 0);
  /* a control message is not dropped */
  g_assert_cmpint (wstun_ws_send_text (r->ours.ws, "control", 7), ==, WSTUN_WS_SEND_OK);

  /* the peer reads everything: the queue drains, and we are told */
  WAIT_FOR ((raw_fill (r), r->ours.drained > 0));
  g_assert_cmpuint (wstun_ws_get_backlog (r->ours.ws), ==, 0);
  g_assert_cmpuint (r->ours.drained, ==, 1);
  while (frames < sent) {
    g_assert_cmphex (raw_read_frame (r, got), ==, 0x82);
    g_assert_cmpuint (got->len, ==, frame_len);
    g_assert_cmphex (got->data[0], ==, frames & 0xff);
    g_assert_cmphex (got->data[frame_len - 1], ==, frames & 0xff);
    read_bytes += got->len;
    frames++;
  }
  raw_expect_frame (r, 0x81, "control", 7);
  g_assert_cmpuint (read_bytes, ==, sent * frame_len);
  /* nothing else queued or written */
  raw_fill (r);
  g_assert_cmpuint (r->rx->len, ==, 0);
  /* and sending works again */
  g_assert_cmpint (wstun_ws_send_frame (r->ours.ws, WSTUN_WS_OPCODE_BINARY, payload, 100, TRUE), ==,
                   WSTUN_WS_SEND_OK);
  g_assert_cmpuint (r->ours.closed, ==, 0);
  raw_free (r);
}

/* ---- main ------------------------------------------------------------ */

typedef void (*FixtureFunc) (Fixture *f, gconstpointer data);

static void
add_pair (const char *path, FixtureFunc test)
{
  g_autofree char *server = g_strdup_printf ("/ws/server/%s", path);
  g_autofree char *client = g_strdup_printf ("/ws/client/%s", path);

  g_test_add (server, Fixture, NULL, setup_our_server, test, fixture_teardown);
  g_test_add (client, Fixture, NULL, setup_our_client, test, teardown_our_client);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_pair ("messages", test_messages);
  add_pair ("ping", test_ping);
  add_pair ("close-ours", test_close_ours);
  add_pair ("close-theirs", test_close_theirs);
  add_pair ("too-big", test_too_big);
  add_pair ("too-big-in-flight", test_too_big_in_flight);
  g_test_add ("/ws/client/server-first", Fixture, NULL, setup_our_client_server_first,
              test_server_first, teardown_our_client);

  for (guint i = 0; i < G_N_ELEMENTS (fail_cases); i++)
    g_test_add_data_func (fail_cases[i].path, &fail_cases[i], test_raw_fail);
  g_test_add_func ("/ws/raw/fragmented", test_raw_fragmented);
  g_test_add_func ("/ws/raw/fragmented-too-big", test_raw_fragmented_too_big);
  g_test_add_func ("/ws/raw/utf8-valid", test_raw_utf8_valid);
  g_test_add_func ("/ws/raw/close-codes", test_raw_close_codes);
  g_test_add_func ("/ws/raw/close-empty", test_raw_close_empty);
  g_test_add_func ("/ws/raw/close-ours", test_raw_close_ours);
  g_test_add_func ("/ws/raw/close-timeout", test_raw_close_timeout);
  g_test_add_func ("/ws/raw/byte-by-byte", test_raw_byte_by_byte);
  g_test_add_func ("/ws/raw/many-frames", test_raw_many_frames);
  g_test_add_func ("/ws/raw/one-watch", test_raw_one_watch);
  g_test_add_func ("/ws/raw/peer-eof", test_raw_peer_eof);
  g_test_add_func ("/ws/raw/keepalive-deadline", test_raw_keepalive_deadline);
  g_test_add_func ("/ws/raw/client", test_raw_client);
  g_test_add_func ("/ws/raw/fail-linger-timeout", test_raw_fail_linger_timeout);

  g_test_add_func ("/ws/mask", test_mask);
  g_test_add_func ("/ws/mask/pieces", test_mask_pieces);

  g_test_add_func ("/ws/backpressure", test_backpressure);

  return g_test_run ();
}
