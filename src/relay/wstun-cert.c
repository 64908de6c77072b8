/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-cert.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wstun-error.h"

#define SELF_CHECK_TIMEOUT_SECONDS 10

typedef struct {
  GCancellable *cancellable;
  guint pending;
  GError *server_error;
  GError *client_error;
} SelfCheck;

static void
on_handshake (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SelfCheck *check = user_data;
  GError **slot = G_IS_TLS_SERVER_CONNECTION (source) ? &check->server_error : &check->client_error;

  /* the other side may wait for a message that will never come */
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, slot))
    g_cancellable_cancel (check->cancellable);
  check->pending--;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Only the signature matters here, not who issued the certificate. */
static gboolean
accept_any (GTlsConnection *connection, GTlsCertificate *peer, GTlsCertificateFlags errors,
            gpointer user_data)
{
  (void) connection, (void) peer, (void) errors, (void) user_data;
  return TRUE;
}

/* The side that failed says why; the other one was only cancelled. */
static void
set_check_error (const SelfCheck *check, GError **error)
{
  const GError *errors[] = { check->client_error, check->server_error };

  for (guint i = 0; i < G_N_ELEMENTS (errors); i++) {
    if (errors[i] != NULL && !g_error_matches (errors[i], G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "%s", errors[i]->message);
      return;
    }
  }
  g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
               _ ("the handshake did not finish within %d s"), SELF_CHECK_TIMEOUT_SECONDS);
}

static GIOStream *
stream_from_fd (int fd, GError **error)
{
  g_autoptr (GSocket) socket = g_socket_new_from_fd (fd, error);

  if (socket == NULL) {
    close (fd);
    return NULL;
  }
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* A handshake of the certificate with itself over a socket pair: the
 * server signs with the private key, the client checks the signature
 * against the certificate's public key. */
static gboolean
key_matches (GTlsCertificate *certificate, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  GTlsBackend *backend = g_tls_backend_get_default ();
  g_autoptr (GIOStream) server_base = NULL, client_base = NULL;
  g_autoptr (GIOStream) server = NULL, client = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  SelfCheck check = { 0 };
  g_autoptr (GSource) timeout = NULL;
  int fds[2];
  gboolean ok = FALSE;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                 _ ("Cannot check the TLS key: socketpair: %s"), g_strerror (errno));
    return FALSE;
  }
  server_base = stream_from_fd (fds[0], error);
  if (server_base == NULL) {
    close (fds[1]);
    return FALSE;
  }
  client_base = stream_from_fd (fds[1], error);
  if (client_base == NULL)
    return FALSE;

  g_main_context_push_thread_default (context);
  /* "database" NULL from the start: the default one is the system's CA
   * list, some 8 MB that would stay resident for nothing (libsoup's server
   * connections do the same) */
  server = g_initable_new (g_tls_backend_get_server_connection_type (backend), NULL, error,
                           "base-io-stream", server_base, "certificate", certificate, "database",
                           NULL, NULL);
  if (server != NULL)
    client = g_initable_new (g_tls_backend_get_client_connection_type (backend), NULL, error,
                             "base-io-stream", client_base, "database", NULL, NULL);
  if (client != NULL) {
    g_signal_connect (client, "accept-certificate", G_CALLBACK (accept_any), NULL);
    check.cancellable = cancellable;
    check.pending = 2;
    g_tls_connection_handshake_async (G_TLS_CONNECTION (server), G_PRIORITY_DEFAULT, cancellable,
                                      on_handshake, &check);
    g_tls_connection_handshake_async (G_TLS_CONNECTION (client), G_PRIORITY_DEFAULT, cancellable,
                                      on_handshake, &check);
    timeout = g_timeout_source_new_seconds (SELF_CHECK_TIMEOUT_SECONDS);
    g_source_set_callback (timeout, on_timeout, cancellable, NULL);
    g_source_attach (timeout, context);
    while (check.pending > 0)
      g_main_context_iteration (context, TRUE);
    g_source_destroy (timeout);
    ok = check.server_error == NULL && check.client_error == NULL;
    if (!ok)
      set_check_error (&check, error);
  }
  g_main_context_pop_thread_default (context);
  g_clear_error (&check.server_error);
  g_clear_error (&check.client_error);
  return ok;
}

GTlsCertificate *
wstun_cert_load (const char *cert_file, const char *key_file, gint64 *not_after_unix,
                 GError **error)
{
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GDateTime) not_after = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *until = NULL;

  g_return_val_if_fail (cert_file != NULL && key_file != NULL, NULL);

  *not_after_unix = 0;
  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &local);
  if (certificate == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Cannot load the TLS certificate %s and key %s: %s"), cert_file, key_file,
                 local->message);
    return NULL;
  }
  if (!key_matches (certificate, &local)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The private key %s does not belong to the certificate %s (a TLS handshake "
                    "with them failed: %s)"),
                 key_file, cert_file, local->message);
    return NULL;
  }
  not_after = g_tls_certificate_get_not_valid_after (certificate);
  if (not_after == NULL)
    return g_steal_pointer (&certificate);
  *not_after_unix = g_date_time_to_unix (not_after);
  until = g_date_time_format_iso8601 (not_after);
  if (g_date_time_compare (not_after, now) <= 0)
    g_warning ("the TLS certificate %s expired at %s: clients will refuse it", cert_file, until);
  else if (g_date_time_difference (not_after, now) < 14 * G_TIME_SPAN_DAY)
    g_warning ("the TLS certificate %s expires soon, at %s", cert_file, until);
  else
    g_message ("TLS certificate %s, valid until %s", cert_file, until);
  return g_steal_pointer (&certificate);
}
