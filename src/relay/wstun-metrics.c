/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-metrics.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <stdio.h>

#include "wstun-error.h"

struct _WstunMetrics {
  GObject parent_instance;
  WstunRelay *relay;
  SoupServer *server;
};

G_DEFINE_FINAL_TYPE (WstunMetrics, wstun_metrics, G_TYPE_OBJECT)

static void
metric (GString *out, const char *name, const char *type, const char *help, guint64 value)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n", name, help,
                          name, type, name, value);
}

static guint64
rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;
  guint64 kb = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  if (line != NULL)
    sscanf (line, "VmRSS: %" G_GUINT64_FORMAT, &kb);
  return kb * 1024;
}

char *
wstun_metrics_render (WstunRelay *relay)
{
  const WstunRouterCounters *c = wstun_relay_get_counters (relay);
  GString *out = g_string_new (NULL);
  struct {
    const char *reason;
    guint64 value;
  } drops[] = {
    { "malformed_frame", c->drop_malformed },
    { "spoofed_source", c->drop_spoofed },
    { "no_route", c->drop_no_route },
    { "unroutable", c->drop_unroutable },
    { "loop", c->drop_loop },
    { "backlog_full", c->drop_backlog },
    { "queue_delay", c->drop_delay },
    { "bad_offload", c->drop_offload },
    { "relay_unreachable", c->drop_unreachable },
  };

  metric (out, "wstun_relay_clients", "gauge", "Connected clients",
          wstun_relay_get_n_clients (relay));
  metric (out, "wstun_relay_connections_total", "counter", "WebSocket connections accepted",
          wstun_relay_get_n_accepted (relay));
  metric (out, "wstun_relay_refused_total", "counter", "Upgrade requests refused",
          wstun_relay_get_n_refused (relay));
  metric (out, "wstun_relay_rx_frames_total", "counter", "Data frames received", c->rx_frames);
  metric (out, "wstun_relay_rx_packets_total", "counter", "IP packets received", c->rx_packets);
  metric (out, "wstun_relay_rx_bytes_total", "counter", "IP bytes received", c->rx_bytes);
  metric (out, "wstun_relay_tx_frames_total", "counter", "Data frames sent", c->tx_frames);
  metric (out, "wstun_relay_tx_packets_total", "counter", "IP packets sent", c->tx_packets);
  metric (out, "wstun_relay_tx_bytes_total", "counter", "IP bytes sent", c->tx_bytes);
  metric (out, "wstun_relay_segmented_total", "counter",
          "Super-packets cut for clients without offload", c->tx_segmented);
  g_string_append (out, "# HELP wstun_relay_dropped_total Packets (frames for malformed_frame) "
                        "dropped, by reason\n# TYPE wstun_relay_dropped_total counter\n");
  for (guint i = 0; i < G_N_ELEMENTS (drops); i++)
    g_string_append_printf (out, "wstun_relay_dropped_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            drops[i].reason, drops[i].value);
  {
    const WstunGateCounters *g = wstun_gate_get_counters (wstun_relay_get_gate (relay));
    const WstunSessionCounters *sc = wstun_relay_get_session_counters (relay);
    struct {
      const char *reason;
      guint64 value;
    } refusals[] = {
      { "auth_failed", g->auth_failures },     { "auth_rate_limited", g->auth_limited },
      { "pending_full", g->pending_refused },  { "pending_timeout", g->pending_timeouts },
      { "hello_timeout", sc->hello_timeouts }, { "bad_message", sc->bad_messages },
      { "token_revoked", sc->revoked },        { "message_too_big", sc->too_big },
      { "clients_full", g->clients_full },     { "cluster_unavailable", sc->cluster_unavailable },
    };

    g_string_append (out, "# HELP wstun_relay_refusals_total Connections refused or closed by "
                          "the relay's limits, by reason\n"
                          "# TYPE wstun_relay_refusals_total counter\n");
    for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
      g_string_append_printf (out,
                              "wstun_relay_refusals_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              refusals[i].reason, refusals[i].value);
    metric (out, "wstun_relay_pending_connections", "gauge",
            "Connections not yet upgraded to a WebSocket",
            wstun_gate_get_n_pending (wstun_relay_get_gate (relay)));
  }
  for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
    WstunPool *pool = wstun_relay_get_pool (relay, family);
    if (pool != NULL)
      g_string_append_printf (out,
                              "wstun_relay_pool_used{family=\"ipv%d\"} %" G_GUINT64_FORMAT "\n",
                              family == AF_INET ? 4 : 6, wstun_pool_get_used (pool));
  }
  {
    const WstunLeasesCounters *lc = wstun_leases_get_counters (wstun_relay_get_leases (relay));
    WstunState *state = wstun_relay_get_state (relay);
    const WstunStateCounters *st = state != NULL ? wstun_state_get_counters (state) : NULL;

    g_string_append_printf (out,
                            "# HELP wstun_relay_resumes_total Hellos with a resume id, by whether "
                            "it got the addresses back\n"
                            "# TYPE wstun_relay_resumes_total counter\n"
                            "wstun_relay_resumes_total{result=\"hit\"} %" G_GUINT64_FORMAT "\n"
                            "wstun_relay_resumes_total{result=\"miss\"} %" G_GUINT64_FORMAT "\n",
                            lc->resume_hits, lc->resume_misses);
    metric (out, "wstun_relay_replaced_sessions_total", "counter",
            "Live sessions closed because their client resumed them on a new connection (4410)",
            lc->replaced);
    metric (out, "wstun_relay_dead_peer_closes_total", "counter",
            "Clients closed after three silent keepalive intervals (4504)",
            wstun_relay_get_session_counters (relay)->dead_peers);
    metric (out, "wstun_relay_reserved_leases", "gauge",
            "Leases of clients that lost their connection, kept for them to resume",
            wstun_leases_get_n_reserved (wstun_relay_get_leases (relay)));
    g_string_append_printf (out,
                            "# HELP wstun_relay_reservations_ended_total Reservations that ended "
                            "without their client, by how\n"
                            "# TYPE wstun_relay_reservations_ended_total counter\n"
                            "wstun_relay_reservations_ended_total{how=\"expired\"} "
                            "%" G_GUINT64_FORMAT "\n"
                            "wstun_relay_reservations_ended_total{how=\"given_up\"} "
                            "%" G_GUINT64_FORMAT "\n",
                            lc->expired, lc->given_up);
    g_string_append_printf (out,
                            "# HELP wstun_relay_state_writes_total Writes of the state file, by "
                            "result\n"
                            "# TYPE wstun_relay_state_writes_total counter\n"
                            "wstun_relay_state_writes_total{result=\"ok\"} %" G_GUINT64_FORMAT "\n"
                            "wstun_relay_state_writes_total{result=\"error\"} %" G_GUINT64_FORMAT
                            "\n",
                            st != NULL ? st->writes_ok : 0, st != NULL ? st->writes_failed : 0);
    if (st != NULL && st->writes_ok + st->writes_failed > 0)
      g_string_append_printf (out,
                              "# HELP wstun_relay_state_write_seconds How long a write of the "
                              "state file took in its worker thread (JSON and fsyncs)\n"
                              "# TYPE wstun_relay_state_write_seconds gauge\n"
                              "wstun_relay_state_write_seconds{write=\"last\"} %.6f\n"
                              "wstun_relay_state_write_seconds{write=\"slowest\"} %.6f\n",
                              st->last_write_usec / 1e6, st->max_write_usec / 1e6);
  }
  if (wstun_relay_get_claims (relay) != NULL) {
    WstunClaims *claims = wstun_relay_get_claims (relay);
    const WstunClaimsCounters *cc = wstun_claims_get_counters (claims);
    WstunMesh *mesh = wstun_relay_get_mesh (relay);
    const WstunMeshCounters *mc = wstun_mesh_get_counters (mesh);

    metric (out, "wstun_relay_cluster_ready", "gauge",
            "1 when the relay is registered in etcd and has read the claims (admits new clients)",
            wstun_claims_is_ready (claims));
    metric (out, "wstun_relay_cluster_relays", "gauge", "Other relays registered in the cluster",
            wstun_mesh_get_n_relays (mesh));
    metric (out, "wstun_relay_mesh_links", "gauge", "Links to other relays that are up",
            wstun_mesh_get_n_links (mesh));
    metric (out, "wstun_relay_mesh_links_total", "counter", "Links to other relays established",
            mc->links_up);
    metric (out, "wstun_relay_mesh_auth_failures_total", "counter",
            "Relay link requests refused: wrong mesh key or relay id", mc->auth_failures);
    metric (out, "wstun_relay_mesh_dial_failures_total", "counter",
            "Links to other relays that could not be made", mc->dial_failures);
    metric (out, "wstun_relay_cluster_cache_addresses", "gauge",
            "Addresses the relay knows to be claimed in the cluster, by any relay",
            wstun_claims_get_n_cached (claims));
    metric (out, "wstun_relay_etcd_round_trips_total", "counter", "HTTP requests to etcd",
            wstun_etcd_get_round_trips (wstun_relay_get_etcd (relay)));
    g_string_append_printf (out,
                            "# HELP wstun_relay_claims_total Address claims in etcd, by result\n"
                            "# TYPE wstun_relay_claims_total counter\n"
                            "wstun_relay_claims_total{result=\"won\"} %" G_GUINT64_FORMAT "\n"
                            "wstun_relay_claims_total{result=\"conflict\"} %" G_GUINT64_FORMAT "\n"
                            "wstun_relay_claims_total{result=\"failed\"} %" G_GUINT64_FORMAT "\n"
                            "wstun_relay_claims_total{result=\"taken_over\"} %" G_GUINT64_FORMAT
                            "\n"
                            "wstun_relay_claims_total{result=\"lost\"} %" G_GUINT64_FORMAT "\n",
                            cc->claimed, cc->conflicts, cc->failures, cc->takeovers, cc->lost);
    g_string_append_printf (out,
                            "# HELP wstun_relay_claim_seconds How long the last address claim "
                            "took (one etcd transaction)\n"
                            "# TYPE wstun_relay_claim_seconds gauge\n"
                            "wstun_relay_claim_seconds %.6f\n",
                            cc->last_claim_usec / 1e6);
  }
  metric (out, "wstun_relay_resident_bytes", "gauge", "Resident memory of the relay", rss_bytes ());
  if (wstun_relay_get_certificate_expiry (relay) > 0)
    metric (out, "wstun_relay_tls_certificate_expiry_timestamp_seconds", "gauge",
            "When the TLS certificate in use expires (Unix time)",
            wstun_relay_get_certificate_expiry (relay));
  return g_string_free (out, FALSE);
}

static void
on_request (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  WstunMetrics *self = user_data;
  char *body;

  (void) server;
  (void) query;
  if (g_strcmp0 (path, "/metrics") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return;
  }
  body = wstun_metrics_render (self->relay);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE, body,
                                    strlen (body));
}

WstunMetrics *
wstun_metrics_new (WstunRelay *relay, const char *address, GError **error)
{
  g_autoptr (WstunMetrics) self = g_object_new (WSTUN_TYPE_METRICS, NULL);
  g_autoptr (GSocketConnectable) connectable = NULL;
  g_autoptr (GError) local = NULL;
  GNetworkAddress *naddr;
  g_autoptr (GInetAddress) inet = NULL;
  g_autoptr (GSocketAddress) sockaddr = NULL;

  connectable = g_network_address_parse (address, 0, &local);
  if (connectable == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Invalid metrics address “%s”: %s"), address, local->message);
    return NULL;
  }
  naddr = G_NETWORK_ADDRESS (connectable);
  inet = g_inet_address_new_from_string (g_network_address_get_hostname (naddr));
  if (inet == NULL || g_network_address_get_port (naddr) == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Metrics address “%s” must be a numeric IP address and a port"), address);
    return NULL;
  }
  sockaddr = g_inet_socket_address_new (inet, g_network_address_get_port (naddr));

  self->relay = g_object_ref (relay);
  self->server = soup_server_new ("server-header", "wstun-relay/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
  wstun_soup_server_plug_socket_leak (self->server); /* every scrape is a connection */
  if (!soup_server_listen (self->server, sockaddr, 0, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
wstun_metrics_dispose (GObject *object)
{
  WstunMetrics *self = WSTUN_METRICS (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->relay);
  G_OBJECT_CLASS (wstun_metrics_parent_class)->dispose (object);
}

static void
wstun_metrics_class_init (WstunMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wstun_metrics_dispose;
}

static void
wstun_metrics_init (WstunMetrics *self)
{
  (void) self;
}
