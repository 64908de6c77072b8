#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstunctl against wstund on a private system bus: connect (waiting for the
# tunnel), status and list as text and JSON, disconnect by path, number or
# interface, and the documented exit statuses; token files that every user
# can read are refused by wstunctl and by wstund --connect alike. Then
# what makes wstunctl as handy as boltctl and nmcli: help COMMAND, plain
# wstunctl listing, monitor (text and JSON) following connections and
# wstund itself, disconnect --all, Ctrl-C and SIGTERM during connect,
# status with owner, failure reason and relay address, the ws:// token
# warning, errors as JSON, and LimitExceeded's exit status.
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
# expect_split RC CMD...: the same with stdout in $out and stderr in $err
expect_split() {
  local want=$1 rc
  shift
  out=$("$@" 2>"$WST_LOGDIR/stderr")
  rc=$?
  err=$(cat "$WST_LOGDIR/stderr")
  [ "$rc" = "$want" ] || wst_fail "'$*' exited $rc, not $want: $out $err"
}
json() { "$WST_PYTHON" -c "import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
# json_error NAME: stdout ($out) is one JSON error of that name and nothing
# else, and stderr ($err) is empty
json_error() {
  [ "$(json 'd["error"]["name"]' <<<"$out")" = "$1" ] || wst_fail "not a JSON error $1: $out"
  [ -n "$(json 'd["error"]["message"]' <<<"$out")" ] || wst_fail "a JSON error without message: $out"
  [ -z "$err" ] || wst_fail "with --json, stderr should stay empty: $err"
}

# 0. monitors, text and JSON, from before wstund runs to the end; they
# flush each line themselves (stdbuf would put its library before the
# sanitizer's runtime, which the sanitizer refuses)
wst_bg monitor "$(wst_ns 1)" "$WSTUNCTL_BIN" monitor
wst_bg monitor-json "$(wst_ns 1)" "$WSTUNCTL_BIN" --json monitor
wst_wait 10 wst_log_has monitor "wstund is not running; waiting for it" ||
  wst_fail "monitor does not say wstund is not running"
wst_wait 10 wst_log_has monitor-json '"event":"wstund-vanished"' || wst_fail "monitor --json did not start"

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
expect_split 0 ctl connect "$WST_RELAY_URL" --token-file "$token" --json
[ "$(json 'd["state"]' <<<"$out")" = connected ] || wst_fail "connect with a token file: $out"
# the token went over ws://: the person connecting is told, not only the log
grep -q "^wstunctl: warning: .*ws://.*unencrypted" <<<"$err" || wst_fail "no ws:// token warning: $err"
expect_rc 0 ctl disconnect --json
[ "$(json 'd["state"]' <<<"$out")" = disconnected ] || wst_fail "disconnect --json: $out"
expect_split 0 ctl connect "$WST_RELAY_URL" --no-wait # no token: nothing to warn about
[ -z "$err" ] || wst_fail "a warning without a token: $err"
expect_rc 0 ctl disconnect

# 6. help COMMAND is COMMAND --help; help alone is --help
for c in connect disconnect status list monitor; do
  expect_rc 0 ctl help "$c"
  help=$out
  grep -q "^  wstunctl $c \[OPTION…\]" <<<"$help" || wst_fail "help $c shows no usage of $c: $help"
  expect_rc 0 ctl "$c" --help
  [ "$out" = "$help" ] || wst_fail "help $c and $c --help differ"
  grep -q -- "--json" <<<"$out" || wst_fail "$c --help does not show --json"
done
ctl help connect | grep -q -- "--ca-file=FILE" || wst_fail "help connect lacks --ca-file"
ctl help disconnect | grep -q -- "--all" || wst_fail "help disconnect lacks --all"
expect_rc 0 ctl help
[ "$out" = "$(ctl --help)" ] || wst_fail "help and --help differ"
grep -q "monitor" <<<"$out" || wst_fail "--help does not list monitor"
expect_rc 2 ctl help frobnicate

# 7. plain wstunctl lists, as wstunctl list does; with its options too
expect_rc 0 ctl
[ "$out" = "No connections." ] || wst_fail "plain wstunctl with none: $out"
expect_rc 0 ctl connect "$WST_RELAY_URL" --interface wstun0
p1=$(grep -o '/org/wstun/connection/[0-9]*' <<<"$out")
expect_rc 0 ctl
grep -q "^$p1 *connected *wstun0 *10\.99\." <<<"$out" || wst_fail "plain wstunctl: $out"
[ "$out" = "$(ctl list)" ] || wst_fail "plain wstunctl is not wstunctl list"
expect_rc 0 ctl --json
[ "$(json 'd[0]["path"]' <<<"$out")" = "$p1" ] || wst_fail "wstunctl --json: $out"

# 8. status: owner, relay address and, for a failed connection, why
expect_rc 0 ctl status "$p1"
for field in "owner: *root$" "relay address: *$WST_RELAY_IP$" "failure: *-$"; do
  grep -q "$field" <<<"$out" || wst_fail "status lacks '$field': $out"
done
expect_rc 0 ctl --json status "$p1"
[ "$(json 'd["owner"], d["owner_name"], d["relay_address"], d["failure_reason"]' <<<"$out")" = \
  "(0, 'root', '$WST_RELAY_IP', '')" ] || wst_fail "status --json: $out"
expect_rc 0 ctl connect ws://198.18.0.1:81 --no-wait # nothing listens there
pf=$out
wst_wait 20 wst_state_is "$pf" failed || wst_fail "$pf did not fail: $(wst_state "$pf")"
expect_rc 0 ctl status "$pf"
grep -q "failure: *unreachable$" <<<"$out" || wst_fail "status of a failed one: $out"
grep -q "last error: *Cannot connect to ws://198.18.0.1:81: " <<<"$out" || wst_fail "no last error: $out"
expect_rc 0 ctl --json status "$pf"
[ "$(json 'd["state"], d["failure_reason"]' <<<"$out")" = "('failed', 'unreachable')" ] ||
  wst_fail "status --json of a failed one: $out"
expect_rc 0 ctl list # list keeps its columns
[ "$(sed -n 1p <<<"$out" | tr -s ' ')" = "CONNECTION STATE INTERFACE ADDRESS RELAY" ] ||
  wst_fail "list's columns changed: $out"

# 9. errors as JSON: on stdout, nothing else there, the same exit status
expect_split 4 ctl --json status 99
json_error wstunctl.NotFound
expect_split 2 ctl --json connect http://relay
json_error org.wstun.Error.InvalidArgs
grep -q url <<<"$out" || wst_fail "the JSON error does not name the url: $out"
expect_split 2 ctl connect "$WST_RELAY_URL" --mtu 20 --json
json_error org.wstun.Error.InvalidArgs
expect_split 2 ctl --json frobnicate
json_error wstunctl.Usage
expect_split 2 ctl connect --json
json_error wstunctl.Usage
expect_split 2 ctl connect --json --no-such-option "$WST_RELAY_URL"
json_error wstunctl.Usage
expect_split 2 ctl --json disconnect # two connections: which one?
json_error wstunctl.Usage
expect_split 3 wst_nobody "$WSTUNCTL_BIN" --json connect "$WST_RELAY_URL"
json_error org.wstun.Error.NotAuthorized
expect_split 5 env DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WST_LOGDIR/nothing "$WSTUNCTL_BIN" list --json
json_error wstunctl.Unavailable
expect_split 1 ctl --json connect ws://198.18.0.1:81 --timeout 20
json_error wstunctl.Failed
[ "$(json 'd["error"]["connection"]["failure_reason"]' <<<"$out")" = unreachable ] ||
  wst_fail "the JSON error of a failed connect has no failure_reason: $out"

# 10. disconnect --all: not with a name; refused ones make the status; all go
expect_rc 2 ctl disconnect --all 1
expect_rc 3 wst_nobody "$WSTUNCTL_BIN" disconnect --all # no polkit: nobody may not
grep -q "cannot disconnect $p1: .*polkit" <<<"$out" || wst_fail "disconnect --all as nobody: $out"
wst_state_is "$p1" connected || wst_fail "nobody's disconnect --all disconnected $p1"
expect_rc 0 ctl disconnect --all
grep -q "^Disconnected $p1$" <<<"$out" && grep -q "^Disconnected $pf$" <<<"$out" ||
  wst_fail "disconnect --all: $out"
expect_rc 0 ctl list
[ "$out" = "No connections." ] || wst_fail "disconnect --all left: $out"
wst_no_dev 1 wstun0 || wst_fail "wstun0 is still there after disconnect --all"
expect_rc 0 ctl disconnect --all --json
[ "$out" = "[]" ] || wst_fail "disconnect --all --json with none: $out"

# 11. SIGINT or SIGTERM while connect waits: the connection goes, exit 130/143.
# The listener accepts TCP (its backlog) and never answers the upgrade.
wst_bg silent "$(wst_ns relay)" "$WST_PYTHON" -c 'import socket, time
s = socket.socket(); s.bind(("198.18.0.1", 8081)); s.listen(8); time.sleep(300)'
wst_wait 10 wst_listening "$(wst_ns relay)" 8081 || wst_fail "the silent listener did not start"
connecting() { ctl list | grep -q " connecting "; }
for sig in INT:130 TERM:143; do
  name=connect-${sig%:*}
  wst_bg "$name" "$(wst_ns 1)" "$WSTUNCTL_BIN" connect ws://198.18.0.1:8081 --timeout 60
  wst_wait 10 connecting || wst_fail "no connection is connecting: $(ctl list)"
  kill -"${sig%:*}" "$(wst_pid "$name")"
  wst_exit_status "$name" 10 || wst_fail "connect is still running after SIG${sig%:*}"
  [ "$WST_STATUS" = "${sig#*:}" ] || wst_fail "connect exited $WST_STATUS after SIG${sig%:*}"
  wst_log_has "$name" "^wstunctl: Interrupted \\(SIG${sig%:*}\\): disconnected /org/wstun/connection/" ||
    wst_fail "connect said: $(cat "$(wst_logfile "$name")")"
  [ "$(ctl list)" = "No connections." ] || wst_fail "SIG${sig%:*} left: $(ctl list)"
done
wst_stop silent

# 12. the monitors saw it all; then a monitor started later lists what is there
# monitor_saw NAME ERE...: NAME's log has lines matching each ERE, in order
monitor_saw() {
  local name=$1 ere line=0 n
  shift
  for ere in "$@"; do
    n=$(tail -n "+$((line + 1))" "$(wst_logfile "$name")" | grep -n -E -m 1 -- "$ere" | cut -d: -f1)
    [ -n "$n" ] || return 1
    line=$((line + n))
  done
}
ts='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '
wst_wait 10 monitor_saw monitor "${ts}wstund [0-9.]+ appeared on the bus" \
  "$ts$p1 added: ws://198\.18\.0\.1:80 \(connecting, owner root\)" \
  "$ts$p1 connecting -> connected \(wstun0, 10\.99\.0\.[0-9]+/24 fd00:99::[0-9a-f]+/64\)" \
  "$ts$p1 connected -> disconnecting" "$ts$p1 disconnecting -> disconnected" "$ts$p1 removed" ||
  wst_fail "monitor did not follow $p1: $(cat "$(wst_logfile monitor)")"
wst_wait 10 monitor_saw monitor "$ts$pf added" \
  "$ts$pf connecting -> failed: unreachable: Cannot connect to ws://198\.18\.0\.1:81: " \
  "$ts$pf removed" ||
  wst_fail "monitor did not follow $pf: $(cat "$(wst_logfile monitor)")"
wst_bg monitor-late "$(wst_ns 1)" "$WSTUNCTL_BIN" monitor
wst_wait 10 wst_log_has monitor-late "wstund [0-9.]+ is running" || wst_fail "monitor-late did not start"
expect_rc 0 ctl connect "$WST_RELAY_URL" --interface wstun0
p3=$(grep -o '/org/wstun/connection/[0-9]*' <<<"$out")
wst_bg monitor-late2 "$(wst_ns 1)" "$WSTUNCTL_BIN" monitor
wst_wait 10 monitor_saw monitor-late2 "${ts}wstund [0-9.]+ is running" \
  "$ts$p3 present: ws://198\.18\.0\.1:80 \(connected, owner root\)" ||
  wst_fail "a monitor started later does not list $p3: $(cat "$(wst_logfile monitor-late2)")"
expect_rc 0 ctl disconnect "$p3"
wst_wait 10 monitor_saw monitor-late "$ts$p3 added" "$ts$p3 connecting -> connected" \
  "$ts$p3 removed" || wst_fail "monitor-late: $(cat "$(wst_logfile monitor-late)")"
wst_wait 10 monitor_saw monitor-late2 "$ts$p3 connected -> disconnecting" "$ts$p3 removed" ||
  wst_fail "monitor-late2: $(cat "$(wst_logfile monitor-late2)")"
for m in monitor-late monitor-late2; do
  kill -INT "$(wst_pid $m)"
  wst_exit_status $m 10 || wst_fail "$m does not stop on SIGINT"
  [ "$WST_STATUS" = 0 ] || wst_fail "$m exited $WST_STATUS after SIGINT"
done

# 13. LimitExceeded: exit status 6. wstund restarts with a limit of 2
# connections (the service file is read again at activation); the
# monitors see it leave and come back.
sed -i "s|^Exec=.*|& --max-connections 2|" "$WST_BUSDIR/services/org.wstun.service"
wst_stop_wstund
wst_wait 10 wst_log_has monitor "wstund left the bus" || wst_fail "monitor did not see wstund leave"
expect_rc 0 ctl connect "$WST_RELAY_URL" --no-wait --interface wstun0
expect_rc 0 ctl connect "$WST_RELAY_URL" --no-wait --interface wstun1
expect_rc 6 ctl connect "$WST_RELAY_URL" --no-wait
grep -q "max-connections" <<<"$out" || wst_fail "LimitExceeded: $out"
expect_split 6 ctl connect "$WST_RELAY_URL" --no-wait --json
json_error org.wstun.Error.LimitExceeded
expect_rc 0 ctl disconnect --all
wst_wait 10 monitor_saw monitor "wstund left the bus" "wstund [0-9.]+ appeared on the bus" ||
  wst_fail "monitor did not see wstund come back"

# 14. the JSON monitor: one object per line, every line JSON, the same story
wst_wait 10 wst_log_has monitor-json "\"path\":\"$p3\".*\"event\":\"connection-removed\"|\"event\":\"connection-removed\".*\"path\":\"$p3\"" ||
  wst_fail "monitor --json did not see $p3 go"
"$WST_PYTHON" - "$(wst_logfile monitor-json)" "$p1" "$pf" <<'PY' || wst_fail "monitor --json: $(cat "$(wst_logfile monitor-json)")"
import json, re, sys
log, p1, pf = sys.argv[1:]
events = [json.loads(line) for line in open(log) if line.strip()]
everything = events
# the first wstund's events: the second one counts connections from 1 again
events = events[:[i for i, e in enumerate(events) if e["event"] == "wstund-vanished"][1]]
for e in everything:
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", e["time"]), e
def story(path):
    out = []
    for e in events:
        if e.get("path") != path:
            continue
        if e["event"] == "state-changed":
            out.append(e["old_state"] + "->" + e["state"])
        else:
            out.append(e["event"])
    return out
assert events[0]["event"] == "wstund-vanished" and events[0]["initial"], events[0]
assert events[1]["event"] == "wstund-appeared" and not events[1]["initial"], events[1]
assert story(p1) == ["connection-added", "connecting->connected", "connected->disconnecting",
                     "disconnecting->disconnected", "connection-removed"], story(p1)
added = next(e for e in events if e["event"] == "connection-added" and e["path"] == p1)
assert added["url"] == "ws://198.18.0.1:80" and added["connection"]["owner_name"] == "root", added
failed = next(e for e in events if e.get("path") == pf and e.get("state") == "failed")
assert failed["connection"]["failure_reason"] == "unreachable", failed
assert failed["connection"]["last_error"].startswith("Cannot connect to ws://198.18.0.1:81: "), failed
assert [e["event"] for e in everything if e["event"].startswith("wstund-")] == \
    ["wstund-vanished", "wstund-appeared", "wstund-vanished", "wstund-appeared"], events
PY
for m in monitor monitor-json; do
  kill -INT "$(wst_pid $m)"
  wst_exit_status $m 10 || wst_fail "$m does not stop on SIGINT"
  [ "$WST_STATUS" = 0 ] || wst_fail "$m exited $WST_STATUS after SIGINT"
done
wst_no_sanitizer_reports monitor monitor-json monitor-late monitor-late2 connect-INT connect-TERM

wst_stop_wstund
wst_sanitizers_clean
wst_pass "wstunctl connect, status, list, disconnect, JSON and exit statuses"
