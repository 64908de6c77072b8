#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What wss:// costs against ws://: bench.sh over ws:// and over wss://,
# alternating, ROUNDS times each (so that a drift in the machine's load hits
# both alike), then the figures of every run and the medians side by side
# with their ratio. Run by hand as root, on an otherwise quiet machine.
#
# Usage: tests/bench/tls-ratio.sh [-t SECONDS] [-r ROUNDS] [-d DIR]
#   -t  length of each iperf3 test (default 10)
#   -r  runs of each kind (default 2)
#   -d  keep every run's log and key=value figures in DIR (default: a temporary one)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
duration=10 rounds=2 dir=
while [ $# -gt 0 ]; do
  case $1 in
  -t) duration=$2; shift 2 ;;
  -r) rounds=$2; shift 2 ;;
  -d) dir=$2; shift 2 ;;
  -h | --help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "$0: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $duration =~ ^[0-9]+$ && $rounds =~ ^[1-9][0-9]*$ ]] ||
  { echo "$0: -t and -r take positive whole numbers" >&2; exit 2; }
if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/wstun-tls-ratio.XXXXXX)
fi
mkdir -p "$dir"

failed=0
for round in $(seq "$rounds"); do
  for kind in ws wss; do
    args=(-t "$duration" -o "$dir/$kind-$round.txt")
    [ "$kind" = wss ] && args+=(--tls)
    echo "# round $round: $kind ($(date +%T))"
    if ! "$here/bench.sh" "${args[@]}" >"$dir/$kind-$round.log" 2>&1; then
      echo "#   bench.sh failed: see $dir/$kind-$round.log"
      failed=1
    fi
  done
done

python3 - "$dir" "$rounds" <<'EOF'
import statistics, sys

folder, rounds = sys.argv[1], int(sys.argv[2])
rows = [
    ("TCP 1 stream (Mbit/s)", "tunnel_tcp1_mbps"),
    ("TCP 4 streams (Mbit/s)", "tunnel_tcp4_mbps"),
    ("UDP 1400 B (pkt/s)", "tunnel_udp_pps"),
    ("ping median (ms)", "tunnel_ping_median_ms"),
    ("relay CPU, TCP (s/GB)", None),
]


def load(kind, r):
    values = {}
    try:
        with open(f"{folder}/{kind}-{r}.txt") as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                values[key] = value
    except OSError:
        pass
    return values


def figure(values, key):
    if key is None:  # relay CPU seconds per GB forwarded in the TCP tests
        try:
            return float(values["relay_tcp_cpu_s"]) / (float(values["relay_tcp_tx_bytes"]) / 1e9)
        except (KeyError, ValueError, ZeroDivisionError):
            return None
    try:
        return float(values[key])
    except (KeyError, ValueError):
        return None


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.0f}" if x >= 1000 else f"{x:.3g}"


runs = {k: [load(k, r) for r in range(1, rounds + 1)] for k in ("ws", "wss")}
print(f"\n{'':24} {'ws:// runs':>22} {'wss:// runs':>22} {'ws median':>10} {'wss median':>10} {'wss/ws':>7}")
for label, key in rows:
    got = {k: [figure(v, key) for v in runs[k]] for k in runs}
    shown = {k: " ".join(fmt(x) for x in got[k]) for k in got}
    med = {k: statistics.median([x for x in got[k] if x is not None]) if any(x is not None for x in got[k]) else None
           for k in got}
    ratio = f"{med['wss'] / med['ws']:.2f}" if med["ws"] and med["wss"] is not None else "-"
    print(f"{label:24} {shown['ws']:>22} {shown['wss']:>22} {fmt(med['ws']):>10} {fmt(med['wss']):>10} {ratio:>7}")
print(f"\n# logs and figures in {folder}")
EOF
exit $failed
