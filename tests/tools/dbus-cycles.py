#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Connects and disconnects through org.wstun, again and again.

usage: dbus-cycles.py URL CYCLES   (on the system bus)

Three cycles in four wait for "connected" before Disconnect; every fourth
disconnects at once, while the connection is still being made (the
cancellation path). Each cycle waits for the object to disappear, so that
what wstund holds for it is released before the next. Prints a JSON line
with the counts; exits 1 when a cycle does not complete in time."""

import json
import sys
import time

from gi.repository import Gio, GLib

url, cycles = sys.argv[1], int(sys.argv[2])
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
loop = GLib.MainLoop()
seen = {}


def on_changed(_conn, _sender, path, _iface, _signal, params):
    iface, changed, _ = params.unpack()
    if iface == "org.wstun.Connection" and "State" in changed:
        seen[path] = changed["State"]
        loop.quit()


def on_removed(_conn, _sender, _path, _iface, _signal, params):
    path, _ = params.unpack()
    seen[path] = "removed"
    loop.quit()


def wait_for(path, states, seconds):
    deadline = time.monotonic() + seconds
    while seen.get(path) not in states:
        if time.monotonic() >= deadline:
            return False
        # wakes the loop now and then to look at the deadline
        timer = GLib.timeout_add(100, lambda: loop.quit() or False)
        loop.run()
        if GLib.main_context_default().find_source_by_id(timer) is not None:
            GLib.source_remove(timer)
    return True


bus.signal_subscribe("org.wstun", "org.freedesktop.DBus.Properties", "PropertiesChanged", None,
                     None, Gio.DBusSignalFlags.NONE, on_changed)
bus.signal_subscribe("org.wstun", "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                     "/org/wstun", None, Gio.DBusSignalFlags.NONE, on_removed)
counts = {"connected": 0, "cancelled": 0}
start = time.monotonic()
for i in range(cycles):
    settings = {"url": GLib.Variant("s", url), "interface": GLib.Variant("s", "wstunc0")}
    reply = bus.call_sync("org.wstun", "/org/wstun", "org.wstun", "Connect",
                          GLib.Variant("(a{sv})", (settings,)), GLib.VariantType("(o)"),
                          Gio.DBusCallFlags.NONE, -1, None)
    path = reply.unpack()[0]
    if i % 4 != 3:
        if not wait_for(path, ("connected",), 10):
            sys.exit(f"cycle {i + 1}: {path} is {seen.get(path)}, not connected after 10 s")
        counts["connected"] += 1
    else:
        counts["cancelled"] += 1
    bus.call_sync("org.wstun", path, "org.wstun.Connection", "Disconnect", None, None,
                  Gio.DBusCallFlags.NONE, -1, None)
    if not wait_for(path, ("removed",), 10):
        sys.exit(f"cycle {i + 1}: {path} is still there 10 s after Disconnect")
    seen.pop(path, None)
counts["seconds"] = round(time.monotonic() - start, 1)
print(json.dumps(counts))
