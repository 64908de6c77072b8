#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstund as a D-Bus service, measured (run by hand, as root, on a release
# build; not part of check.sh):
#   1. Connect -> "connected": RUNS times (default 20) org.wstun.Connect to
#      a relay in the next namespace, timed by a D-Bus client until the
#      PropertiesChanged that says "connected"; median, min, p90, max.
#   2. Idle wakeups: with one connection up and no traffic, wstund's
#      poll()/ppoll() calls (strace -f over all threads) and context
#      switches (/proc, no tracing) during IDLE seconds (default 10).
#   3. Memory: VmRSS of wstund with no connection and with one.
# usage: tests/bench/dbus-connect-latency.sh [RUNS] [IDLE-SECONDS]
# WSTUN_BUILDDIR picks the build (default _build/release).
set -u
RUNS=${1:-20}
IDLE=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$here/../../_build/release}
export WST_ID=${WST_ID:-wdbus}
source "$here/../system/lib.sh"

[ -x "$WSTUND_BIN" ] || wst_fail "no $WSTUND_BIN: meson compile -C $WSTUN_BUILDDIR"
command -v strace >/dev/null || wst_fail "needs strace"
wst_world 1
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
wst_dbus "$(wst_ns 1)" --idle-timeout 0
echo "build: $WSTUN_BUILDDIR ($(git -C "$here" rev-parse --short HEAD 2>/dev/null) + work tree)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# wstund's threads' context switches, summed
ctxt() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }'
}
# "RSS PSS PRIVATE" in kB: resident, proportional (shared pages divided
# among their users) and the process's own (private clean + dirty)
mem() {
  awk '$1 == "Rss:" { r = $2 } $1 == "Pss:" { p = $2 } $1 ~ /^Private_(Clean|Dirty):$/ { v += $2 }
    END { print r, p, v }' "/proc/$1/smaps_rollup"
}

# memory before any connection (activated by this read)
wst_prop /org/wstun org.wstun Version >/dev/null
pid=$(wst_wstund_pid) || wst_fail "wstund did not start"
sleep 0.5
read -r rss0 pss0 priv0 <<<"$(mem "$pid")"

# 1. Connect -> connected
echo "== Connect -> connected, $RUNS runs (ms)"
"$WST_PYTHON" "$here/dbus-connect-latency.py" "$WST_RELAY_URL" "$RUNS" | tee "$WST_LOGDIR/latency.txt" ||
  wst_fail "the latency runs failed"

# 2. idle with one connection
path=$(busctl --system call org.wstun /org/wstun org.wstun Connect 'a{sv}' 1 url s "$WST_RELAY_URL" |
  sed -n 's/^o "\(.*\)"$/\1/p')
wst_wait 10 wst_state_is "$path" connected || wst_fail "no connection for the idle test"
sleep 2 # let the counters' timer run out
read -r rss1 pss1 priv1 <<<"$(mem "$pid")"
c0=$(ctxt "$pid")
sleep "$IDLE"
c1=$(ctxt "$pid")
timeout -s INT "$((IDLE + 1))" strace -f -c -q -e trace=poll,ppoll,epoll_wait,epoll_pwait,select,pselect6 \
  -o "$WST_LOGDIR/strace.txt" -p "$pid" >/dev/null 2>&1
polls=$(awk '$NF ~ /^(poll|ppoll|epoll_wait|epoll_pwait|select|pselect6)$/ { n += $4 } END { print n + 0 }' \
  "$WST_LOGDIR/strace.txt")
echo "== idle, one connection, no traffic, ${IDLE} s"
cat "$WST_LOGDIR/strace.txt"
echo "context switches: $((c1 - c0)) in $IDLE s; poll calls under strace: $polls in about $IDLE s"
echo "== memory"
echo "without connections: RSS ${rss0} kB, PSS ${pss0} kB, private ${priv0} kB"
echo "with one connection: RSS ${rss1} kB, PSS ${pss1} kB, private ${priv1} kB"
echo "summary: $(tail -n 1 "$WST_LOGDIR/latency.txt") idle_ctxt_switches=$((c1 - c0))/${IDLE}s" \
  "idle_polls=$polls rss_kb_idle=$rss0 rss_kb_one=$rss1 pss_kb_one=$pss1 private_kb_one=$priv1"
busctl --system call org.wstun "$path" org.wstun.Connection Disconnect
wst_stop_wstund
