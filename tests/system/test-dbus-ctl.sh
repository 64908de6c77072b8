#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstunctl against wstund on a private system bus: connect (waiting for the
# tunnel), status and list as text and JSON, disconnect by path, number or
# interface, and the documented exit statuses; token files that every user
# can read are refused by wstunctl and by wstund --connect alike.
source "$(dirname "$0")/lib.sh"

wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
wst_client 2
a2=$(wst_addr4 2)
wst_dbus "$(wst_ns 1)" -v --idle-timeout 0

ctl() { "$WSTUNCTL_BIN" "$@"; }
# expect_rc RC CMD...: runs CMD, which must exit RC; its output is in $out
expect_rc() {
  local want=$1 rc
  shift
  out=$("$@" 2>&1)
  rc=$?
  [ "$rc" = "$want" ] || wst_fail "'$*' exited $rc, not $want: $out"
}
json() { "$WST_PYTHON" -c "import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# 1. connect waits for the tunnel and says where it is
expect_rc 0 ctl connect "$WST_RELAY_URL" --interface wstun0
wst_log "$out"
grep -q "^Connected to $WST_RELAY_URL on wstun0: 10\.99\.0\.[0-9]*/24 fd00:99::[0-9a-f]*/64 (/org/wstun/connection/1)$" <<<"$out" ||
  wst_fail "unexpected connect output: $out"
wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "no ping through the tunnel wstunctl made"

# 2. status and list, as text and as JSON
sleep 1.5 # the counters are announced once a second
expect_rc 0 ctl status
for field in "state: *connected" "interface: *wstun0" "address: *10\.99\.0\.[0-9]*/24, fd00:99::" \
  "relay: *$WST_RELAY_URL" "received: .* in [1-9][0-9]* packets" "sent: .* in [1-9][0-9]* packets" \
  "dropped: *0" "last error: *-"; do
  grep -q "$field" <<<"$out" || wst_fail "status lacks '$field': $out"
done
expect_rc 0 ctl status --json
[ "$(json 'len(d)' <<<"$out")" = 1 ] || wst_fail "status --json is not a list of one: $out"
[ "$(json 'd[0]["state"], d[0]["interface"], d[0]["rx_packets"] >= 3, d[0]["dropped_packets"]' <<<"$out")" = \
  "('connected', 'wstun0', True, 0)" ] || wst_fail "status --json: $out"
expect_rc 0 ctl --json list
[ "$(json 'd[0]["path"]' <<<"$out")" = /org/wstun/connection/1 ] || wst_fail "list --json: $out"
expect_rc 0 ctl list
grep -q "^/org/wstun/connection/1 *connected *wstun0 *10\.99\." <<<"$out" || wst_fail "list: $out"

# 3. a second one without waiting; naming connections by number and interface
expect_rc 0 ctl connect "$WST_RELAY_URL" --interface wstun1 --no-wait --json
p2=$(json 'd["path"]' <<<"$out")
[ "$p2" = /org/wstun/connection/2 ] || wst_fail "connect --no-wait --json: $out"
wst_wait 10 wst_state_is "$p2" connected || wst_fail "$p2 did not come up"
expect_rc 0 ctl status 2 --json
[ "$(json 'd["interface"]' <<<"$out")" = wstun1 ] || wst_fail "status 2: $out"
expect_rc 0 ctl status wstun1
grep -q "^$p2$" <<<"$out" || wst_fail "status wstun1 is not $p2: $out"
expect_rc 2 ctl disconnect # which one?
grep -q "There are 2 connections" <<<"$out" || wst_fail "disconnect without a name: $out"
expect_rc 0 ctl --json disconnect wstun0
[ "$(json 'd["path"], d["state"]' <<<"$out")" = "('/org/wstun/connection/1', 'disconnected')" ] ||
  wst_fail "disconnect --json: $out"
wst_no_dev 1 wstun0 || wst_fail "wstun0 is still there after disconnect returned"
expect_rc 0 ctl disconnect # the only one left
grep -q "^Disconnected $p2$" <<<"$out" || wst_fail "disconnect: $out"
wst_no_dev 1 wstun1 || wst_fail "wstun1 is still there"

# 4. exit statuses
expect_rc 4 ctl disconnect          # none
expect_rc 4 ctl status 7            # no such connection
expect_rc 0 ctl list
[ "$out" = "No connections." ] || wst_fail "list with none: $out"
expect_rc 2 ctl connect http://relay # InvalidArgs
grep -q "url" <<<"$out" || wst_fail "no word about the url: $out"
expect_rc 2 ctl connect "$WST_RELAY_URL" --mtu 20
expect_rc 2 ctl frobnicate
expect_rc 0 ctl --help
expect_rc 1 ctl connect ws://198.18.0.1:81 --timeout 20 # nothing listens there
grep -q "^wstunctl: Cannot connect to ws://198.18.0.1:81: " <<<"$out" || wst_fail "connect failure: $out"
wst_log "$out"
expect_rc 0 ctl list
[ "$out" = "No connections." ] || wst_fail "a failed connect left a connection: $out"
expect_rc 3 wst_nobody "$WSTUNCTL_BIN" connect "$WST_RELAY_URL" # no polkit: refused
grep -q "polkit" <<<"$out" || wst_fail "the refusal does not mention polkit: $out"
expect_rc 5 env DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WST_LOGDIR/nothing "$WSTUNCTL_BIN" list

# 5. token files: private ones are read, world-readable ones refused
token=$WST_LOGDIR/token
printf 'not-checked-by-an-open-relay\n' >"$token"
chmod 644 "$token"
expect_rc 2 ctl connect "$WST_RELAY_URL" --token-file "$token"
grep -q "can be read by every user" <<<"$out" || wst_fail "world-readable token file: $out"
expect_rc 2 wst_in 1 "$WSTUND_BIN" --connect "$WST_RELAY_URL" --token-file "$token"
grep -q "can be read by every user" <<<"$out" || wst_fail "wstund --token-file: $out"
chmod 600 "$token"
expect_rc 0 ctl connect "$WST_RELAY_URL" --token-file "$token" --json
[ "$(json 'd["state"]' <<<"$out")" = connected ] || wst_fail "connect with a token file: $out"
expect_rc 0 ctl disconnect --json
[ "$(json 'd["state"]' <<<"$out")" = disconnected ] || wst_fail "disconnect --json: $out"

wst_stop_wstund
wst_sanitizers_clean
wst_pass "wstunctl connect, status, list, disconnect, JSON and exit statuses"
