/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-rcvbuf-drops.h: datagrams that found their socket full
 *
 * The kernel counts, per network namespace, the UDP datagrams it dropped
 * because the receiving socket's buffer was full (RcvbufErrors in
 * /proc/net/snmp, Udp6RcvbufErrors in /proc/net/snmp6). It is the one sign
 * a TUN writer gets that it delivers faster than an application reads.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets @total to the IPv4 and IPv6 counts added together, in the network
 * namespace of the calling thread. FALSE when neither can be read. */
gboolean wstun_rcvbuf_drops_read (guint64 *total);

/* Parsers, exposed for tests: the counts in the text of /proc/net/snmp and
 * /proc/net/snmp6. FALSE when the text has no such count. */
gboolean wstun_rcvbuf_drops_parse_snmp (const char *text, guint64 *count);
gboolean wstun_rcvbuf_drops_parse_snmp6 (const char *text, guint64 *count);

G_END_DECLS
