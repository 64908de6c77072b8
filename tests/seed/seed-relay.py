#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A re-creation of the original Python proof-of-concept relay.

Used only to measure the original design beside wstun in the benchmark
(tests/bench/bench.sh --seed). Like the original it keeps {ip: websocket},
learns a client's address from a first message that is only its address
(or from the source address of its first packet), and forwards each
"tx:<destination>:<hex packet>" text message as "rx:<hex packet>" to the
client holding the destination, dropping it when that client is offline.
One packet per message, hex in text frames, websockets' defaults
(permessage-deflate on unless --no-compression).
"""

import argparse
import asyncio
import ipaddress
import signal

import websockets

clients = {}


def source_of(packet):
    if packet[0] >> 4 == 4:
        return str(ipaddress.IPv4Address(packet[12:16]))
    if packet[0] >> 4 == 6:
        return str(ipaddress.IPv6Address(packet[8:24]))
    return None


async def handler(ws, path=None):
    own = None
    try:
        async for message in ws:
            if not isinstance(message, str):
                continue
            if not message.startswith("tx:"):
                own = message.strip()
                clients[own] = ws
                continue
            dst, _, hexpacket = message[3:].rpartition(":")
            if own is None:
                own = source_of(bytes.fromhex(hexpacket))
                if own:
                    clients[own] = ws
            peer = clients.get(dst)
            if peer is not None:
                try:
                    await peer.send("rx:" + hexpacket)
                except websockets.ConnectionClosed:
                    pass
    finally:
        if own is not None and clients.get(own) is ws:
            del clients[own]


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--no-compression", action="store_true")
    args = parser.parse_args()
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(handler, args.host, args.port, max_size=None,
                                compression=None if args.no_compression else "deflate"):
        await stop


if __name__ == "__main__":
    asyncio.run(main())
