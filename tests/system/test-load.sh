#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 500 clients at once: tests/loadgen/wstun-loadgen simulates them (no TUN
# devices) from client 1's namespace, bound round-robin to 64 source
# addresses, against a relay with an IPv6 pool (a /64: the default /24 IPv4
# pool holds only 253 clients). Each sends one 104-byte IPv6 UDP packet a
# second to the next client for 2 + 20 s. Asserts: every client connects,
# loss under 0.1 %, the relay's /metrics agree with what the tool did
# (packets received = sent, packets sent = delivered, nothing dropped,
# every connection counted, none left after the tool closed them), and the
# relay's resident memory stays under a measured bound.
#
# Suite "memory": run against a build without sanitizers (their shadow
# memory would swamp the measurement; a sanitized relay is not measured).
#
# Bounded: the tool ends itself after its set-up time (30 s at most) +
# warm-up + duration + drain (3 s) + closing (4 s), with a hard deadline
# on top; the test waits at most 75 s for it. Measured: about 27 s in all.
source "$(dirname "$0")/lib.sh"

LOADGEN_BIN=$WSTUN_BUILDDIR/tests/wstun-loadgen
CLIENTS=500
DURATION=20
WARMUP=2
MAX_LOSS_PCT=0.1
# The relay's resident memory. Measured on the 2-vCPU VM (release build,
# 2026-12-01): 7.2-7.7 MiB at start; 500 clients add 2.2 MB (4.4 kB a
# client: its session, its WstunWs, libsoup's server-side objects, the
# socket, allocator slack; connections read into one shared buffer) to a
# peak of 11 MiB. Before the shared read buffer each client held a 64 KiB
# buffer of its own and added 10-12 kB. The bounds leave room for other
# libc/GLib builds; 10 kB a client would be a regression worth a look.
RSS_PEAK_LIMIT_KB=$((16 * 1024))
RSS_PER_CLIENT_LIMIT_KB=10

# meson test sets MALLOC_PERTURB_, and glibc then writes every byte of
# every allocation: a connection's own read buffer (WstunWs, 64 KiB and
# more, held while a frame is incomplete), of which it touches a page or
# two, would become resident in full. That would be the allocator
# option's figure, not what a deployed relay needs.
unset MALLOC_PERTURB_

[ -x "$LOADGEN_BIN" ] || wst_fail "$LOADGEN_BIN is not built"
wst_world 1
wst_many_sources 1
wst_relay --pool "" --pool6 fd00:99::/64 --max-clients "$((CLIENTS + 16))"
relay_pid=$(wst_pid relay)
report=$WST_LOGDIR/load.json

wst_bg load "$(wst_ns 1)" "$LOADGEN_BIN" --url "$WST_RELAY_URL/" --clients "$CLIENTS" \
  --sources "$WST_SOURCES" --rate 1 --warmup "$WARMUP" --duration "$DURATION" --drain 3 \
  --setup-timeout 30 --relay-pid "$relay_pid" --json-file "$report"
wst_exit_status load 75 || wst_fail "wstun-loadgen is still running after 75 s"
grep -Ev '^wstun-loadgen: +[0-9.]+ s ' "$(wst_logfile load)" # the report, without progress lines
wst_no_sanitizer_reports load
[ "$WST_STATUS" = 0 ] || wst_fail "wstun-loadgen exited $WST_STATUS"
[ -s "$report" ] || wst_fail "wstun-loadgen wrote no report"

# the relay's view, once it has seen every client go
relay_empty() { [ "$(wst_metric wstun_relay_clients)" = 0 ]; }
wst_wait 10 relay_empty ||
  wst_fail "the relay still has $(wst_metric wstun_relay_clients) clients after the tool left"
metrics=$WST_LOGDIR/metrics.txt
wst_metrics >"$metrics" || wst_fail "cannot read the relay's metrics"
hwm=$(wst_vm_kb relay VmHWM) || wst_fail "cannot read the relay's VmHWM"
sanitized=0
wst_sanitized && sanitized=1

"$WST_PYTHON" - "$report" "$metrics" "$CLIENTS" "$MAX_LOSS_PCT" "$hwm" "$RSS_PEAK_LIMIT_KB" \
  "$RSS_PER_CLIENT_LIMIT_KB" "$sanitized" <<'EOF' || wst_fail "see above"
import json, sys

report_file, metrics_file = sys.argv[1], sys.argv[2]
clients, max_loss = int(sys.argv[3]), float(sys.argv[4])
hwm, peak_limit, per_client_limit, sanitized = (int(a) for a in sys.argv[5:9])
r = json.load(open(report_file))
m = {}
for line in open(metrics_file):
    parts = line.split()
    if len(parts) == 2 and not line.startswith("#"):
        m[parts[0]] = float(parts[1])
failures = []

def check(ok, what):
    print(("# ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)

s, p, t, relay = r["setup"], r["ping"], r["totals"], r["relay"]
check(s["connected"] == clients and not s["errors"],
      f"{s['connected']} of {clients} clients connected, set-up errors {s['errors']}")
check(not r["run_errors"], f"no client lost while running: {r['run_errors']}")
check(r["family"] == 6, "the packets are IPv6")
check(p["sent"] >= clients * 20 * 0.95, f"{p['sent']} packets measured (1 a second each, 20 s)")
check(p["loss_pct"] < max_loss,
      f"loss {p['loss_pct']} % < {max_loss} % ({p['lost']} of {p['sent']}), "
      f"duplicated {p['duplicated']}, latency p50 {p['latency']['p50_ms']} ms, "
      f"p99 {p['latency']['p99_ms']} ms")
check(p["duplicated"] == 0 and t["rx_corrupt"] == 0 and t["rx_misdelivered"] == 0
      and t["rx_bad_frames"] == 0 and t["rx_foreign"] == 0,
      "nothing duplicated, corrupt, misdelivered or malformed")
check(m.get("wstun_relay_connections_total") == clients,
      f"the relay accepted {m.get('wstun_relay_connections_total')} connections")
check(m.get("wstun_relay_rx_packets_total") == t["tx_packets"],
      f"relay received {m.get('wstun_relay_rx_packets_total')} packets, the tool sent {t['tx_packets']}")
check(m.get("wstun_relay_tx_packets_total") == t["rx_packets"],
      f"relay sent {m.get('wstun_relay_tx_packets_total')} packets, the tool received {t['rx_packets']}")
drops = {k: v for k, v in m.items() if k.startswith("wstun_relay_dropped_total") and v}
check(not drops, f"the relay dropped nothing: {drops}")
refusals = {k: v for k, v in m.items() if k.startswith("wstun_relay_refusals_total") and v}
check(not refusals, f"the relay refused nothing: {refusals}")
grown = relay["rss_kb_after_setup"] - relay["rss_kb_start"]
print(f"# relay RSS: {relay['rss_kb_start']} kB at start, {relay['rss_kb_after_setup']} kB with "
      f"{clients} clients ({grown / clients:.1f} kB each), peak {max(relay['rss_kb_peak'], hwm)} kB; "
      f"CPU {relay['cpu_pct_measure']} % while measuring, {relay['cpu_pct_setup']} % in set-up; "
      f"the tool's CPU {r['loadgen']['cpu_pct_measure']} %")
if sanitized:
    print("# sanitized build: the relay's memory is not checked")
else:
    check(max(relay["rss_kb_peak"], hwm) <= peak_limit,
          f"relay peak RSS {max(relay['rss_kb_peak'], hwm)} kB <= {peak_limit} kB")
    check(grown <= clients * per_client_limit,
          f"relay grew {grown} kB for {clients} clients <= {per_client_limit} kB each")
sys.exit(1 if failures else 0)
EOF
wst_pass "$CLIENTS clients: every one connected, loss under $MAX_LOSS_PCT %, the relay's metrics agree"
