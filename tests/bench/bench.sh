#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstun data-plane benchmark, run by hand as root (not part of check.sh).
#
# On the system tests' topology (relay namespace + client namespaces 1 and 2
# on a bridge) it measures client 1 -> client 2 twice, through the relay over
# the wstun0 addresses ("tunnel") and over the plain underlay ("veth"), so
# that every tunnel figure has its ceiling on the same machine next to it.
# See tests/bench/README.md for what each figure means.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<EOF
Usage: $0 [-t SECONDS] [--mtu N] [--tls] [-o FILE] [--pings N] [--relay-arg ARG]... [-- RELAY-ARGS...]

  -t, --time SECONDS   length of each iperf3 test (default 10; \$WSTUN_BENCH_TIME)
  --mtu N              passed to wstun-relay --mtu (default: the relay's own; \$WSTUN_BENCH_MTU)
  --tls                the tunnel over wss:// with a test CA (\$WSTUN_BENCH_TLS=1)
  -o, --output FILE    also write every figure as key=value lines to FILE (\$WSTUN_BENCH_OUT)
  --pings N            pings per path, 0.01 s apart (default 200; \$WSTUN_BENCH_PINGS)
  --relay-arg ARG      one more wstun-relay argument (repeatable); words after "--"
                       and \$WSTUN_BENCH_RELAY_ARGS (split on spaces) are added too

Build directory: \$WSTUN_BUILDDIR (default $root/_build/release; built if missing).
Namespace prefix: \$WST_ID (default wbench).
EOF
}

duration=${WSTUN_BENCH_TIME:-10}
mtu=${WSTUN_BENCH_MTU:-}
out=${WSTUN_BENCH_OUT:-}
pings=${WSTUN_BENCH_PINGS:-200}
tls=${WSTUN_BENCH_TLS:-}
relay_extra=()
if [ -n "${WSTUN_BENCH_RELAY_ARGS:-}" ]; then
  read -ra relay_extra <<<"$WSTUN_BENCH_RELAY_ARGS"
fi
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --tls) tls=1; shift; continue ;;
    --) shift; relay_extra+=("$@"); break ;;
    -t | --time | --mtu | -o | --output | --pings | --relay-arg)
      if [ $# -lt 2 ]; then
        echo "$0: $1 needs a value" >&2
        exit 2
      fi
      case $1 in
        -t | --time) duration=$2 ;;
        --mtu) mtu=$2 ;;
        -o | --output) out=$2 ;;
        --pings) pings=$2 ;;
        --relay-arg) relay_extra+=("$2") ;;
      esac
      shift 2
      ;;
    *) usage >&2; exit 2 ;;
  esac
done
for v in "duration=$duration" "pings=$pings" ${mtu:+"mtu=$mtu"}; do
  if ! [[ ${v#*=} =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: ${v%%=*} must be a positive integer, not '${v#*=}'" >&2
    exit 2
  fi
done
if [ -n "$out" ]; then
  # resolve now: the output is written at the very end
  out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out") || exit 2
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "$0: must run as root (network namespaces, TUN devices, ping -i 0.01)" >&2
  exit 77
fi
for tool in iperf3 ping ip python3 timeout; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 1; }
done

export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$root/_build/release}
if [ ! -x "$WSTUN_BUILDDIR/src/wstun-relay" ] || [ ! -x "$WSTUN_BUILDDIR/src/wstund" ]; then
  # only when missing: an existing build dir may be in use by other runs
  echo "# building $WSTUN_BUILDDIR"
  if [ ! -f "$WSTUN_BUILDDIR/build.ninja" ]; then
    meson setup "$WSTUN_BUILDDIR" "$root" -Dbuildtype=release >/dev/null || exit 1
  fi
  meson compile -C "$WSTUN_BUILDDIR" >/dev/null || exit 1
fi

WST_ID=${WST_ID:-wbench}
# shellcheck source=tests/system/lib.sh
source "$root/tests/system/lib.sh"
stats() { python3 "$here/stats.py" "$@"; }

raw=$WST_LOGDIR/raw.txt
: >"$raw"
put() { printf '%s=%s\n' "$1" "$2" >>"$raw"; }
errors=0

# The machine and build first, so that figures from different runs can be
# told apart; the load average shows how busy the machine was otherwise.
put date "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
put kernel "$(uname -r)"
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
put cpu_model "${cpu_model:-$(uname -m)}"
put cpu_cores "$(getconf _NPROCESSORS_ONLN)"
put commit "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
# read-only check: the figures may come from changes not yet committed
if git -C "$root" diff --quiet HEAD -- 2>/dev/null; then
  put uncommitted_changes no
else
  put uncommitted_changes yes
fi
put builddir "$WSTUN_BUILDDIR"
put duration "$duration"
put pings "$pings"
put clk_tck "$(getconf CLK_TCK)"
put loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- world --------------------------------------------------------------
if ip netns list | grep -qw "^$(wst_ns relay)"; then
  echo "$0: namespace $(wst_ns relay) exists: another run with WST_ID=$WST_ID," \
    "or a stale one (ip netns del it)" >&2
  exit 1
fi
wst_world 2
relay_args=(--pool 10.99.0.0/24)
if [ -n "$mtu" ]; then relay_args+=(--mtu "$mtu"); fi
relay_args+=("${relay_extra[@]}")
if [ -n "$tls" ]; then
  # a test CA and a certificate for the relay's address, made for this run
  wst_pki
  wst_relay_tls relay "${relay_args[@]}"
  client_args=(--ca-file "$(wst_pem ca)")
else
  wst_relay "${relay_args[@]}"
  client_args=()
fi
wst_client 1 "${client_args[@]}"
wst_client 2 "${client_args[@]}"
put relay_url "$WST_RELAY_URL"
put relay_mtu "${mtu:-default}"
put relay_args "${relay_args[*]}"
put relay_pid "$(wst_pid relay)"
[ "$(cat "/proc/$(wst_pid relay)/comm" 2>/dev/null)" = wstun-relay ] ||
  wst_fail "PID $(wst_pid relay) is not the relay; its CPU figures would be wrong"

declare -A src dst
src[tunnel]=$(wst_addr4 1) dst[tunnel]=$(wst_addr4 2)
src[veth]=198.18.0.2 dst[veth]=198.18.0.3
for path in tunnel veth; do
  put "${path}_src" "${src[$path]}"
  put "${path}_dst" "${dst[$path]}"
done
put tunnel_mtu "$(wst_in 1 cat /sys/class/net/wstun0/mtu)"
put veth_mtu "$(wst_in 1 cat /sys/class/net/eth0/mtu)"

# one ping each way first: checks both paths, and fills the neighbour
# cache so that no timed ping waits for ARP
for path in tunnel veth; do
  wst_in 1 ping -n -c 2 -i 0.2 -W 2 "${dst[$path]}" >/dev/null ||
    wst_fail "no ping reply over the $path path (${dst[$path]})"
done

# counter TEXT NAME: one counter of the relay's metrics TEXT, 0 if absent
# (the value is copied as text: mawk would print big integers as 1.8e+09)
counter() {
  awk -v k="$2" '$1 == k { v = $2 } END { print (v == "" ? 0 : v) }' <<<"$1"
}
linkstat() { # linkstat N COUNTER: a wstun0 counter in client N
  wst_in "$1" cat "/sys/class/net/wstun0/statistics/$2" 2>/dev/null || echo 0
}
drop_reasons=(malformed_frame spoofed_source no_route unroutable loop backlog_full queue_delay)
drops() { # drops: the relay's drop counters, one per line, in drop_reasons order
  local m r
  m=$(wst_metrics)
  for r in "${drop_reasons[@]}"; do counter "$m" "wstun_relay_dropped_total{reason=\"$r\"}"; done
}

put relay_rss_before_kb "$(wst_vm_kb relay VmRSS)"
mapfile -t drops_start < <(drops)

# Costs of the tunnel tests, summed per kind (tcp, udp) over the tests that
# succeeded: the veth tests do not pass through wstun at all, and a failed
# test's bytes and CPU would not belong together.
declare -A acc before
procs=(relay client1 client2)
counted=("${procs[@]}" bytes packets backlog_drops delay_drops c1_txdrop c2_rxdrop)
# shellcheck disable=SC2004,SC2154 # shellcheck takes a[key] of the nameref as arithmetic
sample() { # sample ARRAY: CPU ticks, relay counters, wstun0 drops into ARRAY
  local -n a=$1
  local p m
  for p in "${procs[@]}"; do a[$p]=$(wst_cpu_ticks "$p"); done
  m=$(wst_metrics)
  a[bytes]=$(counter "$m" wstun_relay_tx_bytes_total)
  a[packets]=$(counter "$m" wstun_relay_tx_packets_total)
  a[backlog_drops]=$(counter "$m" 'wstun_relay_dropped_total{reason="backlog_full"}')
  a[delay_drops]=$(counter "$m" 'wstun_relay_dropped_total{reason="queue_delay"}')
  a[c1_txdrop]=$(linkstat 1 tx_dropped)
  a[c2_rxdrop]=$(linkstat 2 rx_dropped)
}
account() { # account KIND TEST: adds what the test since `sample before` cost
  local kind=$1 k
  local -A after
  put "tunnel_${2}_counted" 1
  sample after
  for k in "${counted[@]}"; do
    acc[${kind}_$k]=$((${acc[${kind}_$k]:-0} + ${after[$k]:-0} - ${before[$k]:-0}))
  done
}

# wstun_down: the relay or a client has exited
wstun_down() { wst_ended relay || wst_ended client1 || wst_ended client2; }

# revive PATH TEST: after a tunnel test, restarts a client that has exited
# (its log kept as clientN-TEST.log), so that the remaining tests still run;
# the exit is recorded as an error. A dead relay ends the run.
revive() {
  local test=$2 i
  wst_ended relay && wst_fail "the relay exited during the $test test"
  for i in 1 2; do
    wst_ended "client$i" || continue
    put "client${i}_${test}_error" "client $i exited during the $test test: $(tail -n 1 "$(wst_logfile "client$i")")"
    errors=$((errors + 1))
    mv "$(wst_logfile "client$i")" "$WST_LOGDIR/client$i-$test.log"
    echo "# client $i exited during the $test test; restarting it"
    wst_client "$i" "${client_args[@]}"
  done
  src[tunnel]=$(wst_addr4 1) dst[tunnel]=$(wst_addr4 2)
}

# iperf PATH TEST tcp|udp IPERF3-ARGS...: one iperf3 test, client 1 -> 2.
# A fresh one-shot server per test, in the foreground under wst_bg so it is
# stopped by PID; waiting for its listening socket (rather than probing it
# with a connection, which would use up the one test it serves).
iperf() {
  local path=$1 test=$2 kind=$3 server=iperf3-$1-$2 client=iperf3c-$1-$2 ns2 end ok=1 rcvbuf
  shift 3
  local json=$WST_LOGDIR/$path-$test.json
  ns2=$(wst_ns 2)
  echo "# $path: iperf3 $test ($*), ${duration} s"
  wst_bg "$server" "$ns2" iperf3 -s -1 -B "${dst[$path]}"
  if ! wst_wait 10 wst_listening "$ns2" 5201; then
    put "${path}_${test}_error" "iperf3 server did not start"
    errors=$((errors + 1))
    wst_stop "$server"
    return
  fi
  [ "$path" = tunnel ] && sample before
  [ "$kind" = udp ] && rcvbuf=$(wst_udp_rcvbuf_errors 2)
  wst_bg "$client" "$(wst_ns 1)" iperf3 -c "${dst[$path]}" -t "$duration" -J --logfile "$json" "$@"
  # Bounded even if a side hangs, and cut short when a wstun process dies,
  # since iperf3 would then only wait for its own timeouts.
  end=$((SECONDS + duration + 10))
  while ! wst_ended "$client"; do
    if [ "$SECONDS" -ge "$end" ] || { [ "$path" = tunnel ] && wstun_down; }; then
      ok=0
      break
    fi
    sleep 0.1
  done
  wst_stop "$client"
  # where the datagrams that did not arrive went, besides the tunnel's own drops
  [ "$kind" = udp ] && put "${path}_${test}_rcvbuf_errors" $(($(wst_udp_rcvbuf_errors 2) - rcvbuf))
  # the server exits after its one test; give it time to, then make sure
  wst_wait 5 wst_ended "$server"
  wst_stop "$server"
  if [ "$path" = tunnel ] && wstun_down; then ok=0; fi
  if stats iperf "$kind" "${path}_$test" "$json" >>"$raw" && [ "$ok" = 1 ]; then
    [ "$path" = tunnel ] && account "$kind" "$test"
    # keep the logs of failed tests only, for the dump at exit
    rm -f "$(wst_logfile "$server")" "$(wst_logfile "$client")"
  else
    errors=$((errors + 1))
  fi
  [ "$path" = tunnel ] && revive "$path" "$test"
}

# pinger PATH: every RTT of a ping flood at 0.01 s (needs root); the
# percentiles are computed from the single replies, which `ping -q` hides
pinger() {
  local path=$1 log=$WST_LOGDIR/$1-ping.txt
  echo "# $path: $pings pings at 0.01 s"
  wst_in 1 ping -n -i 0.01 -c "$pings" -W 1 -w $((pings / 100 + 10)) "${dst[$path]}" >"$log" 2>&1
  stats ping "${path}_ping" "$log" >>"$raw" || errors=$((errors + 1))
}

# latency PATH: request/response (tests/tools/rr.py: two 100-byte writes,
# a 100-byte reply, TCP_NODELAY) on an idle path, then beside an iperf3
# TCP bulk transfer through the same path: what a call or a shell feels
# during a download
latency() {
  local path=$1 ns2 out count json=$WST_LOGDIR/$1-rrbulk.json
  ns2=$(wst_ns 2)
  echo "# $path: request/response, idle and beside a TCP bulk transfer, ${duration} s"
  wst_bg "rrs-$path" "$ns2" "$WST_PYTHON" "$WST_TOOLS/rr.py" serve --bind "${dst[$path]}" \
    --port 7000 --seconds $((duration + 60))
  if ! wst_wait 10 wst_listening "$ns2" 7000; then
    put "${path}_rridle_error" "rr.py server did not start"
    errors=$((errors + 1))
    return
  fi
  if out=$(wst_in 1 "$WST_PYTHON" "$WST_TOOLS/rr.py" ask --to "${dst[$path]}" --port 7000 \
    --count 500 --interval 2 --timeout 60); then
    stats rr "${path}_rridle" <<<"$out" >>"$raw"
  else
    put "${path}_rridle_error" "rr.py: $out"
    errors=$((errors + 1))
  fi
  wst_bg "iperf3-$path-rrbulk" "$ns2" iperf3 -s -1 -B "${dst[$path]}"
  wst_wait 10 wst_listening "$ns2" 5201 || wst_fail "iperf3 server did not start"
  wst_bg "iperf3c-$path-rrbulk" "$(wst_ns 1)" iperf3 -c "${dst[$path]}" -t "$duration" -J --logfile "$json"
  # the exchanges start once the bulk transfer has its pace, and end
  # before it does (about 5 ms an exchange under load)
  sleep 1
  count=$(((duration - 2) * 150))
  [ "$count" -ge 100 ] || count=100
  if out=$(wst_in 1 "$WST_PYTHON" "$WST_TOOLS/rr.py" ask --to "${dst[$path]}" --port 7000 \
    --count "$count" --interval 2 --timeout $((duration + 30))); then
    stats rr "${path}_rrload" <<<"$out" >>"$raw"
  else
    put "${path}_rrload_error" "rr.py: $out"
    errors=$((errors + 1))
  fi
  wst_exit_status "iperf3c-$path-rrbulk" $((duration + 20)) || wst_stop "iperf3c-$path-rrbulk"
  wst_wait 5 wst_ended "iperf3-$path-rrbulk"
  wst_stop "iperf3-$path-rrbulk"
  stats iperf tcp "${path}_rrbulk" "$json" >>"$raw" || errors=$((errors + 1))
  wst_stop "rrs-$path"
  [ "$path" = tunnel ] && revive "$path" rr
}

# Tunnel and veth alternate test by test, so that both figures of a row are
# taken close together in time on a machine whose load may drift.
# Pings first, on idle paths.
for path in tunnel veth; do pinger "$path"; done
for path in tunnel veth; do iperf "$path" tcp1 tcp; done
for path in tunnel veth; do iperf "$path" tcp4 tcp -P 4; done
# -w 4M: wstun hands a receiver up to a frame's worth of datagrams (about 180)
# at once, more than the default 208 KiB socket buffer holds; measure the
# tunnel's rate, not that buffer (both paths get the same buffer)
for path in tunnel veth; do iperf "$path" udp udp -u -w 4M -l 1400 -b 10G; done
# UDP as applications send it: default socket buffers, paced at rates
# and unlimited (-b 0); QUIC, calls and games do not set -w
for rate in 100M 500M 1G 2G 0; do
  test=udp$(tr 'A-Z' 'a-z' <<<"$rate")
  [ "$rate" = 0 ] && test=udpmax
  for path in tunnel veth; do iperf "$path" "$test" udp -u -l 1400 -b "$rate"; done
done
for path in tunnel veth; do latency "$path"; done

# --- relay and client costs ----------------------------------------------
put relay_rss_after_kb "$(wst_vm_kb relay VmRSS)"
put relay_rss_peak_kb "$(wst_vm_kb relay VmHWM)"
for p in "${procs[@]}"; do
  put "${p}_tcp_cpu_ticks" "${acc[tcp_$p]:-0}"
  put "${p}_udp_cpu_ticks" "${acc[udp_$p]:-0}"
done
for kind in tcp udp; do
  put "relay_${kind}_tx_bytes" "${acc[${kind}_bytes]:-0}"
  put "relay_${kind}_tx_packets" "${acc[${kind}_packets]:-0}"
  put "relay_${kind}_dropped_backlog_full" "${acc[${kind}_backlog_drops]:-0}"
  put "relay_${kind}_dropped_queue_delay" "${acc[${kind}_delay_drops]:-0}"
  put "client1_wstun0_${kind}_tx_dropped" "${acc[${kind}_c1_txdrop]:-0}"
  put "client2_wstun0_${kind}_rx_dropped" "${acc[${kind}_c2_rxdrop]:-0}"
done
mapfile -t drops_end < <(drops)
for i in "${!drop_reasons[@]}"; do
  put "relay_dropped_${drop_reasons[$i]}" $((drops_end[i] - drops_start[i]))
done
put loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"

echo
stats report "$raw" "${out:-}" || errors=$((errors + 1))
[ -n "$out" ] && echo "# figures written to $out"
[ "$errors" -eq 0 ] || exit 1
exit 0
