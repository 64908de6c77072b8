#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A wstun.v1 client that breaks the rules, for the relay's system tests.

Each subcommand connects to the relay (subprotocol "wstun.v1"), misbehaves
in one way, reports what it observed as one JSON line on stdout and exits 0
when the relay reacted as --expect-* (or the subcommand) demands, 1
otherwise, 2 on usage errors. Everything is bounded by --timeout.

  spoof      hello, then ICMP echo requests to --target4/--target6 whose
             source is --victim4/--victim6 (another client) or random;
             then legitimate echo requests from its own address, whose
             replies must come back (so the spoofed ones were well formed).
  malformed  hello, then data frames that do not parse exactly (empty,
             truncated, lying lengths, random bytes, trailing garbage, too
             many packets); then a legitimate echo request whose reply must
             come back (the relay did not close the connection).
  bad-json   hello, then a text message that is not JSON.
  early-data a binary data frame before hello.
  hello      hello with --version/--software/--address4/--address6;
             without --expect-* it expects a config.
Every subcommand ends with a closing handshake (1000, --close-reason).

Needs only the Python standard library and python3-websockets (10.x).
"""

import argparse
import asyncio
import ipaddress
import json
import random
import socket
import struct
import sys

import websockets

SUBPROTOCOL = "wstun.v1"
SPOOF_ID = 0x5BAD
LEGIT_ID = 0x600D


# ---- IP packets -----------------------------------------------------------


def inet_checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_echo(src, dst, ident, seq, payload=b"wstun-test-payload"):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    icmp = icmp[:2] + struct.pack("!H", inet_checksum(icmp)) + icmp[4:]
    total = 20 + len(icmp)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, random.getrandbits(16), 0x4000, 64, 1, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + icmp


def ipv6_echo(src, dst, ident, seq, payload=b"wstun-test-payload"):
    s = socket.inet_pton(socket.AF_INET6, src)
    d = socket.inet_pton(socket.AF_INET6, dst)
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload
    pseudo = s + d + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", inet_checksum(pseudo + icmp)) + icmp[4:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(icmp), 58, 64, s, d)
    return hdr + icmp


def echo(src, dst, ident, seq):
    if ":" in dst:
        return ipv6_echo(src, dst, ident, seq)
    return ipv4_echo(src, dst, ident, seq)


def split_packets(frame):
    """Yields the packets of a wstun data frame (which the relay validated)."""
    off = 0
    while off < len(frame):
        version = frame[off] >> 4
        if version == 4 and off + 4 <= len(frame):
            length = struct.unpack("!H", frame[off + 2:off + 4])[0]
        elif version == 6 and off + 6 <= len(frame):
            length = 40 + struct.unpack("!H", frame[off + 4:off + 6])[0]
        else:
            return
        if length <= 0 or off + length > len(frame):
            return
        yield frame[off:off + length]
        off += length


def echo_reply_key(packet):
    """(source address, ident, seq) of an ICMP/ICMPv6 echo reply, else None."""
    if packet[0] >> 4 == 4:
        ihl = (packet[0] & 0xF) * 4
        if packet[9] == 1 and len(packet) >= ihl + 8 and packet[ihl] == 0:
            ident, seq = struct.unpack("!HH", packet[ihl + 4:ihl + 8])
            return socket.inet_ntoa(packet[12:16]), ident, seq
    elif packet[0] >> 4 == 6:
        if packet[6] == 58 and len(packet) >= 48 and packet[40] == 129:
            ident, seq = struct.unpack("!HH", packet[44:48])
            return str(ipaddress.ip_address(packet[8:24])), ident, seq
    return None


def random_address(family, avoid):
    while True:
        if family == 4:
            addr = str(ipaddress.IPv4Address(random.getrandbits(32)))
        else:
            addr = str(ipaddress.IPv6Address((0x20010DB8 << 96) | random.getrandbits(96)))
        if addr not in avoid:
            return addr


# ---- the connection -------------------------------------------------------


class Deadline:
    def __init__(self, seconds):
        self.end = asyncio.get_running_loop().time() + seconds

    def left(self):
        return max(0.0, self.end - asyncio.get_running_loop().time())


async def connect(args):
    return await websockets.connect(args.url, subprotocols=[SUBPROTOCOL], compression=None,
                                    open_timeout=args.timeout, close_timeout=2,
                                    ping_interval=None, max_size=1 << 20)


async def hello(ws, deadline, **fields):
    msg = {"type": "hello", "version": 1, "software": "hostile-client/1"}
    msg.update({k: v for k, v in fields.items() if v is not None})
    await ws.send(json.dumps(msg))
    reply = await asyncio.wait_for(ws.recv(), deadline.left())
    if not isinstance(reply, str):
        raise RuntimeError("the relay answered hello with a binary message")
    return json.loads(reply)


async def until_close(ws, deadline):
    """Reads until the relay closes; returns (error messages, close code)."""
    errors = []
    try:
        while True:
            msg = await asyncio.wait_for(ws.recv(), deadline.left())
            if isinstance(msg, str):
                obj = json.loads(msg)
                if obj.get("type") == "error":
                    errors.append(obj)
    except websockets.ConnectionClosed as exc:
        return errors, (exc.rcvd.code if exc.rcvd is not None else None)
    except asyncio.TimeoutError:
        return errors, "timeout"


async def await_replies(ws, deadline, wanted):
    """Reads data frames until every (source, ident, seq) in @wanted replied."""
    wanted = set(wanted)
    got = set()
    try:
        while wanted - got:
            msg = await asyncio.wait_for(ws.recv(), deadline.left())
            if isinstance(msg, bytes):
                for packet in split_packets(msg):
                    key = echo_reply_key(packet)
                    if key in wanted:
                        got.add(key)
    except (asyncio.TimeoutError, websockets.ConnectionClosed):
        pass
    return got


def own_addresses(config):
    a4 = config.get("address4", "").split("/")[0] or None
    a6 = config.get("address6", "").split("/")[0] or None
    return a4, a6


async def legit_pings(ws, deadline, config, args, extra=()):
    """Sends one echo request per family from our own address to the
    targets and waits for the replies to them and to @extra (keys of echo
    requests sent before); returns (expected, received)."""
    a4, a6 = own_addresses(config)
    pairs = [(a4, args.target4), (a6, args.target6)]
    pairs = [(s, d) for s, d in pairs if s and d]
    wanted = list(extra)
    for i, (src, dst) in enumerate(pairs):
        await ws.send(echo(src, dst, LEGIT_ID, 1000 + i))
        wanted.append((dst, LEGIT_ID, 1000 + i))
    got = await await_replies(ws, deadline, wanted)
    return len(wanted), len(got)


# ---- subcommands ----------------------------------------------------------


async def cmd_spoof(args, ws, deadline, out):
    config = await hello(ws, deadline)
    if config.get("type") != "config":
        out["error"] = config
        return False
    a4, a6 = own_addresses(config)
    out["address4"], out["address6"] = a4, a6
    own = {a4, a6}
    spoofed = 0
    for i in range(args.count):
        batch = []
        for family, victim, target in ((4, args.victim4, args.target4),
                                       (6, args.victim6, args.target6)):
            if not target:
                continue
            sources = [random_address(family, own)]
            if victim:
                sources.append(victim)
            for src in sources:
                packet = echo(src, target, SPOOF_ID, i)
                await ws.send(packet)  # alone in a frame
                batch.append(packet)
        await ws.send(b"".join(batch))  # and all together in one
        spoofed += 2 * len(batch)
    # a frame mixing a legitimate packet with a spoofed one: only the
    # spoofed one may be dropped
    extra = []
    if a4 and args.target4:
        await ws.send(echo(a4, args.target4, LEGIT_ID, 1) +
                      echo(random_address(4, own), args.target4, SPOOF_ID, 9999))
        spoofed += 1
        extra.append((args.target4, LEGIT_ID, 1))
    out["spoofed"] = spoofed
    out["legit"], out["legit_replies"] = await legit_pings(ws, deadline, config, args, extra)
    return out["legit"] > 0 and out["legit_replies"] == out["legit"]


def malformed_frames(src4, dst4, src6, dst6):
    good4 = ipv4_echo(src4, dst4, SPOOF_ID, 1)
    frames = {
        "empty": b"",
        "one byte": b"\x45",
        "truncated ipv4": good4[:40],
        "ipv4 length below header": good4[:2] + struct.pack("!H", 10) + good4[4:],
        "ipv4 length beyond frame": good4[:2] + struct.pack("!H", 1500) + good4[4:],
        "ipv4 ihl below 5": b"\x44" + good4[1:],
        "random bytes": bytes([random.choice([0x00, 0x15, 0x5F, 0x7A, 0xFF])]) +
                        random.randbytes(199),
        "trailing garbage": good4 + b"\x45\x00\x00",
        "good then truncated": good4 + good4[:30],
        "too many packets": b"".join(
            struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20, 0, 0, 64, 253, 0,
                        socket.inet_aton(src4), socket.inet_aton(dst4)) for _ in range(1025)),
    }
    if src6 and dst6:
        good6 = ipv6_echo(src6, dst6, SPOOF_ID, 1)
        frames["ipv6 length beyond frame"] = good6[:4] + struct.pack("!H", 1000) + good6[6:]
        frames["truncated ipv6"] = good6[:39]
        frames["ipv6 jumbogram"] = good6[:4] + b"\0\0\0" + good6[7:]
    return frames


async def cmd_malformed(args, ws, deadline, out):
    config = await hello(ws, deadline)
    if config.get("type") != "config":
        out["error"] = config
        return False
    a4, a6 = own_addresses(config)
    if not a4 or not args.target4:
        raise SystemExit("malformed needs an IPv4 address and --target4")
    frames = malformed_frames(a4, args.target4, a6, args.target6)
    for frame in frames.values():
        await ws.send(frame)
    out["malformed"] = len(frames)
    out["kinds"] = sorted(frames)
    sent, replies = await legit_pings(ws, deadline, config, args)
    out["legit"], out["legit_replies"] = sent, replies
    return sent > 0 and replies == sent


async def cmd_bad_json(args, ws, deadline, out):
    config = await hello(ws, deadline)
    out["config"] = config.get("type")
    await ws.send('{"type": "hello", "version": 1,, not json')
    return await refusal(ws, deadline, out, args, "bad-message", 4400)


async def cmd_early_data(args, ws, deadline, out):
    await ws.send(ipv4_echo("10.99.0.200", args.target4 or "10.99.0.3", SPOOF_ID, 1))
    return await refusal(ws, deadline, out, args, "bad-message", 4400)


async def cmd_hello(args, ws, deadline, out):
    await ws.send(json.dumps({k: v for k, v in {
        "type": "hello", "version": args.version, "software": args.software,
        "address4": args.address4, "address6": args.address6}.items() if v is not None}))
    if args.expect_error is None and args.expect_close is None:
        reply = json.loads(await asyncio.wait_for(ws.recv(), deadline.left()))
        out["reply"] = reply
        return reply.get("type") == "config"
    return await refusal(ws, deadline, out, args, None, None)


async def refusal(ws, deadline, out, args, error_code, close_code):
    errors, code = await until_close(ws, deadline)
    out["errors"] = errors
    out["close"] = code
    want_error = args.expect_error or error_code
    want_close = args.expect_close or close_code
    ok = True
    if want_error is not None:
        ok &= len(errors) == 1 and errors[0].get("code") == want_error
    if want_close is not None:
        ok &= code == want_close
    return ok


COMMANDS = {
    "spoof": cmd_spoof,
    "malformed": cmd_malformed,
    "bad-json": cmd_bad_json,
    "early-data": cmd_early_data,
    "hello": cmd_hello,
}


async def run(args):
    out = {"command": args.command}
    deadline = Deadline(args.timeout)
    try:
        ws = await connect(args)
    except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake) as exc:
        out["connect_error"] = repr(exc)
        print(json.dumps(out), flush=True)
        return 1
    try:
        ok = await asyncio.wait_for(COMMANDS[args.command](args, ws, deadline, out),
                                    deadline.left() + 1)
    except (asyncio.TimeoutError, websockets.ConnectionClosed, RuntimeError,
            ValueError) as exc:
        out["exception"] = repr(exc)
        ok = False
    finally:
        try:
            await asyncio.wait_for(ws.close(1000, args.close_reason), 3)
        except (asyncio.TimeoutError, OSError):
            pass
    out["ok"] = bool(ok)
    print(json.dumps(out), flush=True)
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--url", default="ws://198.18.0.1:80/")
    parser.add_argument("--timeout", type=float, default=10, help="overall bound in seconds")
    parser.add_argument("--target4", help="IPv4 tunnel address to send echo requests to")
    parser.add_argument("--target6", help="IPv6 tunnel address to send echo requests to")
    parser.add_argument("--victim4", help="IPv4 address of another client, to spoof")
    parser.add_argument("--victim6", help="IPv6 address of another client, to spoof")
    parser.add_argument("--count", type=int, default=10, help="rounds of spoofed packets")
    parser.add_argument("--version", type=int, default=1, help="hello: protocol version")
    parser.add_argument("--software", default="hostile-client/1",
                        help="hello: the software string (control characters allowed)")
    parser.add_argument("--close-reason", default="",
                        help="the reason of the closing handshake (up to 123 bytes)")
    parser.add_argument("--address4", help="hello: IPv4 address to ask for")
    parser.add_argument("--address6", help="hello: IPv6 address to ask for")
    parser.add_argument("--expect-error", help="the error code the relay must send")
    parser.add_argument("--expect-close", type=int, help="the close code the relay must use")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args()
    for name in ("target4", "target6", "victim4", "victim6"):
        if getattr(args, name):
            setattr(args, name, str(ipaddress.ip_address(getattr(args, name))))
    random.seed(args.seed)
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
