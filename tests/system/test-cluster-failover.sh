#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failures in a relay cluster (3-member etcd, three relays):
#  - a relay killed with kill -9: its client, which knows two relays, moves
#    to the other, keeps its addresses (taken over in etcd with its resume
#    id) and traffic to it resumes within 5 s;
#  - all etcd members stopped for 10 s: established traffic keeps flowing,
#    a new client is refused with cluster-unavailable (4502), a client
#    resuming a session its relay holds gets in, and new clients are
#    admitted once etcd is back;
#  - two relays racing for one address 1,000 times: exactly one wins each
#    race, and etcd names it (tests/tools/claim-race.py).
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-cluster.sh"

on_relay() { [ "$(wsc_metric "$1" wstun_relay_clients)" = "$2" ]; }
relay_of() { # relay_of R...: the one of R... that has a client
  local r
  for r in "$@"; do
    on_relay "$r" 1 && echo "$r" && return 0
  done
  return 1
}
pings() { wst_in "$1" ping -c 1 -W 1 "$2"; }

wst_world 3
wsc_etcd 3
wsc_relays 3

# client 1 on relay 1; client 2 knows relays 2 and 3, starts at either
wsc_client 1 1
wsc_client 2 2 --connect "$(wsc_url 3)"
a1=$(wst_addr4 1) a2=$(wst_addr4 2) b2=$(wst_addr6 2)
wst_wait 5 relay_of 2 3 || wst_fail "client 2 is on neither relay 2 nor 3"
from=$(relay_of 2 3)
to=$((5 - from))
wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" || wst_fail "ping 1 -> 2 before the crash"

# --- a relay crashes ---
wst_ping_start ping12 1 "$a2"
wst_wait 5 wst_log_has ping12 "icmp_seq=" || wst_fail "no ping answer before the crash"
kill -9 "$(wst_pid "relay$from")"
t0=$(date +%s%N)
wst_wait 10 on_relay "$to" 1 || wst_fail "client 2 did not move from relay $from to relay $to"
wst_wait 10 pings 1 "$a2" || wst_fail "no ping 1 -> 2 after client 2 moved to relay $to"
ms=$((($(date +%s%N) - t0) / 1000000))
wst_ping_stop ping12
[ "$(wst_addr4 2)" = "$a2" ] && [ "$(wst_addr6 2)" = "$b2" ] ||
  wst_fail "client 2 changed addresses: $a2 $b2 -> $(wst_addr4 2) $(wst_addr6 2)"
[ "$ms" -lt 5000 ] || wst_fail "traffic to client 2 resumed only after $ms ms"
wst_wait 5 wsc_metric_ge "$to" 'wstun_relay_claims_total{result="taken_over"}' 1 ||
  wst_fail "relay $to did not take the lease over from relay $from"
wst_log "relay $from killed: client 2 on relay $to with $a2 $b2, traffic back after $ms ms"
# the crashed relay leaves the registry when its lease (TTL 3 s) runs out
wst_wait 15 wst_log_has relay1 "relay r$from left" || wst_fail "relay $from never left the registry"
wst_pass "kill -9 of a relay: its client moved, kept its addresses, traffic back in $ms ms"

# --- etcd gone for 10 s ---
# a session on relay 1 that drops: its lease is reserved there
out=$(wst_tool 3 resume-client session --url "$(wsc_url 1)" --then drop --timeout 10) ||
  wst_fail "a session on relay 1 failed: $out"
rid=$(head -1 <<<"$out" | wst_json resume)
raddr=$(head -1 <<<"$out" | wst_json address6)
[ -n "$rid" ] && [ -n "$raddr" ] || wst_fail "no resume id or address in: $out"
wst_ping_start ping21 2 "$a1"
wst_wait 5 wst_log_has ping21 "icmp_seq=" || wst_fail "no ping answer before etcd stopped"
for i in 1 2 3; do wst_stop "etcd$i"; done
t1=$SECONDS
wst_tool 3 resume-client session --url "$(wsc_url 1)" --expect-error cluster-unavailable \
  --expect-close 4502 --timeout 20 >"$WST_LOGDIR/refused.json" ||
  wst_fail "a new client while etcd is down was not refused with cluster-unavailable: $(cat "$WST_LOGDIR/refused.json")"
wst_log_has relay1 "refused.*cluster" || wst_fail "relay 1 did not log why it refused"
# a client resuming a session relay 1 holds needs no claim: it gets in
out=$(wst_tool 3 resume-client session --url "$(wsc_url 1)" --resume="$rid" --timeout 10) ||
  wst_fail "resuming a session relay 1 holds failed while etcd is down: $out"
[ "$(head -1 <<<"$out" | wst_json address6)" = "$raddr" ] ||
  wst_fail "the resumed session got other addresses: $out"
# etcd stays away for 10 s
while [ $((SECONDS - t1)) -lt 10 ]; do sleep 0.5; done
pings 2 "$a1" || wst_fail "established traffic stopped while etcd was down"
for i in 1 2 3; do wsc_etcd_start "$i"; done
wst_wait 30 wsc_metric_ge 1 wstun_relay_cluster_ready 1 || wst_fail "relay 1 did not recover after etcd came back"
wst_ping_stop ping21
read -r sent got loss <<<"$(wst_ping_loss ping21)" || wst_fail "no pings while etcd was down"
wst_log "ping 2 -> 1 across the etcd outage: $got of $sent answered ($loss% loss)"
[ "$got" -ge $((sent * 95 / 100)) ] || wst_fail "established traffic lost $loss% while etcd was down"
wsc_client 3 1
wst_in 3 ping -c 2 -i 0.2 -W 2 "$a2" || wst_fail "a client admitted after etcd came back cannot ping"
wst_pass "etcd down 10 s: traffic flowed ($loss% loss), new clients refused with 4502 (a resume got in), then admitted"

# --- 1,000 races for one address between two relays ---
ip netns exec "$(wst_ns relay)" "$WST_PYTHON" "$WST_TOOLS/claim-race.py" --url "$(wsc_url 1)" --id r1 --url "$(wsc_url "$to")" --id "r$to" \
  --etcd "http://$WST_RELAY_IP:23791" --count 1000 --batch 50 --timeout 150 \
  >"$WST_LOGDIR/race.json" 2>&1 || wst_fail "claim races: $(cat "$WST_LOGDIR/race.json")"
wst_log "claim races: $(cat "$WST_LOGDIR/race.json")"
wst_pass "1,000 claim races: one winner each, named in etcd"
