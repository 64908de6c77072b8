#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstund's D-Bus API on a private system bus: activation by the first call,
# introspection as in data/org.wstun.xml, Connect through busctl and through
# gdbus bringing up tunnels that ping (two at once, each with its device),
# State going connecting -> connected -> disconnected in PropertiesChanged
# seen by a listener, counters, both Disconnect methods removing the device,
# and invalid calls refused with the right error names.
source "$(dirname "$0")/lib.sh"

wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
wst_client 2 # the peer: wstund --connect in namespace 2
a2=$(wst_addr4 2)
wst_dbus "$(wst_ns 1)" -v --idle-timeout 0
ns1=$(wst_ns 1)

# 1. not running until called; introspection activates it and matches the XML
wst_wstund_running && wst_fail "wstund runs before anyone called it"
gdbus introspect --system --dest org.wstun --object-path /org/wstun --xml \
  >"$WST_LOGDIR/root.xml" || wst_fail "cannot introspect /org/wstun"
wst_wstund_running || wst_fail "the first call did not activate wstund"
wst_log "activated: wstund pid $(wst_wstund_pid)"
"$WST_PYTHON" "$WST_TOOLS/dbus-api-check.py" "$WST_SRCDIR/data/org.wstun.xml" \
  "$WST_LOGDIR/root.xml" org.wstun || wst_fail "/org/wstun does not match data/org.wstun.xml"
grep -q 'interface name="org.freedesktop.DBus.ObjectManager"' "$WST_LOGDIR/root.xml" ||
  wst_fail "/org/wstun has no ObjectManager"
[ "$(wst_prop /org/wstun org.wstun Version)" = "$("$WSTUND_BIN" --version | awk '{print $2}')" ] ||
  wst_fail "Version is '$(wst_prop /org/wstun org.wstun Version)'"

# a listener for everything wstund announces, line-buffered
wst_bg monitor "$ns1" stdbuf -oL gdbus monitor --system --dest org.wstun
wst_wait 5 wst_log_has monitor 'Monitoring signals' || wst_fail "gdbus monitor did not start"

# 2. Connect through busctl: returns the object path at once; the tunnel pings
start=$(date +%s%N)
out=$(busctl --system call org.wstun /org/wstun org.wstun Connect 'a{sv}' 1 url s "$WST_RELAY_URL") ||
  wst_fail "busctl Connect: $out"
ms=$((($(date +%s%N) - start) / 1000000))
p1=$(sed -n 's/^o "\(.*\)"$/\1/p' <<<"$out")
[ "$p1" = /org/wstun/connection/1 ] || wst_fail "Connect returned '$out'"
wst_log "busctl Connect returned $p1 in $ms ms, state then: $(wst_state "$p1")"
wst_wait 10 wst_state_is "$p1" connected || wst_fail "$p1 is '$(wst_state "$p1")', not connected"
dev1=$(wst_prop "$p1" org.wstun.Connection Interface)
addr1=$(wst_prop "$p1" org.wstun.Connection Address4)
[ -n "$dev1" ] && wst_has_dev 1 "$dev1" || wst_fail "Interface '$dev1' is not a device in namespace 1"
ip -n "$ns1" -o addr show dev "$dev1" | grep -q "inet $addr1" ||
  wst_fail "$dev1 does not carry Address4 '$addr1'"
[ "$(wst_prop "$p1" org.wstun.Connection Url)" = "$WST_RELAY_URL" ] || wst_fail "Url is wrong"
wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "no ping from $dev1 to $a2"
wst_in 2 ping -c 3 -i 0.2 -W 2 "${addr1%/*}" >/dev/null || wst_fail "no ping from 2 to ${addr1%/*}"
wst_log "$p1: $dev1 $addr1 pings $a2 both ways"

# the counters follow, at most once a second
wst_wait 5 wst_prop_ge "$p1" org.wstun.Connection RxPackets 6 ||
  wst_fail "RxPackets is $(wst_prop "$p1" org.wstun.Connection RxPackets), not >= 6"
wst_wait 5 wst_prop_ge "$p1" org.wstun.Connection TxPackets 6 ||
  wst_fail "TxPackets is $(wst_prop "$p1" org.wstun.Connection TxPackets), not >= 6"
[ "$(wst_prop "$p1" org.wstun.Connection RxBytes)" -ge 500 ] || wst_fail "RxBytes too small"

# 3. a second connection at once, through gdbus call, with its own device
out=$(gdbus call --system --dest org.wstun --object-path /org/wstun --method org.wstun.Connect \
  "{'url': <'$WST_RELAY_URL'>, 'interface': <'wstun7'>, 'mtu': <uint32 9000>}") ||
  wst_fail "gdbus Connect: $out"
p2=$(sed -n "s/^(objectpath '\(.*\)',)$/\1/p" <<<"$out")
[ "$p2" = /org/wstun/connection/2 ] || wst_fail "the second Connect returned '$out'"
wst_wait 10 wst_state_is "$p2" connected || wst_fail "$p2 is '$(wst_state "$p2")'"
[ "$(wst_prop "$p2" org.wstun.Connection Interface)" = wstun7 ] || wst_fail "$p2 is not on wstun7"
[ "$(wst_prop "$p2" org.wstun.Connection Mtu)" = 9000 ] || wst_fail "$p2 does not have MTU 9000"
ip -n "$ns1" -o link show dev wstun7 | grep -q "mtu 9000 " || wst_fail "wstun7 does not have MTU 9000"
wst_has_dev 1 "$dev1" || wst_fail "$dev1 went away when wstun7 came"
wst_in 1 ping -I wstun7 -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "no ping through wstun7"
conns=$(wst_prop /org/wstun org.wstun Connections)
[ "$conns" = "2 \"$p1\" \"$p2\"" ] || wst_fail "Connections is '$conns'"
managed=$(busctl --system call org.wstun /org/wstun org.freedesktop.DBus.ObjectManager GetManagedObjects)
grep -q "$p2" <<<"$managed" || wst_fail "GetManagedObjects lacks $p2"
"$WST_PYTHON" "$WST_TOOLS/dbus-api-check.py" "$WST_SRCDIR/data/org.wstun.xml" \
  <(gdbus introspect --system --dest org.wstun --object-path "$p2" --xml) org.wstun.Connection ||
  wst_fail "$p2 does not match data/org.wstun.xml"
wst_log "two connections at once: $dev1 and wstun7"

# 4. invalid calls, with the right error names
call() { gdbus call --system --dest org.wstun --object-path "${2:-/org/wstun}" --method "$1" "${@:3}" 2>&1; }
expect() { # expect ERROR-NAME WORD OUTPUT: the error, and a message naming WORD
  [ "$(wst_error_name "$3")" = "$1" ] || wst_fail "expected $1, got: $3"
  grep -q -- "$2" <<<"$3" || wst_fail "the message does not name '$2': $3"
  wst_log "$1: ${3#*: }"
}
expect org.wstun.Error.InvalidArgs colour \
  "$(call org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'colour': <'red'>}")"
expect org.wstun.Error.InvalidArgs mtu \
  "$(call org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'mtu': <1400>}")"
expect org.wstun.Error.InvalidArgs manage-ip \
  "$(call org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'manage-ip': <'no'>}")"
expect org.wstun.Error.InvalidArgs url "$(call org.wstun.Connect /org/wstun "{'token': <'x'>}")"
expect org.wstun.Error.InvalidArgs http://relay \
  "$(call org.wstun.Connect /org/wstun "{'url': <'http://relay'>}")"
expect org.wstun.Error.InvalidArgs mtu \
  "$(call org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'mtu': <uint32 70000>}")"
expect org.wstun.Error.InvalidArgs interface \
  "$(call org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'interface': <'a/b'>}")"
expect org.wstun.Error.InvalidArgs ca-file \
  "$(call org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'ca-file': <'ca.pem'>}")"
expect org.wstun.Error.NotFound /org/wstun/connection/99 \
  "$(call org.wstun.Disconnect /org/wstun "objectpath '/org/wstun/connection/99'")"
[ "$(wst_prop /org/wstun org.wstun Connections)" = "2 \"$p1\" \"$p2\"" ] ||
  wst_fail "refused calls changed Connections"

# 5. org.wstun.Disconnect (busctl): returns when the device is gone
busctl --system call org.wstun /org/wstun org.wstun Disconnect o "$p1" || wst_fail "Disconnect $p1"
wst_no_dev 1 "$dev1" || wst_fail "$dev1 is still there after Disconnect returned"
wst_path_gone "$p1" || wst_fail "$p1 is still exported after Disconnect returned"
[ "$(wst_prop /org/wstun org.wstun Connections)" = "1 \"$p2\"" ] || wst_fail "Connections still lists $p1"
wst_in 1 ping -I wstun7 -c 1 -W 2 "$a2" >/dev/null || wst_fail "wstun7 stopped working"

# 6. org.wstun.Connection.Disconnect (gdbus) on the object itself
call org.wstun.Connection.Disconnect "$p2" >/dev/null || wst_fail "Disconnect on $p2"
wst_no_dev 1 wstun7 || wst_fail "wstun7 is still there"
[ "$(wst_prop /org/wstun org.wstun Connections)" = "0" ] || wst_fail "Connections is not empty"
expect org.wstun.Error.NotFound "$p2" "$(call org.wstun.Disconnect /org/wstun "objectpath '$p2'")"

# 7. what the listener saw for the first connection, in order
wst_wait 3 wst_log_has monitor "InterfacesRemoved \(objectpath '$p2'" || wst_fail "no InterfacesRemoved for $p2"
states=$(grep -F "'$p1'" "$(wst_logfile monitor)" | grep -F InterfacesAdded | grep -o "'State': <'[a-z]*'>")
states+=" "$(grep -F "$p1: org.freedesktop.DBus.Properties.PropertiesChanged" "$(wst_logfile monitor)" |
  grep -o "'State': <'[a-z]*'>")
states=$(grep -o "'[a-z]*'>" <<<"$states" | tr -d "'>" | tr '\n' ' ')
wst_log "State of $p1 as announced: $states"
[[ "$states" =~ ^connecting\ connected\ (disconnecting\ )?disconnected\ $ ]] ||
  wst_fail "State went '$states', not connecting -> connected -> disconnected"
removed=$(grep -n "InterfacesRemoved (objectpath '$p1'" "$(wst_logfile monitor)" | cut -d: -f1)
last=$(grep -n "$p1: org.freedesktop.DBus.Properties.PropertiesChanged.*'disconnected'" \
  "$(wst_logfile monitor)" | cut -d: -f1)
[ -n "$removed" ] && [ -n "$last" ] && [ "$last" -lt "$removed" ] ||
  wst_fail "InterfacesRemoved for $p1 did not follow its last PropertiesChanged"
# ... which empties what described the tunnel
disc=$(grep "$p1: org.freedesktop.DBus.Properties.PropertiesChanged.*'disconnected'" "$(wst_logfile monitor)")
for empty in "'Address4': <''>" "'Address6': <''>" "'RelayAddress': <''>" "'Mtu': <uint32 0>"; do
  grep -qF "$empty" <<<"$disc" || wst_fail "the last PropertiesChanged of $p1 lacks $empty: $disc"
done
grep -F "$p1: org.freedesktop.DBus.Properties.PropertiesChanged" "$(wst_logfile monitor)" |
  grep -q "'RxPackets'" || wst_fail "no PropertiesChanged announced the counters"

# 8. SIGTERM: wstund ends cleanly
wst_stop_wstund
wst_log_has bus 'wstund-Message.*stopping' || wst_fail "wstund did not log its stop"
wst_sanitizers_clean
wst_pass "D-Bus API: activation, introspection, Connect (busctl, gdbus), two tunnels, signals, errors, Disconnect"
