#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what wstun needs, builds it, then starts a relay and two clients
# in private network namespaces and shows a ping and a throughput figure
# through the tunnel. Cleans up everything it made, also on failure.
#
#   ./demo.sh                   the relay and two wstund clients
#   ./demo.sh --networkmanager  then the desktop flow: the real NetworkManager
#                               in a namespace of its own imports a .wstun
#                               file and brings the VPN up with nmcli
set -u
cd "$(dirname "$0")"
nm=0
case "${1:-}" in
--networkmanager) nm=1 ;;
"") ;;
*) echo "usage: $0 [--networkmanager]" >&2; exit 2 ;;
esac
. .ci/deps.sh
wstun_install_deps || exit 1

if [ -d _build/release ]; then
  meson setup --reconfigure _build/release -Dbuildtype=release >/dev/null || exit 1
else
  meson setup _build/release -Dbuildtype=release >/dev/null || exit 1
fi
meson compile -C _build/release >/dev/null || exit 1

export WSTUN_BUILDDIR=$PWD/_build/release
WST_ID=wdemo
source tests/system/lib.sh

echo "== world: relay namespace $(wst_ns relay), clients $(wst_ns 1) and $(wst_ns 2), underlay 198.18.0.0/24"
wst_world 2
wst_relay --pool 10.99.0.0/24 --pool6 fd00:99::/64
echo "== relay listening on $WST_RELAY_URL"
wst_client 1
wst_client 2
a1=$(wst_addr4 1) a2=$(wst_addr4 2) b2=$(wst_addr6 2)
echo "== client 1 is $a1 / $(wst_addr6 1), client 2 is $a2 / $b2 (device wstun0 in each)"
echo
echo "== ping client 1 -> client 2 through the relay (IPv4, then IPv6)"
wst_in 1 ping -c 5 -i 0.2 "$a2" || wst_fail "ping failed"
wst_in 1 ping -6 -c 3 -i 0.2 "$b2" || wst_fail "IPv6 ping failed"
echo
echo "== iperf3 TCP, client 1 -> client 2 through the relay, 5 seconds"
wst_bg iperf3 "$(wst_ns 2)" iperf3 -s -1 -B "$a2"
wst_wait 5 wst_listening "$(wst_ns 2)" 5201
wst_in 1 iperf3 -c "$a2" -t 5 -f m | grep -E "sender|receiver" || wst_fail "iperf3 failed"
echo
echo "== relay counters"
wst_metrics | grep -E '^wstun_relay_(clients|rx_packets|tx_packets|dropped)'

if [ "$nm" = 1 ]; then
  source tests/nm/lib-nm.sh
  nmw_wstun_plugin
  echo
  echo "== NetworkManager: its own namespace $WST_ID-nm on the relay's bridge, a private system bus"
  nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME"
  printf '[wstun]\nurl=%s\n' "$WST_RELAY_URL" >"$WST_LOGDIR/wstun-office.wstun"
  echo "== wstun-office.wstun:"
  cat "$WST_LOGDIR/wstun-office.wstun"
  echo "== nmcli connection import type wstun file wstun-office.wstun"
  nmw_cli connection import type wstun file "$WST_LOGDIR/wstun-office.wstun" || wst_fail "import failed"
  # the relay is open: no token to ask for
  nmw_nmcli connection modify wstun-office +vpn.data token-flags=4 || wst_fail "modify failed"
  echo "== nmcli connection up wstun-office"
  nmw_nmcli -w 30 connection up wstun-office || wst_fail "up failed"
  nmw_nmcli -f GENERAL.STATE,IP4.ADDRESS,IP6.ADDRESS,IP4.DNS connection show wstun-office
  echo "== ping client 2 from NetworkManager's namespace, through the tunnel"
  ip netns exec "$NMW_NS" ping -c 3 -i 0.2 "$a2" || wst_fail "ping failed"
  echo "== nmcli connection down wstun-office"
  nmw_nmcli -w 30 connection down wstun-office || wst_fail "down failed"
fi
echo
echo "== done; cleaning up"
