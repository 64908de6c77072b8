#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstund's memory under a flood of refused hostile calls (suite "memory",
# run against the build without sanitizers): thousands of small malformed
# calls, from root and from a user polkit would refuse, leave wstund's
# resident memory within 2 MB of where it started; 30 MB calls cost the
# largest message's size once (GDBus's read buffer) and nothing more
# however many follow (before the bounds, wstund grew to hundreds of MB).
# Also: Connect to "connected" stays fast (median of 20 under 100 ms).
source "$(dirname "$0")/lib.sh"

wst_world 1
wst_relay --pool 10.99.0.0/24
ns1=$(wst_ns 1)
wst_dbus "$ns1" --idle-timeout 0

hostile() { "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" "$@"; }
rss() { wst_vm_kb_pid "$pid" VmRSS; }
wst_vm_kb_pid() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# steady state first: one tunnel up and down, and a few refused calls, so
# that every library and code path a call touches is loaded
"$WST_PYTHON" "$WST_TESTS/bench/dbus-connect-latency.py" "$WST_RELAY_URL" 20 >"$WST_LOGDIR/latency.txt" ||
  wst_fail "Connect latency runs failed: $(tail -n 5 "$WST_LOGDIR/latency.txt")"
pid=$(wst_wstund_pid) || wst_fail "wstund is not running"
median=$(sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' "$WST_LOGDIR/latency.txt")
wst_log "Connect -> connected: $(tail -n 1 "$WST_LOGDIR/latency.txt")"
"$WST_PYTHON" -c "import sys; sys.exit(not float(sys.argv[1]) < 100)" "$median" ||
  wst_fail "the median Connect -> connected is $median ms, not under 100 ms"
hostile flood 20 1000 >/dev/null
wst_nobody "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" flood 20 1000 >/dev/null
rss0=$(rss)
wst_log "wstund $pid: VmRSS $rss0 kB before the flood"

# 1. thousands of small malformed calls, from root and from a user polkit
#    would refuse: nothing is kept
out=$(hostile flood 2000 4096)
[ "$(wst_json refused <<<"$out")" = 2000 ] || wst_fail "root's small flood: $out"
out=$(wst_nobody "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" flood 4000 4096)
[ "$(wst_json refused <<<"$out")" = 4000 ] || wst_fail "nobody's small flood: $out"
within() { [ $(($(rss) - $1)) -le 2048 ]; }
wst_wait 5 within "$rss0" || wst_fail "VmRSS is $(rss) kB after 6000 small calls, $(($(rss) - rss0)) kB above $rss0"
wst_log "after 6000 small malformed calls: VmRSS $(rss) kB ($(($(rss) - rss0)) kB)"

# 2. 30 MB calls. GDBus keeps the buffer it reads messages into at the
#    size of the largest message yet (gdbusprivate.c never shrinks it), so
#    the first one costs that much for good; the others cost nothing more
out=$(hostile flood 2 30000000)
[ "$(wst_json refused <<<"$out")" = 2 ] || wst_fail "the first big call: $out"
rss1=$(rss)
out=$(hostile flood 40 30000000)
[ "$(wst_json refused <<<"$out")" = 40 ] || wst_fail "root's flood: $out"
out=$(wst_nobody "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" flood 40 30000000)
[ "$(wst_json refused <<<"$out")" = 40 ] || wst_fail "nobody's flood: $out"
peak=$(wst_vm_kb_pid "$pid" VmHWM)
wst_wstund_running || wst_fail "wstund lost the bus"
wst_wait 5 within "$rss1" || wst_fail "VmRSS grew from $rss1 to $(rss) kB over 80 more refused 30 MB calls"
# the bus's own limit on a message (32 MiB) bounds the read buffer
[ $(($(rss) - rss0)) -le $((34 * 1024)) ] || wst_fail "VmRSS is $(rss) kB, $(($(rss) - rss0)) kB above $rss0"
wst_log "after 81 refused 30 MB calls: VmRSS $(rss) kB ($(($(rss) - rss0)) kB above the start," \
  "$(($(rss) - rss1)) kB above the first one's), peak $peak kB"
busctl --system call org.wstun /org/wstun org.wstun Connect 'a{sv}' 1 url s "$WST_RELAY_URL" >/dev/null ||
  wst_fail "wstund does not connect after the flood"
wst_pass "flood of refused calls: VmRSS $rss0 -> $(rss) kB (first big call: $rss1 kB); Connect median $median ms"
