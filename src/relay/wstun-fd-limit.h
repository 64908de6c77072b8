/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-fd-limit.h: enough file descriptors for the clients the relay takes
 *
 * Every client, and every connection still being upgraded, holds a socket.
 * Running out is worse than a refused client: libsoup's listener gives up
 * for good on a failed accept() (EMFILE), so the relay would take no one
 * again, even after clients leave. The relay therefore raises its soft
 * limit to the hard one, and when even that is too small for --max-clients
 * lowers --max-clients to what fits, saying so.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Descriptors the relay needs besides its clients' and pending
 * connections' sockets: listeners, metrics, state and token files, TLS
 * files, stdio, GLib's wakeup fds, with room to spare */
#define WSTUN_FD_RESERVE 64

/* The most clients that fit in the descriptor limit next to @max_pending
 * pending connections (and the quarter more the gate reads 503s from),
 * after raising the soft limit as far as the hard one allows; at least 1.
 * @limit (optional) gets the limit now in force. */
guint wstun_fd_limit_fit_clients (guint max_clients, guint max_pending, guint64 *limit);

G_END_DECLS
