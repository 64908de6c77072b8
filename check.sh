#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what wstun needs, builds it twice (plain, and with AddressSanitizer
# and UBSan) and runs every test. Ends with one line: N passed, N failed.
#
# The unit and system tests run against the sanitized build; the tests that
# measure memory (suite "memory") run against the plain build, since the
# sanitizers' shadow memory and quarantine would swamp what they measure.
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

build _build/asan -Dsanitizers=true -Db_lundef=false || fail_build
build _build/release -Dbuildtype=release || fail_build

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
run_tests _build/asan --no-suite memory
run_tests _build/release --suite memory

python3 tests/summarize.py --extra-failures "$broken" "${logs[@]}"
