#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Abuse of a wss:// relay with tokens, phase by phase, while client 1 pings
# client 2 through it every 20 ms: each phase must leave that ping under 1 %
# loss, the relay up, its limits holding and its counters counting:
#   1. floods of wrong, missing and junk tokens, from many sources and from
#      one (auth_failed, auth_rate_limited);
#   2. slowloris: more idle connections than --max-pending, some trickling a
#      request line inside TLS, some not even starting TLS (pending_full,
#      pending_timeout; pending connections never above the bound);
#   3. floods of hellos from a client with a valid token: many sessions,
#      second hellos (bad_message, 4400), none (hello_timeout, 4408); every
#      address comes back;
#   4. messages over --max-frame, whole, announced and fragmented: that
#      connection is closed with 1009 (message_too_big), nothing else.
# Runs against the sanitized build with GSlice off, so that LeakSanitizer
# sees every object a connection leaves behind when the relay exits. The
# relay's resident memory is only measured against a build without
# sanitizers (here, when run by hand: RSS_LIMIT_KB over all phases; the
# flood of test-flood.sh measures it in the suite "memory").
source "$(dirname "$0")/lib.sh"

MAX_PENDING=64
MAX_FRAME=100000
HELLO_TIMEOUT=2
MAX_LOSS=1
MIN_PINGS_SECONDS=4 # each phase pings for at least this long: 200 echo requests
# without sanitizers: max-pending connections with their TLS sessions, the
# tables of sources, allocator slack (as test-flood.sh)
RSS_LIMIT_KB=16384
export G_SLICE=always-malloc # GLib 2.74: GObjects from malloc, seen by LeakSanitizer

wst_require_python
wst_world 4 # 1 pings 2; 3 has a valid token and abuses it; 4 has none
wst_pki
wst_token alice
wst_token bob
wst_token mallory
wst_many_sources 4
wst_relay_tls relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24 --max-pending "$MAX_PENDING" \
  --max-frame "$MAX_FRAME" --hello-timeout "$HELLO_TIMEOUT"
ca=(--ca-file "$(wst_pem ca)")
wst_client 1 --token-file "$(wst_token_file alice)" "${ca[@]}"
wst_client 2 --token-file "$(wst_token_file bob)" "${ca[@]}"
a2=$(wst_addr4 2)
wst_in 1 ping -q -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "ping 1 -> 2 before the abuse"

refusals() { wst_metric "wstun_relay_refusals_total{reason=\"$1\"}"; }
grown() { echo $(($(refusals "$1") - ${before[$1]})); } # since phase_start
declare -A before
phase_start() { # phase_start NAME: counters, and client 1 starts pinging client 2
  local reason
  PHASE=$1
  for reason in auth_failed auth_rate_limited pending_full pending_timeout hello_timeout \
    bad_message message_too_big; do
    before[$reason]=$(refusals "$reason")
    [ -n "${before[$reason]}" ] || wst_fail "the relay does not count refusals for $reason"
  done
  wst_ping_start "ping-$PHASE" 1 "$a2"
  PHASE_START=$(date +%s%N)
  sleep 0.3
}
phase_end() { # phase_end: the ping lost less than MAX_LOSS %, the relay is whole
  local sent answered loss rss
  while [ $(($(date +%s%N) - PHASE_START)) -lt $((MIN_PINGS_SECONDS * 1000000000)) ]; do
    sleep 0.1
  done
  wst_ping_stop "ping-$PHASE"
  read -r sent answered loss < <(wst_ping_loss "ping-$PHASE") || wst_fail "$PHASE: no ping"
  wst_log "$PHASE: ping 1 -> 2 $answered of $sent answered ($loss % lost), $(grep -o 'rtt.*' "$(wst_logfile "ping-$PHASE")")"
  awk -v l="$loss" -v m="$MAX_LOSS" 'BEGIN { exit !(l < m) }' ||
    wst_fail "$PHASE: ping 1 -> 2 lost $loss % (limit $MAX_LOSS %)"
  kill -0 "$(wst_pid relay)" 2>/dev/null || wst_fail "$PHASE: the relay died"
  wst_wait 5 metric_is wstun_relay_pending_connections 0 || wst_fail "$PHASE: connections still pending"
  wst_wait 5 metric_is wstun_relay_clients 2 || wst_fail "$PHASE: $(wst_metric wstun_relay_clients) clients, not 2"
  # every address is the two clients' or reserved for a client that
  # dropped its connection without a close (it may resume for a while)
  [ "$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')" = $((2 + $(wst_metric wstun_relay_reserved_leases))) ] ||
    wst_fail "$PHASE: addresses were not given back"
  rss=$(wst_vm_kb relay VmHWM)
  wst_log "$PHASE: relay peak RSS $rss kB (baseline $RSS_BASE kB$(wst_sanitized && echo ', sanitized build: not checked'))"
  wst_sanitized || [ $((rss - RSS_BASE)) -lt "$RSS_LIMIT_KB" ] ||
    wst_fail "$PHASE: the relay grew by $((rss - RSS_BASE)) kB (limit $RSS_LIMIT_KB kB)"
}
metric_is() { [ "$(wst_metric "$1")" = "$2" ]; }
flood_bg() { # flood_bg NAME N ARGS...: tests/tools/flood.py in client N's namespace, in the background
  local name=$1 i=$2
  shift 2
  wst_bg "$name" "$(wst_ns "$i")" "$WST_PYTHON" "$WST_TOOLS/flood.py" --url "$WST_RELAY_URL" "$@"
}
flood_done() { # flood_done NAME: waits for it; its report in REPORT; fails unless it exited 0
  wst_exit_status "$1" 120 || wst_fail "$PHASE: $1 does not end"
  REPORT=$(tail -n 1 "$(wst_logfile "$1")")
  wst_log "$PHASE: $1: $REPORT"
  [ "$WST_STATUS" = 0 ] || wst_fail "$PHASE: $1 did not see what it expected: $REPORT"
}
outcome() { # outcome KEY: how many connections of REPORT ended so
  "$WST_PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])["outcomes"].get(sys.argv[2], 0))' \
    "$REPORT" "$1"
}
mallory=(--token-file "$(wst_token_file mallory)" --ca-file "$(wst_pem ca)")
RSS_BASE=$(wst_vm_kb relay VmRSS) || wst_fail "cannot read the relay's VmRSS"

# 1. bad tokens: 1500 from as many sources, 500 from one
phase_start bad-tokens
flood_bg spread 4 mixed --count 1500 --concurrency 32 --sources "$WST_SOURCES" --expect http-401,http-429
flood_bg single 4 mixed --count 500 --concurrency 16 --expect http-401,http-429
flood_done spread
flood_done single
[ "$(outcome http-429)" -ge 400 ] || wst_fail "$PHASE: the single source was not limited (429)"
phase_end
[ "$(($(grown auth_failed) + $(grown auth_rate_limited)))" = 2000 ] ||
  wst_fail "$PHASE: auth_failed + auth_rate_limited grew by $(grown auth_failed) + $(grown auth_rate_limited), not 2000"
[ "$(grown auth_rate_limited)" -ge 400 ] || wst_fail "$PHASE: auth_rate_limited grew by $(grown auth_rate_limited) only"

# 2. slowloris: 100 connections trickling a request line inside TLS, 50
# that never start TLS, against max-pending 64: the first are closed after
# the hello timeout, the rest at once
phase_start slowloris
flood_bg trickle 4 idle --count 100 --concurrency 100 --trickle 0.5 --hold 15 --expect closed,hung-up
flood_bg silent 4 idle --silent --count 50 --concurrency 50 --hold 15 --expect closed,hung-up
most=0
while ! wst_ended trickle || ! wst_ended silent; do
  n=$(wst_metric wstun_relay_pending_connections)
  [ -n "$n" ] && [ "$n" -gt "$most" ] && most=$n
  sleep 0.1
done
flood_done trickle
flood_done silent
phase_end
wst_log "$PHASE: at most $most connections pending (max-pending $MAX_PENDING); pending_full +$(grown pending_full), pending_timeout +$(grown pending_timeout)"
[ "$most" -le "$MAX_PENDING" ] || wst_fail "$PHASE: $most connections were pending at once (max-pending $MAX_PENDING)"
[ "$most" -ge $((MAX_PENDING / 2)) ] || wst_fail "$PHASE: only $most connections were ever pending: no slowloris"
[ "$(grown pending_full)" -ge $((150 - MAX_PENDING - 10)) ] ||
  wst_fail "$PHASE: pending_full grew by $(grown pending_full), not about $((150 - MAX_PENDING))"
[ "$(grown pending_timeout)" -ge $((MAX_PENDING - 10)) ] ||
  wst_fail "$PHASE: pending_timeout grew by $(grown pending_timeout), not about $MAX_PENDING"
[ "$(($(grown pending_full) + $(grown pending_timeout)))" -le 150 ] || wst_fail "$PHASE: counted too many"
# afterwards a client gets in again
out=$(wst_tool 3 flood http --url "$WST_RELAY_URL" "${mallory[@]}") && [ "$(wst_json status <<<"$out")" = 101 ] ||
  wst_fail "$PHASE: a client with a valid token cannot get in after the slowloris: $out"

# 3. a valid token abused: 300 sessions, 100 second hellos, 50 that never
# say hello (at most 16 + 16 + 25 connections at once: below max-pending)
phase_start hellos
flood_bg sessions 3 hello "${mallory[@]}" --count 300 --concurrency 16 --expect config
flood_bg second 3 hello --then second-hello "${mallory[@]}" --count 100 --concurrency 16 --expect close-4400
flood_bg silent-hello 3 no-hello "${mallory[@]}" --count 50 --concurrency 25 --expect close-4408
flood_done sessions
flood_done second
flood_done silent-hello
phase_end
[ "$(grown bad_message)" = 100 ] || wst_fail "$PHASE: bad_message grew by $(grown bad_message), not 100"
[ "$(grown hello_timeout)" = 50 ] || wst_fail "$PHASE: hello_timeout grew by $(grown hello_timeout), not 50"
[ "$(grown pending_full)" = 0 ] || wst_fail "$PHASE: pending_full grew by $(grown pending_full)"

# 4. messages beyond max-frame close that connection with 1009
phase_start oversize
flood_bg whole 3 oversize --how whole --size $((MAX_FRAME + 1)) "${mallory[@]}" --count 5 --expect close-1009
flood_bg claim 3 oversize --how claim "${mallory[@]}" --count 5 --expect close-1009
flood_bg fragments 3 oversize --how fragments --size $((3 * MAX_FRAME)) "${mallory[@]}" --count 5 \
  --expect close-1009
flood_done whole
flood_done claim
flood_done fragments
# a message of max-frame bytes is fine (a data frame the relay drops as
# malformed): the connection stays open until the tool gives up
out=$(wst_tool 3 flood oversize --url "$WST_RELAY_URL" --how whole --size "$MAX_FRAME" "${mallory[@]}" \
  --timeout 3 --expect timeout) || wst_fail "$PHASE: a message of max-frame bytes: $out"
phase_end
[ "$(grown message_too_big)" = 15 ] || wst_fail "$PHASE: message_too_big grew by $(grown message_too_big), not 15"
wst_log_has relay 'disconnected: Message exceeds the size limit' || wst_fail "$PHASE: the relay did not log the 1009s"

wst_in 2 ping -q -c 3 -i 0.2 -W 2 "$(wst_addr4 1)" >/dev/null || wst_fail "ping 2 -> 1 after the abuse"
wst_stop client1
wst_stop client2
kill -TERM "$(wst_pid relay)"
wst_exit_status relay 10 || wst_fail "the relay does not exit on SIGTERM"
[ "$WST_STATUS" = 0 ] || wst_fail "the relay exited $WST_STATUS (a sanitizer's report?)"
wst_no_sanitizer_reports relay client1 client2
wst_pass "bad tokens, slowloris, hello floods and oversized messages: counted, bounded, ping under $MAX_LOSS % loss"
