#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Latency that does not grow with the number of clients: one relay, two
# runs of tests/loadgen/wstun-loadgen from client 1's namespace, first
# 300 clients, then 3,000, each sending one small IPv6 packet a second to
# the next client for 10 s after a 2 s warm-up. Asserts for each run: all
# connect, loss under 0.1 %; for 3,000 clients: the relay under 15 % of a
# core while measuring, latency p99 under 10 ms and within 5 ms of the
# 300-client run's, at least 1,000 connections a second during set-up.
#
# Before the reactor (src/common/wstun-reactor.c) the relay's main loop
# polled every client on every wakeup. Measured on the 2-vCPU VM (release
# build, 2026-12-01): before, 3,000 clients took 61 % of a core, p99 12.4
# ms (1.6 ms at 300), 896 connections/s; with it, 4.8 %, p99 2.1 ms (0.6
# ms at 300), 2,107 connections/s.
#
# Suite "perf": run against the release build (a sanitized relay would be
# measured, not the code). Bounded: each run ends itself after its set-up
# (20 s at most), warm-up, duration, drain (3 s) and closing; the test
# waits at most 60 s for each. Measured: about 40 s in all.
source "$(dirname "$0")/lib.sh"

LOADGEN_BIN=$WSTUN_BUILDDIR/tests/wstun-loadgen
SMALL=300
LARGE=3000
DURATION=10
WARMUP=2
MAX_LOSS_PCT=0.1
CPU_LIMIT_PCT=15
P99_LIMIT_MS=10
P99_GROWTH_MS=5
MIN_CONNECT_RATE=1000

[ -x "$LOADGEN_BIN" ] || wst_fail "$LOADGEN_BIN is not built"
wst_world 1
wst_many_sources 1
wst_relay --pool "" --pool6 fd00:99::/64 --max-clients "$((LARGE + 16))"
relay_pid=$(wst_pid relay)

run() { # NAME CLIENTS
  wst_bg "$1" "$(wst_ns 1)" "$LOADGEN_BIN" --url "$WST_RELAY_URL/" --clients "$2" \
    --sources "$WST_SOURCES" --rate 1 --warmup "$WARMUP" --duration "$DURATION" --drain 3 \
    --setup-timeout 20 --relay-pid "$relay_pid" --json-file "$WST_LOGDIR/$1.json"
  wst_exit_status "$1" 60 || wst_fail "wstun-loadgen ($2 clients) is still running after 60 s"
  grep -Ev '^wstun-loadgen: +[0-9.]+ s ' "$(wst_logfile "$1")"
  wst_no_sanitizer_reports "$1"
  [ "$WST_STATUS" = 0 ] || wst_fail "wstun-loadgen ($2 clients) exited $WST_STATUS"
  relay_empty() { [ "$(wst_metric wstun_relay_clients)" = 0 ]; }
  wst_wait 10 relay_empty || wst_fail "the relay still has clients after the tool left"
}
run small "$SMALL"
run large "$LARGE"

sanitized=0
wst_sanitized && sanitized=1
"$WST_PYTHON" - "$WST_LOGDIR/small.json" "$WST_LOGDIR/large.json" "$SMALL" "$LARGE" \
  "$MAX_LOSS_PCT" "$CPU_LIMIT_PCT" "$P99_LIMIT_MS" "$P99_GROWTH_MS" "$MIN_CONNECT_RATE" \
  "$sanitized" <<'EOF' || wst_fail "see above"
import json, sys

small, large = (json.load(open(f)) for f in sys.argv[1:3])
n_small, n_large = int(sys.argv[3]), int(sys.argv[4])
max_loss, cpu_limit, p99_limit, growth, min_rate = (float(a) for a in sys.argv[5:10])
sanitized = sys.argv[10] == "1"
failures = []

def check(ok, what):
    print(("# ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)

for r, n in ((small, n_small), (large, n_large)):
    s, p = r["setup"], r["ping"]
    print(f"# {n} clients: set-up {s['handshakes_per_s']} connections/s, relay CPU "
          f"{r['relay']['cpu_pct_measure']} % while measuring, latency p50 "
          f"{p['latency']['p50_ms']} ms, p99 {p['latency']['p99_ms']} ms, the tool's CPU "
          f"{r['loadgen']['cpu_pct_measure']} %")
    check(s["connected"] == n and not s["errors"] and not r["run_errors"],
          f"{s['connected']} of {n} clients connected, errors {s['errors']} {r['run_errors']}")
    check(p["loss_pct"] < max_loss, f"{n} clients: loss {p['loss_pct']} % < {max_loss} %")

if sanitized:
    print("# sanitized build: CPU and latency are not checked")
    sys.exit(1 if failures else 0)
lp99, sp99 = large["ping"]["latency"]["p99_ms"], small["ping"]["latency"]["p99_ms"]
cpu = large["relay"]["cpu_pct_measure"]
check(cpu < cpu_limit, f"{n_large} clients: relay CPU {cpu} % < {cpu_limit} % of a core")
check(lp99 < p99_limit, f"{n_large} clients: latency p99 {lp99} ms < {p99_limit} ms")
check(lp99 < sp99 + growth,
      f"p99 {lp99} ms with {n_large} clients within {growth} ms of {sp99} ms with {n_small}")
rate = large["setup"]["handshakes_per_s"]
check(rate >= min_rate, f"{n_large} clients connected at {rate}/s >= {min_rate}/s")
sys.exit(1 if failures else 0)
EOF
wst_pass "$SMALL and $LARGE clients: latency flat, relay CPU under $CPU_LIMIT_PCT %"
