#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Request/response latency over TCP, for the latency-under-load tests.

  rr.py serve --bind ADDR --port P [--seconds S]
      answers each 200-byte request with a 100-byte reply, one connection
      at a time, for S seconds (default 120) at most
  rr.py ask --to ADDR --port P [--count N] [--interval MS] [--timeout S]
      N exchanges (default 1000) MS apart (default 5): each request is two
      100-byte writes (TCP_NODELAY), then the 100-byte reply is read.
      Prints one JSON line: count, p50_ms, p90_ms, p99_ms, max_ms.
Exits 1 when an exchange fails or the whole run takes longer than
--timeout seconds (default 60).
"""

import argparse
import json
import socket
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        data += chunk
    return data


def serve(args):
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(4)
    deadline = time.monotonic() + args.seconds
    reply = b"r" * 100
    while time.monotonic() < deadline:
        srv.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            break
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(max(0.1, deadline - time.monotonic()))
        with conn:
            try:
                while True:
                    read_exactly(conn, 200)
                    conn.sendall(reply)
            except (ConnectionError, socket.timeout, OSError):
                pass


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def ask(args):
    deadline = time.monotonic() + args.timeout
    conn = socket.create_connection((args.to, args.port), timeout=args.timeout)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    half = b"q" * 100
    times = []
    series = []
    start = time.monotonic()
    with conn:
        for _ in range(args.count):
            if time.monotonic() > deadline:
                sys.exit("rr ask: time is up")
            if args.seconds is not None and time.monotonic() - start >= args.seconds:
                break
            t0 = time.monotonic()
            conn.sendall(half)
            conn.sendall(half)
            read_exactly(conn, 100)
            times.append((time.monotonic() - t0) * 1000)
            series.append((t0 - start, times[-1]))
            time.sleep(args.interval / 1000)
    if args.series:
        with open(args.series, "w") as f:
            f.writelines("%.4f %.3f\n" % sample for sample in series)
    times.sort()
    print(json.dumps({"count": len(times), "p50_ms": round(percentile(times, 50), 3),
                      "p90_ms": round(percentile(times, 90), 3),
                      "p99_ms": round(percentile(times, 99), 3), "max_ms": round(times[-1], 3)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--seconds", type=float, default=120)
    a = sub.add_parser("ask")
    a.add_argument("--to", required=True)
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--count", type=int, default=1000)
    a.add_argument("--interval", type=float, default=5)
    a.add_argument("--timeout", type=float, default=60)
    a.add_argument("--seconds", type=float,
                   help="stop after this long, even if fewer than --count exchanges were made")
    a.add_argument("--series", help="also write each exchange's start (s) and time (ms) here")
    args = parser.parse_args()
    try:
        (serve if args.mode == "serve" else ask)(args)
    except (OSError, ConnectionError) as exc:
        sys.exit(f"rr {args.mode}: {exc}")


if __name__ == "__main__":
    main()
