#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake wstund that owns org.wstun on the (private) system bus and says
hostile things: every string it serves is full of terminal escapes (ESC,
BEL, C1 CSI), line breaks and U+2028, which the real wstund refuses to
store. For testing that wstunctl escapes what it prints.

usage: fake-wstund.py DATA/org.wstun.xml

It implements the API of data/org.wstun.xml: /org/wstun with org.wstun
and org.freedesktop.DBus.ObjectManager, one connection /org/wstun/connection/1
at the start (owned by uid 4242, which has no name), Connect making more
(they fail after 0.2 s, unless the url contains "connected"), Disconnect
removing them (connection 1 refuses, with a hostile error message).
Prints "ready" once it owns the name."""

import sys

from gi.repository import Gio, GLib

# what a hostile service could put in any string
EVIL = "\x1b]0;owned\x07\x1b[2J\u009b31m\nFAKE: line\r\u2028end"

OBJECT_MANAGER_XML = """
<node>
  <interface name="org.freedesktop.DBus.ObjectManager">
    <method name="GetManagedObjects">
      <arg name="objects" type="a{oa{sa{sv}}}" direction="out"/>
    </method>
    <signal name="InterfacesAdded">
      <arg name="object" type="o"/>
      <arg name="interfaces" type="a{sa{sv}}"/>
    </signal>
    <signal name="InterfacesRemoved">
      <arg name="object" type="o"/>
      <arg name="interfaces" type="as"/>
    </signal>
  </interface>
</node>"""

CONNECTION = "org.wstun.Connection"


class Fake:
    def __init__(self, xml_path):
        with open(xml_path, encoding="utf-8") as f:
            api = Gio.DBusNodeInfo.new_for_xml(f.read())
        self.manager_info = api.lookup_interface("org.wstun")
        self.connection_info = api.lookup_interface(CONNECTION)
        self.om_info = Gio.DBusNodeInfo.new_for_xml(OBJECT_MANAGER_XML).interfaces[0]
        self.bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
        self.connections = {}  # path -> {property: GLib.Variant}
        self.next_id = 1
        self.registrations = {}
        for info in (self.manager_info, self.om_info):
            self.bus.register_object("/org/wstun", info, self.on_call, self.on_get, None)
        self.add("ws://relay.example/" + EVIL, "connected", 4242, announce=False)

    def properties(self, url, state, owner):
        s = lambda v: GLib.Variant("s", v)
        return {
            "State": s(state),
            "Url": s(url),
            "Owner": GLib.Variant("u", owner),
            "RelayAddress": s("198.18.0.1" + EVIL),
            "Interface": s("wstun\x1b[31m0" + EVIL),
            "Address4": s("10.99.0.2/24" + EVIL),
            "Address6": s("fd00:99::2/64" + EVIL),
            "Mtu": GLib.Variant("u", 1400),
            "Routes": GLib.Variant("as", ["10.0.0.0/8" + EVIL, "192.0.2.0/24"]),
            "Dns": GLib.Variant("as", ["192.0.2.53" + EVIL]),
            "LastError": s("earlier trouble: " + EVIL),
            "FailureReason": s("internal" + EVIL),
            "RxBytes": GLib.Variant("t", 1),
            "TxBytes": GLib.Variant("t", 2),
            "RxPackets": GLib.Variant("t", 3),
            "TxPackets": GLib.Variant("t", 4),
            "DroppedPackets": GLib.Variant("t", 5),
        }

    def add(self, url, state, owner, announce=True):
        path = "/org/wstun/connection/%d" % self.next_id
        self.next_id += 1
        self.connections[path] = self.properties(url, state, owner)
        self.registrations[path] = self.bus.register_object(
            path, self.connection_info, self.on_call, self.on_get, None)
        if announce:
            self.bus.emit_signal(None, "/org/wstun", "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                                 GLib.Variant("(oa{sa{sv}})", (path, {CONNECTION: self.connections[path]})))
            self.changed_manager()
        return path

    def set(self, path, **values):
        props = self.connections[path]
        props.update(values)
        self.bus.emit_signal(None, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                             GLib.Variant("(sa{sv}as)", (CONNECTION, values, [])))

    def remove(self, path):
        self.set(path, State=GLib.Variant("s", "disconnected"))
        self.bus.unregister_object(self.registrations.pop(path))
        del self.connections[path]
        self.bus.emit_signal(None, "/org/wstun", "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                             GLib.Variant("(oas)", (path, [CONNECTION])))
        self.changed_manager()

    def changed_manager(self):
        self.bus.emit_signal(None, "/org/wstun", "org.freedesktop.DBus.Properties", "PropertiesChanged",
                             GLib.Variant("(sa{sv}as)", ("org.wstun", {"Connections": self.paths()}, [])))

    def paths(self):
        return GLib.Variant("ao", sorted(self.connections, key=lambda p: int(p.rsplit("/", 1)[1])))

    def on_get(self, bus, sender, path, interface, name):
        if interface == "org.wstun":
            return {"Connections": self.paths(), "Version": GLib.Variant("s", "0.1.0" + EVIL)}[name]
        return self.connections[path][name]

    def come_up_or_fail(self, path):
        if path not in self.connections:
            return GLib.SOURCE_REMOVE
        if "connected" in self.connections[path]["Url"].get_string():
            self.set(path, State=GLib.Variant("s", "connected"))
        else:
            self.set(path, State=GLib.Variant("s", "failed"),
                     LastError=GLib.Variant("s", "Cannot connect: " + EVIL),
                     FailureReason=GLib.Variant("s", "unreachable" + EVIL))
        return GLib.SOURCE_REMOVE

    def disconnect(self, invocation, path):
        if path not in self.connections:
            invocation.return_dbus_error("org.wstun.Error.NotFound", "There is no connection " + path)
        elif path == "/org/wstun/connection/1":
            invocation.return_dbus_error("org.wstun.Error.Failed", "cannot: " + EVIL)
        else:
            self.remove(path)
            invocation.return_value(None)

    def on_call(self, bus, sender, path, interface, method, parameters, invocation):
        if method == "GetManagedObjects":
            objects = {p: {CONNECTION: props} for p, props in self.connections.items()}
            invocation.return_value(GLib.Variant("(a{oa{sa{sv}}})", (objects,)))
        elif method == "Connect":
            settings = parameters.unpack()[0]
            path = self.add(settings.get("url", "ws://nowhere/") + EVIL, "connecting", 0)
            self.set(path, LastError=GLib.Variant("s", ""), FailureReason=GLib.Variant("s", ""))
            GLib.timeout_add(200, self.come_up_or_fail, path)
            invocation.return_value(GLib.Variant("(o)", (path,)))
        elif method == "Disconnect" and interface == "org.wstun":
            self.disconnect(invocation, parameters.unpack()[0])
        elif method == "Disconnect":
            self.disconnect(invocation, path)
        else:
            invocation.return_dbus_error("org.wstun.Error.Failed", "no method " + method)


def main():
    fake = Fake(sys.argv[1])
    loop = GLib.MainLoop()

    def acquired(bus, name):
        print("ready", flush=True)

    def lost(bus, name):
        print("cannot own org.wstun", flush=True)
        loop.quit()

    Gio.bus_own_name_on_connection(fake.bus, "org.wstun", Gio.BusNameOwnerFlags.DO_NOT_QUEUE, acquired, lost)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
