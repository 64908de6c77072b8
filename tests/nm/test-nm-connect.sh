#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The desktop flow with the real NetworkManager and NetworkManager-wstun
# installed (meson install into a test prefix): a .wstun file imported
# with nmcli, `nmcli connection up` with the token from a passwd-file and
# then saved, the addresses, routes and DNS servers the relay pushed in
# NetworkManager's view, a ping through the tunnel to another client, and
# `nmcli connection down` leaving no device and no org.wstun connection;
# export and import again round-trip.
source "$(dirname "$0")/../system/lib.sh"
source "$(dirname "$0")/lib-nm.sh"

nmw_require
wst_world 1
wst_token office
wst_token peer
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24 --pool6 fd00:99::/64 --dns 10.99.0.1 \
  --dns fd00:99::1 --route 192.168.77.0/24
wst_client 1 --token-file "$(wst_token_file peer)"
peer=$(wst_addr4 1)
# NetworkManager-wstun as meson installs it, into a test prefix
nmw_wstun_install
nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME"
token=$(cat "$(wst_token_file office)")

wstun_connections() { nmw_busctl get-property org.wstun /org/wstun org.wstun Connections 2>/dev/null; }
no_wstun_connections() { [ "$(wstun_connections)" = "ao 0" ]; }
tun_devices() { ip -n "$NMW_NS" -o link show type tun 2>/dev/null | awk -F': ' '{print $2}' | tr '\n' ' '; }
no_tun() { [ -z "$(tun_devices)" ]; }

# 1. import: the profile named after the file, the token to be asked for
cat >"$WST_LOGDIR/office.wstun" <<EOF
# the office relay
[wstun]
url=$WST_RELAY_URL
mtu=1400
EOF
out=$(nmw_cli connection import type wstun file "$WST_LOGDIR/office.wstun" 2>&1) ||
  wst_fail "nmcli connection import failed: $out"
wst_log "$out"
[ "$(nmw_nmcli -g vpn.service-type connection show office)" = org.freedesktop.NetworkManager.wstun ] ||
  wst_fail "the imported profile is not a wstun VPN"
vpn_data() { nmw_nmcli -g vpn.data connection show "$1" | sed 's/\\:/:/g'; } # -g escapes ":"
vpn_data office | grep -q "url = $WST_RELAY_URL" || wst_fail "vpn.data: $(vpn_data office)"

# 2. up, the token from a passwd-file
printf 'vpn.secrets.token:%s\n' "$token" >"$WST_LOGDIR/passwd"
start=$(date +%s%N)
out=$(nmw_nmcli -w 30 connection up office passwd-file "$WST_LOGDIR/passwd" 2>&1) ||
  wst_fail "nmcli connection up office failed: $out"
ms=$((($(date +%s%N) - start) / 1000000))
wst_wait 10 nmw_con_activated office || wst_fail "office is '$(nmw_con_state office)'"
wst_log "up in $ms ms: $out"
show=$(nmw_nmcli -f IP4,IP6,GENERAL connection show office)
dev=$(tun_devices | awk '{print $1}')
[ -n "$dev" ] || wst_fail "no TUN device in NetworkManager's namespace"
addr4=$(awk '$1 ~ /^IP4.ADDRESS/ { print $2; exit }' <<<"$show")
grep -Eq '^IP4.ADDRESS\[1\]: +10\.99\.0\.[0-9]+/24' <<<"$show" || wst_fail "no IPv4 address: $show"
grep -Eq '^IP6.ADDRESS\[[0-9]\]: +fd00:99::[0-9a-f]+/64' <<<"$show" || wst_fail "no IPv6 address: $show"
grep -Eq '^IP4.DNS\[1\]: +10\.99\.0\.1$' <<<"$show" || wst_fail "no IPv4 DNS: $show"
grep -Eq '^IP6.DNS\[1\]: +fd00:99::1$' <<<"$show" || wst_fail "no IPv6 DNS: $show"
grep -Eq '^IP4.ROUTE\[[0-9]+\]: +dst = 192\.168\.77\.0/24' <<<"$show" || wst_fail "no pushed route: $show"
ip -n "$NMW_NS" -o addr show dev "$dev" | grep -q "inet ${addr4%/*}/24" ||
  wst_fail "NetworkManager did not put $addr4 on $dev"
[ "$(ip -n "$NMW_NS" -o link show dev "$dev" | grep -o 'mtu [0-9]*')" = "mtu 1400" ] ||
  wst_fail "the MTU on $dev is not the profile's 1400"
wst_log "office on $dev: $addr4, $(grep -c '^IP' <<<"$show") IP lines"
ip netns exec "$NMW_NS" ping -c 3 -i 0.2 -W 2 "$peer" >/dev/null || wst_fail "no ping from NM's namespace to $peer"
wst_in 1 ping -c 3 -i 0.2 -W 2 "${addr4%/*}" >/dev/null || wst_fail "no ping from the peer to ${addr4%/*}"
[ "$(wstun_connections | cut -d' ' -f2)" = 1 ] || wst_fail "org.wstun has '$(wstun_connections)'"

# 3. down: no device, no org.wstun connection
out=$(nmw_nmcli -w 30 connection down office 2>&1) || wst_fail "nmcli connection down failed: $out"
wst_wait 10 no_tun || wst_fail "TUN devices left: $(tun_devices)"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"
wst_log "down: no device, no org.wstun connection"

# 4. the token saved with the profile: up without asking
nmw_nmcli connection modify office vpn.secrets "token=$token" +vpn.data token-flags=0 ||
  wst_fail "cannot save the token"
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "up with a saved token failed: $out"
ip netns exec "$NMW_NS" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null || wst_fail "no ping with a saved token"
nmw_nmcli -w 30 connection down office >/dev/null || wst_fail "down failed"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"

# 5. export, import again: the same settings
out=$(nmw_cli connection export office "$WST_LOGDIR/exported.wstun" 2>&1) || wst_fail "export failed: $out"
grep -q "^url=$WST_RELAY_URL$" "$WST_LOGDIR/exported.wstun" || wst_fail "exported: $(cat "$WST_LOGDIR/exported.wstun")"
grep -q '^token=' "$WST_LOGDIR/exported.wstun" && wst_fail "nmcli export wrote the token"
out=$(nmw_cli connection import type wstun file "$WST_LOGDIR/exported.wstun" 2>&1) ||
  wst_fail "importing the export failed: $out"
a=$(vpn_data office | tr ',' '\n' | grep -v token-flags | sort)
b=$(vpn_data exported | tr ',' '\n' | grep -v token-flags | sort)
[ "$a" = "$b" ] || wst_fail "the round trip changed vpn.data: '$a' / '$b'"

# 6. several relays in url= (nmcli separates vpn.data's items with commas:
# a comma in a value is written "\,"), the first not listening: the VPN
# comes up on the one that is, wherever the random start falls, and
# org.wstun says which
dead="ws://$WST_RELAY_IP:8099"
out=$(nmw_nmcli connection modify office +vpn.data "url=$dead\\, $WST_RELAY_URL" 2>&1) ||
  wst_fail "cannot set two relays: $out"
# (nmcli shows the comma escaped again)
nmw_nmcli -f vpn.data connection show office | grep -qF "url = $dead\\, $WST_RELAY_URL" ||
  wst_fail "vpn.data: $(nmw_nmcli -f vpn.data connection show office)"
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "up with two relays, one dead, failed: $out"
ip netns exec "$NMW_NS" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null || wst_fail "no ping with two relays"
path=$(wstun_connections | awk '{ print $3 }' | tr -d '"')
url=$(nmw_busctl get-property org.wstun "$path" org.wstun.Connection Url | cut -d' ' -f2- | tr -d '"')
[ "$url" = "$WST_RELAY_URL" ] || wst_fail "org.wstun says the VPN is on '$url'"
nmw_nmcli -w 30 connection down office >/dev/null || wst_fail "down failed"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"

wst_no_sanitizer_reports relay client1
grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WST_LOGDIR/nm.log" "$WST_LOGDIR/nm-bus.log" &&
  wst_fail "a sanitizer reported an error (nm.log, nm-bus.log)"
wst_pass "NetworkManager: import, up (passwd-file, saved token), addresses, routes, DNS, ping, down, export, two relays"
