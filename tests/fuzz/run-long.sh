#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every libFuzzer harness for SECONDS, two at a time, under nice -n 19,
# then prints a summary table.
#
# Usage: tests/fuzz/run-long.sh SECONDS [NAME...]   (default: every tests/fuzz/fuzz-NAME.c)
#
# Needs a build directory set up for fuzzing:
#   CC=clang meson setup _build/fuzz -Dfuzzing=true && meson compile -C _build/fuzz
# Environment: FUZZ_BUILDDIR (default _build/fuzz), FUZZ_OUT (default
# /tmp/fuzz-long), FUZZ_JOBS (harnesses at a time, default 2).
#
# For each harness NAME, in FUZZ_OUT:
#   NAME.log         libFuzzer's output, then the final stats (execs, exec/s,
#                    cov and ft of the last status line, corpus size)
#   corpus/NAME/     the working corpus: starts as a copy of the committed
#                    one and is kept for the next run (the committed corpus
#                    and the regression inputs are only read)
#   artifacts/NAME/  what it found (crash-*, timeout-*, leak-*, oom-*): put
#                    each, with a descriptive name, in tests/fuzz/regressions/NAME/
#   summary.txt      the table printed at the end
set -u

usage() {
  echo "Usage: $0 SECONDS [NAME...]" >&2
  exit 2
}
[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]] || usage
seconds=$1
shift
src=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$src/../.." && pwd)
build=${FUZZ_BUILDDIR:-$root/_build/fuzz}
out=${FUZZ_OUT:-/tmp/fuzz-long}
jobs=${FUZZ_JOBS:-2}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then # every harness: tests/fuzz/fuzz-NAME.c
  for f in "$src"/fuzz-*.c; do
    f=${f##*/fuzz-}
    [ "$f" = driver.c ] || names+=("${f%.c}")
  done
fi

for name in "${names[@]}"; do
  if [ ! -x "$build/tests/fuzz/fuzz-$name" ]; then
    echo "$build/tests/fuzz/fuzz-$name is missing: set up $build with CC=clang -Dfuzzing=true and build it" >&2
    exit 1
  fi
done
mkdir -p "$out"
# as in meson.build: no GSlice caches hiding a use after free from ASan
export G_SLICE=always-malloc

# run_one NAME: one harness for $seconds; its stats end its log
run_one() {
  local name=$1 log=$out/$1.log work=$out/corpus/$1 art=$out/artifacts/$1 rc
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$art/")
  mkdir -p "$work" "$art"
  cp -rn "$src/corpus/$name/." "$work/"
  [ -f "$src/$name.dict" ] && args+=(-dict="$src/$name.dict")
  [ "$name" = ws ] && args+=(-max_len=8192) # as fuzz_options in meson.build
  {
    echo "# $(date -Is) fuzz-$name for $seconds s: ${args[*]}"
    nice -n 19 "$build/tests/fuzz/fuzz-$name" "${args[@]}" "$work" "$src/corpus/$name" \
      "$src/regressions/$name" 2>&1
    rc=$?
    echo "# $(date -Is) exit status $rc"
  } >"$log"
  stats "$name" >>"$log"
}

# stats NAME: the final numbers of NAME's log, as "key: value" lines
stats() {
  local name=$1 log=$out/$1.log status
  status=$(sed -n 's/^# .* exit status \([0-9]*\)$/\1/p' "$log" | tail -n 1)
  echo "summary: harness=$name"
  echo "summary: exit=${status:-?}"
  echo "summary: execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  echo "summary: exec_per_sec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  echo "summary: cov=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')"
  echo "summary: ft=$(grep -E '^#[0-9]+.* ft: ' "$log" | tail -n 1 | sed -n 's/.* ft: \([0-9]*\).*/\1/p')"
  echo "summary: corp=$(grep -E '^#[0-9]+.* corp: ' "$log" | tail -n 1 | sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p')"
  echo "summary: corpus_files=$(find "$out/corpus/$name" -type f | wc -l)"
  echo "summary: findings=$(find "$out/artifacts/$name" -type f | wc -l)"
}

echo "fuzzing ${names[*]} for $seconds s each, $jobs at a time; logs in $out"
for name in "${names[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n
  done
  echo "$(date +%T) start fuzz-$name"
  run_one "$name" &
done
wait

{
  printf '%-8s %5s %12s %8s %6s %7s %12s %8s %8s\n' harness exit execs exec/s cov ft corp files findings
  for name in "${names[@]}"; do
    declare -A s=()
    while IFS='=' read -r k v; do
      s[${k#summary: }]=$v
    done < <(grep '^summary: ' "$out/$name.log")
    printf '%-8s %5s %12s %8s %6s %7s %12s %8s %8s\n' "$name" "${s[exit]:-?}" "${s[execs]:-?}" \
      "${s[exec_per_sec]:-?}" "${s[cov]:-?}" "${s[ft]:-?}" "${s[corp]:-?}" \
      "${s[corpus_files]:-?}" "${s[findings]:-?}"
    unset s
  done
} | tee "$out/summary.txt"
# fails when any harness found something or did not end normally
for name in "${names[@]}"; do
  grep -q '^summary: exit=0$' "$out/$name.log" && grep -q '^summary: findings=0$' "$out/$name.log" ||
    exit 1
done
