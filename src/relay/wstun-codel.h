/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-codel.h: CoDel (RFC 8289) for a client's send backlog
 *
 * A byte limit alone lets a backlog stand full: 1 MiB is 1.6 ms to a fast
 * client and 400 ms to one on a 20 Mbit/s link, and everything sent to
 * that client, a call or a keystroke as much as a download, waits behind
 * it. CoDel watches how long the oldest queued byte has waited (its
 * sojourn time); once that stays above the target for a whole interval,
 * it drops packets at a rate that grows with the square root of the drop
 * count, until the senders' congestion control has drained the queue.
 * Here it decides at enqueue (the backlog is a byte stream whose head is
 * already framed), with the sojourn time of the head.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 8289's defaults: an acceptable standing delay, and a time longer
 * than most round trips, over which it must persist to count as a queue */
#define WSTUN_CODEL_TARGET_USEC   (5 * 1000)
#define WSTUN_CODEL_INTERVAL_USEC (100 * 1000)
/* No drops while the backlog is smaller than one largest packet. */
#define WSTUN_CODEL_MIN_BACKLOG (64 * 1024)
/* A drop that is due waits for a packet at least this big. Small packets
 * hardly add to the queue, and they are what waits behind it: requests,
 * acknowledgments, a keystroke. Dropping one of them only costs its flow
 * a retransmission timeout (200 ms at least), and the queue stays. */
#define WSTUN_CODEL_MIN_DROP 1024

typedef struct {
  gint64 first_above; /* when a sojourn above the target starts to count, or 0 */
  gint64 drop_next;   /* while dropping: when the next drop is due */
  guint count;        /* drops in this dropping state (carried over a short pause) */
  guint last_count;
  gboolean dropping;
} WstunCodel;

/* Whether the packet of @len bytes arriving at @now should be dropped,
 * when the oldest byte of a backlog of @backlog bytes has waited @sojourn
 * microseconds. */
gboolean wstun_codel_should_drop (WstunCodel *codel, gint64 sojourn, gsize backlog, gsize len,
                                  gint64 now);

G_END_DECLS
