#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A wstun.v1 client for the relay's reliability and protocol tests.

It speaks WebSocket by hand (as tests/tools/flood.py does), so it can do
what a well-behaved client never does: drop the TCP connection without a
close frame, stop answering pings, send messages before hello, ask for
any path. Prints JSON lines on stdout: {"event": "config", ...} as soon as
the relay's config arrives (so a test can wait for it while the client
stays connected), and a final report {"event": "end", ...} with the close
code and reason the relay sent ("close": null when the connection ended
without a close frame), the error messages it sent, and how long the
session lasted. Exits 0 when the run went as asked (and, with --expect-close
or --expect-error, the relay closed as expected), 1 otherwise, 2 on usage
errors. Everything is bounded by --timeout.

Modes:
  session   upgrade, hello (--resume, --address4/6), config, then --then:
              close   close 1000 and wait for the relay's answer (default)
              drop    close the TCP connection without a close frame
              reset   the same with a TCP reset
              hold    answer pings until the relay closes (or --hold s)
              deaf    never answer a ping or send anything; read until the
                      relay closes (or --hold s)
              talk    send a data frame every 0.2 s but never answer a ping,
                      for --hold s (the relay must not close)
  raw       upgrade, then each --send TEXT as a text message (hello or not),
            then read until the relay closes (or --hold s)
  http      one upgrade request to --path; reports the HTTP status, the
            Retry-After header and the body

Needs only the Python standard library.
"""

import argparse
import asyncio
import base64
import json
import os
import socket
import ssl
import struct
import sys
import time
import urllib.parse

SUBPROTOCOL = "wstun.v1"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__(f"closed {code} {reason!r}")
        self.code = code
        self.reason = reason


class Eof(Exception):
    pass


def frame(opcode, payload=b""):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + body


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(src, dst, seq):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7E57, seq) + b"resume-client"
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0x4000, 64, 1, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + icmp


class Client:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.url)
        if url.scheme not in ("ws", "wss") or not url.hostname:
            raise SystemExit("resume-client: --url must be ws://HOST[:PORT] or wss://…")
        self.tls = url.scheme == "wss"
        self.host = url.hostname
        self.port = url.port or (443 if self.tls else 80)
        self.path = args.path if args.path is not None else (url.path or "/")
        self.token = None
        if args.token_file:
            with open(args.token_file, encoding="ascii") as f:
                self.token = f.read().strip()
        self.reader = self.writer = None
        self.report = {"event": "end", "mode": args.mode, "errors": [], "close": None,
                       "reason": None, "pings": 0}
        self.start = time.monotonic()

    def elapsed(self):
        return round(time.monotonic() - self.start, 3)

    async def connect(self):
        kw = {}
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.args.ca_file) if self.args.ca_file \
                else ssl._create_unverified_context()
            kw = {"ssl": ctx, "server_hostname": self.host}
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port,
                                                                 limit=1 << 20, **kw)

    async def send(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def upgrade(self):
        """Sends the upgrade request; returns (status, headers, body)."""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13", f"Sec-WebSocket-Protocol: {SUBPROTOCOL}"]
        if self.token is not None:
            lines.append(f"Authorization: Bearer {self.token}")
        await self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise Eof() from e
        text = head.decode("iso-8859-1").split("\r\n")
        status = int(text[0].split(" ", 2)[1])
        headers = {}
        for line in text[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = b""
        if status != 101:
            n = int(headers.get("content-length", "0") or 0)
            try:
                body = await self.reader.readexactly(min(n, 65536))
            except asyncio.IncompleteReadError as e:
                body = e.partial
        return status, headers, body

    async def read_frame(self):
        try:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            return b0 & 0x0F, await self.reader.readexactly(n)
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise Eof() from e

    async def next_message(self, pong=True):
        """The next text or binary message; pings answered if @pong; a close
        frame is answered and raises Closed."""
        while True:
            opcode, payload = await self.read_frame()
            if opcode == OP_PING:
                self.report["pings"] += 1
                if pong:
                    await self.send(frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode("utf-8", "replace")
                try:
                    await self.send(frame(OP_CLOSE, payload[:2]))
                except (OSError, ConnectionError):
                    pass
                raise Closed(code, reason)
            elif opcode in (OP_TEXT, OP_BINARY):
                if opcode == OP_TEXT:
                    msg = json.loads(payload)
                    if msg.get("type") == "error":
                        self.report["errors"].append(msg.get("code"))
                        self.report["error_message"] = msg.get("message")
                return opcode, payload

    async def until_close(self, pong=True, hold=None):
        """Reads until the relay closes; False if --hold ran out first."""
        try:
            while True:
                await asyncio.wait_for(self.next_message(pong), hold)
        except Closed as c:
            self.report.update(close=c.code, reason=c.reason, closed_after=self.elapsed())
        except Eof:
            self.report.update(close=None, eof_after=self.elapsed())
        except asyncio.TimeoutError:
            self.report["open_after"] = self.elapsed()
            return False
        return True

    async def hello(self):
        msg = {"type": "hello", "version": 1, "software": "resume-client/1"}
        for name in ("resume", "address4", "address6"):
            if getattr(self.args, name):
                msg[name] = getattr(self.args, name)
        await self.send(frame(OP_TEXT, json.dumps(msg).encode()))
        while True:
            opcode, payload = await self.next_message()
            if opcode == OP_TEXT:
                reply = json.loads(payload)
                if reply.get("type") == "config":
                    return reply

    async def talk(self, config):
        own = (config.get("address4") or "").split("/")[0]
        end = time.monotonic() + self.args.hold
        seq = 0
        reading = asyncio.ensure_future(self.until_close(pong=False, hold=self.args.hold))
        while time.monotonic() < end and not reading.done():
            seq += 1
            await self.send(frame(OP_BINARY, echo_request(own, self.args.target, seq)))
            await asyncio.sleep(0.2)
        self.report["frames_sent"] = seq
        if reading.done() and reading.result():
            return False  # the relay closed a client that was sending
        reading.cancel()
        return True

    async def session(self):
        status, headers, body = await self.upgrade()
        if status != 101:
            self.report.update(status=status, body=body.decode("utf-8", "replace"))
            return False
        try:
            config = await self.hello()
        except Closed as c:
            self.report.update(close=c.code, reason=c.reason)
            return False
        self.report["config"] = config
        print(json.dumps({"event": "config", **config}), flush=True)
        then = self.args.then
        if then == "close":
            await self.send(frame(OP_CLOSE, struct.pack("!H", 1000)))
            await self.until_close(hold=self.args.timeout)
            return self.report["close"] == 1000
        if then == "drop":
            self.writer.close()
            return True
        if then == "reset":
            self.writer.transport.abort()
            return True
        if then == "talk":
            return await self.talk(config)
        return await self.until_close(pong=then == "hold", hold=self.args.hold)

    async def raw(self):
        status, headers, body = await self.upgrade()
        if status != 101:
            self.report.update(status=status, body=body.decode("utf-8", "replace"))
            return False
        for text in self.args.send:
            await self.send(frame(OP_TEXT, text.encode()))
        return await self.until_close(hold=self.args.hold)

    async def http(self):
        status, headers, body = await self.upgrade()
        self.report.update(status=status, retry_after=headers.get("retry-after"),
                           connection=headers.get("connection"),
                           body=body.decode("utf-8", "replace").strip())
        return True

    async def run(self):
        try:
            await asyncio.wait_for(self.connect(), self.args.timeout)
        except (OSError, asyncio.TimeoutError) as e:
            self.report["connect_error"] = repr(e)
            return False
        try:
            mode = {"session": self.session, "raw": self.raw, "http": self.http}[self.args.mode]
            ok = await asyncio.wait_for(mode(), self.args.timeout)
        except Eof:
            self.report["eof_after"] = self.elapsed()
            ok = False
        except (asyncio.TimeoutError, OSError) as e:
            self.report["exception"] = repr(e)
            ok = False
        finally:
            if self.writer is not None and not self.writer.is_closing():
                self.writer.close()
        if self.args.expect_close is not None:
            ok = self.report["close"] == self.args.expect_close
        if self.args.expect_error is not None:
            ok = ok and self.report["errors"] == [self.args.expect_error]
        return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("session", "raw", "http"))
    parser.add_argument("--url", default="ws://198.18.0.1:80/")
    parser.add_argument("--path", help="request path (default: the URL's)")
    parser.add_argument("--token-file")
    parser.add_argument("--ca-file")
    parser.add_argument("--resume", help="hello: the resume id of an earlier config")
    parser.add_argument("--address4", help="hello: IPv4 address to ask for")
    parser.add_argument("--address6", help="hello: IPv6 address to ask for")
    parser.add_argument("--then", default="close",
                        choices=("close", "drop", "reset", "hold", "deaf", "talk"))
    parser.add_argument("--hold", type=float, default=None,
                        help="hold, deaf, talk, raw: seconds before giving up waiting")
    parser.add_argument("--target", default="10.99.0.250",
                        help="talk: destination of the echo requests")
    parser.add_argument("--send", action="append", default=[],
                        help="raw: a text message to send (repeatable)")
    parser.add_argument("--timeout", type=float, default=20, help="overall bound in seconds")
    parser.add_argument("--expect-close", type=int, help="the close code the relay must send")
    parser.add_argument("--expect-error", help="the one error code the relay must send")
    args = parser.parse_args()
    if args.then == "talk" and args.hold is None:
        parser.error("--then talk needs --hold")
    client = Client(args)
    ok = asyncio.run(client.run())
    client.report["ok"] = bool(ok)
    client.report["elapsed"] = client.elapsed()
    print(json.dumps(client.report), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
