#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpora of the libFuzzer harnesses in tests/fuzz.

Usage: tests/fuzz/make-corpus.py [CORPUS-DIR]   (default: corpus/ next to it)

Each harness gets corpus/NAME/, fully regenerated (files that are no longer
generated are removed): small valid inputs that reach deep into the code,
and invalid ones that stop at each check on the way. Python 3 standard
library only; the output is deterministic, and committed.
"""
import json
import os
import struct
import sys

# ---- IP packets ---------------------------------------------------------


def ipv4(src, dst, payload=b"", proto=17, options=b""):
    """An IPv4 packet from src to dst ("a.b.c.d")."""
    ihl = 5 + len(options) // 4
    total = ihl * 4 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, 0x4000, 64, proto, 0,
                      bytes(int(x) for x in src.split(".")),
                      bytes(int(x) for x in dst.split(".")))
    return hdr + options + payload


def v6addr(text):
    """Packs an IPv6 address (no embedded IPv4 form)."""
    head, _, tail = text.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x]
    words = h + [0] * (8 - len(h) - len(t)) + t if "::" in text else h
    return struct.pack("!8H", *words)


def ipv6(src, dst, payload=b"", next_header=17):
    """An IPv6 packet from src to dst."""
    hdr = struct.pack("!IHBB16s16s", 0x60000000, len(payload), next_header, 64, v6addr(src),
                      v6addr(dst))
    return hdr + payload


def udp(sport=4000, dport=5000, data=b"ping"):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp_echo(seq=1, size=56):
    return struct.pack("!BBHHH", 8, 0, 0, 0x4242, seq) + bytes(i & 0xff for i in range(size))


V4_A, V4_B = "10.99.0.2", "10.99.0.3"
V6_A, V6_B = "fd00:99::2", "fd00:99::3"

# ---- frame: binary data frames (IP packets back to back) ----------------


def frame_corpus():
    p4 = ipv4(V4_A, V4_B, udp())
    p6 = ipv6(V6_A, V6_B, udp())
    ping = ipv4(V4_A, V4_B, icmp_echo(), proto=1)
    c = {
        "ipv4-header-only": ipv4(V4_A, V4_B, proto=253),
        "ipv4-udp": p4,
        "ipv4-icmp-echo": ping,
        "ipv4-options": ipv4(V4_A, V4_B, udp(), options=b"\x01\x01\x01\x00"),
        "ipv6-udp": p6,
        "ipv6-no-payload": ipv6(V6_A, V6_B, b"", next_header=59),
        "batch-v4-v6-v4": p4 + p6 + ping,
        "batch-20-small": b"".join(ipv4(V4_A, V4_B, bytes([i])) for i in range(20)),
        "batch-v6-3": p6 * 3,
        # invalid
        "bad-truncated-ipv4": ping[:60],
        "bad-truncated-ipv4-header": p4[:12],
        "bad-truncated-ipv6": p6[:45],
        "bad-truncated-ipv6-header": p6[:30],
        "bad-second-truncated": p4 + p6[:-1],
        "bad-trailing-garbage": p4 + b"\x00\x01\x02",
        "bad-version-5": b"\x50" + p4[1:],
        "bad-version-0": b"\x00" * 24,
        "bad-ihl-4": b"\x44" + p4[1:],
        "bad-total-below-ihl": p4[:2] + struct.pack("!H", 19) + p4[4:],
        "bad-ipv4-total-zero": p4[:2] + b"\x00\x00" + p4[4:],
        "bad-ipv6-jumbogram": ipv6(V6_A, V6_B, b"", next_header=0),
        "bad-one-byte": b"\x45",
        "bad-ipv6-after-ipv4": p4 + b"\x60",
    }
    return {k + ".bin": v for k, v in c.items()}


# ---- control: JSON control messages -------------------------------------


def j(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def control_corpus():
    hello = {"type": "hello", "version": 1, "software": "wstund/0.1.0", "capabilities": []}
    full_hello = dict(hello, capabilities=["x-a", "x-b"], address4="10.99.0.7",
                      address6="fd00:99::7", resume="r-123")
    config = {"type": "config", "address4": "10.99.0.2/24", "address6": "fd00:99::2/64",
              "mtu": 65000, "routes": [], "dns": [], "keepalive": 25}
    c = {
        "hello": j(hello),
        "hello-minimal": j({"type": "hello", "version": 1}),
        "hello-full": j(full_hello),
        "hello-pretty": json.dumps(full_hello, indent=2).encode() + b"\n",
        "hello-version-max": j(dict(hello, version=2147483647)),
        "hello-unicode-software": j(dict(hello, software="wstünd ☃ \U0001f600")),
        "hello-escapes": b'{"type":"hello","version":1,"software":"a\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00"}',
        "hello-nul-escape": b'{"type":"hello","version":1,"software":"a\\u0000b"}',
        "hello-lone-surrogate": b'{"type":"hello","version":1,"software":"\\ud800x"}',
        "hello-null-members": j({"type": "hello", "version": 1, "software": None,
                                 "capabilities": None, "address4": None}),
        "hello-unknown-members": j(dict(hello, future={"a": [1, 2, {"b": None}]}, x=1.5)),
        "hello-duplicate-type": b'{"type":"config","type":"hello","version":1}',
        "hello-string-1024": j(dict(hello, software="s" * 1024)),
        "config": j(config),
        "config-v4-only": j({"type": "config", "address4": "10.99.0.2/24", "mtu": 576}),
        "config-v6-only": j({"type": "config", "address6": "fd00:99::2/64", "mtu": 1280}),
        "config-routes-dns": j(dict(config, routes=["192.168.0.0/16", "2001:db8::/32", "0.0.0.0/0"],
                                    dns=["10.99.0.1", "fd00:99::1"], resume="abc")),
        "config-keepalive-max": j(dict(config, keepalive=3600)),
        "error": j({"type": "error", "code": "address-in-use",
                    "message": "10.99.0.7 is held by another client"}),
        "error-bad-message": j({"type": "error", "code": "bad-message", "message": ""}),
        "unknown-type": j({"type": "resume", "id": "x"}),
        "unknown-type-empty": j({"type": ""}),
        # invalid
        "bad-empty": b"",
        "bad-not-object-array": b"[1,2,3]",
        "bad-not-object-string": b'"hello"',
        "bad-not-object-number": b"42",
        "bad-no-type": j({"version": 1}),
        "bad-type-number": j({"type": 1}),
        "bad-hello-no-version": j({"type": "hello"}),
        "bad-hello-version-0": j(dict(hello, version=0)),
        "bad-hello-version-negative": j(dict(hello, version=-1)),
        "bad-hello-version-float": b'{"type":"hello","version":1.0}',
        "bad-hello-version-exponent": b'{"type":"hello","version":1e0}',
        "bad-hello-version-string": j(dict(hello, version="1")),
        "bad-hello-version-huge": b'{"type":"hello","version":18446744073709551617}',
        "bad-hello-version-2p31": j(dict(hello, version=2147483648)),
        "bad-hello-address4-v6": j(dict(hello, address4="fd00::1")),
        "bad-hello-address4-cidr": j(dict(hello, address4="10.99.0.7/24")),
        "bad-hello-capabilities-number": j(dict(hello, capabilities=[1])),
        "bad-hello-capabilities-object": j(dict(hello, capabilities={"a": "b"})),
        "bad-hello-capabilities-257": j(dict(hello, capabilities=["c"] * 257)),
        "bad-hello-string-1025": j(dict(hello, software="s" * 1025)),
        "bad-config-no-address": j({"type": "config", "mtu": 1500}),
        "bad-config-no-mtu": j({"type": "config", "address4": "10.99.0.2/24"}),
        "bad-config-mtu-575": j(dict(config, mtu=575, address6=None)),
        "bad-config-mtu-65536": j(dict(config, mtu=65536)),
        "bad-config-v6-mtu-1279": j(dict(config, mtu=1279)),
        "bad-config-prefix-33": j(dict(config, address4="10.99.0.2/33")),
        "bad-config-prefix-sign": j(dict(config, address4="10.99.0.2/+24")),
        "bad-config-address-plain": j(dict(config, address4="10.99.0.2")),
        "bad-config-route": j(dict(config, routes=["10.0.0.0/8", "nope"])),
        "bad-config-dns-cidr": j(dict(config, dns=["10.99.0.1/32"])),
        "bad-config-keepalive-3601": j(dict(config, keepalive=3601)),
        "bad-error-no-message": j({"type": "error", "code": "x"}),
        "bad-error-code-null": j({"type": "error", "code": None, "message": "m"}),
        "bad-depth-17": b'{"type":"hello","version":1,"x":' + b"[" * 16 + b"]" * 16 + b"}",
        "depth-16": b'{"type":"hello","version":1,"x":' + b"[" * 15 + b"]" * 15 + b"}",
        "depth-15-after-escapes": b'{"type":"hello","version":1,"s":"\\u00e9\\ud83d\\ude00\\"","x":'
                                  + b"[" * 14 + b"]" * 14 + b"}",
        "bad-depth-brackets-in-string": b'{"type":"hello","version":1,"s":"[[[[[[[[[[[[[[[[[["}',
        "bad-single-quotes": b"{'type':'hello','version':1}",
        "bad-comment": b'{"type":"hello",/* c */"version":1}',
        "bad-line-comment": b'{"type":"hello","version":1}//',
        "bad-trailing-comma": b'{"type":"hello","version":1,}',
        "bad-trailing-garbage": j(hello) + b"x",
        "bad-two-objects": j(hello) + j(hello),
        "bad-unterminated": b'{"type":"hello","version":1',
        "bad-unterminated-string": b'{"type":"hel',
        "bad-unquoted-key": b'{type:"hello",version:1}',
        "bad-hex-number": b'{"type":"hello","version":0x1}',
        "bad-invalid-utf8": b'{"type":"hello","version":1,"software":"\xff\xfe"}',
        "bad-bom": b"\xef\xbb\xbf" + j(hello),
        "bad-nul-byte": b'{"type":"hello",\x00"version":1}',
    }
    return {k + ".json": v for k, v in c.items()}


# ---- seed: the original text protocol ------------------------------------


def seed_corpus():
    p4 = ipv4(V4_A, V4_B, icmp_echo(size=16), proto=1)
    p6 = ipv6(V6_A, V6_B, udp())
    c = {
        "tx-ipv4": b"tx:" + V4_B.encode() + b":" + p4.hex().encode(),
        "tx-ipv4-upper": b"tx:" + V4_B.encode() + b":" + p4.hex().upper().encode(),
        "tx-ipv6": b"tx:" + V6_B.encode() + b":" + p6.hex().encode(),
        "tx-ipv4-minimal": b"tx:" + V4_B.encode() + b":" + ipv4(V4_A, V4_B, proto=253).hex().encode(),
        "register-ipv4": V4_A.encode(),
        "register-ipv6-blanks": b"  " + V6_A.encode() + b"\r\n",
        "register-mapped": b"::ffff:10.99.0.2",
        # invalid
        "bad-empty": b"",
        "bad-tx-only": b"tx:",
        "bad-tx-colon": b"tx::",
        "bad-tx-no-hex": b"tx:" + V4_B.encode() + b":",
        "bad-tx-no-colon": b"tx:" + p4.hex().encode(),
        "bad-tx-odd-hex": b"tx:" + V4_B.encode() + b":" + p4.hex().encode()[:-1],
        "bad-tx-non-hex": b"tx:" + V4_B.encode() + b":" + p4.hex().encode()[:-2] + b"zz",
        "bad-tx-wrong-destination": b"tx:10.99.0.9:" + p4.hex().encode(),
        "bad-tx-family-mismatch": b"tx:" + V6_B.encode() + b":" + p4.hex().encode(),
        "bad-tx-two-packets": b"tx:" + V4_B.encode() + b":" + (p4 + p4).hex().encode(),
        "bad-tx-truncated": b"tx:" + V4_B.encode() + b":" + p4[:-1].hex().encode(),
        "bad-tx-not-ip": b"tx:" + V4_B.encode() + b":" + b"00" * 24,
        "bad-tx-nul-in-address": b"tx:10.99.0.3\x00junk:" + p4.hex().encode(),
        "bad-tx-long-address": b"tx:" + b"1" * 60 + b":" + p4.hex().encode(),
        "bad-tx-address-spaces": b"tx: 10.99.0.3 :" + p4.hex().encode(),
        "bad-rx": b"rx:" + p4.hex().encode(),
        "bad-register-junk": b"hello",
        "bad-register-nul": b"10.99.0.2\x00",
        "bad-register-cidr": b"10.99.0.2/24",
        "bad-register-blanks-only": b" \t\n",
    }
    return {k + ".txt": v for k, v in c.items()}


# ---- ws: WebSocket frame sequences ----------------------------------------
# Byte 0: the harness's FLAG_* bits, byte 1 its OUT_* bits (fuzz-ws.c); then
# the bytes from the peer.

CLIENT, LIMIT_1, LIMIT_125, LIMIT_1000 = 0x01, 0x02, 0x04, 0x06
ECHO, CLOSE, DETACH, BURST_SEND, TRICKLE = 0x08, 0x10, 0x20, 0x40, 0x80
OUT_FULL, OUT_SLOW, OUT_SLOW_REPLIES, OUT_SMALL_BACKLOG = 0x01, 0x02, 0x03, 0x04

MASK_KEY = b"\x37\xfa\x21\x3d"


def wsframe(opcode, payload=b"", fin=True, masked=True, rsv=0, length_form=None):
    """One frame; length_form forces 16 or 64 for the extended length."""
    b0 = (0x80 if fin else 0) | rsv << 4 | opcode
    n = len(payload)
    mbit = 0x80 if masked else 0
    if length_form == 64 or (length_form is None and n > 0xFFFF):
        hdr = bytes([b0, mbit | 127]) + struct.pack("!Q", n)
    elif length_form == 16 or (length_form is None and n >= 126):
        hdr = bytes([b0, mbit | 126]) + struct.pack("!H", n)
    else:
        hdr = bytes([b0, mbit | n])
    if masked:
        payload = bytes(c ^ MASK_KEY[i % 4] for i, c in enumerate(payload))
        hdr += MASK_KEY
    return hdr + payload


TEXT, BINARY, CONT, CLOSE_OP, PING, PONG = 1, 2, 0, 8, 9, 10


def ws_corpus():
    hello = j({"type": "hello", "version": 1, "software": "wstund/0.1.0", "capabilities": []})
    packet = ipv4(V4_A, V4_B, udp())

    def seq(flags, *frames, out=0):
        return bytes([flags, out]) + b"".join(frames)

    def close(code=1000, reason=b"", masked=True):
        return wsframe(CLOSE_OP, struct.pack("!H", code) + reason, masked=masked)

    c = {
        # server role: the peer (a client) masks
        "text": seq(0, wsframe(TEXT, b"hello")),
        "text-empty": seq(0, wsframe(TEXT, b"")),
        "text-hello-json": seq(0, wsframe(TEXT, hello)),
        "text-utf8": seq(0, wsframe(TEXT, "grüße ☃ \U0001f600 \x00 nul".encode())),
        "binary-packet": seq(0, wsframe(BINARY, packet)),
        "binary-empty": seq(0, wsframe(BINARY, b"")),
        "binary-126": seq(0, wsframe(BINARY, bytes(range(126)))),
        "binary-300-len16": seq(0, wsframe(BINARY, bytes(i & 0xff for i in range(300)))),
        "binary-len64-small": seq(0, wsframe(BINARY, b"abc", length_form=64)),
        "binary-len16-small": seq(0, wsframe(BINARY, b"abc", length_form=16)),
        "hello-then-data": seq(0, wsframe(TEXT, hello), wsframe(BINARY, packet),
                               wsframe(BINARY, packet + packet)),
        "fragmented-text": seq(0, wsframe(TEXT, b"hel", fin=False), wsframe(CONT, b"lo, ", fin=False),
                               wsframe(CONT, b"world")),
        "fragmented-binary-ping-inside": seq(0, wsframe(BINARY, packet[:10], fin=False),
                                             wsframe(PING, b"p"), wsframe(CONT, packet[10:])),
        "fragmented-utf8-split": seq(0, wsframe(TEXT, "☃".encode()[:1], fin=False),
                                     wsframe(CONT, "☃".encode()[1:])),
        "ping": seq(0, wsframe(PING, b"are you there")),
        "ping-empty": seq(0, wsframe(PING)),
        "ping-125": seq(0, wsframe(PING, b"p" * 125)),
        "pong": seq(0, wsframe(PONG, b"12345678")),
        "close-normal": seq(0, close(1000, b"bye")),
        "close-empty": seq(0, wsframe(CLOSE_OP)),
        "close-4409": seq(0, close(4409, b"address-in-use")),
        "close-then-data": seq(0, close(1001), wsframe(TEXT, b"late")),
        "text-then-close": seq(0, wsframe(TEXT, b"one"), wsframe(BINARY, packet), close()),
        "eof-mid-frame": seq(0, wsframe(BINARY, packet)[:15]),
        "eof-mid-header": seq(0, b"\x82\xfe\x01"),
        # server role: protocol errors
        "bad-unmasked-to-server": seq(0, wsframe(TEXT, b"hi", masked=False)),
        "bad-rsv1": seq(0, wsframe(TEXT, b"hi", rsv=4)),
        "bad-opcode-3": seq(0, wsframe(3, b"x")),
        "bad-opcode-11": seq(0, wsframe(11, b"x")),
        "bad-ping-126": seq(0, wsframe(PING, b"p" * 126)),
        "bad-ping-fragmented": seq(0, wsframe(PING, b"p", fin=False)),
        "bad-close-one-byte": seq(0, wsframe(CLOSE_OP, b"\x03")),
        "bad-close-1005": seq(0, close(1005)),
        "bad-close-999": seq(0, close(999)),
        "bad-close-reason-utf8": seq(0, close(1000, b"\xc3\x28")),
        "bad-text-utf8": seq(0, wsframe(TEXT, b"ab\xed\xa0\x80cd")),
        "bad-text-overlong": seq(0, wsframe(TEXT, b"\xc0\xaf")),
        "bad-continuation-alone": seq(0, wsframe(CONT, b"x")),
        "bad-new-message-in-fragmented": seq(0, wsframe(TEXT, b"a", fin=False), wsframe(TEXT, b"b")),
        "bad-length-top-bit": seq(0, b"\x82\xff" + b"\x80" + b"\x00" * 7 + MASK_KEY),
        "bad-length-huge": seq(0, b"\x82\xff" + struct.pack("!Q", 1 << 40) + MASK_KEY),
        "bad-then-more": seq(0, wsframe(3), wsframe(TEXT, b"after the error"), close()),
        # size limits
        "limit1-text-2": seq(LIMIT_1, wsframe(TEXT, b"ab")),
        "limit1-fragments": seq(LIMIT_1, wsframe(BINARY, b"a", fin=False), wsframe(CONT, b"b")),
        "limit125-fragments": seq(LIMIT_125, wsframe(BINARY, b"a" * 100, fin=False),
                                  wsframe(CONT, b"b" * 26)),
        "limit1000-ok": seq(LIMIT_1000, wsframe(BINARY, b"x" * 1000)),
        # the owner's side
        "echo": seq(ECHO, wsframe(TEXT, b"hello"), wsframe(BINARY, packet), wsframe(PING, b"p")),
        "echo-then-close": seq(ECHO, wsframe(TEXT, b"x"), close(1000, b"bye")),
        "owner-closes": seq(CLOSE, wsframe(TEXT, b"x"), wsframe(TEXT, b"y"), wsframe(PING),
                            close(1000)),
        "owner-closes-peer-silent": seq(CLOSE, wsframe(TEXT, b"x")),
        "owner-closes-bad-answer": seq(CLOSE, wsframe(TEXT, b"x"), wsframe(3)),
        "owner-detaches": seq(DETACH, *[wsframe(BINARY, packet)] * 4),
        "owner-detaches-fragmented": seq(DETACH | ECHO, wsframe(TEXT, b"1"), wsframe(TEXT, b"2"),
                                         wsframe(TEXT, b"3", fin=False), wsframe(CONT, b"4")),
        "full-output-echo": seq(ECHO, *[wsframe(BINARY, packet)] * 3, out=OUT_FULL),
        "full-output-pings": seq(0, *[wsframe(PING, b"x" * 40)] * 3, out=OUT_FULL),
        "slow-output-echo": seq(ECHO, wsframe(TEXT, b"t" * 30), *[wsframe(BINARY, packet)] * 3,
                                wsframe(PING, b"p"), close(), out=OUT_SLOW),
        "slow-output-burst-send": seq(BURST_SEND | TRICKLE, *[wsframe(BINARY, packet)] * 3,
                                      close(1000), out=OUT_SLOW),
        "slow-output-owner-closes": seq(CLOSE | ECHO, wsframe(TEXT, b"x"), wsframe(PING, b"p"),
                                        close(), out=OUT_SLOW),
        "slow-output-protocol-error": seq(ECHO, wsframe(BINARY, packet), wsframe(3), out=OUT_SLOW),
        "slow-output-eof": seq(ECHO, wsframe(BINARY, bytes(500)), out=OUT_SLOW),
        "slow-replies-small-backlog": seq(ECHO | BURST_SEND, *[wsframe(BINARY, packet)] * 4,
                                          wsframe(PING, b"p" * 100),
                                          out=OUT_SLOW_REPLIES | OUT_SMALL_BACKLOG),
        "small-backlog-drops": seq(ECHO | BURST_SEND | TRICKLE, *[wsframe(BINARY, packet)] * 5,
                                   close(), out=OUT_SLOW | OUT_SMALL_BACKLOG),
        "trickle-messages": seq(TRICKLE | ECHO, wsframe(TEXT, hello), wsframe(BINARY, packet),
                                wsframe(BINARY, bytes(300)), close()),
        "trickle-fragmented": seq(TRICKLE, wsframe(TEXT, b"ab", fin=False), wsframe(PING, b"x"),
                                  wsframe(CONT, b"cd"), close(1001)),
        # beyond the framer's initial 64 KiB input buffer (the only big inputs)
        "big-binary-len64-echo": seq(ECHO, wsframe(BINARY, bytes(65536)), close()),
        "big-fragmented-trickle": seq(TRICKLE, wsframe(BINARY, bytes(40000), fin=False),
                                      wsframe(CONT, bytes(40000)), out=OUT_SLOW),
        "all-flags-server": seq(0xfe, wsframe(TEXT, b"a"), wsframe(TEXT, b"b"), wsframe(TEXT, b"c")),
        # client role: the peer (a relay) does not mask
        "client-text": seq(CLIENT, wsframe(TEXT, j({"type": "config", "address4": "10.99.0.2/24",
                                                   "mtu": 65000}), masked=False)),
        "client-binary": seq(CLIENT, wsframe(BINARY, packet + packet, masked=False)),
        "client-ping-close": seq(CLIENT, wsframe(PING, b"k", masked=False), close(1001, masked=False)),
        "client-echo": seq(CLIENT | ECHO, wsframe(TEXT, b"x", masked=False),
                           wsframe(BINARY, packet, masked=False)),
        "client-closes": seq(CLIENT | CLOSE, wsframe(TEXT, b"x", masked=False),
                             close(1000, masked=False)),
        "client-trickle": seq(CLIENT | TRICKLE | ECHO, wsframe(BINARY, packet, masked=False),
                              wsframe(TEXT, b"abc", fin=False, masked=False),
                              wsframe(CONT, b"def", masked=False)),
        "bad-client-masked-from-server": seq(CLIENT, wsframe(TEXT, b"hi")),
        "all-flags-client": seq(0xff, *[wsframe(TEXT, b"m", masked=False)] * 3),
    }
    return {k + ".ws": v for k, v in c.items()}


def tcp(sport=40000, dport=5201, data=b"", flags=0x19, options=b""):
    """A TCP segment (checksum left zero: the corpus is about offsets)."""
    off = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, 0xfffeff00, 1, off << 4, flags, 512, 0,
                       0) + options + data


def vnet(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    """A virtio-net header, little endian as the TUN device's."""
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def vnet_corpus():
    a, b = "10.99.0.2", "10.99.0.3"
    a6, b6 = "fd00:99::2", "fd00:99::3"
    t4 = ipv4(a, b, tcp(data=bytes(3000)), proto=6)
    t6 = ipv6(a6, b6, tcp(data=bytes(2000), options=b"\x01" * 12), next_header=6)
    u4 = ipv4(a, b, udp(data=bytes(2500)))
    u6 = ipv6(a6, b6, udp(data=bytes(1000)))
    c = {
        "plain": vnet() + ipv4(a, b, udp()),
        "data-valid": vnet(flags=2) + ipv6(a6, b6, udp()),
        "csum-tcp4": vnet(1, 0, 0, 0, 20, 16) + t4,
        "csum-udp6": vnet(1, 0, 0, 0, 40, 6) + u6,
        "tso4": vnet(1, 1, 40, 1448, 20, 16) + t4,
        "tso4-ecn": vnet(1, 0x81, 40, 1000, 20, 16) + t4,
        "tso6": vnet(1, 4, 72, 1428, 40, 16) + t6,
        "uso4": vnet(1, 5, 28, 1000, 20, 6) + u4,
        "uso6": vnet(1, 5, 48, 100, 40, 6) + u6,
        "bad-gso-size-zero": vnet(1, 1, 40, 0, 20, 16) + t4,
        "bad-too-many-segments": vnet(1, 1, 40, 1, 20, 16) + t4,
        "bad-csum-start": vnet(1, 0, 0, 0, 0xffff, 16) + t4,
        "bad-csum-offset": vnet(1, 0, 0, 0, 20, 0xfff0) + t4,
        "bad-gso-family": vnet(1, 4, 40, 1000, 20, 16) + t4,
        "bad-ufo": vnet(1, 3, 28, 1000, 20, 6) + u4,
        "bad-flags": vnet(0x80) + ipv4(a, b, udp()),
        "bad-icmp-csum": vnet(1, 0, 0, 0, 20, 2) + ipv4(a, b, icmp_echo(), proto=1),
    }
    return {k + ".bin": v for k, v in c.items()}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    corpora = {"frame": frame_corpus(), "control": control_corpus(), "seed": seed_corpus(),
               "ws": ws_corpus(), "vnet": vnet_corpus()}
    for name, files in corpora.items():
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            if old not in files:
                os.remove(os.path.join(d, old))
        for fname, data in sorted(files.items()):
            with open(os.path.join(d, fname), "wb") as f:
                f.write(data)
        print(f"{d}: {len(files)} inputs, {sum(len(v) for v in files.values())} bytes")


if __name__ == "__main__":
    main()
