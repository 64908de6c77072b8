/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-tcp-tune.h: the options of a TCP connection that carries a tunnel */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bytes of a tunnel stream the kernel may hold unsent (TCP_NOTSENT_LOWAT):
 * beyond them the socket reports itself full, and packets wait in the
 * sender's own queue, where they can still be dropped or passed. */
#define WSTUN_TCP_NOTSENT_LOWAT (32 * 1024)

/* Sets TCP_NODELAY and TCP_NOTSENT_LOWAT on @socket. Failures are
 * reported in @error; the connection works without them, only slower. */
gboolean wstun_tcp_tune (GSocket *socket, GError **error);

G_END_DECLS
