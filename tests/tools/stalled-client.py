#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A wstun.v1 client that stops reading: the relay's slow-receiver test.

It speaks just enough RFC 6455 over a raw TCP socket (handcrafted upgrade
request, masked frames) to send hello and read the config, prints its
addresses ("address4 A" / "address6 B" lines, flushed), and from then on
never reads its socket again, so everything the relay sends it piles up.
Its receive buffer is shrunk before connecting so the TCP window closes
early. It exits after --hold seconds (or on SIGTERM).

Uses only the Python standard library.
"""

import argparse
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.parse


def masked_frame(opcode, payload):
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        hdr = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return hdr + key + body


class Reader:
    """Buffered reads with an overall deadline."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.deadline = deadline
        self.buf = b""

    def fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the relay did not answer in time")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the relay closed the connection")
        self.buf += data

    def until(self, marker):
        while marker not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(marker, 1)
        return head

    def exactly(self, n):
        while len(self.buf) < n:
            self.fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def frame(self):
        b0, b1 = self.exactly(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.exactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.exactly(8))[0]
        if b1 & 0x80:
            raise ConnectionError("the relay sent a masked frame")
        return b0 & 0x0F, self.exactly(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="ws://198.18.0.1:80/")
    parser.add_argument("--rcvbuf", type=int, default=4096, help="SO_RCVBUF in bytes")
    parser.add_argument("--timeout", type=float, default=10, help="bound for the handshake")
    parser.add_argument("--hold", type=float, default=60,
                        help="seconds to stay connected without reading")
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "ws" or not url.hostname:
        parser.error("--url must be ws://HOST[:PORT][/PATH]")
    port = url.port or 80
    path = url.path or "/"

    sock = socket.socket(socket.AF_INET6 if ":" in url.hostname else socket.AF_INET,
                         socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    deadline = time.monotonic() + args.timeout
    sock.settimeout(args.timeout)
    sock.connect((url.hostname, port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {path} HTTP/1.1\r\n"
               f"Host: {url.hostname}:{port}\r\n"
               "Upgrade: websocket\r\n"
               "Connection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: wstun.v1\r\n"
               "\r\n")
    sock.sendall(request.encode())
    reader = Reader(sock, deadline)
    head = reader.until(b"\r\n\r\n").decode("iso-8859-1")
    status = head.split("\r\n", 1)[0]
    if " 101 " not in status + " ":
        sys.exit(f"stalled-client: upgrade refused: {status}")

    hello = {"type": "hello", "version": 1, "software": "stalled-client/1"}
    sock.sendall(masked_frame(0x1, json.dumps(hello).encode()))
    while True:
        opcode, payload = reader.frame()
        if opcode == 0x9:  # ping before the config: answer it
            sock.sendall(masked_frame(0xA, payload))
            continue
        if opcode == 0x8:
            sys.exit("stalled-client: the relay closed the connection")
        if opcode == 0x1:
            break
    config = json.loads(payload)
    if config.get("type") != "config":
        sys.exit(f"stalled-client: no config: {config}")
    for family in ("address4", "address6"):
        if config.get(family):
            print(family, config[family].split("/")[0], flush=True)
    print("stalled: not reading any more", flush=True)

    # from here on, never read: the relay's data piles up
    time.sleep(args.hold)
    sock.close()


if __name__ == "__main__":
    main()
