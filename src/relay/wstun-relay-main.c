/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-relay: command line, configuration file, signals and main loop */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "wstun-fd-limit.h"
#include "wstun-metrics.h"
#include "wstun-relay.h"
#include "wstun-token-cmd.h"

#define SHUTDOWN_GRACE_SECONDS 5

typedef struct {
  GMainLoop *loop;
  WstunRelay *relay;
  GSource *force_quit;
  int exit_code;
} RelayMain;

static gboolean
on_force_quit (gpointer user_data)
{
  RelayMain *rm = user_data;

  g_warning ("clients did not close within %d s; exiting anyway", SHUTDOWN_GRACE_SECONDS);
  g_main_loop_quit (rm->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer user_data)
{
  RelayMain *rm = user_data;

  if (rm->force_quit != NULL) /* second signal: do not wait */
    return on_force_quit (rm);
  g_message ("shutting down: closing %u client(s)", wstun_relay_get_n_clients (rm->relay));
  rm->force_quit = g_timeout_source_new_seconds (SHUTDOWN_GRACE_SECONDS);
  g_source_set_callback (rm->force_quit, on_force_quit, rm, NULL);
  g_source_attach (rm->force_quit, NULL);
  wstun_relay_shutdown (rm->relay);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_reload (gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!wstun_gate_reload (wstun_relay_get_gate (user_data), &error))
    g_warning ("SIGHUP: keeping the previous tokens: %s", error->message);
  g_clear_error (&error);
  if (!wstun_relay_reload_certificate (user_data, &error))
    g_warning ("SIGHUP: keeping the previous TLS certificate: %s", error->message);
  return G_SOURCE_CONTINUE;
}

static void
on_stopped (WstunRelay *relay, RelayMain *rm)
{
  (void) relay;
  g_main_loop_quit (rm->loop);
}

int
main (int argc, char **argv)
{
  g_autofree char *config_file = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *pool4 = NULL;
  g_autofree char *pool6 = NULL;
  g_autofree char *metrics_addr = NULL;
  g_autofree char *tokens = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *cluster = NULL;
  g_autofree char *relay_id = NULL;
  g_autofree char *mesh_url = NULL;
  g_autofree char *mesh_key = NULL;
  g_autofree char *mesh_ca = NULL;
  int cluster_ttl = -1;
  g_auto (GStrv) routes = NULL;
  g_auto (GStrv) dns = NULL;
  int mtu = -1, keepalive = -1, max_clients = -1, hello_timeout = -1;
  int max_frame = -1, max_packets = -1, max_pending = -1, auth_failures = -1;
  int resume_grace = -1;
  gint64 backlog = -1;
  gboolean seed_compat = FALSE, verbose = FALSE, version = FALSE;
  /* the defaults are spelled out, as wstun-relay-config.h has them: a
   * macro in the middle of a string cuts its msgid short (po/README.md) */
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
      N_ ("Read settings from the [relay] group of FILE"), N_ ("FILE") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      N_ ("Listen on URL (default ws://0.0.0.0:80, with TLS wss://0.0.0.0:443)"), N_ ("URL") },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens,
      N_ ("Accept only clients with a token of FILE (see the token command)"), N_ ("FILE") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
      N_ ("Serve wss:// with this PEM certificate (chain)"), N_ ("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, N_ ("The PEM private key of --tls-cert"),
      N_ ("FILE") },
    { "pool", 0, 0, G_OPTION_ARG_STRING, &pool4,
      N_ ("IPv4 addresses for clients (default 10.99.0.0/24, \"\" for none)"), N_ ("CIDR") },
    { "pool6", 0, 0, G_OPTION_ARG_STRING, &pool6, N_ ("IPv6 addresses for clients (/64 or longer)"),
      N_ ("CIDR") },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, N_ ("Tunnel MTU pushed to clients (default 65000)"),
      N_ ("BYTES") },
    { "route", 0, 0, G_OPTION_ARG_STRING_ARRAY, &routes,
      N_ ("Extra prefix clients route into the tunnel (repeatable)"), N_ ("CIDR") },
    { "dns", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dns,
      N_ ("DNS server pushed to clients (repeatable)"), N_ ("ADDRESS") },
    { "keepalive", 0, 0, G_OPTION_ARG_INT, &keepalive,
      N_ ("Ping interval; a client silent for 3 intervals is dropped (default 25, 0 off)"),
      N_ ("SECONDS") },
    { "max-clients", 0, 0, G_OPTION_ARG_INT, &max_clients,
      N_ ("Most simultaneous clients (default 1024)"), N_ ("N") },
    { "hello-timeout", 0, 0, G_OPTION_ARG_INT, &hello_timeout,
      N_ ("Time a client has to send hello (default 10)"), N_ ("SECONDS") },
    { "backlog", 0, 0, G_OPTION_ARG_INT64, &backlog,
      N_ ("Send backlog per client; beyond it packets are dropped (default 1048576)"),
      N_ ("BYTES") },
    { "max-frame", 0, 0, G_OPTION_ARG_INT, &max_frame,
      N_ ("Largest WebSocket message accepted (default 262144; larger: close 1009)"),
      N_ ("BYTES") },
    { "max-packets", 0, 0, G_OPTION_ARG_INT, &max_packets,
      N_ ("Most packets in one data frame (default 1024; more: frame dropped)"), N_ ("N") },
    { "max-pending", 0, 0, G_OPTION_ARG_INT, &max_pending,
      N_ ("Most connections not yet upgraded and greeted (default 256)"), N_ ("N") },
    { "auth-failures", 0, 0, G_OPTION_ARG_INT, &auth_failures,
      N_ ("Failed authentications per source address per minute before HTTP 429 (default 30)"),
      N_ ("N") },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      N_ ("Keep the clients' leases in DIR across restarts (default /var/lib/wstun, \"\" for "
          "nowhere)"),
      N_ ("DIR") },
    { "resume-grace", 0, 0, G_OPTION_ARG_INT, &resume_grace,
      N_ ("Keep a lost client's addresses for it this long (default 120, 0 not at all)"),
      N_ ("SECONDS") },
    { "cluster", 0, 0, G_OPTION_ARG_STRING, &cluster,
      N_ ("Join the cluster whose state etcd keeps at URL[,URL…] (e.g. http://10.0.0.1:2379)"),
      N_ ("URLS") },
    { "relay-id", 0, 0, G_OPTION_ARG_STRING, &relay_id,
      N_ ("This relay's name in the cluster (default: the host name)"), N_ ("ID") },
    { "mesh-url", 0, 0, G_OPTION_ARG_STRING, &mesh_url,
      N_ ("Where the cluster's other relays reach this one (ws:// or wss://)"), N_ ("URL") },
    { "mesh-key", 0, 0, G_OPTION_ARG_FILENAME, &mesh_key,
      N_ ("File with the key the cluster's relays share for their links"), N_ ("FILE") },
    { "mesh-ca", 0, 0, G_OPTION_ARG_FILENAME, &mesh_ca,
      N_ ("Trust these PEM CA certificates for the other relays' wss:// (default: the system's)"),
      N_ ("FILE") },
    { "cluster-ttl", 0, 0, G_OPTION_ARG_INT, &cluster_ttl,
      N_ ("How long a relay that stopped answering keeps its addresses (default 10)"),
      N_ ("SECONDS") },
    { "seed-compat", 0, 0, G_OPTION_ARG_NONE, &seed_compat,
      N_ ("Also accept clients of the original text protocol (tx:/rx:)"), NULL },
    { "metrics", 0, 0, G_OPTION_ARG_STRING, &metrics_addr,
      N_ ("Serve Prometheus metrics at http://ADDR:PORT/metrics"), N_ ("ADDR:PORT") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunRelay) relay = NULL;
  g_autoptr (WstunMetrics) metrics = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  WstunRelayConfig config;
  RelayMain rm = { 0 };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_ ("[token add|list|remove …]"));
  g_option_context_set_summary (context,
                                _ ("Relay IP packets between wstun clients over WebSockets."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* options after "token" belong to the token command */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("wstun-relay: %s\n", error->message);
    return 2;
  }
  if (version) {
    g_print ("wstun-relay %s\n", PACKAGE_VERSION);
    return 0;
  }
  if (argc > 1 && g_str_equal (argv[1], "token")) {
    g_autofree char *path = g_strdup (tokens);

    if (path == NULL && config_file != NULL) {
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_file (kf, config_file, G_KEY_FILE_NONE, NULL))
        path = g_key_file_get_string (kf, "relay", "tokens", NULL);
    }
    return wstun_token_command (path, argc - 1, argv + 1);
  }
  if (argc > 1) {
    g_printerr ("wstun-relay: %s\n", _ ("unexpected argument; see --help"));
    return 2;
  }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  wstun_relay_config_init (&config);
  if (config_file != NULL && !wstun_relay_config_load (&config, config_file, &error)) {
    g_printerr ("wstun-relay: %s\n", error->message);
    wstun_relay_config_clear (&config);
    return 2;
  }
  /* the command line wins over the file */
#define TAKE_STR(field, value)                                                                     \
  if (value != NULL) {                                                                             \
    g_free (config.field);                                                                         \
    config.field = g_steal_pointer (&value);                                                       \
  }
  TAKE_STR (listen, listen);
  TAKE_STR (pool4, pool4);
  TAKE_STR (pool6, pool6);
  TAKE_STR (metrics, metrics_addr);
  TAKE_STR (tokens, tokens);
  TAKE_STR (tls_cert, tls_cert);
  TAKE_STR (tls_key, tls_key);
  TAKE_STR (state_dir, state_dir);
  TAKE_STR (cluster, cluster);
  TAKE_STR (relay_id, relay_id);
  TAKE_STR (mesh_url, mesh_url);
  TAKE_STR (mesh_key, mesh_key);
  TAKE_STR (mesh_ca, mesh_ca);
#undef TAKE_STR
  if (cluster_ttl >= 0)
    config.cluster_ttl = cluster_ttl;
  if (routes != NULL) {
    g_strfreev (config.routes);
    config.routes = g_steal_pointer (&routes);
  }
  if (dns != NULL) {
    g_strfreev (config.dns);
    config.dns = g_steal_pointer (&dns);
  }
  if (mtu >= 0)
    config.mtu = mtu;
  if (keepalive >= 0)
    config.keepalive = keepalive;
  if (max_clients >= 0)
    config.max_clients = max_clients;
  if (hello_timeout >= 0)
    config.hello_timeout = hello_timeout;
  if (backlog >= 0)
    config.backlog = backlog;
  if (max_frame >= 0)
    config.max_frame = max_frame;
  if (max_packets >= 0)
    config.max_packets = max_packets;
  if (max_pending >= 0)
    config.max_pending = max_pending;
  if (auth_failures >= 0)
    config.auth_failures = auth_failures;
  if (resume_grace >= 0)
    config.resume_grace = resume_grace;
  if (seed_compat)
    config.seed_compat = TRUE;
  {
    guint64 limit = 0;
    guint fit = wstun_fd_limit_fit_clients (config.max_clients, config.max_pending, &limit);

    if (fit < config.max_clients) {
      /* a log line, as the relay's others: for its operator, in English */
      g_warning ("the file descriptor limit (%" G_GUINT64_FORMAT ") is too low for "
                 "--max-clients %u next to --max-pending %u: taking at most %u clients "
                 "(raise the limit, e.g. LimitNOFILE= in the service unit)",
                 limit, config.max_clients, config.max_pending, fit);
      config.max_clients = fit;
    }
  }

  relay = wstun_relay_new (&config, &error);
  wstun_relay_config_clear (&config);
  if (relay == NULL || !wstun_relay_listen (relay, &error)) {
    g_printerr ("wstun-relay: %s\n", error->message);
    return 1;
  }
  if (wstun_relay_get_config (relay)->metrics != NULL) {
    metrics = wstun_metrics_new (relay, wstun_relay_get_config (relay)->metrics, &error);
    if (metrics == NULL) {
      g_printerr ("wstun-relay: %s\n", error->message);
      return 1;
    }
  }
  if (wstun_relay_get_config (relay)->seed_compat)
    g_message ("seed compatibility on: clients of the original text protocol are accepted");

  loop = g_main_loop_new (NULL, FALSE);
  rm.loop = loop;
  rm.relay = relay;
  g_signal_connect (relay, "stopped", G_CALLBACK (on_stopped), &rm);
  g_unix_signal_add (SIGINT, on_signal, &rm);
  g_unix_signal_add (SIGTERM, on_signal, &rm);
  g_unix_signal_add (SIGHUP, on_reload, relay);
  g_main_loop_run (loop);

  if (rm.force_quit != NULL) {
    g_source_destroy (rm.force_quit);
    g_source_unref (rm.force_quit);
  }
  /* the clients' leases as they are now: reserved for those that went,
   * held for those the grace period cut off */
  wstun_relay_save_state (relay);
  g_message ("stopped");
  return rm.exit_code;
}
