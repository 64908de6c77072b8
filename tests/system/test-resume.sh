#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Resume (PROTOCOL.md 3.4) and dead peers (PROTOCOL.md 5), with
# tests/tools/resume-client.py against a relay with tokens, both pools,
# --resume-grace 2 and --keepalive 1:
# - a client that drops its TCP connection (FIN or reset) gets its
#   addresses back, and the same resume id, when it presents the id again;
#   meanwhile no one else gets them;
# - another token's client presenting the id, or anyone after the grace
#   period, gets new addresses and a new id (a miss), and the reservation
#   ends on time;
# - a client that closes with 1000 gives its addresses back at once;
# - a client that comes back while its old connection still looks alive
#   takes the addresses over, and the old connection is closed with error
#   "replaced", 4410;
# - a client that stops answering pings is closed with 4504 (peer-timeout)
#   after three silent intervals, its addresses reserved, and counted; one
#   that sends data but never answers a ping is alive (any frame counts);
# - the metrics count hits, misses, replacements and dead peers, and the
#   relay logs each event.
source "$(dirname "$0")/lib.sh"

GRACE=2
wst_require_python
wst_world 3
wst_token alice
wst_token bob
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24 --pool6 fd00:99::/64 \
  --resume-grace "$GRACE" --keepalive 1

# session N TOKEN ARGS...: a resume-client session in client N's namespace
# with TOKEN's token; CONFIG is its config line, REPORT its last line
session() {
  local i=$1 token=$2 out rc
  shift 2
  out=$(wst_tool "$i" resume-client session --url "$WST_RELAY_URL" \
    --token-file "$(wst_token_file "$token")" "$@" 2>>"$WST_LOGDIR/tool.log")
  rc=$?
  CONFIG=$(grep -m 1 '"event": "config"' <<<"$out")
  REPORT=$(tail -n 1 <<<"$out")
  return $rc
}
cfg() { wst_json "$1" <<<"$CONFIG"; }
rep() { wst_json "$1" <<<"$REPORT"; }
m() { wst_metric "$1"; }
metric_is() { [ "$(wst_metric "$1")" = "$2" ]; }
hits() { m 'wstun_relay_resumes_total{result="hit"}'; }
misses() { m 'wstun_relay_resumes_total{result="miss"}'; }
used4() { m 'wstun_relay_pool_used{family="ipv4"}'; }

# 1. a config carries a resume id: 22 base64url characters, 128 bits
session 1 alice --then drop || wst_fail "alice's first session: $REPORT"
A4=$(cfg address4) A6=$(cfg address6) R=$(cfg resume)
[[ $R =~ ^[A-Za-z0-9_-]{21}[AQgw]$ ]] || wst_fail "resume id '$R' is not 22 base64url characters"
[ -n "$A4" ] && [ -n "$A6" ] || wst_fail "alice got no addresses: $CONFIG"
wst_log "alice: $A4 $A6, resume id $R"
wst_wait 3 metric_is wstun_relay_reserved_leases 1 || wst_fail "alice's dropped session left no reservation"
[ "$(used4)" = 1 ] || wst_fail "the reserved address went back to the pool"
wst_log_has relay "client 198\.18\.0\.2:[0-9]+ disconnected: .*reserved for $GRACE s" ||
  wst_fail "the relay did not log the reservation"

# 2. while it is reserved no one else gets it
session 2 bob || wst_fail "bob: $REPORT"
[ "$(cfg address4)" != "$A4" ] && [ "$(cfg address6)" != "$A6" ] ||
  wst_fail "bob got alice's reserved addresses: $CONFIG"
out=$(wst_tool 2 resume-client session --url "$WST_RELAY_URL" --token-file "$(wst_token_file bob)" \
  --address4 "${A4%/*}" --expect-close 4409 --expect-error address-in-use) ||
  wst_fail "bob asking for alice's reserved ${A4%/*} was not refused with address-in-use: $out"

# 3. alice comes back with her id (several times, FIN and reset): the same
# addresses, the same id
for how in drop reset drop; do
  h=$(hits)
  session 1 alice --resume="$R" --then "$how" || wst_fail "alice resuming ($how): $REPORT"
  [ "$(cfg address4)" = "$A4" ] && [ "$(cfg address6)" = "$A6" ] ||
    wst_fail "alice resumed as $(cfg address4) $(cfg address6), not $A4 $A6"
  [ "$(cfg resume)" = "$R" ] || wst_fail "a resumed session got another resume id: $(cfg resume)"
  [ "$(hits)" = $((h + 1)) ] || wst_fail "the resume hit was not counted"
  wst_wait 3 metric_is wstun_relay_reserved_leases 1 || wst_fail "no reservation after alice's $how"
done
wst_log_has relay "connected as $A4, $A6 \(resume-client/1, token alice, resumed\)" ||
  wst_fail "the relay did not log the resumed session"

# 4. bob presenting alice's id: a miss; new addresses, a new id, and
# alice's reservation stays hers
mi=$(misses)
session 2 bob --resume="$R" || wst_fail "bob with alice's id: $REPORT"
[ "$(cfg address4)" != "$A4" ] && [ -n "$(cfg address4)" ] && [ "$(cfg resume)" != "$R" ] ||
  wst_fail "bob with alice's id got $CONFIG"
[ "$(misses)" = $((mi + 1)) ] || wst_fail "another token's resume id was not counted as a miss"
wst_log_has relay "token bob, resume id unknown: new addresses" || wst_fail "the miss is not logged"
# nor does junk or a made-up id of the right form get anything
session 2 bob --resume="AAAAAAAAAAAAAAAAAAAAAA" || wst_fail "bob with a made-up id: $REPORT"
session 2 bob --resume="$(printf 'x%.0s' {1..300})" || wst_fail "bob with a long junk id: $REPORT"
[ "$(misses)" = $((mi + 3)) ] || wst_fail "made-up resume ids were not counted as misses"
[ "$(m wstun_relay_reserved_leases)" = 1 ] || wst_fail "alice's reservation is gone"

# 5. after the grace period the reservation ends: the addresses are free,
# and the id is a miss
start=$SECONDS
wst_wait $((GRACE + 3)) metric_is wstun_relay_reserved_leases 0 ||
  wst_fail "alice's reservation did not end within $((GRACE + 3)) s"
wst_log_has relay "reservation of ${A4%/*}, ${A6%/*} \(token alice\) expired" ||
  wst_fail "the relay did not log the end of the reservation"
[ "$(m 'wstun_relay_reservations_ended_total{how="expired"}')" -ge 1 ] || wst_fail "expiry not counted"
[ "$(used4)" = 0 ] || wst_fail "pool use is $(used4) after the reservation ended"
session 3 bob --address4 "${A4%/*}" || wst_fail "bob could not take ${A4%/*} after the grace: $REPORT"
session 1 alice --resume="$R" || wst_fail "alice after the grace: $REPORT"
[ "$(cfg resume)" != "$R" ] || wst_fail "an expired resume id was resumed"
wst_log "reservation ended after the grace of $GRACE s (seen within $((SECONDS - start)) s)"

# 6. a client that closes with 1000 gives its addresses back at once
session 1 alice --then close || wst_fail "alice closing with 1000: $REPORT"
X4=$(cfg address4) X6=$(cfg address6)
[ "$(m wstun_relay_reserved_leases)" = 0 ] || wst_fail "a close 1000 left a reservation"
session 2 bob --address4 "${X4%/*}" --address6 "${X6%/*}" ||
  wst_fail "bob could not take $X4 $X6 right after alice's close 1000: $REPORT"

# 7. alice comes back while her old connection is still up: the old one is
# closed with "replaced", 4410, and the new one gets the addresses
wst_bg old "$(wst_ns 1)" "$WST_PYTHON" "$WST_TOOLS/resume-client.py" session --url "$WST_RELAY_URL" \
  --token-file "$(wst_token_file alice)" --then hold --hold 20
wst_wait 10 wst_log_has old '"event": "config"' || wst_fail "alice's held session did not start"
CONFIG=$(grep -m 1 '"event": "config"' "$(wst_logfile old)")
R2=$(cfg resume) B4=$(cfg address4)
replaced=$(m wstun_relay_replaced_sessions_total)
session 3 alice --resume="$R2" --then close || wst_fail "alice taking over her live session: $REPORT"
[ "$(cfg address4)" = "$B4" ] || wst_fail "the takeover got $(cfg address4), not $B4"
wst_exit_status old 5 || wst_fail "the replaced session is still open"
REPORT=$(tail -n 1 "$(wst_logfile old)")
[ "$(rep close)" = 4410 ] && [ "$(rep errors)" = "['replaced']" ] ||
  wst_fail "the replaced session did not get error replaced and 4410: $REPORT"
[ "$(m wstun_relay_replaced_sessions_total)" = $((replaced + 1)) ] || wst_fail "replacement not counted"
wst_log_has relay "client 198\.18\.0\.2:[0-9]+ replaced: 198\.18\.0\.4:[0-9]+ resumed its session" ||
  wst_fail "the replacement is not logged"
# the takeover closed with 1000: the addresses are free, not reserved
[ "$(m wstun_relay_reserved_leases)" = 0 ] || wst_fail "the replaced session's close reserved the lease"

# 8. a peer that stops answering pings: close frame 4504 after three silent
# intervals (checked at each ping: 3 to 4 s with --keepalive 1), reserved
dead=$(m wstun_relay_dead_peer_closes_total)
session 1 alice --then deaf --hold 15 || wst_fail "the deaf client was not closed: $REPORT"
[ "$(rep close)" = 4504 ] && [ "$(rep reason)" = peer-timeout ] ||
  wst_fail "the deaf client got close $(rep close) '$(rep reason)', not 4504 peer-timeout"
after=$(rep closed_after)
awk -v t="$after" 'BEGIN { exit !(t >= 2.9 && t <= 5.5) }' ||
  wst_fail "the deaf client was closed after $after s (want 3 to 4 keepalive intervals of 1 s)"
[ "$(m wstun_relay_dead_peer_closes_total)" = $((dead + 1)) ] || wst_fail "the dead peer was not counted"
[ "$(m wstun_relay_reserved_leases)" = 1 ] || wst_fail "the dead peer's addresses are not reserved"
D4=$(cfg address4) RD=$(cfg resume)
session 1 alice --resume="$RD" --then close || wst_fail "resuming after 4504: $REPORT"
[ "$(cfg address4)" = "$D4" ] || wst_fail "the dead peer came back as $(cfg address4), not $D4"
wst_log_has relay "disconnected: Nothing received from the peer for 3 seconds; its addresses are reserved" ||
  wst_fail "the relay did not log the dead peer"
wst_log "dead peer closed with 4504 after $after s"

# 9. a client that sends data frames but never answers a ping stays: any
# frame it sends shows it is alive
session 2 bob --then talk --hold 5 || wst_fail "a client sending data was closed: $REPORT"
[ "$(rep pings)" -ge 3 ] || wst_fail "the relay sent $(rep pings) pings in 5 s at keepalive 1"
[ "$(m wstun_relay_dead_peer_closes_total)" = $((dead + 1)) ] || wst_fail "a talking client counted as dead"

kill -0 "$(wst_pid relay)" 2>/dev/null || wst_fail "the relay died"
wst_stop relay
wst_no_sanitizer_reports relay
wst_pass "resume: same addresses and id after drops, misses for other tokens and after $GRACE s, 1000 frees at once, 4410 replaced, 4504 after $after s"
