#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NetworkManager-wstun measured (by hand, not in check.sh), release build:
#   - `nmcli connection up` to "activated", RUNS times (default 10), against
#     a relay on the next namespace: median, min, max
#   - iperf3 TCP (SECONDS, default 5) from NetworkManager's namespace to a
#     peer client, through a tunnel NetworkManager started and through one
#     wstunctl started, in the same run: the plugin adds nothing to the
#     data path, so the two should match
# usage: tests/bench/nm-bench.sh [RUNS] [SECONDS]
set -u
RUNS=${1:-10}
SECS=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$here/../../_build/release}
export WST_ID=${WST_ID:-wnmb}
export WST_KEEP_LOGS=${WST_KEEP_LOGS:-}
source "$here/../system/lib.sh"
source "$here/../nm/lib-nm.sh"

nmw_require
wst_world 1
wst_relay --pool 10.99.0.0/24
wst_client 1
peer=$(wst_addr4 1)
nmw_wstun_plugin
nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME" --log-level INFO
echo "build: $WSTUN_BUILDDIR ($(git -C "$here" rev-parse --short HEAD 2>/dev/null))"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
nmw_nmcli connection add type vpn vpn-type wstun con-name office autoconnect no \
  vpn.data "url=$WST_RELAY_URL,token-flags=4" >/dev/null || wst_fail "cannot add office"

echo "== nmcli connection up office -> activated, $RUNS runs (ms)"
times=()
for i in $(seq "$RUNS"); do
  start=$(date +%s%N)
  nmw_nmcli -w 30 connection up office >/dev/null || wst_fail "run $i: up failed"
  times+=($((($(date +%s%N) - start) / 1000000)))
  nmw_nmcli -w 30 connection down office >/dev/null || wst_fail "run $i: down failed"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "runs=%d median_ms=%s min_ms=%s max_ms=%s\n", NR, m, v[1], v[NR] }'

wst_bg iperf3 "$(wst_ns 1)" iperf3 -s -B "$peer"
wst_wait 5 wst_listening "$(wst_ns 1)" 5201 || wst_fail "iperf3 server did not start"
iperf() { # iperf LABEL: TCP from NetworkManager's namespace to the peer
  local bps
  bps=$(nmw_exec timeout $((SECS + 20)) iperf3 -c "$peer" -t "$SECS" --connect-timeout 5000 -J | "$WST_PYTHON" -c \
    'import json, sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))') ||
    wst_fail "iperf3 ($1) failed"
  echo "$1: $((bps / 1000000)) Mbit/s"
}
echo "== iperf3 TCP, ${SECS} s, NetworkManager's namespace -> $peer"
for round in 1 2; do
  nmw_nmcli -w 30 connection up office >/dev/null || wst_fail "up failed"
  iperf "round $round, started by NetworkManager"
  nmw_nmcli -w 30 connection down office >/dev/null || wst_fail "down failed"
  nmw_exec "$WSTUNCTL_BIN" connect "$WST_RELAY_URL" --interface wstunb0 >/dev/null || wst_fail "wstunctl connect failed"
  iperf "round $round, started by wstunctl"
  nmw_exec "$WSTUNCTL_BIN" disconnect wstunb0 >/dev/null || wst_fail "wstunctl disconnect failed"
done
