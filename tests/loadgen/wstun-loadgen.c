/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-loadgen: N simulated wstun.v1 clients against one relay, no TUN.
 *
 * Every client does what wstund does on the wire (tests/bench/wsbench.c's
 * approach): libsoup performs the HTTP upgrade (subprotocol wstun.v1,
 * optional Authorization: Bearer, TLS for wss://), then WstunWs takes over
 * the upgraded stream (over ws://, the socket itself: see LightStream);
 * the client sends hello, waits for config (its
 * address), and from then on sends and receives binary data frames of IP
 * packets. The packets are UDP over IPv4 or IPv6 with correct headers and
 * checksums: source the client's own address, destination another
 * simulated client's. Their payload carries the sender, a sequence number
 * and the send time (CLOCK_MONOTONIC, same host), so the receiving client
 * matches each one to what was sent: delivered, lost, duplicated, and the
 * one-way latency.
 *
 * One GLib main loop, no threads. Sending is driven by one tick timer for
 * all clients (clients' send times are spread evenly over the packet
 * interval), never by a timer per client.
 *
 * Bounds: the run ends at its phases' deadlines and at a hard deadline in
 * any case; memory is fixed once the clients are connected (a ring of the
 * last sequence numbers per client, histograms of fixed size, one frame
 * buffer); file descriptors are checked against RLIMIT_NOFILE (raised to
 * its hard limit) before anything starts.
 *
 * A test tool: its messages are not translated.
 *
 * Usage: see --help and tests/bench/README.md.
 */
#include "config.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "wstun-address.h"
#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-frame.h"
#include "wstun-packet.h"
#include "wstun-token-file.h"
#include "wstun-ws-takeover.h"
#include "wstun-ws.h"

/* ---- constants ------------------------------------------------------- */

#define MAGIC          0x574c4731u /* "WLG1" */
#define KIND_PING      1
#define KIND_BULK      2
#define PAYLOAD_HEADER 32 /* magic, run, sender, kind, seq, time: see put_payload() */
#define UDP_HEADER     8
#define UDP_DST_PORT   9 /* discard */
#define UDP_SRC_BASE   40000
#define FD_SLACK       64 /* descriptors beyond one per client: GLib, libsoup, stdio */
#define MAX_RING_BYTES (512u * 1024 * 1024)
#define MAX_CLIENTS    1000000
#define CLOSE_WAIT_US  (4 * G_USEC_PER_SEC) /* WstunWs waits 3 s for the peer's close */
#define PROGRESS_US    (2 * G_USEC_PER_SEC)
#define SAMPLE_US      G_USEC_PER_SEC
#define QUIET_AFTER_US (200 * 1000) /* drain: no packet for this long, nothing awaited */
#define HARD_SLACK_S   15
#define BACKLOG        (1024 * 1024)

/* ---- options --------------------------------------------------------- */

static char **opt_urls; /* one or more relays: clients spread round robin */
static char *opt_url;   /* the first, or "A,B,..." for reports */
static int opt_clients = 10;
static double opt_connect_rate; /* 0: as fast as --max-pending allows */
static int opt_max_pending = 64;
static double opt_connect_timeout = 10;
static double opt_setup_timeout = 60;
static char *opt_token_file;
static char *opt_ca_file;
static double opt_rate = 1;
static int opt_payload = 56;
static int opt_bulk;
static double opt_bulk_rate = 10;
static int opt_bulk_size = 1400;
static double opt_duration = 10;
static double opt_warmup = 2;
static double opt_drain = 3;
static double opt_loss_window = 5;
static int opt_tick_ms = 10;
static char *opt_family;
static char *opt_sources;
static int opt_relay_pid;
static gboolean opt_json;
static char *opt_json_file;
static gboolean opt_quiet;
static gboolean opt_soup_io;

static const GOptionEntry entries[] = {
  { "url", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &opt_urls,
    "The relay: ws://HOST:PORT/ or wss://... (repeated: relays of a cluster, clients spread over "
    "them in turn)",
    "URL" },
  { "clients", 'n', 0, G_OPTION_ARG_INT, &opt_clients, "Simulated clients (10)", "N" },
  { "connect-rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_connect_rate,
    "New connections per second (0: as fast as --max-pending allows)", "R" },
  { "max-pending", 0, 0, G_OPTION_ARG_INT, &opt_max_pending,
    "Handshakes (upgrade to config) in flight at most (64; the relay's own bound is 256)", "P" },
  { "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_connect_timeout,
    "Time one client has from connecting to its config (10)", "S" },
  { "setup-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opt_setup_timeout,
    "Time all clients have to connect; then traffic starts with those that did (60)", "S" },
  { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_token_file,
    "Token for every client (Authorization: Bearer)", "FILE" },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "wss://: trust this PEM CA (only)",
    "FILE" },
  { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &opt_rate,
    "Ping-sized packets per second per client, each to the next other client (1; 0: none)", "PPS" },
  { "payload", 0, 0, G_OPTION_ARG_INT, &opt_payload,
    "UDP payload of those packets (56: 84-byte IPv4, 104-byte IPv6 packets, as ping)", "BYTES" },
  { "bulk", 0, 0, G_OPTION_ARG_INT, &opt_bulk, "Clients that also send bulk UDP (0)", "K" },
  { "bulk-rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_bulk_rate,
    "Bulk rate per bulk client in Mbit/s of IP packets (10)", "MBPS" },
  { "bulk-size", 0, 0, G_OPTION_ARG_INT, &opt_bulk_size, "Bulk IP packet size (1400)", "BYTES" },
  { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &opt_duration,
    "Measured traffic time, after the warm-up (10)", "S" },
  { "warmup", 'w', 0, G_OPTION_ARG_DOUBLE, &opt_warmup, "Traffic time before measuring (2)", "S" },
  { "drain", 0, 0, G_OPTION_ARG_DOUBLE, &opt_drain,
    "After sending stops, time to wait for packets still on their way (3)", "S" },
  { "loss-window", 0, 0, G_OPTION_ARG_DOUBLE, &opt_loss_window,
    "A packet not delivered after about this long counts as lost (5)", "S" },
  { "tick", 0, 0, G_OPTION_ARG_INT, &opt_tick_ms,
    "Send timer period; each client's packets go out on the tick they are due (10)", "MS" },
  { "family", 0, 0, G_OPTION_ARG_STRING, &opt_family,
    "Packets over IPv4 or IPv6: 4, 6 or auto (IPv4 if the relay assigns it)", "4|6|auto" },
  { "sources", 0, 0, G_OPTION_ARG_STRING, &opt_sources,
    "Bind the clients round-robin to the first 64 of these local addresses (CIDR or addresses, "
    "commas)",
    "CIDR,..." },
  { "relay-pid", 0, 0, G_OPTION_ARG_INT, &opt_relay_pid,
    "Sample this relay process's CPU time and memory from /proc", "PID" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the report as JSON", NULL },
  { "json-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_json_file,
    "Also write the report as JSON to FILE", "FILE" },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "No progress lines on stderr", NULL },
  { "soup-io", 0, 0, G_OPTION_ARG_NONE, &opt_soup_io,
    "Read and write through libsoup's stream, as wstund does, also for ws:// (slower with "
    "thousands of clients)",
    NULL },
  G_OPTION_ENTRY_NULL,
};

/* ---- histogram: log-linear, fixed size ------------------------------- */

/* Values (microseconds) below 2^SUB_BITS+1 are exact; above, each power of
 * two is cut into 2^SUB_BITS buckets: about 3 % resolution. */
#define SUB_BITS  5
#define SUB       (1 << SUB_BITS)
#define MAX_EXP   40
#define N_BUCKETS (2 * SUB + (MAX_EXP - SUB_BITS) * SUB)

typedef struct {
  guint64 buckets[N_BUCKETS];
  guint64 count;
  gint64 max;
  double sum;
} Histogram;

static guint
bucket_of (gint64 v)
{
  guint e;

  if (v < 0)
    v = 0;
  if (v < 2 * SUB)
    return (guint) v;
  e = 63 - __builtin_clzll ((guint64) v); /* >= SUB_BITS + 1 */
  if (e >= MAX_EXP)
    return N_BUCKETS - 1;
  return 2 * SUB + (e - SUB_BITS - 1) * SUB + ((v >> (e - SUB_BITS)) & (SUB - 1));
}

/* the smallest value that falls in bucket @b */
static gint64
bucket_low (guint b)
{
  guint e;

  if (b < 2 * SUB)
    return b;
  e = (b - 2 * SUB) / SUB + SUB_BITS + 1;
  return ((gint64) 1 << e) + ((gint64) ((b - 2 * SUB) % SUB) << (e - SUB_BITS));
}

static void
hist_add (Histogram *h, gint64 v)
{
  h->buckets[bucket_of (v)]++;
  h->count++;
  h->sum += v;
  if (v > h->max)
    h->max = v;
}

/* The value at quantile @q (0..1): the middle of its bucket, never above
 * the largest value seen. */
static double
hist_quantile (const Histogram *h, double q)
{
  guint64 rank, seen = 0;

  if (h->count == 0)
    return 0;
  rank = (guint64) ceil (q * h->count);
  if (rank == 0)
    rank = 1;
  for (guint b = 0; b < N_BUCKETS; b++) {
    seen += h->buckets[b];
    if (seen >= rank) {
      double lo = bucket_low (b);
      double hi = b + 1 < N_BUCKETS ? bucket_low (b + 1) : lo;
      return MIN ((lo + hi) / 2, (double) h->max);
    }
  }
  return h->max;
}

/* ---- process figures from /proc -------------------------------------- */

typedef struct {
  gboolean ok;
  double cpu; /* seconds, user + system */
  guint64 rss_kb;
  guint64 hwm_kb;
  gint64 at; /* monotonic µs */
} ProcSample;

static gboolean
read_status_kb (const char *status, const char *key, guint64 *out)
{
  const char *p = strstr (status, key);

  if (p == NULL)
    return FALSE;
  *out = g_ascii_strtoull (p + strlen (key), NULL, 10);
  return TRUE;
}

static ProcSample
sample_pid (int pid)
{
  ProcSample s = { .at = g_get_monotonic_time () };
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_autofree char *status = NULL;
  g_auto (GStrv) f = NULL;
  const char *rest;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return s;
  /* the command name in parentheses may hold spaces: count from the last ) */
  rest = strrchr (stat, ')');
  if (rest == NULL)
    return s;
  f = g_strsplit (rest + 2, " ", 0);
  if (g_strv_length (f) < 13)
    return s;
  s.cpu = (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
  g_free (path);
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &status, NULL, NULL))
    return s;
  s.ok =
    read_status_kb (status, "VmRSS:", &s.rss_kb) && read_status_kb (status, "VmHWM:", &s.hwm_kb);
  return s;
}

static double
cpu_pct (const ProcSample *a, const ProcSample *b)
{
  if (!a->ok || !b->ok || b->at <= a->at)
    return -1;
  return 100.0 * (b->cpu - a->cpu) / ((b->at - a->at) / 1e6);
}

/* ---- clients ----------------------------------------------------------- */

typedef enum {
  C_IDLE,       /* not started */
  C_CONNECTING, /* TCP, TLS, HTTP upgrade */
  C_HELLO,      /* upgraded, hello sent, waiting for config */
  C_UP,         /* config received */
  C_CLOSING,    /* we started the closing handshake */
  C_FAILED,     /* refused, failed or closed by the relay */
  C_DONE,       /* closed by us */
} ClientState;

enum { SLOT_FREE, SLOT_WAIT, SLOT_WAIT_MEASURED, SLOT_DONE };

typedef struct {
  guint64 seq;
  gint64 sent;
  guint8 state;
} Slot;

typedef struct {
  guint idx;
  ClientState state;
  guint session; /* index into run.sessions */
  SoupMessage *msg;
  GCancellable *cancellable;
  SoupWebsocketConnection *soup_conn; /* did the upgrade; inert afterwards */
  WstunWs *ws;
  gint64 t_start;
  gboolean timed_out;
  WstunAddr addr;
  guint mtu;
  int pos; /* index into run.peers, -1 */
  double phase;
  guint64 ping_due; /* pings scheduled so far */
  guint64 ping_seq; /* pings sent */
  Slot *ring;
  gboolean bulk;
  guint bulk_dst;
  guint64 bulk_seq;
  double bulk_credit; /* bytes */
} Client;

typedef enum {
  PHASE_SETUP,
  PHASE_WARMUP,
  PHASE_MEASURE,
  PHASE_DRAIN,
  PHASE_CLOSE,
  PHASE_END,
} Phase;

typedef struct {
  guint64 sent, delivered, lost, duplicated, late;
} PingCounts;

typedef struct {
  GMainLoop *loop;
  int exit_status;
  gboolean aborted;
  char *abort_reason;
  Phase phase;
  guint32 run_id;
  char *token;
  GTlsDatabase *ca;
  int family; /* AF_INET, AF_INET6, 0: auto */
  GPtrArray *sessions;
  gboolean sessions_dropped;
  WstunAddr *sources;
  guint n_sources;

  Client *clients;
  guint n;
  guint *peers; /* clients that came up, in order */
  guint n_peers;
  guint ring_size; /* power of two */
  guint8 *frame;   /* WSTUN_WS_HEADROOM + WSTUN_FRAME_MAX */

  /* set-up */
  guint started;
  guint pending;   /* C_CONNECTING + C_HELLO */
  guint callbacks; /* connect_async calls not yet finished */
  guint connected; /* ever reached C_UP */
  guint failed;
  gint64 t_begin, t_setup_end, t_first_up, t_last_up;
  Histogram setup_hist;
  GHashTable *setup_errors; /* kind -> count */
  GHashTable *run_errors;
  char *first_error; /* an example message, for people */

  /* traffic */
  gint64 t_traffic, t_measure, t_stop, t_measure_end, t_drain_end, t_close_end, t_last_rx;
  gint64 last_tick;
  guint64 inflight_measured;
  PingCounts ping;
  Histogram latency;
  Histogram bulk_latency;
  Histogram loop_lag;    /* tick lateness while measuring */
  guint64 sched_skipped; /* pings due while the loop was stalled, not sent */
  guint64 local_drops;   /* frames our own send backlog did not take */
  guint64 no_peer;
  guint64 bulk_sent, bulk_sent_bytes, bulk_rx, bulk_rx_bytes; /* measured */
  guint64 bulk_deferred_bytes;                                /* offered, but our socket was full */
  guint64 tx_packets, tx_bytes, rx_packets, rx_bytes;         /* all, warm-up and drain too */
  guint64 rx_frames;
  guint64 rx_bad_frames, rx_foreign, rx_misdelivered, rx_corrupt, rx_bogus;
  guint closing;

  /* samples */
  ProcSample relay_begin, relay_setup, relay_measure, relay_stop, relay_end;
  ProcSample self_begin, self_setup, self_measure, self_stop, self_end;
  guint64 relay_rss_peak;
  gint64 last_sample, last_progress;
  char *relay_warning;

  GSource *tick_source;
  GSource *deadline_source;
} Run;

static Run run;

static void set_phase (Phase phase);

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static void
count_error (GHashTable *table, const char *kind, const char *message)
{
  gpointer v = g_hash_table_lookup (table, kind);

  g_hash_table_replace (table, g_strdup (kind), GUINT_TO_POINTER (GPOINTER_TO_UINT (v) + 1));
  if (run.first_error == NULL && message != NULL)
    run.first_error = g_strdup_printf ("%s: %s", kind, message);
}

static void
client_fail (Client *c, const char *kind, const char *message)
{
  if (c->state == C_CONNECTING || c->state == C_HELLO) {
    run.pending--;
    run.failed++;
    count_error (run.setup_errors, kind, message);
  } else if (c->state == C_UP) {
    count_error (run.run_errors, kind, message);
  }
  c->state = C_FAILED;
}

/* ---- addresses and packets -------------------------------------------- */

static guint16
csum_finish (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

static guint32
csum_add (guint32 sum, const guint8 *data, gsize len)
{
  gsize i;

  for (i = 0; i + 1 < len; i += 2)
    sum += (data[i] << 8) | data[i + 1];
  if (i < len)
    sum += data[i] << 8;
  /* fold now and then: no overflow for any IP packet */
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

static gsize
ip_header_len (int family)
{
  return family == AF_INET ? WSTUN_IPV4_MIN_HEADER : WSTUN_IPV6_HEADER;
}

/* Ones' complement sum of the UDP pseudo-header (RFC 768, RFC 8200 8.1)
 * and @udp, folded to 16 bits */
static guint32
udp_sum (const WstunAddr *src, const WstunAddr *dst, const guint8 *udp, gsize udp_len)
{
  gsize alen = wstun_addr_len (src);
  guint8 pseudo[4];
  guint32 sum = 0;

  sum = csum_add (sum, src->bytes, alen);
  sum = csum_add (sum, dst->bytes, alen);
  pseudo[0] = (udp_len >> 24) & 0xff;
  pseudo[1] = (udp_len >> 16) & 0xff;
  pseudo[2] = (udp_len >> 8) & 0xff;
  pseudo[3] = udp_len & 0xff;
  sum = csum_add (sum, pseudo, 4);
  sum += 17; /* protocol / next header: UDP */
  return csum_add (sum, udp, udp_len);
}

/* the checksum of @udp, whose checksum field is zero */
static guint16
udp_checksum (const WstunAddr *src, const WstunAddr *dst, const guint8 *udp, gsize udp_len)
{
  guint16 c = csum_finish (udp_sum (src, dst, udp, udp_len));

  return c == 0 ? 0xffff : c; /* 0 means "none" in IPv4 and is invalid in IPv6 */
}

/* whether @udp, checksum field included, sums up right */
static gboolean
udp_checksum_ok (const WstunAddr *src, const WstunAddr *dst, const guint8 *udp, gsize udp_len)
{
  return csum_finish (udp_sum (src, dst, udp, udp_len)) == 0;
}

static void
put32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static guint32
get32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
put64 (guint8 *p, guint64 v)
{
  put32 (p, v >> 32);
  put32 (p + 4, v & 0xffffffffu);
}

static guint64
get64 (const guint8 *p)
{
  return ((guint64) get32 (p) << 32) | get32 (p + 4);
}

/* Writes one UDP packet of @total IP bytes from @from to @to at @p.
 * Payload: magic, run id, sender, kind, sequence number, send time (all
 * big endian), then zeros. */
static void
put_packet (guint8 *p, gsize total, const Client *from, const Client *to, guint kind, guint64 seq,
            gint64 sent)
{
  int family = from->addr.family;
  gsize ihl = ip_header_len (family);
  gsize udp_len = total - ihl;
  guint8 *udp = p + ihl;
  guint8 *pl = udp + UDP_HEADER;
  guint16 sport = UDP_SRC_BASE + (from->idx % 20000);
  guint16 c;

  memset (p, 0, total);
  if (family == AF_INET) {
    p[0] = 0x45;
    p[2] = total >> 8;
    p[3] = total & 0xff;
    p[4] = (seq >> 8) & 0xff; /* identification */
    p[5] = seq & 0xff;
    p[6] = 0x40; /* DF */
    p[8] = 64;   /* TTL */
    p[9] = 17;   /* UDP */
    memcpy (p + 12, from->addr.bytes, 4);
    memcpy (p + 16, to->addr.bytes, 4);
    c = csum_finish (csum_add (0, p, WSTUN_IPV4_MIN_HEADER));
    p[10] = c >> 8;
    p[11] = c & 0xff;
  } else {
    p[0] = 0x60;
    p[4] = udp_len >> 8;
    p[5] = udp_len & 0xff;
    p[6] = 17; /* next header: UDP */
    p[7] = 64; /* hop limit */
    memcpy (p + 8, from->addr.bytes, 16);
    memcpy (p + 24, to->addr.bytes, 16);
  }
  udp[0] = sport >> 8;
  udp[1] = sport & 0xff;
  udp[2] = UDP_DST_PORT >> 8;
  udp[3] = UDP_DST_PORT & 0xff;
  udp[4] = udp_len >> 8;
  udp[5] = udp_len & 0xff;
  put32 (pl, MAGIC);
  put32 (pl + 4, run.run_id);
  put32 (pl + 8, from->idx);
  pl[12] = kind;
  put64 (pl + 16, seq);
  put64 (pl + 24, (guint64) sent);
  c = udp_checksum (&from->addr, &to->addr, udp, udp_len);
  udp[6] = c >> 8;
  udp[7] = c & 0xff;
}

/* ---- receiving ---------------------------------------------------------- */

static gboolean
measured (gint64 sent)
{
  return sent >= run.t_measure && sent < run.t_stop;
}

static void
on_ping (Client *sender, guint64 seq, gint64 sent, gint64 now)
{
  Slot *s = &sender->ring[seq & (run.ring_size - 1)];

  if (seq >= sender->ping_seq) {
    run.rx_bogus++; /* never sent */
    return;
  }
  if (s->seq != seq || s->state == SLOT_FREE) {
    /* its slot was reused: counted as lost already */
    if (measured (sent))
      run.ping.late++;
    return;
  }
  switch (s->state) {
  case SLOT_WAIT_MEASURED:
    run.ping.delivered++;
    run.inflight_measured--;
    hist_add (&run.latency, now - s->sent);
    break;
  case SLOT_DONE:
    if (measured (s->sent))
      run.ping.duplicated++;
    return;
  default:
    break;
  }
  s->state = SLOT_DONE;
}

static void
on_data (Client *c, guint8 *data, gsize len)
{
  gint64 now = now_us ();
  WstunFrameIter iter;
  WstunPacketInfo info;
  guint8 *p;
  guint n_packets;

  run.rx_frames++;
  run.t_last_rx = now;
  if (wstun_frame_validate (data, len, WSTUN_FRAME_MAX_PACKETS, &n_packets, NULL, NULL) !=
      WSTUN_FRAME_OK) {
    run.rx_bad_frames++;
    return;
  }
  wstun_frame_iter_init (&iter, data, len);
  while (wstun_frame_iter_next (&iter, &p, &info)) {
    gsize ihl = info.version == 4 ? (p[0] & 0x0f) * 4u : WSTUN_IPV6_HEADER;
    const guint8 *udp = p + ihl;
    const guint8 *pl = udp + UDP_HEADER;
    gsize udp_len;
    guint32 sender_idx;
    Client *sender;
    guint64 seq;
    gint64 sent;

    run.rx_packets++;
    run.rx_bytes += info.length;
    if (info.length < ihl + UDP_HEADER + PAYLOAD_HEADER ||
        (info.version == 4 ? p[9] : p[6]) != 17 || get32 (pl) != MAGIC ||
        get32 (pl + 4) != run.run_id) {
      run.rx_foreign++;
      continue;
    }
    udp_len = info.length - ihl;
    sender_idx = get32 (pl + 8);
    if (sender_idx >= run.n) {
      run.rx_corrupt++;
      continue;
    }
    sender = &run.clients[sender_idx];
    if (sender->ring == NULL) { /* not one of the clients that send */
      run.rx_corrupt++;
      continue;
    }
    /* the relay forwards packets unaltered (PROTOCOL.md 4.1) */
    if ((info.version == 4 && csum_finish (csum_add (0, p, ihl)) != 0) ||
        (gsize) ((udp[4] << 8) | udp[5]) != udp_len ||
        !udp_checksum_ok (&info.src, &info.dst, udp, udp_len) ||
        !wstun_addr_equal (&info.src, &sender->addr)) {
      run.rx_corrupt++;
      continue;
    }
    if (!wstun_addr_equal (&info.dst, &c->addr)) {
      run.rx_misdelivered++;
      continue;
    }
    seq = get64 (pl + 16);
    sent = (gint64) get64 (pl + 24);
    if (pl[12] == KIND_PING) {
      on_ping (sender, seq, sent, now);
    } else if (pl[12] == KIND_BULK) {
      if (measured (sent)) {
        run.bulk_rx++;
        run.bulk_rx_bytes += info.length;
        hist_add (&run.bulk_latency, now - sent);
      }
    } else {
      run.rx_corrupt++;
    }
  }
}

/* ---- WebSocket callbacks ------------------------------------------------ */

static gboolean
pick_address (Client *c, const WstunConfig *config, GError **error)
{
  const char *cidr = NULL;
  WstunPrefix prefix;

  if (run.family != AF_INET6 && config->address4 != NULL)
    cidr = config->address4;
  else if (run.family != AF_INET && config->address6 != NULL)
    cidr = config->address6;
  if (cidr == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, "the config has no IPv%s address",
                 run.family == AF_INET    ? "4"
                 : run.family == AF_INET6 ? "6"
                                          : "4 or IPv6");
    return FALSE;
  }
  if (!wstun_prefix_parse (cidr, &prefix, error))
    return FALSE;
  c->addr = prefix.addr;
  c->mtu = config->mtu;
  return TRUE;
}

static void
on_control (Client *c, const guint8 *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) msg = wstun_control_parse ((const char *) data, len, &error);
  gint64 now = now_us ();

  if (msg == NULL) {
    client_fail (c, "bad-control", error->message);
    wstun_ws_close (c->ws, WSTUN_CLOSE_BAD_MESSAGE, NULL);
    return;
  }
  if (msg->type == WSTUN_CONTROL_ERROR) {
    g_autofree char *kind = g_strdup_printf ("error-%s", msg->error.code);
    client_fail (c, kind, msg->error.message);
    return; /* the relay closes */
  }
  /* a client given up on (timed out) is closing already */
  if (msg->type != WSTUN_CONTROL_CONFIG || c->state != C_HELLO || c->timed_out)
    return;
  if (!pick_address (c, &msg->config, &error)) {
    client_fail (c, "config", error->message);
    wstun_ws_close (c->ws, WSTUN_WS_CLOSE_NORMAL, NULL);
    return;
  }
  c->state = C_UP;
  run.pending--;
  run.connected++;
  hist_add (&run.setup_hist, now - c->t_start);
  if (run.t_first_up == 0)
    run.t_first_up = now;
  run.t_last_up = now;
}

static void
on_ws_message (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data)
{
  Client *c = user_data;

  (void) ws;
  if (opcode == WSTUN_WS_OPCODE_TEXT)
    on_control (c, data, len);
  else if (c->state == C_UP || c->state == C_CLOSING)
    on_data (c, data, len);
}

static void
on_ws_closed (WstunWs *ws, guint16 code, const char *reason, const GError *error,
              gpointer user_data)
{
  Client *c = user_data;
  g_autofree char *kind = g_strdup_printf ("close-%u", code);

  (void) ws;
  if (c->state == C_CLOSING) {
    c->state = C_DONE;
    run.closing--;
    return;
  }
  if (c->state == C_HELLO && c->timed_out) {
    client_fail (c, "timeout-config", "no config in time");
    return;
  }
  if (c->state == C_HELLO || c->state == C_UP)
    client_fail (c, kind, error != NULL ? error->message : reason);
}

/* ---- a light stream for WstunWs (ws:// only) -------------------------- */

/* With thousands of connections, the tool would otherwise be as slow as
 * the relay it measures, and for the same reason. The upgraded stream
 * libsoup hands over is a SoupIOStream over a GSocketConnection, and the
 * source WstunWs watches it with is three nested sources: GLib blocks a
 * source and its children while dispatching it (unless it may recurse),
 * which removes the socket's descriptor from the main context's poll
 * records and adds it back, two walks of a linked list of every descriptor
 * (GLib 2.74) and two wake-ups of the loop, for every socket that has
 * data. That is O(clients) per packet: at 5000 clients the tool's loop was
 * late by 190 ms. LightStream gives WstunWs the socket itself, watched by
 * one source that may recurse: no blocking, no list walks.
 *
 * It bypasses libsoup's buffering after the HTTP response. That is safe
 * here: a wstun relay sends nothing after its 101 before the client's
 * hello, which goes out only after this stream took over. wss:// keeps
 * libsoup's stream (the TLS connection is what must be read). --soup-io
 * keeps it always, as wstund does. */

typedef struct {
  GSource source;
  GObject *stream; /* what the callback gets, as a GPollableSourceFunc */
} FdSource;

static gboolean
fd_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  FdSource *fs = (FdSource *) source;

  if (callback == NULL)
    return G_SOURCE_REMOVE;
  return ((GPollableSourceFunc) (void (*) (void)) callback) (fs->stream, user_data);
}

static void
fd_source_finalize (GSource *source)
{
  g_clear_object (&((FdSource *) source)->stream);
}

/* no prepare or check: a source whose descriptor polled ready is dispatched */
static GSourceFuncs fd_source_funcs = {
  .dispatch = fd_source_dispatch,
  .finalize = fd_source_finalize,
};

static GSource *
fd_source_new (GObject *stream, GSocket *socket, GIOCondition condition)
{
  GSource *source = g_source_new (&fd_source_funcs, sizeof (FdSource));

  ((FdSource *) source)->stream = g_object_ref (stream);
  g_source_add_unix_fd (source, g_socket_get_fd (socket), condition | G_IO_HUP | G_IO_ERR);
  g_source_set_can_recurse (source, TRUE);
  g_source_set_static_name (source, "wstun-loadgen socket");
  return source;
}

#define LIGHT_TYPE_INPUT (light_input_get_type ())
G_DECLARE_FINAL_TYPE (LightInput, light_input, LIGHT, INPUT, GInputStream)
struct _LightInput {
  GInputStream parent;
  GSocket *socket;
};
static void light_input_pollable_init (GPollableInputStreamInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE (LightInput, light_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      light_input_pollable_init))

static gssize
light_input_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                  GError **error)
{
  return g_socket_receive_with_blocking (LIGHT_INPUT (stream)->socket, buffer, count, TRUE,
                                         cancellable, error);
}

static gboolean
light_input_is_readable (GPollableInputStream *stream)
{
  return g_socket_condition_check (LIGHT_INPUT (stream)->socket, G_IO_IN) != 0;
}

static GSource *
light_input_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  (void) cancellable; /* WstunWs passes none */
  return fd_source_new (G_OBJECT (stream), LIGHT_INPUT (stream)->socket, G_IO_IN);
}

static gssize
light_input_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count,
                              GError **error)
{
  return g_socket_receive_with_blocking (LIGHT_INPUT (stream)->socket, buffer, count, FALSE, NULL,
                                         error);
}

static void
light_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->is_readable = light_input_is_readable;
  iface->create_source = light_input_create_source;
  iface->read_nonblocking = light_input_read_nonblocking;
}

static void
light_input_finalize (GObject *object)
{
  g_clear_object (&LIGHT_INPUT (object)->socket);
  G_OBJECT_CLASS (light_input_parent_class)->finalize (object);
}

static void
light_input_class_init (LightInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = light_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = light_input_read;
}

static void
light_input_init (LightInput *self)
{
  (void) self;
}

#define LIGHT_TYPE_OUTPUT (light_output_get_type ())
G_DECLARE_FINAL_TYPE (LightOutput, light_output, LIGHT, OUTPUT, GOutputStream)
struct _LightOutput {
  GOutputStream parent;
  GSocket *socket;
};
static void light_output_pollable_init (GPollableOutputStreamInterface *iface);
G_DEFINE_FINAL_TYPE_WITH_CODE (LightOutput, light_output, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_OUTPUT_STREAM,
                                                      light_output_pollable_init))

static gssize
light_output_write (GOutputStream *stream, const void *buffer, gsize count,
                    GCancellable *cancellable, GError **error)
{
  return g_socket_send_with_blocking (LIGHT_OUTPUT (stream)->socket, buffer, count, TRUE,
                                      cancellable, error);
}

static gboolean
light_output_is_writable (GPollableOutputStream *stream)
{
  return g_socket_condition_check (LIGHT_OUTPUT (stream)->socket, G_IO_OUT) != 0;
}

static GSource *
light_output_create_source (GPollableOutputStream *stream, GCancellable *cancellable)
{
  (void) cancellable;
  return fd_source_new (G_OBJECT (stream), LIGHT_OUTPUT (stream)->socket, G_IO_OUT);
}

static gssize
light_output_write_nonblocking (GPollableOutputStream *stream, const void *buffer, gsize count,
                                GError **error)
{
  return g_socket_send_with_blocking (LIGHT_OUTPUT (stream)->socket, buffer, count, FALSE, NULL,
                                      error);
}

static void
light_output_pollable_init (GPollableOutputStreamInterface *iface)
{
  iface->is_writable = light_output_is_writable;
  iface->create_source = light_output_create_source;
  iface->write_nonblocking = light_output_write_nonblocking;
}

static void
light_output_finalize (GObject *object)
{
  g_clear_object (&LIGHT_OUTPUT (object)->socket);
  G_OBJECT_CLASS (light_output_parent_class)->finalize (object);
}

static void
light_output_class_init (LightOutputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = light_output_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = light_output_write;
}

static void
light_output_init (LightOutput *self)
{
  (void) self;
}

/* Owns libsoup's stream (closing this closes it, and so the socket). */
#define LIGHT_TYPE_STREAM (light_stream_get_type ())
G_DECLARE_FINAL_TYPE (LightStream, light_stream, LIGHT, STREAM, GIOStream)
struct _LightStream {
  GIOStream parent;
  GIOStream *base;
  GInputStream *input;
  GOutputStream *output;
};
G_DEFINE_FINAL_TYPE (LightStream, light_stream, G_TYPE_IO_STREAM)

static GInputStream *
light_stream_get_input_stream (GIOStream *stream)
{
  return LIGHT_STREAM (stream)->input;
}

static GOutputStream *
light_stream_get_output_stream (GIOStream *stream)
{
  return LIGHT_STREAM (stream)->output;
}

static gboolean
light_stream_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  return g_io_stream_close (LIGHT_STREAM (stream)->base, cancellable, error);
}

/* Closing a socket does not block: no thread for it (GIOStream's default) */
static void
light_stream_close_async (GIOStream *stream, int io_priority, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (stream, cancellable, callback, user_data);
  GError *error = NULL;

  (void) io_priority;
  if (light_stream_close (stream, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
light_stream_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  (void) stream;
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
light_stream_finalize (GObject *object)
{
  LightStream *self = LIGHT_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (light_stream_parent_class)->finalize (object);
}

static void
light_stream_class_init (LightStreamClass *klass)
{
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = light_stream_finalize;
  io_class->get_input_stream = light_stream_get_input_stream;
  io_class->get_output_stream = light_stream_get_output_stream;
  io_class->close_fn = light_stream_close;
  io_class->close_async = light_stream_close_async;
  io_class->close_finish = light_stream_close_finish;
}

static void
light_stream_init (LightStream *self)
{
  (void) self;
}

/* A LightStream over @soup_stream's socket, or NULL when it has none
 * (wss://, or a libsoup whose stream does not say) */
static GIOStream *
light_stream_new (GIOStream *soup_stream)
{
  g_autoptr (GIOStream) base = NULL;
  LightStream *self;
  LightInput *in;
  LightOutput *out;
  GSocket *socket;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (soup_stream), "base-iostream") == NULL)
    return NULL;
  g_object_get (soup_stream, "base-iostream", &base, NULL);
  if (base == NULL || !G_IS_SOCKET_CONNECTION (base))
    return NULL;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  in = g_object_new (LIGHT_TYPE_INPUT, NULL);
  in->socket = g_object_ref (socket);
  out = g_object_new (LIGHT_TYPE_OUTPUT, NULL);
  out->socket = g_object_ref (socket);
  self = g_object_new (LIGHT_TYPE_STREAM, NULL);
  self->base = g_object_ref (soup_stream);
  self->input = G_INPUT_STREAM (in);
  self->output = G_OUTPUT_STREAM (out);
  return G_IO_STREAM (self);
}

/* ---- connecting ------------------------------------------------------- */

/* A stable word for why a handshake failed */
static char *
classify_error (Client *c, const GError *error)
{
  guint status = c->msg != NULL ? soup_message_get_status (c->msg) : 0;

  if (c->timed_out)
    return g_strdup ("timeout-upgrade");
  if (status >= 100 && status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return g_strdup_printf ("http-%u", status);
  if (error->domain == G_TLS_ERROR)
    return g_strdup ("tls");
  if (error->domain == G_IO_ERROR) {
    switch (error->code) {
    case G_IO_ERROR_CONNECTION_REFUSED:
      return g_strdup ("refused");
    case G_IO_ERROR_TIMED_OUT:
      return g_strdup ("timeout-connect");
    case G_IO_ERROR_CONNECTION_CLOSED: /* also G_IO_ERROR_BROKEN_PIPE */
      return g_strdup ("reset");
    case G_IO_ERROR_ADDRESS_IN_USE:
      return g_strdup ("address-in-use");
    case G_IO_ERROR_TOO_MANY_OPEN_FILES:
      return g_strdup ("too-many-files");
    default:
      break;
    }
  }
  if (error->domain == SOUP_SESSION_ERROR)
    return g_strdup ("http-broken");
  if (error->domain == SOUP_WEBSOCKET_ERROR)
    return g_strdup ("not-websocket");
  return g_strdup ("other");
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const WstunWsCallbacks callbacks = {
    .message = on_ws_message,
    .closed = on_ws_closed,
  };
  static const WstunHello hello = {
    .version = WSTUN_PROTOCOL_VERSION,
    .software = (char *) "wstun-loadgen/" PACKAGE_VERSION,
  };
  Client *c = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  SoupWebsocketConnection *conn;
  GIOStream *stream;
  g_autoptr (GIOStream) light = NULL;

  run.callbacks--;
  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_clear_object (&c->cancellable);
  if (conn == NULL) {
    if (c->state == C_CONNECTING) {
      g_autofree char *kind = classify_error (c, error);
      client_fail (c, kind, error->message);
    }
    g_clear_object (&c->msg);
    return;
  }
  c->soup_conn = conn;
  g_clear_object (&c->msg);
  if (c->state != C_CONNECTING) /* given up on meanwhile */
    return;
  if (c->timed_out) {
    client_fail (c, "timeout-upgrade", "upgraded too late");
    return;
  }
  if (g_strcmp0 (soup_websocket_connection_get_protocol (conn), WSTUN_SUBPROTOCOL) != 0) {
    client_fail (c, "protocol", "the relay did not select wstun.v1");
    return;
  }
  stream = wstun_ws_take_over (conn, &error);
  if (stream == NULL) {
    client_fail (c, "internal", error->message);
    return;
  }
  if (!opt_soup_io)
    light = light_stream_new (stream);
  c->ws = wstun_ws_new (light != NULL ? light : stream, WSTUN_WS_ROLE_CLIENT);
  /* its readiness is the socket's: one watch in the reactor, as wstund */
  if (light != NULL)
    wstun_ws_set_socket (c->ws, LIGHT_INPUT (LIGHT_STREAM (light)->input)->socket);
  wstun_ws_set_max_backlog (c->ws, BACKLOG);
  c->state = C_HELLO;
  wstun_ws_start (c->ws, &callbacks, c);
  json = wstun_hello_to_json (&hello);
  wstun_ws_send_text (c->ws, json, -1);
}

/* Source addresses in use at most: each takes a SoupSession, which keeps
 * two sources in the main context while handshakes run, and those cost
 * every iteration of the loop. With one session per client, set-up slowed
 * from 2,700 to 570 connections/s between 1,000 and 10,000 clients, the
 * tool the bottleneck; 64 addresses leave each of them ports to spare. */
#define MAX_SESSIONS 64

static SoupSession *
session_for (guint i)
{
  SoupSession *s;

  if (run.n_sources == 0)
    i = 0;
  else
    i %= MIN (run.n_sources, MAX_SESSIONS);
  s = g_ptr_array_index (run.sessions, i);
  if (s == NULL) {
    g_autoptr (GSocketAddress) local = NULL;

    if (run.n_sources > 0) {
      g_autoptr (GInetAddress) a = g_inet_address_new_from_bytes (
        run.sources[i].bytes,
        run.sources[i].family == AF_INET ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);
      local = g_inet_socket_address_new (a, 0);
    }
    /* no proxy resolver: nothing may come between us and the relay */
    s = soup_session_new_with_options ("user-agent", "wstun-loadgen/" PACKAGE_VERSION " ",
                                       "proxy-resolver", NULL, "local-address", local, "max-conns",
                                       opt_max_pending + 16, "max-conns-per-host",
                                       opt_max_pending + 16, "timeout", 0, NULL);
    if (run.ca != NULL)
      soup_session_set_tls_database (s, run.ca);
    g_ptr_array_index (run.sessions, i) = s;
  }
  return s;
}

/* Once every handshake has ended, the sessions are of no more use: the
 * WebSockets were taken out of them. Each one keeps two sources in the
 * main context (its message queue's and another), which every iteration
 * of the loop prepares and checks: with --sources, one session per
 * address, 2000 clients had 4000 of them besides their own 6000. */
static void
drop_sessions (void)
{
  if (run.callbacks > 0 || run.sessions == NULL || run.sessions_dropped)
    return;
  for (guint i = 0; i < run.sessions->len; i++)
    g_clear_object (&g_ptr_array_index (run.sessions, i));
  run.sessions_dropped = TRUE;
}

static void
start_client (Client *c)
{
  const char *protocols[] = { WSTUN_SUBPROTOCOL, NULL };

  c->msg = soup_message_new (SOUP_METHOD_GET, opt_urls[c->idx % g_strv_length (opt_urls)]);
  if (run.token != NULL) {
    g_autofree char *value = g_strconcat ("Bearer ", run.token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (c->msg), "Authorization",
                                  value);
  }
  c->cancellable = g_cancellable_new ();
  c->state = C_CONNECTING;
  c->t_start = now_us ();
  run.started++;
  run.pending++;
  run.callbacks++;
  soup_session_websocket_connect_async (session_for (c->session), c->msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, c->cancellable, on_connected, c);
}

/* starts what the rate and --max-pending allow */
static void
pump_connects (gint64 now)
{
  guint64 allowed = run.n;

  if (opt_connect_rate > 0)
    allowed = MIN (run.n, (guint64) ((now - run.t_begin) / 1e6 * opt_connect_rate) + 1);
  while (run.started < allowed && run.pending < (guint) opt_max_pending)
    start_client (&run.clients[run.started]);
}

/* gives up on the handshakes that take too long */
static void
check_timeouts (gint64 now, gint64 limit_us)
{
  for (guint i = 0; i < run.started; i++) {
    Client *c = &run.clients[i];

    if ((c->state != C_CONNECTING && c->state != C_HELLO) || c->timed_out ||
        now - c->t_start < limit_us)
      continue;
    c->timed_out = TRUE;
    if (c->state == C_CONNECTING) {
      /* on_connected() counts it: "timeout-upgrade" */
      g_cancellable_cancel (c->cancellable);
    } else {
      /* on_ws_closed() counts it: "timeout-config" */
      wstun_ws_close (c->ws, WSTUN_WS_CLOSE_NORMAL, NULL);
    }
  }
}

/* ---- sending ------------------------------------------------------------ */

static Client *
next_ping_peer (Client *c)
{
  /* round-robin over the others, skipping those that went away */
  for (guint tries = 0; tries < 8; tries++) {
    guint off = 1 + (guint) ((c->ping_seq + tries) % (run.n_peers - 1));
    Client *d = &run.clients[run.peers[(c->pos + off) % run.n_peers]];
    if (d->state == C_UP)
      return d;
  }
  return NULL;
}

static void
send_frame (Client *c, gsize len, guint n_packets, guint64 first_seq, guint n_pings)
{
  WstunWsSendResult r;

  r = wstun_ws_send_frame (c->ws, WSTUN_WS_OPCODE_BINARY, run.frame + WSTUN_WS_HEADROOM, len, TRUE);
  if (r == WSTUN_WS_SEND_OK) {
    run.tx_packets += n_packets;
    run.tx_bytes += len;
    return;
  }
  run.local_drops++;
  /* the pings of this frame were not sent after all */
  for (guint i = 0; i < n_pings; i++) {
    Slot *s = &c->ring[(first_seq + i) & (run.ring_size - 1)];
    if (s->state == SLOT_WAIT_MEASURED) {
      run.inflight_measured--;
      run.ping.sent--;
    }
    s->state = SLOT_FREE;
  }
}

static void
send_pings (Client *c, gint64 now, guint count)
{
  gsize size = ip_header_len (c->addr.family) + UDP_HEADER + opt_payload;
  gsize len = 0;
  guint n = 0;
  guint64 first = c->ping_seq;

  for (guint i = 0; i < count; i++) {
    Client *d = next_ping_peer (c);
    Slot *s;

    if (d == NULL) {
      run.no_peer++;
      continue;
    }
    if (len + size > WSTUN_FRAME_MAX || n >= WSTUN_FRAME_MAX_PACKETS)
      break;
    s = &c->ring[c->ping_seq & (run.ring_size - 1)];
    if (s->state == SLOT_WAIT_MEASURED) {
      run.ping.lost++;
      run.inflight_measured--;
    }
    s->seq = c->ping_seq;
    s->sent = now;
    s->state = measured (now) ? SLOT_WAIT_MEASURED : SLOT_WAIT;
    if (s->state == SLOT_WAIT_MEASURED) {
      run.ping.sent++;
      run.inflight_measured++;
    }
    put_packet (run.frame + WSTUN_WS_HEADROOM + len, size, c, d, KIND_PING, c->ping_seq, now);
    c->ping_seq++;
    len += size;
    n++;
  }
  if (n > 0)
    send_frame (c, len, n, first, n);
}

static void
send_bulk (Client *c, gint64 now, gint64 elapsed)
{
  Client *d = &run.clients[c->bulk_dst];
  double rate = opt_bulk_rate * 1e6 / 8 / 1e6; /* bytes per µs */
  /* catch up on the time since the last tick (late when the loop is
   * busy), but after a stall no more than a few ticks' worth at once */
  double cap = MAX (rate * MAX (4.0 * opt_tick_ms * 1000, 2.0 * elapsed), 2.0 * opt_bulk_size);
  gsize size = MIN ((gsize) opt_bulk_size, (gsize) c->mtu);

  c->bulk_credit += rate * elapsed;
  if (c->bulk_credit > cap) {
    if (measured (now))
      run.bulk_deferred_bytes += (guint64) (c->bulk_credit - cap);
    c->bulk_credit = cap;
  }
  if (d->state != C_UP)
    return;
  /* our own socket is the gate: only as much as it takes now */
  while (c->bulk_credit >= size && wstun_ws_get_backlog (c->ws) == 0 && wstun_ws_is_open (c->ws)) {
    gsize len = 0;
    guint n = 0;

    while (c->bulk_credit >= size && len + size <= WSTUN_FRAME_MAX && n < WSTUN_FRAME_MAX_PACKETS) {
      put_packet (run.frame + WSTUN_WS_HEADROOM + len, size, c, d, KIND_BULK, c->bulk_seq++, now);
      len += size;
      n++;
      c->bulk_credit -= size;
      if (measured (now)) {
        run.bulk_sent++;
        run.bulk_sent_bytes += size;
      }
    }
    send_frame (c, len, n, 0, 0);
  }
}

static void
send_due (gint64 now)
{
  gint64 elapsed = run.last_tick > 0 ? now - run.last_tick : 0;
  double t = (now - run.t_traffic) / 1e6;
  /* what is due since the last tick (late when the loop is busy), but
   * after a stall no more than a few ticks' worth at once */
  guint cap = (guint) ceil (opt_rate * MAX (4.0 * opt_tick_ms / 1000.0, 2.0 * elapsed / 1e6)) + 4;

  /* how late the tick came: the tool's own main loop lag */
  if (elapsed > 0 && run.phase == PHASE_MEASURE)
    hist_add (&run.loop_lag, MAX (elapsed - opt_tick_ms * 1000, 0));
  run.last_tick = now;
  if (run.n_peers < 2)
    return;
  for (guint i = 0; i < run.n_peers; i++) {
    Client *c = &run.clients[run.peers[i]];
    guint64 due;

    if (c->state != C_UP)
      continue;
    if (opt_rate > 0) {
      due = (guint64) floor (t * opt_rate + c->phase);
      if (due > c->ping_due) {
        guint64 n = due - c->ping_due;
        c->ping_due = due;
        if (n > cap) {
          run.sched_skipped += n - cap;
          n = cap;
        }
        send_pings (c, now, (guint) n);
      }
    }
    if (c->bulk && c->state == C_UP)
      send_bulk (c, now, elapsed);
  }
}

/* ---- phases ------------------------------------------------------------- */

static void
sample_all (ProcSample *relay, ProcSample *self)
{
  if (opt_relay_pid > 0) {
    *relay = sample_pid (opt_relay_pid);
    if (relay->ok)
      run.relay_rss_peak = MAX (run.relay_rss_peak, relay->rss_kb);
  }
  *self = sample_pid (getpid ());
}

static void
start_traffic (void)
{
  gint64 now = now_us ();

  run.peers = g_new (guint, run.n);
  for (guint i = 0; i < run.n; i++) {
    Client *c = &run.clients[i];
    if (c->state == C_UP) {
      c->pos = run.n_peers;
      run.peers[run.n_peers++] = i;
    }
  }
  for (guint j = 0; j < run.n_peers; j++) {
    Client *c = &run.clients[run.peers[j]];
    c->phase = (double) j / run.n_peers;
    c->ring = g_new0 (Slot, run.ring_size);
    if (run.n_peers >= 2 && j < (guint) opt_bulk) {
      c->bulk = TRUE;
      c->bulk_dst = run.peers[(j + MAX (run.n_peers / 2, 1)) % run.n_peers];
    }
  }
  run.t_traffic = now;
  run.t_measure = now + (gint64) (opt_warmup * G_USEC_PER_SEC);
  run.t_stop = run.t_measure + (gint64) (opt_duration * G_USEC_PER_SEC);
  run.t_drain_end = run.t_stop + (gint64) (opt_drain * G_USEC_PER_SEC);
}

static void
start_closing (void)
{
  run.t_close_end = now_us () + CLOSE_WAIT_US;
  for (guint i = 0; i < run.n; i++) {
    Client *c = &run.clients[i];

    if (c->state == C_UP) {
      c->state = C_CLOSING;
      run.closing++;
      wstun_ws_close (c->ws, WSTUN_WS_CLOSE_NORMAL, NULL);
    }
  }
}

/* In-flight pings at the end are lost. */
static void
settle_rings (void)
{
  for (guint j = 0; j < run.n_peers; j++) {
    Client *c = &run.clients[run.peers[j]];
    for (guint k = 0; k < run.ring_size; k++) {
      if (c->ring[k].state == SLOT_WAIT_MEASURED) {
        c->ring[k].state = SLOT_FREE;
        run.ping.lost++;
        run.inflight_measured--;
      }
    }
  }
}

static void
set_phase (Phase phase)
{
  gint64 now = now_us ();

  run.phase = phase;
  switch (phase) {
  case PHASE_SETUP:
    break;
  case PHASE_WARMUP:
    /* the handshakes that did not finish in the set-up time do not now */
    check_timeouts (now, 0);
    run.t_setup_end = now;
    sample_all (&run.relay_setup, &run.self_setup);
    start_traffic ();
    if (run.n_peers < 2) {
      run.aborted = TRUE;
      run.abort_reason =
        g_strdup_printf ("only %u client(s) connected: no traffic possible", run.n_peers);
      set_phase (PHASE_CLOSE);
      return;
    }
    break;
  case PHASE_MEASURE:
    sample_all (&run.relay_measure, &run.self_measure);
    break;
  case PHASE_DRAIN:
    run.t_measure_end = now;
    sample_all (&run.relay_stop, &run.self_stop);
    break;
  case PHASE_CLOSE:
    if (run.t_measure_end == 0 && run.t_measure > 0) {
      /* cut short: the measured window ends here */
      run.t_measure_end = MIN (now, run.t_stop);
      sample_all (&run.relay_stop, &run.self_stop);
    }
    if (run.ring_size > 0 && run.peers != NULL)
      settle_rings ();
    start_closing ();
    break;
  case PHASE_END:
    sample_all (&run.relay_end, &run.self_end);
    g_main_loop_quit (run.loop);
    break;
  }
}

static void
progress (gint64 now)
{
  static const char *names[] = { "set-up", "warm-up", "measuring", "draining", "closing", "end" };

  if (opt_quiet || now - run.last_progress < PROGRESS_US)
    return;
  run.last_progress = now;
  g_printerr ("wstun-loadgen: %5.1f s %-9s connected %u/%u, pending %u, failed %u; packets sent "
              "%" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT "\n",
              (now - run.t_begin) / 1e6, names[run.phase], run.connected, run.n, run.pending,
              run.failed, run.tx_packets, run.rx_packets);
}

static gboolean
on_tick (gpointer user_data)
{
  gint64 now = now_us ();

  (void) user_data;
  if (opt_relay_pid > 0 && now - run.last_sample >= SAMPLE_US) {
    ProcSample s = sample_pid (opt_relay_pid);
    run.last_sample = now;
    if (s.ok)
      run.relay_rss_peak = MAX (run.relay_rss_peak, s.rss_kb);
  }
  progress (now);
  switch (run.phase) {
  case PHASE_SETUP:
    check_timeouts (now, (gint64) (opt_connect_timeout * G_USEC_PER_SEC));
    pump_connects (now);
    if ((run.started == run.n && run.pending == 0) ||
        now - run.t_begin >= (gint64) (opt_setup_timeout * G_USEC_PER_SEC))
      set_phase (PHASE_WARMUP);
    break;
  case PHASE_WARMUP:
  case PHASE_MEASURE:
    drop_sessions ();
    if (run.phase == PHASE_WARMUP && now >= run.t_measure)
      set_phase (PHASE_MEASURE);
    if (run.phase == PHASE_MEASURE && now >= run.t_stop) {
      set_phase (PHASE_DRAIN);
      break;
    }
    send_due (now);
    break;
  case PHASE_DRAIN:
    if (now >= run.t_drain_end ||
        (run.inflight_measured == 0 && now - run.t_last_rx >= QUIET_AFTER_US))
      set_phase (PHASE_CLOSE);
    break;
  case PHASE_CLOSE:
    if (run.closing == 0 || now >= run.t_close_end)
      set_phase (PHASE_END);
    break;
  case PHASE_END:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  (void) user_data;
  g_clear_pointer (&run.deadline_source, g_source_unref);
  run.aborted = TRUE;
  g_free (run.abort_reason);
  run.abort_reason = g_strdup ("the hard deadline was reached");
  if (run.phase < PHASE_CLOSE)
    set_phase (PHASE_CLOSE);
  set_phase (PHASE_END);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  (void) user_data;
  if (run.phase >= PHASE_CLOSE) {
    set_phase (PHASE_END);
  } else {
    run.aborted = TRUE;
    g_free (run.abort_reason);
    run.abort_reason = g_strdup ("interrupted");
    if (run.phase == PHASE_SETUP)
      check_timeouts (now_us (), 0);
    set_phase (PHASE_CLOSE);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- report ---------------------------------------------------------- */

static void
add_num (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (v == floor (v) && fabs (v) < 1e15)
    json_builder_add_int_value (b, (gint64) v);
  else
    json_builder_add_double_value (b, round (v * 1000) / 1000);
}

static void
add_hist (JsonBuilder *b, const char *name, const Histogram *h)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_num (b, "count", h->count);
  add_num (b, "p50_ms", hist_quantile (h, 0.50) / 1000);
  add_num (b, "p90_ms", hist_quantile (h, 0.90) / 1000);
  add_num (b, "p99_ms", hist_quantile (h, 0.99) / 1000);
  add_num (b, "max_ms", h->max / 1000.0);
  add_num (b, "mean_ms", h->count > 0 ? h->sum / h->count / 1000 : 0);
  json_builder_end_object (b);
}

static void
add_table (JsonBuilder *b, const char *name, GHashTable *t)
{
  GHashTableIter iter;
  gpointer k, v;

  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  g_hash_table_iter_init (&iter, t);
  while (g_hash_table_iter_next (&iter, &k, &v))
    add_num (b, k, GPOINTER_TO_UINT (v));
  json_builder_end_object (b);
}

static void
add_proc (JsonBuilder *b, const char *name, const ProcSample *begin, const ProcSample *setup,
          const ProcSample *measure, const ProcSample *stop, const ProcSample *end,
          guint64 rss_peak)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  add_num (b, "cpu_pct_setup", cpu_pct (begin, setup));
  add_num (b, "cpu_pct_measure", cpu_pct (measure, stop));
  add_num (b, "rss_kb_start", begin->ok ? begin->rss_kb : 0);
  add_num (b, "rss_kb_after_setup", setup->ok ? setup->rss_kb : 0);
  add_num (b, "rss_kb_end", stop->ok ? stop->rss_kb : end->ok ? end->rss_kb : 0);
  add_num (b, "rss_kb_peak", rss_peak);
  add_num (b, "hwm_kb", end->ok ? end->hwm_kb : stop->ok ? stop->hwm_kb : 0);
  json_builder_end_object (b);
}

static double
seconds (gint64 a, gint64 b)
{
  return b > a ? (b - a) / 1e6 : 0;
}

static double
setup_rate (void)
{
  double s = seconds (run.t_begin, run.t_last_up);
  return s > 0 ? run.connected / s : 0;
}

static double
loss_pct (void)
{
  return run.ping.sent > 0 ? 100.0 * run.ping.lost / run.ping.sent : 0;
}

/* the measured window as it was: shorter when the run was cut short */
static double
measured_seconds (void)
{
  return seconds (run.t_measure, run.t_measure_end);
}

static double
bulk_mbps (guint64 bytes)
{
  double s = measured_seconds ();
  return s > 0 ? bytes * 8 / s / 1e6 : 0;
}

static double
relay_rss_per_1000 (void)
{
  if (!run.relay_begin.ok || !run.relay_setup.ok || run.connected == 0)
    return 0;
  return ((double) run.relay_setup.rss_kb - run.relay_begin.rss_kb) / run.connected * 1000;
}

static char *
report_json (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, opt_url);
  add_num (b, "clients", run.n);
  add_num (b, "rate_pps", opt_rate);
  add_num (b, "duration_s", opt_duration);
  add_num (b, "measured_s", measured_seconds ());
  add_num (b, "warmup_s", opt_warmup);
  add_num (b, "family",
           run.n_peers > 0 ? (run.clients[run.peers[0]].addr.family == AF_INET ? 4 : 6) : 0);
  json_builder_set_member_name (b, "aborted");
  json_builder_add_boolean_value (b, run.aborted);
  if (run.abort_reason != NULL) {
    json_builder_set_member_name (b, "abort_reason");
    json_builder_add_string_value (b, run.abort_reason);
  }

  json_builder_set_member_name (b, "setup");
  json_builder_begin_object (b);
  add_num (b, "started", run.started);
  add_num (b, "connected", run.connected);
  add_num (b, "failed", run.failed);
  add_num (b, "seconds", seconds (run.t_begin, run.t_last_up));
  add_num (b, "handshakes_per_s", setup_rate ());
  add_hist (b, "time", &run.setup_hist);
  add_table (b, "errors", run.setup_errors);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "ping");
  json_builder_begin_object (b);
  add_num (b, "sent", run.ping.sent);
  add_num (b, "delivered", run.ping.delivered);
  add_num (b, "lost", run.ping.lost);
  add_num (b, "loss_pct", loss_pct ());
  add_num (b, "duplicated", run.ping.duplicated);
  add_num (b, "late", run.ping.late);
  add_num (b, "skipped", run.sched_skipped);
  add_hist (b, "latency", &run.latency);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "bulk");
  json_builder_begin_object (b);
  add_num (b, "senders", MIN ((guint) opt_bulk, run.n_peers >= 2 ? run.n_peers : 0));
  add_num (b, "offered_mbps",
           opt_bulk > 0 ? opt_bulk_rate * MIN ((guint) opt_bulk, run.n_peers) : 0);
  add_num (b, "sent_mbps", bulk_mbps (run.bulk_sent_bytes));
  add_num (b, "received_mbps", bulk_mbps (run.bulk_rx_bytes));
  add_num (b, "sent_packets", run.bulk_sent);
  add_num (b, "received_packets", run.bulk_rx);
  add_num (b, "deferred_bytes", run.bulk_deferred_bytes);
  add_hist (b, "latency", &run.bulk_latency);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "totals");
  json_builder_begin_object (b);
  add_num (b, "tx_packets", run.tx_packets);
  add_num (b, "tx_bytes", run.tx_bytes);
  add_num (b, "rx_packets", run.rx_packets);
  add_num (b, "rx_bytes", run.rx_bytes);
  add_num (b, "rx_frames", run.rx_frames);
  add_num (b, "rx_bad_frames", run.rx_bad_frames);
  add_num (b, "rx_foreign", run.rx_foreign);
  add_num (b, "rx_corrupt", run.rx_corrupt);
  add_num (b, "rx_misdelivered", run.rx_misdelivered);
  add_num (b, "rx_bogus", run.rx_bogus);
  add_num (b, "local_drops", run.local_drops);
  add_num (b, "no_peer", run.no_peer);
  json_builder_end_object (b);

  add_hist (b, "loadgen_loop_lag", &run.loop_lag);
  add_table (b, "run_errors", run.run_errors);
  if (run.first_error != NULL) {
    json_builder_set_member_name (b, "first_error");
    json_builder_add_string_value (b, run.first_error);
  }
  if (opt_relay_pid > 0) {
    add_proc (b, "relay", &run.relay_begin, &run.relay_setup, &run.relay_measure, &run.relay_stop,
              &run.relay_end, run.relay_rss_peak);
    add_num (b, "relay_rss_kb_per_1000_clients", relay_rss_per_1000 ());
    if (run.relay_warning != NULL) {
      json_builder_set_member_name (b, "relay_warning");
      json_builder_add_string_value (b, run.relay_warning);
    }
  }
  add_proc (b, "loadgen", &run.self_begin, &run.self_setup, &run.self_measure, &run.self_stop,
            &run.self_end, MAX (run.self_stop.rss_kb, run.self_end.rss_kb));
  {
    double la[3];
    if (getloadavg (la, 3) == 3) {
      json_builder_set_member_name (b, "loadavg");
      json_builder_begin_array (b);
      for (int i = 0; i < 3; i++)
        json_builder_add_double_value (b, la[i]);
      json_builder_end_array (b);
    }
  }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

static int
compare_keys (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char *
table_text (GHashTable *t)
{
  GString *s = g_string_new (NULL);
  g_autofree gpointer *keys = NULL;
  guint n;

  keys = g_hash_table_get_keys_as_array (t, &n);
  qsort (keys, n, sizeof *keys, compare_keys);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s %u", i > 0 ? ", " : "", (char *) keys[i],
                            GPOINTER_TO_UINT (g_hash_table_lookup (t, keys[i])));
  if (n == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

static char *
pct_text (double pct)
{
  return pct < 0 ? g_strdup ("n/a") : g_strdup_printf ("%.1f %%", pct);
}

static void
print_proc_text (const char *name, const ProcSample *begin, const ProcSample *setup,
                 const ProcSample *measure, const ProcSample *stop, const ProcSample *end,
                 guint64 peak)
{
  g_autofree char *measuring = pct_text (cpu_pct (measure, stop));
  g_autofree char *setting_up = pct_text (cpu_pct (begin, setup));
  const ProcSample *last = stop->ok ? stop : end;

  g_print ("%-10s CPU %s while measuring, %s during set-up; RSS %.1f MiB at start, "
           "%.1f after set-up, %.1f at the end, peak %.1f\n",
           name, measuring, setting_up, begin->rss_kb / 1024.0, setup->rss_kb / 1024.0,
           last->rss_kb / 1024.0, peak / 1024.0);
}

static void
print_text (void)
{
  g_autofree char *setup_errors = table_text (run.setup_errors);
  g_autofree char *run_errors = table_text (run.run_errors);
  const Histogram *l = &run.latency, *s = &run.setup_hist;
  double la[3] = { 0 };

  g_print ("wstun-loadgen: %s, %u clients, %g packets/s each, %.1f s measured after %g s warm-up, "
           "IPv%d\n",
           opt_url, run.n, opt_rate, measured_seconds (), opt_warmup,
           run.n_peers > 0 && run.clients[run.peers[0]].addr.family == AF_INET6 ? 6 : 4);
  if (run.aborted)
    g_print ("ABORTED:   %s\n", run.abort_reason);
  g_print ("clients    %u connected, %u failed, of %u; in %.2f s: %.0f handshakes/s\n",
           run.connected, run.failed, run.n, seconds (run.t_begin, run.t_last_up), setup_rate ());
  g_print ("set-up     p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           hist_quantile (s, 0.5) / 1000, hist_quantile (s, 0.9) / 1000,
           hist_quantile (s, 0.99) / 1000, s->max / 1000.0);
  g_print ("packets    sent %" G_GUINT64_FORMAT ", delivered %" G_GUINT64_FORMAT
           ", lost %" G_GUINT64_FORMAT " (%.3f %%), duplicated %" G_GUINT64_FORMAT
           ", late %" G_GUINT64_FORMAT ", skipped %" G_GUINT64_FORMAT "\n",
           run.ping.sent, run.ping.delivered, run.ping.lost, loss_pct (), run.ping.duplicated,
           run.ping.late, run.sched_skipped);
  g_print ("latency    p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms (one way)\n",
           hist_quantile (l, 0.5) / 1000, hist_quantile (l, 0.9) / 1000,
           hist_quantile (l, 0.99) / 1000, l->max / 1000.0);
  if (opt_bulk > 0)
    g_print ("bulk       %d senders at %g Mbit/s: sent %.1f Mbit/s, received %.1f Mbit/s "
             "(loss %.3f %%), latency p50 %.3f ms, p99 %.3f ms\n",
             MIN (opt_bulk, (int) run.n_peers), opt_bulk_rate, bulk_mbps (run.bulk_sent_bytes),
             bulk_mbps (run.bulk_rx_bytes),
             run.bulk_sent > 0
               ? 100.0 * (run.bulk_sent - MIN (run.bulk_rx, run.bulk_sent)) / run.bulk_sent
               : 0,
             hist_quantile (&run.bulk_latency, 0.5) / 1000,
             hist_quantile (&run.bulk_latency, 0.99) / 1000);
  g_print ("totals     tx %" G_GUINT64_FORMAT " packets, rx %" G_GUINT64_FORMAT
           " packets; bad frames %" G_GUINT64_FORMAT ", foreign %" G_GUINT64_FORMAT
           ", corrupt %" G_GUINT64_FORMAT ", misdelivered %" G_GUINT64_FORMAT
           ", local drops %" G_GUINT64_FORMAT "\n",
           run.tx_packets, run.rx_packets, run.rx_bad_frames, run.rx_foreign, run.rx_corrupt,
           run.rx_misdelivered, run.local_drops);
  if (opt_relay_pid > 0) {
    print_proc_text ("relay", &run.relay_begin, &run.relay_setup, &run.relay_measure,
                     &run.relay_stop, &run.relay_end, run.relay_rss_peak);
    if (run.connected > 0)
      g_print ("           %.0f kB of RSS per 1000 clients (after set-up, over start)\n",
               relay_rss_per_1000 ());
    if (run.relay_warning != NULL)
      g_print ("           warning: %s\n", run.relay_warning);
  }
  print_proc_text ("loadgen", &run.self_begin, &run.self_setup, &run.self_measure, &run.self_stop,
                   &run.self_end, MAX (run.self_stop.rss_kb, run.self_end.rss_kb));
  /* a busy loop here delays what it receives, and shows in the latency */
  g_print ("           its main loop late by p50 %.2f ms, p99 %.2f ms, max %.2f ms%s\n",
           hist_quantile (&run.loop_lag, 0.5) / 1000, hist_quantile (&run.loop_lag, 0.99) / 1000,
           run.loop_lag.max / 1000.0,
           hist_quantile (&run.loop_lag, 0.5) > hist_quantile (&run.latency, 0.5) / 4
             ? ": much of the latency may be the tool's own"
             : "");
  g_print ("errors     set-up: %s; while running: %s\n", setup_errors, run_errors);
  if (run.first_error != NULL)
    g_print ("           first: %s\n", run.first_error);
  if (getloadavg (la, 3) == 3)
    g_print ("load       %.2f %.2f %.2f\n", la[0], la[1], la[2]);
}

/* ---- set-up and checks ------------------------------------------------ */

static gboolean
parse_sources (const char *spec, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (spec, ",", 0);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (WstunAddr));

  for (guint i = 0; parts[i] != NULL && out->len < run.n; i++) {
    const char *p = g_strstrip (parts[i]);
    WstunPrefix prefix;
    guint max_len, host_bits;
    guint64 first = 1, last;

    if (*p == '\0')
      continue;
    if (strchr (p, '/') == NULL) {
      WstunAddr a;
      if (!wstun_addr_parse (p, &a, error))
        goto fail;
      g_array_append_val (out, a);
      continue;
    }
    if (!wstun_prefix_parse (p, &prefix, error))
      goto fail;
    max_len = prefix.addr.family == AF_INET ? 32 : 128;
    host_bits = max_len - prefix.prefix_len;
    if (host_bits == 0) {
      first = last = 0;
    } else if (host_bits == 1) {
      first = 0;
      last = 1;
    } else {
      /* network and (IPv4) broadcast addresses left out */
      last = host_bits >= 63 ? G_MAXINT64 : ((guint64) 1 << host_bits) - 2;
    }
    for (guint64 h = first; h <= last && out->len < run.n; h++) {
      WstunAddr a;
      if (!wstun_prefix_nth (&prefix, h, &a))
        break;
      g_array_append_val (out, a);
    }
  }
  if (out->len == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "no address in --sources");
    goto fail;
  }
  run.n_sources = out->len;
  run.sources = (WstunAddr *) (void *) g_array_free (out, FALSE);
  return TRUE;

fail:
  g_array_free (out, TRUE);
  return FALSE;
}

/* Raises the soft limit of file descriptors to the hard one and checks
 * that N clients fit. */
static gboolean
check_fds (GError **error)
{
  struct rlimit rl;
  rlim_t need = (rlim_t) run.n + FD_SLACK;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, "getrlimit: %s", g_strerror (errno));
    return FALSE;
  }
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
      getrlimit (RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                 "%u clients need %lu file descriptors, but this process may open only %lu "
                 "(hard limit %lu): raise it (ulimit -Hn as root, LimitNOFILE=) or use fewer "
                 "clients",
                 run.n, (unsigned long) need, (unsigned long) rl.rlim_cur,
                 (unsigned long) rl.rlim_max);
    return FALSE;
  }
  return TRUE;
}

/* Warns about limits outside this process that N clients would hit. */
static void
check_environment (void)
{
  g_autofree char *range = NULL;
  guint lo = 0, hi = 0;

  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &range, NULL, NULL) &&
      sscanf (range, "%u %u", &lo, &hi) == 2 && hi > lo) {
    guint per_source = (run.n + MAX (run.n_sources, 1) - 1) / MAX (run.n_sources, 1);
    if (per_source > hi - lo + 1)
      g_printerr ("wstun-loadgen: warning: %u clients per source address, but only %u local "
                  "ports (ip_local_port_range): use --sources\n",
                  per_source, hi - lo + 1);
  }
  if (opt_relay_pid > 0) {
    g_autofree char *path = g_strdup_printf ("/proc/%d/limits", opt_relay_pid);
    g_autofree char *limits = NULL;
    const char *line;

    if (!g_file_get_contents (path, &limits, NULL, NULL)) {
      g_printerr ("wstun-loadgen: warning: cannot read %s: no relay figures\n", path);
      opt_relay_pid = 0;
      return;
    }
    line = strstr (limits, "Max open files");
    if (line != NULL) {
      guint64 soft = g_ascii_strtoull (line + strlen ("Max open files"), NULL, 10);
      /* the relay needs one per client and a few of its own */
      if (soft > 0 && soft < (guint64) run.n + 32) {
        run.relay_warning = g_strdup_printf ("the relay may open only %" G_GUINT64_FORMAT
                                             " files (its RLIMIT_NOFILE): it fails "
                                             "beyond about %" G_GUINT64_FORMAT " clients",
                                             soft, soft > 32 ? soft - 32 : 0);
        g_printerr ("wstun-loadgen: warning: %s\n", run.relay_warning);
      }
    }
  }
}

static gboolean
check_options (GError **error)
{
  if (opt_urls == NULL || opt_urls[0] == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "--url ws://HOST:PORT/ is needed");
    return FALSE;
  }
  for (guint i = 0; opt_urls[i] != NULL; i++) {
    if (!g_str_has_prefix (opt_urls[i], "ws://") && !g_str_has_prefix (opt_urls[i], "wss://")) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   "--url %s: ws://HOST:PORT/ or wss://HOST:PORT/", opt_urls[i]);
      return FALSE;
    }
  }
  opt_url = g_strjoinv (",", opt_urls);
  if (opt_clients < 2 || opt_clients > MAX_CLIENTS || opt_max_pending < 1 || opt_connect_rate < 0 ||
      opt_connect_timeout <= 0 || opt_setup_timeout <= 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 "--clients must be 2 to %d, --max-pending at least 1, the timeouts positive",
                 MAX_CLIENTS);
    return FALSE;
  }
  if (opt_rate < 0 || opt_rate > 100000 || opt_duration <= 0 || opt_duration > 86400 ||
      opt_warmup < 0 || opt_drain < 0 || opt_loss_window <= 0 || opt_tick_ms < 1 ||
      opt_tick_ms > 1000) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 "--rate 0 to 100000, --duration above 0, --warmup and --drain not negative, "
                 "--loss-window positive, --tick 1 to 1000");
    return FALSE;
  }
  /* IPv6 is the larger header */
  if (opt_payload < PAYLOAD_HEADER || opt_payload + WSTUN_IPV6_HEADER + UDP_HEADER > 65535 ||
      opt_bulk < 0 || opt_bulk_rate <= 0 ||
      opt_bulk_size < WSTUN_IPV6_HEADER + UDP_HEADER + PAYLOAD_HEADER || opt_bulk_size > 65535) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 "--payload %d to %d, --bulk not negative, --bulk-rate positive, --bulk-size %d "
                 "to 65535",
                 PAYLOAD_HEADER, 65535 - WSTUN_IPV6_HEADER - UDP_HEADER,
                 WSTUN_IPV6_HEADER + UDP_HEADER + PAYLOAD_HEADER);
    return FALSE;
  }
  if (opt_family == NULL || g_str_equal (opt_family, "auto"))
    run.family = 0;
  else if (g_str_equal (opt_family, "4"))
    run.family = AF_INET;
  else if (g_str_equal (opt_family, "6"))
    run.family = AF_INET6;
  else {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "--family 4, 6 or auto");
    return FALSE;
  }
  return TRUE;
}

static void
unref_session (gpointer session)
{
  if (session != NULL) /* dropped, or never needed */
    g_object_unref (session);
}

static gboolean
prepare (GError **error)
{
  guint64 want;

  run.n = opt_clients;
  if (!check_options (error))
    return FALSE;
  if (opt_sources != NULL && !parse_sources (opt_sources, error))
    return FALSE;
  if (!check_fds (error))
    return FALSE;
  /* enough ring slots that a packet is awaited --loss-window seconds */
  want = (guint64) ceil (opt_rate * opt_loss_window) + 2;
  run.ring_size = 4;
  while (run.ring_size < want && run.ring_size < (1u << 30))
    run.ring_size <<= 1;
  if ((guint64) run.ring_size * sizeof (Slot) * run.n > MAX_RING_BYTES) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 "%u clients at %g packets/s with a %g s loss window need %" G_GUINT64_FORMAT
                 " MiB of sequence rings, more than %u: lower --rate or --loss-window",
                 run.n, opt_rate, opt_loss_window,
                 (guint64) run.ring_size * sizeof (Slot) * run.n >> 20, MAX_RING_BYTES >> 20);
    return FALSE;
  }
  if (opt_token_file != NULL) {
    run.token = wstun_token_file_read (opt_token_file, error);
    if (run.token == NULL)
      return FALSE;
  }
  if (opt_ca_file != NULL) {
    run.ca = g_tls_file_database_new (opt_ca_file, error);
    if (run.ca == NULL)
      return FALSE;
  }
  check_environment ();

  run.clients = g_new0 (Client, run.n);
  for (guint i = 0; i < run.n; i++) {
    run.clients[i].idx = i;
    run.clients[i].session = i;
    run.clients[i].pos = -1;
  }
  run.sessions = g_ptr_array_new_with_free_func (unref_session);
  g_ptr_array_set_size (run.sessions, CLAMP (run.n_sources, 1, MAX_SESSIONS));
  run.frame = g_malloc (WSTUN_WS_HEADROOM + WSTUN_FRAME_MAX);
  run.setup_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.run_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.run_id = g_random_int ();
  return TRUE;
}

static void
cleanup (void)
{
  gint64 end;

  /* handshakes still under way end as cancelled; closings run out */
  for (guint i = 0; i < run.n; i++) {
    Client *c = &run.clients[i];
    if (c->cancellable != NULL)
      g_cancellable_cancel (c->cancellable);
    if (c->ws != NULL)
      wstun_ws_detach (c->ws);
  }
  end = now_us () + 2 * G_USEC_PER_SEC;
  while ((run.callbacks > 0 || g_main_context_pending (NULL)) && now_us () < end) {
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  }
  for (guint i = 0; i < run.n; i++) {
    Client *c = &run.clients[i];
    g_clear_object (&c->ws);
    g_clear_object (&c->soup_conn);
    g_clear_object (&c->msg);
    g_clear_object (&c->cancellable);
    g_free (c->ring);
  }
  /* what the detached streams still had to do */
  end = now_us () + G_USEC_PER_SEC;
  while (g_main_context_pending (NULL) && now_us () < end)
    g_main_context_iteration (NULL, FALSE);
  g_clear_pointer (&run.sessions, g_ptr_array_unref);
  g_clear_pointer (&run.clients, g_free);
  g_clear_pointer (&run.peers, g_free);
  g_clear_pointer (&run.sources, g_free);
  g_clear_pointer (&run.frame, g_free);
  g_clear_pointer (&run.setup_errors, g_hash_table_unref);
  g_clear_pointer (&run.run_errors, g_hash_table_unref);
  g_clear_pointer (&run.first_error, g_free);
  g_clear_pointer (&run.abort_reason, g_free);
  g_clear_pointer (&run.relay_warning, g_free);
  g_clear_object (&run.ca);
  if (run.token != NULL)
    memset (run.token, 0, strlen (run.token));
  g_clear_pointer (&run.token, g_free);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  guint sigint, sigterm;
  double hard_s;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (
    context, "N simulated wstun.v1 clients against one relay, no TUN devices: connection set-up, "
             "packet loss and one-way latency, the relay's CPU and memory.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1) {
    g_printerr ("wstun-loadgen: %s\n", error != NULL ? error->message : "unexpected arguments");
    return 2;
  }
  if (!prepare (&error)) {
    g_printerr ("wstun-loadgen: %s\n", error->message);
    cleanup ();
    return 2;
  }

  run.loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, on_signal, NULL);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, NULL);
  /* the whole run, whatever happens */
  hard_s =
    opt_setup_timeout + opt_warmup + opt_duration + opt_drain + CLOSE_WAIT_US / 1e6 + HARD_SLACK_S;
  run.deadline_source = g_timeout_source_new_seconds ((guint) ceil (hard_s));
  g_source_set_callback (run.deadline_source, on_deadline, NULL, NULL);
  g_source_attach (run.deadline_source, NULL);

  run.t_begin = now_us ();
  sample_all (&run.relay_begin, &run.self_begin);
  run.last_sample = run.t_begin;
  run.phase = PHASE_SETUP;
  run.tick_source = g_timeout_source_new (opt_tick_ms);
  g_source_set_callback (run.tick_source, on_tick, NULL, NULL);
  g_source_attach (run.tick_source, NULL);
  pump_connects (run.t_begin);

  g_main_loop_run (run.loop);

  g_source_destroy (run.tick_source);
  g_clear_pointer (&run.tick_source, g_source_unref);
  if (run.deadline_source != NULL) {
    g_source_destroy (run.deadline_source);
    g_clear_pointer (&run.deadline_source, g_source_unref);
  }
  g_source_remove (sigint);
  g_source_remove (sigterm);

  if (opt_json || opt_json_file != NULL) {
    g_autofree char *json = report_json ();
    g_autoptr (GError) write_error = NULL;

    if (opt_json)
      g_print ("%s\n", json);
    if (opt_json_file != NULL && !g_file_set_contents (opt_json_file, json, -1, &write_error)) {
      g_printerr ("wstun-loadgen: %s\n", write_error->message);
      run.aborted = TRUE;
    }
  }
  if (!opt_json)
    print_text ();
  fflush (stdout);
  run.exit_status = run.aborted ? 1 : 0;
  cleanup ();
  g_main_loop_unref (run.loop);
  g_free (opt_url);
  g_strfreev (opt_urls);
  g_free (opt_token_file);
  g_free (opt_ca_file);
  g_free (opt_family);
  g_free (opt_sources);
  g_free (opt_json_file);
  return run.exit_status;
}
