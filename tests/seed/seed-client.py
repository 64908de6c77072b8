#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A re-creation of the original Python proof-of-concept client.

wstun grew out of a pair of asyncio scripts. This is the client, kept as
close to the original as a test allows, so that the relay's seed
compatibility (--seed-compat) is tested against what such clients really
send. It:

- opens /dev/net/tun with IFF_TUN | IFF_NO_PI (device tun0); the user
  configures it by hand, as with the original:
      ip addr add 10.0.0.2/24 dev tun0 && ip link set tun0 up
- connects to ws://<server>:80 with no subprotocol,
- optionally first sends its own address alone (--register),
- reads packets from the TUN device and sends each as a text message
  "tx:<destination ip>:<packet in hex>",
- writes the packet of each "rx:<packet in hex>" text message to the device.

No encryption, authentication, MTU handling or reconnection, as in the
original. Additions for tests only: --port, --dev, --lifetime (exit after
that many seconds) and a clear message and exit status 1 when the
connection fails or ends.
"""

import argparse
import asyncio
import fcntl
import ipaddress
import os
import struct
import sys

import websockets

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def destination(packet):
    if packet[0] >> 4 == 4:
        return str(ipaddress.IPv4Address(packet[16:20]))
    if packet[0] >> 4 == 6:
        return str(ipaddress.IPv6Address(packet[24:40]))
    return None


async def tun_to_ws(fd, ws):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    def readable():
        while True:
            try:
                packet = os.read(fd, 65536)
            except BlockingIOError:
                return
            queue.put_nowait(packet)

    loop.add_reader(fd, readable)
    try:
        while True:
            packet = await queue.get()
            dst = destination(packet)
            if dst is not None:
                await ws.send(f"tx:{dst}:{packet.hex()}")
    finally:
        loop.remove_reader(fd)


async def ws_to_tun(fd, ws):
    async for message in ws:
        if isinstance(message, str) and message.startswith("rx:"):
            try:
                os.write(fd, bytes.fromhex(message[3:]))
            except (ValueError, OSError) as exc:
                print(f"dropped a packet: {exc}", file=sys.stderr, flush=True)


async def client(args):
    fd = open_tun(args.dev)
    print(f"opened {args.dev}", flush=True)
    uri = f"ws://{args.server}:{args.port}"
    try:
        ws = await websockets.connect(uri, open_timeout=10)
    except asyncio.TimeoutError:
        sys.exit(f"seed-client: {uri} did not complete the WebSocket handshake in 10 s")
    try:
        print(f"connected to {uri}", flush=True)
        if args.register:
            await ws.send(args.register)
        tasks = [asyncio.create_task(tun_to_ws(fd, ws)), asyncio.create_task(ws_to_tun(fd, ws))]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            task.result()
    finally:
        await ws.close()
    return "connection closed"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("server", help="relay host name or address")
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--dev", default="tun0", help="TUN device name (default tun0)")
    parser.add_argument("--register", metavar="IP",
                        help="first send this address alone, to register under it")
    parser.add_argument("--lifetime", type=float, default=600,
                        help="exit after this many seconds (default 600)")
    args = parser.parse_args()

    async def bounded():
        return await asyncio.wait_for(client(args), args.lifetime)

    try:
        reason = asyncio.run(bounded())
    except asyncio.TimeoutError:
        return 0
    except websockets.InvalidStatusCode as exc:
        sys.exit(f"seed-client: the server refused the WebSocket: HTTP {exc.status_code}")
    except websockets.ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd is not None else "none"
        sys.exit(f"seed-client: connection closed (code {code})")
    except (OSError, websockets.InvalidHandshake) as exc:
        sys.exit(f"seed-client: {exc}")
    sys.exit(f"seed-client: {reason}")


if __name__ == "__main__":
    main()
