#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Times org.wstun.Connect until the connection's State is "connected",
as a D-Bus client sees it: from sending the call to the PropertiesChanged
that says "connected". Then Disconnect, and again.

usage: dbus-connect-latency.py URL RUNS   (on the system bus)
Prints one time per line in ms, then a summary line."""

import statistics
import sys
import time

from gi.repository import Gio, GLib

url, runs = sys.argv[1], int(sys.argv[2])
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
loop = GLib.MainLoop()
state = {"path": None, "t0": 0.0, "t1": None}


def on_changed(_conn, _sender, path, _iface, _signal, params):
    iface, changed, _ = params.unpack()
    if iface == "org.wstun.Connection" and changed.get("State") == "connected":
        if path == state["path"] or state["path"] is None:
            state["t1"] = time.monotonic()
            state["connected_path"] = path
            loop.quit()


bus.signal_subscribe("org.wstun", "org.freedesktop.DBus.Properties", "PropertiesChanged", None, None,
                     Gio.DBusSignalFlags.NONE, on_changed)
times = []
for i in range(runs):
    state.update(path=None, t1=None)
    settings = {"url": GLib.Variant("s", url), "interface": GLib.Variant("s", "wstunb0")}
    state["t0"] = time.monotonic()
    reply = bus.call_sync("org.wstun", "/org/wstun", "org.wstun", "Connect",
                          GLib.Variant("(a{sv})", (settings,)), GLib.VariantType("(o)"),
                          Gio.DBusCallFlags.NONE, -1, None)
    state["path"] = reply.unpack()[0]
    if state["t1"] is None:
        timer = GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        if state["t1"] is not None:
            GLib.source_remove(timer)
    if state["t1"] is None:
        sys.exit(f"run {i + 1}: {state['path']} did not become connected within 10 s")
    ms = (state["t1"] - state["t0"]) * 1000
    times.append(ms)
    print(f"{ms:.2f}", flush=True)
    bus.call_sync("org.wstun", state["path"], "org.wstun.Connection", "Disconnect", None, None,
                  Gio.DBusCallFlags.NONE, -1, None)
times.sort()
print(f"runs={runs} median_ms={statistics.median(times):.2f} min_ms={times[0]:.2f} "
      f"p90_ms={times[int(0.9 * (runs - 1))]:.2f} max_ms={times[-1]:.2f}")
