#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstund's life as a D-Bus service: started by activation on the first
# call, exits after --idle-timeout without connections (and is activated
# again), SIGTERM disconnects every connection and leaves no TUN device,
# and so does losing the bus.
source "$(dirname "$0")/lib.sh"

wst_world 1
wst_relay --pool 10.99.0.0/24
ns1=$(wst_ns 1)
wst_dbus "$ns1" -v --idle-timeout 2

connect() { # connect DEV: a connection on DEV, its object path
  busctl --system call org.wstun /org/wstun org.wstun Connect 'a{sv}' 2 url s "$WST_RELAY_URL" \
    interface s "$1" | sed -n 's/^o "\(.*\)"$/\1/p'
}
tun_devices() { ip -n "$ns1" -o link show type tun 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' '; }

# 1. activation on the first call, then exit on idle
wst_wstund_running && wst_fail "wstund runs before anyone called it"
[ "$(wst_prop /org/wstun org.wstun Connections)" = 0 ] || wst_fail "the first call failed"
pid=$(wst_wstund_pid) || wst_fail "the first call did not activate wstund"
wst_log "activated by a property read: pid $pid"
wst_wait 6 wst_wstund_gone || wst_fail "wstund did not exit after 2 s idle"
wst_log_has bus 'no connections for 2 s: exiting' || wst_fail "wstund did not log its idle exit"
wst_wait 3 wst_ended_pid "$pid" || wst_fail "wstund pid $pid still runs after releasing its name"
wst_sanitizers_clean

# 2. activated again by Connect; connections keep it from idling
p1=$(connect wstun1)
[ -n "$p1" ] || wst_fail "Connect did not activate wstund again"
pid=$(wst_wstund_pid)
p2=$(connect wstun2)
wst_wait 10 wst_state_is "$p1" connected && wst_wait 10 wst_state_is "$p2" connected ||
  wst_fail "the connections did not come up: '$(wst_state "$p1")' '$(wst_state "$p2")'"
sleep 3
wst_wstund_running || wst_fail "wstund exited on idle with two connections"
[ "$(tun_devices)" = "wstun1 wstun2 " ] || wst_fail "TUN devices are '$(tun_devices)'"
wst_log "pid $pid: $p1 on wstun1 and $p2 on wstun2"

# 3. SIGTERM: every connection closed (the relay sees 1000), no device left
kill -TERM "$pid"
wst_wait 5 wst_ended_pid "$pid" || wst_fail "wstund did not exit within 5 s of SIGTERM"
[ -z "$(tun_devices)" ] || wst_fail "SIGTERM left TUN devices: $(tun_devices)"
[ "$(grep -c 'disconnected (1000' "$(wst_logfile relay)")" = 2 ] ||
  wst_fail "the relay did not see two clean closes (1000)"
wst_log_has bus 'disconnecting 2 connection' || wst_fail "wstund did not log disconnecting both"
wst_sanitizers_clean

# 4. losing the bus: wstund disconnects and exits too
p1=$(connect wstun3)
pid=$(wst_wstund_pid)
wst_wait 10 wst_state_is "$p1" connected || wst_fail "$p1 did not come up"
wst_stop bus
wst_wait 5 wst_ended_pid "$pid" || wst_fail "wstund keeps running without its bus"
[ -z "$(tun_devices)" ] || wst_fail "losing the bus left TUN devices: $(tun_devices)"
wst_log_has bus 'cannot reach the system bus, or lost it' || wst_fail "wstund did not log losing its bus"
wst_sanitizers_clean
wst_pass "activation, idle exit, SIGTERM and a lost bus leave no TUN device"
