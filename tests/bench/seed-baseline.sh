#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The original design, measured on the benchmark's topology: a re-creation of
# the Python proof of concept (tests/seed/seed-relay.py, seed-client.py: hex
# text frames, one packet per message) between two clients, with websockets'
# default compression and without. Run by hand as root, beside bench.sh, so
# that wstun's figures can be compared with what it replaces.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${1:-10}
export WST_ID=${WST_ID:-wseed}
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$root/_build/release}
source "$root/tests/system/lib.sh"
wst_require_root
py=/usr/bin/python3

run_case() { # run_case SLUG LABEL RELAY-ARGS...
  local slug=$1 label=$2 r c1 c2 rate json
  shift 2
  wst_world 2
  r=$(wst_ns relay) c1=$(wst_ns 1) c2=$(wst_ns 2)
  wst_bg "relay-$slug" "$r" "$py" "$root/tests/seed/seed-relay.py" --host "$WST_RELAY_IP" "$@"
  wst_wait 10 wst_listening "$r" 80 || wst_fail "seed relay did not start"
  for i in 1 2; do
    wst_bg "seed$i-$slug" "$(wst_ns "$i")" "$py" "$root/tests/seed/seed-client.py" "$WST_RELAY_IP" \
      --register "10.99.0.$((i + 1))" --lifetime $((duration * 3 + 30))
    wst_wait 10 wst_has_dev "$i" tun0 || wst_fail "seed client $i has no tun0"
    ip -n "$(wst_ns "$i")" addr add "10.99.0.$((i + 1))/24" dev tun0
    ip -n "$(wst_ns "$i")" link set tun0 up
  done
  wst_in 1 ping -c 3 -i 0.2 -W 2 10.99.0.3 >/dev/null || wst_fail "$label: no ping through the seed relay"

  wst_bg "iperf-tcp-$slug" "$c2" iperf3 -s -1 -B 10.99.0.3
  wst_wait 5 wst_listening "$c2" 5201
  json=$(wst_in 1 timeout $((duration + 20)) iperf3 -J -c 10.99.0.3 -t "$duration")
  rate=$(echo "$json" | "$py" -c 'import json,sys; d=json.load(sys.stdin); print(round(d["end"]["sum_received"]["bits_per_second"]/1e6, 1))' 2>/dev/null)
  printf '%-26s TCP 1 stream      %10s Mbit/s\n' "$label" "${rate:-error}"

  wst_bg "iperf-udp-$slug" "$c2" iperf3 -s -1 -B 10.99.0.3
  wst_wait 5 wst_listening "$c2" 5201
  json=$(wst_in 1 timeout $((duration + 20)) iperf3 -J -u -w 4M -l 1400 -b 10G -c 10.99.0.3 -t "$duration")
  echo "$json" | "$py" -c '
import json, sys
d = json.load(sys.stdin)["end"]["sum"]
recv = d["packets"] - d["lost_packets"]
print("%-26s UDP 1400 B        %10.0f pkt/s received, loss %.1f %%" % (sys.argv[1], recv / d["seconds"], d["lost_percent"]))
' "$label" 2>/dev/null || printf '%-26s UDP 1400 B        error\n' "$label"

  for pid in "${WST_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${WST_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  WST_PIDS=()
  for ns in "${WST_NETNS[@]}"; do ip netns del "$ns"; done
  WST_NETNS=()
}

echo "original design (Python asyncio + websockets $("$py" -c 'import websockets; print(websockets.__version__)')), ${duration} s per test"
run_case deflate "default (deflate)"
run_case plain "no compression" --no-compression
