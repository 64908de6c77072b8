#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Request/response latency beside a bulk TCP transfer, through the tunnel
# and over the underlay in the same run. Run by hand as root (not part of
# check.sh; tests/system/test-latency-load.sh is the pass/fail version).
#
#   SHAPE=20mbit   client 2 behind a token bucket of that rate (tc tbf on the
#                  relay's port towards it, 20 ms of buffer); default: none
#   CC=cubic       the bulk transfer's congestion control (iperf3 -C);
#                  default: the machine's
#   T=9            seconds of bulk transfer; the exchange runs for T-3 s
#                  after the transfer has had a second of the link
#   PATHS="tunnel underlay"   RELAY_ARGS="--mtu 1400 ..."
#
# Prints, per path: p50/p90/p99/max of the exchange (two 100-byte writes,
# a 100-byte reply, every 10 ms; tests/tools/rr.py) and the transfer's
# rate. Each exchange's time is kept in rr-PATH.txt among the logs, which
# are copied to $KEEP_LOGS (default /tmp/wstun-latency-load). Release build in $WSTUN_BUILDDIR (default
# _build/release); namespace prefix wlat.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$here/../../_build/release}
export WST_ID=wlat
# shellcheck source=../system/lib.sh
source "$here/../system/lib.sh"
wst_require_python
command -v iperf3 >/dev/null || wst_fail "iperf3 is not installed"
duration=${T:-9}

wst_world 2
if [ -n "${SHAPE:-}" ]; then
  tc -n "$(wst_ns relay)" qdisc add dev p2 root tbf rate "$SHAPE" burst 64kb latency 20ms ||
    wst_fail "cannot shape the link to client 2"
fi
# shellcheck disable=SC2086 # words
wst_relay --pool 10.99.0.0/24 ${RELAY_ARGS:-}
wst_client 1
wst_client 2
# the logs and the series outlive the run
WST_KEEP_LOGS=${KEEP_LOGS:-${TMPDIR:-/tmp}/wstun-latency-load}
echo "# logs will be in $WST_KEEP_LOGS"

for path in ${PATHS:-tunnel underlay}; do
  dst=$(wst_addr4 2)
  [ "$path" = underlay ] && dst=198.18.0.3
  wst_bg "rr-$path" "$(wst_ns 2)" "$WST_PYTHON" "$WST_TOOLS/rr.py" serve --bind "$dst" \
    --port 7000 --seconds $((duration + 30))
  wst_wait 10 wst_listening "$(wst_ns 2)" 7000 || wst_fail "$path: rr server did not listen"
  wst_bg "bulk-server-$path" "$(wst_ns 2)" iperf3 -s -1 -B "$dst"
  wst_wait 10 wst_listening "$(wst_ns 2)" 5201 || wst_fail "$path: iperf3 did not listen"
  start=$(wst_port_tx_bytes 2)
  # shellcheck disable=SC2086 # an optional option
  wst_bg "bulk-$path" "$(wst_ns 1)" iperf3 -c "$dst" -t "$duration" ${CC:+-C "$CC"} -J
  wst_wait 10 wst_port_sent_since 2 "$start" "${SECOND_BYTES:-2500000}" ||
    wst_fail "$path: the transfer did not start"
  rr=$(wst_in 1 timeout $((duration + 30)) "$WST_PYTHON" "$WST_TOOLS/rr.py" ask --to "$dst" \
    --port 7000 --count 1000000 --seconds $((duration - 3)) --interval 10 \
    --series "$WST_LOGDIR/rr-$path.txt") || wst_fail "$path: the exchange failed"
  wst_exit_status "bulk-$path" 30
  wst_exit_status "bulk-server-$path" 10
  wst_stop "rr-$path"
  bulk=$(python3 -c '
import json, sys
print("%.0f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' \
    "$(wst_logfile "bulk-$path")")
  echo "$path: $(python3 -c '
import json, sys
j = json.loads(sys.argv[1])
print("request/response p50 %.2f p90 %.2f p99 %.2f max %.1f ms (%d exchanges)" % (
    j["p50_ms"], j["p90_ms"], j["p99_ms"], j["max_ms"], j["count"]))' "$rr"), beside $bulk Mbit/s"
done
echo "relay: queue_delay drops $(wst_drops queue_delay || echo -), backlog_full $(wst_drops backlog_full || echo -)"
