#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Connect and Disconnect through D-Bus, 1,000 times (WST_CYCLES): three in
# four reach "connected", every fourth is cancelled while connecting.
# wstund ends with the file descriptors it had after a warm-up and its
# resident memory within 1 MB of it (suite "memory", the build without
# sanitizers); under the sanitizers nothing leaks or breaks
# when wstund exits.
source "$(dirname "$0")/lib.sh"

wst_require_python
cycles=${WST_CYCLES:-1000}
wst_world 1
wst_relay --pool 10.99.0.0/24
ns1=$(wst_ns 1)
wst_dbus "$ns1" --idle-timeout 0

run() { "$WST_PYTHON" "$WST_TOOLS/dbus-cycles.py" "$WST_RELAY_URL" "$1"; }
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status"; }

# warm-up: every library and code path a cycle touches is loaded
out=$(run 20) || wst_fail "warm-up cycles failed: $out"
pid=$(wst_wstund_pid) || wst_fail "wstund is not running"
fds0=$(fds) rss0=$(rss)
wst_log "after 20 cycles: wstund $pid has $fds0 fds, VmRSS $rss0 kB"

out=$(run "$cycles") || wst_fail "cycles failed: $out"
wst_log "$cycles cycles: $out"
[ "$(wst_json connected <<<"$out")" = $((cycles - cycles / 4)) ] || wst_fail "not every cycle connected: $out"
wst_wstund_running || wst_fail "wstund lost the bus"
[ "$(busctl --system get-property org.wstun /org/wstun org.wstun Connections)" = "ao 0" ] ||
  wst_fail "connections are left: $(busctl --system get-property org.wstun /org/wstun org.wstun Connections)"
ip -n "$ns1" link show dev wstunc0 >/dev/null 2>&1 && wst_fail "a wstunc0 device is left"
[ "$(wst_metric wstun_relay_clients)" = 0 ] || wst_fail "the relay still has $(wst_metric wstun_relay_clients) clients"
fds1=$(fds) rss1=$(rss)
wst_log "after $((cycles + 20)) cycles: $fds1 fds, VmRSS $rss1 kB ($((rss1 - rss0)) kB)"
[ "$fds1" -le "$fds0" ] || wst_fail "wstund has $fds1 file descriptors, $((fds1 - fds0)) more than after the warm-up"
if wst_sanitized; then
  wst_stop_wstund
  wst_sanitizers_clean
else
  [ $((rss1 - rss0)) -le 1024 ] || wst_fail "VmRSS grew by $((rss1 - rss0)) kB over $cycles cycles"
fi
wst_pass "$cycles D-Bus connect/disconnect cycles: fds $fds0 -> $fds1, VmRSS $rss0 -> $rss1 kB"
