#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what wstun needs, builds it, then starts a relay and two clients
# in private network namespaces and shows a ping and a throughput figure
# through the tunnel. Cleans up everything it made, also on failure.
set -u
cd "$(dirname "$0")"
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
echo
echo "== done; cleaning up"
