#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Sends UDP datagrams as fast as it can, bounded in count and in time.

No receiver is needed (iperf3's client needs a server to talk to). It
prints the number of datagrams the kernel accepted; datagrams the kernel
refused (ENOBUFS, a full device queue) are counted apart and retried no
sooner than the next datagram.
"""

import argparse
import errno
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", required=True, help="destination address (IPv4 or IPv6)")
    parser.add_argument("--port", type=int, default=9, help="destination port (default discard)")
    parser.add_argument("--size", type=int, default=1400, help="payload bytes per datagram")
    parser.add_argument("--count", type=int, default=200000, help="most datagrams to send")
    parser.add_argument("--duration", type=float, default=8, help="most seconds to send for")
    args = parser.parse_args()

    family = socket.AF_INET6 if ":" in args.to else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    payload = bytes(range(256)) * (args.size // 256 + 1)
    payload = payload[:args.size]
    dest = (args.to, args.port)
    end = time.monotonic() + args.duration
    sent = refused = 0
    for i in range(args.count):
        if i % 256 == 0 and time.monotonic() >= end:
            break
        try:
            sock.sendto(payload, dest)
            sent += 1
        except OSError as exc:
            if exc.errno not in (errno.ENOBUFS, errno.EAGAIN, errno.ECONNREFUSED):
                sys.exit(f"udp-flood: {exc}")
            refused += 1
    print(f"sent {sent} refused {refused}", flush=True)


if __name__ == "__main__":
    main()
