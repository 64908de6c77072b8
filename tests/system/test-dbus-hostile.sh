#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# org.wstun under hostile callers (data/org.wstun.xml, "Bounds"): huge and
# control-character values refused with InvalidArgs and a short message,
# before polkit is asked; ca-file refused for users other than root without
# wstund opening the file; checks that need no relay (a pin with ws://, an
# interface in use) made in Connect; calls in progress per caller, and
# connections per user and in all, capped (failed ones count); and on
# SIGTERM every connection's InterfacesRemoved and the last Connections
# change go out before wstund leaves the bus.
source "$(dirname "$0")/lib.sh"

"$WST_PYTHON" -c 'import dbusmock, gi' 2>/dev/null ||
  { echo "SKIP: needs python3-dbusmock and python3-gi"; exit 77; }
command -v strace >/dev/null || { echo "SKIP: needs strace"; exit 77; }

wst_world 2
wst_relay --pool 10.99.0.0/24
wst_client 2
a2=$(wst_addr4 2)
ns1=$(wst_ns 1)
wst_dbus "$ns1" -v --idle-timeout 0 --max-connections 6 --max-connections-per-user 4
[ "$(wst_prop /org/wstun org.wstun Connections)" = 0 ] || wst_fail "wstund did not start"
pid=$(wst_wstund_pid)

hostile() { "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" "$@"; }
hostile_nobody() { wst_nobody "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" "$@"; }
field() { wst_json "$1"; }
# expect ERROR-NAME WORD JSON: the call failed with ERROR-NAME and WORD in its message
expect() {
  local name message
  name=$(field error <<<"$3")
  message=$(field message <<<"$3")
  [ "$name" = "$1" ] || wst_fail "expected $1, got: $3"
  grep -q -- "$2" <<<"$message" || wst_fail "the message does not say '$2': $message"
}
nowhere=ws://198.18.0.1:81 # nothing listens: a connection there fails at once

# 1. huge values, as a user whom polkit would refuse (none runs yet): the
#    setting is named, the message is short, and it is quick
for case in "url 17000000" "url 30000000" "interface 1048576" "token 1048576" \
  "pin-sha256 1048576" "ca-file 1048576" "url 2049" "token 1025" "interface 16"; do
  set -- $case
  out=$(hostile_nobody big "$1" "$2")
  expect org.wstun.Error.InvalidArgs "“$1”" "$out"
  len=$(field message_len <<<"$out")
  secs=$(field seconds <<<"$out")
  [ "$len" -lt 400 ] || wst_fail "a $2-byte $1 gave a $len-byte message"
  "$WST_PYTHON" -c "import sys; sys.exit(float(sys.argv[1]) >= 2)" "$secs" ||
    wst_fail "a $2-byte $1 took $secs s to refuse"
  wst_log "$2-byte $1: InvalidArgs in $secs s, $len-byte message"
done
wst_log_has bus "refusing .*uid 65534" && wst_fail "polkit was asked about a malformed call"

# 2. control characters: refused, and never raw in wstund's log
for key in url interface token pin-sha256 ca-file; do
  expect org.wstun.Error.InvalidArgs "“$key”" "$(hostile_nobody control "$key")"
done
[ "$(grep -c $'\x1b' "$(wst_logfile bus)")" = 0 ] || wst_fail "an escape character reached wstund's log"
wst_log_has bus '^wstund-Message: forged' && wst_fail "a caller forged a line of wstund's log"

# 3. polkit allows nobody to connect, but ca-file is root's: refused the same
#    way whether the file exists or not, and wstund opens neither
wst_bg polkitd "$ns1" "$WST_PYTHON" -m dbusmock --system --template polkitd
polkit_up() { [ "$(wst_bus NameHasOwner s org.freedesktop.PolicyKit1)" = "b true" ]; }
wst_wait 10 polkit_up || wst_fail "the mock polkitd did not start"
mock() { # mock METHOD ARGS...: a call to the mock polkitd
  gdbus call --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
    --method "org.freedesktop.DBus.Mock.$1" "${@:2}" >/dev/null || wst_fail "mock polkit: $*"
}
mock SetAllowed "['org.wstun.connect']"
wst_bg strace "$ns1" strace -f -qq -e trace=open,openat,openat2,stat,lstat,newfstatat,statx,access,faccessat,faccessat2 \
  -o "$WST_LOGDIR/strace.txt" -p "$pid"
traced() { ! grep -q '^TracerPid:[[:space:]]*0$' "/proc/$pid/status"; }
wst_wait 5 traced || wst_fail "strace did not attach to wstund"
shadow=$(hostile_nobody connect "$nowhere" ca-file=/etc/shadow)
missing=$(hostile_nobody connect "$nowhere" ca-file=/nonexistent/ca.pem)
expect org.wstun.Error.NotAuthorized "“ca”" "$shadow"
[ "$(field message <<<"$shadow")" = "$(field message <<<"$missing")" ] ||
  wst_fail "ca-file refusals differ with the file: $shadow / $missing"
wst_stop strace
grep -E '/etc/shadow|/nonexistent/ca\.pem' "$WST_LOGDIR/strace.txt" &&
  wst_fail "wstund looked at a file a user named in ca-file"
grep -q . "$WST_LOGDIR/strace.txt" || wst_log "(strace saw no file access at all)"
wst_log "ca-file from nobody: $(field message <<<"$shadow")"
# the certificates' bytes are the way: junk is refused, naming "ca"
printf 'root:$6$secret:19000:0:99999:7:::\n' >"$WST_LOGDIR/junk.pem"
chmod 644 "$WST_LOGDIR/junk.pem"
expect org.wstun.Error.InvalidArgs "no PEM certificate" \
  "$(hostile_nobody connect "$nowhere" ca=@"$WST_LOGDIR/junk.pem")"
# root may name a file; wstund reads it, bounded, and says what is wrong
expect org.wstun.Error.InvalidArgs "no PEM certificate" "$(hostile connect "$nowhere" ca-file=/etc/passwd)"
expect org.wstun.Error.InvalidArgs "not a regular file" "$(hostile connect "$nowhere" ca-file=/dev/zero)"

# 4. what can be checked before reaching the relay is: the relay sees nothing
before=$(grep -c 'connected as' "$(wst_logfile relay)")
expect org.wstun.Error.InvalidArgs "wss://" \
  "$(hostile connect "$WST_RELAY_URL" pin-sha256=q4xVGSwhGjwZ1Ic5ZzJBfU5Zf4M2TDIJUYXsc4/7hGU=)"
expect org.wstun.Error.InvalidArgs "exists already" "$(hostile connect "$WST_RELAY_URL" interface=eth0)"
out=$(hostile connect "$WST_RELAY_URL" interface=wstun0)
p0=$(field path <<<"$out")
[ -n "$p0" ] || wst_fail "cannot connect on wstun0: $out"
# the device exists or the first connection is still making it: refused either way
expect org.wstun.Error.InvalidArgs "“wstun0”" "$(hostile connect "$WST_RELAY_URL" interface=wstun0)"
wst_wait 10 wst_state_is "$p0" connected || wst_fail "$p0 is '$(wst_state "$p0")'"
[ "$(grep -c 'connected as' "$(wst_logfile relay)")" = $((before + 1)) ] ||
  wst_fail "refused Connects reached the relay"
wst_in 1 ping -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "no ping through $p0"

# 5. calls in progress per caller: polkit hangs, the 9th is refused at once
mock SetAllowed "[]" # the hanging calls are answered "no" when released
mock SimulateHang true
out=$(hostile_nobody inflight 9 "$nowhere")
"$WST_PYTHON" -c '
import json, sys
a = json.loads(sys.argv[1])["answered"]
assert len(a) == 1 and a[0]["index"] == 8 and a[0]["error"] == "org.wstun.Error.LimitExceeded", a
' "$out" || wst_fail "9 calls in progress: $out"
mock ReleaseHangingCalls
mock SimulateHang false
mock SetAllowed "['org.wstun.connect']"
wst_log "calls in progress: the 9th of one caller refused with LimitExceeded"

# 6. connections per user (4) and in all (6); failed ones count until gone
for i in 1 2 3; do
  out=$(hostile connect "$nowhere")
  failed=$(field path <<<"$out")
  [ -n "$failed" ] || wst_fail "root's connection $i: $out"
done
expect org.wstun.Error.LimitExceeded "User 0 has 4" "$(hostile connect "$nowhere")"
wst_wait 10 wst_state_is "$failed" failed || wst_fail "$failed is '$(wst_state "$failed")'"
expect org.wstun.Error.LimitExceeded "User 0 has 4" "$(hostile connect "$nowhere")"
n1=$(field path <<<"$(hostile_nobody connect "$nowhere")")
n2=$(field path <<<"$(hostile_nobody connect "$nowhere")")
[ -n "$n1" ] && [ -n "$n2" ] || wst_fail "nobody cannot connect under the per-user limit"
expect org.wstun.Error.LimitExceeded "wstund has 6" "$(hostile_nobody connect "$nowhere")"
busctl --system call org.wstun "$failed" org.wstun.Connection Disconnect || wst_fail "cannot disconnect $failed"
out=$(hostile connect "$nowhere")
[ -n "$(field path <<<"$out")" ] || wst_fail "a disconnected failed connection still counts: $out"
for p in "$n1" "$n2" "$(field path <<<"$out")"; do
  busctl --system call org.wstun "$p" org.wstun.Connection Disconnect || wst_fail "cannot disconnect $p"
done
wst_log "limits: 4 per user, 6 in all, failed connections counted"

# 7. SIGTERM with three live connections: all three InterfacesRemoved and
#    the empty Connections go out before the name is released
for p in $(busctl --system get-property org.wstun /org/wstun org.wstun Connections | cut -d' ' -f3- | tr -d '"'); do
  [ "$p" = "$p0" ] || busctl --system call org.wstun "$p" org.wstun.Connection Disconnect
done
out=$(hostile connect "$WST_RELAY_URL" interface=wstun1)
p1=$(field path <<<"$out")
out=$(hostile connect "$WST_RELAY_URL" interface=wstun2)
p2=$(field path <<<"$out")
wst_wait 10 wst_state_is "$p1" connected && wst_wait 10 wst_state_is "$p2" connected ||
  wst_fail "the connections did not come up"
[ "$(wst_prop /org/wstun org.wstun Connections)" = "3 \"$p0\" \"$p1\" \"$p2\"" ] ||
  wst_fail "Connections is '$(wst_prop /org/wstun org.wstun Connections)'"
wst_bg monitor "$ns1" stdbuf -oL gdbus monitor --system --dest org.wstun
wst_wait 5 wst_log_has monitor 'owned by' || wst_fail "gdbus monitor did not start"
kill -TERM "$pid"
wst_wait 10 wst_ended_pid "$pid" || wst_fail "wstund did not exit after SIGTERM"
wst_wait 5 wst_log_has monitor 'does not have an owner' || wst_fail "the monitor did not see wstund leave"
mon=$(wst_logfile monitor)
gone=$(grep -n 'does not have an owner' "$mon" | head -n 1 | cut -d: -f1)
for p in "$p0" "$p1" "$p2"; do
  line=$(grep -n "InterfacesRemoved (objectpath '$p'" "$mon" | head -n 1 | cut -d: -f1)
  [ -n "$line" ] && [ "$line" -lt "$gone" ] || wst_fail "no InterfacesRemoved for $p before wstund left"
done
line=$(grep -n "'Connections': <@ao \[\]>" "$mon" | head -n 1 | cut -d: -f1)
[ -n "$line" ] && [ "$line" -lt "$gone" ] || wst_fail "no empty Connections before wstund left: $(cat "$mon")"
wst_log "SIGTERM: 3 InterfacesRemoved and Connections [] before the name went"

wst_sanitizers_clean
wst_pass "hostile callers: bounds, control characters, ca-file, early checks, limits, shutdown signals"
