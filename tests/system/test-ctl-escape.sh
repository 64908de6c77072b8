#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What wstunctl prints as text never carries a control character from the
# service to the terminal: a fake org.wstun (tests/tools/fake-wstund.py,
# since the real wstund refuses such strings) serves URLs, interfaces,
# addresses, routes, DNS servers, errors, failure reasons, relay addresses
# and a version full of ESC sequences, BEL, C1 CSI, CR, LF and U+2028.
# status, list, monitor, connect and disconnect (and their errors) must
# show them escaped (\x1b, \n, \u009b...), and their JSON must parse and
# give the strings back exactly.
source "$(dirname "$0")/lib.sh"

"$WST_PYTHON" -c 'import gi' 2>/dev/null || { echo "SKIP: needs python3-gi"; exit 77; }

wst_world 0 # no client: only a namespace for the bus
ns=$(wst_ns relay)
wst_dbus "$ns"
# the real wstund must not be activated in the fake's place
rm "$WST_BUSDIR/services/org.wstun.service"
wst_bg fake "$ns" "$WST_PYTHON" "$WST_TOOLS/fake-wstund.py" "$WST_SRCDIR/data/org.wstun.xml"
wst_wait 10 wst_log_has fake '^ready$' || wst_fail "the fake org.wstun did not start"

EVIL=$'\x1b]0;owned\x07\x1b[2J\xc2\x9b31m\nFAKE: line\r\xe2\x80\xa8end'
# what wstun_printable() makes of it
SAFE='\x1b]0;owned\x07\x1b[2J\u009b31m\nFAKE: line\r\u2028end'
ctl() { "$WSTUNCTL_BIN" "$@"; }

# clean FILE WHAT: FILE has no raw control character of EVIL, no line that
# a raw line break started, and (when it should) the escaped form
clean() {
  "$WST_PYTHON" - "$1" "$2" "$SAFE" <<'PY' || wst_fail "$2 lets control characters through: $(od -c "$1" | head -n 40)"
import sys
path, what, safe = sys.argv[1:]
data = open(path, "rb").read()
bad = [b for b in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", b"\xe2\x80\xa8") if b in data]
assert not bad, f"{what}: raw {bad}"
assert not any(line.startswith(b"FAKE") for line in data.split(b"\n")), f"{what}: a forged line"
assert safe.encode() in data, f"{what}: the escaped form is missing"
PY
}
out() { "$@" >"$WST_LOGDIR/out" 2>&1; }

# 1. monitors from the start: they list the fake's connection, then follow
wst_bg monitor "$ns" "$WSTUNCTL_BIN" monitor
wst_bg monitor-json "$ns" "$WSTUNCTL_BIN" monitor --json
wst_wait 10 wst_log_has monitor "/org/wstun/connection/1 present" || wst_fail "monitor did not start"
wst_wait 10 wst_log_has monitor-json '"event":"connection-added"' || wst_fail "monitor --json did not start"

# 2. status and list as text; the owner's uid has no name
out ctl status || wst_fail "status failed: $(cat "$WST_LOGDIR/out")"
clean "$WST_LOGDIR/out" status
grep -q "owner: *uid 4242$" "$WST_LOGDIR/out" || wst_fail "status: no 'uid 4242': $(cat "$WST_LOGDIR/out")"
for field in state owner relay "relay address" interface address MTU routes DNS received sent dropped \
  failure "last error"; do
  [ "$(grep -c "^  $field: " "$WST_LOGDIR/out")" = 1 ] || wst_fail "status: '$field' is not on one line"
done
[ "$(wc -l <"$WST_LOGDIR/out")" = 15 ] || wst_fail "status is not 15 lines: $(cat "$WST_LOGDIR/out")"
out ctl status 1 || wst_fail "status 1 failed"
clean "$WST_LOGDIR/out" "status 1"
out ctl list || wst_fail "list failed"
clean "$WST_LOGDIR/out" list
[ "$(wc -l <"$WST_LOGDIR/out")" = 2 ] || wst_fail "list is not 2 lines: $(cat "$WST_LOGDIR/out")"
out ctl || wst_fail "plain wstunctl failed"
clean "$WST_LOGDIR/out" "plain wstunctl"

# 3. JSON: valid, and the strings come back exactly
ctl status --json >"$WST_LOGDIR/status.json" || wst_fail "status --json failed"
"$WST_PYTHON" - "$WST_LOGDIR/status.json" "$EVIL" <<'PY' || wst_fail "status --json: $(cat "$WST_LOGDIR/status.json")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))[0]
evil = sys.argv[2]
assert d["url"] == "ws://relay.example/" + evil, d["url"]
assert d["last_error"] == "earlier trouble: " + evil and d["relay_address"] == "198.18.0.1" + evil, d
assert d["routes"] == ["10.0.0.0/8" + evil, "192.0.2.0/24"] and d["owner"] == 4242, d
assert d["owner_name"] == "uid 4242", d
PY

# 4. errors quoting the service: escaped as text, exact in JSON
out ctl disconnect 1 && wst_fail "the fake's refusal did not fail"
clean "$WST_LOGDIR/out" "disconnect's error"
ctl --json disconnect 1 >"$WST_LOGDIR/error.json"
"$WST_PYTHON" - "$WST_LOGDIR/error.json" "$EVIL" <<'PY' || wst_fail "disconnect --json: $(cat "$WST_LOGDIR/error.json")"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert d["error"]["name"] == "org.wstun.Error.Failed", d
assert d["error"]["message"] == "cannot: " + sys.argv[2], d
PY

# 5. connect: one that fails (its LastError in wstunctl's message), one
# that comes up (its URL and addresses in "Connected to ...")
out ctl connect ws://fails/ --timeout 10 && wst_fail "connect to the fake did not fail"
clean "$WST_LOGDIR/out" "connect's failure"
grep -q "^wstunctl: Cannot connect: " "$WST_LOGDIR/out" || wst_fail "connect: $(cat "$WST_LOGDIR/out")"
out ctl connect ws://connected/ --timeout 10 || wst_fail "connect failed: $(cat "$WST_LOGDIR/out")"
clean "$WST_LOGDIR/out" "connect's success"
grep -q "^Connected to ws://connected/" "$WST_LOGDIR/out" || wst_fail "connect: $(cat "$WST_LOGDIR/out")"
out ctl disconnect --all && wst_fail "disconnect --all: the fake refuses connection 1"
clean "$WST_LOGDIR/out" "disconnect --all"

# 6. the monitors saw connections added, failing and going, all escaped
wst_wait 10 wst_log_has monitor "/org/wstun/connection/2 connecting -> failed: unreachable" ||
  wst_fail "monitor: $(od -c "$(wst_logfile monitor)" | head -n 40)"
wst_wait 10 wst_log_has monitor "/org/wstun/connection/3 removed" ||
  wst_fail "monitor: $(od -c "$(wst_logfile monitor)" | head -n 40)"
wst_wait 10 wst_log_has monitor-json '"path":"/org/wstun/connection/3","state":"disconnected"' ||
  wst_fail "monitor --json: $(cat "$(wst_logfile monitor-json)")"
for m in monitor monitor-json; do
  kill -INT "$(wst_pid $m)"
  wst_exit_status $m 10 || wst_fail "$m does not stop on SIGINT"
  [ "$WST_STATUS" = 0 ] || wst_fail "$m exited $WST_STATUS"
done
clean "$(wst_logfile monitor)" monitor
grep -q "^[0-9-]* [0-9:.]* wstund 0\.1\.0.* is running$" "$(wst_logfile monitor)" ||
  wst_fail "monitor does not show the version: $(cat "$(wst_logfile monitor)")"
"$WST_PYTHON" - "$(wst_logfile monitor-json)" "$EVIL" <<'PY' || wst_fail "monitor --json: $(cat "$(wst_logfile monitor-json)")"
import json, sys
evil = sys.argv[2]
events = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert events[0]["event"] == "wstund-appeared" and events[0]["version"] == "0.1.0" + evil, events[0]
failed = [e for e in events if e.get("state") == "failed"]
assert failed and failed[0]["connection"]["last_error"] == "Cannot connect: " + evil, failed
PY
wst_no_sanitizer_reports monitor monitor-json
wst_pass "wstunctl escapes what the service says, in every command; its JSON gives it back exactly"
