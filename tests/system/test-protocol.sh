#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The protocol decisions of PROTOCOL.md (section 11), each against the
# relay (tests/tools/resume-client.py, tests/tools/flood.py) or, for what a
# client must do, wstund against tests/tools/fake-relay.py:
# (a) limits hold for every member of every message, known or not: 4400
# (b) a member name twice in one message: 4400
# (c) anything but hello first: 4400
# (d) the reserved pool addresses (network, the relay's .1 and ::1, IPv4
#     broadcast, other tokens' static addresses) are refused with 4422; an
#     address another client holds with 4409
# (e) a hello asking for an IPv4 address only still gets an IPv6 one
# (f) the relay upgrades only at its listen URL's path; elsewhere HTTP 404,
#     which wstund reports; wstund connects at a URL's path
# (g) a missing token counts toward the 429 limit
# (h) a malformed second config makes the client close with 4400; a good
#     one is ignored
# (i) beyond --max-pending: HTTP 503 with Retry-After, not a bare hang-up
# (j) (dead peers, data as liveness) and (k) (the backlog in frame bytes)
#     are in system-resume and the router's unit test.
source "$(dirname "$0")/lib.sh"

wst_require_python
wst_world 3
wst_token alice
wst_token bob --address 10.99.0.60 --address6 fd00:99::60
WST_RELAY_URL=ws://$WST_RELAY_IP:80/wstun
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24 --pool6 fd00:99::/64 --auth-failures 3 \
  --max-pending 2 --hello-timeout 6

tool() { # tool N MODE ARGS...: resume-client with alice's token in client N's namespace; REPORT its last line
  local i=$1 mode=$2 out rc
  shift 2
  out=$(wst_tool "$i" resume-client "$mode" --url "$WST_RELAY_URL" \
    --token-file "$(wst_token_file alice)" "$@" 2>>"$WST_LOGDIR/tool.log")
  rc=$?
  CONFIG=$(grep -m 1 '"event": "config"' <<<"$out")
  REPORT=$(tail -n 1 <<<"$out")
  return $rc
}
rep() { wst_json "$1" <<<"$REPORT"; }
cfg() { wst_json "$1" <<<"$CONFIG"; }
HELLO='{"type":"hello","version":1,"software":"protocol-test"}'
refused() { # refused NAME ERROR-CODE CLOSE MESSAGE-REGEX TEXT...: raw messages end so
  local name=$1 code=$2 close=$3 re=$4
  shift 4
  local args=() t
  for t in "$@"; do args+=(--send "$t"); done
  tool 1 raw "${args[@]}" --expect-error "$code" --expect-close "$close" ||
    wst_fail "$name: not refused with $code and $close: $REPORT"
  [ -z "$re" ] || grep -Eq -- "$re" <<<"$(rep error_message)" ||
    wst_fail "$name: the error message '$(rep error_message)' does not say '$re'"
  wst_log "$name: $code, $close ($(rep error_message))"
}
long=$(printf 'a%.0s' {1..1025})
list=$(seq -s, 0 256)

# (a) limits on members the relay does not know, in known and unknown types
refused "(a) long unknown member" bad-message 4400 '“x-note” is longer than 1024 bytes' \
  "{\"type\":\"hello\",\"version\":1,\"x-note\":\"$long\"}"
refused "(a) long list in an unknown type" bad-message 4400 '“x” has more than 256 entries' \
  "$HELLO" "{\"type\":\"future\",\"x\":[$list]}"
refused "(a) long member name" bad-message 4400 'member name is longer than 1024' \
  "$HELLO" "{\"type\":\"future\",\"$long\":1}"
# (b) duplicate members
refused "(b) duplicate member" bad-message 4400 '“version” appears more than once' \
  '{"type":"hello","version":1,"version":1}'
refused "(b) duplicate type" bad-message 4400 '“type” appears more than once' \
  '{"type":"future","type":"hello","version":1}'
# (c) hello first; after it, unknown types are ignored
refused "(c) unknown type first" bad-message 4400 'first message must be hello' \
  '{"type":"future"}' "$HELLO"
refused "(c) config first" bad-message 4400 'first message must be hello' \
  '{"type":"config","address4":"10.99.0.9/24","mtu":1500}'
tool 1 raw --send "$HELLO" --send '{"type":"future","x":[1,2]}' --hold 2
[ "$(rep close)" = "" ] && [ -n "$(rep open_after)" ] || wst_fail "(c) an unknown type after hello was not ignored: $REPORT"

# (d) reserved addresses: 4422 address-unavailable; held by another: 4409
for a in 10.99.0.0 10.99.0.1 10.99.0.255 10.99.0.60 10.98.0.5; do
  tool 1 session --address4 "$a" --expect-error address-unavailable --expect-close 4422 ||
    wst_fail "(d) asking for $a: $REPORT"
done
for a in fd00:99:: fd00:99::1 fd00:99::60 fd00:98::5; do
  tool 1 session --address6 "$a" --expect-error address-unavailable --expect-close 4422 ||
    wst_fail "(d) asking for $a: $REPORT"
done
wst_bg holder "$(wst_ns 2)" "$WST_PYTHON" "$WST_TOOLS/resume-client.py" session --url "$WST_RELAY_URL" \
  --token-file "$(wst_token_file alice)" --address4 10.99.0.70 --then hold --hold 30
wst_wait 10 wst_log_has holder '"event": "config"' || wst_fail "(d) the holder did not connect"
tool 1 session --address4 10.99.0.70 --expect-error address-in-use --expect-close 4409 ||
  wst_fail "(d) asking for a held address: $REPORT"
wst_stop holder
wst_log "(d) network, relay, broadcast, static and foreign addresses: 4422; held: 4409"

# (e) an IPv4 wish still gets an IPv6 address (wishes choose, they do not restrict)
tool 1 session --address4 10.99.0.77 || wst_fail "(e) asking for 10.99.0.77: $REPORT"
[ "$(cfg address4)" = 10.99.0.77/24 ] && [ -n "$(cfg address6)" ] ||
  wst_fail "(e) an IPv4 wish got $CONFIG"

# (f) the listen URL's path only
for p in / /other /wstun/ /wstunx /WSTUN; do
  tool 1 http --path "$p" || wst_fail "(f) $p: $REPORT"
  [ "$(rep status)" = 404 ] && [ "$(rep connection)" = close ] || wst_fail "(f) $p got $REPORT, not 404"
done
tool 1 http --path "/wstun?x=1" && [ "$(rep status)" = 101 ] || wst_fail "(f) /wstun?x=1: $REPORT"
tool 1 http --path /wstun && [ "$(rep status)" = 101 ] || wst_fail "(f) /wstun: $REPORT"
wst_client 1 --token-file "$(wst_token_file alice)"
wst_stop client1
WST_RELAY_URL=ws://$WST_RELAY_IP:80/ wst_refused wrongpath 1 'No wstun relay at ws://198\.18\.0\.1:80/ \(HTTP 404\)' \
  --token-file "$(wst_token_file alice)"
wst_log "(f) 404 at other paths; wstund connects at ws://…/wstun and reports 404 elsewhere"

# (i) beyond --max-pending (2): 503 with Retry-After
wst_bg idle "$(wst_ns 3)" "$WST_PYTHON" "$WST_TOOLS/flood.py" idle --url "$WST_RELAY_URL" \
  --count 2 --concurrency 2 --hold 5 --timeout 10
metric_is() { [ "$(wst_metric "$1")" = "$2" ]; }
wst_wait 5 metric_is wstun_relay_pending_connections 2 || wst_fail "(i) the idle connections are not pending"
tool 1 http || wst_fail "(i) $REPORT"
[ "$(rep status)" = 503 ] && [ "$(rep retry_after)" = 5 ] && [ "$(rep connection)" = close ] ||
  wst_fail "(i) beyond max-pending: $REPORT, not 503 with Retry-After: 5"
wst_log "(i) beyond max-pending: HTTP $(rep status), Retry-After $(rep retry_after): $(rep body)"
wst_exit_status idle 15 || wst_fail "(i) the idle connections did not end"
wst_wait 5 metric_is wstun_relay_pending_connections 0 || wst_fail "(i) connections still pending"

# (g) a missing token counts toward 429 (--auth-failures 3), from client 2
for n in 1 2 3; do
  out=$(wst_tool 2 resume-client http --url "$WST_RELAY_URL")
  [ "$(wst_json status <<<"$(tail -n 1 <<<"$out")")" = 401 ] || wst_fail "(g) request $n without a token: $out"
done
out=$(wst_tool 2 resume-client http --url "$WST_RELAY_URL" --token-file "$(wst_token_file alice)")
[ "$(wst_json status <<<"$(tail -n 1 <<<"$out")")" = 429 ] ||
  wst_fail "(g) a valid token after 3 requests without one: $out, not 429"
wst_log "(g) three requests without a token, then 429"
wst_stop relay
wst_no_sanitizer_reports relay

# (h) the client: a malformed second config closes with 4400, a good one is ignored
for mode in second-config-bad second-config-good; do
  wst_bg "fake-$mode" "$(wst_ns relay)" "$WST_PYTHON" "$WST_TOOLS/fake-relay.py" "$mode" --port 8090
  wst_wait 10 wst_listening "$(wst_ns relay)" 8090 || wst_fail "(h) the fake relay did not start"
  WST_RELAY_URL=ws://$WST_RELAY_IP:8090 wst_client 1
  wst_exit_status "fake-$mode" 20 || wst_fail "(h) $mode: the fake relay did not end"
  [ "$WST_STATUS" = 0 ] || wst_fail "(h) $mode: $(tail -n 1 "$(wst_logfile "fake-$mode")")"
  wst_stop client1
  wst_log "(h) $mode: $(tail -n 1 "$(wst_logfile "fake-$mode")")"
done

wst_pass "protocol decisions (a)-(i) hold"
