#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Starting and stopping: a client stopped with SIGTERM removes its device and
# frees its address at the relay; a relay stopped with SIGTERM closes its
# clients and exits 0 (clients with --no-reconnect exit 1 and remove their
# devices, the others keep them and wait); a client without a relay and
# clients given bad URLs fail clearly.
source "$(dirname "$0")/lib.sh"

wst_world 3

# 1. SIGTERM to a client. The /30 pool has a single client address, so the
# next client can only come up if the first one's address was freed.
wst_relay --pool 10.99.0.0/30 --pool6 fd00:99::/126
wst_client 1
a1=$(wst_addr4 1)
[ "$a1" = 10.99.0.2 ] || wst_fail "client 1 got '$a1', not the pool's only address 10.99.0.2"
[ "$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')" = 1 ] || wst_fail "pool use is not 1"
kill -TERM "$(wst_pid client1)"
wst_exit_status client1 5 || wst_fail "client 1 does not end within 5 s of SIGTERM"
[ "$WST_STATUS" = 0 ] || wst_fail "client 1 exited $WST_STATUS on SIGTERM"
wst_wait 3 wst_no_dev 1 wstun0 || wst_fail "client 1's wstun0 is still there"
wst_wait 5 wst_log_has relay 'client 198\.18\.0\.2:[0-9]+ disconnected' ||
  wst_fail "the relay did not log client 1's disconnection"
[ "$(wst_metric 'wstun_relay_pool_used{family="ipv4"}')" = 0 ] &&
  [ "$(wst_metric 'wstun_relay_pool_used{family="ipv6"}')" = 0 ] &&
  [ "$(wst_metric wstun_relay_clients)" = 0 ] || wst_fail "the relay did not free client 1's addresses"
wst_client 2 # (the /126 has two client addresses; the pool hands out the rested one)
[ "$(wst_addr4 2)" = "$a1" ] || wst_fail "the next client got '$(wst_addr4 2)', not the freed '$a1'"
wst_stop client2
wst_stop relay

# 2. SIGTERM to the relay: it exits 0, after closing its clients with 1012
# (it keeps their leases in its state directory and will be back). A
# client with --no-reconnect sees the close, exits 1 and removes wstun0; a client without it keeps its device
# and address and waits for the relay (reconnecting, tested further in
# test-reconnect.sh), until SIGTERM ends it cleanly.
wst_relay --pool 10.99.0.0/24
wst_client 1 --no-reconnect
wst_client 2
a2=$(wst_addr4 2)
wst_in 1 ping -q -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "ping 1 -> 2"
kill -TERM "$(wst_pid relay)"
wst_exit_status relay 5 || wst_fail "the relay did not exit within 5 s of SIGTERM"
[ "$WST_STATUS" = 0 ] || wst_fail "the relay exited $WST_STATUS on SIGTERM"
wst_log_has relay 'shutting down' || wst_fail "the relay did not log its shutdown"
wst_exit_status client1 5 || wst_fail "client 1 (--no-reconnect) keeps running without its relay"
[ "$WST_STATUS" = 1 ] || wst_fail "client 1 exited $WST_STATUS, not 1, when the relay went away"
wst_wait 3 wst_no_dev 1 wstun0 || wst_fail "client 1's wstun0 is still there"
wst_log_has client1 '1012' || wst_fail "client 1 did not report the relay's close (1012)"
wst_wait 5 wst_log_has client2 'reconnecting in' || wst_fail "client 2 does not say it reconnects"
wst_ended client2 && wst_fail "client 2 gave up when the relay went away"
[ "$(wst_addr4 2)" = "$a2" ] || wst_fail "client 2 lost its address while reconnecting"
kill -TERM "$(wst_pid client2)"
wst_exit_status client2 5 || wst_fail "client 2 does not end within 5 s of SIGTERM while reconnecting"
[ "$WST_STATUS" = 0 ] || wst_fail "client 2 exited $WST_STATUS on SIGTERM while reconnecting"
wst_wait 3 wst_no_dev 2 wstun0 || wst_fail "client 2's wstun0 is still there"

# 3. no relay at all: the client gives up with a clear message
wst_bg norelay "$(wst_ns 3)" "$WSTUND_BIN" --connect "$WST_RELAY_URL" --interface wstun0
wst_exit_status norelay 30 || wst_fail "a client without a relay keeps running"
[ "$WST_STATUS" -ne 0 ] || wst_fail "a client without a relay exited 0"
wst_log_has norelay "^wstund: .*($WST_RELAY_IP|relay).*([Rr]efused|[Cc]onnect)" ||
  wst_fail "no clear message from a client without a relay"
wst_has_dev 3 wstun0 && wst_fail "a client without a relay left a device"
wst_log "no relay: $(grep "^wstund:" "$(wst_logfile norelay)")"

# 4. URLs that are no relay URLs are refused as usage errors (exit 2)
for url in http://x ws://; do
  out=$(wst_in 3 timeout 10 "$WSTUND_BIN" --connect "$url" 2>&1)
  rc=$?
  [ "$rc" = 2 ] || wst_fail "wstund --connect $url exited $rc, not 2: $out"
  grep -q "$url" <<<"$out" || wst_fail "wstund --connect $url does not name the URL: $out"
  wst_log "--connect $url: $out"
done
wst_pass "clients and relay start, stop and fail cleanly"
