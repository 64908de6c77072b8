#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A hostile wstun.v1 client (tests/tools/hostile-client.py) cannot reach or
# harm the others: packets with spoofed sources are dropped and counted,
# malformed frames are dropped whole and counted without closing anything,
# protocol violations close it with the right codes, and it cannot take
# another client's address. Client 1 and 2 keep talking throughout.
source "$(dirname "$0")/lib.sh"

wst_require_python
wst_world 3 # client 3's namespace holds the hostile client
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
wst_client 1
wst_client 2

a1=$(wst_addr4 1) a2=$(wst_addr4 2) b1=$(wst_addr6 1) b2=$(wst_addr6 2)
[ -n "$a1" ] && [ -n "$a2" ] && [ -n "$b1" ] && [ -n "$b2" ] ||
  wst_fail "clients got addresses '$a1' '$a2' '$b1' '$b2'"

hostile() { # hostile NAME ARGS...: runs the hostile client, its JSON report in NAME.json
  local name=$1
  shift
  wst_tool 3 hostile-client "$@" >"$WST_LOGDIR/$name.json" 2>"$WST_LOGDIR/$name.log"
  local rc=$?
  wst_log "$name: $(cat "$WST_LOGDIR/$name.json")"
  return $rc
}
field() { wst_json "$2" <"$WST_LOGDIR/$1.json"; }
ping_both() { # ping_both WHAT: 1 -> 2 and 2 -> 1, IPv4 and IPv6
  wst_in 1 ping -q -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "IPv4 ping 1 -> 2 $1"
  wst_in 2 ping -q -c 2 -i 0.2 -W 2 "$a1" >/dev/null || wst_fail "IPv4 ping 2 -> 1 $1"
  wst_in 1 ping -6 -q -c 2 -i 0.2 -W 2 "$b2" >/dev/null || wst_fail "IPv6 ping 1 -> 2 $1"
  wst_in 2 ping -6 -q -c 2 -i 0.2 -W 2 "$b1" >/dev/null || wst_fail "IPv6 ping 2 -> 1 $1"
}
target=(--target4 "$a2" --target6 "$b2")

# 1. spoofed sources: client 1's addresses and random ones, batched and alone
spoofed0=$(wst_drops spoofed_source) || wst_fail "no spoofed_source counter"
rx0=$(wst_counter 2 rx_packets)
hostile spoof spoof "${target[@]}" --victim4 "$a1" --victim6 "$b1" --count 20 ||
  wst_fail "the hostile client's own echo requests got no replies"
spoofed=$(field spoof spoofed) legit=$(field spoof legit)
[ "${spoofed:-0}" -ge 100 ] || wst_fail "the hostile client sent only '$spoofed' spoofed packets"
# the relay handled the spoofed packets before the legit ones were answered
got=$(($(wst_drops spoofed_source) - spoofed0))
[ "$got" -ge "$spoofed" ] || wst_fail "spoofed_source grew by $got, $spoofed were sent"
got=$(($(wst_counter 2 rx_packets) - rx0))
[ "$got" -eq "$legit" ] || wst_fail "client 2 received $got packets, only the $legit legit ones may arrive"
ping_both "after the spoofing"

# 2. malformed frames: dropped whole and counted, the connection stays open
malformed0=$(wst_drops malformed_frame) || wst_fail "no malformed_frame counter"
rx0=$(wst_counter 2 rx_packets)
hostile malformed malformed "${target[@]}" ||
  wst_fail "the hostile client's connection did not survive its malformed frames"
sent=$(field malformed malformed) legit=$(field malformed legit)
got=$(($(wst_drops malformed_frame) - malformed0))
[ "$got" -eq "$sent" ] || wst_fail "malformed_frame grew by $got, $sent malformed frames were sent"
got=$(($(wst_counter 2 rx_packets) - rx0))
[ "$got" -eq "$legit" ] || wst_fail "client 2 received $got packets, only the $legit legit ones may arrive"
ping_both "after the malformed frames"

# 3. protocol violations close the connection with the documented codes
hostile bad-json bad-json || wst_fail "broken JSON: not error bad-message and close 4400"
hostile early-data early-data "${target[@]}" ||
  wst_fail "data before hello: not error bad-message and close 4400"
hostile version hello --version 2 --expect-error unsupported-version --expect-close 4426 ||
  wst_fail "hello version 2: not error unsupported-version and close 4426"

# 4. asking for client 1's addresses does not take them over
used4=$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')
used6=$(wst_metric 'wstun_relay_pool_used{family="ipv6"}')
hostile claim4 hello --address4 "$a1" --expect-error address-in-use --expect-close 4409 ||
  wst_fail "hello asking for $a1: not error address-in-use and close 4409"
hostile claim6 hello --address6 "$b1" --expect-error address-in-use --expect-close 4409 ||
  wst_fail "hello asking for $b1: not error address-in-use and close 4409"
[ "$(wst_addr4 1)" = "$a1" ] && [ "$(wst_addr6 1)" = "$b1" ] || wst_fail "client 1 lost its addresses"
[ "$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')" = "$used4" ] &&
  [ "$(wst_metric 'wstun_relay_pool_used{family="ipv6"}')" = "$used6" ] ||
  wst_fail "refused clients changed the pools' use"
# a well-behaved hello from the same place still works
hostile fine hello || wst_fail "a proper hello got no config"

# 5. text from a client cannot forge the relay's log lines or drive the
# operator's terminal: control characters in its software string and close
# reason are logged escaped
forged=$'wstun-relay-Message: 00:00:00.000: client 192.0.2.66:1 connected as 10.99.0.66 (token admin)'
hostile forger hello --software $'evil\n'"$forged"$'\x1b[2J\r' \
  --close-reason $'bye\nwstun-relay-Message: forged close\xc2\x9b' ||
  wst_fail "a hello with control characters in its software string got no config"
wst_wait 5 wst_log_has relay 'disconnected \(1000: bye' || wst_fail "the forger's close is not logged"
relay_log=$(wst_logfile relay)
grep -qF "$forged" "$relay_log" && ! grep -qF "evil\\n$forged" "$relay_log" &&
  wst_fail "the relay log has a line forged by a client"
grep -q '^wstun-relay-Message: forged close' "$relay_log" && wst_fail "the close reason forged a log line"
grep -q $'[\x1b\r]' "$relay_log" && wst_fail "the relay log holds a client's escape or carriage return"
grep -qF 'evil\nwstun-relay-Message' "$relay_log" && grep -qF '\x1b[2J\r)' "$relay_log" &&
  grep -qF 'bye\nwstun-relay-Message: forged close\u009b' "$relay_log" ||
  wst_fail "the client's text is not in the log in escaped form: $(grep -F evil "$relay_log")"
ping_both "after the refused clients"

kill -0 "$(wst_pid relay)" 2>/dev/null || wst_fail "the relay died"
[ "$(wst_metric wstun_relay_clients)" = 2 ] || wst_fail "the relay does not count 2 clients at the end"
wst_pass "spoofed ($spoofed) and malformed ($sent) traffic dropped and counted; violations closed with 4400/4426/4409; no forged log lines"
