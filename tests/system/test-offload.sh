#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Offload records (PROTOCOL.md 4.2) between clients with and without them.
# A relay with a 1400-byte tunnel MTU, so the TCP stacks make 64 KB
# super-packets (TSO) with 1360-byte segments; clients 1 and 3 negotiate
# "offload", client 2 does not (WSTUN_NO_OFFLOAD=1). 4 MiB of random data
# over TCP, IPv4 and IPv6:
# - 1 -> 2: the relay cuts client 1's super-packets for client 2
#   (wstun_relay_segmented_total rises) and completes their checksums;
# - 2 -> 1: plain packets to a client with offloads;
# - 1 -> 3: super-packets and partial checksums pass whole, records and
#   all (the count does not rise), and client 3's kernel takes them.
# Every copy must arrive identical; nothing is dropped as bad_offload.
source "$(dirname "$0")/lib.sh"

wst_require_python
wst_world 3
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64 --mtu 1400
wst_client 1
WSTUN_NO_OFFLOAD=1 wst_client 2
wst_client 3

data=$WST_LOGDIR/data
head -c $((4 * 1024 * 1024)) /dev/urandom >"$data"
# transfer NAME FROM TO ADDR PORT
transfer() { wst_tcp_transfer "$@" "$data"; }

segmented() { wst_metric wstun_relay_segmented_total; }

transfer 1-to-2-v4 1 2 "$(wst_addr4 2)" 5001
transfer 1-to-2-v6 1 2 "$(wst_addr6 2)" 5002
cut=$(segmented)
[ "${cut:-0}" -gt 0 ] ||
  wst_fail "the relay segmented nothing for the client without offload: were records sent?"
wst_log "super-packets segmented for client 2: $cut"

transfer 2-to-1-v4 2 1 "$(wst_addr4 1)" 5003
transfer 1-to-3-v4 1 3 "$(wst_addr4 3)" 5004
transfer 1-to-3-v6 1 3 "$(wst_addr6 3)" 5005
[ "$(segmented)" = "$cut" ] ||
  wst_fail "the relay segmented $(($(segmented) - cut)) super-packets for clients with offload"

bad=$(wst_metric 'wstun_relay_dropped_total{reason="bad_offload"}')
[ "${bad:-0}" = 0 ] || wst_fail "the relay dropped $bad packets as bad_offload"
wst_no_sanitizer_reports client1
wst_no_sanitizer_reports client2
wst_no_sanitizer_reports client3
wst_pass "4 MiB intact each way between clients with and without offloads ($cut super-packets cut)"
