#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Soak (by hand, not in check.sh), release build: a relay and two wstund
# clients (client 1 in the foreground, client 2 through D-Bus) for MINUTES
# (default 30). Each minute: 50 s of iperf3 UDP at RATE (default 20M)
# from client 1 to client 2 and a ping from 2 to 1 every 0.2 s, then a
# forced reconnection, in turn: client 1's link down and up, client 2 cut
# off silently (its bridge port) until both sides' keepalives give up,
# and client 2's link down and up. After each minute it samples the
# relay's and both wstunds' resident memory and open file descriptors.
# Passes when every minute's traffic got through and, from minute 2 (or
# the first after it that ended with the same event as the last) to the
# end, no fd count grew and no RSS grew by more than 1 MB.
# usage: tests/bench/soak.sh [MINUTES] [RATE]
set -u
MINUTES=${1:-30}
RATE=${2:-20M}
here=$(cd "$(dirname "$0")" && pwd)
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$here/../../_build/release}
export WST_ID=${WST_ID:-wsoak}
source "$here/../system/lib.sh"

wst_require_python
wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64 --keepalive 2 --resume-grace 60
wst_client 1
ns2=$(wst_ns 2)
wst_dbus "$ns2" --idle-timeout 0
c2=$(wst_in 2 "$WSTUNCTL_BIN" connect "$WST_RELAY_URL" --interface wstun0 --no-wait) ||
  wst_fail "wstunctl connect failed"
wst_wait 10 wst_state_is "$c2" connected || wst_fail "client 2 is $(wst_state "$c2")"
a1=$(wst_addr4 1) a2=$(wst_addr4 2)
relay=$(wst_pid relay) w1=$(wst_pid client1) w2=$(wst_wstund_pid)
echo "build: $WSTUN_BUILDDIR ($(git -C "$here" rev-parse --short HEAD 2>/dev/null)), $MINUTES min, $RATE"
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
reconnects() { grep -c 'reconnected on' "$(wst_logfile client1)"; }
wst_bg iperf3 "$ns2" iperf3 -s -B "$a2"
wst_wait 5 wst_listening "$ns2" 5201 || wst_fail "iperf3 server did not start"

printf '%-6s %-10s %-14s %-14s %-14s %-9s %s\n' minute event "relay kB/fds" "wstund1 kB/fds" \
  "wstund2 kB/fds" "loss %" "Mbit/s"
declare -a R W1 W2 F1 F2 F3
for m in $(seq "$MINUTES"); do
  wst_bg ping "$ns2" ping -q -i 0.2 -w 50 "$a1"
  out=$(wst_in 1 timeout 70 iperf3 -u -b "$RATE" -c "$a2" -t 50 -J 2>/dev/null | "$WST_PYTHON" -c '
import json, sys
e = json.load(sys.stdin)["end"]["sum"]
print("%.3f %.1f" % (e["lost_percent"], e["bits_per_second"] / 1e6))') || out="- -"
  wst_exit_status ping 20 || wst_fail "minute $m: ping does not end"
  [ "$WST_STATUS" = 0 ] || wst_fail "minute $m: no ping got through: $(tail -n 2 "$(wst_logfile ping)")"
  case $((m % 3)) in
  1) event=flap1
     ip -n "$(wst_ns 1)" link set eth0 down; sleep 1; ip -n "$(wst_ns 1)" link set eth0 up ;;
  2) event=cut2
     ip -n "$(wst_ns relay)" link set p2 nomaster
     wst_wait 10 wst_state_is "$c2" reconnecting || wst_fail "minute $m: client 2 did not notice the cut"
     ip -n "$(wst_ns relay)" link set p2 master br0 ;;
  0) event=flap2
     ip -n "$ns2" link set eth0 down; sleep 1; ip -n "$ns2" link set eth0 up ;;
  esac
  wst_wait 30 wst_state_is "$c2" connected || wst_fail "minute $m: client 2 is $(wst_state "$c2")"
  wst_wait 30 wst_in 1 ping -q -c 1 -W 0.5 "$a2" || wst_fail "minute $m: client 1 does not reach client 2"
  [ "$(wst_addr4 1)" = "$a1" ] && [ "$(wst_addr4 2)" = "$a2" ] || wst_fail "minute $m: an address changed"
  R[m]=$(rss "$relay") W1[m]=$(rss "$w1") W2[m]=$(rss "$w2")
  F1[m]=$(fds "$relay") F2[m]=$(fds "$w1") F3[m]=$(fds "$w2")
  printf '%-6s %-10s %-14s %-14s %-14s %-9s %s\n' "$m" "$event" "${R[m]}/${F1[m]}" "${W1[m]}/${F2[m]}" \
    "${W2[m]}/${F3[m]}" $out
done
ok=1
# the last minute against the first from minute 2 on that ended with the
# same event (a relay still closing a flapped client's old socket holds
# one more descriptor for a moment)
m0=2
while [ $((m0 % 3)) != $((MINUTES % 3)) ]; do m0=$((m0 + 1)); done
if [ "$MINUTES" -gt "$m0" ]; then
  for v in R W1 W2; do
    eval "first=\${$v[$m0]} last=\${$v[$MINUTES]}"
    [ $((last - first)) -le 1024 ] || { echo "FAIL: $v RSS grew from $first to $last kB"; ok=0; }
  done
  for v in F1 F2 F3; do
    eval "first=\${$v[$m0]} last=\${$v[$MINUTES]}"
    [ "$last" -le "$first" ] || { echo "FAIL: $v fds grew from $first to $last"; ok=0; }
  done
fi
echo "client 1 reconnected $(reconnects) times"
[ "$ok" = 1 ] && echo "PASS: $MINUTES minutes, a forced reconnection each, nothing grew"
[ "$ok" = 1 ]
