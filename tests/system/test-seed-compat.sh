#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seed compatibility: the original proof-of-concept client (re-created in
# tests/seed/seed-client.py: tx:/rx: hex text messages, TUN configured by
# hand) exchanges pings with a wstun client through a relay started with
# --seed-compat, registered by an explicit first message and by the source
# of its first packet. A relay without --seed-compat refuses it (HTTP 400).
source "$(dirname "$0")/lib.sh"

SEED_CLIENT=$WST_TESTS/seed/seed-client.py
SEED_ADDR=10.99.0.50

wst_require_python
wst_world 2 # client 1: wstund; client 2's namespace: the seed client
seedns=$(wst_ns 2)

# seed NAME ARGS...: starts the seed client in client 2's namespace and
# configures its tun0 by hand, as users of the original did
seed() {
  local name=$1
  shift
  wst_bg "$name" "$seedns" "$WST_PYTHON" "$SEED_CLIENT" "$WST_RELAY_IP" --lifetime 120 "$@"
  wst_wait 10 wst_has_dev 2 tun0 || wst_fail "$name: no tun0"
  wst_wait 10 wst_log_has "$name" '^connected to' || wst_fail "$name: did not connect"
  ip -n "$seedns" addr add "$SEED_ADDR/24" dev tun0 || wst_fail "$name: cannot configure tun0"
  ip -n "$seedns" link set tun0 up || wst_fail "$name: cannot bring tun0 up"
}

seed_gone() { # seed_gone NAME: the seed client ended and the relay freed its address
  wst_stop "$1"
  wst_wait 10 wst_no_dev 2 tun0 || wst_fail "$1: tun0 stays"
  wst_wait 10 wst_log_has relay "seed client .* disconnected|client 198\.18\.0\.3:[0-9]+ disconnected" ||
    wst_fail "$1: the relay did not notice the seed client leave"
}

# 1. a relay without --seed-compat refuses a client without subprotocol
wst_relay --pool 10.99.0.0/24
wst_bg refused "$seedns" "$WST_PYTHON" "$SEED_CLIENT" "$WST_RELAY_IP" --lifetime 30
wst_exit_status refused 20 || wst_fail "the seed client keeps running against a relay without --seed-compat"
[ "$WST_STATUS" -ne 0 ] || wst_fail "the seed client exited 0 against a relay without --seed-compat"
wst_log_has refused 'HTTP 400' || wst_fail "the seed client was not refused with HTTP 400"
# and the relay closed that connection (it does not keep one per refusal)
wst_wait 5 bash -c "ip netns exec $(wst_ns relay) ss -Htn state close-wait | grep -q . && exit 1 || exit 0" ||
  wst_fail "the relay keeps the refused connection: $(ip netns exec "$(wst_ns relay)" ss -tn)"
wst_log_has relay 'seed client' && wst_fail "a relay without --seed-compat accepted a seed client"
[ "$(wst_metric wstun_relay_refused_total)" -ge 1 ] || wst_fail "the refusal was not counted"
wst_stop relay

# 2. with --seed-compat, a seed client that registers explicitly first
wst_relay --pool 10.99.0.0/24 --seed-compat
wst_client 1
a1=$(wst_addr4 1)
[ -n "$a1" ] || wst_fail "client 1 got no address"
seed seed-reg --register "$SEED_ADDR"
wst_wait 10 wst_log_has relay "seed client .* registered as $SEED_ADDR" || wst_fail "registration not seen"
# the wstun client reaches it first: it must be known by its registration alone
wst_in 1 ping -c 3 -i 0.2 -W 2 "$SEED_ADDR" || wst_fail "ping wstun -> registered seed client"
ip netns exec "$seedns" ping -c 3 -i 0.2 -W 2 "$a1" || wst_fail "ping registered seed client -> wstun"
seed_gone seed-reg

# 3. a seed client known by the source address of its first packet
before=$(grep -c 'registered as' "$(wst_logfile relay)")
seed seed-src
ip netns exec "$seedns" ping -c 3 -i 0.2 -W 2 "$a1" || wst_fail "ping seed client -> wstun"
wst_in 1 ping -c 3 -i 0.2 -W 2 "$SEED_ADDR" || wst_fail "ping wstun -> seed client"
[ "$(grep -c "registered as $SEED_ADDR" "$(wst_logfile relay)")" -gt "$before" ] ||
  wst_fail "the seed client was not registered by its packets' source"
# the relay translated: hex text for the seed client, binary for wstund
[ "$(wst_drops malformed_frame)" = 0 ] || wst_fail "the relay found seed messages malformed"
wst_in 1 ping -c 1 -W 2 "$SEED_ADDR" >/dev/null || wst_fail "the seed client went away"
wst_pass "seed client and wstun client ping both ways, registered explicitly and by source"
