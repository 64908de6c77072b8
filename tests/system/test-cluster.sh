#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A relay cluster: a 3-member etcd (Debian's etcd-server) and three relays
# in the relay's namespace, one client on each. Clients on different relays
# reach each other (ping, IPv4 and IPv6, and a TCP transfer) over the
# relays' mesh links; a link request with a wrong mesh key is refused
# before the upgrade; one etcd member stopping changes nothing.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-cluster.sh"

wst_world 3
wsc_etcd 3
wsc_relays 3

wsc_client 1 1
wsc_client 2 2
wsc_client 3 3
a1=$(wst_addr4 1) a2=$(wst_addr4 2) a3=$(wst_addr4 3)
b1=$(wst_addr6 1) b2=$(wst_addr6 2) b3=$(wst_addr6 3)
[ "$(printf '%s\n' "$a1" "$a2" "$a3" | sort -u | wc -l)" = 3 ] ||
  wst_fail "clients got addresses '$a1' '$a2' '$a3'"
[ "$(printf '%s\n' "$b1" "$b2" "$b3" | sort -u | wc -l)" = 3 ] ||
  wst_fail "clients got IPv6 addresses '$b1' '$b2' '$b3'"
# every relay knows every claim (read, then followed)
for r in 1 2 3; do
  wst_wait 5 wsc_metric_ge "$r" wstun_relay_cluster_cache_addresses 6 ||
    wst_fail "relay $r knows $(wsc_metric "$r" wstun_relay_cluster_cache_addresses) claims, not 6"
done

wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" || wst_fail "IPv4 ping 1 -> 2 (relay 1 -> relay 2)"
wst_in 2 ping -c 3 -i 0.2 -W 2 "$a3" || wst_fail "IPv4 ping 2 -> 3 (relay 2 -> relay 3)"
wst_in 3 ping -c 3 -i 0.2 -W 2 "$a1" || wst_fail "IPv4 ping 3 -> 1 (relay 3 -> relay 1)"
wst_in 1 ping -6 -c 3 -i 0.2 -W 2 "$b3" || wst_fail "IPv6 ping 1 -> 3"
wst_in 3 ping -6 -c 3 -i 0.2 -W 2 "$b2" || wst_fail "IPv6 ping 3 -> 2"
wst_pass "clients on three relays ping each other over the mesh"

head -c $((4 * 1024 * 1024)) /dev/urandom >"$WST_LOGDIR/4M"
wst_tcp_transfer cross-v4 1 2 "$a2" 5001 "$WST_LOGDIR/4M"
wst_tcp_transfer cross-v6 3 1 "$b1" 5002 "$WST_LOGDIR/4M"
for r in 1 2 3; do
  d=$(wsc_metric "$r" 'wstun_relay_dropped_total{reason="spoofed_source"}')
  [ "${d:-0}" = 0 ] || wst_fail "relay $r dropped $d packets as spoofed"
done
wst_pass "4 MiB over TCP between relays, IPv4 and IPv6"

# a partition between relays 1 and 3: what their clients send each other
# is dropped and counted at the relay, never sent around through relay 2;
# relay 2 still reaches both; the link comes back when the path does
rx2=$(wsc_metric 2 wstun_relay_rx_packets_total)
wsc_partition 1 3 || wst_fail "cannot cut relays 1 and 3 apart"
links_are() { [ "$(wsc_metric "$1" wstun_relay_mesh_links)" = "$2" ]; }
# the link is dead after three silent keepalive intervals (2 s each)
wst_wait 15 links_are 1 1 && wst_wait 15 links_are 3 1 ||
  wst_fail "the link between relays 1 and 3 did not go down ($(wsc_metric 1 wstun_relay_mesh_links) links)"
! wst_in 1 ping -c 3 -i 0.2 -W 1 "$a3" >/dev/null || wst_fail "a ping crossed the partition"
wst_wait 5 wsc_metric_ge 1 'wstun_relay_dropped_total{reason="relay_unreachable"}' 3 ||
  wst_fail "relay 1 did not count the packets for relay 3 as unreachable"
wst_in 1 ping -c 2 -i 0.2 -W 2 "$a2" || wst_fail "relay 1 -> relay 2 broke in the partition of 1 and 3"
wst_in 3 ping -c 2 -i 0.2 -W 2 "$a2" || wst_fail "relay 3 -> relay 2 broke in the partition of 1 and 3"
[ "$(wsc_metric 2 'wstun_relay_dropped_total{reason="loop"}')" = 0 ] ||
  wst_fail "relay 2 was sent packets between relays 1 and 3"
rx2b=$(wsc_metric 2 wstun_relay_rx_packets_total)
# relay 2 received the 8 pings above and their answers, no more
[ $((rx2b - rx2)) -le 8 ] || wst_fail "relay 2 received $((rx2b - rx2)) packets, more than its own 8"
wsc_heal 1 3
wst_wait 15 wsc_metric_ge 1 wstun_relay_mesh_links 2 || wst_fail "the link between relays 1 and 3 did not come back"
wst_in 1 ping -c 3 -i 0.2 -W 2 "$a3" || wst_fail "ping 1 -> 3 after the partition healed"
wst_pass "a partition between two relays: drops counted, nothing sent around, link back after"

# a link request without the mesh key is refused before any upgrade
status=$(wsc_mesh_request 1 "wrong-key-wrong-key" evil)
[ "$status" = 401 ] || wst_fail "a link request with a wrong mesh key got HTTP '$status', not 401"
status=$(wsc_mesh_request 1 "$(cat "$WSC_KEY")" r1)
[ "$status" = 400 ] || wst_fail "a link request naming the relay itself got HTTP '$status', not 400"
wst_wait 5 wsc_metric_ge 1 wstun_relay_mesh_auth_failures_total 2 ||
  wst_fail "the refused link requests were not counted"
# a relay with another key never links, and is refused by the others (its
# id sorts first: it dials them)
printf 'another-key-another-key\n' >"$WST_LOGDIR/bad.key"
WSC_KEY=$WST_LOGDIR/bad.key wsc_relay 4 r0
wst_wait 10 wsc_metric_ge 4 wstun_relay_mesh_dial_failures_total 1 ||
  wst_fail "relay 4 with a wrong key did not fail to link"
wst_wait 10 wsc_metric_ge 1 wstun_relay_mesh_auth_failures_total 3 ||
  wst_fail "relay 1 did not refuse relay 4's link"
[ "$(wsc_metric 4 wstun_relay_mesh_links)" = 0 ] || wst_fail "relay 4 linked with a wrong key"
wst_stop relay4
wst_pass "a wrong mesh key gets no link (HTTP 401, counted)"

# one etcd member down: nothing changes
wst_stop etcd2
wst_in 1 ping -c 3 -i 0.2 -W 2 "$a3" || wst_fail "ping 1 -> 3 with one etcd member down"
wst_stop client3
wsc_client 3 3
wst_in 3 ping -c 3 -i 0.2 -W 2 "$(wst_addr4 1)" || wst_fail "a client joined with one etcd member down cannot ping"
wst_pass "one etcd member down: traffic flows, clients join"
