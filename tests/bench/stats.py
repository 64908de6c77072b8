#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Figures for tests/bench/bench.sh.

  stats.py iperf tcp|udp PREFIX FILE   iperf3 -J output -> PREFIX_key=value lines
  stats.py ping PREFIX FILE            plain `ping` output -> PREFIX_key=value lines
  stats.py rr PREFIX < JSON            tests/tools/rr.py's line -> PREFIX_key=value lines
  stats.py report RAW [OUT]            raw key=value lines -> table on stdout,
                                       raw + derived key=value lines in OUT

bench.sh does the measuring and records only raw numbers (bytes, clock ticks,
kB); every division happens here, since bash has no floating point.
"""
import json
import math
import re
import statistics
import sys


def emit(prefix, **values):
    for key, value in values.items():
        if isinstance(value, float):
            value = f"{value:.6g}"
        print(f"{prefix}_{key}={value}")


def iperf(kind, prefix, path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        emit(prefix, error=f"no iperf3 JSON ({e})")
        return 1
    if data.get("error"):
        emit(prefix, error=" ".join(str(data["error"]).split()))
        return 1
    end = data["end"]
    sent, received = end["sum_sent"], end["sum_received"]
    if kind == "tcp":
        # The receiver's figure is what was delivered; the sender's also
        # counts what was still queued or in flight when the test ended.
        emit(prefix,
             mbps=received["bits_per_second"] / 1e6,
             sender_mbps=sent["bits_per_second"] / 1e6,
             retransmits=sent.get("retransmits", 0),
             seconds=sent["seconds"])
        return 0
    # UDP: iperf3's own loss figure comes from gaps in the sequence numbers
    # the server saw, so datagrams dropped after the last one that arrived
    # are not counted. Loss is therefore taken as sent vs. received.
    n_sent = sent["packets"]
    n_received = received["packets"] - received["lost_packets"]
    seconds = received["seconds"] or sent["seconds"]
    emit(prefix,
         sent_packets=n_sent,
         received_packets=n_received,
         sent_pps=n_sent / sent["seconds"] if sent["seconds"] else 0.0,
         pps=n_received / seconds if seconds else 0.0,
         mbps=received["bits_per_second"] / 1e6,
         loss_pct=100.0 * (n_sent - n_received) / n_sent if n_sent else 0.0,
         iperf_lost_pct=float(received["lost_percent"]),
         jitter_ms=float(received["jitter_ms"]),
         seconds=seconds)
    return 0


def percentile(sorted_values, p):
    """Nearest-rank percentile: the smallest sample with at least p% of the
    samples at or below it (p99 of 200 samples is the 198th)."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def ping(prefix, path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    rtts = sorted(float(m) for m in re.findall(r" time=([0-9.]+) ms", text))
    m = re.search(r"(\d+) packets transmitted", text)
    n_sent = int(m.group(1)) if m else len(rtts)
    if not rtts:
        emit(prefix, sent=n_sent, received=0, error="no replies")
        return 1
    emit(prefix,
         sent=n_sent,
         received=len(rtts),
         min_ms=rtts[0],
         median_ms=statistics.median(rtts),
         mean_ms=statistics.fmean(rtts),
         p99_ms=percentile(rtts, 99),
         max_ms=rtts[-1])
    return 0


def rr(prefix):
    try:
        data = json.loads(sys.stdin.read())
    except ValueError as e:
        emit(prefix, error=f"no rr.py JSON ({e})")
        return 1
    emit(prefix, **{k: data[k] for k in ("count", "p50_ms", "p90_ms", "p99_ms", "max_ms")})
    return 0


UDP_LADDER = (("udp100m", "100 Mbit/s"), ("udp500m", "500 Mbit/s"), ("udp1g", "1 Gbit/s"),
              ("udp2g", "2 Gbit/s"), ("udpmax", "unlimited"))


def load(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                values[key] = value
    return values


def num(values, key):
    try:
        return float(values[key])
    except (KeyError, ValueError):
        return None


def derive(v):
    """Adds the per-GB and per-packet costs and the memory figures in MiB."""
    d = {}
    tck = num(v, "clk_tck") or 100.0
    gb = (num(v, "relay_tcp_tx_bytes") or 0.0) / 1e9
    # the time the counted tests ran, for CPU as a share of one core
    seconds = sum(num(v, f"tunnel_{t}_seconds") or 0.0 for t in ("tcp1", "tcp4")
                  if v.get(f"tunnel_{t}_counted") == "1")
    if seconds:
        d["tcp_counted_seconds"] = seconds
    if gb > 0:
        d["tcp_forwarded_gb"] = gb
    for proc in ("relay", "client1", "client2"):
        ticks = num(v, f"{proc}_tcp_cpu_ticks")
        if ticks is not None:
            d[f"{proc}_tcp_cpu_s"] = ticks / tck
            if gb > 0:
                d[f"{proc}_cpu_s_per_gb"] = ticks / tck / gb
            if seconds:
                d[f"{proc}_tcp_cpu_pct"] = 100.0 * ticks / tck / seconds
        ticks = num(v, f"{proc}_udp_cpu_ticks")
        pkts = num(v, "relay_udp_tx_packets")
        if ticks is not None and pkts:
            d[f"{proc}_cpu_us_per_packet"] = 1e6 * ticks / tck / pkts
    for what in ("before", "after", "peak"):
        kb = num(v, f"relay_rss_{what}_kb")
        if kb is not None:
            d[f"relay_rss_{what}_mib"] = kb / 1024.0
    for test, key in (("tcp1", "mbps"), ("tcp4", "mbps"), ("udp", "pps"), ("udp", "sent_pps")):
        t, e = num(v, f"tunnel_{test}_{key}"), num(v, f"veth_{test}_{key}")
        if t is not None and e:
            d[f"ratio_{test}_{key}"] = t / e
    for test, _ in UDP_LADDER:
        t, e = num(v, f"tunnel_{test}_loss_pct"), num(v, f"veth_{test}_loss_pct")
        if t is not None and e is not None:
            d[f"added_{test}_loss_pct"] = t - e
        t, e = num(v, f"tunnel_{test}_pps"), num(v, f"veth_{test}_pps")
        if t is not None and e:
            d[f"ratio_{test}_pps"] = t / e
    for test in ("rridle", "rrload"):
        for stat in ("p50_ms", "p99_ms"):
            t, e = num(v, f"tunnel_{test}_{stat}"), num(v, f"veth_{test}_{stat}")
            if t is not None and e:
                d[f"ratio_{test}_{stat}"] = t / e
    t, e = num(v, "tunnel_rrbulk_mbps"), num(v, "veth_rrbulk_mbps")
    if t is not None and e:
        d["ratio_rrbulk_mbps"] = t / e
    for stat in ("median_ms", "p99_ms"):
        t, e = num(v, f"tunnel_ping_{stat}"), num(v, f"veth_ping_{stat}")
        if t is not None and e is not None:
            d[f"added_ping_{stat}"] = t - e
    t, e = num(v, "tunnel_udp_loss_pct"), num(v, "veth_udp_loss_pct")
    if t is not None and e is not None:
        d["added_udp_loss_pct"] = t - e
    return {k: (f"{x:.6g}" if isinstance(x, float) else str(x)) for k, x in d.items()}


def fmt(x, digits=3):
    """Three significant digits, but never scientific notation for big rates."""
    if x is None:
        return "-"
    if abs(x) >= 10 ** digits:
        return f"{x:.0f}"
    return f"{x:.{digits}g}" if x else "0"


def report(raw, out):
    v = load(raw)
    v.update(derive(v))
    if out:
        with open(out, "w", encoding="utf-8") as f:
            for key, value in v.items():
                f.write(f"{key}={value}\n")
    g = v.get
    n = lambda key: num(v, key)  # noqa: E731

    print("wstun data-plane benchmark")
    print(f"  date      {g('date', '?')}")
    print(f"  kernel    {g('kernel', '?')}")
    print(f"  cpu       {g('cpu_model', '?')}, {g('cpu_cores', '?')} cores")
    dirty = " + uncommitted changes" if g("uncommitted_changes") == "yes" else ""
    print(f"  wstun     {g('commit', '?')}{dirty} ({g('builddir', '?')})")
    print(f"  mtu       relay --mtu {g('relay_mtu', '?')}; wstun0 MTU {g('tunnel_mtu', '?')}, "
          f"underlay veth MTU {g('veth_mtu', '?')}")
    print(f"  relay     {g('relay_url', '')} {g('relay_args', '')}")
    print(f"  paths     tunnel {g('tunnel_src', '?')} -> {g('tunnel_dst', '?')} through the relay; "
          f"veth {g('veth_src', '?')} -> {g('veth_dst', '?')}")
    print(f"  tests     iperf3 {g('duration', '?')} s each, {g('pings', '?')} pings at 0.01 s; "
          f"load average {g('loadavg_start', '?')} (start), {g('loadavg_end', '?')} (end)")
    print()

    rows = []

    def cell(path, key):
        if f"{path}_{key.split('_')[0]}_error" in v:
            return "error"
        return fmt(n(f"{path}_{key}"))

    def ratio(key):
        r = n(key)
        return "-" if r is None else f"{r:.3g}x"

    def added(key, unit):
        a = n(key)
        return "-" if a is None else f"{a:+.3g} {unit}"

    rows.append(("TCP 1 stream (Mbit/s)", cell("tunnel", "tcp1_mbps"), cell("veth", "tcp1_mbps"),
                 ratio("ratio_tcp1_mbps")))
    rows.append(("  retransmits", cell("tunnel", "tcp1_retransmits"),
                 cell("veth", "tcp1_retransmits"), ""))
    rows.append(("TCP 4 streams (Mbit/s)", cell("tunnel", "tcp4_mbps"), cell("veth", "tcp4_mbps"),
                 ratio("ratio_tcp4_mbps")))
    rows.append(("  retransmits", cell("tunnel", "tcp4_retransmits"),
                 cell("veth", "tcp4_retransmits"), ""))
    rows.append(("UDP 1400 B received (pkt/s)", cell("tunnel", "udp_pps"), cell("veth", "udp_pps"),
                 ratio("ratio_udp_pps")))
    rows.append(("  offered (pkt/s)", cell("tunnel", "udp_sent_pps"), cell("veth", "udp_sent_pps"),
                 ratio("ratio_udp_sent_pps")))
    rows.append(("  loss (%)", cell("tunnel", "udp_loss_pct"), cell("veth", "udp_loss_pct"),
                 added("added_udp_loss_pct", "pp")))
    rows.append(("  receiver socket buffer drops", cell("tunnel", "udp_rcvbuf_errors"),
                 cell("veth", "udp_rcvbuf_errors"), ""))
    rows.append(("UDP 1400 B, default buffers:", "", "", ""))
    for test, label in UDP_LADDER:
        rows.append((f"  {label}: loss (%)", cell("tunnel", f"{test}_loss_pct"),
                     cell("veth", f"{test}_loss_pct"), added(f"added_{test}_loss_pct", "pp")))
        rows.append(("    received (pkt/s)", cell("tunnel", f"{test}_pps"),
                     cell("veth", f"{test}_pps"), ratio(f"ratio_{test}_pps")))
        rows.append(("    socket buffer drops", cell("tunnel", f"{test}_rcvbuf_errors"),
                     cell("veth", f"{test}_rcvbuf_errors"), ""))
    rows.append(("request/response, idle p50 (ms)", cell("tunnel", "rridle_p50_ms"),
                 cell("veth", "rridle_p50_ms"), ratio("ratio_rridle_p50_ms")))
    rows.append(("  p99 (ms)", cell("tunnel", "rridle_p99_ms"), cell("veth", "rridle_p99_ms"),
                 ratio("ratio_rridle_p99_ms")))
    rows.append(("  beside TCP bulk, p50 (ms)", cell("tunnel", "rrload_p50_ms"),
                 cell("veth", "rrload_p50_ms"), ratio("ratio_rrload_p50_ms")))
    rows.append(("  beside TCP bulk, p99 (ms)", cell("tunnel", "rrload_p99_ms"),
                 cell("veth", "rrload_p99_ms"), ratio("ratio_rrload_p99_ms")))
    rows.append(("  the bulk transfer (Mbit/s)", cell("tunnel", "rrbulk_mbps"),
                 cell("veth", "rrbulk_mbps"), ratio("ratio_rrbulk_mbps")))
    rows.append(("ping median (ms)", cell("tunnel", "ping_median_ms"),
                 cell("veth", "ping_median_ms"), added("added_ping_median_ms", "ms")))
    rows.append(("ping p99 (ms)", cell("tunnel", "ping_p99_ms"), cell("veth", "ping_p99_ms"),
                 added("added_ping_p99_ms", "ms")))
    for path in ("tunnel", "veth"):
        if path + "_ping_received" not in v:
            v[path + "_ping_lost"] = "-"
        else:
            v[path + "_ping_lost"] = str(int(n(path + "_ping_sent") - n(path + "_ping_received")))
    rows.append(("  lost", v["tunnel_ping_lost"], v["veth_ping_lost"], ""))

    head = ("metric", "tunnel", "veth", "tunnel vs veth")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    line = lambda r: (f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  "  # noqa: E731
                      f"{r[3]:>{widths[3]}}").rstrip()
    print(line(head))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))
    print()

    print(f"relay (pid {g('relay_pid', '?')})")
    if n("relay_cpu_s_per_gb") is not None:
        print(f"  CPU per GB forwarded, TCP tests  {fmt(n('relay_cpu_s_per_gb'))} s/GB "
              f"({fmt(n('relay_tcp_cpu_s'))} s CPU for {fmt(n('tcp_forwarded_gb'))} GB, "
              f"{fmt(n('relay_tcp_cpu_pct'))}% of one core)")
    else:
        print("  CPU per GB forwarded, TCP tests  - (nothing forwarded)")
    if n("relay_cpu_us_per_packet") is not None:
        print(f"  CPU per packet, UDP test         {fmt(n('relay_cpu_us_per_packet'))} us "
              f"({g('relay_udp_tx_packets')} packets forwarded)")
    print(f"  RSS before / after / peak        {fmt(n('relay_rss_before_mib'))} / "
          f"{fmt(n('relay_rss_after_mib'))} / {fmt(n('relay_rss_peak_mib'))} MiB")
    drops = sorted((k[len("relay_dropped_"):], g(k)) for k in v
                   if k.startswith("relay_dropped_") and g(k) not in ("0", None))
    print("  dropped in the whole run         " +
          (", ".join(f"{r} {c}" for r, c in drops) if drops else "none"))
    print("clients")
    for i in (1, 2):
        print(f"  client {i} CPU per GB, TCP tests  {fmt(n(f'client{i}_cpu_s_per_gb'))} s/GB "
              f"({fmt(n(f'client{i}_tcp_cpu_pct'))}% of one core); "
              f"per packet, UDP {fmt(n(f'client{i}_cpu_us_per_packet'))} us")
    print("drops in the tunnel tests")
    for kind in ("tcp", "udp"):
        print(f"  {kind.upper()} tests                        "
              f"relay backlog_full {g(f'relay_{kind}_dropped_backlog_full', '-')}, "
              f"queue_delay {g(f'relay_{kind}_dropped_queue_delay', '-')}; "
              f"wstun0 client 1 tx {g(f'client1_wstun0_{kind}_tx_dropped', '-')}, "
              f"client 2 rx {g(f'client2_wstun0_{kind}_rx_dropped', '-')}")
    counted = [t for t in ("tcp1", "tcp4", "udp") if v.get(f"tunnel_{t}_counted") == "1"]
    if len(counted) < 3:
        print(f"  (costs and drops count the tunnel tests that succeeded: "
              f"{', '.join(counted) or 'none'})")
    errors = [f"{k[:-len('_error')]}: {val}" for k, val in v.items() if k.endswith("_error")]
    for e in errors:
        print(f"ERROR {e}")
    return 1 if errors else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "iperf" and argv[2] in ("tcp", "udp"):
        return iperf(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "ping":
        return ping(argv[2], argv[3])
    if len(argv) == 3 and argv[1] == "rr":
        return rr(argv[2])
    if len(argv) in (3, 4) and argv[1] == "report":
        return report(argv[2], argv[3] if len(argv) == 4 else None)
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
