#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Prints "N passed, N failed, N skipped" over meson test logs; exits 1 on any failure."""
import json
import sys

passed = failed = skipped = 0
args = sys.argv[1:]
if args[:1] == ["--extra-failures"]:
    failed += int(args[1])
    args = args[2:]
for path in args:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        print(f"cannot read {path}: {e}")
        failed += 1
        continue
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"failed: {json.loads(line).get('name')} ({result})")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
