#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reconnection, end to end with wstund (clients 1 and 2 in the foreground,
# client 3 through D-Bus), a relay with a 1 s keepalive and its state in
# the test's directory:
# 1. kill -9 on the relay in the middle of a paced TCP transfer, then the
#    relay again: both clients come back with the same addresses on the
#    same devices (same ifindex), ping resumes within 5 s of the restart,
#    the transfer completes intact; client 3 shows "reconnecting" on D-Bus
#    and counts the packets sent meanwhile as dropped, on the same object;
# 2. SIGTERM (close 1012): the clients are back within 1 s of the relay
#    listening again;
# 3. client 1's link goes down: it reconnects at once (no keepalive
#    timeout), and resumes with its address as soon as the link is back;
# 4. client 2 silently cut off (its port leaves the relay's bridge): the
#    relay closes it within 3 keepalive intervals and keeps its lease for
#    the grace period only; the client notices too, and once the path is
#    back it gets the same address again;
# 5. a busy relay (HTTP 503 with Retry-After): the clients wait as long as
#    it asks;
# 6. client 3's token revoked while it reconnects: it fails with
#    auth-failed instead of retrying forever;
# 7. the relay back with other pools and a route: the clients move their
#    devices over (old addresses gone, new ones and the route there).
source "$(dirname "$0")/lib.sh"

GRACE=6
wst_require_python
wst_world 3
wst_token one
wst_token two
wst_token three
# the lower halves of the tunnel's prefixes: step 7 moves to the upper ones
RELAY_ARGS=(--tokens "$WST_TOKENS" --pool 10.99.0.0/25 --pool6 fd00:99::/120 --keepalive 1
  --resume-grace "$GRACE")
wst_relay "${RELAY_ARGS[@]}"
wst_client 1 --token-file "$(wst_token_file one)"
wst_client 2 --token-file "$(wst_token_file two)"
ns3=$(wst_ns 3)
wst_dbus "$ns3" --idle-timeout 0
c3=$(wst_in 3 "$WSTUNCTL_BIN" connect "$WST_RELAY_URL" --token-file "$(wst_token_file three)" \
  --interface wstun0 --no-wait 2>>"$WST_LOGDIR/wstunctl.log") ||
  wst_fail "wstunctl connect failed: $(cat "$WST_LOGDIR/wstunctl.log")"
wst_wait 10 wst_state_is "$c3" connected || wst_fail "client 3 is $(wst_state "$c3"), not connected"

ifindex() { ip -n "$(wst_ns "$1")" -o link show dev wstun0 | cut -d: -f1; }
declare -A A4 A6 IDX
for i in 1 2 3; do
  A4[$i]=$(wst_addr4 "$i") A6[$i]=$(wst_addr6 "$i") IDX[$i]=$(ifindex "$i")
  [ -n "${A4[$i]}" ] && [ -n "${A6[$i]}" ] && [ -n "${IDX[$i]}" ] || wst_fail "client $i is not up"
done
# same_device N: client N has its device and addresses of the start
same_device() {
  [ "$(ifindex "$1")" = "${IDX[$1]}" ] && [ "$(wst_addr4 "$1")" = "${A4[$1]}" ] &&
    [ "$(wst_addr6 "$1")" = "${A6[$1]}" ]
}
# reaches N ADDR: one ping from client N to ADDR gets an answer
reaches() { wst_in "$1" ping -q -c 1 -W 0.3 "$2" >/dev/null 2>&1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
count() { grep -c "$2" "$(wst_logfile "$1")"; }

# 1. kill -9 in the middle of a transfer ------------------------------------
data=$WST_LOGDIR/data
head -c $((6 * 1024 * 1024)) /dev/urandom >"$data"
want=$(sha256sum <"$data" | cut -d' ' -f1)
wst_bg recv "$(wst_ns 2)" "$WST_PYTHON" "$WST_TOOLS/tcp-xfer.py" recv --bind "${A4[2]}" --port 5001 \
  --out "$WST_LOGDIR/recv.out" --timeout 60
wst_wait 10 wst_listening "$(wst_ns 2)" 5001 || wst_fail "the receiver did not listen"
wst_bg send "$(wst_ns 1)" "$WST_PYTHON" "$WST_TOOLS/tcp-xfer.py" send --to "${A4[2]}" --port 5001 \
  --file "$data" --rate $((2 * 1024 * 1024)) --timeout 60
received() { [ "$(stat -c %s "$WST_LOGDIR/recv.out" 2>/dev/null || echo 0)" -ge "$1" ]; }
wst_wait 10 received $((1024 * 1024)) || wst_fail "the transfer does not start"
n1=$(count client1 'reconnecting in') n2=$(count client2 'reconnecting in')
kill -KILL "$(wst_pid relay)"
wait "$(wst_pid relay)" 2>/dev/null
retrying() { [ "$(count "$1" 'reconnecting in')" -gt "$2" ]; }
wst_wait 5 retrying client1 "$n1" || wst_fail "client 1 does not reconnect after kill -9"
wst_wait 5 retrying client2 "$n2" || wst_fail "client 2 does not reconnect after kill -9"
wst_wait 5 wst_state_is "$c3" reconnecting || wst_fail "client 3 is $(wst_state "$c3"), not reconnecting"
[ "$(wst_in 3 "$WSTUNCTL_BIN" status "$c3" | awk '$1 == "state:" { print $2 }')" = reconnecting ] ||
  wst_fail "wstunctl status does not say reconnecting"
# what is sent into the tunnel meanwhile is dropped, and counted
dropped0=$(wst_prop "$c3" org.wstun.Connection DroppedPackets)
wst_in 3 ping -q -c 20 -i 0.01 -W 0.1 "${A4[1]}" >/dev/null 2>&1
grew() { [ "$(wst_prop "$c3" org.wstun.Connection DroppedPackets)" -ge $((dropped0 + 20)) ]; }
wst_wait 5 grew || wst_fail "DroppedPackets went from $dropped0 to $(wst_prop "$c3" org.wstun.Connection DroppedPackets), not by 20"
for i in 1 2 3; do same_device "$i" || wst_fail "client $i lost its device or addresses while reconnecting"; done
wst_relay "${RELAY_ARGS[@]}"
t0=$(now_ms)
wst_wait 5 reaches 1 "${A4[2]}" || wst_fail "ping 1 -> 2 did not resume within 5 s of the restart"
t1=$(now_ms)
wst_wait 5 reaches 3 "${A6[1]}" || wst_fail "ping 3 -> 1 (IPv6) did not resume within 5 s of the restart"
for i in 1 2 3; do same_device "$i" || wst_fail "client $i came back with another device or address"; done
wst_state_is "$c3" connected || wst_fail "client 3 is $(wst_state "$c3")"
[ "$(wst_prop /org/wstun org.wstun Connections)" = "1 \"$c3\"" ] ||
  wst_fail "client 3's D-Bus object changed: $(wst_prop /org/wstun org.wstun Connections)"
wst_exit_status send 60 && [ "$WST_STATUS" = 0 ] || wst_fail "the sender failed: $(cat "$(wst_logfile send)")"
wst_exit_status recv 30 && [ "$WST_STATUS" = 0 ] || wst_fail "the receiver failed: $(cat "$(wst_logfile recv)")"
[ "$(sha256sum <"$WST_LOGDIR/recv.out" | cut -d' ' -f1)" = "$want" ] ||
  wst_fail "the transfer across kill -9 arrived with another checksum ($(stat -c %s "$WST_LOGDIR/recv.out") bytes)"
wst_log "kill -9: ping through $((t1 - t0)) ms after the relay listened again; 6 MiB transfer intact"

# 2. SIGTERM: 1012, back within 1 s -----------------------------------------
n1=$(count client1 'reconnected on') n2=$(count client2 'reconnected on')
wst_stop relay
wst_log_has client1 '1012' || wst_fail "client 1 did not see close 1012"
wst_relay "${RELAY_ARGS[@]}"
t0=$(now_ms)
back() { [ "$(count client1 'reconnected on')" -gt "$n1" ] && [ "$(count client2 'reconnected on')" -gt "$n2" ]; }
wst_wait 5 back || wst_fail "the clients did not reconnect after SIGTERM"
wst_wait 5 reaches 2 "${A4[1]}" || wst_fail "ping 2 -> 1 after SIGTERM"
t1=$(now_ms)
[ $((t1 - t0)) -lt 1000 ] || wst_fail "the first ping went through $((t1 - t0)) ms after the relay listened, not within 1 s"
for i in 1 2; do same_device "$i" || wst_fail "client $i came back with another device or address"; done
wst_log "SIGTERM: ping through $((t1 - t0)) ms after the relay listened again"

# 3. a link goes down and up: at once, no keepalive timeout -----------------
n1=$(count client1 'reconnected on')
t0=$(now_ms)
ip -n "$(wst_ns 1)" link set eth0 down
wst_wait 3 wst_log_has client1 'network changed' || wst_fail "client 1 did not notice its link going down"
t1=$(now_ms)
# well before the keepalive's 3 s
[ $((t1 - t0)) -lt 2000 ] || wst_fail "client 1 took $((t1 - t0)) ms to notice its link going down"
ip -n "$(wst_ns 1)" link set eth0 up
t2=$(now_ms)
wst_wait 5 wst_log_has client1 'reconnecting now' || wst_fail "client 1 did not retry at once when its link came back"
relinked() { [ "$(count client1 'reconnected on')" -gt "$n1" ]; }
wst_wait 5 relinked || wst_fail "client 1 did not come back within 5 s of its link"
wst_wait 5 reaches 1 "${A4[2]}" || wst_fail "ping 1 -> 2 after the link came back"
t3=$(now_ms)
same_device 1 || wst_fail "client 1 came back with another address"
wst_log "link down: noticed in $((t1 - t0)) ms; link up: ping through in $((t3 - t2)) ms"

# 4. a silent cut: keepalive on both sides, lease kept for the grace only ---
n2=$(count client2 'reconnected on')
dead0=$(wst_metric wstun_relay_dead_peer_closes_total)
t0=$(now_ms)
ip -n "$(wst_ns relay)" link set p2 nomaster
dead() { [ "$(wst_metric wstun_relay_dead_peer_closes_total)" -gt "${dead0:-0}" ]; }
wst_wait 5 dead || wst_fail "the relay did not close the silent client"
t1=$(now_ms)
# three 1 s intervals after the last pong it got (before the cut), and
# the metrics' poll
[ $((t1 - t0)) -le 3400 ] || wst_fail "the relay took $((t1 - t0)) ms to close a silent client"
[ "$(wst_metric wstun_relay_reserved_leases)" = 1 ] || wst_fail "the relay does not keep the silent client's lease"
wst_wait 6 wst_log_has client2 'Nothing received' || wst_fail "client 2 did not notice the silence"
# the lease is freed after the grace period, not before
freed() { [ "$(wst_metric wstun_relay_reserved_leases)" = 0 ]; }
wst_wait $((GRACE + 3)) freed || wst_fail "the lease is still reserved after the grace period"
t2=$(now_ms)
[ $((t2 - t1)) -ge $((GRACE * 1000 - 1000)) ] || wst_fail "the lease was freed $((t2 - t1)) ms after the close, before the grace"
ip -n "$(wst_ns relay)" link set p2 master br0
# a connection attempt that started during the cut is still waiting on
# TCP's retransmissions; the attempt's timeout (15 s) bounds it
recut() { [ "$(count client2 'reconnected on')" -gt "$n2" ]; }
wst_wait 30 recut || wst_fail "client 2 did not come back after the cut"
wst_wait 5 reaches 2 "${A4[1]}" || wst_fail "ping 2 -> 1 after the cut"
same_device 2 || wst_fail "client 2 came back with another address"
wst_log "silent cut: relay closed it in $((t1 - t0)) ms, freed its lease $((t2 - t1)) ms later"

# 5. a busy relay (HTTP 503, Retry-After: 3): waited for, not hammered ------
wst_stop relay
wst_wait 5 wst_state_is "$c3" reconnecting || wst_fail "client 3 is $(wst_state "$c3"), not reconnecting"
wst_bg busy "$(wst_ns relay)" "$WST_PYTHON" "$WST_TOOLS/busy-relay.py" --host "$WST_RELAY_IP" \
  --port "${WST_RELAY_URL##*:}" --retry-after 3 --seconds 30
wst_wait 10 wst_listening "$(wst_ns relay)" "${WST_RELAY_URL##*:}" || wst_fail "the busy relay did not start"
busy() { [ "$(count busy request)" -ge "$1" ]; }
wst_wait 10 busy 6 || wst_fail "the clients did not reach the busy relay"
# each client asks again 3 s after each 503 at the soonest
for i in 1 2; do
  wst_log_has "client$i" 'HTTP 503' || wst_fail "client $i did not report the busy relay"
  awk '/HTTP 503/ { busy = 1; next } busy && /reconnecting in/ {
         split($0, a, "reconnecting in "); split(a[2], b, " "); if (b[1] + 0 < 3) exit 1; busy = 0 }' \
    "$(wst_logfile "client$i")" || wst_fail "client $i did not wait the 3 s the busy relay asked for"
done
kill -TERM "$(wst_pid busy)"
wait "$(wst_pid busy)" 2>/dev/null
wst_log "busy relay: $(count busy request) requests from 3 clients in about 6 s"

# 6. a token revoked while reconnecting -------------------------------------
"$RELAY_BIN" --tokens "$WST_TOKENS" token remove three 2>>"$WST_LOGDIR/tokens.log" || wst_fail "token remove failed"
wst_relay "${RELAY_ARGS[@]}"
wst_wait 10 wst_state_is "$c3" failed || wst_fail "client 3 is $(wst_state "$c3"), not failed, with its token revoked"
[ "$(wst_prop "$c3" org.wstun.Connection FailureReason)" = auth-failed ] ||
  wst_fail "client 3 failed with '$(wst_prop "$c3" org.wstun.Connection FailureReason)', not auth-failed"
wst_wait 3 wst_no_dev 3 wstun0 || wst_fail "client 3's wstun0 is still there"
tries=$(grep -c 'HTTP 401' "$(wst_logfile bus)")
[ "$tries" -le 1 ] || wst_fail "client 3 tried $tries times with a revoked token"
wst_wait 5 reaches 1 "${A4[2]}" || wst_fail "clients 1 and 2 are not back"
wst_log "revoked: $(wst_prop "$c3" org.wstun.Connection LastError)"

# 7. the relay comes back with other pools and a route: the clients move --
wst_stop relay
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.128/25 --pool6 fd00:99::100/120 --keepalive 1 \
  --route 10.99.0.64/26
moved() { [ "$(wst_addr4 "$1")" != "${A4[$1]}" ] && [ -n "$(wst_addr4 "$1")" ]; }
wst_wait 10 moved 1 || wst_fail "client 1 did not move to the new pool: $(wst_addr4 1)"
wst_wait 10 moved 2 || wst_fail "client 2 did not move to the new pool: $(wst_addr4 2)"
for i in 1 2; do
  a=$(wst_addr4 "$i") b=$(wst_addr6 "$i")
  [ "$(ifindex "$i")" = "${IDX[$i]}" ] || wst_fail "client $i has another device"
  [[ $a == 10.99.0.1[3-9]* || $a == 10.99.0.2* ]] || wst_fail "client $i has $a, not one of 10.99.0.128/25"
  [[ $b == fd00:99::1* ]] || wst_fail "client $i has $b, not one of fd00:99::100/120"
  [ "$(ip -n "$(wst_ns "$i")" -o addr show dev wstun0 scope global | wc -l)" = 2 ] ||
    wst_fail "client $i kept an old address: $(ip -n "$(wst_ns "$i")" -o addr show dev wstun0)"
  ip -n "$(wst_ns "$i")" route show dev wstun0 | grep -q '^10.99.0.64/26' ||
    wst_fail "client $i has no route to 10.99.0.64/26: $(ip -n "$(wst_ns "$i")" route show dev wstun0)"
  wst_log_has "client$i" 'the relay gave another configuration' || wst_fail "client $i did not say it moved"
done
wst_wait 5 reaches 1 "$(wst_addr4 2)" || wst_fail "ping 1 -> 2 on the new addresses"
wst_wait 5 reaches 2 "$(wst_addr6 1)" || wst_fail "ping 2 -> 1 (IPv6) on the new addresses"
wst_log "new pools: client 1 moved from ${A4[1]} to $(wst_addr4 1), client 2 from ${A4[2]} to $(wst_addr4 2)"

wst_stop_wstund
wst_sanitizers_clean
wst_stop client1
wst_stop client2
wst_no_sanitizer_reports client1 client2
wst_pass "reconnection: kill -9 and SIGTERM on the relay, a link down, a silent cut, a busy relay, a revoked token, new pools"
