#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs a command on a pseudo-terminal and answers its prompts, as a person
at a terminal would: for each --expect REGEX --send TEXT pair, waits (at
most --timeout seconds) until the output matches REGEX, then types TEXT
and Enter. Prints everything the command showed; exits with its status
(124 when a prompt never came or it did not end in time).

usage: pty-answer.py [--timeout S] [--expect REGEX --send TEXT]... -- CMD..."""

import os
import pty
import re
import select
import sys
import time


def main():
    args = sys.argv[1:]
    timeout, pairs = 30.0, []
    while args and args[0] != "--":
        if args[0] == "--timeout":
            timeout = float(args[1])
            args = args[2:]
        elif args[0] == "--expect" and len(args) >= 4 and args[2] == "--send":
            pairs.append((re.compile(args[1]), args[3]))
            args = args[4:]
        else:
            sys.exit("usage: pty-answer.py [--timeout S] [--expect REGEX --send TEXT]... -- CMD...")
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    end = time.monotonic() + timeout
    shown, pos = b"", 0
    status = None
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            shown += chunk
        if pairs:
            m = pairs[0][0].search(shown.decode(errors="replace"), pos)
            if m:
                pos = m.end()
                os.write(fd, pairs[0][1].encode() + b"\r")
                pairs.pop(0)
    sys.stdout.write(shown.decode(errors="replace"))
    for _ in range(50):
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        time.sleep(0.1)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        sys.exit(124)
    sys.exit(124 if pairs else status)


if __name__ == "__main__":
    main()
