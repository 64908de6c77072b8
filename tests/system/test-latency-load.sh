#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Latency under load: client 2 sits behind a 20 Mbit/s link (a token bucket
# on the relay's port towards it) and downloads from client 1 through the
# tunnel, while a request/response exchange (two 100-byte writes, a
# 100-byte reply, every 10 ms) runs beside it through the same tunnel. The
# exchange's p50 must stay under 200 ms and its p99 under 470 ms, and the
# download must keep most of the link.
#
# The download uses cubic, Linux's default congestion control, which fills
# whatever queue it finds (the tunnel's own connections use the machine's
# default). Before the relay bounded its backlogs in time (CoDel) and the
# tunnel's TCP connections kept their unsent data short
# (TCP_NOTSENT_LOWAT), every exchange waited behind the download's queue:
# p50 506-611 ms, p99 574-726 ms here; now p50 71-99 ms, p99 316-371 ms.
# (Each of the tunnel's 64 KB packets alone takes 26 ms on this link, and
# an exchange still waits behind a few of them.) The plain underlay's
# figures are logged for comparison. Suite "perf": it measures speed, so
# it runs against the build without sanitizers.
source "$(dirname "$0")/lib.sh"

wst_require_python
command -v iperf3 >/dev/null || wst_fail "iperf3 is not installed"
command -v tc >/dev/null || wst_fail "tc (iproute2) is not installed"
max_p50=${WST_RR_MAX_P50_MS:-200}
max_p99=${WST_RR_MAX_P99_MS:-470}
min_bulk=${WST_MIN_BULK_MBIT:-15}

wst_world 2
tc -n "$(wst_ns relay)" qdisc add dev p2 root tbf rate 20mbit burst 64kb latency 20ms ||
  wst_fail "cannot shape the link to client 2"
wst_relay --pool 10.99.0.0/24
wst_client 1
wst_client 2
a2=$(wst_addr4 2)
[ -n "$a2" ] || wst_fail "client 2 got no address"

# under_load PATH DST: prints "P50 P99 BULK-MBIT"
under_load() {
  local path=$1 dst=$2 rr bulk start
  wst_bg "rr-$path" "$(wst_ns 2)" "$WST_PYTHON" "$WST_TOOLS/rr.py" serve --bind "$dst" \
    --port 7000 --seconds 60
  wst_wait 10 wst_listening "$(wst_ns 2)" 7000 || wst_fail "$path: rr server did not listen"
  wst_bg "bulk-server-$path" "$(wst_ns 2)" iperf3 -s -1 -B "$dst"
  wst_wait 10 wst_listening "$(wst_ns 2)" 5201 || wst_fail "$path: iperf3 did not listen"
  start=$(wst_port_tx_bytes 2)
  wst_bg "bulk-$path" "$(wst_ns 1)" iperf3 -c "$dst" -t 10 -C cubic -J
  # the exchange starts once the download has had a second of the link
  wst_wait 10 wst_port_sent_since 2 "$start" 2500000 || wst_fail "$path: the download did not start"
  rr=$(wst_in 1 timeout 30 "$WST_PYTHON" "$WST_TOOLS/rr.py" ask --to "$dst" --port 7000 \
    --count 100000 --seconds 7 --interval 10 --series "$WST_LOGDIR/rr-$path.txt") ||
    wst_fail "$path: the request/response exchange failed"
  wst_exit_status "bulk-$path" 30 && [ "$WST_STATUS" = 0 ] || wst_fail "$path: iperf3 failed"
  wst_exit_status "bulk-server-$path" 10
  wst_stop "rr-$path"
  bulk=$(python3 -c '
import json, sys
print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' \
    "$(wst_logfile "bulk-$path")")
  echo "$(wst_json p50_ms <<<"$rr") $(wst_json p99_ms <<<"$rr") $bulk"
}

read -r p50 p99 bulk < <(under_load tunnel "$a2")
wst_log "tunnel: request/response p50 $p50 ms, p99 $p99 ms beside a download of $bulk Mbit/s"
read -r up50 up99 ubulk < <(under_load underlay 198.18.0.3)
wst_log "underlay: request/response p50 $up50 ms, p99 $up99 ms beside a download of $ubulk Mbit/s"
wst_log "relay: $(wst_drops queue_delay || echo "no count of") packets dropped for queue delay"

[ -n "$p99" ] && [ -n "$bulk" ] || wst_fail "no figures"
python3 -c "import sys; sys.exit(not $p50 < $max_p50)" ||
  wst_fail "request/response p50 $p50 ms beside a download (at most $max_p50 ms;" \
    "underlay p50 $up50 ms)"
python3 -c "import sys; sys.exit(not $p99 < $max_p99)" ||
  wst_fail "request/response p99 $p99 ms beside a download (at most $max_p99 ms; p50 $p50 ms;" \
    "underlay p99 $up99 ms)"
python3 -c "import sys; sys.exit(not $bulk >= $min_bulk)" ||
  wst_fail "the download got only $bulk Mbit/s of the 20 Mbit/s link (at least $min_bulk)"
wst_pass "request/response p50 $p50 ms, p99 $p99 ms beside a $bulk Mbit/s download" \
  "(underlay $up50 / $up99 ms)"
