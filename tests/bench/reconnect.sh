#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reconnection after a relay restart, measured (by hand, not in check.sh),
# release build: two wstund clients, the relay stopped with SIGTERM (close
# 1012) and with kill -9, RUNS times each (default 10), started again at
# once with the same --state-dir. Each run times, from the moment the new
# relay listens, the first ping from client 1 that reaches client 2; and
# checks both kept their addresses. Prints median, min and max per way.
# usage: tests/bench/reconnect.sh [RUNS]
set -u
RUNS=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$here/../../_build/release}
export WST_ID=${WST_ID:-wrcb}
source "$here/../system/lib.sh"

wst_world 2
ARGS=(--pool 10.99.0.0/24 --pool6 fd00:99::/64)
wst_relay "${ARGS[@]}"
wst_client 1
wst_client 2
a1=$(wst_addr4 1) a2=$(wst_addr4 2)
echo "build: $WSTUN_BUILDDIR ($(git -C "$here" rev-parse --short HEAD 2>/dev/null))"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
reaches() { wst_in 1 ping -q -c 1 -W 0.05 "$a2" >/dev/null 2>&1; }
now_us() { echo $(($(date +%s%N) / 1000)); }
r=$(wst_ns relay)
port=${WST_RELAY_URL##*:}

# run WAY: stop the relay WAY (TERM or KILL), start it, time the first
# ping into $ms (not in a subshell: the new relay's PID must be kept)
run() {
  local t0
  kill "-$1" "$(wst_pid relay)"
  wait "$(wst_pid relay)" 2>/dev/null
  wst_bg relay "$r" "$RELAY_BIN" --listen "$WST_RELAY_URL" --metrics "$WST_METRICS" \
    --state-dir "$(wst_state_dir relay)" "${ARGS[@]}"
  # a tight poll: the figure is about milliseconds
  until wst_listening "$r" "$port"; do :; done
  t0=$(now_us)
  for _ in $(seq 2000); do reaches && break; done
  reaches || wst_fail "$1: no ping through after the restart"
  ms=$((($(now_us) - t0) / 1000))
  [ "$(wst_addr4 1)" = "$a1" ] && [ "$(wst_addr4 2)" = "$a2" ] || wst_fail "$1: addresses changed"
  wst_log_has relay "client .* connected .*resumed" || wst_fail "$1: the clients did not resume"
}
summary() {
  sort -n | awk -v way="$1" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s: runs=%d median_ms=%s min_ms=%s max_ms=%s\n", way, NR, m, v[1], v[NR] }'
}
for way in TERM KILL; do
  times=()
  for i in $(seq "$RUNS"); do
    run "$way"
    times+=("$ms")
    # both clients settled before the next restart
    wst_wait 10 reaches || wst_fail "not settled"
  done
  printf '%s\n' "${times[@]}" | summary "relay $way, restart -> first ping"
done
