#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Moves one file over one TCP connection, for the transfer tests.

  tcp-xfer.py recv --bind ADDR --port P --out FILE   accepts one connection
                                                     and writes what it reads
                                                     to FILE until EOF
  tcp-xfer.py send --to ADDR --port P --file FILE    connects and sends FILE
                   [--rate BYTES]                    at most BYTES a second

Both sides give up after --timeout seconds in total and then exit 1. The
receiver prints the number of bytes it got.
"""

import argparse
import socket
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def left(deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("time is up")
    return remaining


def recv(args, deadline):
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(1)
    srv.settimeout(left(deadline))
    conn, peer = srv.accept()
    srv.close()
    total = 0
    with conn, open(args.out, "wb") as out:
        while True:
            conn.settimeout(left(deadline))
            data = conn.recv(1 << 16)
            if not data:
                break
            out.write(data)
            total += len(data)
    print(f"received {total} bytes from {peer[0]}", flush=True)


def send(args, deadline):
    chunk = 1 << 16
    with socket.create_connection((args.to, args.port), timeout=left(deadline)) as conn, \
            open(args.file, "rb") as f:
        start = time.monotonic()
        sent = 0
        while True:
            data = f.read(chunk)
            if not data:
                break
            conn.settimeout(left(deadline))
            conn.sendall(data)
            sent += len(data)
            if args.rate:
                # paced, so that the transfer is still running when a test
                # breaks the path under it
                ahead = sent / args.rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(min(ahead, left(deadline)))
        conn.shutdown(socket.SHUT_WR)
        # wait for the receiver's close, so every byte was taken
        conn.settimeout(left(deadline))
        while conn.recv(4096):
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("recv")
    r.add_argument("--bind", required=True)
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--out", required=True)
    s = sub.add_parser("send")
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--file", required=True)
    s.add_argument("--rate", type=int, default=0, help="bytes per second (0: as fast as it goes)")
    for p in (r, s):
        p.add_argument("--timeout", type=float, default=60, help="overall bound in seconds")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    try:
        (recv if args.mode == "recv" else send)(args, deadline)
    except (OSError, TimeoutError) as exc:
        sys.exit(f"tcp-xfer {args.mode}: {exc}")


if __name__ == "__main__":
    main()
