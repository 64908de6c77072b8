/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the relay's router and leases, without a network
 *
 * Each peer's WebSocket runs over one end of a socketpair; the test reads
 * the other end and decodes the (unmasked, server-sent) frames itself, so
 * it sees exactly what a client would receive.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-frame.h"
#include "wstun-leases.h"
#include "wstun-pool.h"
#include "wstun-router.h"

/* ---- peers over socketpairs ------------------------------------------- */

typedef struct {
  WstunRouterPeer peer;
  int fd;         /* the client's end */
  GByteArray *in; /* bytes read from @fd not yet decoded */
} TestPeer;

typedef struct {
  guint8 opcode;
  GByteArray *payload;
} Frame;

static void
frame_free (Frame *frame)
{
  g_byte_array_unref (frame->payload);
  g_free (frame);
}

static void
test_peer_init (TestPeer *tp)
{
  static const WstunWsCallbacks no_callbacks = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  int fds[2];

  memset (tp, 0, sizeof *tp);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  sock = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  connection = g_socket_connection_factory_create_connection (sock);
  tp->peer.ws = wstun_ws_new (G_IO_STREAM (connection), WSTUN_WS_ROLE_SERVER);
  wstun_ws_start (tp->peer.ws, &no_callbacks, NULL);
  tp->fd = fds[1];
  tp->in = g_byte_array_new ();
}

static void
test_peer_clear (TestPeer *tp)
{
  /* the router or the leases have let go of the peer by now */
  g_assert_cmpuint (tp->peer.n_addrs, ==, 0);
  g_assert_null (tp->peer.batch);
  g_assert_false (tp->peer.dirty);
  g_clear_object (&tp->peer.ws);
  g_clear_pointer (&tp->in, g_byte_array_unref);
  if (tp->fd >= 0)
    close (tp->fd);
  tp->fd = -1;
}

static WstunAddr
addr (const char *str)
{
  WstunAddr a;

  g_assert_true (wstun_addr_parse (str, &a, NULL));
  return a;
}

static void
add_addr (WstunRouter *router, TestPeer *tp, const char *str)
{
  g_autoptr (GError) error = NULL;
  WstunAddr a = addr (str);

  g_assert_true (wstun_router_add (router, &tp->peer, &a, &error));
  g_assert_no_error (error);
}

/* Reads everything the router sent to @tp, letting the peer's WebSocket
 * write out what it had to queue, and decodes the frames. */
static GPtrArray *
recv_frames (TestPeer *tp)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
  guint8 buf[64 * 1024];
  gsize off = 0;

  for (;;) {
    ssize_t n = recv (tp->fd, buf, sizeof buf, MSG_DONTWAIT);

    if (n > 0) {
      g_byte_array_append (tp->in, buf, n);
      continue;
    }
    g_assert_cmpint (n, <, 0); /* the relay side never closes here */
    g_assert_true (errno == EAGAIN || errno == EWOULDBLOCK);
    if (tp->peer.ws != NULL && wstun_ws_get_backlog (tp->peer.ws) > 0) {
      g_main_context_iteration (NULL, FALSE);
      continue;
    }
    break;
  }

  while (tp->in->len - off >= 2) {
    const guint8 *p = tp->in->data + off;
    gsize avail = tp->in->len - off, hlen = 2;
    guint64 len = p[1] & 0x7f;
    Frame *frame;

    g_assert_cmphex (p[0] & 0x70, ==, 0);    /* no RSV bits */
    g_assert_cmphex (p[0] & 0x80, ==, 0x80); /* never fragmented */
    g_assert_cmphex (p[1] & 0x80, ==, 0);    /* a server does not mask */
    if (len == 126) {
      g_assert_cmpuint (avail, >=, 4);
      len = ((guint64) p[2] << 8) | p[3];
      g_assert_cmpuint (len, >=, 126); /* shortest form (RFC 6455 5.2) */
      hlen = 4;
    } else if (len == 127) {
      g_assert_cmpuint (avail, >=, 10);
      len = 0;
      for (int i = 2; i < 10; i++)
        len = (len << 8) | p[i];
      g_assert_cmpuint (len, >, G_MAXUINT16);
      hlen = 10;
    }
    g_assert_cmpuint (avail, >=, hlen + len); /* nothing is left half written */
    frame = g_new0 (Frame, 1);
    frame->opcode = p[0] & 0x0f;
    frame->payload = g_byte_array_sized_new (len);
    g_byte_array_append (frame->payload, p + hlen, len);
    g_ptr_array_add (frames, frame);
    off += hlen + len;
  }
  g_assert_cmpuint (off, ==, tp->in->len);
  g_byte_array_set_size (tp->in, 0);
  return frames;
}

static void
assert_nothing_received (TestPeer *tp)
{
  g_autoptr (GPtrArray) frames = recv_frames (tp);

  g_assert_cmpuint (frames->len, ==, 0);
}

/* ---- packets and frames ----------------------------------------------- */

/* A packet of @len bytes, IPv4 or IPv6 after the addresses, whose payload
 * is a pattern made from @tag so packets are told apart. */
static GByteArray *
packet (const char *src, const char *dst, gsize len, guint8 tag)
{
  WstunAddr s = addr (src), d = addr (dst);
  GByteArray *p = g_byte_array_sized_new (len);

  g_assert_cmpuint (s.family, ==, d.family);
  g_byte_array_set_size (p, len);
  for (gsize i = 0; i < len; i++)
    p->data[i] = (guint8) (tag + i * 31);
  if (s.family == AF_INET) {
    g_assert_cmpuint (len, >=, 20);
    memset (p->data, 0, 20);
    p->data[0] = 0x45;
    p->data[2] = len >> 8;
    p->data[3] = len & 0xff;
    p->data[8] = 64;
    p->data[9] = 17;
    memcpy (p->data + 12, s.bytes, 4);
    memcpy (p->data + 16, d.bytes, 4);
  } else {
    g_assert_cmpuint (len, >=, 40);
    memset (p->data, 0, 40);
    p->data[0] = 0x60;
    p->data[4] = (len - 40) >> 8;
    p->data[5] = (len - 40) & 0xff;
    p->data[6] = 17;
    p->data[7] = 64;
    memcpy (p->data + 8, s.bytes, 16);
    memcpy (p->data + 24, d.bytes, 16);
  }
  return p;
}

/* Concatenates the NULL-terminated list of packets. */
static GByteArray *concat (GByteArray *first, ...) G_GNUC_NULL_TERMINATED;

static GByteArray *
concat (GByteArray *first, ...)
{
  GByteArray *out = g_byte_array_new ();
  va_list args;

  va_start (args, first);
  for (GByteArray *p = first; p != NULL; p = va_arg (args, GByteArray *))
    g_byte_array_append (out, p->data, p->len);
  va_end (args);
  return out;
}

static WstunFrameStatus
forward (WstunRouter *router, TestPeer *from, GByteArray *frame)
{
  /* the router gets a copy: what it does to it is its business */
  g_autofree guint8 *copy = g_memdup2 (frame->data, frame->len);

  return wstun_router_forward_frame (router, &from->peer, copy, frame->len);
}

/* Asserts that @tp received exactly one binary frame holding @expected. */
static void
assert_received_one (TestPeer *tp, GByteArray *expected)
{
  g_autoptr (GPtrArray) frames = recv_frames (tp);
  Frame *frame;

  g_assert_cmpuint (frames->len, ==, 1);
  frame = g_ptr_array_index (frames, 0);
  g_assert_cmpuint (frame->opcode, ==, WSTUN_WS_OPCODE_BINARY);
  g_assert_cmpmem (frame->payload->data, frame->payload->len, expected->data, expected->len);
}

static void
assert_counters (const WstunRouterCounters *c, const WstunRouterCounters *expected)
{
  g_assert_cmpuint (c->rx_frames, ==, expected->rx_frames);
  g_assert_cmpuint (c->rx_packets, ==, expected->rx_packets);
  g_assert_cmpuint (c->rx_bytes, ==, expected->rx_bytes);
  g_assert_cmpuint (c->tx_frames, ==, expected->tx_frames);
  g_assert_cmpuint (c->tx_packets, ==, expected->tx_packets);
  g_assert_cmpuint (c->tx_bytes, ==, expected->tx_bytes);
  g_assert_cmpuint (c->drop_malformed, ==, expected->drop_malformed);
  g_assert_cmpuint (c->drop_spoofed, ==, expected->drop_spoofed);
  g_assert_cmpuint (c->drop_no_route, ==, expected->drop_no_route);
  g_assert_cmpuint (c->drop_unroutable, ==, expected->drop_unroutable);
  g_assert_cmpuint (c->drop_loop, ==, expected->drop_loop);
  g_assert_cmpuint (c->drop_backlog, ==, expected->drop_backlog);
  g_assert_cmpuint (c->drop_unreachable, ==, expected->drop_unreachable);
}

/* ---- fixture: a router with three peers -------------------------------- */

/* a: 10.99.0.2 + fd00:99::2, b: 10.99.0.3 + fd00:99::3, c: 10.99.0.4 */
typedef struct {
  WstunRouter *router;
  TestPeer a, b, c;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->router = wstun_router_new ();
  test_peer_init (&f->a);
  test_peer_init (&f->b);
  test_peer_init (&f->c);
  add_addr (f->router, &f->a, "10.99.0.2");
  add_addr (f->router, &f->a, "fd00:99::2");
  add_addr (f->router, &f->b, "10.99.0.3");
  add_addr (f->router, &f->b, "fd00:99::3");
  add_addr (f->router, &f->c, "10.99.0.4");
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 5);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  /* nobody got anything the test did not look at */
  assert_nothing_received (&f->a);
  assert_nothing_received (&f->b);
  assert_nothing_received (&f->c);
  wstun_router_remove_peer (f->router, &f->a.peer);
  wstun_router_remove_peer (f->router, &f->b.peer);
  wstun_router_remove_peer (f->router, &f->c.peer);
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 0);
  test_peer_clear (&f->a);
  test_peer_clear (&f->b);
  test_peer_clear (&f->c);
  g_clear_pointer (&f->router, wstun_router_free);
}

/* ---- forwarding ------------------------------------------------------- */

static void
test_forward_ipv4 (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p = packet ("10.99.0.2", "10.99.0.3", 84, 1);
  g_autoptr (GByteArray) frame = concat (p, NULL);
  WstunRouterCounters expected = { 0 };
  WstunAddr b = addr ("10.99.0.3");

  (void) data;
  g_assert_true (wstun_router_lookup (f->router, &b) == &f->b.peer);
  g_assert_true (wstun_router_peer_owns (&f->b.peer, &b));
  g_assert_false (wstun_router_peer_owns (&f->a.peer, &b));

  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  /* staged, not sent, until the burst ends */
  assert_nothing_received (&f->b);
  wstun_router_flush (f->router);
  assert_received_one (&f->b, p);
  assert_nothing_received (&f->a);
  assert_nothing_received (&f->c);

  expected = (WstunRouterCounters){
    .rx_frames = 1, .rx_packets = 1, .rx_bytes = 84, .tx_frames = 1, .tx_packets = 1, .tx_bytes = 84
  };
  assert_counters (wstun_router_get_counters (f->router), &expected);
  assert_counters (&f->a.peer.counters,
                   &(WstunRouterCounters){ .rx_frames = 1, .rx_packets = 1, .rx_bytes = 84 });
  assert_counters (&f->b.peer.counters,
                   &(WstunRouterCounters){ .tx_frames = 1, .tx_packets = 1, .tx_bytes = 84 });
  assert_counters (&f->c.peer.counters, &(WstunRouterCounters){ 0 });

  /* flushing again sends nothing more */
  wstun_router_flush (f->router);
  assert_nothing_received (&f->b);
  assert_counters (wstun_router_get_counters (f->router), &expected);
}

static void
test_forward_ipv6 (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p6 = packet ("fd00:99::3", "fd00:99::2", 1280, 2);
  g_autoptr (GByteArray) p4 = packet ("10.99.0.3", "10.99.0.2", 60, 3);
  g_autoptr (GByteArray) frame = concat (p6, p4, NULL);
  g_autoptr (GByteArray) expected = concat (p6, p4, NULL);

  (void) data;
  g_assert_cmpint (forward (f->router, &f->b, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  /* both families to the same peer travel in one frame, in order */
  assert_received_one (&f->a, expected);
  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 1,
                                           .rx_packets = 2,
                                           .rx_bytes = 1340,
                                           .tx_frames = 1,
                                           .tx_packets = 2,
                                           .tx_bytes = 1340 });
}

static void
test_forward_by_destination (Fixture *f, gconstpointer data)
{
  GByteArray *p[] = {
    packet ("10.99.0.2", "10.99.0.3", 100, 10),   packet ("10.99.0.2", "10.99.0.4", 101, 11),
    packet ("fd00:99::2", "fd00:99::3", 102, 12), packet ("10.99.0.2", "10.99.0.4", 103, 13),
    packet ("10.99.0.2", "10.99.0.3", 104, 14),
  };
  g_autoptr (GByteArray) frame = concat (p[0], p[1], p[2], p[3], p[4], NULL);
  g_autoptr (GByteArray) to_b = concat (p[0], p[2], p[4], NULL);
  g_autoptr (GByteArray) to_c = concat (p[1], p[3], NULL);

  (void) data;
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&f->b, to_b);
  assert_received_one (&f->c, to_c);
  assert_nothing_received (&f->a);
  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 1,
                                           .rx_packets = 5,
                                           .rx_bytes = 510,
                                           .tx_frames = 2,
                                           .tx_packets = 5,
                                           .tx_bytes = 510 });
  assert_counters (&f->b.peer.counters,
                   &(WstunRouterCounters){ .tx_frames = 1, .tx_packets = 3, .tx_bytes = 306 });
  assert_counters (&f->c.peer.counters,
                   &(WstunRouterCounters){ .tx_frames = 1, .tx_packets = 2, .tx_bytes = 204 });
  for (guint i = 0; i < G_N_ELEMENTS (p); i++)
    g_byte_array_unref (p[i]);
}

/* ---- drops ------------------------------------------------------------ */

static void
test_drop_no_route (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p1 = packet ("10.99.0.2", "10.99.0.9", 40, 1);
  g_autoptr (GByteArray) p2 = packet ("fd00:99::2", "fd00:99::9", 48, 2);
  g_autoptr (GByteArray) p3 = packet ("10.99.0.2", "192.168.1.1", 44, 3);
  g_autoptr (GByteArray) p4 = packet ("fd00:99::2", "fd00:99::4", 60, 4); /* c has no IPv6 */
  g_autoptr (GByteArray) frame = concat (p1, p2, p3, p4, NULL);

  (void) data;
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->b);
  assert_nothing_received (&f->c);
  assert_counters (
    wstun_router_get_counters (f->router),
    &(WstunRouterCounters){ .rx_frames = 1, .rx_packets = 4, .rx_bytes = 192, .drop_no_route = 4 });
  assert_counters (
    &f->a.peer.counters,
    &(WstunRouterCounters){ .rx_frames = 1, .rx_packets = 4, .rx_bytes = 192, .drop_no_route = 4 });
}

static void
test_drop_closed_holder (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p = packet ("10.99.0.2", "10.99.0.3", 40, 1);
  g_autoptr (GByteArray) frame = concat (p, NULL);
  g_autoptr (GPtrArray) frames = NULL;
  Frame *close_frame;

  (void) data;
  /* b is closing: it holds its address, but nothing is sent to it */
  wstun_ws_close (f->b.peer.ws, WSTUN_WS_CLOSE_GOING_AWAY, "bye");
  g_assert_false (wstun_ws_is_open (f->b.peer.ws));
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);

  frames = recv_frames (&f->b);
  g_assert_cmpuint (frames->len, ==, 1);
  close_frame = g_ptr_array_index (frames, 0);
  g_assert_cmpuint (close_frame->opcode, ==, WSTUN_WS_OPCODE_CLOSE);
  g_assert_cmpmem (close_frame->payload->data, close_frame->payload->len,
                   "\x03\xe9"
                   "bye",
                   5);
  assert_counters (
    wstun_router_get_counters (f->router),
    &(WstunRouterCounters){ .rx_frames = 1, .rx_packets = 1, .rx_bytes = 40, .drop_no_route = 1 });
}

static void
test_drop_spoofed (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) good1 = packet ("10.99.0.2", "10.99.0.4", 50, 1);
  g_autoptr (GByteArray) as_b = packet ("10.99.0.3", "10.99.0.4", 51, 2);
  g_autoptr (GByteArray) unassigned = packet ("10.99.0.99", "10.99.0.4", 52, 3);
  g_autoptr (GByteArray) as_b6 = packet ("fd00:99::3", "fd00:99::3", 53, 4);
  g_autoptr (GByteArray) outside = packet ("192.168.0.2", "10.99.0.4", 54, 5);
  g_autoptr (GByteArray) good2 = packet ("10.99.0.2", "10.99.0.4", 55, 6);
  g_autoptr (GByteArray) frame = concat (good1, as_b, unassigned, as_b6, outside, good2, NULL);
  g_autoptr (GByteArray) expected = concat (good1, good2, NULL);
  g_autoptr (GByteArray) c_v6 = packet ("fd00:99::4", "fd00:99::2", 60, 7);
  g_autoptr (GByteArray) frame_c = concat (c_v6, NULL);

  (void) data;
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  /* the spoofed packets are dropped, the good ones around them delivered */
  assert_received_one (&f->c, expected);
  assert_nothing_received (&f->b);

  /* c holds no IPv6 address: any IPv6 source is spoofed */
  g_assert_cmpint (forward (f->router, &f->c, frame_c), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->a);

  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 2,
                                           .rx_packets = 7,
                                           .rx_bytes = 375,
                                           .tx_frames = 1,
                                           .tx_packets = 2,
                                           .tx_bytes = 105,
                                           .drop_spoofed = 5 });
  assert_counters (
    &f->a.peer.counters,
    &(WstunRouterCounters){ .rx_frames = 1, .rx_packets = 6, .rx_bytes = 315, .drop_spoofed = 4 });
  assert_counters (&f->c.peer.counters, &(WstunRouterCounters){ .rx_frames = 1,
                                                                .rx_packets = 1,
                                                                .rx_bytes = 60,
                                                                .tx_frames = 1,
                                                                .tx_packets = 2,
                                                                .tx_bytes = 105,
                                                                .drop_spoofed = 1 });
}

static void
test_drop_unroutable (Fixture *f, gconstpointer data)
{
  const char *v4[] = { "224.0.0.1", "239.255.255.250", "255.255.255.255", "169.254.1.1",
                       "127.0.0.1", "0.0.0.0",         "240.0.0.1" };
  const char *v6[] = { "ff02::1", "ff05::1:3", "fe80::1", "::1", "::" };
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (GByteArray) held = packet ("10.99.0.2", "224.0.0.251", 40, 99);
  g_autoptr (GByteArray) held_frame = concat (held, NULL);
  WstunAddr mdns = addr ("224.0.0.251");
  gsize bytes = 0;

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (v4); i++) {
    g_autoptr (GByteArray) p = packet ("10.99.0.2", v4[i], 40 + i, i);
    g_byte_array_append (frame, p->data, p->len);
    bytes += p->len;
  }
  for (guint i = 0; i < G_N_ELEMENTS (v6); i++) {
    g_autoptr (GByteArray) p = packet ("fd00:99::2", v6[i], 40 + i, i);
    g_byte_array_append (frame, p->data, p->len);
    bytes += p->len;
  }
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);

  /* even an address someone holds is not forwarded if it is multicast */
  g_assert_true (wstun_router_add (f->router, &f->c.peer, &mdns, NULL));
  g_assert_cmpint (forward (f->router, &f->a, held_frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->b);
  assert_nothing_received (&f->c);

  assert_counters (
    wstun_router_get_counters (f->router),
    &(WstunRouterCounters){
      .rx_frames = 2, .rx_packets = 13, .rx_bytes = bytes + 40, .drop_unroutable = 13 });
}

static void
test_drop_loop (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p4 = packet ("10.99.0.2", "10.99.0.2", 40, 1);
  g_autoptr (GByteArray) p6 = packet ("fd00:99::2", "fd00:99::2", 40, 2);
  g_autoptr (GByteArray) cross = packet ("fd00:99::2", "fd00:99::2", 41, 3);
  g_autoptr (GByteArray) frame = concat (p4, p6, cross, NULL);

  (void) data;
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->a);
  assert_counters (
    wstun_router_get_counters (f->router),
    &(WstunRouterCounters){ .rx_frames = 1, .rx_packets = 3, .rx_bytes = 121, .drop_loop = 3 });
  g_assert_cmpuint (f->a.peer.counters.drop_loop, ==, 3);
}

static void
test_drop_malformed (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p1 = packet ("10.99.0.2", "10.99.0.3", 60, 1);
  g_autoptr (GByteArray) p2 = packet ("10.99.0.2", "10.99.0.4", 60, 2);
  g_autoptr (GByteArray) p3 = packet ("10.99.0.2", "10.99.0.3", 60, 3);
  g_autoptr (GByteArray) truncated = concat (p1, p2, p3, NULL);
  g_autoptr (GByteArray) trailing = concat (p1, p2, NULL);
  g_autoptr (GByteArray) bad_version = concat (p1, p2, p3, NULL);
  g_autoptr (GByteArray) lying = concat (p1, p2, NULL);
  g_autoptr (GByteArray) four = concat (p1, p2, p3, p1, NULL);
  g_autoptr (GByteArray) three = concat (p1, p2, p3, NULL);
  g_autoptr (GByteArray) to_b = concat (p1, p3, NULL);
  g_autoptr (GByteArray) to_c = concat (p2, NULL);
  g_autoptr (GByteArray) empty = g_byte_array_new ();
  WstunRouterCounters expected = { 0 };

  (void) data;
  /* the frame's first packets are fine; the last one is cut short */
  g_byte_array_set_size (truncated, truncated->len - 1);
  g_assert_cmpint (forward (f->router, &f->a, truncated), ==, WSTUN_FRAME_BAD_PACKET);
  /* one stray byte after whole packets */
  g_byte_array_append (trailing, (const guint8 *) "\x45", 1);
  g_assert_cmpint (forward (f->router, &f->a, trailing), ==, WSTUN_FRAME_BAD_PACKET);
  /* the third packet is not IP */
  bad_version->data[120] = 0x75;
  g_assert_cmpint (forward (f->router, &f->a, bad_version), ==, WSTUN_FRAME_BAD_PACKET);
  /* the second packet's length field claims more than is there */
  lying->data[62] = 0x01;
  g_assert_cmpint (forward (f->router, &f->a, lying), ==, WSTUN_FRAME_BAD_PACKET);
  g_assert_cmpint (forward (f->router, &f->a, empty), ==, WSTUN_FRAME_EMPTY);
  /* more packets than the router takes per frame */
  wstun_router_set_max_packets (f->router, 3);
  g_assert_cmpint (forward (f->router, &f->a, four), ==, WSTUN_FRAME_TOO_MANY_PACKETS);
  wstun_router_flush (f->router);

  /* nothing of any of those frames went anywhere */
  assert_nothing_received (&f->b);
  assert_nothing_received (&f->c);
  expected = (WstunRouterCounters){ .rx_frames = 6, .drop_malformed = 6 };
  assert_counters (wstun_router_get_counters (f->router), &expected);
  assert_counters (&f->a.peer.counters, &expected);

  /* the limit is inclusive */
  g_assert_cmpint (forward (f->router, &f->a, three), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&f->b, to_b);
  assert_received_one (&f->c, to_c);
  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 7,
                                           .rx_packets = 3,
                                           .rx_bytes = 180,
                                           .tx_frames = 2,
                                           .tx_packets = 3,
                                           .tx_bytes = 180,
                                           .drop_malformed = 6 });
}

static void
test_drop_oversized_frame (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) frame = g_byte_array_new ();
  g_autoptr (GByteArray) p = packet ("10.99.0.2", "10.99.0.3", 65535, 1);
  g_autoptr (GByteArray) tail = NULL;

  (void) data;
  /* four whole packets, then one that crosses WSTUN_FRAME_MAX */
  for (guint i = 0; i < 4; i++)
    g_byte_array_append (frame, p->data, p->len);
  tail = packet ("10.99.0.2", "10.99.0.3", WSTUN_FRAME_MAX - frame->len + 20, 2);
  g_byte_array_append (frame, tail->data, tail->len);
  g_assert_cmpuint (frame->len, ==, WSTUN_FRAME_MAX + 20);
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_TOO_BIG);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->b);
  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 1, .drop_malformed = 1 });
}

/* ---- batching --------------------------------------------------------- */

static void
test_batching (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) packets =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  g_autoptr (GByteArray) expected = g_byte_array_new ();
  g_autoptr (GByteArray) second = packet ("10.99.0.4", "10.99.0.3", 77, 200);
  g_autoptr (GByteArray) second_frame = concat (second, NULL);
  gsize bytes = 0;

  (void) data;
  /* a burst: several frames, from two senders, all to b */
  for (guint i = 0; i < 6; i++) {
    GByteArray *p = i % 3 == 2 ? packet ("fd00:99::2", "fd00:99::3", 40 + 100 * i, i)
                               : packet ("10.99.0.2", "10.99.0.3", 20 + 100 * i, i);
    g_ptr_array_add (packets, p);
    g_byte_array_append (expected, p->data, p->len);
    bytes += p->len;
  }
  for (guint i = 0; i < 6; i += 2) {
    g_autoptr (GByteArray) frame =
      concat (g_ptr_array_index (packets, i), g_ptr_array_index (packets, i + 1), NULL);
    g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  }
  assert_nothing_received (&f->b);
  wstun_router_flush (f->router);
  /* ONE binary frame with all six packets, in order */
  assert_received_one (&f->b, expected);
  assert_counters (&f->b.peer.counters,
                   &(WstunRouterCounters){ .tx_frames = 1, .tx_packets = 6, .tx_bytes = bytes });

  /* the next burst is the next frame */
  g_assert_cmpint (forward (f->router, &f->c, second_frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&f->b, second);
  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 4,
                                           .rx_packets = 7,
                                           .rx_bytes = bytes + 77,
                                           .tx_frames = 2,
                                           .tx_packets = 7,
                                           .tx_bytes = bytes + 77 });
}

/* Decodes every frame @tp received and returns the number of packets,
 * checking each frame is whole packets only. */
static guint64
count_received_packets (TestPeer *tp, guint *n_frames, guint64 *n_bytes)
{
  g_autoptr (GPtrArray) frames = recv_frames (tp);
  guint64 total = 0;

  *n_frames = frames->len;
  *n_bytes = 0;
  for (guint i = 0; i < frames->len; i++) {
    Frame *frame = g_ptr_array_index (frames, i);
    guint n = 0;

    g_assert_cmpuint (frame->opcode, ==, WSTUN_WS_OPCODE_BINARY);
    g_assert_cmpint (wstun_frame_validate (frame->payload->data, frame->payload->len,
                                           WSTUN_FRAME_MAX_PACKETS, &n, NULL, NULL),
                     ==, WSTUN_FRAME_OK);
    total += n;
    *n_bytes += frame->payload->len;
  }
  return total;
}

static void
test_batching_limits (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) big = packet ("10.99.0.2", "10.99.0.3", 60000, 1);
  g_autoptr (GByteArray) big2 = concat (big, big, NULL);
  g_autoptr (GByteArray) big3 = concat (big, big, big, NULL);
  g_autoptr (GByteArray) small = packet ("10.99.0.2", "10.99.0.4", 20, 2);
  g_autoptr (GByteArray) small_frame = g_byte_array_new ();
  guint n_frames;
  guint64 n_bytes, n;

  (void) data;
  /* 5 x 60000 bytes in one burst do not fit one WSTUN_FRAME_MAX frame: 4 + 1 */
  g_assert_cmpint (forward (f->router, &f->a, big2), ==, WSTUN_FRAME_OK);
  g_assert_cmpint (forward (f->router, &f->a, big3), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  {
    g_autoptr (GPtrArray) frames = recv_frames (&f->b);

    g_assert_cmpuint (frames->len, ==, 2);
    g_assert_cmpuint (((Frame *) g_ptr_array_index (frames, 0))->payload->len, ==, 240000);
    g_assert_cmpuint (((Frame *) g_ptr_array_index (frames, 1))->payload->len, ==, 60000);
  }

  /* 1100 packets do not fit one frame either: 1024 + 76 */
  for (guint i = 0; i < 550; i++)
    g_byte_array_append (small_frame, small->data, small->len);
  g_assert_cmpint (forward (f->router, &f->a, small_frame), ==, WSTUN_FRAME_OK);
  g_assert_cmpint (forward (f->router, &f->a, small_frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  n = count_received_packets (&f->c, &n_frames, &n_bytes);
  g_assert_cmpuint (n, ==, 1100);
  g_assert_cmpuint (n_frames, ==, 2);
  g_assert_cmpuint (n_bytes, ==, 22000);

  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 4,
                                           .rx_packets = 1105,
                                           .rx_bytes = 322000,
                                           .tx_frames = 4,
                                           .tx_packets = 1105,
                                           .tx_bytes = 322000 });
}

static void
test_slow_receiver (Fixture *f, gconstpointer data)
{
  const gsize max_backlog = 100000;
  g_autoptr (GByteArray) p = packet ("10.99.0.2", "10.99.0.3", 8000, 1);
  g_autoptr (GByteArray) frame = concat (p, p, p, p, p, p, p, p, NULL);
  const WstunRouterCounters *c = wstun_router_get_counters (f->router);
  guint bursts = 0, n_frames;
  guint64 received, n_bytes;

  (void) data;
  wstun_ws_set_max_backlog (f->b.peer.ws, max_backlog);
  /* b never reads: the relay must drop, not queue without bound */
  while (c->drop_backlog == 0 || bursts < 20) {
    g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
    wstun_router_flush (f->router);
    bursts++;
    g_assert_cmpuint (wstun_ws_get_backlog (f->b.peer.ws), <=,
                      MAX (max_backlog, frame->len) + WSTUN_WS_HEADROOM);
    g_assert_cmpuint (bursts, <, 10000);
  }
  /* every packet is either sent or counted as dropped (by the byte
   * limit, or, on a slow machine, by the time limit) */
  g_assert_cmpuint (c->tx_packets + c->drop_backlog + c->drop_delay, ==, 8 * bursts);
  g_assert_cmpuint (c->rx_packets, ==, 8 * bursts);
  g_assert_cmpuint (c->tx_bytes, ==, 8000 * c->tx_packets);
  g_assert_cmpuint (f->b.peer.counters.drop_backlog, ==, c->drop_backlog);
  g_assert_cmpuint (f->a.peer.counters.drop_backlog, ==, 0);

  /* and what was counted as sent arrives, whole */
  received = count_received_packets (&f->b, &n_frames, &n_bytes);
  g_assert_cmpuint (received, ==, c->tx_packets);
  g_assert_cmpuint (n_frames, ==, c->tx_frames);
  g_assert_cmpuint (n_bytes, ==, c->tx_bytes);
  g_assert_cmpuint (wstun_ws_get_backlog (f->b.peer.ws), ==, 0);
}

/* PROTOCOL.md 4.1, decision 5(k): the send backlog counts the bytes of
 * WebSocket frames, headers included, waiting in the relay's queue (what
 * the socket did not take), plus the frame the packets staged in this
 * burst would make; not packet bytes. */
static void
test_backlog_counts_frame_bytes (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) big = packet ("10.99.0.2", "10.99.0.3", 60000, 1);
  g_autoptr (GByteArray) big_frame = concat (big, NULL);
  g_autoptr (GByteArray) p = packet ("10.99.0.2", "10.99.0.3", 1000, 2);
  g_autoptr (GByteArray) twelve = concat (p, p, p, p, p, p, p, p, p, p, p, p, NULL);
  const WstunRouterCounters *c = wstun_router_get_counters (f->router);
  guint64 tx_packets, drops, n_bytes;
  gsize queued;
  guint n_frames, fills = 0;

  (void) data;
  /* b never reads: fill its socket until the relay has to queue */
  while (wstun_ws_get_backlog (f->b.peer.ws) == 0) {
    g_assert_cmpint (forward (f->router, &f->a, big_frame), ==, WSTUN_FRAME_OK);
    wstun_router_flush (f->router);
    g_assert_cmpuint (++fills, <, 1000);
  }
  queued = wstun_ws_get_backlog (f->b.peer.ws);
  tx_packets = c->tx_packets;
  drops = c->drop_backlog;
  g_assert_cmpuint (wstun_ws_frame_size (f->b.peer.ws, 10000), ==, 10004);

  /* room for 10000 payload bytes and 2 more: ten packets of 1000 would fit
   * as packet bytes, but as a frame (4 bytes of header) only nine do */
  wstun_ws_set_max_backlog (f->b.peer.ws, queued + 10000 + 2);
  g_assert_cmpint (forward (f->router, &f->a, twelve), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  g_assert_cmpuint (c->tx_packets - tx_packets, ==, 9);
  g_assert_cmpuint (c->drop_backlog - drops, ==, 3);
  g_assert_cmpuint (wstun_ws_get_backlog (f->b.peer.ws), ==, queued + 9000 + 4);
  g_assert_cmpuint (wstun_ws_get_backlog (f->b.peer.ws), <=,
                    wstun_ws_get_max_backlog (f->b.peer.ws));

  /* what was counted as sent arrives */
  g_assert_cmpuint (count_received_packets (&f->b, &n_frames, &n_bytes), ==, c->tx_packets);
  g_assert_cmpuint (n_bytes, ==, c->tx_bytes);
}

/* The backlog is bounded in time too (wstun-codel.h): one that stands
 * above the target for an interval loses big packets, never small ones,
 * long before the byte limit is reached. */
static void
test_backlog_time_bound (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) big = packet ("10.99.0.2", "10.99.0.3", 20000, 1);
  g_autoptr (GByteArray) big_frame = concat (big, NULL);
  g_autoptr (GByteArray) small = packet ("10.99.0.2", "10.99.0.3", 200, 2);
  g_autoptr (GByteArray) small_frame = concat (small, NULL);
  const WstunRouterCounters *c = wstun_router_get_counters (f->router);
  gint64 start, age;
  guint64 small_sent, n_bytes;
  guint fills = 0, n_frames;

  (void) data;
  g_assert_cmpint (wstun_ws_get_backlog_age (f->b.peer.ws, g_get_monotonic_time ()), ==, 0);
  /* b never reads: fill its socket until the relay has to queue */
  wstun_ws_set_max_backlog (f->b.peer.ws, 64 * 1024 * 1024);
  while (wstun_ws_get_backlog (f->b.peer.ws) < WSTUN_CODEL_MIN_BACKLOG) {
    g_assert_cmpint (forward (f->router, &f->a, big_frame), ==, WSTUN_FRAME_OK);
    wstun_router_flush (f->router);
    g_assert_cmpuint (++fills, <, 10000);
  }
  g_assert_cmpuint (c->drop_delay, ==, 0);

  /* the backlog ages; nothing is dropped for an interval */
  start = g_get_monotonic_time ();
  while (c->drop_delay == 0) {
    g_usleep (2000);
    g_assert_cmpint (forward (f->router, &f->a, big_frame), ==, WSTUN_FRAME_OK);
    wstun_router_flush (f->router);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  }
  age = wstun_ws_get_backlog_age (f->b.peer.ws, g_get_monotonic_time ());
  g_assert_cmpint (g_get_monotonic_time () - start, >=,
                   WSTUN_CODEL_INTERVAL_USEC - WSTUN_CODEL_TARGET_USEC);
  g_assert_cmpint (age, >=, WSTUN_CODEL_INTERVAL_USEC);
  g_assert_cmpuint (c->drop_backlog, ==, 0);
  g_assert_cmpuint (f->b.peer.counters.drop_delay, ==, c->drop_delay);

  /* small packets still go through while big ones are dropped */
  small_sent = c->tx_packets;
  for (guint i = 0; i < 50; i++) {
    g_usleep (1000);
    g_assert_cmpint (forward (f->router, &f->a, small_frame), ==, WSTUN_FRAME_OK);
    wstun_router_flush (f->router);
  }
  g_assert_cmpuint (c->tx_packets - small_sent, ==, 50);

  /* once drained, the backlog has no age and the packets flow again */
  g_assert_cmpuint (count_received_packets (&f->b, &n_frames, &n_bytes), ==, c->tx_packets);
  g_assert_cmpint (wstun_ws_get_backlog_age (f->b.peer.ws, g_get_monotonic_time ()), ==, 0);
  small_sent = c->drop_delay;
  g_assert_cmpint (forward (f->router, &f->a, big_frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  g_assert_cmpuint (c->drop_delay, ==, small_sent);
  g_assert_cmpuint (count_received_packets (&f->b, &n_frames, &n_bytes), ==, 1);
}

/* ---- offload records ---------------------------------------------------- */

/* An IPv4 TCP packet (20-byte header) from @src to @dst with @payload
 * bytes, its checksum left partial as a TUN device with TUNSETOFFLOAD
 * hands it over (the field holds the pseudo-header's sum), and its record */
static GByteArray *
tcp_super_packet (const char *src, const char *dst, gsize payload, guint16 gso_size,
                  WstunVnetHdr *vnet)
{
  GByteArray *p = packet (src, dst, 40 + payload, 7);
  guint8 pseudo[12];
  guint32 sum;

  p->data[9] = 6;
  memset (p->data + 20, 0, 20);
  p->data[20 + 12] = 5 << 4;
  p->data[20 + 13] = 0x18; /* ACK PSH */
  memcpy (pseudo, p->data + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = 6;
  pseudo[10] = (20 + payload) >> 8;
  pseudo[11] = (20 + payload) & 0xff;
  sum = wstun_vnet_csum_add (0, pseudo, sizeof pseudo);
  sum = ~wstun_vnet_csum_fold (sum) & 0xffff;
  p->data[20 + 16] = sum >> 8;
  p->data[20 + 17] = sum & 0xff;
  memset (vnet, 0, sizeof *vnet);
  vnet->flags = WSTUN_VNET_F_NEEDS_CSUM;
  vnet->gso_type = gso_size > 0 ? WSTUN_VNET_GSO_TCPV4 : WSTUN_VNET_GSO_NONE;
  vnet->gso_size = gso_size;
  vnet->hdr_len = 40;
  vnet->csum_start = 20;
  vnet->csum_offset = 16;
  return p;
}

static GByteArray *
with_record (const WstunVnetHdr *vnet, GByteArray *pkt)
{
  GByteArray *out = g_byte_array_new ();
  guint8 rec[WSTUN_FRAME_RECORD_LEN] = { 0, WSTUN_FRAME_RECORD_OFFLOAD };

  wstun_vnet_hdr_write (vnet, rec + 2);
  g_byte_array_append (out, rec, sizeof rec);
  g_byte_array_append (out, pkt->data, pkt->len);
  return out;
}

/* A TCP segment's checksum verifies (pseudo-header included) */
static gboolean
tcp4_valid (const guint8 *p, gsize len)
{
  guint8 pseudo[12];

  memcpy (pseudo, p + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = 6;
  pseudo[10] = (len - 20) >> 8;
  pseudo[11] = (len - 20) & 0xff;
  return wstun_vnet_csum_fold (
           wstun_vnet_csum_add (wstun_vnet_csum_add (0, pseudo, 12), p + 20, len - 20)) == 0;
}

/* A client that negotiated offload sends a TCP super-packet with a partial
 * checksum: a receiver that negotiated it too gets record and packet as
 * they were; one that did not gets the segments the sender's kernel would
 * have sent, checksums complete. A record the packet does not bear out is
 * dropped and counted; a record from a client without the capability
 * makes its frame malformed, as before. */
static void
test_offload (Fixture *f, gconstpointer data)
{
  WstunVnetHdr vnet, bad;
  g_autoptr (GByteArray) to_b = tcp_super_packet ("10.99.0.2", "10.99.0.3", 3000, 1000, &vnet);
  g_autoptr (GByteArray) to_c = tcp_super_packet ("10.99.0.2", "10.99.0.4", 3000, 1000, &vnet);
  g_autoptr (GByteArray) frame_b = with_record (&vnet, to_b);
  g_autoptr (GByteArray) frame_c = with_record (&vnet, to_c);
  g_autoptr (GByteArray) both = concat (frame_b, frame_c, NULL);
  g_autoptr (GPtrArray) frames = NULL;
  g_autoptr (GByteArray) payload = g_byte_array_new ();
  g_autoptr (GByteArray) bad_frame = NULL;
  Frame *frame;
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *seg;
  guint n = 0;

  (void) data;
  f->a.peer.offload = TRUE;
  f->b.peer.offload = TRUE;
  g_assert_cmpint (forward (f->router, &f->a, both), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&f->b, frame_b);

  frames = recv_frames (&f->c);
  g_assert_cmpuint (frames->len, ==, 1);
  frame = g_ptr_array_index (frames, 0);
  g_assert_cmpint (wstun_frame_validate (frame->payload->data, frame->payload->len,
                                         WSTUN_FRAME_MAX_PACKETS, &n, NULL, NULL),
                   ==, WSTUN_FRAME_OK);
  g_assert_cmpuint (n, ==, 3);
  wstun_frame_iter_init (&iter, frame->payload->data, frame->payload->len);
  while (wstun_frame_iter_next (&iter, &seg, &info)) {
    g_assert_cmpuint (info.length, ==, 40 + 1000);
    g_assert_true (tcp4_valid (seg, info.length));
    g_byte_array_append (payload, seg + 40, info.length - 40);
  }
  g_assert_cmpmem (payload->data, payload->len, to_c->data + 40, 3000);
  g_assert_cmpuint (wstun_router_get_counters (f->router)->tx_segmented, ==, 1);
  g_assert_cmpuint (f->c.peer.counters.tx_packets, ==, 3);

  /* a checksum offset past the transport header */
  bad = vnet;
  bad.csum_offset = 100;
  bad_frame = with_record (&bad, to_b);
  g_assert_cmpint (forward (f->router, &f->a, bad_frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->b);
  g_assert_cmpuint (wstun_router_get_counters (f->router)->drop_offload, ==, 1);
  g_assert_cmpuint (f->a.peer.counters.drop_offload, ==, 1);

  /* a record that asks for nothing is dropped: b gets the bare packet */
  {
    WstunVnetHdr valid_only = { .flags = WSTUN_VNET_F_DATA_VALID };
    g_autoptr (GByteArray) nothing = with_record (&valid_only, to_b);

    g_assert_cmpint (forward (f->router, &f->a, nothing), ==, WSTUN_FRAME_OK);
    wstun_router_flush (f->router);
    assert_received_one (&f->b, to_b);
  }

  /* c never asked for records: its frame with one is malformed */
  g_byte_array_unref (bad_frame);
  bad_frame = with_record (&vnet, to_b);
  memcpy (bad_frame->data + WSTUN_FRAME_RECORD_LEN + 12, (guint8[]){ 10, 99, 0, 4 }, 4);
  g_assert_cmpint (forward (f->router, &f->c, bad_frame), ==, WSTUN_FRAME_BAD_PACKET);
  g_assert_cmpuint (wstun_router_get_counters (f->router)->drop_malformed, ==, 1);
}

static void
test_seed_peer (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p1 = packet ("10.99.0.2", "10.99.0.4", 20, 0xa0);
  g_autoptr (GByteArray) p2 = packet ("10.99.0.2", "10.99.0.4", 24, 0x0b);
  g_autoptr (GByteArray) frame = concat (p1, p2, NULL);
  g_autoptr (GPtrArray) frames = NULL;

  (void) data;
  /* a seed client gets one "rx:<hex>" text message per packet, at once */
  f->c.peer.seed = TRUE;
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  frames = recv_frames (&f->c);
  g_assert_cmpuint (frames->len, ==, 2);
  for (guint i = 0; i < 2; i++) {
    Frame *fr = g_ptr_array_index (frames, i);
    GByteArray *p = i == 0 ? p1 : p2;
    g_autoptr (GString) want = g_string_new ("rx:");

    for (guint j = 0; j < p->len; j++)
      g_string_append_printf (want, "%02x", p->data[j]);
    g_assert_cmpuint (fr->opcode, ==, WSTUN_WS_OPCODE_TEXT);
    g_assert_cmpmem (fr->payload->data, fr->payload->len, want->str, want->len);
  }
  wstun_router_flush (f->router);
  assert_nothing_received (&f->c);
  assert_counters (&f->c.peer.counters,
                   &(WstunRouterCounters){ .tx_frames = 2, .tx_packets = 2, .tx_bytes = 44 });
}

/* Peer relays of a cluster: m1 (linked) holds 10.99.0.10 and fd00:99::10,
 * m2 (no link) holds 10.99.0.20 */
static void
test_mesh (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  TestPeer m1;
  WstunRouterPeer m2 = { .mesh = TRUE, .offload = TRUE };
  WstunAddr r1 = addr ("10.99.0.10"), r1v6 = addr ("fd00:99::10"), r2 = addr ("10.99.0.20");
  WstunAddr local = addr ("10.99.0.2");
  g_autoptr (GByteArray) to_m1 = packet ("10.99.0.2", "10.99.0.10", 60, 1);
  g_autoptr (GByteArray) from_m1 = packet ("10.99.0.10", "10.99.0.3", 61, 2);
  g_autoptr (GByteArray) from_m1_v6 = packet ("fd00:99::10", "fd00:99::3", 62, 3);
  g_autoptr (GByteArray) spoof_local = packet ("10.99.0.2", "10.99.0.3", 63, 4);
  g_autoptr (GByteArray) spoof_m2 = packet ("10.99.0.20", "10.99.0.3", 64, 5);
  g_autoptr (GByteArray) transit = packet ("10.99.0.10", "10.99.0.20", 65, 6);
  g_autoptr (GByteArray) to_m2 = packet ("10.99.0.2", "10.99.0.20", 66, 7);
  g_autoptr (GByteArray) frame_a = concat (to_m1, NULL);
  g_autoptr (GByteArray) frame_m1 =
    concat (from_m1, spoof_local, spoof_m2, transit, from_m1_v6, NULL);
  g_autoptr (GByteArray) expected_b = concat (from_m1, from_m1_v6, NULL);
  g_autoptr (GByteArray) frame_a2 = concat (to_m2, NULL);

  (void) data;
  test_peer_init (&m1);
  m1.peer.mesh = TRUE;
  m1.peer.offload = TRUE;
  g_assert_true (wstun_router_add_remote (f->router, &m1.peer, &r1, &error));
  g_assert_true (wstun_router_add_remote (f->router, &m1.peer, &r1v6, &error));
  g_assert_true (wstun_router_add_remote (f->router, &m2, &r2, &error));
  g_assert_no_error (error);
  /* a peer relay holds any number of addresses, none of a client here */
  g_assert_cmpuint (m1.peer.n_addrs, ==, 0);
  g_assert_false (wstun_router_add_remote (f->router, &m1.peer, &local, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED);
  g_assert_true (wstun_router_lookup (f->router, &r1) == &m1.peer);

  /* a client here to a client of m1 */
  g_assert_cmpint (forward (f->router, &f->a, frame_a), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&m1, to_m1);

  /* m1 may send only from its own addresses, and only to clients here */
  g_assert_cmpint (forward (f->router, &m1, frame_m1), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&f->b, expected_b);
  g_assert_cmpuint (m1.peer.counters.drop_spoofed, ==, 2);
  g_assert_cmpuint (m1.peer.counters.drop_loop, ==, 1);

  /* m2 has no link: dropped and counted, never queued */
  g_assert_cmpint (forward (f->router, &f->a, frame_a2), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  g_assert_cmpuint (f->a.peer.counters.drop_unreachable, ==, 1);
  g_assert_null (m2.batch);

  assert_counters (wstun_router_get_counters (f->router),
                   &(WstunRouterCounters){ .rx_frames = 3,
                                           .rx_packets = 7,
                                           .rx_bytes = 441,
                                           .tx_frames = 2,
                                           .tx_packets = 3,
                                           .tx_bytes = 183,
                                           .drop_spoofed = 2,
                                           .drop_loop = 1,
                                           .drop_unreachable = 1 });

  /* unmapped only by its holder; then there is no route */
  wstun_router_remove_remote (f->router, &m2, &r1);
  g_assert_true (wstun_router_lookup (f->router, &r1) == &m1.peer);
  wstun_router_remove_remote (f->router, &m1.peer, &r1);
  wstun_router_remove_remote (f->router, &m1.peer, &r1v6);
  wstun_router_remove_remote (f->router, &m2, &r2);
  g_assert_null (wstun_router_lookup (f->router, &r1));
  g_assert_cmpint (forward (f->router, &f->a, frame_a), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  g_assert_cmpuint (f->a.peer.counters.drop_no_route, ==, 1);
  assert_nothing_received (&m1);
  wstun_router_remove_peer (f->router, &m1.peer);
  test_peer_clear (&m1);
}

static void
test_remove_peer (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) p = packet ("10.99.0.2", "10.99.0.3", 40, 1);
  g_autoptr (GByteArray) frame = concat (p, NULL);
  WstunAddr b4 = addr ("10.99.0.3"), b6 = addr ("fd00:99::3");

  (void) data;
  /* a peer that goes away with packets staged for it */
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  g_assert_true (f->b.peer.dirty);
  wstun_router_remove_peer (f->router, &f->b.peer);
  g_assert_null (wstun_router_lookup (f->router, &b4));
  g_assert_null (wstun_router_lookup (f->router, &b6));
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 3);
  wstun_router_flush (f->router);
  assert_nothing_received (&f->b);

  /* its address can be taken by someone else, and is routed there */
  add_addr (f->router, &f->c, "10.99.0.3");
  g_assert_cmpint (forward (f->router, &f->a, frame), ==, WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (&f->c, p);
  assert_nothing_received (&f->b);
  /* the first packet was staged and then dropped with its peer */
  g_assert_cmpuint (wstun_router_get_counters (f->router)->tx_packets, ==, 1);
}

/* ---- address ownership: router and leases ----------------------------- */

typedef struct {
  WstunRouter *router;
  WstunPool *pool4;
  WstunPool *pool6;
  WstunLeases *leases;
  TestPeer p[4];
} LeaseFixture;

static void
lease_set_up (LeaseFixture *f, gconstpointer data)
{
  WstunPrefix p4, p6;

  (void) data;
  f->router = wstun_router_new ();
  g_assert_true (wstun_prefix_parse ("10.99.0.0/24", &p4, NULL));
  g_assert_true (wstun_prefix_parse ("fd00:99::/64", &p6, NULL));
  f->pool4 = wstun_pool_new (&p4, NULL);
  f->pool6 = wstun_pool_new (&p6, NULL);
  f->leases = wstun_leases_new (f->router, f->pool4, f->pool6);
  for (guint i = 0; i < G_N_ELEMENTS (f->p); i++)
    test_peer_init (&f->p[i]);
}

static void
lease_tear_down (LeaseFixture *f, gconstpointer data)
{
  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (f->p); i++) {
    wstun_leases_release (f->leases, &f->p[i].peer);
    assert_nothing_received (&f->p[i]);
    test_peer_clear (&f->p[i]);
  }
  /* everything went back */
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 0);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 0);
  g_assert_cmpuint (wstun_pool_get_used (f->pool6), ==, 0);
  g_clear_pointer (&f->leases, wstun_leases_free);
  g_clear_pointer (&f->pool4, wstun_pool_free);
  g_clear_pointer (&f->pool6, wstun_pool_free);
  g_clear_pointer (&f->router, wstun_router_free);
}

static void
assert_holds (WstunRouterPeer *peer, const char *a4, const char *a6)
{
  char buf[WSTUN_ADDR_STRLEN];

  g_assert_cmpuint (peer->n_addrs, ==, 2);
  g_assert_cmpstr (wstun_addr_to_string (&peer->addrs[0], buf), ==, a4);
  g_assert_cmpstr (wstun_addr_to_string (&peer->addrs[1], buf), ==, a6);
}

static void
assert_acquire_fails (LeaseFixture *f, TestPeer *tp, const char *wish4, const char *wish6,
                      const char *code)
{
  g_autoptr (GError) error = NULL;
  const char *error_code = NULL;
  WstunAddr w4 = { 0 }, w6 = { 0 };
  guint64 used4 = wstun_pool_get_used (f->pool4), used6 = wstun_pool_get_used (f->pool6);
  guint n = wstun_router_get_n_addresses (f->router);

  if (wish4 != NULL)
    w4 = addr (wish4);
  if (wish6 != NULL)
    w6 = addr (wish6);
  g_assert_false (wstun_leases_acquire (f->leases, &tp->peer, wish4 ? &w4 : NULL,
                                        wish6 ? &w6 : NULL, &error_code, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error_code, ==, code);
  /* nothing is held after a failure */
  g_assert_cmpuint (tp->peer.n_addrs, ==, 0);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, used4);
  g_assert_cmpuint (wstun_pool_get_used (f->pool6), ==, used6);
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, n);
}

static void
test_lease_acquire (LeaseFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *code = NULL;
  WstunAddr w4 = addr ("10.99.0.50"), w6 = addr ("fd00:99::50");

  (void) data;
  g_assert_true (wstun_leases_get_pool (f->leases, AF_INET) == f->pool4);
  g_assert_true (wstun_leases_get_pool (f->leases, AF_INET6) == f->pool6);

  g_assert_true (wstun_leases_acquire (f->leases, &f->p[0].peer, NULL, NULL, &code, &error));
  g_assert_no_error (error);
  assert_holds (&f->p[0].peer, "10.99.0.2", "fd00:99::2");
  g_assert_true (wstun_router_lookup (f->router, &f->p[0].peer.addrs[0]) == &f->p[0].peer);
  g_assert_true (wstun_router_lookup (f->router, &f->p[0].peer.addrs[1]) == &f->p[0].peer);
  g_assert_true (wstun_pool_is_used (f->pool4, &f->p[0].peer.addrs[0]));
  g_assert_true (wstun_pool_is_used (f->pool6, &f->p[0].peer.addrs[1]));

  g_assert_true (wstun_leases_acquire (f->leases, &f->p[1].peer, &w4, &w6, &code, &error));
  g_assert_no_error (error);
  assert_holds (&f->p[1].peer, "10.99.0.50", "fd00:99::50");

  g_assert_true (wstun_leases_acquire (f->leases, &f->p[2].peer, NULL, NULL, &code, &error));
  assert_holds (&f->p[2].peer, "10.99.0.3", "fd00:99::3");
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 6);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 3);
  g_assert_cmpuint (wstun_pool_get_used (f->pool6), ==, 3);
}

static void
test_lease_conflict (LeaseFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *code = NULL;
  TestPeer *a = &f->p[0], *b = &f->p[1];
  WstunAddr a4 = addr ("10.99.0.2"), a6 = addr ("fd00:99::2");

  (void) data;
  g_assert_true (wstun_leases_acquire (f->leases, &a->peer, NULL, NULL, &code, &error));
  assert_holds (&a->peer, "10.99.0.2", "fd00:99::2");

  /* the router refuses a second holder */
  g_assert_false (wstun_router_add (f->router, &b->peer, &a4, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_cmpuint (b->peer.n_addrs, ==, 0);
  g_assert_true (wstun_router_lookup (f->router, &a4) == &a->peer);

  /* so do the leases, for pool and claimed addresses alike */
  g_assert_false (wstun_leases_claim (f->leases, &b->peer, &a4, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (wstun_leases_claim (f->leases, &b->peer, &a6, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (b->peer.n_addrs, ==, 0);
  g_assert_true (wstun_pool_is_used (f->pool4, &a4)); /* a's lease is intact */
  g_assert_true (wstun_router_lookup (f->router, &a4) == &a->peer);

  assert_acquire_fails (f, b, "10.99.0.2", NULL, WSTUN_ERR_ADDRESS_IN_USE);
  /* the IPv4 address b got before its IPv6 wish failed is given back */
  assert_acquire_fails (f, b, NULL, "fd00:99::2", WSTUN_ERR_ADDRESS_IN_USE);
  assert_acquire_fails (f, b, "10.99.0.7", "fd00:99::2", WSTUN_ERR_ADDRESS_IN_USE);
  /* addresses the pool never hands out */
  assert_acquire_fails (f, b, "10.99.0.1", NULL, WSTUN_ERR_ADDRESS_UNAVAILABLE);
  assert_acquire_fails (f, b, "10.99.0.255", NULL, WSTUN_ERR_ADDRESS_UNAVAILABLE);
  assert_acquire_fails (f, b, "10.98.0.5", NULL, WSTUN_ERR_ADDRESS_UNAVAILABLE);
  assert_acquire_fails (f, b, NULL, "fd00:98::5", WSTUN_ERR_ADDRESS_UNAVAILABLE);

  /* b still gets addresses of its own */
  g_assert_true (wstun_leases_acquire (f->leases, &b->peer, NULL, NULL, &code, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (b->peer.n_addrs, ==, 2);
  g_assert_false (wstun_addr_equal (&b->peer.addrs[0], &a4));
  g_assert_false (wstun_addr_equal (&b->peer.addrs[1], &a6));
  g_assert_true (wstun_pool_contains (f->pool4, &b->peer.addrs[0]));
  g_assert_true (wstun_pool_contains (f->pool6, &b->peer.addrs[1]));
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 2);
  g_assert_cmpuint (wstun_pool_get_used (f->pool6), ==, 2);
}

static void
test_lease_claim (LeaseFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *code = NULL;
  TestPeer *seed = &f->p[0], *other = &f->p[1], *third = &f->p[2];
  WstunAddr in_pool = addr ("10.99.0.77"), outside = addr ("10.50.0.1");
  WstunAddr mcast = addr ("224.0.0.1"), loopback = addr ("127.0.0.1");
  WstunAddr ll6 = addr ("fe80::1"), extra = addr ("10.50.0.2");

  (void) data;
  /* a seed client chooses its address: inside the pool it is reserved */
  g_assert_true (wstun_leases_claim (f->leases, &seed->peer, &in_pool, &error));
  g_assert_no_error (error);
  g_assert_true (wstun_pool_is_used (f->pool4, &in_pool));
  g_assert_true (wstun_router_lookup (f->router, &in_pool) == &seed->peer);
  assert_acquire_fails (f, other, "10.99.0.77", NULL, WSTUN_ERR_ADDRESS_IN_USE);

  /* outside any pool it is only registered */
  g_assert_true (wstun_leases_claim (f->leases, &seed->peer, &outside, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seed->peer.n_addrs, ==, 2);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 1);
  g_assert_false (wstun_leases_claim (f->leases, &other->peer, &outside, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (wstun_router_lookup (f->router, &outside) == &seed->peer);

  /* a third address does not fit a peer */
  g_assert_false (wstun_leases_claim (f->leases, &seed->peer, &extra, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (wstun_router_lookup (f->router, &extra));

  /* only unicast addresses */
  g_assert_false (wstun_leases_claim (f->leases, &third->peer, &mcast, &error));
  g_clear_error (&error);
  g_assert_false (wstun_leases_claim (f->leases, &third->peer, &loopback, &error));
  g_clear_error (&error);
  g_assert_false (wstun_leases_claim (f->leases, &third->peer, &ll6, &error));
  g_clear_error (&error);
  g_assert_cmpuint (third->peer.n_addrs, ==, 0);

  /* inside a pool's prefix, only client addresses: not the network, the
   * relay's own first address or the broadcast address */
  {
    const char *reserved[] = { "10.99.0.0", "10.99.0.1", "10.99.0.255", "fd00:99::", "fd00:99::1" };

    for (guint i = 0; i < G_N_ELEMENTS (reserved); i++) {
      WstunAddr r = addr (reserved[i]);

      g_assert_false (wstun_leases_claim (f->leases, &third->peer, &r, &error));
      g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
      g_clear_error (&error);
      g_assert_null (wstun_router_lookup (f->router, &r));
    }
    g_assert_cmpuint (third->peer.n_addrs, ==, 0);
  }

  /* the pool skips the claimed address */
  {
    WstunAddr taken[100];

    for (guint i = 0; i < G_N_ELEMENTS (taken); i++) {
      g_assert_true (wstun_pool_allocate (f->pool4, &taken[i]));
      g_assert_false (wstun_addr_equal (&taken[i], &in_pool));
    }
    g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 101);
    for (guint i = 0; i < G_N_ELEMENTS (taken); i++)
      wstun_pool_release (f->pool4, &taken[i]);
  }

  /* released, both addresses are free again, and the pool one is back */
  wstun_leases_release (f->leases, &seed->peer);
  g_assert_cmpuint (seed->peer.n_addrs, ==, 0);
  g_assert_null (wstun_router_lookup (f->router, &in_pool));
  g_assert_null (wstun_router_lookup (f->router, &outside));
  g_assert_false (wstun_pool_is_used (f->pool4, &in_pool));
  g_assert_true (wstun_leases_claim (f->leases, &other->peer, &outside, &error));
  g_assert_no_error (error);
  g_assert_true (wstun_leases_acquire (f->leases, &third->peer, &in_pool, NULL, &code, &error));
  g_assert_no_error (error);
  assert_holds (&third->peer, "10.99.0.77", "fd00:99::2");
}

static void
test_lease_release (LeaseFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *code = NULL;
  TestPeer *a = &f->p[0], *b = &f->p[1], *c = &f->p[2];
  WstunAddr a4, a6;
  g_autoptr (GByteArray) p = packet ("10.99.0.3", "10.99.0.2", 40, 1);
  g_autoptr (GByteArray) frame = concat (p, NULL);

  (void) data;
  g_assert_true (wstun_leases_acquire (f->leases, &a->peer, NULL, NULL, &code, &error));
  g_assert_true (wstun_leases_acquire (f->leases, &b->peer, NULL, NULL, &code, &error));
  g_assert_no_error (error);
  a4 = a->peer.addrs[0];
  a6 = a->peer.addrs[1];

  wstun_leases_release (f->leases, &a->peer);
  g_assert_cmpuint (a->peer.n_addrs, ==, 0);
  g_assert_null (wstun_router_lookup (f->router, &a4));
  g_assert_null (wstun_router_lookup (f->router, &a6));
  g_assert_false (wstun_pool_is_used (f->pool4, &a4));
  g_assert_false (wstun_pool_is_used (f->pool6, &a6));
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 1);
  g_assert_cmpuint (wstun_pool_get_used (f->pool6), ==, 1);
  /* releasing twice is harmless and does not free b's addresses */
  wstun_leases_release (f->leases, &a->peer);
  g_assert_cmpuint (wstun_pool_get_used (f->pool4), ==, 1);
  g_assert_cmpuint (wstun_router_get_n_addresses (f->router), ==, 2);

  /* nobody holds it now: packets to it go nowhere */
  g_assert_cmpint (wstun_router_forward_frame (f->router, &b->peer, frame->data, frame->len), ==,
                   WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  g_assert_cmpuint (wstun_router_get_counters (f->router)->drop_no_route, ==, 1);
  assert_nothing_received (a);

  /* the freed address can be asked for by name */
  g_assert_true (wstun_leases_acquire (f->leases, &c->peer, &a4, &a6, &code, &error));
  g_assert_no_error (error);
  assert_holds (&c->peer, "10.99.0.2", "fd00:99::2");
  g_assert_cmpint (wstun_router_forward_frame (f->router, &b->peer, frame->data, frame->len), ==,
                   WSTUN_FRAME_OK);
  wstun_router_flush (f->router);
  assert_received_one (c, p);
}

static void
test_lease_exhausted (LeaseFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunRouter) router = wstun_router_new ();
  g_autoptr (WstunLeases) leases = NULL;
  g_autoptr (WstunPool) small = NULL;
  const char *code = NULL;
  WstunPrefix p30;

  (void) data;
  g_assert_true (wstun_prefix_parse ("10.99.0.0/30", &p30, NULL));
  small = wstun_pool_new (&p30, NULL);
  leases = wstun_leases_new (router, small, NULL);
  g_assert_null (wstun_leases_get_pool (leases, AF_INET6));

  g_assert_true (wstun_leases_acquire (leases, &f->p[0].peer, NULL, NULL, &code, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->p[0].peer.n_addrs, ==, 1);
  g_assert_false (wstun_leases_acquire (leases, &f->p[1].peer, NULL, NULL, &code, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED);
  g_assert_cmpstr (code, ==, WSTUN_ERR_POOL_EXHAUSTED);
  g_clear_error (&error);
  g_assert_cmpuint (f->p[1].peer.n_addrs, ==, 0);

  /* no IPv6 pool: an IPv6 wish cannot be met */
  {
    WstunAddr w6 = addr ("fd00:99::5");

    code = NULL;
    g_assert_false (wstun_leases_acquire (leases, &f->p[2].peer, NULL, &w6, &code, &error));
    g_assert_cmpstr (code, ==, WSTUN_ERR_ADDRESS_UNAVAILABLE);
    g_clear_error (&error);
  }

  wstun_leases_release (leases, &f->p[0].peer);
  g_assert_true (wstun_leases_acquire (leases, &f->p[1].peer, NULL, NULL, &code, &error));
  g_assert_no_error (error);
  wstun_leases_release (leases, &f->p[1].peer);
  g_assert_cmpuint (wstun_pool_get_used (small), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/router/forward/ipv4", test_forward_ipv4);
  ADD ("/router/forward/ipv6", test_forward_ipv6);
  ADD ("/router/forward/by-destination", test_forward_by_destination);
  ADD ("/router/drop/no-route", test_drop_no_route);
  ADD ("/router/drop/closed-holder", test_drop_closed_holder);
  ADD ("/router/drop/spoofed", test_drop_spoofed);
  ADD ("/router/drop/unroutable", test_drop_unroutable);
  ADD ("/router/drop/loop", test_drop_loop);
  ADD ("/router/drop/malformed", test_drop_malformed);
  ADD ("/router/drop/oversized-frame", test_drop_oversized_frame);
  ADD ("/router/batching/one-frame-per-burst", test_batching);
  ADD ("/router/batching/limits", test_batching_limits);
  ADD ("/router/batching/slow-receiver", test_slow_receiver);
  ADD ("/router/batching/backlog-counts-frame-bytes", test_backlog_counts_frame_bytes);
  ADD ("/router/batching/backlog-time-bound", test_backlog_time_bound);
  ADD ("/router/offload", test_offload);
  ADD ("/router/seed-peer", test_seed_peer);
  ADD ("/router/remove-peer", test_remove_peer);
  ADD ("/router/mesh", test_mesh);
#undef ADD
#define ADD(path, func) g_test_add (path, LeaseFixture, NULL, lease_set_up, func, lease_tear_down)
  ADD ("/leases/acquire", test_lease_acquire);
  ADD ("/leases/conflict", test_lease_conflict);
  ADD ("/leases/claim", test_lease_claim);
  ADD ("/leases/release", test_lease_release);
  ADD ("/leases/exhausted", test_lease_exhausted);
#undef ADD
  return g_test_run ();
}
