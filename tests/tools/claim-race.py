#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Two relays of a cluster racing for one address, many times.

For each race, two wstun.v1 clients send hello at the same moment, one to
each relay, both asking for the same IPv6 address (--prefix plus the race's
number). Exactly one must get a config with that address and the other
must be refused with address-in-use (4409); the address's claim in etcd
must name the relay that admitted the winner. Winners stay connected
until their batch is checked, then say goodbye (close 1000), so the
relays give their claims up.

Prints one JSON line: races run, wins per relay, races both or neither won,
claims naming the wrong relay, and failures. Exits 0 when every race had
exactly one winner and etcd agreed, 1 otherwise. Bounded by --timeout.
Reuses the WebSocket client of resume-client.py.
"""

import argparse
import asyncio
import base64
import importlib.util
import ipaddress
import json
import os
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("resume_client",
                                               os.path.join(HERE, "resume-client.py"))
rc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rc)


def etcd_get(endpoint, key):
    body = json.dumps({"key": base64.b64encode(key.encode()).decode()}).encode()
    req = urllib.request.Request(endpoint + "/v3/kv/range", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        kvs = json.load(r).get("kvs", [])
    return json.loads(base64.b64decode(kvs[0]["value"])) if kvs else None


async def contender(url, address):
    """(client, outcome): outcome "won", "in-use" or a description"""
    args = argparse.Namespace(url=url, path=None, token_file=None, ca_file=None, mode="session")
    c = rc.Client(args)
    try:
        await c.connect()
        status, _, _ = await c.upgrade()
        if status != 101:
            return c, f"HTTP {status}"
        hello = {"type": "hello", "version": 1, "software": "claim-race", "address6": address}
        await c.send(rc.frame(rc.OP_TEXT, json.dumps(hello).encode()))
        while True:
            opcode, payload = await c.next_message()
            if opcode != rc.OP_TEXT:
                continue
            msg = json.loads(payload)
            if msg.get("type") == "config":
                got = msg.get("address6", "").split("/")[0]
                return c, "won" if got == address else f"got {got}"
            if msg.get("type") == "error":
                return c, "in-use" if msg.get("code") == "address-in-use" else msg.get("code")
    except rc.Closed as e:
        return c, f"closed {e.code}"
    except (rc.Eof, OSError) as e:
        return c, f"connection: {e}"


async def goodbye(c):
    try:
        await c.send(rc.frame(rc.OP_CLOSE, (1000).to_bytes(2, "big")))
        await asyncio.wait_for(c.until_close(), 5)
    except (rc.Eof, OSError, asyncio.TimeoutError):
        pass
    if c.writer is not None:
        c.writer.close()


async def run(a):
    base = ipaddress.IPv6Address(a.prefix)
    report = {"races": 0, "wins": {rid: 0 for rid in a.ids}, "both": 0, "neither": 0,
              "etcd_wrong": 0, "failures": []}
    for start in range(0, a.count, a.batch):
        n = min(a.batch, a.count - start)
        addrs = [str(base + start + i) for i in range(n)]
        tasks = [asyncio.gather(contender(a.urls[0], x), contender(a.urls[1], x)) for x in addrs]
        results = await asyncio.gather(*tasks)
        winners = []
        for x, pair in zip(addrs, results):
            report["races"] += 1
            outcomes = [o for _, o in pair]
            won = [i for i, o in enumerate(outcomes) if o == "won"]
            if len(won) == 2:
                report["both"] += 1
            elif not won:
                report["neither"] += 1
                report["failures"].append({"address": x, "outcomes": outcomes})
            else:
                loser = outcomes[1 - won[0]]
                if loser != "in-use":
                    report["failures"].append({"address": x, "loser": loser})
                report["wins"][a.ids[won[0]]] += 1
                claim = etcd_get(a.etcd, "/wstun/addrs/" + x)
                if claim is None or claim.get("relay") != a.ids[won[0]]:
                    report["etcd_wrong"] += 1
            winners += [pair[i][0] for i in won]
            for c, o in pair:
                if o != "won" and c.writer is not None:
                    c.writer.close()
        await asyncio.gather(*(goodbye(c) for c in winners))
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", dest="urls", action="append", required=True, help="twice")
    p.add_argument("--id", dest="ids", action="append", required=True,
                   help="the relay id of each --url")
    p.add_argument("--etcd", required=True, help="an etcd client URL")
    p.add_argument("--prefix", default="fd00:99::1:0")
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    if len(a.urls) != 2 or len(a.ids) != 2:
        p.error("give --url and --id twice")
    try:
        report = asyncio.run(asyncio.wait_for(run(a), a.timeout))
    except asyncio.TimeoutError:
        print(json.dumps({"error": "timeout"}))
        return 1
    report["failures"] = report["failures"][:10]
    print(json.dumps(report))
    ok = (report["both"] == 0 and report["neither"] == 0 and report["etcd_wrong"] == 0 and
          not report["failures"] and report["races"] == a.count)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
