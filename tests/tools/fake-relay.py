#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A relay that sends what a real one never does, to test clients against
PROTOCOL.md's rules for what the relay sends.

Serves one WebSocket client (subprotocol wstun.v1) on --host/--port: reads
its hello, sends a config (--address4, MTU 1400, no keepalive), waits
--delay seconds, then does --mode:
  second-config-bad   sends a second config that is malformed (mtu 12):
                      a client must close with 4400 (PROTOCOL.md 3)
  second-config-good  sends a second, well-formed config with other
                      addresses: a client must ignore it and stay
Prints one JSON line: the hello, what the client did ("close": its close
code, or null if it stayed for --hold seconds). Exits 0 when the client
did what the mode wants, 1 otherwise.

Needs python3-websockets (10.x).
"""

import argparse
import asyncio
import json
import sys

import websockets

SUBPROTOCOL = "wstun.v1"


async def serve(args):
    done = asyncio.get_running_loop().create_future()
    report = {"mode": args.mode}

    async def handler(ws, path=None):
        try:
            report["hello"] = json.loads(await asyncio.wait_for(ws.recv(), args.hold))
            await ws.send(json.dumps({"type": "config", "address4": args.address4, "mtu": 1400,
                                      "routes": [], "dns": [], "keepalive": 0}))
            await asyncio.sleep(args.delay)
            if args.mode == "second-config-bad":
                await ws.send(json.dumps({"type": "config", "address4": "10.99.0.9/24",
                                          "mtu": 12}))
            else:
                await ws.send(json.dumps({"type": "config", "address4": "10.99.0.9/24",
                                          "mtu": 1300, "routes": [], "dns": []}))
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), args.hold)
            except websockets.ConnectionClosed as e:
                report["close"] = e.rcvd.code if e.rcvd is not None else None
                report["reason"] = e.rcvd.reason if e.rcvd is not None else None
            except asyncio.TimeoutError:
                report["close"] = None
                await ws.close(1000, "test over")
        finally:
            if not done.done():
                done.set_result(None)

    async with websockets.serve(handler, args.host, args.port, subprotocols=[SUBPROTOCOL],
                                compression=None, ping_interval=None):
        await asyncio.wait_for(done, args.timeout)
    want = 4400 if args.mode == "second-config-bad" else None
    report["ok"] = "hello" in report and report.get("close", "missing") == want
    print(json.dumps(report), flush=True)
    return 0 if report["ok"] else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("second-config-bad", "second-config-good"))
    parser.add_argument("--host", default="198.18.0.1")
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--address4", default="10.99.0.2/24")
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--hold", type=float, default=3)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(serve(args)))
    except asyncio.TimeoutError:
        print(json.dumps({"mode": args.mode, "ok": False, "error": "no client"}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
