/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-gate.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"
#include "wstun-loglimit.h"
#include "wstun-ratelimit.h"
#include "wstun-reactor.h"

#define LOG_INTERVAL_SECONDS 10
/* all sources together: a flood from many addresses (an IPv6 prefix has
 * plenty) would still write a line per connection */
#define MAX_LOG_LINES_PER_INTERVAL 30
#define MAX_TRACKED_SOURCES        4096
#define MAX_TOKEN_LENGTH           256
#define RELOAD_DELAY_MS            200
/* Connections beyond max-pending get a 503 with Retry-After, which needs
 * their request read (over TLS, their handshake done): at most a quarter
 * of max-pending more of them, for at most this long; beyond, they are
 * hung up at once. */
#define OVERFLOW_TIMEOUT_SECONDS  2
#define MAX_OVERFLOW(max_pending) MAX ((max_pending) / 4, 1)

typedef struct {
  WstunGate *gate;
  SoupServerMessage *msg; /* weak */
  WstunTimer timer;
  gboolean overflow; /* beyond max-pending: answered 503 when its request is in */
} Pending;

struct _WstunGate {
  GObject parent_instance;

  const WstunRelayConfig *config;
  WstunTokens *tokens;
  GFileMonitor *monitor;
  GSource *reload_source;
  WstunReactor *reactor; /* the pending connections' timers */
  GHashTable *pending;   /* SoupServerMessage * -> Pending * */
  guint n_overflow;      /* of them, beyond max-pending */
  WstunRateLimit *auth_limit;
  WstunLogLimit *log_limit;
  gint64 log_window;  /* start of the current interval */
  guint log_lines;    /* lines logged in it */
  guint log_unlogged; /* and not logged */
  WstunGateCounters counters;
};

enum { SIGNAL_TOKENS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunGate, wstun_gate, G_TYPE_OBJECT)

static void G_GNUC_PRINTF (3, 4)
  gate_log (WstunGate *self, const char *key, const char *format, ...)
{
  g_autofree char *msg = NULL;
  gint64 now = g_get_monotonic_time ();
  guint suppressed = 0;
  va_list args;

  if (now - self->log_window >= LOG_INTERVAL_SECONDS * G_USEC_PER_SEC) {
    if (self->log_unlogged > 0)
      g_message ("%u more refusals in the last %d s were not logged: too many sources at once",
                 self->log_unlogged, LOG_INTERVAL_SECONDS);
    self->log_window = now;
    self->log_lines = self->log_unlogged = 0;
  }
  if (self->log_lines >= MAX_LOG_LINES_PER_INTERVAL) {
    self->log_unlogged++;
    return;
  }
  if (!wstun_log_limit_check (self->log_limit, key, now, &suppressed))
    return;
  self->log_lines++;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (suppressed > 0)
    g_message ("%s (and %u more like it in the last %d s)", msg, suppressed, LOG_INTERVAL_SECONDS);
  else
    g_message ("%s", msg);
}

char *
wstun_gate_remote_ip (SoupServerMessage *msg)
{
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);

  if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS (addr))
    return g_strdup ("?");
  return g_inet_address_to_string (
    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
}

/* ---- connections not yet upgraded ------------------------------------ */

static void
pending_free (Pending *p)
{
  if (p->overflow)
    p->gate->n_overflow--;
  wstun_timer_stop (&p->timer);
  g_free (p);
}

static void
hang_up (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  /* libsoup then reads end of stream and drops the connection itself */
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static void
on_msg_finalized (gpointer pending, GObject *msg)
{
  g_hash_table_remove (pending, msg);
}

static void
forget_pending (WstunGate *self, SoupServerMessage *msg)
{
  if (g_hash_table_remove (self->pending, msg)) {
    g_signal_handlers_disconnect_by_data (msg, self);
    g_object_weak_unref (G_OBJECT (msg), on_msg_finalized, self->pending);
  }
}

static void
on_pending_timeout (WstunTimer *timer, gpointer user_data)
{
  Pending *p = user_data;
  WstunGate *self = p->gate;
  SoupServerMessage *msg = p->msg;
  g_autofree char *ip = wstun_gate_remote_ip (msg);
  g_autofree char *key = g_strconcat ("slow:", ip, NULL);

  (void) timer;
  if (!p->overflow) {
    self->counters.pending_timeouts++;
    gate_log (self, key, "closing connection from %s: no WebSocket upgrade within %u s", ip,
              self->config->hello_timeout);
  }
  forget_pending (self, msg);
  hang_up (msg);
}

static void
on_msg_gone (SoupServerMessage *msg, WstunGate *self)
{
  forget_pending (self, msg);
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, WstunGate *self)
{
  Pending *p;
  gboolean overflow = FALSE;
  guint timeout = self->config->hello_timeout;

  (void) server;
  if (wstun_gate_get_n_pending (self) >= self->config->max_pending) {
    g_autofree char *ip = wstun_gate_remote_ip (msg);

    self->counters.pending_refused++;
    if (self->n_overflow >= MAX_OVERFLOW (self->config->max_pending)) {
      gate_log (self, "pending",
                "refusing connection from %s: %u connections are already waiting "
                "to upgrade (max-pending)",
                ip, self->config->max_pending);
      hang_up (msg);
      return;
    }
    gate_log (self, "pending",
              "answering %s with HTTP 503: %u connections are already waiting to upgrade "
              "(max-pending)",
              ip, self->config->max_pending);
    overflow = TRUE;
    timeout = OVERFLOW_TIMEOUT_SECONDS;
  }
  p = g_new0 (Pending, 1);
  p->gate = self;
  p->msg = msg;
  p->overflow = overflow;
  self->n_overflow += overflow;
  wstun_timer_init (&p->timer, on_pending_timeout, p);
  if (timeout > 0)
    wstun_timer_start (&p->timer, self->reactor,
                       g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC, 0);
  g_hash_table_insert (self->pending, msg, p);
  g_object_weak_ref (G_OBJECT (msg), on_msg_finalized, self->pending);
  g_signal_connect (msg, "finished", G_CALLBACK (on_msg_gone), self);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_msg_gone), self);
}

void
wstun_gate_watch (WstunGate *self, SoupServer *server)
{
  g_return_if_fail (WSTUN_IS_GATE (self));
  g_signal_connect_object (server, "request-started", G_CALLBACK (on_request_started), self, 0);
  wstun_soup_server_plug_socket_leak (server);
}

/* libsoup before 3.4.0 (Debian 12 has 3.2.3) keeps a reference to every
 * socket it accepts and never drops it (fixed upstream by "soup-listener:
 * Plug a leak"): about 500 bytes for each connection ever made, so a flood
 * of connections grows the relay without bound. The server connection
 * holds a reference of its own; the one libsoup forgot is dropped here,
 * once per socket, when the connection's first request starts (libsoup
 * emits request-started for every connection it accepts). */
#define SOCKET_REF_DROPPED "wstun-socket-ref-dropped"

static void
drop_leaked_socket_ref (SoupServer *server, SoupServerMessage *msg, gpointer data)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  (void) server;
  (void) data;
  if (socket == NULL || g_object_get_data (G_OBJECT (socket), SOCKET_REF_DROPPED) != NULL)
    return;
  g_object_set_data (G_OBJECT (socket), SOCKET_REF_DROPPED, GINT_TO_POINTER (TRUE));
  g_object_unref (socket);
}

void
wstun_soup_server_plug_socket_leak (SoupServer *server)
{
  if (!soup_check_version (3, 4, 0))
    g_signal_connect (server, "request-started", G_CALLBACK (drop_leaked_socket_ref), NULL);
}

void
wstun_gate_upgraded (WstunGate *self, SoupServerMessage *msg)
{
  g_return_if_fail (WSTUN_IS_GATE (self));
  forget_pending (self, msg);
}

guint
wstun_gate_get_n_pending (WstunGate *self)
{
  return g_hash_table_size (self->pending) - self->n_overflow;
}

gboolean
wstun_gate_is_overflow (WstunGate *self, SoupServerMessage *msg)
{
  Pending *p;

  g_return_val_if_fail (WSTUN_IS_GATE (self), FALSE);
  p = g_hash_table_lookup (self->pending, msg);
  return p != NULL && p->overflow;
}

/* ---- authentication -------------------------------------------------- */

static const char *
bearer_token (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  value += 7;
  while (*value == ' ')
    value++;
  if (*value == '\0' || strlen (value) > MAX_TOKEN_LENGTH)
    return NULL;
  return value;
}

gboolean
wstun_gate_admit (WstunGate *self, SoupServerMessage *msg, const WstunToken **token, guint *status,
                  const char **reason)
{
  g_autofree char *ip = NULL;
  g_autofree char *key = NULL;
  gint64 now = g_get_monotonic_time ();
  const char *presented;

  g_return_val_if_fail (WSTUN_IS_GATE (self), FALSE);

  *token = NULL;
  if (self->tokens == NULL)
    return TRUE;

  ip = wstun_gate_remote_ip (msg);
  if (!wstun_rate_limit_allows (self->auth_limit, ip, now)) {
    self->counters.auth_limited++;
    key = g_strconcat ("limited:", ip, NULL);
    gate_log (self, key, "refusing %s unchecked: more than %u failed authentications a minute", ip,
              self->config->auth_failures);
    *status = 429 /* Too Many Requests */;
    *reason = _ ("Too many failed authentications from your address; try again later");
    return FALSE;
  }

  presented = bearer_token (msg);
  *token = wstun_tokens_verify (self->tokens, presented);
  if (*token != NULL)
    return TRUE;

  wstun_rate_limit_hit (self->auth_limit, ip, now);
  self->counters.auth_failures++;
  key = g_strconcat ("auth:", ip, NULL);
  gate_log (self, key, "refusing %s: %s", ip,
            presented == NULL ? "no bearer token" : "unknown or revoked token");
  *status = SOUP_STATUS_UNAUTHORIZED;
  *reason = presented == NULL ? _ ("This relay requires a token (Authorization: Bearer)")
                              : _ ("Unknown or revoked token");
  return FALSE;
}

void
wstun_gate_refuse_full (WstunGate *self, SoupServerMessage *msg, guint max_clients)
{
  g_autofree char *ip = NULL;
  g_autofree char *key = NULL;

  g_return_if_fail (WSTUN_IS_GATE (self));

  self->counters.clients_full++;
  ip = wstun_gate_remote_ip (msg);
  key = g_strconcat ("full:", ip, NULL);
  gate_log (self, key, "refusing %s: the relay is full (%u clients, --max-clients)", ip,
            max_clients);
}

/* ---- the tokens file ------------------------------------------------- */

gboolean
wstun_gate_reload (WstunGate *self, GError **error)
{
  g_autoptr (GError) local = NULL;
  WstunTokens *tokens;

  g_return_val_if_fail (WSTUN_IS_GATE (self), FALSE);

  if (self->config->tokens == NULL)
    return TRUE;
  tokens = wstun_tokens_load (self->config->tokens, FALSE, &local);
  if (tokens == NULL) {
    /* fail closed: a removed file revokes everything; a broken one keeps
     * the last good set (an editor's half-written file) */
    if (!g_file_test (self->config->tokens, G_FILE_TEST_EXISTS))
      tokens = wstun_tokens_load (self->config->tokens, TRUE, NULL);
    if (tokens == NULL) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  }
  g_clear_pointer (&self->tokens, wstun_tokens_free);
  self->tokens = tokens;
  g_message ("tokens file %s: %u token(s)", self->config->tokens, wstun_tokens_get_n (tokens));
  g_signal_emit (self, signals[SIGNAL_TOKENS_CHANGED], 0);
  return TRUE;
}

static gboolean
on_reload (gpointer user_data)
{
  WstunGate *self = user_data;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&self->reload_source, g_source_unref);
  if (!wstun_gate_reload (self, &error))
    g_warning ("keeping the previous tokens: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
on_tokens_file_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                        WstunGate *self)
{
  (void) monitor;
  (void) file;
  (void) other;
  if (event == G_FILE_MONITOR_EVENT_CHANGED || event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return; /* wait for CHANGES_DONE_HINT */
  if (self->reload_source != NULL)
    return;
  /* coalesce the burst of events an editor or an atomic rename makes */
  self->reload_source = g_timeout_source_new (RELOAD_DELAY_MS);
  g_source_set_callback (self->reload_source, on_reload, self, NULL);
  g_source_attach (self->reload_source, g_main_context_get_thread_default ());
}

WstunTokens *
wstun_gate_get_tokens (WstunGate *self)
{
  g_return_val_if_fail (WSTUN_IS_GATE (self), NULL);
  return self->tokens;
}

const WstunGateCounters *
wstun_gate_get_counters (WstunGate *self)
{
  g_return_val_if_fail (WSTUN_IS_GATE (self), NULL);
  return &self->counters;
}

WstunGate *
wstun_gate_new (const WstunRelayConfig *config, GError **error)
{
  g_autoptr (WstunGate) self = g_object_new (WSTUN_TYPE_GATE, NULL);

  self->config = config;
  self->reactor = wstun_reactor_get_default ();
  self->auth_limit = wstun_rate_limit_new (config->auth_failures, MAX_TRACKED_SOURCES);
  if (config->tokens != NULL) {
    g_autoptr (GFile) file = g_file_new_for_path (config->tokens);
    g_autoptr (GError) local = NULL;

    self->tokens = wstun_tokens_load (config->tokens, FALSE, error);
    if (self->tokens == NULL)
      return NULL;
    self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &local);
    if (self->monitor != NULL)
      g_signal_connect (self->monitor, "changed", G_CALLBACK (on_tokens_file_changed), self);
    else
      g_warning ("not watching %s for changes (%s): send SIGHUP after editing it", config->tokens,
                 local->message);
  }
  return g_steal_pointer (&self);
}

static void
wstun_gate_dispose (GObject *object)
{
  WstunGate *self = WSTUN_GATE (object);

  if (self->pending != NULL) {
    GHashTableIter iter;
    gpointer msg;

    g_hash_table_iter_init (&iter, self->pending);
    while (g_hash_table_iter_next (&iter, &msg, NULL)) {
      g_signal_handlers_disconnect_by_data (msg, self);
      g_object_weak_unref (G_OBJECT (msg), on_msg_finalized, self->pending);
    }
    g_clear_pointer (&self->pending, g_hash_table_unref);
  }
  if (self->reload_source != NULL) {
    g_source_destroy (self->reload_source);
    g_clear_pointer (&self->reload_source, g_source_unref);
  }
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  G_OBJECT_CLASS (wstun_gate_parent_class)->dispose (object);
}

static void
wstun_gate_finalize (GObject *object)
{
  WstunGate *self = WSTUN_GATE (object);

  g_clear_pointer (&self->tokens, wstun_tokens_free);
  g_clear_pointer (&self->auth_limit, wstun_rate_limit_free);
  g_clear_pointer (&self->log_limit, wstun_log_limit_free);
  g_clear_pointer (&self->reactor, wstun_reactor_unref);
  G_OBJECT_CLASS (wstun_gate_parent_class)->finalize (object);
}

static void
wstun_gate_class_init (WstunGateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_gate_dispose;
  object_class->finalize = wstun_gate_finalize;

  signals[SIGNAL_TOKENS_CHANGED] =
    g_signal_new ("tokens-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
wstun_gate_init (WstunGate *self)
{
  self->pending =
    g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) pending_free);
  self->log_limit = wstun_log_limit_new (LOG_INTERVAL_SECONDS, MAX_TRACKED_SOURCES);
}
