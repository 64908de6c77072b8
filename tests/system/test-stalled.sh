#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A client that stops reading cannot make the relay grow: client 1 floods a
# stalled receiver (tests/tools/stalled-client.py) with UDP; the relay's
# resident memory stays within a bound derived from its --backlog, the
# excess is dropped and counted as backlog_full, and clients 2 and 3 keep
# pinging each other without loss. Suite "memory": run against a build
# without sanitizers, whose shadow memory would swamp the measurement.
source "$(dirname "$0")/lib.sh"

BACKLOG=1048576
LIMIT_KB=$((16 * BACKLOG / 1024)) # 16 backlogs: batches, buffers, allocator slack
FLOOD_SECONDS=8

wst_require_python
wst_world 4 # 1 floods, 2 and 3 ping, 4 is the stalled receiver
wst_relay --pool 10.99.0.0/24 --backlog "$BACKLOG"
wst_client 1
wst_client 2
wst_client 3

wst_bg stalled "$(wst_ns 4)" "$WST_PYTHON" "$WST_TOOLS/stalled-client.py" \
  --url "$WST_RELAY_URL" --rcvbuf 4096 --hold 60
wst_wait 10 wst_log_has stalled '^stalled: not reading' || wst_fail "the stalled client did not connect"
stalled=$(awk '$1 == "address4" { print $2 }' "$(wst_logfile stalled)")
a3=$(wst_addr4 3)
[ -n "$stalled" ] && [ -n "$a3" ] || wst_fail "addresses: stalled '$stalled', client 3 '$a3'"

wst_in 2 ping -q -c 3 -i 0.2 -W 2 "$a3" >/dev/null || wst_fail "ping 2 -> 3 before the flood"
base=$(wst_vm_kb relay VmRSS) || wst_fail "cannot read the relay's VmRSS"
drops0=$(wst_drops backlog_full) || wst_fail "no backlog_full counter"

wst_bg flood "$(wst_ns 1)" "$WST_PYTHON" "$WST_TOOLS/udp-flood.py" \
  --to "$stalled" --size 1400 --count 6000000 --duration "$FLOOD_SECONDS"
wst_bg ping "$(wst_ns 2)" ping -c $((FLOOD_SECONDS * 5 - 5)) -i 0.2 -W 2 "$a3"
peak=$base samples=0
while ! wst_ended flood; do
  rss=$(wst_vm_kb relay VmRSS) || wst_fail "the relay died during the flood"
  [ "$rss" -gt "$peak" ] && peak=$rss
  samples=$((samples + 1))
  [ "$samples" -gt $((FLOOD_SECONDS * 2 + 40)) ] && wst_fail "the flood does not end"
  sleep 0.5
done
wst_exit_status flood 5 && [ "$WST_STATUS" = 0 ] || wst_fail "the flood failed"
# the high-water mark catches what happened between the samples
hwm=$(wst_vm_kb relay VmHWM) || wst_fail "cannot read the relay's VmHWM"
[ "$hwm" -gt "$peak" ] && peak=$hwm
wst_exit_status ping 20 || wst_fail "ping 2 -> 3 does not end"
wst_log "flood: $(cat "$(wst_logfile flood)")"
wst_log "ping: $(grep -E 'transmitted|rtt' "$(wst_logfile ping)" | tr '\n' ' ')"

loss=$(grep -oE '[0-9.]+% packet loss' "$(wst_logfile ping)" | cut -d% -f1)
awk -v l="${loss:-100}" 'BEGIN { exit !(l < 5) }' || wst_fail "ping 2 -> 3 lost ${loss:-all}% during the flood"
drops=$(($(wst_drops backlog_full) - drops0))
growth=$((peak - base))
wst_log "relay RSS: baseline $base kB, peak $peak kB ($samples samples), backlog_full drops $drops"
[ "$drops" -gt 0 ] || wst_fail "no backlog_full drops: the stalled client was not flooded"
[ "$growth" -lt "$LIMIT_KB" ] || wst_fail "the relay grew by $growth kB (limit $LIMIT_KB kB)"
kill -0 "$(wst_pid stalled)" 2>/dev/null || wst_fail "the stalled client is gone"
wst_pass "relay grew $growth kB (< $LIMIT_KB kB) while $drops packets were dropped for a stalled client"
