#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tokens in a relay cluster (two relays, one tokens file, one etcd): a
# token's static address is its own on every relay and held once in the
# cluster; a resume id takes its lease over from another relay only for
# the token it was issued to.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-cluster.sh"

session() { # session N RELAY TOKEN ARGS...: a resume-client session in client N's namespace
  local i=$1 r=$2 t=$3
  shift 3
  wst_tool "$i" resume-client session --url "$(wsc_url "$r")" --token-file "$(wst_token_file "$t")" \
    --timeout 10 "$@"
}

wst_world 3
wst_token alice
wst_token carol
wst_token bob --address 10.99.0.77 --address6 fd00:99::77
wsc_etcd 1
wsc_relays 2 --tokens "$WST_TOKENS"

# bob on relay 1 gets his static address
wsc_client 1 1 --token-file "$(wst_token_file bob)"
[ "$(wst_addr4 1)" = 10.99.0.77 ] && [ "$(wst_addr6 1)" = fd00:99::77 ] ||
  wst_fail "bob got $(wst_addr4 1) $(wst_addr6 1) on relay 1, not his static addresses"
wst_wait 5 wsc_metric_ge 2 wstun_relay_cluster_cache_addresses 2 || wst_fail "relay 2 does not know bob's claims"
# held once in the cluster: bob again, on relay 2, is refused
out=$(session 2 2 bob --expect-error address-in-use --expect-close 4409) ||
  wst_fail "a second bob on relay 2 was not refused with address-in-use: $out"
# and no one else gets it on relay 2
out=$(session 2 2 alice --address4 10.99.0.77 --expect-error address-unavailable --expect-close 4422) ||
  wst_fail "alice asking relay 2 for bob's address: $out"
wsc_client 2 2 --token-file "$(wst_token_file alice)"
a2=$(wst_addr4 2)
wst_in 2 ping -c 2 -i 0.2 -W 2 10.99.0.77 || wst_fail "alice on relay 2 cannot reach bob on relay 1"
# bob leaves relay 1 (goodbye: his claims go) and comes up on relay 2 with them
wst_stop client1
wsc_client 3 2 --token-file "$(wst_token_file bob)"
[ "$(wst_addr4 3)" = 10.99.0.77 ] || wst_fail "bob got $(wst_addr4 3) on relay 2, not 10.99.0.77"
wst_in 3 ping -c 2 -i 0.2 -W 2 "$a2" || wst_fail "bob on relay 2 cannot reach alice"
wst_pass "a token's static address is its own on every relay, held once in the cluster"

# a resume id moves a lease between relays only for its own token
out=$(session 1 1 carol --then drop) || wst_fail "carol's session on relay 1 failed: $out"
rid=$(head -1 <<<"$out" | wst_json resume)
addr=$(head -1 <<<"$out" | wst_json address4)
out=$(session 1 2 alice --resume="$rid") || wst_fail "alice with carol's resume id on relay 2: $out"
got=$(head -1 <<<"$out" | wst_json address4)
[ "$got" != "$addr" ] || wst_fail "alice took carol's lease over with carol's resume id"
out=$(session 1 2 carol --resume="$rid") || wst_fail "carol resuming on relay 2: $out"
got=$(head -1 <<<"$out" | wst_json address4)
[ "$got" = "$addr" ] || wst_fail "carol resumed on relay 2 with $got, not her $addr"
wst_wait 5 wsc_metric_ge 2 'wstun_relay_claims_total{result="taken_over"}' 1 ||
  wst_fail "relay 2 did not count the takeover"
wst_pass "a resume id takes a lease over from another relay for its own token only"
