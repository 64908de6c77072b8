#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many clients against one relay, run by hand as root (not part of
# check.sh): tests/loadgen/wstun-loadgen simulates N clients (no TUN
# devices) from one client namespace of the system tests' world, bound
# round-robin to 64 addresses of 198.19.0.0/16, against a relay with an IPv6
# pool (fd00:99::/64) and --max-clients N + 16. Prints the tool's report,
# then the relay's own counters. See tests/bench/README.md.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<EOF
Usage: $0 [-n CLIENTS] [-t SECONDS] [--tls] [--relay-arg ARG]... [-- LOADGEN-ARGS...]

  -n, --clients N      simulated clients (default 1000)
  -t, --time SECONDS   measured time after a 3 s warm-up (default 10)
  --tls                wss:// with a test CA (and a token), instead of ws://
  --relay-arg ARG      one more wstun-relay argument (repeatable)
  -- LOADGEN-ARGS      more wstun-loadgen arguments, e.g. --rate 1 --bulk 4 --bulk-rate 50
                       --connect-rate 500 --json (see wstun-loadgen --help)

Build directory: \$WSTUN_BUILDDIR (default $root/_build/release; built if missing).
Namespace prefix: \$WST_ID (default wload).
EOF
}

clients=1000
duration=10
tls=
relay_extra=()
loadgen_extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --tls) tls=1; shift; continue ;;
    --) shift; loadgen_extra+=("$@"); break ;;
    -n | --clients | -t | --time | --relay-arg)
      if [ $# -lt 2 ]; then
        echo "$0: $1 needs a value" >&2
        exit 2
      fi
      case $1 in
        -n | --clients) clients=$2 ;;
        -t | --time) duration=$2 ;;
        --relay-arg) relay_extra+=("$2") ;;
      esac
      shift 2
      ;;
    *) usage >&2; exit 2 ;;
  esac
done
for v in "clients=$clients" "duration=$duration"; do
  if ! [[ ${v#*=} =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: ${v%%=*} must be a positive integer, not '${v#*=}'" >&2
    exit 2
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "$0: must run as root (network namespaces)" >&2
  exit 77
fi

export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$root/_build/release}
LOADGEN_BIN=$WSTUN_BUILDDIR/tests/wstun-loadgen
if [ ! -x "$WSTUN_BUILDDIR/src/wstun-relay" ] || [ ! -x "$LOADGEN_BIN" ]; then
  # only when missing: an existing build dir may be in use by other runs
  echo "# building $WSTUN_BUILDDIR"
  if [ ! -f "$WSTUN_BUILDDIR/build.ninja" ]; then
    meson setup "$WSTUN_BUILDDIR" "$root" -Dbuildtype=release >/dev/null || exit 1
  fi
  meson compile -C "$WSTUN_BUILDDIR" >/dev/null || exit 1
fi

WST_ID=${WST_ID:-wload}
# shellcheck source=tests/system/lib.sh
source "$root/tests/system/lib.sh"

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), $(getconf _NPROCESSORS_ONLN) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# relay fd limit (soft/hard): $(ulimit -Sn)/$(ulimit -Hn); ip_local_port_range: $(cat /proc/sys/net/ipv4/ip_local_port_range | tr '\t' ' ')"

wst_world 1
wst_many_sources 1
relay_args=(--pool "" --pool6 fd00:99::/64 --max-clients "$((clients + 16))" "${relay_extra[@]}")
loadgen_args=()
if [ -n "$tls" ]; then
  wst_pki
  wst_token load
  wst_relay_tls relay --tokens "$WST_TOKENS" "${relay_args[@]}"
  loadgen_args+=(--ca-file "$(wst_pem ca)" --token-file "$(wst_token_file load)")
else
  wst_relay "${relay_args[@]}"
fi
relay_pid=$(wst_pid relay)

# set-up gets 60 s (or what the connect rate needs); the tool bounds the rest
wst_bg load "$(wst_ns 1)" "$LOADGEN_BIN" --url "$WST_RELAY_URL/" --clients "$clients" \
  --sources "$WST_SOURCES" --warmup 3 --duration "$duration" --relay-pid "$relay_pid" \
  "${loadgen_args[@]}" "${loadgen_extra[@]}"
pid=$(wst_pid load)
# progress lines as they come, until the tool ends (it bounds itself; this
# is the backstop: set-up 60 s + warm-up + duration + drain + closing)
limit=$((SECONDS + 600 + duration))
tail -n +1 -f --pid "$pid" "$(wst_logfile load)" &
tailer=$!
while kill -0 "$pid" 2>/dev/null; do
  if [ "$SECONDS" -ge "$limit" ]; then
    echo "# wstun-loadgen still runs after $((600 + duration)) s: stopping it"
    kill -TERM "$pid"
    break
  fi
  sleep 0.5
done
wst_exit_status load 10
status=$WST_STATUS
wait "$tailer" 2>/dev/null

echo "# the relay's counters:"
wst_metrics | grep -E '^wstun_relay_(clients|connections_total|refused_total|rx_packets_total|tx_packets_total|dropped_total|refusals_total|resident_bytes)' |
  awk '$2 != 0 || /packets|connections/'
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "${status:-1}"
