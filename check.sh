#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what wstun needs, builds it twice (plain, and with AddressSanitizer
# and UBSan) and runs every test, then fuzzes for a minute with a third
# build (clang, libFuzzer). Ends with one line: N passed, N failed.
#
# The unit and system tests run against the sanitized build; the tests that
# measure memory (suite "memory") or speed (suite "perf") run against the
# plain build, since the sanitizers' shadow memory, quarantine and checks
# would swamp what they measure.
set -u
cd "$(dirname "$0")"
. .ci/deps.sh
wstun_install_deps || { echo "0 passed, 1 failed"; exit 1; }

build() { # build DIR OPTIONS...
  local dir=$1
  shift
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || return 1
  else
    meson setup "$dir" "$@" || return 1
  fi
  meson compile -C "$dir"
}

fail_build() {
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
}

build _build/asan -Dsanitizers=true -Db_lundef=false -Dwerror=true || fail_build
build _build/release -Dbuildtype=release -Dwerror=true || fail_build

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

logs=()
broken=0
run_tests() { # run_tests BUILDDIR MESON-TEST-OPTIONS...
  local dir=$1 log=$1/meson-logs/testlog.json rc
  shift
  rm -f "$log"
  meson test -C "$dir" --print-errorlogs --num-processes 1 "$@"
  rc=$?
  if [ -f "$log" ]; then
    logs+=("$log")
  elif [ "$rc" -ne 0 ]; then
    broken=$((broken + 1)) # meson itself failed before running anything
  fi
}
run_tests _build/asan --no-suite memory --no-suite perf
run_tests _build/release --suite memory --suite perf

# libFuzzer (tests/fuzz): each harness for 30 s, two at a time, when clang
# can link a harness. Builds _build/fuzz with clang, ASan and UBSan.
fuzz_available() {
  local dir rc
  command -v clang >/dev/null || return 1
  dir=$(mktemp -d) || return 1
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
    >"$dir/h.c"
  clang -fsanitize=fuzzer,address,undefined -o "$dir/h" "$dir/h.c" >/dev/null 2>&1
  rc=$?
  rm -rf "$dir"
  return $rc
}
if fuzz_available; then
  # the whole tree must build with clang too; if it does not, that counts
  # as a failure, and the harnesses still run when they alone build
  if ! CC=clang build _build/fuzz -Dfuzzing=true -Dtests=true -Dwerror=true; then
    echo "clang build failed: fuzzing with the harnesses alone"
    broken=$((broken + 1))
    harnesses=$(cd tests/fuzz && ls fuzz-*.c | grep -v '^fuzz-driver\.c$' | sed 's/\.c$//')
    meson compile -C _build/fuzz $harnesses
  fi
  run_tests _build/fuzz --suite fuzz --num-processes 2 --no-rebuild
else
  echo "clang or its libFuzzer runtime is missing: fuzzing skipped"
fi

python3 tests/summarize.py --extra-failures "$broken" "${logs[@]}"
