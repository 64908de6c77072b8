#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compares what a D-Bus object introspects as with the API's XML.

usage: dbus-api-check.py API.xml INTROSPECTED.xml INTERFACE...

Each INTERFACE must be in both, with the same methods (argument names,
types and directions, in order), signals and properties (types and
access). Prints the differences and exits 1 if there are any."""

import sys
import xml.etree.ElementTree as ET


def describe(iface):
    out = {}
    for m in iface.findall("method"):
        args = [(a.get("name"), a.get("type"), a.get("direction", "in")) for a in m.findall("arg")]
        out["method " + m.get("name")] = args
    for s in iface.findall("signal"):
        args = [(a.get("name"), a.get("type")) for a in s.findall("arg")]
        out["signal " + s.get("name")] = args
    for p in iface.findall("property"):
        out["property " + p.get("name")] = (p.get("type"), p.get("access"))
    return out


def interfaces(path):
    root = ET.parse(path).getroot()
    return {i.get("name"): describe(i) for i in root.findall("interface")}


def main():
    api, seen = interfaces(sys.argv[1]), interfaces(sys.argv[2])
    problems = []
    for name in sys.argv[3:]:
        if name not in api:
            problems.append(f"{name}: not in the API XML")
            continue
        if name not in seen:
            problems.append(f"{name}: not introspected")
            continue
        want, got = api[name], seen[name]
        for member in sorted(set(want) | set(got)):
            if want.get(member) != got.get(member):
                problems.append(f"{name}: {member}: API {want.get(member)} but introspected {got.get(member)}")
        print(f"{name}: {len(want)} members match")
    for p in problems:
        print("MISMATCH: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
