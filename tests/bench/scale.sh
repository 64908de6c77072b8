#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The relay at scale, run by hand as root (not part of check.sh): load.sh
# with 1,000, 5,000 and 10,000 simulated clients over ws://, and the same
# over wss://, each client one ping-sized packet a second to the next one;
# then one table: connections per second during set-up, one-way latency
# p50/p99, the relay's CPU while measuring and its RSS. See
# tests/bench/README.md, "Relay at scale".
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<EOF
Usage: $0 [-t SECONDS] [--clients "N N ..."] [--no-tls] [--tls-only]

  -t, --time SECONDS   measured time of each run (default 20)
  --clients LIST       client counts (default "1000 5000 10000")
  --no-tls             ws:// only
  --tls-only           wss:// only
EOF
}

duration=20
counts="1000 5000 10000"
transports="ws wss"
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    -t | --time) duration=$2; shift 2 ;;
    --clients) counts=$2; shift 2 ;;
    --no-tls) transports=ws; shift ;;
    --tls-only) transports=wss; shift ;;
    *) usage >&2; exit 2 ;;
  esac
done

out=$(mktemp -d /tmp/wstun-scale.XXXXXX)
trap 'rm -rf "$out"' EXIT
for t in $transports; do
  for n in $counts; do
    echo "# $t, $n clients"
    tls=()
    [ "$t" = wss ] && tls=(--tls)
    WST_ID=wscale bash "$here/load.sh" -n "$n" -t "$duration" "${tls[@]}" -- --quiet \
      --json-file "$out/$t-$n.json" | grep -E '^(clients|latency|relay|loadgen|errors) '
  done
done

python3 - "$out" <<'EOF'
import glob, json, os, sys

rows = []
for f in glob.glob(os.path.join(sys.argv[1], "*.json")):
    t, n = os.path.basename(f)[:-5].split("-")
    r = json.load(open(f))
    rows.append((t, int(n), r))
rows.sort(key=lambda x: (x[0], x[1]))
print()
print("| transport | clients | connects/s | latency p50 / p99 | relay CPU | relay RSS | per client | loss |")
print("|---|---|---|---|---|---|---|---|")
for t, n, r in rows:
    s, p, relay = r["setup"], r["ping"], r["relay"]
    grown = relay["rss_kb_after_setup"] - relay["rss_kb_start"]
    got = s["connected"]
    clients = f"{n:,}" if got == n else f"{got:,} of {n:,}"
    print(f"| {t}:// | {clients} | {s['handshakes_per_s']:,.0f} | {p['latency']['p50_ms']:.1f} / "
          f"{p['latency']['p99_ms']:.1f} ms | {relay['cpu_pct_measure']:.1f} % | "
          f"{relay['rss_kb_after_setup'] / 1024:.0f} MiB | {grown / max(got, 1):.1f} kB | "
          f"{p['lost']} of {p['sent']} |")
EOF
