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
want=$(sha256sum <"$data" | cut -d' ' -f1)

# transfer NAME ADDR PORT: data from client 1 to ADDR:PORT on client 2
transfer() {
  local name=$1 addr=$2 port=$3 out=$WST_LOGDIR/$1.out got
  wst_bg "recv-$name" "$(wst_ns 2)" "$WST_PYTHON" "$WST_TOOLS/tcp-xfer.py" recv \
    --bind "$addr" --port "$port" --out "$out" --timeout 60
  wst_wait 10 wst_listening "$(wst_ns 2)" "$port" || wst_fail "$name: receiver did not listen"
  wst_tool 1 tcp-xfer send --to "$addr" --port "$port" --file "$data" --timeout 60 ||
    wst_fail "$name: sending failed"
  wst_exit_status "recv-$name" 30 && [ "$WST_STATUS" = 0 ] || wst_fail "$name: receiving failed"
  got=$(sha256sum <"$out" | cut -d' ' -f1)
  [ "$got" = "$want" ] || wst_fail "$name: received $(stat -c %s "$out") bytes, checksum differs"
  rm -f "$out"
  wst_log "$name: $(cat "$(wst_logfile "recv-$name")")"
}

start=$SECONDS
transfer ipv4 "$a2" 5001
transfer ipv6 "$b2" 5002

# both copies crossed the relay (the tunnel addresses exist nowhere else)
sent=$(wst_metric wstun_relay_tx_bytes_total)
[ "${sent:-0}" -ge $((2 * 8 * 1024 * 1024)) ] || wst_fail "relay forwarded only ${sent:-0} bytes"
wst_pass "8 MiB over IPv4 and over IPv6 arrived intact in $((SECONDS - start)) s"
