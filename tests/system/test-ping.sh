#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two clients through the relay: IPv4 and IPv6 ping in both directions.
source "$(dirname "$0")/lib.sh"

wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64 --route 10.98.0.0/16 --route fd00:98::/48
wst_client 1
wst_client 2

a1=$(wst_addr4 1) a2=$(wst_addr4 2) b1=$(wst_addr6 1) b2=$(wst_addr6 2)
[ -n "$a1" ] && [ -n "$a2" ] && [ "$a1" != "$a2" ] || wst_fail "clients got addresses '$a1' '$a2'"
[ -n "$b1" ] && [ -n "$b2" ] && [ "$b1" != "$b2" ] || wst_fail "clients got IPv6 '$b1' '$b2'"

# the device as wstund configured it over rtnetlink: up, the relay's MTU,
# a transmit queue for bursts, no IPv6 link-local address (no chatter)
link=$(ip -n "$(wst_ns 1)" -o link show dev wstun0)
echo "$link" | grep -q "mtu 65000 " || wst_fail "wstun0 does not have the relay's MTU: $link"
echo "$link" | grep -q "qlen 2000" || wst_fail "wstun0 does not have its transmit queue length: $link"
echo "$link" | grep -q "<[^>]*UP[^>]*>" || wst_fail "wstun0 is not up: $link"
[ -z "$(ip -n "$(wst_ns 1)" -6 -o addr show dev wstun0 scope link)" ] ||
  wst_fail "wstun0 has an IPv6 link-local address"
ip -n "$(wst_ns 1)" -o addr show dev wstun0 | grep -q "inet $a1/24" || wst_fail "wstun0 lacks $a1/24"
ip -n "$(wst_ns 1)" route show dev wstun0 | grep -q "^10.99.0.0/24" || wst_fail "no route to the tunnel network"
ip -n "$(wst_ns 1)" route show dev wstun0 | grep -q "^10.98.0.0/16" || wst_fail "pushed route 10.98.0.0/16 missing"
ip -n "$(wst_ns 1)" -6 route show dev wstun0 | grep -q "^fd00:98::/48" || wst_fail "pushed route fd00:98::/48 missing"

wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" || wst_fail "IPv4 ping 1 -> 2"
wst_in 2 ping -c 3 -i 0.2 -W 2 "$a1" || wst_fail "IPv4 ping 2 -> 1"
wst_in 1 ping -6 -c 3 -i 0.2 -W 2 "$b2" || wst_fail "IPv6 ping 1 -> 2"
wst_in 2 ping -6 -c 3 -i 0.2 -W 2 "$b1" || wst_fail "IPv6 ping 2 -> 1"

# the relay forwarded them (rather than some other path) and dropped none
fwd=$(wst_metric wstun_relay_tx_packets_total)
[ "${fwd:-0}" -ge 24 ] || wst_fail "relay forwarded only ${fwd:-0} packets"
wst_pass "IPv4 and IPv6 ping both ways through the relay"
