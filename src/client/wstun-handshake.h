/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-handshake.h: from a relay's URL to an upgraded stream
 *
 * The part of a connection libsoup does: the URL's checks, TCP, TLS with
 * the system's CAs, given ones or a key pin (decided during the TLS
 * handshake, so that a token never reaches a relay with another key), the
 * token in the upgrade request, the WebSocket upgrade with the subprotocol
 * wstun.v1, and the stream taken over for wstun's own framer. Failures
 * come with their WstunFailure and a message for people. */
#pragma once

#include <gio/gio.h>

#include "wstun-failure.h"

G_BEGIN_DECLS

/* Checks a relay URL: ws:// or wss://, a host name or address, no port 0,
 * no credentials, no fragment. @tls (optional) tells whether it is wss://. */
gboolean wstun_handshake_check_url (const char *url, gboolean *tls, GError **error);

/* A handshake's result: the stream, and the libsoup objects that must
 * live as long as it does (disposing them closes it). */
typedef struct _WstunHandshake WstunHandshake;

GIOStream *wstun_handshake_get_stream (WstunHandshake *handshake);
/* The TCP connection's ends (borrowed; NULL if unknown) */
GSocketAddress *wstun_handshake_get_local_address (WstunHandshake *handshake);
GSocketAddress *wstun_handshake_get_remote_address (WstunHandshake *handshake);
void wstun_handshake_free (WstunHandshake *handshake);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunHandshake, wstun_handshake_free)

/* Connects to the relay at @url (checked with wstun_handshake_check_url())
 * sending @token (may be NULL), trusting @ca_database (NULL: the system's
 * CAs) and, when @pin_sha256 is set (normalized, wstun_pin_normalize()),
 * only a relay whose key has that pin. */
void wstun_handshake_async (const char *url, const char *token, GTlsDatabase *ca_database,
                            const char *pin_sha256, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
/* The result, or NULL with @error and @failure set (G_IO_ERROR_CANCELLED
 * when cancelled). @relay_address (optional) is the IP address the TCP
 * connection reached, when it got that far, else NULL. @retry_after
 * (optional) is how many seconds a busy relay asked to wait (its HTTP
 * 503's or 429's Retry-After, at most 3600), else 0. */
WstunHandshake *wstun_handshake_finish (GAsyncResult *result, char **relay_address,
                                        WstunFailure *failure, guint *retry_after, GError **error);

G_END_DECLS
