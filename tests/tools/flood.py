#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Abusive connections against a wstun relay, for the security system tests.

Makes --count connections, at most --concurrency at a time, each doing one
kind of abuse (the mode), and prints one JSON line on stdout: how many
connections ended how ("outcomes"), how long it took and the rate. Exits 0
when every outcome is one of --expect (comma-separated; any outcome when
not given), 1 otherwise, 2 on usage errors. Every step is bounded by
--timeout, the whole run by --deadline.

Modes without a valid token (the relay refuses them before upgrading):
  bad-token   upgrade request with a well-formed but unknown token
  no-token    upgrade request without Authorization
  junk-token  Authorization of random junk: other schemes, empty, too long
  mixed       the three above in turn
  idle        slowloris: a connection (wss://: after the TLS handshake)
              that sends the first bytes of a request line (one more byte
              every --trickle seconds, if set) and never finishes it, or
              with --silent a TCP connection that sends nothing at all (not
              even a TLS ClientHello); ends when the relay closes it
              ("hung-up" within --quick seconds of connecting, "closed"
              later, also when it happens in the TLS handshake) or after
              --hold seconds ("open")
  http        one upgrade request (--token-file if given); the outcome is
              "http-STATUS"; prints status, WWW-Authenticate and body
Modes with --token-file (a valid token: a client that got in):
  hello       upgrade, hello, config, then --then close (close 1000),
              second-hello (the relay must close with 4400) or hold
              (stay --hold seconds)
  no-hello    upgrade and never send hello (the relay closes with 4408)
  oversize    upgrade, hello, config, then a message beyond the relay's
              --max-frame: --how whole (one frame of --size bytes), claim
              (only a header claiming 2^62 bytes) or fragments (64 KiB
              fragments up to --size bytes); the relay must close with 1009
  session     upgrade, hello, config ("config ..." line on stderr), then
              waits until the relay closes: outcome close-CODE, the error
              codes the relay sent in the report
hello and session ask for --address4/--address6 if given; a relay's error
before the config ends them with close-CODE, the error code in the report.

Outcomes: http-STATUS (refused before the upgrade), config, close-CODE,
error-CODE (an error message without close), eof (closed without a close
frame), hung-up / closed / open (idle), timeout, oserror.

--sources CIDR|A,B,...: bind each connection to the next of these source
addresses (for a flood "from many places"; the namespace must own them,
e.g. ip route add local CIDR dev lo).

Needs only the Python standard library.
"""

import argparse
import asyncio
import base64
import collections
import ipaddress
import json
import os
import random
import ssl
import struct
import sys
import time
import urllib.parse

SUBPROTOCOL = "wstun.v1"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Outcome(Exception):
    """Ends one connection with this outcome label."""


# ---- WebSocket, by hand ----------------------------------------------------


def masked(payload, mask):
    n = len(payload)
    if n == 0:
        return b""
    keystream = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, length=None):
    """A masked client frame; length overrides the length field."""
    mask = os.urandom(4)
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        head = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", b0, 0x80 | 127, n)
    return head + mask + masked(payload, mask)


def random_token():
    return "wst_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def junk_token(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return "Basic " + base64.b64encode(os.urandom(12)).decode()
    if kind == 1:
        return "Bearer "
    if kind == 2:
        return "Bearer " + "A" * rng.randrange(257, 4000)  # longer than any token
    if kind == 3:
        return "Bearer wst_" + base64.urlsafe_b64encode(os.urandom(8)).decode()  # too short
    return "bearer " + "".join(rng.choice("!#$%&*+-.^_`|~0123456789abcdef") for _ in range(40))


class Conn:
    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    async def send(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def response(self):
        """Status and headers (lower-case names) of the relay's HTTP answer."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as e:
            raise Outcome("eof") from e
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise Outcome("bad-response")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return int(parts[1]), headers

    async def body(self, headers):
        n = int(headers.get("content-length", "0") or 0)
        try:
            return await self.reader.readexactly(min(n, 65536))
        except asyncio.IncompleteReadError as e:
            return e.partial

    async def read_frame(self):
        try:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            if b1 & 0x80:
                raise Outcome("masked-server-frame")
            return b0 & 0x0F, await self.reader.readexactly(n)
        except asyncio.IncompleteReadError as e:
            raise Outcome("eof") from e

    async def next_message(self):
        """The next text or binary message; answers pings; a close raises."""
        while True:
            opcode, payload = await self.read_frame()
            if opcode == OP_PING:
                await self.send(frame(OP_PONG, payload))
            elif opcode == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                try:
                    await self.send(frame(OP_CLOSE, payload[:2]))
                except OSError:
                    pass
                raise Outcome(f"close-{code}")
            elif opcode in (OP_TEXT, OP_BINARY):
                return opcode, payload

    async def until_close(self, report):
        """Reads until the relay closes (raises close-CODE or eof); the error
        codes it sent before go to report["errors"]."""
        while True:
            opcode, payload = await self.next_message()
            if opcode == OP_TEXT:
                msg = json.loads(payload)
                if msg.get("type") == "error":
                    report.setdefault("errors", []).append(msg.get("code"))

    def close(self, abort=False):
        if abort:
            self.writer.transport.abort()
        else:
            self.writer.close()


class Flood:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.url)
        if url.scheme not in ("ws", "wss") or not url.hostname:
            raise SystemExit("flood: --url must be ws://HOST[:PORT] or wss://…")
        self.tls = url.scheme == "wss"
        self.host = url.hostname
        self.port = url.port or (443 if self.tls else 80)
        self.path = url.path or "/"
        self.hostport = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        self.ssl = None
        if self.tls:
            if args.ca_file:
                self.ssl = ssl.create_default_context(cafile=args.ca_file)
            else:
                self.ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                self.ssl.check_hostname = False
                self.ssl.verify_mode = ssl.CERT_NONE
        self.sources = parse_sources(args.sources)
        self.token = None
        if args.token_file:
            with open(args.token_file, encoding="ascii") as f:
                self.token = f.read().strip()
        self.rng = random.Random(args.seed)
        self.outcomes = collections.Counter()
        self.report = {}
        self.close_after = []

    async def connect(self, i, tls=None):
        kw = {}
        if self.sources:
            kw["local_addr"] = (self.sources[i % len(self.sources)], 0)
        if self.tls if tls is None else tls:
            kw["ssl"] = self.ssl
            kw["server_hostname"] = self.host
            kw["ssl_handshake_timeout"] = self.args.timeout
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20, **kw)
        return Conn(reader, writer)

    def request(self, authorization):
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {self.hostport}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
                 f"Sec-WebSocket-Protocol: {SUBPROTOCOL}"]
        if authorization is not None:
            lines.append(f"Authorization: {authorization}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def upgrade(self, conn, authorization):
        await conn.send(self.request(authorization))
        status, headers = await conn.response()
        if status != 101:
            raise HttpAnswer(status, headers, await conn.body(headers))
        return headers

    async def hello(self, conn):
        msg = {"type": "hello", "version": 1, "software": "flood/1"}
        if self.args.address4:
            msg["address4"] = self.args.address4
        if self.args.address6:
            msg["address6"] = self.args.address6
        await conn.send(frame(OP_TEXT, json.dumps(msg).encode()))
        while True:
            opcode, payload = await conn.next_message()
            if opcode != OP_TEXT:
                continue
            reply = json.loads(payload)
            if reply.get("type") == "config":
                return reply
            if reply.get("type") == "error":
                self.report.setdefault("errors", []).append(reply.get("code"))

    def bearer(self):
        if self.token is None:
            raise SystemExit(f"flood: mode {self.args.mode} needs --token-file")
        return f"Bearer {self.token}"

    # ---- one connection per mode ------------------------------------------

    async def refused(self, conn, i):
        mode = self.args.mode
        if mode == "mixed":
            mode = ("bad-token", "no-token", "junk-token")[i % 3]
        if mode == "bad-token":
            auth = f"Bearer {random_token()}"
        elif mode == "no-token":
            auth = None
        else:
            auth = junk_token(self.rng)
        await self.upgrade(conn, auth)
        return "http-101"

    def idle_closed(self, start):
        after = time.monotonic() - start
        self.close_after.append(after)
        return "hung-up" if after < self.args.quick else "closed"

    async def idle(self, conn, i, start):
        partial = f"GET {self.path} HTTP/1.1\r\nHost: {self.hostport}\r\nX-Slow: ".encode()
        if self.args.silent:
            partial = b""
        try:
            await conn.send(partial[:8])
        except OSError:
            return self.idle_closed(start)
        rest = partial[8:] + b"a" * 100000
        hold_end = start + self.args.hold
        while True:
            left = hold_end - time.monotonic()
            if left <= 0:
                return "open"
            wait = min(left, self.args.trickle) if self.args.trickle > 0 else left
            try:
                data = await asyncio.wait_for(conn.reader.read(4096), wait)
            except asyncio.TimeoutError:
                if self.args.silent:
                    continue
                try:
                    await conn.send(rest[:1])
                except OSError:
                    data = b""
                else:
                    rest = rest[1:]
                    continue
            except OSError:
                data = b""
            if not data:
                return self.idle_closed(start)
            # an answer (e.g. 400) before the close: keep reading to the end

    async def hello_mode(self, conn, i):
        await self.upgrade(conn, self.bearer())
        await self.hello(conn)
        if self.args.then == "second-hello":
            await conn.send(frame(OP_TEXT, json.dumps({"type": "hello", "version": 1}).encode()))
            await conn.until_close(self.report)  # the relay must close (4400)
        if self.args.then == "hold":
            try:
                await asyncio.wait_for(conn.until_close({}), self.args.hold)
            except asyncio.TimeoutError:
                pass
        await conn.send(frame(OP_CLOSE, struct.pack("!H", 1000)))
        try:
            await asyncio.wait_for(conn.until_close({}), self.args.timeout)
        except Outcome as e:
            if str(e) != "close-1000":
                raise
        return "config"

    async def no_hello(self, conn, i):
        await self.upgrade(conn, self.bearer())
        report = {}
        try:
            await conn.until_close(report)
        finally:
            self.report.setdefault("errors", []).extend(report.get("errors", []))

    async def oversize(self, conn, i):
        await self.upgrade(conn, self.bearer())
        await self.hello(conn)
        size = self.args.size
        try:
            if self.args.how == "whole":
                await conn.send(frame(OP_BINARY, os.urandom(size)))
            elif self.args.how == "claim":
                await conn.send(frame(OP_BINARY, b"", length=1 << 62))
            else:
                chunk = 65536
                sent = 0
                first = True
                while sent < size:
                    n = min(chunk, size - sent)
                    sent += n
                    await conn.send(frame(OP_BINARY if first else OP_CONT, os.urandom(n),
                                          fin=sent >= size))
                    first = False
        except OSError:
            pass  # the relay may close while the frame is still going out
        await conn.until_close(self.report)

    async def session(self, conn, i):
        await self.upgrade(conn, self.bearer())
        config = await self.hello(conn)
        print("config", json.dumps(config), file=sys.stderr, flush=True)
        report = {}
        try:
            await conn.until_close(report)
        finally:
            self.report.setdefault("errors", []).extend(report.get("errors", []))

    async def http(self, conn, i):
        auth = self.bearer() if self.token is not None else None
        try:
            await self.upgrade(conn, auth)
        except HttpAnswer as answer:
            self.report.update(status=answer.status,
                               www_authenticate=answer.headers.get("www-authenticate"),
                               connection=answer.headers.get("connection"),
                               body=answer.body.decode("utf-8", "replace").strip())
            return f"http-{answer.status}"
        self.report.update(status=101)
        return "http-101"

    async def one(self, i):
        handler = {
            "bad-token": self.refused, "no-token": self.refused, "junk-token": self.refused,
            "mixed": self.refused, "idle": self.idle, "hello": self.hello_mode,
            "no-hello": self.no_hello, "oversize": self.oversize, "session": self.session,
            "http": self.http,
        }[self.args.mode]
        conn = None
        budget = self.args.timeout + (self.args.hold if self.args.mode in ("idle", "hello") else 0)
        idle = self.args.mode == "idle"
        start = time.monotonic()
        try:
            try:
                conn = await asyncio.wait_for(
                    self.connect(i, tls=False if idle and self.args.silent else None),
                    self.args.timeout)
            except OSError:
                if idle and self.tls and not self.args.silent:
                    raise Outcome(self.idle_closed(start)) from None  # in the TLS handshake
                raise
            if idle:
                outcome = await asyncio.wait_for(handler(conn, i, start), budget)
            else:
                outcome = await asyncio.wait_for(handler(conn, i), budget)
        except Outcome as e:
            outcome = str(e)
        except HttpAnswer as e:
            outcome = f"http-{e.status}"
        except asyncio.TimeoutError:
            outcome = "timeout"
        except (OSError, ssl.SSLError) as e:
            outcome = "oserror"
            self.report.setdefault("oserrors", collections.Counter())[type(e).__name__] += 1
        if conn is not None:
            conn.close(abort=self.tls)
        self.outcomes[outcome or "none"] += 1

    async def run(self):
        args = self.args
        next_index = 0
        start = time.monotonic()
        end = start + args.deadline

        async def worker():
            nonlocal next_index
            while next_index < args.count and time.monotonic() < end:
                i = next_index
                next_index += 1
                await self.one(i)

        workers = [asyncio.create_task(worker()) for _ in range(min(args.concurrency, args.count))]
        await asyncio.wait(workers)
        seconds = time.monotonic() - start
        done = sum(self.outcomes.values())
        result = {
            "mode": args.mode, "count": done, "seconds": round(seconds, 3),
            "rate": round(done / seconds, 1) if seconds > 0 else None,
            "outcomes": dict(sorted(self.outcomes.items())),
        }
        if self.close_after:
            result["close_after"] = {"min": round(min(self.close_after), 2),
                                     "max": round(max(self.close_after), 2)}
        for key, value in self.report.items():
            if key == "errors":
                value = dict(collections.Counter(value))
            result[key] = value
        if done < args.count:
            result["unfinished"] = args.count - done
        return result


class HttpAnswer(Exception):
    def __init__(self, status, headers, body):
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body


def parse_sources(spec):
    if not spec:
        return []
    if "/" in spec:
        net = ipaddress.ip_network(spec, strict=False)
        hosts = min(net.num_addresses - 2, 1 << 16)
        if hosts < 1:
            raise SystemExit(f"flood: no host addresses in {spec}")
        return [str(net.network_address + 1 + k) for k in range(hosts)]
    return [s for s in spec.split(",") if s]


def main():
    modes = ["bad-token", "no-token", "junk-token", "mixed", "idle", "http", "hello",
             "no-hello", "oversize", "session"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=modes)
    parser.add_argument("--url", default="ws://198.18.0.1:80/")
    parser.add_argument("--ca-file", help="wss://: trust this CA (default: verify nothing)")
    parser.add_argument("--token-file", help="a valid token, for the modes that get in")
    parser.add_argument("--count", type=int, default=1, help="connections (default 1)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="connections at once (default 1)")
    parser.add_argument("--sources", help="source addresses: CIDR or comma-separated list")
    parser.add_argument("--timeout", type=float, default=10, help="bound per step (default 10)")
    parser.add_argument("--deadline", type=float, default=120,
                        help="bound for the whole run (default 120)")
    parser.add_argument("--hold", type=float, default=30,
                        help="idle/hello hold: seconds to stay (default 30)")
    parser.add_argument("--trickle", type=float, default=0,
                        help="idle: send one more byte every SECONDS (default: never)")
    parser.add_argument("--silent", action="store_true",
                        help="idle: send nothing at all, not even a TLS ClientHello")
    parser.add_argument("--quick", type=float, default=0.5,
                        help="idle: a close within SECONDS is 'hung-up' (default 0.5)")
    parser.add_argument("--then", choices=["close", "second-hello", "hold"], default="close",
                        help="hello: what to do after the config")
    parser.add_argument("--how", choices=["whole", "claim", "fragments"], default="whole",
                        help="oversize: how to send the big message")
    parser.add_argument("--address4", help="hello, session: the IPv4 address to ask for")
    parser.add_argument("--address6", help="hello, session: the IPv6 address to ask for")
    parser.add_argument("--size", type=int, default=262145, help="oversize: message bytes")
    parser.add_argument("--expect", help="comma-separated outcomes that count as success")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args()
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    if args.mode in ("hello", "no-hello", "oversize", "session") and not args.token_file:
        parser.error(f"mode {args.mode} needs --token-file")

    flood = Flood(args)
    result = asyncio.run(flood.run())
    print(json.dumps(result), flush=True)
    if args.expect:
        allowed = set(args.expect.split(","))
        if not set(result["outcomes"]) <= allowed or result.get("unfinished"):
            sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
