#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Token authentication (relay --tokens): clients with valid tokens connect
# and reach each other; missing, wrong and junk tokens get HTTP 401 with
# WWW-Authenticate before any WebSocket or address is spent (pool use,
# client count and accepted connections do not move; auth_failed counts
# them); a source that keeps failing gets HTTP 429 even with a valid token
# while other sources are served; a token's static address is its alone;
# `token remove` closes the running sessions of that token (error
# "unauthorized", close 4401) within 2 s while the others keep working, and
# the token no longer gets in; a full relay answers 503, and the client says
# so.
source "$(dirname "$0")/lib.sh"

AUTH_FAILURES=8

wst_require_python
# 1 alice, 2 bob (static address), 3 carol, 4 intruder and tool sessions,
# 5 a source that fails too often
wst_world 5
wst_token alice
wst_token bob --address 10.99.0.2 --address6 fd00:99::2 # the pools' first free addresses
wst_token carol
wst_token erin
wst_token frank
wst_token gina
wst_token dave
# a tokens file holds hashes, never the tokens
for name in alice bob carol; do
  grep -qF "$(cat "$(wst_token_file "$name")")" "$WST_TOKENS" && wst_fail "the tokens file holds $name's token"
  "$RELAY_BIN" --tokens "$WST_TOKENS" token list | grep -q "^$name"$'\t' || wst_fail "token list does not show $name"
done
[ "$(stat -c %a "$WST_TOKENS")" = 600 ] || wst_fail "the tokens file has mode $(stat -c %a "$WST_TOKENS")"
"$RELAY_BIN" --tokens "$WST_TOKENS" token list | grep -q $'^bob\taddress=10.99.0.2\taddress6=fd00:99::2\t' ||
  wst_fail "token list does not show bob's static addresses"

MAX_CLIENTS=4 # never reached before step 6
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24 --pool6 fd00:99::/64 \
  --auth-failures "$AUTH_FAILURES" --max-clients "$MAX_CLIENTS"
m() { wst_metric "$1"; }
metric_is() { [ "$(wst_metric "$1")" = "$2" ]; } # for wst_wait
refusals() { wst_metric "wstun_relay_refusals_total{reason=\"$1\"}"; }
flood() { # flood N ARGS...: tests/tools/flood.py in client N's namespace, its report on stdout
  local i=$1
  shift
  wst_tool "$i" flood --url "$WST_RELAY_URL" "$@" 2>>"$WST_LOGDIR/flood.log"
}
field() { wst_json "$1" <<<"$2"; }

# 1. valid tokens connect; the static address is bob's, not the next client's
wst_client 1 --token-file "$(wst_token_file alice)"
wst_client 2 --token-file "$(wst_token_file bob)"
wst_client 3 --token-file "$(wst_token_file carol)"
a1=$(wst_addr4 1) a2=$(wst_addr4 2) a3=$(wst_addr4 3)
[ "$a2" = 10.99.0.2 ] && [ "$(wst_addr6 2)" = fd00:99::2 ] ||
  wst_fail "bob got '$a2' '$(wst_addr6 2)', not his static 10.99.0.2 fd00:99::2"
[ "$a1" = 10.99.0.3 ] && [ "$a3" = 10.99.0.4 ] ||
  wst_fail "alice and carol got '$a1' and '$a3', not 10.99.0.3 and 10.99.0.4 (10.99.0.2 is bob's)"
wst_in 1 ping -q -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "ping alice -> bob"
wst_in 2 ping -6 -q -c 2 -i 0.2 -W 2 "$(wst_addr6 3)" >/dev/null || wst_fail "IPv6 ping bob -> carol"
wst_log_has relay 'connected as 10\.99\.0\.2/24.*token bob' || wst_fail "the relay did not log bob's token"

# 2. no one else gets bob's address, whether bob is connected or not
out=$(flood 4 hello --token-file "$(wst_token_file erin)" --address4 10.99.0.2 --expect close-4422) ||
  wst_fail "erin asking for bob's 10.99.0.2: $out (want address-unavailable, 4422)"
[ "$(field errors "$out")" = "{'address-unavailable': 1}" ] || wst_fail "erin asking for 10.99.0.2: $out"
out=$(flood 4 hello --token-file "$(wst_token_file erin)" --address6 fd00:99::2 --expect close-4422) ||
  wst_fail "erin asking for bob's fd00:99::2: $out"
wst_stop client2
wst_wait 5 metric_is wstun_relay_clients 2 || wst_fail "bob's session did not end"
out=$(flood 4 hello --token-file "$(wst_token_file erin)" --address4 10.99.0.2 --expect close-4422) ||
  wst_fail "erin asking for 10.99.0.2 while bob is away: $out"
out=$(flood 4 hello --token-file "$(wst_token_file erin)" --expect config) ||
  wst_fail "erin without a wish: $out"
wst_client 2 --token-file "$(wst_token_file bob)"
[ "$(wst_addr4 2)" = 10.99.0.2 ] || wst_fail "bob came back as '$(wst_addr4 2)', not 10.99.0.2"
wst_in 3 ping -q -c 2 -i 0.2 -W 2 10.99.0.2 >/dev/null || wst_fail "ping carol -> bob after his return"

# 3. missing, wrong and junk tokens: HTTP 401 before the upgrade, nothing spent
used4=$(m 'wstun_relay_pool_used{family="ipv4"}') used6=$(m 'wstun_relay_pool_used{family="ipv6"}')
clients=$(m wstun_relay_clients) accepted=$(m wstun_relay_connections_total)
failed=$(refusals auth_failed)
[ "$used4" = 3 ] && [ "$used6" = 3 ] && [ "$clients" = 3 ] ||
  wst_fail "before the refusals: pools $used4/$used6, $clients clients (want 3)"
printf 'wst_%s\n' "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
  >"$WST_LOGDIR/wrong.token"
chmod 600 "$WST_LOGDIR/wrong.token"
wst_refused notoken 4 'requires a token \(HTTP 401\)'
msg_missing=$WST_MESSAGE
wst_refused wrongtoken 4 'refused the token \(HTTP 401\).*unknown or revoked' \
  --token-file "$WST_LOGDIR/wrong.token"
msg_wrong=$WST_MESSAGE
[ "$msg_missing" != "$msg_wrong" ] || wst_fail "missing and wrong tokens give the same message"
out=$(flood 4 http) || wst_fail "probe without a token: $out"
[ "$(field status "$out")" = 401 ] && [ "$(field www_authenticate "$out")" = 'Bearer realm="wstun"' ] &&
  [ "$(field connection "$out")" = close ] || wst_fail "no token: not 401 + WWW-Authenticate Bearer: $out"
out=$(flood 4 http --token-file "$WST_LOGDIR/wrong.token") || wst_fail "probe with a wrong token: $out"
[ "$(field status "$out")" = 401 ] && [ "$(field www_authenticate "$out")" = 'Bearer realm="wstun"' ] ||
  wst_fail "wrong token: not 401 + WWW-Authenticate Bearer: $out"
[ "$(m 'wstun_relay_pool_used{family="ipv4"}')" = "$used4" ] &&
  [ "$(m 'wstun_relay_pool_used{family="ipv6"}')" = "$used6" ] ||
  wst_fail "refused clients took addresses"
[ "$(m wstun_relay_clients)" = "$clients" ] && [ "$(m wstun_relay_connections_total)" = "$accepted" ] ||
  wst_fail "refused clients got a WebSocket (clients $(m wstun_relay_clients), accepted $(m wstun_relay_connections_total))"
[ "$(($(refusals auth_failed) - failed))" = 4 ] ||
  wst_fail "auth_failed grew by $(($(refusals auth_failed) - failed)), 4 were refused"

# 4. a source that keeps failing gets 429, even with a valid token; others do not
failed=$(refusals auth_failed) limited=$(refusals auth_rate_limited)
out=$(flood 5 junk-token --count "$AUTH_FAILURES" --expect http-401) ||
  wst_fail "junk tokens (other schemes, empty, too long, too short): $out"
out=$(flood 5 mixed --count 6 --expect http-429) || wst_fail "beyond $AUTH_FAILURES failures: $out"
wst_refused limited 5 'too many failed authentications \(HTTP 429\)' \
  --token-file "$(wst_token_file frank)"
[ "$(($(refusals auth_failed) - failed))" = "$AUTH_FAILURES" ] &&
  [ "$(($(refusals auth_rate_limited) - limited))" = 7 ] ||
  wst_fail "auth_failed grew by $(($(refusals auth_failed) - failed)) (want $AUTH_FAILURES), auth_rate_limited by $(($(refusals auth_rate_limited) - limited)) (want 7)"
out=$(flood 4 http --token-file "$(wst_token_file frank)") || wst_fail "frank from client 4: $out"
[ "$(field status "$out")" = 101 ] || wst_fail "a valid token from another source was refused: $out"
[ "$(m 'wstun_relay_pool_used{family="ipv4"}')" = "$used4" ] || wst_fail "the refusals took addresses"
wst_log_has relay 'refusing 198\.18\.0\.6 unchecked: more than 8 failed authentications' ||
  wst_fail "the relay did not log the rate limit"

# 5. revocation: removing alice and erin closes their sessions within 2 s
wst_bg erin "$(wst_ns 4)" "$WST_PYTHON" "$WST_TOOLS/flood.py" session --url "$WST_RELAY_URL" \
  --token-file "$(wst_token_file erin)" --timeout 30
wst_wait 10 wst_log_has erin '^config ' || wst_fail "erin's session did not start"
[ "$(m 'wstun_relay_pool_used{family="ipv4"}')" = 4 ] || wst_fail "erin's session holds no address"
revoked=$(refusals token_revoked)
start=$(date +%s%N)
"$RELAY_BIN" --tokens "$WST_TOKENS" token remove alice 2>>"$WST_LOGDIR/tokens.log" || wst_fail "token remove alice"
"$RELAY_BIN" --tokens "$WST_TOKENS" token remove erin 2>>"$WST_LOGDIR/tokens.log" || wst_fail "token remove erin"
wst_exit_status client1 5 || wst_fail "alice's wstund still runs 5 s after her token was removed"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$WST_STATUS" = 1 ] || wst_fail "alice's wstund exited $WST_STATUS, not 1"
[ "$ms" -le 2000 ] || wst_fail "alice's session ended $ms ms after the removal (limit 2000)"
wst_log_has client1 '^wstund: .*[Tt]oken was revoked.*unauthorized' ||
  wst_fail "alice's wstund did not say that the token was revoked: $(grep '^wstund:' "$(wst_logfile client1)")"
wst_wait 2 wst_no_dev 1 wstun0 || wst_fail "alice's wstun0 is still there"
wst_exit_status erin 3 || wst_fail "erin's session still runs after her token was removed"
out=$(tail -n 1 "$(wst_logfile erin)")
[ "$(field outcomes "$out")" = "{'close-4401': 1}" ] && [ "$(field errors "$out")" = "{'unauthorized': 1}" ] ||
  wst_fail "erin's session did not end with error unauthorized and close 4401: $out"
wst_log_has relay "disconnected \(4401: unauthorized\)" || wst_fail "the relay did not log close 4401"
[ "$(($(refusals token_revoked) - revoked))" = 2 ] || wst_fail "token_revoked did not grow by 2"
wst_wait 2 metric_is 'wstun_relay_pool_used{family="ipv4"}' 2 ||
  wst_fail "the revoked sessions' addresses were not freed"
[ "$(m wstun_relay_clients)" = 2 ] || wst_fail "$(m wstun_relay_clients) clients left, want bob and carol"
wst_in 3 ping -q -c 5 -i 0.1 -W 2 10.99.0.2 >/dev/null || wst_fail "ping carol -> bob after the revocation"
wst_refused revoked 1 'refused the token \(HTTP 401\).*unknown or revoked' \
  --token-file "$(wst_token_file alice)"
wst_log "revocation: alice's session ended $ms ms after token remove"

# 6. a full relay: 503, after the token check, and nothing spent
for name in frank gina; do
  wst_bg "session-$name" "$(wst_ns 4)" "$WST_PYTHON" "$WST_TOOLS/flood.py" session \
    --url "$WST_RELAY_URL" --token-file "$(wst_token_file "$name")" --timeout 30
  wst_wait 10 wst_log_has "session-$name" '^config ' || wst_fail "$name's session did not start"
done
[ "$(m wstun_relay_clients)" = "$MAX_CLIENTS" ] || wst_fail "the relay is not full"
failed=$(refusals auth_failed) used4=$(m 'wstun_relay_pool_used{family="ipv4"}')
full=$(refusals clients_full)
wst_refused full 1 'relay is full or shutting down \(HTTP 503\)' --token-file "$(wst_token_file dave)"
[ "$(m wstun_relay_clients)" = "$MAX_CLIENTS" ] && [ "$(m 'wstun_relay_pool_used{family="ipv4"}')" = "$used4" ] &&
  [ "$(refusals auth_failed)" = "$failed" ] || wst_fail "the refusal of a full relay spent something"
[ "$(refusals clients_full)" = $((full + 1)) ] || wst_fail "the refusal of a full relay is not counted"
wst_log_has relay "refusing [0-9.]+: the relay is full \($MAX_CLIENTS clients" ||
  wst_fail "the refusal of a full relay is not logged"

kill -0 "$(wst_pid relay)" 2>/dev/null || wst_fail "the relay died"
wst_stop client2
wst_stop client3
wst_stop relay
wst_no_sanitizer_reports relay client1 client2 client3 notoken wrongtoken limited revoked full
wst_pass "tokens: valid ones connect, missing/wrong/junk get 401 and nothing, 429 per source, static addresses kept, revocation in $ms ms, 503 when full"
