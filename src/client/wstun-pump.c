/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-pump.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wstun-frame.h"
#include "wstun-rcvbuf-drops.h"

/* TUN reads per wakeup before yielding to the socket side. */
#define MAX_TUN_READS 256
/* A read must never truncate a packet, whatever the device MTU is; it
 * starts with the packet's virtio-net header (IFF_VNET_HDR) */
#define TUN_READ_ROOM     (WSTUN_VNET_HDR_LEN + WSTUN_PACKET_MAX)
#define LOG_INTERVAL_USEC (10 * G_USEC_PER_SEC)
/* A TUN write delivers the packet to its socket at once, and a datagram
 * socket with the default receive buffer (208 KiB) holds only about 90
 * datagrams of 1400 bytes (each costs about 2.3 KiB of buffer). A frame
 * carries up to 180, and one wakeup reads several frames: an application
 * that cannot run while this process writes them all loses the rest (the
 * kernel woke it, but this process still has its time slice). So, while
 * sockets here are seen to overflow, a burst pauses briefly after every
 * RX_BURST_DATAGRAMS datagrams, and the receiver drains its socket
 * meanwhile. A pause, not sched_yield(): a yield gives up the rest of the
 * slice to every runnable process, and under load this process then fell
 * behind the relay (tests/bench/README.md has the ladder). TCP is not
 * counted: its buffers grow and its flow control holds the sender back
 * instead of dropping. */
#define RX_BURST_DATAGRAMS 32
#define RX_PAUSE_NSEC      (20 * 1000)
/* A longer gap between datagrams already let the receiver run. */
#define RX_BURST_GAP_USEC 100
/* The pauses cost throughput where receivers have room (big buffers, or
 * applications that keep up), so they are made only for a while after the
 * kernel counted datagrams that found their socket full (RcvbufErrors),
 * looked at this often while datagrams arrive. */
#define RX_DROPS_CHECK_USEC (20 * 1000)
#define RX_PAUSING_USEC     (10 * G_USEC_PER_SEC)

struct _WstunPump {
  GObject parent_instance;

  char *name;
  WstunTun *tun;
  WstunWs *ws;
  GSource *tun_source;
  WstunBatch *tx;
  gboolean offload;                    /* the relay connection carries offload records */
  guint8 vnet_hdr[WSTUN_VNET_HDR_LEN]; /* read beside a packet, without offloads */
  guint8 *sink;                        /* packets read while there is no relay connection */
  guint rx_datagrams;                  /* written in this burst since the last pause */
  gint64 rx_last;                      /* when the last datagram was written */
  gint64 rx_drops_checked;
  guint64 rx_drops; /* the namespace's RcvbufErrors then */
  gboolean rx_drops_known;
  gint64 rx_pausing_until; /* pause bursts until then */
  WstunConnectionStats stats;
  WstunConnectionStats stats_reported;
  GSource *stats_timer; /* runs while the counters move: "stats-changed" */
  gint64 last_complaint;
};

enum {
  SIGNAL_STATS_CHANGED,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunPump, wstun_pump, G_TYPE_OBJECT)

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static void G_GNUC_PRINTF (2, 3) complain (WstunPump *self, const char *format, ...)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *msg = NULL;
  va_list args;

  if (self->last_complaint != 0 && now - self->last_complaint < LOG_INTERVAL_USEC)
    return;
  self->last_complaint = now;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_warning ("%s: %s", self->name, msg);
}

/* ---- counters: "stats-changed" at most once a second while they move -- */

static gboolean
on_stats_tick (gpointer user_data)
{
  WstunPump *self = user_data;
  const WstunConnectionStats *now = &self->stats, *then = &self->stats_reported;

  if (now->rx_packets == then->rx_packets && now->tx_packets == then->tx_packets &&
      now->rx_bytes == then->rx_bytes && now->tx_bytes == then->tx_bytes &&
      now->dropped_packets == then->dropped_packets) {
    /* no traffic since the last tick: sleep until the next packet */
    g_clear_pointer (&self->stats_timer, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  self->stats_reported = self->stats;
  g_signal_emit (self, signals[SIGNAL_STATS_CHANGED], 0);
  return G_SOURCE_CONTINUE;
}

/* Called where the counters may have changed; costs a test per burst. */
static void
stats_touched (WstunPump *self)
{
  if (self->stats_timer != NULL)
    return;
  self->stats_timer = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->stats_timer, on_stats_tick, self, NULL);
  g_source_attach (self->stats_timer, g_main_context_get_thread_default ());
}

/* ---- data path: TUN -> relay ----------------------------------------- */

static gboolean on_tun_readable (int fd, GIOCondition condition, gpointer user_data);

static void
watch_tun (WstunPump *self)
{
  if (self->tun_source != NULL || self->tun == NULL)
    return;
  self->tun_source = g_unix_fd_source_new (wstun_tun_get_fd (self->tun), G_IO_IN);
  g_source_set_callback (self->tun_source, G_SOURCE_FUNC (on_tun_readable), self, NULL);
  g_source_attach (self->tun_source, g_main_context_get_thread_default ());
}

static gboolean
flush_tx (WstunPump *self)
{
  WstunBatch *tx = self->tx;
  WstunWsSendResult res;

  if (tx->len == 0)
    return TRUE;
  res = wstun_ws_send_frame (self->ws, WSTUN_WS_OPCODE_BINARY, wstun_batch_payload (tx), tx->len,
                             FALSE);
  if (res == WSTUN_WS_SEND_OK) {
    self->stats.tx_packets += tx->packets;
    self->stats.tx_bytes += tx->len;
  } else {
    self->stats.dropped_packets += tx->packets;
  }
  wstun_batch_reset (tx);
  return res == WSTUN_WS_SEND_OK;
}

/* No relay connection (reconnecting): what the device sends is dropped,
 * and counted, at once; holding it would be a queue without a bound */
static void
drop_tun_packets (WstunPump *self, int fd)
{
  for (guint i = 0; i < MAX_TUN_READS; i++) {
    ssize_t n = read (fd, self->sink, TUN_READ_ROOM);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    self->stats.dropped_packets++;
  }
  stats_touched (self);
}

static void
append_segment (const guint8 *segment, gsize len, gpointer user_data)
{
  WstunPump *self = user_data;

  if (wstun_batch_full (self->tx, len))
    flush_tx (self);
  if (!wstun_batch_append (self->tx, segment, len))
    self->stats.dropped_packets++;
}

/* A read of @n bytes (virtio-net header and packet) at the batch's end:
 * with offloads, all of it 2 bytes in, where a record would start; without,
 * the header in vnet_hdr and the packet at the end */
static void
take_tun_packet (WstunPump *self, gsize n)
{
  WstunBatch *tx = self->tx;
  guint8 *at = wstun_batch_payload (tx) + tx->len;
  guint8 *packet = self->offload ? at + WSTUN_FRAME_RECORD_LEN : at;
  gsize len;
  WstunVnetHdr vnet;
  const char *reason;

  if (n <= WSTUN_VNET_HDR_LEN) {
    self->stats.dropped_packets++;
    return;
  }
  len = n - WSTUN_VNET_HDR_LEN;
  wstun_vnet_hdr_read (self->offload ? at + 2 : self->vnet_hdr, &vnet);
  if (!wstun_vnet_hdr_has_work (&vnet)) {
    /* nothing left undone: a plain packet (with offloads mostly small:
     * ICMP, or what the stack had checksummed already) */
    if (packet != at)
      memmove (at, packet, len);
    tx->len += len;
    tx->packets++;
    return;
  }
  if (!wstun_vnet_check (&vnet, packet, len, NULL, &reason)) {
    self->stats.dropped_packets++;
    complain (self, "dropped a packet from the TUN device: its offload header is invalid (%s)",
              reason);
    return;
  }
  if (self->offload) {
    at[0] = 0;
    at[1] = WSTUN_FRAME_RECORD_OFFLOAD;
    tx->len += WSTUN_FRAME_RECORD_LEN + len;
    tx->packets++;
    return;
  }
  /* queued while offloads were on for an earlier relay: do what they
   * left undone */
  if (!wstun_vnet_hdr_is_gso (&vnet)) {
    wstun_vnet_finish_csum (&vnet, packet, len);
    tx->len += len;
    tx->packets++;
  } else {
    g_autofree guint8 *copy = g_memdup2 (packet, len);

    wstun_vnet_segment (&vnet, copy, len, append_segment, self);
  }
}

static gboolean
on_tun_readable (int fd, GIOCondition condition, gpointer user_data)
{
  WstunPump *self = user_data;
  WstunBatch *tx = self->tx;

  (void) condition;
  if (self->ws == NULL) {
    drop_tun_packets (self, fd);
    return G_SOURCE_CONTINUE;
  }
  for (guint i = 0; i < MAX_TUN_READS; i++) {
    ssize_t n;

    if (wstun_batch_full (tx, TUN_READ_ROOM + 2)) {
      /* stop as soon as the socket stops taking whole frames: the queue
       * behind it must not grow by a frame per read */
      if (!flush_tx (self) || wstun_ws_get_backlog (self->ws) > 0)
        break;
    }
    if (self->offload) {
      /* the header lands where an offload record's would, right before
       * the packet: a packet that needs its record keeps it in place */
      n = read (fd, wstun_batch_payload (tx) + tx->len + 2, wstun_batch_room (tx) - 2);
    } else {
      /* the packet lands where it goes, the header beside it */
      struct iovec iov[2] = { { self->vnet_hdr, WSTUN_VNET_HDR_LEN },
                              { wstun_batch_payload (tx) + tx->len, wstun_batch_room (tx) } };

      n = readv (fd, iov, G_N_ELEMENTS (iov));
    }
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN)
        complain (self, "reading the TUN device: %s", g_strerror (errno));
      break;
    }
    if (n == 0)
      break;
    take_tun_packet (self, (gsize) n);
  }
  flush_tx (self);
  stats_touched (self);

  /* the socket is full: leave packets in the device queue (the kernel's
   * own backpressure) until the relay connection drains */
  if (self->ws != NULL && wstun_ws_get_backlog (self->ws) > 0) {
    g_clear_pointer (&self->tun_source, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---- data path: relay -> TUN ----------------------------------------- */

/* Whether sockets here overflowed lately: start or extend the pauses */
static void
check_receivers (WstunPump *self, gint64 now)
{
  guint64 drops;

  if (now - self->rx_drops_checked < RX_DROPS_CHECK_USEC)
    return;
  self->rx_drops_checked = now;
  if (!wstun_rcvbuf_drops_read (&drops))
    return;
  if (self->rx_drops_known && drops > self->rx_drops)
    self->rx_pausing_until = now + RX_PAUSING_USEC;
  self->rx_drops = drops;
  self->rx_drops_known = TRUE;
}

static void
count_datagram (WstunPump *self, gint64 now)
{
  if (++self->rx_datagrams == RX_BURST_DATAGRAMS) {
    self->rx_datagrams = 0;
    if (now < self->rx_pausing_until) {
      struct timespec pause = { 0, RX_PAUSE_NSEC };

      nanosleep (&pause, NULL);
    }
  }
}

static void
write_segment (const guint8 *segment, gsize len, gpointer user_data)
{
  guint8 hdr[WSTUN_VNET_HDR_LEN] = { 0 };
  struct iovec iov[2] = { { hdr, sizeof hdr }, { (guint8 *) segment, len } };
  ssize_t n;

  do
    n = writev (GPOINTER_TO_INT (user_data), iov, G_N_ELEMENTS (iov));
  while (n < 0 && errno == EINTR);
}

void
wstun_pump_receive (WstunPump *self, guint8 *data, gsize len)
{
  WstunFrameStatus status;
  WstunFrameIter iter;
  WstunPacketInfo info;
  WstunVnetHdr vnet;
  guint8 *packet;
  guint n_packets = 0;
  gboolean datagrams = FALSE;
  gint64 now;
  int fd;

  stats_touched (self);
  status = wstun_frame_validate_offload (data, len, WSTUN_FRAME_MAX_PACKETS, self->offload,
                                         &n_packets, NULL, NULL);
  if (status != WSTUN_FRAME_OK) {
    self->stats.dropped_packets++;
    complain (self, "dropped a frame from the relay: %s", wstun_frame_status_to_string (status));
    return;
  }
  if (self->tun == NULL) {
    self->stats.dropped_packets += n_packets;
    return;
  }
  now = g_get_monotonic_time ();
  if (now - self->rx_last > RX_BURST_GAP_USEC)
    self->rx_datagrams = 0;
  check_receivers (self, now);
  fd = wstun_tun_get_fd (self->tun);
  wstun_frame_iter_init (&iter, data, len);
  while (wstun_frame_iter_next_offload (&iter, &packet, &info, &vnet)) {
    guint8 hdr[WSTUN_VNET_HDR_LEN];
    struct iovec iov[2] = { { hdr, sizeof hdr }, { packet, info.length } };
    const char *reason;
    ssize_t n;

    /* the kernel trusts what the header says: it comes from the network */
    if (!wstun_vnet_check (&vnet, packet, info.length, NULL, &reason)) {
      self->stats.dropped_packets++;
      complain (self, "dropped a packet from the relay: its offload record is invalid (%s)",
                reason);
      continue;
    }
    wstun_vnet_hdr_write (&vnet, hdr);
    do
      n = writev (fd, iov, G_N_ELEMENTS (iov));
    while (n < 0 && errno == EINTR);
    /* a kernel that does not know this kind of super-packet (UDP before
     * Linux 6.2) refuses it: the segments it would have made, then */
    if (n < 0 && errno == EINVAL && vnet.gso_type != WSTUN_VNET_GSO_NONE)
      n = wstun_vnet_segment (&vnet, packet, info.length, write_segment, GINT_TO_POINTER (fd)) > 0
            ? (ssize_t) info.length
            : -1;
    if (n < 0) {
      self->stats.dropped_packets++;
      if (errno != EAGAIN && errno != ENOBUFS)
        complain (self, "writing to the TUN device: %s", g_strerror (errno));
      continue;
    }
    self->stats.rx_packets++;
    self->stats.rx_bytes += info.length;
    if (info.protocol != WSTUN_IPPROTO_TCP) {
      count_datagram (self, now);
      datagrams = TRUE;
    }
  }
  if (datagrams)
    self->rx_last = g_get_monotonic_time ();
}

void
wstun_pump_drained (WstunPump *self)
{
  g_return_if_fail (WSTUN_IS_PUMP (self));
  watch_tun (self);
}

static void
apply_offload (WstunPump *self)
{
  g_autoptr (GError) error = NULL;

  if (self->tun != NULL && !wstun_tun_set_offload (self->tun, self->offload, &error))
    complain (self, "%s", error->message);
}

void
wstun_pump_set_tun (WstunPump *self, WstunTun *tun)
{
  g_return_if_fail (WSTUN_IS_PUMP (self));

  if (self->tun == tun)
    return;
  destroy_source (&self->tun_source);
  g_set_object (&self->tun, tun);
  apply_offload (self);
  watch_tun (self);
}

void
wstun_pump_set_ws (WstunPump *self, WstunWs *ws)
{
  g_return_if_fail (WSTUN_IS_PUMP (self));

  if (self->ws == ws)
    return;
  /* a batch half made for the old connection goes with it */
  if (self->tx->packets > 0)
    self->stats.dropped_packets += self->tx->packets;
  wstun_batch_reset (self->tx);
  g_set_object (&self->ws, ws);
  watch_tun (self);
}

void
wstun_pump_set_offload (WstunPump *self, gboolean offload)
{
  g_return_if_fail (WSTUN_IS_PUMP (self));

  self->offload = offload;
  apply_offload (self);
}

const WstunConnectionStats *
wstun_pump_get_stats (WstunPump *self)
{
  g_return_val_if_fail (WSTUN_IS_PUMP (self), NULL);
  return &self->stats;
}

WstunPump *
wstun_pump_new (const char *name)
{
  WstunPump *self = g_object_new (WSTUN_TYPE_PUMP, NULL);

  self->name = g_strdup (name);
  return self;
}

static void
wstun_pump_dispose (GObject *object)
{
  WstunPump *self = WSTUN_PUMP (object);

  destroy_source (&self->tun_source);
  destroy_source (&self->stats_timer);
  g_clear_object (&self->ws);
  g_clear_object (&self->tun);
  G_OBJECT_CLASS (wstun_pump_parent_class)->dispose (object);
}

static void
wstun_pump_finalize (GObject *object)
{
  WstunPump *self = WSTUN_PUMP (object);

  wstun_batch_free (self->tx);
  g_free (self->sink);
  g_free (self->name);
  G_OBJECT_CLASS (wstun_pump_parent_class)->finalize (object);
}

static void
wstun_pump_class_init (WstunPumpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_pump_dispose;
  object_class->finalize = wstun_pump_finalize;

  signals[SIGNAL_STATS_CHANGED] =
    g_signal_new ("stats-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
wstun_pump_init (WstunPump *self)
{
  self->tx = wstun_batch_new ();
  self->sink = g_malloc (TUN_READ_ROOM);
}
