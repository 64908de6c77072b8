/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-handshake.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "wstun-control.h"
#include "wstun-error.h"
#include "wstun-pin.h"
#include "wstun-printable.h"
#include "wstun-tcp-tune.h"
#include "wstun-ws-takeover.h"

struct _WstunHandshake {
  SoupSession *session;
  SoupWebsocketConnection *conn; /* did the upgrade; inert once taken over */
  GIOStream *stream;             /* borrowed from conn */
  GSocketAddress *local;         /* the TCP connection's ends */
  GSocketAddress *remote;
};

/* One attempt, the task's data */
typedef struct {
  char *url;
  char *token;
  GTlsDatabase *ca_database;
  char *pin_sha256;
  SoupSession *session;
  SoupMessage *msg;                /* the upgrade request */
  GTlsCertificateFlags tls_errors; /* why the relay's certificate was refused */
  char *peer_pin;                  /* pin of the certificate the relay showed */
  gboolean pin_matched;
  char *relay_address;
  GSocketAddress *local; /* the TCP connection's ends, once made */
  GSocketAddress *remote;
  WstunFailure failure; /* of the error the task returns */
  guint retry_after;    /* seconds a busy relay asked for (HTTP 503, 429) */
} Attempt;

static void
attempt_free (Attempt *a)
{
  g_free (a->url);
  if (a->token != NULL)
    explicit_bzero (a->token, strlen (a->token));
  g_free (a->token);
  g_clear_object (&a->ca_database);
  g_free (a->pin_sha256);
  g_clear_object (&a->msg);
  g_clear_object (&a->session);
  g_free (a->peer_pin);
  g_free (a->relay_address);
  g_clear_object (&a->local);
  g_clear_object (&a->remote);
  g_free (a);
}

GIOStream *
wstun_handshake_get_stream (WstunHandshake *handshake)
{
  g_return_val_if_fail (handshake != NULL, NULL);
  return handshake->stream;
}

GSocketAddress *
wstun_handshake_get_local_address (WstunHandshake *handshake)
{
  g_return_val_if_fail (handshake != NULL, NULL);
  return handshake->local;
}

GSocketAddress *
wstun_handshake_get_remote_address (WstunHandshake *handshake)
{
  g_return_val_if_fail (handshake != NULL, NULL);
  return handshake->remote;
}

void
wstun_handshake_free (WstunHandshake *handshake)
{
  if (handshake == NULL)
    return;
  g_clear_object (&handshake->conn);
  g_clear_object (&handshake->session);
  g_clear_object (&handshake->local);
  g_clear_object (&handshake->remote);
  g_free (handshake);
}

/* ---- why it failed --------------------------------------------------- */

static char *
describe_tls_errors (GTlsCertificateFlags flags)
{
  g_autoptr (GString) out = g_string_new (NULL);
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA,
      N_ ("it is not signed by a trusted certificate authority (set ca-file, or pin-sha256)") },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, N_ ("it was issued for another host name") },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, N_ ("it is not valid yet") },
    { G_TLS_CERTIFICATE_EXPIRED, N_ ("it has expired") },
    { G_TLS_CERTIFICATE_REVOKED, N_ ("it has been revoked") },
    { G_TLS_CERTIFICATE_INSECURE, N_ ("it uses an insecure algorithm") },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, N_ ("it could not be verified") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++) {
    if (flags & reasons[i].flag)
      g_string_append_printf (out, "%s%s", out->len > 0 ? "; " : "", _ (reasons[i].text));
  }
  if (out->len == 0)
    g_string_append (out, _ ("it could not be verified"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Errors of name resolution and of the TCP connection itself */
static gboolean
is_unreachable (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND);
}

/* Retry-After in delta-seconds (RFC 9110 10.2.3); an HTTP date, junk or
 * nothing is 0. At most an hour: a relay does not park its clients for
 * longer by a header. */
static guint
retry_after_seconds (SoupMessage *msg)
{
  const char *value =
    soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  guint64 seconds = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return 0;
  return MIN (seconds, 3600);
}

static char *
describe_handshake_error (Attempt *self, const GError *error, WstunFailure *failure)
{
  guint status = self->msg != NULL ? soup_message_get_status (self->msg) : 0;
  g_autofree char *phrase =
    wstun_printable (self->msg != NULL ? soup_message_get_reason_phrase (self->msg) : NULL, -1);

  *failure = WSTUN_FAILURE_REFUSED;
  if (self->peer_pin != NULL && !self->pin_matched && self->pin_sha256 != NULL) {
    *failure = WSTUN_FAILURE_TLS_PIN_MISMATCH;
    return g_strdup_printf (_ ("The relay's public key does not match pin-sha256 (the relay "
                               "presented pin-sha256:%s)"),
                            self->peer_pin);
  }
  if (self->tls_errors != 0) {
    g_autofree char *why = describe_tls_errors (self->tls_errors);

    /* a certificate out of its dates and an untrusted one are fixed by
     * different people: the relay's operator, or the user's settings */
    *failure = (self->tls_errors & ~(G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
                 ? WSTUN_FAILURE_TLS_UNTRUSTED
                 : WSTUN_FAILURE_TLS_EXPIRED;
    return g_strdup_printf (_ ("The relay's TLS certificate was refused: %s"), why);
  }
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE || status == 429)
    self->retry_after = retry_after_seconds (self->msg);
  switch (status) {
  case SOUP_STATUS_UNAUTHORIZED:
    *failure = WSTUN_FAILURE_AUTH_FAILED;
    return g_strdup (self->token != NULL
                       ? _ ("The relay refused the token (HTTP 401): it is unknown or revoked")
                       : _ ("The relay requires a token (HTTP 401), and none was given"));
  case 429:
    return g_strdup (_ ("The relay refuses this address for now: too many failed "
                        "authentications (HTTP 429)"));
  case SOUP_STATUS_SERVICE_UNAVAILABLE:
    return g_strdup (_ ("The relay is full or shutting down (HTTP 503)"));
  case SOUP_STATUS_BAD_REQUEST:
    return g_strdup_printf (_ ("The relay refused the WebSocket upgrade (HTTP 400): %s"), phrase);
  case SOUP_STATUS_NOT_FOUND:
    return g_strdup_printf (_ ("No wstun relay at %s (HTTP 404)"), self->url);
  default:
    if (status >= 300)
      return g_strdup_printf (_ ("The relay answered HTTP %u %s instead of upgrading"), status,
                              phrase);
    if (is_unreachable (error))
      *failure = WSTUN_FAILURE_UNREACHABLE;
    else if (status != 0 || error->domain == SOUP_WEBSOCKET_ERROR)
      *failure = WSTUN_FAILURE_PROTOCOL;
    else
      *failure = WSTUN_FAILURE_RELAY_CLOSED;
    return g_strdup_printf (_ ("Cannot connect to %s: %s"), self->url, error->message);
  }
}

/* ---- TLS: CAs, pins ------------------------------------------------- */

/* Called when the certificate failed the CA checks, and always with a pin
 * (on_network_event()): a pin, if set, decides instead, as openconnect's
 * --servercert does. */
static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       Attempt *self)
{
  g_autoptr (GError) error = NULL;

  (void) msg;
  self->tls_errors = errors;
  if (self->pin_sha256 == NULL)
    return FALSE;
  g_free (self->peer_pin);
  self->peer_pin = wstun_pin_for_certificate (certificate, &error);
  if (self->peer_pin == NULL) {
    g_warning ("%s: %s", self->url, error->message);
    return FALSE;
  }
  self->pin_matched = g_str_equal (self->peer_pin, self->pin_sha256);
  if (self->pin_matched)
    g_message ("%s: accepting the relay's certificate by its pin", self->url);
  return self->pin_matched;
}

/* RelayAddress: the IP the TCP connection reached (a name may resolve to
 * several; this is the one a host route must keep outside the tunnel);
 * and both ends, for the caller's check of the route (libsoup's stream
 * wraps the socket connection, so they are noted here) */
static void
note_endpoints (Attempt *self, GSocketConnection *connection)
{
  g_autofree char *ip = NULL;

  g_clear_object (&self->local);
  g_clear_object (&self->remote);
  self->local = g_socket_connection_get_local_address (connection, NULL);
  self->remote = g_socket_connection_get_remote_address (connection, NULL);
  if (G_IS_INET_SOCKET_ADDRESS (self->remote))
    ip = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (self->remote)));
  g_free (self->relay_address);
  self->relay_address = g_steal_pointer (&ip);
}

/* With a pin, the pin decides during the TLS handshake, before the upgrade
 * request and its token go out: without a database GIO fails every
 * certificate with UNKNOWN_CA, so on_accept_certificate() always runs.
 * (Left to the CAs, a certificate they accept is never shown to it, and
 * the token went to a relay with another key before the pin was checked.) */
static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection, Attempt *self)
{
  (void) msg;
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection)) {
    g_autoptr (GError) error = NULL;

    note_endpoints (self, G_SOCKET_CONNECTION (connection));
    if (!wstun_tcp_tune (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)), &error))
      g_debug ("%s: tuning the TCP connection: %s", self->url, error->message);
  }
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && self->pin_sha256 != NULL &&
      G_IS_TLS_CONNECTION (connection))
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), NULL);
}

/* A certificate the CAs accepted must match the pin too (a safety net:
 * on_network_event() has the pin checked during the handshake). */
static gboolean
check_pin_after_handshake (Attempt *self, GError **error)
{
  GTlsCertificate *certificate;

  if (self->pin_sha256 == NULL || self->pin_matched)
    return TRUE;
  certificate = soup_message_get_tls_peer_certificate (self->msg);
  if (certificate == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("pin-sha256 is set but %s is not a wss:// URL"), self->url);
    return FALSE;
  }
  g_free (self->peer_pin);
  self->peer_pin = wstun_pin_for_certificate (certificate, error);
  if (self->peer_pin == NULL)
    return FALSE;
  if (!g_str_equal (self->peer_pin, self->pin_sha256)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_AUTHORIZED,
                 _ ("The relay's public key does not match pin-sha256 (the relay presented "
                    "pin-sha256:%s)"),
                 self->peer_pin);
    return FALSE;
  }
  self->pin_matched = TRUE;
  return TRUE;
}

/* ---- the upgrade ----------------------------------------------------- */

/* The token header, the CA file and the pin, on the upgrade request. */
static gboolean
prepare_security (Attempt *self, SoupMessage *msg, GError **error)
{
  gboolean tls = g_str_equal (g_uri_get_scheme (soup_message_get_uri (msg)), "wss");

  self->tls_errors = 0;
  self->pin_matched = FALSE;
  g_clear_pointer (&self->peer_pin, g_free);
  if (self->token != NULL) {
    g_autofree char *value = g_strconcat ("Bearer ", self->token, NULL);

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
  }
  /* the CA replaces the system's CAs for this relay */
  if (self->ca_database != NULL)
    soup_session_set_tls_database (self->session, self->ca_database);
  if (self->pin_sha256 != NULL && !tls) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("pin-sha256 is set but %s is not a wss:// URL"), self->url);
    return FALSE;
  }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), self);
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), self);
  return TRUE;
}

static void
fail (GTask *task, WstunFailure failure, GError *error)
{
  Attempt *a = g_task_get_task_data (task);

  a->failure = failure;
  g_task_return_error (task, error);
}

static void
on_websocket_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Attempt *a = g_task_get_task_data (task);
  g_autoptr (SoupWebsocketConnection) conn = NULL;
  g_autoptr (WstunHandshake) handshake = NULL;
  GError *error = NULL;
  WstunFailure failure;
  char *msg;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (conn == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      fail (task, WSTUN_FAILURE_NONE, error);
      return;
    }
    msg = describe_handshake_error (a, error, &failure);
    g_error_free (error);
    fail (task, failure, g_error_new_literal (WSTUN_ERROR, WSTUN_ERROR_FAILED, msg));
    g_free (msg);
    return;
  }
  if (!check_pin_after_handshake (a, &error)) {
    fail (task, WSTUN_FAILURE_TLS_PIN_MISMATCH, error);
    return;
  }
  if (g_strcmp0 (soup_websocket_connection_get_protocol (conn), WSTUN_SUBPROTOCOL) != 0) {
    fail (task, WSTUN_FAILURE_PROTOCOL,
          g_error_new (WSTUN_ERROR, WSTUN_ERROR_PROTOCOL,
                       _ ("%s is not a wstun relay (it did not accept the wstun.v1 WebSocket "
                          "subprotocol)"),
                       a->url));
    return;
  }
  handshake = g_new0 (WstunHandshake, 1);
  handshake->stream = wstun_ws_take_over (conn, &error);
  if (handshake->stream == NULL) {
    fail (task, WSTUN_FAILURE_INTERNAL, error);
    return;
  }
  handshake->conn = g_steal_pointer (&conn);
  handshake->session = g_object_ref (a->session);
  handshake->local = g_steal_pointer (&a->local);
  handshake->remote = g_steal_pointer (&a->remote);
  g_task_return_pointer (task, g_steal_pointer (&handshake), (GDestroyNotify) wstun_handshake_free);
}

void
wstun_handshake_async (const char *url, const char *token, GTlsDatabase *ca_database,
                       const char *pin_sha256, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  const char *protocols[] = { WSTUN_SUBPROTOCOL, NULL };
  Attempt *a;

  g_return_if_fail (url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  a = g_new0 (Attempt, 1);
  a->url = g_strdup (url);
  a->token = g_strdup (token);
  a->ca_database = ca_database != NULL ? g_object_ref (ca_database) : NULL;
  a->pin_sha256 = g_strdup (pin_sha256);
  g_task_set_task_data (task, a, (GDestroyNotify) attempt_free);

  a->msg = soup_message_new (SOUP_METHOD_GET, url);
  if (a->msg == NULL) { /* checked before; cannot happen */
    fail (task, WSTUN_FAILURE_INTERNAL,
          g_error_new_literal (WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("Invalid relay URL")));
    return;
  }
  /* no proxy resolver: GIO's default one loads libproxy (and libstdc++)
   * into a system service, 1.7 MB of resident memory, for proxies that a
   * relay connection does not use (explicit proxy support would be a
   * setting) */
  a->session = soup_session_new_with_options ("user-agent", "wstund/" PACKAGE_VERSION " ",
                                              "proxy-resolver", NULL, NULL);
  if (!prepare_security (a, a->msg, &error)) {
    fail (task, WSTUN_FAILURE_INTERNAL, g_steal_pointer (&error));
    return;
  }
  soup_session_websocket_connect_async (a->session, a->msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, cancellable, on_websocket_connected,
                                        g_steal_pointer (&task));
}

WstunHandshake *
wstun_handshake_finish (GAsyncResult *result, char **relay_address, WstunFailure *failure,
                        guint *retry_after, GError **error)
{
  Attempt *a;
  WstunHandshake *handshake;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  a = g_task_get_task_data (G_TASK (result));
  if (relay_address != NULL)
    *relay_address = g_strdup (a->relay_address);
  handshake = g_task_propagate_pointer (G_TASK (result), error);
  if (failure != NULL)
    *failure = handshake != NULL ? WSTUN_FAILURE_NONE : a->failure;
  if (retry_after != NULL)
    *retry_after = handshake != NULL ? 0 : a->retry_after;
  return handshake;
}

/* ---- the URL --------------------------------------------------------- */

/* An IP address, or a DNS name (internationalized names in their ASCII
 * form): labels of 1 to 63 letters, digits, '-' (not first or last) or '_'
 * (seen in private networks), an optional final dot. */
static gboolean
host_is_valid (const char *host)
{
  g_autofree char *ascii = NULL;
  g_auto (GStrv) labels = NULL;
  gsize len;

  if (g_hostname_is_ip_address (host))
    return TRUE;
  ascii = g_hostname_to_ascii (host);
  if (ascii == NULL)
    return FALSE;
  len = strlen (ascii);
  if (len > 0 && ascii[len - 1] == '.')
    ascii[--len] = '\0';
  if (len == 0 || len > 253)
    return FALSE;
  labels = g_strsplit (ascii, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++) {
    gsize n = strlen (labels[i]);

    if (n == 0 || n > 63 || labels[i][0] == '-' || labels[i][n - 1] == '-')
      return FALSE;
    for (gsize k = 0; k < n; k++) {
      if (!g_ascii_isalnum (labels[i][k]) && labels[i][k] != '-' && labels[i][k] != '_')
        return FALSE;
    }
  }
  return TRUE;
}

gboolean
wstun_handshake_check_url (const char *url, gboolean *tls, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *host = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  /* messages quote the beginning of a hostile URL, not all of it */
  shown = wstun_printable_prefix (url, -1, 64);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &local);
  if (uri == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("Invalid relay URL “%s”: %s"),
                 shown, local->message);
    return FALSE;
  }
  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0') {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s” must be ws://HOST[:PORT][/PATH] or wss://…"), shown);
    return FALSE;
  }
  /* GUri takes any bytes as a host name ("ws://a b"), and port 0 */
  if (!host_is_valid (g_uri_get_host (uri))) {
    host = wstun_printable_prefix (g_uri_get_host (uri), -1, 64);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s”: “%s” is neither a host name nor an IP address"), shown, host);
    return FALSE;
  }
  if (g_uri_get_port (uri) == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s”: port 0 is not a port to connect to"), shown);
    return FALSE;
  }
  /* a password in a URL ends up in settings files, logs and process lists */
  if (g_uri_get_userinfo (uri) != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s” carries a user name or password: give the relay's token "
                    "in a token file instead"),
                 shown);
    return FALSE;
  }
  if (g_uri_get_fragment (uri) != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Relay URL “%s” has a fragment (“#…”), which is never sent to the relay"),
                 shown);
    return FALSE;
  }
  if (tls != NULL)
    *tls = g_ascii_strcasecmp (scheme, "wss") == 0;
  return TRUE;
}
