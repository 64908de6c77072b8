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
#define WSTUN_RELAY_DEFAULT_LISTEN_TLS    "wss://0.0.0.0:443"
/* Connections not yet past the upgrade and hello: a bound against
 * slowloris-style clients that connect and say nothing. */
#define WSTUN_RELAY_DEFAULT_MAX_PENDING 256
/* Failed authentications a source address may have per minute before its
 * further attempts are refused unchecked (HTTP 429). */
#define WSTUN_RELAY_DEFAULT_AUTH_FAILURES 30
/* Where the relay keeps its leases across restarts; "" for nowhere. */
#define WSTUN_RELAY_DEFAULT_STATE_DIR "/var/lib/wstun"
/* How long the addresses of a client that lost its connection wait for it
 * to come back with its resume id. */
#define WSTUN_RELAY_DEFAULT_RESUME_GRACE 120

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
  char *metrics;  /* ADDR:PORT or NULL */
  char *tokens;   /* tokens file, NULL: open relay */
  char *tls_cert; /* PEM files for wss:// */
  char *tls_key;
  guint max_frame;   /* largest WebSocket message accepted */
  guint max_packets; /* packets per data frame */
  guint max_pending;
  guint auth_failures; /* per source per minute */
  char *state_dir;     /* "" or NULL: no state file */
  guint resume_grace;  /* seconds; 0: leases are not kept */
  char *cluster;       /* etcd endpoints, NULL: a relay on its own */
  char *relay_id;      /* this relay's name in the cluster */
  char *mesh_url;      /* where the other relays reach this one */
  char *mesh_key;      /* file with the cluster's shared mesh key */
  char *mesh_ca;       /* PEM CAs that sign the other relays' certificates, NULL: the system's */
  guint cluster_ttl;   /* seconds the relay's etcd lease lives without keepalives */
} WstunRelayConfig;

void wstun_relay_config_init (WstunRelayConfig *config);
void wstun_relay_config_clear (WstunRelayConfig *config);
/* Reads the [relay] group of @path over @config; the command line is
 * applied afterwards, so it wins. */
gboolean wstun_relay_config_load (WstunRelayConfig *config, const char *path, GError **error);

G_END_DECLS
