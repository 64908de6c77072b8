#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The relay's state file (--state-dir, PROTOCOL.md section 10) across
# restarts, with tests/tools/resume-client.py:
# - SIGTERM: the state file is written (mode 0600 in a 0700 directory, the
#   SHA-256 of each resume id and never the id), then every client gets
#   close 1012 "restarting"; the relay started again with the same
#   directory reserves the leases, and the clients get their addresses back
#   with their ids while new clients do not get them;
# - kill -9: what the file held when the relay died comes back the same way;
# - a file that is corrupt, too big, a FIFO, a symbolic link or of a newer
#   version is renamed aside (leases.json.corrupt-TIME) with a log line,
#   and the relay starts empty; leases outside the pools, listed twice,
#   on another token's static address or of unknown tokens are dropped,
#   each with a log line, and the others kept;
# - a directory that does not exist is made (0700); one that is no
#   directory, that another user owns or others may write in (they could
#   plant leases), or that another relay has locked, means no persistence
#   and a warning, and then SIGTERM closes with 1001, as with --state-dir "".
source "$(dirname "$0")/lib.sh"

GRACE=30
wst_require_python
wst_world 3
wst_token alice
wst_token bob
wst_token carol --address 10.99.0.50 --address6 fd00:99::50
STATE=$(wst_state_dir relay)
FILE=$STATE/leases.json
ARGS=(--tokens "$WST_TOKENS" --pool 10.99.0.0/24 --pool6 fd00:99::/64 --resume-grace "$GRACE")

session() { # session N TOKEN ARGS...: as in test-resume.sh
  local i=$1 token=$2 out rc
  shift 2
  out=$(wst_tool "$i" resume-client session --url "$WST_RELAY_URL" \
    --token-file "$(wst_token_file "$token")" "$@" 2>>"$WST_LOGDIR/tool.log")
  rc=$?
  CONFIG=$(grep -m 1 '"event": "config"' <<<"$out")
  REPORT=$(tail -n 1 <<<"$out")
  return $rc
}
held() { # held NAME N TOKEN ARGS...: a session that stays (process NAME), CONFIG its config
  local name=$1 i=$2 token=$3
  shift 3
  wst_bg "$name" "$(wst_ns "$i")" "$WST_PYTHON" "$WST_TOOLS/resume-client.py" session \
    --url "$WST_RELAY_URL" --token-file "$(wst_token_file "$token")" --then hold --hold 60 "$@"
  wst_wait 10 wst_log_has "$name" '"event": "config"' || wst_fail "session $name did not start"
  CONFIG=$(grep -m 1 '"event": "config"' "$(wst_logfile "$name")")
}
cfg() { wst_json "$1" <<<"$CONFIG"; }
rep() { wst_json "$1" <<<"$REPORT"; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
metric_is() { [ "$(wst_metric "$1")" = "$2" ]; }
relay_ended() { # relay_ended STATUS: the relay exits within 10 s with STATUS
  wst_exit_status relay 10 || wst_fail "the relay did not exit"
  [ "$WST_STATUS" = "$1" ] || wst_fail "the relay exited $WST_STATUS, not $1"
}
# aside_has REGEX: a file set aside holds text matching REGEX; ASIDE is its name
aside_has() {
  local f
  for f in "$STATE"/leases.json.corrupt-*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    if grep -Eq -- "$1" "$f" 2>/dev/null || [ "$1" = "" ]; then
      ASIDE=$f
      return 0
    fi
  done
  return 1
}

# 1. a missing directory is made, 0700; the file appears, 0600
[ ! -e "$STATE" ] || wst_fail "$STATE exists before the relay"
wst_relay "${ARGS[@]}"
[ "$(stat -c %a "$STATE")" = 700 ] || wst_fail "the state directory has mode $(stat -c %a "$STATE")"
held alice 1 alice
RA=$(cfg resume) A4=$(cfg address4) A6=$(cfg address6)
session 2 bob --then drop || wst_fail "bob: $REPORT"
RB=$(cfg resume) B4=$(cfg address4)
# lease_is HASH STATE: the state file lists the lease with HASH in STATE
lease_is() {
  "$WST_PYTHON" -c 'import json, sys
leases = json.load(open(sys.argv[1]))["leases"]
sys.exit(not any(l["resume_sha256"] == sys.argv[2] and l["state"] == sys.argv[3] for l in leases))' \
    "$FILE" "$1" "$2" 2>/dev/null
}
wst_wait 3 lease_is "$(sha "$RB")" reserved || wst_fail "the state file does not list bob's reservation"
lease_is "$(sha "$RA")" held || wst_fail "the state file does not list alice's lease as held: $(cat "$FILE")"
grep -q '"token" : "alice"' "$FILE" || wst_fail "the state file does not name alice's token"
[ "$(stat -c %a "$FILE")" = 600 ] || wst_fail "the state file has mode $(stat -c %a "$FILE")"
grep -qF -e "$RA" -e "$RB" "$FILE" && wst_fail "the state file holds a resume id in clear"
writes=$(wst_metric 'wstun_relay_state_writes_total{result="ok"}')
[ "$writes" -ge 1 ] || wst_fail "no state write counted"
wst_log "state writes: $writes, $(wst_metrics | grep '^wstun_relay_state_write_seconds' | tr '\n' ' ')"

# 2. SIGTERM: the clients get 1012 "restarting", the file is there
kill -TERM "$(wst_pid relay)"
relay_ended 0
wst_no_sanitizer_reports relay
wst_exit_status alice 5 || wst_fail "alice's session did not end"
REPORT=$(tail -n 1 "$(wst_logfile alice)")
[ "$(rep close)" = 1012 ] && [ "$(rep reason)" = restarting ] ||
  wst_fail "at SIGTERM alice got close $(rep close) '$(rep reason)', not 1012 restarting"
wst_log_has relay 'state file .* written: 2 lease' || wst_fail "the relay did not log writing its state"
python3 -m json.tool "$FILE" >/dev/null || wst_fail "the state file is not JSON after SIGTERM"
lease_is "$(sha "$RA")" reserved && lease_is "$(sha "$RB")" reserved ||
  wst_fail "the state file lost a lease at SIGTERM: $(cat "$FILE")"

# 3. started again: both leases reserved; alice and bob resume; others do
# not get their addresses
start=$(date +%s%N)
wst_relay "${ARGS[@]}"
session 1 alice --resume="$RA" --then drop || wst_fail "alice after the restart: $REPORT"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(cfg address4)" = "$A4" ] && [ "$(cfg address6)" = "$A6" ] && [ "$(cfg resume)" = "$RA" ] ||
  wst_fail "alice came back as $CONFIG, not $A4 $A6 with her id"
wst_log_has relay 'leases.json: 2 lease\(s\) reserved for their clients, 0 dropped' ||
  wst_fail "the relay did not log the restored leases"
session 3 carol || wst_fail "carol: $REPORT"
[ "$(cfg address4)" = 10.99.0.50/24 ] || wst_fail "carol did not get her static address"
session 3 bob || wst_fail "bob without his id: $REPORT"
[ "$(cfg address4)" != "$A4" ] && [ "$(cfg address4)" != "$B4" ] || wst_fail "a reserved address went to a new session"
session 2 bob --resume="$RB" --then drop || wst_fail "bob after the restart: $REPORT"
[ "$(cfg address4)" = "$B4" ] || wst_fail "bob came back as $(cfg address4), not $B4"
wst_log "SIGTERM and restart: alice had her addresses back $ms ms after the relay was started again"

# 4. kill -9: what the file held comes back
held alice2 1 alice --resume="$RA"
[ "$(cfg address4)" = "$A4" ] || wst_fail "alice's held session got $(cfg address4)"
wst_wait 3 lease_is "$(sha "$RA")" held || wst_fail "the state file does not show alice's lease as held"
kill -KILL "$(wst_pid relay)"
relay_ended 137
wst_exit_status alice2 5 || wst_fail "alice's session outlived the relay"
start=$(date +%s%N)
wst_relay "${ARGS[@]}"
session 1 alice --resume="$RA" --then close || wst_fail "alice after kill -9: $REPORT"
ms9=$((($(date +%s%N) - start) / 1000000))
[ "$(cfg address4)" = "$A4" ] && [ "$(cfg resume)" = "$RA" ] ||
  wst_fail "after kill -9 alice came back as $(cfg address4), not $A4"
session 2 bob --resume="$RB" --then close || wst_fail "bob after kill -9: $REPORT"
[ "$(cfg address4)" = "$B4" ] || wst_fail "after kill -9 bob came back as $(cfg address4), not $B4"
wst_log "kill -9 and restart: alice had her addresses back $ms9 ms after the relay was started again"
wst_stop relay
wst_no_sanitizer_reports relay

# 5. hostile files: set aside, logged, and the relay starts empty
# the relay's own file, written after it started: regular, no link, its format
fresh_file() {
  [ ! -L "$FILE" ] && [ ! -p "$FILE" ] && [ -f "$FILE" ] && grep -q '"format" : "wstun-relay-leases"' "$FILE"
}
hostile() { # hostile NAME REGEX: the relay sets the current file aside, says REGEX, serves
  wst_relay "${ARGS[@]}"
  wst_log_has relay "state file .*leases\.json not used: .*$2.*it is now .*leases\.json\.corrupt-[0-9]+" ||
    wst_fail "$1: the relay did not say that it set the file aside ($2): $(grep 'state file' "$(wst_logfile relay)")"
  compgen -G "$STATE/leases.json.corrupt-*" >/dev/null || wst_fail "$1: no leases.json.corrupt-* file"
  wst_wait 3 fresh_file || wst_fail "$1: the relay did not write a state file of its own"
  session 3 bob --then close || wst_fail "$1: the relay does not serve: $REPORT"
  wst_stop relay
  wst_no_sanitizer_reports relay
  rm -f "$STATE"/leases.json.corrupt-* "$FILE"
}
rm -f "$FILE"
printf '{"format":"wstun-relay-leases","version":1,"leases":[{"resume_sha' >"$FILE"
hostile truncated 'not valid JSON|not closed'
printf '\x00\xff garbage' >"$FILE"
hostile garbage 'UTF-8'
printf '{"format":"wstun-relay-leases","version":2,"leases":[]}' >"$FILE"
hostile newer 'version 2, newer than'
printf '{"format":"wstun-relay-leases","version":1,"leases":[{"resume_sha256":7}]}' >"$FILE"
hostile wrong-type 'resume_sha256.*wrong type'
printf '{"format":"wstun-relay-leases","version":1,"version":1,"leases":[]}' >"$FILE"
hostile duplicate-member 'appears more than once'
printf '{"format":"something-else","version":1,"leases":[]}' >"$FILE"
hostile other-format 'not a file of wstun-relay'
head -c $((17 * 1024 * 1024)) /dev/zero >"$FILE"
hostile too-big 'larger than 16777216 bytes'
python3 -c 'print("{\"format\":\"wstun-relay-leases\",\"version\":1,\"leases\":" + "[" * 100000)' >"$FILE"
hostile deep 'nested deeper'
rm -f "$FILE" && mkfifo "$FILE"
hostile fifo 'not a regular file'
rm -f "$FILE" && ln -s /etc/passwd "$FILE"
hostile symlink 'Too many levels of symbolic links|symbolic link'
wst_log "corrupt, too big, deep, newer, FIFO and symbolic link files were set aside"

# 6. a well-formed file with leases that do not fit: each dropped, logged;
# the others reserved
id() { printf 'id%018dAA' "$1"; } # made-up ids of the right form
lease() { # lease N TOKEN ADDRESS4 ADDRESS6 [STATE]
  printf '{"resume_sha256":"%s","token":%s,"address4":%s,"address6":%s,"state":"%s","reserved_until":1}' \
    "$(sha "$(id "$1")")" "$2" "$3" "$4" "${5:-held}"
}
{
  printf '{"format":"wstun-relay-leases","version":1,"written":1,"leases":['
  lease 1 '"alice"' '"10.99.0.10/24"' '"fd00:99::10/64"'
  printf ','
  lease 2 '"alice"' '"10.50.0.2/24"' '"fd00:99::11/64"' # outside the pool
  printf ','
  lease 3 '"bob"' '"10.99.0.10/24"' '"fd00:99::12/64"' # alice's address again
  printf ','
  lease 4 '"bob"' '"10.99.0.50/24"' '"fd00:99::13/64"' # carol's static address
  printf ','
  lease 5 '"carol"' '"10.99.0.50/24"' '"fd00:99::50/64"' reserved # her own, expired: kept
  printf ','
  lease 6 '"dave"' '"10.99.0.14/24"' '"fd00:99::14/64"' # no such token
  printf ','
  lease 7 null '"10.99.0.15/24"' '"fd00:99::15/64"' # no token on a relay with tokens
  printf ','
  lease 1 '"alice"' '"10.99.0.16/24"' '"fd00:99::16/64"' # the same id again
  printf ','
  lease 8 '"bob"' '"10.99.0.1/24"' '"fd00:99::17/64"' # the relay's own address
  printf ','
  lease 9 '"bob"' '"10.99.0.18/24"' null # no IPv6 address, with an IPv6 pool
  printf ']}\n'
} >"$FILE"
wst_relay "${ARGS[@]}"
for why in '10\.50\.0\.2 is not a client address of the pools' '10\.99\.0\.10 is listed twice' \
  '10\.99\.0\.50 is the static address of another token' 'its token is no longer in the tokens file' \
  'it belongs to no token, and the relay has tokens now' 'its resume id is listed twice' \
  '10\.99\.0\.1 is not a client address' 'it has no address of every pool'; do
  wst_log_has relay "leases\.json: lease .* dropped: $why" || wst_fail "no log line for a lease where $why"
done
wst_log_has relay 'leases.json: 2 lease\(s\) reserved for their clients, 8 dropped' ||
  wst_fail "the relay did not keep the 2 good leases: $(grep 'state file' "$(wst_logfile relay)")"
metric_is wstun_relay_reserved_leases 2 || wst_fail "$(wst_metric wstun_relay_reserved_leases) leases reserved, not 2"
session 1 alice --resume="$(id 1)" --then close || wst_fail "alice with a restored id: $REPORT"
[ "$(cfg address4)" = 10.99.0.10/24 ] || wst_fail "the restored lease gave $(cfg address4), not 10.99.0.10"
session 3 carol --resume="$(id 5)" --then close || wst_fail "carol with a restored id: $REPORT"
[ "$(cfg address4)" = 10.99.0.50/24 ] && [ "$(cfg resume)" = "$(id 5)" ] ||
  wst_fail "carol's restored lease gave $CONFIG"

# 7. a second relay with the same directory: no persistence, a warning,
# and the first one's file untouched
# (once the first relay has written that alice and carol closed with 1000)
wst_wait 3 grep -q '"leases" : \[ *\]' "$FILE" || wst_fail "the closed sessions' leases stay in the file"
before=$(md5sum <"$FILE")
wst_bg second "$(wst_ns relay)" "$RELAY_BIN" --listen "ws://$WST_RELAY_IP:8081" --state-dir "$STATE" \
  --keepalive 0
wst_wait 10 wst_log_has second 'Another relay keeps its state in .*running without a state file' ||
  wst_fail "a second relay on the same state directory did not warn"
wst_stop second
[ "$(md5sum <"$FILE")" = "$before" ] || wst_fail "the second relay changed the first one's state file"
wst_stop relay
wst_no_sanitizer_reports relay second

# 8. no persistence: SIGTERM closes with 1001; a directory that is a file,
# one the relay (as nobody) cannot write, and "" all run without state
no_state() { # no_state NAME REGEX ARGS...: starts without persistence, says REGEX, closes with 1001
  local name=$1 re=$2
  shift 2
  wst_relay "${ARGS[@]}" "$@"
  wst_log_has relay "$re" || wst_fail "$name: the relay did not say '$re'"
  held "client-$name" 1 alice
  kill -TERM "$(wst_pid relay)"
  relay_ended 0
  wst_exit_status "client-$name" 5 || wst_fail "$name: the session did not end"
  REPORT=$(tail -n 1 "$(wst_logfile "client-$name")")
  [ "$(rep close)" = 1001 ] || wst_fail "$name: SIGTERM without persistence closed with $(rep close), not 1001"
  wst_no_sanitizer_reports relay
}
no_state disabled 'no state directory' --state-dir ""
: >"$WST_LOGDIR/a-file"
no_state not-a-dir 'Cannot create .*a-file/state.*running without a state file' \
  --state-dir "$WST_LOGDIR/a-file/state"
mkdir -m 777 "$WST_LOGDIR/everyone"
chmod 777 "$WST_LOGDIR/everyone"
no_state writable-by-others 'everyone belongs to another user or others may write in it \(mode 0777\).*running without a state file' \
  --state-dir "$WST_LOGDIR/everyone"
# as nobody, in a directory only root may write
mkdir -m 755 "$WST_LOGDIR/roots"
chmod 711 "$WST_LOGDIR"
wst_bg relay "$(wst_ns relay)" setpriv --reuid nobody --regid nogroup --clear-groups "$RELAY_BIN" \
  --listen "ws://$WST_RELAY_IP:8080" --state-dir "$WST_LOGDIR/roots" --keepalive 0
wst_wait 10 wst_listening "$(wst_ns relay)" 8080 || wst_fail "the relay as nobody did not start"
wst_wait 5 wst_log_has relay "roots belongs to another user or others may write in it \(mode 0755\).*running without a state file" ||
  wst_fail "a relay that cannot write its state directory did not warn"
wst_stop relay
ls -A "$WST_LOGDIR/roots" | grep -q . && wst_fail "the relay wrote into a directory it may not write"

# 9. the same from the config file: state-dir=, resume-grace= (and the keys
# the file once refused, tokens= among them)
printf '[relay]\nstate-dir=%s\nresume-grace=7\ntokens=%s\nmax-pending=10\nauth-failures=5\n' \
  "$WST_LOGDIR/conf-state" "$WST_TOKENS" >"$WST_LOGDIR/relay.conf"
wst_bg conf "$(wst_ns relay)" "$RELAY_BIN" --config "$WST_LOGDIR/relay.conf" \
  --listen "ws://$WST_RELAY_IP:8082" --keepalive 0
wst_wait 10 wst_listening "$(wst_ns relay)" 8082 || wst_fail "the relay with a config file did not start"
out=$(wst_tool 1 resume-client session --url "ws://$WST_RELAY_IP:8082" \
  --token-file "$(wst_token_file alice)" --then drop) || wst_fail "config file relay: $out"
wst_wait 5 wst_log_has conf 'its addresses are reserved for 7 s' || wst_fail "resume-grace= was not used"
wst_wait 5 test -s "$WST_LOGDIR/conf-state/leases.json" || wst_fail "state-dir= was not used"
wst_stop conf
wst_no_sanitizer_reports relay conf
wst_pass "state file: SIGTERM (1012) and kill -9 restarts resume in $ms / $ms9 ms, hostile files set aside, misfit leases dropped, no persistence closes with 1001"
