#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A relay that pushes a default route, reached through a router (not on
# the same link): NetworkManager makes the tunnel the default route and
# keeps a host route to the relay outside it (the service reports the
# relay's address as the VPN's external gateway), so the tunnel does not
# swallow its own traffic; addresses outside the tunnel stay reachable.
source "$(dirname "$0")/../system/lib.sh"
source "$(dirname "$0")/lib-nm.sh"

nmw_require
relay_ip=198.19.255.1 # on the relay's lo: reached through the router 198.18.0.1
wst_world 1
ip -n "$(wst_ns relay)" addr add "$relay_ip/32" dev lo || wst_fail "cannot add $relay_ip"
ip -n "$(wst_ns 1)" route add "$relay_ip/32" via "$WST_RELAY_IP" || wst_fail "cannot route the peer"
WST_RELAY_URL=ws://$relay_ip:80
wst_token office
wst_token peer
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24 --route 0.0.0.0/0
wst_client 1 --token-file "$(wst_token_file peer)"
peer=$(wst_addr4 1)
nmw_wstun_plugin
nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME"

tun_devices() { ip -n "$NMW_NS" -o link show type tun 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' '; }
dev_for() { ip -n "$NMW_NS" route get "$1" 2>/dev/null | grep -o 'dev [^ ]*' | cut -d' ' -f2; }

[ "$(dev_for "$relay_ip")" = eth0 ] || wst_fail "before: $relay_ip is not through eth0"
nmw_nmcli connection add type vpn vpn-type wstun con-name office autoconnect no \
  vpn.data "url=$WST_RELAY_URL,token-flags=0" vpn.secrets "token=$(cat "$(wst_token_file office)")" \
  >/dev/null || wst_fail "cannot add office"
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "office did not come up: $out"
dev=$(tun_devices | awk '{print $1}')
[ -n "$dev" ] || wst_fail "no TUN device"

# the tunnel is the default route now: an address nobody else routes
# (only looked up, no packet is sent) goes into it
[ "$(dev_for 198.19.254.1)" = "$dev" ] || wst_fail "the default route is not $dev: $(ip -n "$NMW_NS" route)"
nmw_nmcli -g IP4.GATEWAY,IP4.ROUTE connection show office >"$WST_LOGDIR/office-routes.txt"
# ... but the relay stays outside it, through the router
[ "$(dev_for "$relay_ip")" = eth0 ] || wst_fail "the relay is routed into the tunnel: $(ip -n "$NMW_NS" route)"
ip -n "$NMW_NS" route show "$relay_ip" | grep -q "via $WST_RELAY_IP dev eth0" ||
  wst_fail "no host route to the relay: $(ip -n "$NMW_NS" route)"
wst_log "default via $dev; $(ip -n "$NMW_NS" route show "$relay_ip")"

# traffic: through the tunnel to the peer, outside it to the router and the relay
ip netns exec "$NMW_NS" ping -c 3 -i 0.2 -W 2 "$peer" >/dev/null || wst_fail "no ping through the tunnel"
ip netns exec "$NMW_NS" ping -c 2 -i 0.2 -W 2 "$relay_ip" >/dev/null || wst_fail "the relay is unreachable"
ip netns exec "$NMW_NS" ping -c 2 -i 0.2 -W 2 "$WST_RELAY_IP" >/dev/null || wst_fail "the router is unreachable"

out=$(nmw_nmcli -w 30 connection down office 2>&1) || wst_fail "down failed: $out"
[ "$(dev_for "$relay_ip")" = eth0 ] || wst_fail "after: $relay_ip is not through eth0"
[ "$(dev_for 198.19.254.1)" = eth0 ] || wst_fail "after: the default route did not come back to eth0"
wst_pass "a default route through the tunnel, the relay kept outside it"
