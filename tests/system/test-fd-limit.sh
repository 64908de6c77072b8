#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A relay whose file descriptor limit is too small for --max-clients (256
# here, hard and soft, with the default --max-clients 1024) says so and
# takes only as many clients as fit; 300 simulated clients get that many
# in and the rest HTTP 503, and once they are gone a client still gets in.
# Before, the relay ran out of descriptors, libsoup's listener gave up on
# EMFILE, and nobody got in again, not even after every client had left.
source "$(dirname "$0")/lib.sh"

LOADGEN_BIN=$WSTUN_BUILDDIR/tests/wstun-loadgen
[ -x "$LOADGEN_BIN" ] || wst_fail "$LOADGEN_BIN is not built"
wst_require_python
wst_world 2
wst_many_sources 1
r=$(wst_ns relay)
port=${WST_RELAY_URL##*:}
wst_bg relay "$r" prlimit --nofile=256:256 "$RELAY_BIN" --listen "$WST_RELAY_URL" \
  --metrics "$WST_METRICS" --state-dir "$(wst_state_dir relay)" --pool 10.99.0.0/24 --pool6 fd00:99::/64 \
  --max-pending 64
wst_wait 10 wst_listening "$r" "$port" || wst_fail "relay did not start"
# 256 - (64 pending + 16 more for 503s + 64 others) = 112
wst_log_has relay 'descriptor limit \(256\) is too low .* taking at most 112 clients' ||
  wst_fail "the relay did not say it takes fewer clients: $(grep -i descriptor "$(wst_logfile relay)")"

report=$WST_LOGDIR/load.json
wst_bg load "$(wst_ns 1)" "$LOADGEN_BIN" --url "$WST_RELAY_URL/" --clients 300 --sources "$WST_SOURCES" \
  --rate 1 --warmup 1 --duration 2 --drain 1 --setup-timeout 20 --max-pending 48 --json-file "$report"
wst_exit_status load 60 || wst_fail "wstun-loadgen is still running after 60 s"
wst_no_sanitizer_reports load
[ -s "$report" ] || wst_fail "wstun-loadgen wrote no report: $(tail -n 5 "$(wst_logfile load)")"
read -r connected failed busy < <("$WST_PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))["setup"]
print(s["connected"], s["failed"], s["errors"].get("http-503", 0))' "$report")
wst_log "300 clients: $connected connected, $failed failed ($busy with HTTP 503)"
[ "$connected" = 112 ] || wst_fail "$connected clients connected, not the 112 that fit"
[ "$busy" -ge 1 ] || wst_fail "no client was told the relay is busy (HTTP 503)"
gone() { [ "$(wst_metric wstun_relay_clients)" = 0 ]; }
wst_wait 10 gone || wst_fail "the relay still has $(wst_metric wstun_relay_clients) clients"
# the listener still accepts (wst_client fails when the client does not
# come up)
wst_client 2
wst_no_sanitizer_reports relay
wst_pass "a too-low descriptor limit: 112 clients of 1024 taken, the rest told 503, the listener alive"
