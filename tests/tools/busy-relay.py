#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A relay that is always busy: answers every request on --host/--port
with HTTP 503 and Retry-After: --retry-after (PROTOCOL.md section 2), for
--seconds at most. Prints one line per request: the time it came."""

import argparse
import http.server
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--retry-after", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    class Busy(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            print(f"request {time.monotonic():.3f}", flush=True)
            self.send_response(503)
            self.send_header("Retry-After", str(args.retry_after))
            self.send_header("Connection", "close")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_):
            pass

    server = http.server.HTTPServer((args.host, args.port), Busy)
    server.timeout = 0.2
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        server.handle_request()
    sys.exit(0)


if __name__ == "__main__":
    main()
