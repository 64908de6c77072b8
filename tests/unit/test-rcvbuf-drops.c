/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The count of datagrams that found their socket full, from /proc/net */
#include "config.h"

#include "wstun-rcvbuf-drops.h"

static const char snmp[] =
  "Ip: Forwarding DefaultTTL InReceives\n"
  "Ip: 1 64 123\n"
  "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors\n"
  "Udp: 70 0 5 72 12345678901 0 0\n"
  "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n"
  "UdpLite: 0 0 0 0 7 0\n";

static const char snmp6[] = "Udp6InDatagrams                 \t5\n"
                            "Udp6RcvbufErrors                \t42\n"
                            "UdpLite6RcvbufErrors            \t9\n";

static void
test_parse (void)
{
  guint64 n = 0;

  g_assert_true (wstun_rcvbuf_drops_parse_snmp (snmp, &n));
  g_assert_cmpuint (n, ==, G_GUINT64_CONSTANT (12345678901));
  g_assert_true (wstun_rcvbuf_drops_parse_snmp6 (snmp6, &n));
  g_assert_cmpuint (n, ==, 42);
}

static void
test_parse_bad (void)
{
  guint64 n = 0;

  g_assert_false (wstun_rcvbuf_drops_parse_snmp ("", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp ("Udp: InDatagrams RcvbufErrors\n", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp ("Udp: InDatagrams NoPorts\nUdp: 1 2\n", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp ("Udp: RcvbufErrors\nUdp: x\n", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp ("Udp: RcvbufErrors\nUdp: 12x\n", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp6 ("UdpLite6RcvbufErrors 9\n", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp6 ("Udp6RcvbufErrorsX 9\n", &n));
  g_assert_false (wstun_rcvbuf_drops_parse_snmp6 ("Udp6RcvbufErrors \n", &n));
}

static void
test_read (void)
{
  guint64 n = G_MAXUINT64;

  /* this namespace's own counters: readable, and a real number */
  g_assert_true (wstun_rcvbuf_drops_read (&n));
  g_assert_cmpuint (n, <, G_MAXUINT64);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rcvbuf-drops/parse", test_parse);
  g_test_add_func ("/rcvbuf-drops/parse-bad", test_parse_bad);
  g_test_add_func ("/rcvbuf-drops/read", test_read);
  return g_test_run ();
}
