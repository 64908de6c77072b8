/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The options every tunnel connection gets: no Nagle, a short unsent queue */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "wstun-tcp-tune.h"

static void
test_tcp_tune (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  int value = -1;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_get_option (socket, IPPROTO_TCP, TCP_NODELAY, &value, &error));
  g_assert_cmpint (value, ==, 0);

  g_assert_true (wstun_tcp_tune (socket, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_get_option (socket, IPPROTO_TCP, TCP_NODELAY, &value, &error));
  g_assert_cmpint (value, !=, 0);
  g_assert_true (g_socket_get_option (socket, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &value, &error));
  g_assert_cmpint (value, ==, WSTUN_TCP_NOTSENT_LOWAT);
}

static void
test_tcp_tune_not_tcp (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;

  /* a failure is reported, not hidden: the caller logs it */
  socket =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_assert_false (wstun_tcp_tune (socket, &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tcp-tune/options", test_tcp_tune);
  g_test_add_func ("/tcp-tune/not-tcp", test_tcp_tune_not_tcp);
  return g_test_run ();
}
