#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Several relay URLs (README, "Several relays"): two independent relays
# (no cluster) in the relay namespace, on ports 8001 and 8002, with the
# same pool and one tokens file.
# 1. a client given a dead URL beside a live one comes up anyway: the
#    first connection tries each relay once; one DNS name whose first
#    address is dead connects in its first attempt (no list needed);
# 2. client 1 (--connect A --connect B) comes up on one of them, X;
#    client 2 sits on the other, Y, alone, with a static address;
# 3. X stops (SIGTERM): client 1 is on Y within 5 s, on the same device,
#    with the same address (its wish: Y does not know its resume id), and
#    pings client 2 through Y;
# 4. X is back and Y is killed (-9): client 1 wraps around to X, on the
#    same device (X refuses its address wish: see below);
# 5. wstunctl connect A B through wstund on D-Bus, Y dead: up on X, and
#    Url says X.
source "$(dirname "$0")/lib.sh"

wst_world 3
wst_token one
wst_token two --address 10.99.0.50
wst_token three
PORT_A=8001 PORT_B=8002
URL_A=ws://$WST_RELAY_IP:$PORT_A URL_B=ws://$WST_RELAY_IP:$PORT_B
rns=$(wst_ns relay)

# relay NAME PORT METRICS_PORT: an independent relay (its own state)
relay() {
  wst_bg "relay$1" "$rns" "$RELAY_BIN" --listen "ws://$WST_RELAY_IP:$2" \
    --metrics "127.0.0.1:$3" --state-dir "$(wst_state_dir "relay$1")" --tokens "$WST_TOKENS" \
    --pool 10.99.0.0/24 --keepalive 1
  wst_wait 10 wst_listening "$rns" "$2" || wst_fail "relay $1 did not start"
}
relay A "$PORT_A" 9181
relay B "$PORT_B" 9182

# on_relay N PORT: client N's TCP connection to the relay on PORT is up
on_relay() { wst_in "$1" ss -Htn state established "( dport = :$2 )" | grep -q .; }
count() { grep -c "$2" "$(wst_logfile "$1")"; }
reaches() { wst_in "$1" ping -q -c 1 -W 0.3 "$2" >/dev/null 2>&1; }
ifindex() { ip -n "$(wst_ns "$1")" -o link show dev wstun0 | cut -d: -f1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# 1. a dead relay in the list costs the first connection nothing --------------
wst_bg client3 "$(wst_ns 3)" "$WSTUND_BIN" --connect "ws://$WST_RELAY_IP:8003" \
  --connect "$URL_A" --connect "ws://$WST_RELAY_IP:8004" \
  --token-file "$(wst_token_file three)" --interface wstun0
wst_wait 10 wst_has_addr "$(wst_ns 3)" wstun0 ||
  wst_fail "a client with a live relay among dead ones did not come up"
on_relay 3 "$PORT_A" || wst_fail "client 3 is not on the live relay"
wst_stop client3
wst_ended client3 || wst_fail "client 3 did not stop"
wst_no_sanitizer_reports client3

# 1b. one DNS name with a dead address first: the same attempt goes on to
# the next address (GIO's GSocketClient under libsoup), no list needed.
# A mount namespace of its own gives client 3 the name in its /etc/hosts.
ip -n "$rns" addr add 198.18.0.5/24 dev br0
hosts=$WST_LOGDIR/hosts
printf '127.0.0.1 localhost\n198.18.0.5 relays.test\n%s relays.test\n' "$WST_RELAY_IP" >"$hosts"
# the resolver's order (RFC 6724: the longer prefix shared with 198.18.0.4)
order=$(wst_in 3 unshare -m sh -c "mount --bind '$hosts' /etc/hosts && getent ahostsv4 relays.test" |
  awk '$2 == "STREAM" { print $1 }' | tr '\n' ' ')
[ "$order" = "198.18.0.5 $WST_RELAY_IP " ] || wst_fail "relays.test resolves to '$order', not the dead address first"
wst_bg client3dns "$(wst_ns 3)" unshare -m sh -c "mount --bind '$hosts' /etc/hosts && exec \"\$0\" \"\$@\"" \
  "$WSTUND_BIN" --connect "ws://relays.test:$PORT_A" --token-file "$(wst_token_file three)" \
  --interface wstun0
wst_wait 10 wst_has_addr "$(wst_ns 3)" wstun0 || wst_fail "a name with a dead address first did not connect"
on_relay 3 "$PORT_A" || wst_fail "client 3 is not on the live address"
! wst_log_has client3dns 'refused|trying this relay next|failed' ||
  wst_fail "the dead address cost client 3 an attempt: $(cat "$(wst_logfile client3dns)")"
wst_stop client3dns
wst_ended client3dns || wst_fail "client 3 did not stop"

# 2. client 1 on X, client 2 on Y --------------------------------------------
wst_bg client1 "$(wst_ns 1)" "$WSTUND_BIN" --connect "$URL_A" --connect "$URL_B" \
  --token-file "$(wst_token_file one)" --interface wstun0
wst_wait 10 wst_has_addr "$(wst_ns 1)" wstun0 || wst_fail "client 1 did not come up"
if on_relay 1 "$PORT_A"; then
  X=A Y=B PORT_X=$PORT_A PORT_Y=$PORT_B URL_Y=$URL_B
elif on_relay 1 "$PORT_B"; then
  X=B Y=A PORT_X=$PORT_B PORT_Y=$PORT_A URL_Y=$URL_A
else
  wst_fail "client 1 is up but on neither relay"
fi
wst_log "client 1 started on relay $X"
wst_bg client2 "$(wst_ns 2)" "$WSTUND_BIN" --connect "$URL_Y" \
  --token-file "$(wst_token_file two)" --interface wstun0
wst_wait 10 wst_has_addr "$(wst_ns 2)" wstun0 || wst_fail "client 2 did not come up"
A1=$(wst_addr4 1) A2=$(wst_addr4 2) IDX1=$(ifindex 1)
[ "$A2" = 10.99.0.50 ] || wst_fail "client 2 has $A2, not its static 10.99.0.50"

# 3. X stops: client 1 moves to Y --------------------------------------------
n1=$(count client1 'reconnected on')
t0=$(now_ms)
wst_stop "relay$X"
wst_ended "relay$X" || wst_fail "relay $X did not stop"
moved() { on_relay 1 "$PORT_Y" && [ "$(count client1 'reconnected on')" -gt "$n1" ]; }
wst_wait 5 moved || wst_fail "client 1 did not move to relay $Y within 5 s"
wst_wait 5 reaches 1 "$A2" || wst_fail "ping 1 -> 2 through relay $Y"
t1=$(now_ms)
[ "$(ifindex 1)" = "$IDX1" ] && [ "$(wst_addr4 1)" = "$A1" ] ||
  wst_fail "client 1 came back with another device or address ($(wst_addr4 1), was $A1)"
wst_log_has client1 "^.*$URL_Y: .*reconnected on wstun0" ||
  wst_fail "client 1's log does not say it reconnected on $URL_Y"
wst_log "relay $X stopped: client 1 on relay $Y, ping through after $((t1 - t0)) ms"

# 4. X back, Y killed: client 1 wraps around to X ----------------------------
# X kept client 1's first lease for its own resume id (--state-dir), which
# Y's id does not match: independent relays share no resume ids, so the
# wish for the address is refused there and client 1 takes another
# address on X, on the same device, without going round the list again
relay "$X" "$PORT_X" "$([ "$X" = A ] && echo 9181 || echo 9182)"
n1=$(count client1 'reconnected on')
dead0=$(count client1 'Connection refused')
kill -KILL "$(wst_pid "relay$Y")"
wait "$(wst_pid "relay$Y")" 2>/dev/null
back() { on_relay 1 "$PORT_X" && [ "$(count client1 'reconnected on')" -gt "$n1" ]; }
wst_wait 5 back || wst_fail "client 1 did not move back to relay $X within 5 s"
[ "$(ifindex 1)" = "$IDX1" ] && wst_has_addr "$(wst_ns 1)" wstun0 ||
  wst_fail "client 1 came back to $X on another device or without an address"
[ "$(count client1 'Connection refused')" = "$dead0" ] ||
  wst_fail "client 1 tried dead relay $Y again after $X refused only its address wish"
kill -0 "$(wst_pid client1)" 2>/dev/null || wst_fail "client 1 exited"

# 5. through D-Bus: wstunctl connect with both URLs (the setting "urls"),
# Y still dead: the connection comes up on X and Url says so ------------
wst_dbus "$(wst_ns 3)" --idle-timeout 0
c3=$(wst_in 3 "$WSTUNCTL_BIN" connect "$URL_A" "$URL_B" --token-file "$(wst_token_file three)" \
  --interface wstun0 --timeout 10 2>>"$WST_LOGDIR/wstunctl.log") ||
  wst_fail "wstunctl connect with two URLs failed: $(cat "$WST_LOGDIR/wstunctl.log")"
path=$(wst_in 3 "$WSTUNCTL_BIN" --json list | grep -o '/org/wstun/connection/[0-9]*' | head -n 1)
wst_state_is "$path" connected || wst_fail "the D-Bus connection is $(wst_state "$path")"
[ "$(wst_prop "$path" org.wstun.Connection Url)" = "ws://$WST_RELAY_IP:$PORT_X" ] ||
  wst_fail "Url is $(wst_prop "$path" org.wstun.Connection Url), not relay $X's"
on_relay 3 "$PORT_X" || wst_fail "client 3 is not on relay $X"
wst_log "wstunctl: $c3"
wst_pass "several relays: first connection past dead URLs and a dead address, failover both ways in time"
