#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Packets to a tunnel address no client holds are dropped and counted as
# no_route; nobody receives them, and the other client stays reachable.
source "$(dirname "$0")/lib.sh"

wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
wst_client 1
wst_client 2

a2=$(wst_addr4 2) b2=$(wst_addr6 2)
[ -n "$a2" ] && [ -n "$b2" ] || wst_fail "client 2 got addresses '$a2' '$b2'"
absent4=10.99.0.77 absent6=fd00:99::77
[ "$a2" != "$absent4" ] && [ "$(wst_addr4 1)" != "$absent4" ] || wst_fail "a client holds $absent4"

before=$(wst_drops no_route) || wst_fail "no no_route counter"
rx2=$(wst_counter 2 rx_packets)

if wst_in 1 ping -c 5 -i 0.2 -W 1 "$absent4"; then wst_fail "ping to $absent4 answered"; fi
if wst_in 1 ping -6 -c 5 -i 0.2 -W 1 "$absent6"; then wst_fail "ping to $absent6 answered"; fi
# and 10 UDP datagrams of each family
wst_in 1 bash -c "for i in \$(seq 10); do echo \$i >/dev/udp/$absent4/9; echo \$i >/dev/udp/$absent6/9; done" ||
  wst_fail "sending UDP to the absent addresses failed"

wst_wait 10 wst_metric_ge 'wstun_relay_dropped_total{reason="no_route"}' $((before + 30))
after=$(wst_drops no_route) || wst_fail "no no_route counter"
[ $((after - before)) -ge 30 ] || wst_fail "no_route grew by $((after - before)), not >= 30"

wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" || wst_fail "IPv4 ping 1 -> 2 after the drops"
wst_in 1 ping -6 -c 3 -i 0.2 -W 2 "$b2" || wst_fail "IPv6 ping 1 -> 2 after the drops"
# client 2 received the 6 echo requests and nothing meant for nobody
got=$(($(wst_counter 2 rx_packets) - rx2))
[ "$got" -eq 6 ] || wst_fail "client 2 received $got packets, not the 6 echo requests"
wst_pass "$((after - before)) packets to absent addresses dropped as no_route; client 2 still reachable"
