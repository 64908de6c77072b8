#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile calls to org.wstun on the system bus (DBUS_SYSTEM_BUS_ADDRESS),
for tests/system/test-dbus-hostile.sh. Each command prints one JSON object.

  big KEY BYTES [--url URL]  Connect with setting KEY (s) of BYTES bytes
                             ('a' after a valid prefix for url): the error
                             name, the message's length and the time taken
  control KEY                Connect with a control sequence in KEY
  inflight N URL             N Connects at once on one bus connection: the
                             error names of those answered within 3 s
  managed-size               GetManagedObjects: the reply's size in bytes and
                             the number of connections
  flood N BYTES              N Connects, one after the other, each with a URL
                             of BYTES bytes and an unknown setting: how many
                             were refused with InvalidArgs
  connect URL [KEY=VALUE...] one Connect (values: s, or u for mtu; @FILE
                             for the bytes of FILE as ay): path or error
"""
import json
import sys
import time

from gi.repository import Gio, GLib

BUS = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)


def call(settings, timeout_ms=60000):
    start = time.monotonic()
    try:
        reply = BUS.call_sync(
            "org.wstun", "/org/wstun", "org.wstun", "Connect",
            GLib.Variant("(a{sv})", (settings,)), GLib.VariantType("(o)"),
            Gio.DBusCallFlags.NONE, timeout_ms, None)
        return {"path": reply.unpack()[0], "seconds": time.monotonic() - start}
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e) or e.domain
        message = Gio.DBusError.strip_remote_error(e) or e.message
        return {"error": name, "message": e.message,
                "message_len": len(e.message.encode()),
                "seconds": time.monotonic() - start}


def cmd_big(key, size, url="ws://198.18.0.1:80"):
    size = int(size)
    if key == "url":
        prefix = "ws://198.18.0.1:80/"
        value = prefix + "a" * max(0, size - len(prefix))
        settings = {"url": GLib.Variant("s", value)}
    else:
        settings = {"url": GLib.Variant("s", url), key: GLib.Variant("s", "a" * size)}
    return call(settings)


def cmd_control(key):
    evil = "\x1b]0;owned\x07\nwstund-Message: forged"
    if key == "url":
        settings = {"url": GLib.Variant("s", "ws://198.18.0.1:80/" + evil)}
    else:
        settings = {"url": GLib.Variant("s", "ws://198.18.0.1:80"), key: GLib.Variant("s", evil)}
    return call(settings)


def cmd_inflight(n, url):
    n = int(n)
    loop = GLib.MainLoop()
    answers = []

    def done(bus, result, index):
        try:
            bus.call_finish(result)
            answers.append({"index": index, "path": True})
        except GLib.Error as e:
            answers.append({"index": index, "error": Gio.DBusError.get_remote_error(e),
                            "message": e.message})

    for i in range(n):
        settings = {"url": GLib.Variant("s", url)}
        BUS.call("org.wstun", "/org/wstun", "org.wstun", "Connect",
                 GLib.Variant("(a{sv})", (settings,)), GLib.VariantType("(o)"),
                 Gio.DBusCallFlags.NONE, 60000, None, done, i)
    GLib.timeout_add(3000, loop.quit)
    loop.run()
    return {"answered": sorted(answers, key=lambda a: a["index"])}


def cmd_managed_size():
    msg = Gio.DBusMessage.new_method_call(
        "org.wstun", "/org/wstun", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
    reply, _ = BUS.send_message_with_reply_sync(msg, Gio.DBusSendMessageFlags.NONE, 60000, None)
    if reply.get_message_type() == Gio.DBusMessageType.ERROR:
        return {"error": reply.get_error_name()}
    blob = reply.to_blob(Gio.DBusCapabilityFlags.NONE)
    objects = reply.get_body().unpack()[0]
    return {"bytes": len(blob), "objects": len(objects)}


def cmd_flood(n, size):
    refused = 0
    prefix = "ws://198.18.0.1:80/"
    url = prefix + "a" * max(0, int(size) - len(prefix))
    for i in range(int(n)):
        # odd calls: too long a URL; even ones: a valid URL and an unknown key
        if i % 2:
            settings = {"url": GLib.Variant("s", url)}
        else:
            settings = {"url": GLib.Variant("s", prefix), "colour%d" % i: GLib.Variant("s", "x")}
        result = call(settings)
        refused += result.get("error") == "org.wstun.Error.InvalidArgs"
    return {"calls": int(n), "refused": refused}


def cmd_connect(url, *pairs):
    settings = {"url": GLib.Variant("s", url)}
    for pair in pairs:
        key, value = pair.split("=", 1)
        if value.startswith("@"):
            with open(value[1:], "rb") as f:
                settings[key] = GLib.Variant("ay", f.read())
        elif key == "mtu":
            settings[key] = GLib.Variant("u", int(value))
        elif key in ("manage-ip", "bind-to-caller"):
            settings[key] = GLib.Variant("b", value == "true")
        else:
            settings[key] = GLib.Variant("s", value)
    return call(settings)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    result = {"big": cmd_big, "control": cmd_control, "inflight": cmd_inflight,
              "managed-size": cmd_managed_size, "connect": cmd_connect, "flood": cmd_flood}[cmd](*args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
