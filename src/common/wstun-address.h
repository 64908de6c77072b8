/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-address.h: compact IPv4/IPv6 addresses and prefixes for the data path */
#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* A plain value type: cheap to copy, hash and compare, unlike GInetAddress,
 * because the relay looks one up for every forwarded packet. */
typedef struct {
  guint8 family;    /* AF_INET or AF_INET6 */
  guint8 bytes[16]; /* network order; IPv4 uses the first 4 */
} WstunAddr;

typedef struct {
  WstunAddr addr;
  guint prefix_len;
} WstunPrefix;

#define WSTUN_ADDR_STRLEN   46 /* INET6_ADDRSTRLEN */
#define WSTUN_PREFIX_STRLEN (WSTUN_ADDR_STRLEN + 4)

void wstun_addr_set_v4 (WstunAddr *addr, const guint8 bytes[4]);
void wstun_addr_set_v6 (WstunAddr *addr, const guint8 bytes[16]);
gsize wstun_addr_len (const WstunAddr *addr);
gboolean wstun_addr_parse (const char *str, WstunAddr *out, GError **error);
const char *wstun_addr_to_string (const WstunAddr *addr, char buf[WSTUN_ADDR_STRLEN]);
gboolean wstun_addr_equal (gconstpointer a, gconstpointer b);
guint wstun_addr_hash (gconstpointer addr);
WstunAddr *wstun_addr_dup (const WstunAddr *addr);

/* Unicast addresses only: multicast, broadcast, unspecified, loopback and
 * link-local addresses are never forwarded between clients. */
gboolean wstun_addr_is_forwardable (const WstunAddr *addr);

gboolean wstun_prefix_parse (const char *str, WstunPrefix *out, GError **error);
const char *wstun_prefix_to_string (const WstunPrefix *prefix, char buf[WSTUN_PREFIX_STRLEN]);
gboolean wstun_prefix_contains (const WstunPrefix *prefix, const WstunAddr *addr);
/* Sets @out to the prefix's network address (all host bits clear). */
void wstun_prefix_network (const WstunPrefix *prefix, WstunAddr *out);
/* The host part of @addr inside @prefix as a number (low 64 bits for IPv6). */
guint64 wstun_prefix_host_index (const WstunPrefix *prefix, const WstunAddr *addr);
/* Sets @out to the address with host number @index inside @prefix. */
gboolean wstun_prefix_nth (const WstunPrefix *prefix, guint64 index, WstunAddr *out);

G_END_DECLS
