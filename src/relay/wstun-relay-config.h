/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-relay-config.h: the relay's settings, from the command line and
 * the [relay] group of its configuration file */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WSTUN_RELAY_DEFAULT_LISTEN "ws://0.0.0.0:80"
#define WSTUN_RELAY_DEFAULT_POOL4  "10.99.0.0/24"
/* A TCP-carried tunnel never fragments on the wire, so its MTU only sets
 * the packet size the kernels produce: large packets cut the per-packet
 * cost (see PROTOCOL.md). */
#define WSTUN_RELAY_DEFAULT_MTU           65000
#define WSTUN_RELAY_DEFAULT_KEEPALIVE     25
#define WSTUN_RELAY_DEFAULT_MAX_CLIENTS   1024
#define WSTUN_RELAY_DEFAULT_HELLO_TIMEOUT 10
#define WSTUN_RELAY_DEFAULT_BACKLOG       (1024 * 1024)

typedef struct {
  char *listen;
  char *pool4; /* "" or NULL: no IPv4 */
  char *pool6;
  guint mtu;
  GStrv routes; /* extra prefixes pushed to clients */
  GStrv dns;
  guint keepalive;
  gboolean seed_compat;
  guint max_clients;
  guint hello_timeout;
  guint64 backlog;
  char *metrics; /* ADDR:PORT or NULL */
} WstunRelayConfig;

void wstun_relay_config_init (WstunRelayConfig *config);
void wstun_relay_config_clear (WstunRelayConfig *config);
/* Reads the [relay] group of @path over @config; the command line is
 * applied afterwards, so it wins. */
gboolean wstun_relay_config_load (WstunRelayConfig *config, const char *path, GError **error);

G_END_DECLS
