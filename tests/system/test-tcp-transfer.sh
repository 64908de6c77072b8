#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 8 MiB of random data over TCP from client 1 to client 2 through the tunnel,
# over IPv4 and over IPv6; the receiver's copy must be identical.
source "$(dirname "$0")/lib.sh"

wst_require_python
wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
wst_client 1
wst_client 2

a2=$(wst_addr4 2) b2=$(wst_addr6 2)
[ -n "$a2" ] && [ -n "$b2" ] || wst_fail "client 2 got addresses '$a2' '$b2'"

data=$WST_LOGDIR/data
head -c $((8 * 1024 * 1024)) /dev/urandom >"$data"

start=$SECONDS
wst_tcp_transfer ipv4 1 2 "$a2" 5001 "$data"
wst_tcp_transfer ipv6 1 2 "$b2" 5002 "$data"

# both copies crossed the relay (the tunnel addresses exist nowhere else)
sent=$(wst_metric wstun_relay_tx_bytes_total)
[ "${sent:-0}" -ge $((2 * 8 * 1024 * 1024)) ] || wst_fail "relay forwarded only ${sent:-0} bytes"
wst_pass "8 MiB over IPv4 and over IPv6 arrived intact in $((SECONDS - start)) s"
