#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Framer ladder, run by hand (no root, not part of check.sh): libsoup's
# WebSocket framing against wstun's own (WstunWs), same shape, same message
# sizes, same run. Shape of the data-plane performance study: three
# processes on 127.0.0.1, unpinned, sender -> relay -> receiver, random
# binary messages of a fixed size, the sender gated on its socket, the
# relay dropping what /out does not take. See tests/bench/wsbench.c.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
  cat <<EOF
Usage: $0 [-t SECONDS] [--sizes "N..."] [--framers "soup wstun"] [--keep]

  -t, --time SECONDS   how long the sender sends and the receiver counts (default 5;
                       \$WSTUN_BENCH_TIME)
  --sizes "N..."       message sizes in bytes (default "1400 16000 65536")
  --framers "F..."     framers to compare (default "soup wstun")
  --keep               keep every process's output (the directory is printed)

Build directory: \$WSTUN_BUILDDIR (default $root/_build/release; wsbench is
built there if it is missing).
EOF
}

seconds=${WSTUN_BENCH_TIME:-5}
sizes="1400 16000 65536"
framers="soup wstun"
keep=
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --keep) keep=1; shift ;;
    -t | --time | --sizes | --framers)
      if [ $# -lt 2 ]; then
        echo "$0: $1 needs a value" >&2
        exit 2
      fi
      case $1 in
        -t | --time) seconds=$2 ;;
        --sizes) sizes=$2 ;;
        --framers) framers=$2 ;;
      esac
      shift 2
      ;;
    *) usage >&2; exit 2 ;;
  esac
done
for v in "$seconds" $sizes; do
  if ! [[ $v =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: seconds and sizes must be positive integers, not '$v'" >&2
    exit 2
  fi
done
for f in $framers; do
  case $f in
    soup | wstun) ;;
    *) echo "$0: unknown framer '$f' (soup, wstun)" >&2; exit 2 ;;
  esac
done

build=${WSTUN_BUILDDIR:-$root/_build/release}
wsbench=$build/tests/wsbench
if [ ! -x "$wsbench" ]; then
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$root" -Dbuildtype=release >/dev/null || exit 1
  fi
  meson compile -C "$build" wsbench >/dev/null || exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/framer-ladder.XXXXXX") || exit 1
pids=()

# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  if [ -n "$keep" ]; then
    echo "outputs kept in $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The fields of /proc/PID/stat after "PID (comm) ", from the state on.
proc_stat() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  echo "${s##*) }"
}

# utime + stime of PID, in clock ticks
cpu_ticks() {
  local s f
  s=$(proc_stat "$1") || return 1
  read -ra f <<<"$s"
  echo $((f[11] + f[12]))
}

# True while PID (a child of ours) runs: a child that exited stays a
# zombie, and "kill -0" succeeds on it, until it is waited for.
running() {
  local s f
  s=$(proc_stat "$1") || return 1
  read -ra f <<<"$s"
  [ "${f[0]}" != Z ]
}

# Waits up to SECONDS for child PID to exit, then stops it; returns its status.
wait_exit() {
  local pid=$1 n=$(($2 * 10))
  while [ $n -gt 0 ] && running "$pid"; do
    sleep 0.1
    n=$((n - 1))
  done
  if running "$pid"; then
    echo "  process $pid still runs after $2 s: stopping it" >&2
    kill -TERM "$pid" 2>/dev/null
    sleep 1
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
}

# Waits up to SECONDS for a line matching REGEX in FILE.
wait_line() {
  local file=$1 regex=$2 n=$(($3 * 10))
  while [ $n -gt 0 ]; do
    grep -q "$regex" "$file" 2>/dev/null && return 0
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# The value of KEY=value on the last line of FILE that has it.
kv() {
  sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" "$2" | tail -n 1
}

now_ns() {
  date +%s%N
}

hz=$(getconf CLK_TCK)
rows=()
failed=0

show_logs() {
  local f
  for f in "$1"/*; do
    [ -s "$f" ] || continue
    echo "  --- $(basename "$f")" >&2
    sed 's/^/  /' "$f" >&2
  done
}

run_one() {
  local framer=$1 size=$2
  local d=$tmp/$framer-$size
  local relay recv send port c0 c1 t0 t1 hwm status=0
  mkdir -p "$d"

  "$wsbench" relay --port 0 --framer "$framer" >"$d/relay.out" 2>"$d/relay.err" &
  relay=$!
  pids+=("$relay")
  if ! wait_line "$d/relay.out" '^port=' 5; then
    echo "$framer $size: the relay did not start" >&2
    show_logs "$d"
    return 1
  fi
  port=$(kv port "$d/relay.out")

  "$wsbench" recv --url "ws://127.0.0.1:$port/out" --framer "$framer" --seconds "$seconds" \
    >"$d/recv.out" 2>"$d/recv.err" &
  recv=$!
  pids+=("$recv")
  if ! wait_line "$d/recv.out" '^connected' 5; then
    echo "$framer $size: the receiver did not connect" >&2
    show_logs "$d"
    return 1
  fi

  c0=$(cpu_ticks "$relay")
  t0=$(now_ns)
  "$wsbench" send --url "ws://127.0.0.1:$port/in" --framer "$framer" --size "$size" \
    --seconds "$seconds" >"$d/send.out" 2>"$d/send.err" &
  send=$!
  pids+=("$send")
  wait_exit "$send" $((seconds + 10)) || status=1
  c1=$(cpu_ticks "$relay")
  t1=$(now_ns)
  wait_exit "$recv" $((seconds + 5)) || status=1
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$relay/status")
  kill -TERM "$relay"
  wait_exit "$relay" 5 || status=1
  if [ $status -ne 0 ] || [ -z "$(kv forwarded "$d/relay.out")" ]; then
    echo "$framer $size: a process failed" >&2
    show_logs "$d"
    return 1
  fi

  rows+=("$(awk -v f="$framer" -v size="$size" \
    -v gbps="$(kv gbps "$d/recv.out")" \
    -v ticks=$((c1 - c0)) -v hz="$hz" -v ns=$((t1 - t0)) \
    -v received="$(kv received "$d/relay.out")" \
    -v forwarded="$(kv forwarded "$d/relay.out")" \
    -v dropped="$(kv dropped "$d/relay.out")" \
    -v hwm="$hwm" \
    -v sgbps="$(kv gbps "$d/send.out")" \
    -v scpu="$(kv cpu_pct "$d/send.out")" \
    -v rcpu="$(kv cpu_pct "$d/recv.out")" \
    'BEGIN {
      share = received > 0 ? 100 * dropped / received : 0
      printf "| %-6s | %9d | %18.2f | %11.0f | %9d (%4.1f%%) | %14.1f | %9d | %14.2f | %12.0f | %14.0f |",
        f, size, gbps, 100 * ticks / hz / (ns / 1e9), dropped,
        share, hwm / 1024, forwarded,
        sgbps, scpu, rcpu
    }')")
}

echo "wsbench: $wsbench"
echo "commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (work tree modified)'), $(nproc) CPUs, ${seconds} s per run"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for framer in $framers; do
  for size in $sizes; do
    echo "running $framer $size ..." >&2
    run_one "$framer" "$size" || failed=1
  done
done
echo "load average at end:   $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf "| %-6s | %9s | %18s | %11s | %17s | %14s | %9s | %14s | %12s | %14s |\n" \
  framer "msg bytes" "Gbit/s at receiver" "relay CPU %" "dropped (%)" "relay VmHWM MB" \
  forwarded "Gbit/s sent" "sender CPU %" "receiver CPU %"
echo "|--------|-----------|--------------------|-------------|-------------------|----------------|-----------|----------------|--------------|----------------|"
for row in "${rows[@]}"; do
  echo "$row"
done
cat <<EOF

Gbit/s at receiver: message payload bytes the receiver counted, between its first and its
last message (at most ${seconds} s). relay CPU %: utime + stime (/proc/PID/stat) while the
sender ran, 100 = one core. dropped: messages the relay did not forward because /out did not
take them (soup: socket not writable; wstun: send backlog full), share of the messages it
received. Sender and receiver CPU %: their own getrusage over their active time.
EOF
exit $failed
