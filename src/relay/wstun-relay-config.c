/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-relay-config.h"

#include <glib/gi18n.h>

#include "wstun-cluster.h"
#include "wstun-error.h"
#include "wstun-frame.h"

#define GROUP "relay"

void
wstun_relay_config_init (WstunRelayConfig *config)
{
  *config = (WstunRelayConfig){
    .listen = NULL, /* ws://0.0.0.0:80, or wss://0.0.0.0:443 with TLS */
    .pool4 = g_strdup (WSTUN_RELAY_DEFAULT_POOL4),
    .mtu = WSTUN_RELAY_DEFAULT_MTU,
    .routes = g_new0 (char *, 1),
    .dns = g_new0 (char *, 1),
    .keepalive = WSTUN_RELAY_DEFAULT_KEEPALIVE,
    .max_clients = WSTUN_RELAY_DEFAULT_MAX_CLIENTS,
    .hello_timeout = WSTUN_RELAY_DEFAULT_HELLO_TIMEOUT,
    .backlog = WSTUN_RELAY_DEFAULT_BACKLOG,
    .max_frame = WSTUN_FRAME_MAX,
    .max_packets = WSTUN_FRAME_MAX_PACKETS,
    .max_pending = WSTUN_RELAY_DEFAULT_MAX_PENDING,
    .auth_failures = WSTUN_RELAY_DEFAULT_AUTH_FAILURES,
    .state_dir = g_strdup (WSTUN_RELAY_DEFAULT_STATE_DIR),
    .resume_grace = WSTUN_RELAY_DEFAULT_RESUME_GRACE,
    .cluster_ttl = WSTUN_CLUSTER_DEFAULT_TTL,
  };
}

void
wstun_relay_config_clear (WstunRelayConfig *config)
{
  g_clear_pointer (&config->listen, g_free);
  g_clear_pointer (&config->pool4, g_free);
  g_clear_pointer (&config->pool6, g_free);
  g_clear_pointer (&config->routes, g_strfreev);
  g_clear_pointer (&config->dns, g_strfreev);
  g_clear_pointer (&config->metrics, g_free);
  g_clear_pointer (&config->tokens, g_free);
  g_clear_pointer (&config->tls_cert, g_free);
  g_clear_pointer (&config->tls_key, g_free);
  g_clear_pointer (&config->state_dir, g_free);
  g_clear_pointer (&config->cluster, g_free);
  g_clear_pointer (&config->relay_id, g_free);
  g_clear_pointer (&config->mesh_url, g_free);
  g_clear_pointer (&config->mesh_key, g_free);
  g_clear_pointer (&config->mesh_ca, g_free);
}

static gboolean
load_string (GKeyFile *kf, const char *key, char **out, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *value = g_key_file_get_string (kf, GROUP, key, &local);

  if (value == NULL) {
    if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  g_free (*out);
  *out = value;
  return TRUE;
}

static gboolean
load_strv (GKeyFile *kf, const char *key, GStrv *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  char **value = g_key_file_get_string_list (kf, GROUP, key, NULL, &local);

  if (value == NULL) {
    if (g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  g_strfreev (*out);
  *out = value;
  return TRUE;
}

static gboolean
load_uint (GKeyFile *kf, const char *key, guint64 max, guint64 *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  guint64 value;

  if (!g_key_file_has_key (kf, GROUP, key, NULL))
    return TRUE;
  value = g_key_file_get_uint64 (kf, GROUP, key, &local);
  if (local != NULL) {
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (value > max) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Key “%s” is out of range (at most %llu)"), key, (unsigned long long) max);
    return FALSE;
  }
  *out = value;
  return TRUE;
}

static gboolean
load_guint (GKeyFile *kf, const char *key, guint *out, GError **error)
{
  guint64 value = *out;

  if (!load_uint (kf, key, G_MAXUINT, &value, error))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

gboolean
wstun_relay_config_load (WstunRelayConfig *config, const char *path, GError **error)
{
  static const char *const known[] = {
    "listen",        "pool",        "pool6",        "mtu",           "routes",      "dns",
    "keepalive",     "seed-compat", "max-clients",  "hello-timeout", "backlog",     "metrics",
    "tokens",        "tls-cert",    "tls-key",      "max-frame",     "max-packets", "max-pending",
    "auth-failures", "state-dir",   "resume-grace", "cluster",       "relay-id",    "mesh-url",
    "mesh-key",      "cluster-ttl", NULL,
  };
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) keys = NULL;
  g_autoptr (GError) local = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("Cannot read %s: %s"), path,
                 local->message);
    return FALSE;
  }

  /* a typo in a security-relevant file should not pass silently */
  keys = g_key_file_get_keys (kf, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
    if (!g_strv_contains (known, keys[i])) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("%s: unknown key “%s” in group [%s]"), path, keys[i], GROUP);
      return FALSE;
    }
  }

  if (!load_string (kf, "listen", &config->listen, &local) ||
      !load_string (kf, "pool", &config->pool4, &local) ||
      !load_string (kf, "pool6", &config->pool6, &local) ||
      !load_guint (kf, "mtu", &config->mtu, &local) ||
      !load_strv (kf, "routes", &config->routes, &local) ||
      !load_strv (kf, "dns", &config->dns, &local) ||
      !load_guint (kf, "keepalive", &config->keepalive, &local) ||
      !load_guint (kf, "max-clients", &config->max_clients, &local) ||
      !load_guint (kf, "hello-timeout", &config->hello_timeout, &local) ||
      !load_uint (kf, "backlog", G_MAXUINT32, &config->backlog, &local) ||
      !load_string (kf, "metrics", &config->metrics, &local) ||
      !load_string (kf, "tokens", &config->tokens, &local) ||
      !load_string (kf, "tls-cert", &config->tls_cert, &local) ||
      !load_string (kf, "tls-key", &config->tls_key, &local) ||
      !load_guint (kf, "max-frame", &config->max_frame, &local) ||
      !load_guint (kf, "max-packets", &config->max_packets, &local) ||
      !load_guint (kf, "max-pending", &config->max_pending, &local) ||
      !load_guint (kf, "auth-failures", &config->auth_failures, &local) ||
      !load_string (kf, "state-dir", &config->state_dir, &local) ||
      !load_guint (kf, "resume-grace", &config->resume_grace, &local) ||
      !load_string (kf, "cluster", &config->cluster, &local) ||
      !load_string (kf, "relay-id", &config->relay_id, &local) ||
      !load_string (kf, "mesh-url", &config->mesh_url, &local) ||
      !load_string (kf, "mesh-key", &config->mesh_key, &local) ||
      !load_string (kf, "mesh-ca", &config->mesh_ca, &local) ||
      !load_guint (kf, "cluster-ttl", &config->cluster_ttl, &local)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "%s: %s", path, local->message);
    return FALSE;
  }
  if (g_key_file_has_key (kf, GROUP, "seed-compat", NULL)) {
    config->seed_compat = g_key_file_get_boolean (kf, GROUP, "seed-compat", &local);
    if (local != NULL) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "%s: %s", path, local->message);
      return FALSE;
    }
  }
  return TRUE;
}
