#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# UDP through the tunnel with the applications' default socket buffers, and
# where each lost datagram went. Run by hand as root (not part of check.sh).
#
# For each rate in $RATES (iperf3 -b; default "300M 1G 0", 0 = unlimited),
# 1400-byte datagrams from client 1 to client 2 for $T seconds (default 4),
# then: datagrams sent and received, and the loss at each hop: client 1's
# TUN queue (wstun0 tx_dropped), the relay's backlog (backlog_full and
# queue_delay), and the receiver's full socket (Udp RcvbufErrors in client
# 2's namespace). $UDP_ARGS adds iperf3 options (for example "-w 4M", a
# buffer that absorbs bursts). Ends with one TCP test, so a change to the receive path
# shows what it costs TCP in the same run. Release build in $WSTUN_BUILDDIR
# (default _build/release); namespace prefix wudp.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$here/../../_build/release}
export WST_ID=wudp
# shellcheck source=../system/lib.sh
source "$here/../system/lib.sh"
command -v iperf3 >/dev/null || wst_fail "iperf3 is not installed"

wst_world 2
wst_relay --pool 10.99.0.0/24
wst_client 1
wst_client 2
a2=$(wst_addr4 2)

linkstat() { ip netns exec "$(wst_ns "$1")" cat "/sys/class/net/wstun0/statistics/$2"; }
drops() { wst_drops "$1" || echo 0; }
snapshot() { echo "$(linkstat 1 tx_dropped) $(drops backlog_full) $(drops queue_delay) $(wst_udp_rcvbuf_errors 2)"; }

# shellcheck disable=SC2086 # UDP_ARGS: words
for rate in ${RATES:-300M 1G 0}; do
  wst_bg udp-server "$(wst_ns 2)" iperf3 -s -1 -B "$a2"
  wst_wait 10 wst_listening "$(wst_ns 2)" 5201 || wst_fail "iperf3 did not listen"
  read -r t0 b0 d0 r0 < <(snapshot)
  result=$(wst_in 1 timeout 60 iperf3 -u -b "$rate" -l 1400 -t "${T:-4}" ${UDP_ARGS:-} -c "$a2" -J | python3 -c '
import json, sys
s = json.load(sys.stdin)["end"]["sum"]
got = s["packets"] - s["lost_packets"]
print("sent %d received %d (%.0f pkt/s), lost %.2f %%" % (s["packets"], got, got / s["seconds"], s["lost_percent"]))')
  wst_exit_status udp-server 20
  read -r t1 b1 d1 r1 < <(snapshot)
  echo "UDP $rate: $result; lost at client 1's TUN queue $((t1 - t0)), relay backlog_full $((b1 - b0))," \
    "queue_delay $((d1 - d0)), receiver's socket $((r1 - r0))"
done
wst_bg tcp-server "$(wst_ns 2)" iperf3 -s -1 -B "$a2"
wst_wait 10 wst_listening "$(wst_ns 2)" 5201 || wst_fail "iperf3 did not listen"
echo "TCP: $(wst_in 1 timeout 60 iperf3 -t "${T:-4}" -c "$a2" -J | python3 -c '
import json, sys
print("%.0f Mbit/s" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))')"
wst_exit_status tcp-server 20
