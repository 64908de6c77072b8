/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-ws-takeover.h: the stream under a client WebSocket libsoup opened
 *
 * libsoup does the HTTP upgrade, TLS and authentication; wstun's own framer
 * (wstun-ws.h) then carries the data. libsoup 3 has no public call to take
 * over a client WebSocket's stream (the server side has
 * soup_server_message_steal_connection()). Before the first send, the
 * connection's only main-context sources are the ones it keyed on itself;
 * destroying them leaves the object inert, and the caller keeps it alive,
 * since disposing it closes the stream. One helper for the client, the
 * unit tests, the benchmark and the load generator. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The stream under @conn (borrowed: valid while @conn lives), with @conn
 * made inert; fails (WSTUN_ERROR_FAILED) when this libsoup keeps no source
 * of its own on the thread-default context, so taking over cannot work. */
GIOStream *wstun_ws_take_over (SoupWebsocketConnection *conn, GError **error);

G_END_DECLS
