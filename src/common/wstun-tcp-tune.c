/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-tcp-tune.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

gboolean
wstun_tcp_tune (GSocket *socket, GError **error)
{
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  /* A frame is written once its burst has been read: held back by Nagle's
   * algorithm behind unacknowledged bulk data, an interactive packet
   * would wait for an acknowledgment (a delayed one costs 40 ms). */
  if (!g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, error))
    return FALSE;
  /* What the kernel holds unsent is a FIFO that every packet, however
   * urgent, waits behind, and it grows to megabytes (tcp_wmem); past the
   * low-water mark the socket is not writable, and the sender's own
   * queue, which knows packets and how long they waited, takes over.
   * Bytes in flight are not limited, so throughput is not either. */
  return g_socket_set_option (socket, IPPROTO_TCP, TCP_NOTSENT_LOWAT, WSTUN_TCP_NOTSENT_LOWAT,
                              error);
}
