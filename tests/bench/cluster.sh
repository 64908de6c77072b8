#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The relay cluster's figures, run by hand as root (not part of check.sh),
# with a 3-member etcd and relays in the system tests' world:
#   throughput  iperf3 TCP (1 stream) and ping between two clients on one
#               relay and between two on different relays, in turns, beside
#               the plain veth path: the cross/same ratio
#   connect     set-up time (upgrade to config) of 300 clients, one at a
#               time, on a relay of the cluster (claim in etcd) and on a
#               relay on its own: what the claim adds
#   load        wstun-loadgen with N clients on one relay, then 3N spread
#               over three relays (most packets cross relays): loss,
#               latency, relay CPU
# See tests/bench/README.md ("Relay cluster").
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<EOF
Usage: $0 [-t SECONDS] [-r ROUNDS] [-n CLIENTS] [PART...]

  PART                 throughput, connect, load (default: all three)
  -t, --time SECONDS   per iperf3 run (default 5) and measured load time (default 10)
  -r, --rounds N       iperf3 runs per path, in turns (default 3)
  -n, --clients N      load: clients on one relay; three relays get 3N (default 2000)

Build directory: \$WSTUN_BUILDDIR (default $root/_build/release).
EOF
}

duration=5
rounds=3
clients=2000
parts=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    -t | --time) duration=$2; shift 2 ;;
    -r | --rounds) rounds=$2; shift 2 ;;
    -n | --clients) clients=$2; shift 2 ;;
    throughput | connect | load) parts+=("$1"); shift ;;
    *) usage >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -gt 0 ] || parts=(throughput connect load)
if [ "$(id -u)" -ne 0 ]; then
  echo "$0: must run as root (network namespaces)" >&2
  exit 77
fi
command -v etcd >/dev/null || { echo "$0: needs etcd (etcd-server)" >&2; exit 77; }

export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$root/_build/release}
LOADGEN_BIN=$WSTUN_BUILDDIR/tests/wstun-loadgen
WST_ID=${WST_ID:-wclu}
# shellcheck source=tests/system/lib.sh
source "$root/tests/system/lib.sh"
# shellcheck source=tests/system/lib-cluster.sh
source "$root/tests/system/lib-cluster.sh"

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), $(getconf _NPROCESSORS_ONLN) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
wst_world 3
wst_many_sources 1
WSC_SOURCES_VIA=198.18.0.2 # client 1, where wstun-loadgen runs
wsc_etcd 3

stop_relays() {
  local n
  for n in "$@"; do wst_stop "relay$n"; done
}

iperf_mbps() { # iperf_mbps N ADDR: client N's TCP throughput to ADDR, Mbit/s
  wst_in "$1" iperf3 -c "$2" -t "$duration" -J 2>/dev/null |
    "$WST_PYTHON" -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))'
}

ping_ms() { # ping_ms N ADDR: median round trip, ms
  wst_in "$1" ping -n -q -c 100 -i 0.01 "$2" | awk -F/ '/^rtt/ { print $5 }'
}

part_throughput() {
  local same=() cross=() veth=() i a2 a3
  wsc_relay 1 r1 --mtu 65000
  wsc_relay 2 r2 --mtu 65000
  wsc_wait_mesh 1 1 || wst_fail "no mesh link"
  wsc_client 1 1
  wsc_client 2 1
  wsc_client 3 2
  a2=$(wst_addr4 2)
  a3=$(wst_addr4 3)
  wst_bg iperf2 "$(wst_ns 2)" iperf3 -s
  wst_bg iperf3 "$(wst_ns 3)" iperf3 -s
  wst_wait 5 wst_listening "$(wst_ns 2)" 5201 && wst_wait 5 wst_listening "$(wst_ns 3)" 5201 ||
    wst_fail "iperf3 servers did not start"
  for i in $(seq "$rounds"); do
    same+=("$(iperf_mbps 1 "$a2")")
    cross+=("$(iperf_mbps 1 "$a3")")
    veth+=("$(iperf_mbps 1 198.18.0.4)")
  done
  echo "throughput  TCP 1 stream, Mbit/s, $rounds runs of ${duration}s in turns"
  echo "  same relay:   ${same[*]}"
  echo "  cross relays: ${cross[*]}"
  echo "  veth:         ${veth[*]}"
  "$WST_PYTHON" - "${same[*]}" "${cross[*]}" "${veth[*]}" <<'PY'
import statistics, sys
same, cross, veth = ([float(x) for x in a.split()] for a in sys.argv[1:4])
s, c, v = statistics.median(same), statistics.median(cross), statistics.median(veth)
print(f"  median: same {s:.0f}, cross {c:.0f}, veth {v:.0f} Mbit/s; cross/same {c / s:.2f}, "
      f"same/veth {s / v:.2f}, cross/veth {c / v:.2f}")
PY
  echo "  ping median: same $(ping_ms 1 "$a2") ms, cross $(ping_ms 1 "$a3") ms, veth $(ping_ms 1 198.18.0.4) ms"
  wst_stop iperf2
  wst_stop iperf3
  for i in 1 2 3; do wst_stop "client$i"; done
  stop_relays 1 2
}

setup_p50() { # setup_p50 URL: the loadgen's set-up median for 300 clients, one at a time
  wst_in 1 "$LOADGEN_BIN" --url "$1" --clients 300 --connect-rate 100 --max-pending 1 --rate 0 \
    --warmup 0 --duration 1 --drain 0 --sources "$WST_SOURCES" --json -q 2>/dev/null |
    "$WST_PYTHON" -c 'import json,sys; r=json.load(sys.stdin); t=r["setup"]["time"]; print(t["p50_ms"], "/", t["p90_ms"], "(connected", r["setup"]["connected"], ")")'
}

part_connect() {
  local c s
  wsc_relay 1 r1 --pool "" --max-clients 1000
  wst_bg alone "$(wst_ns relay)" "$RELAY_BIN" --listen "ws://$WST_RELAY_IP:8089" --state-dir "" \
    --pool "" --pool6 fd00:99::/64 --max-clients 1000
  wst_wait 10 wst_listening "$(wst_ns relay)" 8089 || wst_fail "the relay on its own did not start"
  c=$(setup_p50 "$(wsc_url 1)/")
  s=$(setup_p50 "ws://$WST_RELAY_IP:8089/")
  echo "connect     set-up p50 / p90, ms, 300 clients one at a time"
  echo "  cluster relay (claim in a 3-member etcd): $c"
  echo "  relay on its own:                         $s"
  echo "  claims: $(wsc_metric 1 'wstun_relay_claims_total{result="won"}') won, $(wsc_metric 1 'wstun_relay_claims_total{result="conflict"}') conflicts; etcd round trips $(wsc_metric 1 wstun_relay_etcd_round_trips_total)"
  wst_stop alone
  stop_relays 1
}

load_run() { # load_run NAME URL...: the loadgen's summary line with relay CPU
  local name=$1 urls=() pids=() u
  shift
  for u in "$@"; do urls+=(--url "$u/"); done
  wst_in 1 "$LOADGEN_BIN" "${urls[@]}" --clients "$n" --family 6 --sources "$WST_SOURCES" \
    --warmup 3 --duration "$load_time" --json -q >"$WST_LOGDIR/$name.json" 2>/dev/null
  "$WST_PYTHON" - "$WST_LOGDIR/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["setup"], r["ping"]
print(f"  connected {s['connected']} of {s['started']}, {s['handshakes_per_s']:.0f} connects/s, "
      f"sent {p['sent']}, lost {p['lost']} ({p['loss_pct']:.3f} %), "
      f"latency p50 {p['latency']['p50_ms']:.2f} ms, p99 {p['latency']['p99_ms']:.2f} ms")
if s.get("errors"):
    print(f"  set-up errors: {s['errors']}")
PY
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
secs() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'; }

part_load() {
  local n load_time=$((duration * 2)) c1 c2 c3
  n=$clients
  wsc_relay 1 r1 --pool "" --max-clients $((3 * clients + 64))
  echo "load        wstun-loadgen, 1 ping-sized packet/s per client to the next client"
  echo " $n clients, one relay:"
  c1=$(cpu_ticks "$(wst_pid relay1)")
  load_run one "$(wsc_url 1)"
  echo "  relay CPU $(secs $(($(cpu_ticks "$(wst_pid relay1)") - c1))) s over the run"
  wsc_relay 2 r2 --pool "" --max-clients $((3 * clients + 64))
  wsc_relay 3 r3 --pool "" --max-clients $((3 * clients + 64))
  wsc_wait_mesh 1 2 && wsc_wait_mesh 2 2 && wsc_wait_mesh 3 2 || wst_fail "no mesh links"
  n=$((3 * clients))
  echo " $n clients over three relays:"
  c1=$(cpu_ticks "$(wst_pid relay1)") c2=$(cpu_ticks "$(wst_pid relay2)") c3=$(cpu_ticks "$(wst_pid relay3)")
  load_run three "$(wsc_url 1)" "$(wsc_url 2)" "$(wsc_url 3)"
  echo "  relay CPU over the run: $(secs $(($(cpu_ticks "$(wst_pid relay1)") - c1))) s, $(secs $(($(cpu_ticks "$(wst_pid relay2)") - c2))) s, $(secs $(($(cpu_ticks "$(wst_pid relay3)") - c3))) s"
  for r in 1 2 3; do
    echo "  relay $r: clients $(wsc_metric "$r" wstun_relay_clients), unreachable drops $(wsc_metric "$r" 'wstun_relay_dropped_total{reason="relay_unreachable"}'), backlog drops $(wsc_metric "$r" 'wstun_relay_dropped_total{reason="backlog_full"}'), RSS $(( $(wsc_metric "$r" wstun_relay_resident_bytes) / 1048576 )) MiB"
  done
  stop_relays 1 2 3
}

for p in "${parts[@]}"; do
  "part_$p"
done
