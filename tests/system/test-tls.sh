#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wss://: with certificates made at test time (wst_pki: a test CA, another
# CA, a certificate for another name, an expired one, one not valid yet),
# clients that trust the test CA (--ca-file) or pin the relay's key
# (--pin-sha256) connect and ping each other through a TLS relay with
# tokens; every other case fails before the upgrade request is sent (so the
# token never leaves the client) with its own message naming the cause:
# unknown CA, another host name, expired, not yet valid, pin mismatch.
source "$(dirname "$0")/lib.sh"

wst_require_python
wst_world 3 # 1 and 2 connect, 3 tries everything that must fail
wst_pki
wst_token alice
wst_token bob
wst_token mallory
CA=$(wst_pem ca)
PIN=$(wst_pin relay)
ROGUE_PIN=$(wst_pin rogue)
[ -n "$PIN" ] && [ "$PIN" != "$ROGUE_PIN" ] || wst_fail "cannot compute the pins ('$PIN', '$ROGUE_PIN')"

# the relay, and one relay per bad certificate on ports of its own
wst_relay_tls relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24
declare -A PORT=([rogue]=8441 [wrongname]=8442 [expired]=8443 [future]=8444)
for cert in "${!PORT[@]}"; do
  wst_tls_relay "relay-$cert" "${PORT[$cert]}" "$cert" --tokens "$WST_TOKENS" -v
done
wst_log_has relay 'listening on wss://198\.18\.0\.1:443' || wst_fail "the relay does not say it serves wss://"
wst_log_has relay-expired 'WARNING.*TLS certificate .*expired\.pem expired at 20[0-9-]+T' ||
  wst_fail "a relay with an expired certificate does not warn about it"

# 1. trusting the test CA: connected, and the tunnel works
wst_client 1 --token-file "$(wst_token_file alice)" --ca-file "$CA"
wst_client 2 --token-file "$(wst_token_file bob)" --ca-file "$CA"
a1=$(wst_addr4 1) a2=$(wst_addr4 2)
wst_in 1 ping -q -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "ping 1 -> 2 over wss://"
wst_in 2 ping -q -c 3 -i 0.2 -W 2 "$a1" >/dev/null || wst_fail "ping 2 -> 1 over wss://"
wst_log_has client1 'sending the token unencrypted' && wst_fail "wstund warns about plain text over wss://"

used=$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')
accepted=$(wst_metric wstun_relay_connections_total)
refused=$(wst_metric wstun_relay_refused_total)
nothing_spent() { # nothing_spent WHAT: the relay saw no upgrade request and spent nothing
  [ "$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')" = "$used" ] &&
    [ "$(wst_metric wstun_relay_clients)" = 2 ] ||
    wst_fail "$1: the relay spent an address or a session"
  [ "$(wst_metric wstun_relay_connections_total)" = "$accepted" ] &&
    [ "$(wst_metric wstun_relay_refused_total)" = "$refused" ] ||
    wst_fail "$1: the relay got the upgrade request (and the token) although the client refused its certificate"
}
mallory=(--token-file "$(wst_token_file mallory)")

# 2. each failed check, with a message of its own
declare -A CAUSE=(
  [UNKNOWN_CA]='certificate was refused: it is not signed by a trusted certificate authority'
  [BAD_NAME]='certificate was refused: it was issued for another host name'
  [EXPIRED]='certificate was refused: it has expired'
  [FUTURE]='certificate was refused: it is not valid yet'
  [PIN_MISMATCH]='public key does not match pin-sha256'
)
declare -A MSG
try() { # try NAME CAUSE PORT ARGS...: wstund in client 3 fails for CAUSE only
  local name=$1 cause=$2 port=$3 other
  shift 3
  WST_RELAY_URL=wss://$WST_RELAY_IP:$port wst_refused "$name" 3 "${CAUSE[$cause]}" "${mallory[@]}" "$@"
  for other in "${!CAUSE[@]}"; do
    [ "$other" = "$cause" ] && continue
    grep -qF -- "${CAUSE[$other]}" <<<"$WST_MESSAGE" &&
      wst_fail "$name: the message also gives '${CAUSE[$other]}'"
  done
  MSG[$name]=$WST_MESSAGE
}
try system-cas UNKNOWN_CA 443 # the test CA is not among the system's
try other-ca UNKNOWN_CA 443 --ca-file "$(wst_pem otherca)"
nothing_spent "a relay of an unknown CA"
try rogue UNKNOWN_CA "${PORT[rogue]}" --ca-file "$CA"
try wrongname BAD_NAME "${PORT[wrongname]}" --ca-file "$CA"
try expired EXPIRED "${PORT[expired]}" --ca-file "$CA"
try future FUTURE "${PORT[future]}" --ca-file "$CA"
# a pin that does not match fails even when the CA vouches for the relay,
# and before the token is sent; the message names the key the relay showed
try pin PIN_MISMATCH 443 --ca-file "$CA" --pin-sha256 "$ROGUE_PIN"
grep -qF "pin-sha256:$PIN" <<<"$WST_MESSAGE" || wst_fail "the pin message does not name the relay's pin $PIN"
nothing_spent "a pin mismatch"
try rogue-pin PIN_MISMATCH "${PORT[rogue]}" --pin-sha256 "$PIN"
grep -qF "pin-sha256:$ROGUE_PIN" <<<"$WST_MESSAGE" || wst_fail "the pin message does not name the rogue's pin"
for cert in "${!PORT[@]}"; do
  if wst_log_has "relay-$cert" 'refused .* with HTTP|connected as|client .* disconnected'; then
    wst_fail "the $cert relay got an upgrade request (and a token) from a client that refused it"
  fi
done
# five causes, five messages
causes=$(printf '%s\n' "${MSG[other-ca]}" "${MSG[wrongname]}" "${MSG[expired]}" "${MSG[future]}" \
  "${MSG[pin]%%(*}" | sort -u | wc -l)
[ "$causes" = 5 ] || wst_fail "the five causes give $causes different messages"

# 3. a pin alone accepts the relay without trusting any CA (as openconnect's
# --servercert), and together with --ca-file both must hold
for args in "--pin-sha256 $PIN" "--pin-sha256 pin-sha256:$PIN --ca-file $CA"; do
  # shellcheck disable=SC2086 # word splitting intended
  wst_client 3 "${mallory[@]}" $args
  wst_in 3 ping -q -c 2 -i 0.2 -W 2 "$a1" >/dev/null || wst_fail "ping 3 -> 1 with $args"
  wst_stop client3
  wst_wait 3 wst_no_dev 3 wstun0 || wst_fail "client 3's device stayed"
done

kill -0 "$(wst_pid relay)" 2>/dev/null || wst_fail "the relay died"
wst_stop client1
wst_stop client2
wst_stop relay
for cert in "${!PORT[@]}"; do wst_stop "relay-$cert"; done
# shellcheck disable=SC2046
wst_no_sanitizer_reports relay client1 client2 client3 "${!MSG[@]}" $(printf 'relay-%s ' "${!PORT[@]}")
wst_pass "wss:// with a test CA and pins; unknown CA, host name, expired, not yet valid and pin mismatch refused with their own messages, no token sent"
