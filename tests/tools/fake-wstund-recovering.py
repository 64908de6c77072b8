#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake wstund for NetworkManager-wstun's test of a tunnel that recovers:
wstund does not reconnect on its own yet (the state "reconnecting" is
reserved), so this one plays it. It owns org.wstun on the system bus and
implements data/org.wstun.xml's Connect and Disconnect: Connect makes a
TUN device (fakewstun0, with `ip tuntap`), and the connection becomes
"connected" 0.1 s later with Address4 10.99.0.50/24. The test drives it
with a method of its own on /org/wstun:

  org.wstun.Test.Drop(s address4, s state)
      the connection goes "reconnecting"; 0.3 s later it is STATE
      ("connected" with ADDRESS4 as its new address, or "failed")

usage: fake-wstund-recovering.py DATA/org.wstun.xml
Prints "ready" once it owns the name; SIGTERM ends it (the device goes)."""

import subprocess
import sys

from gi.repository import Gio, GLib

CONNECTION = "org.wstun.Connection"
DEVICE = "fakewstun0"
TEST_XML = """
<node>
  <interface name="org.wstun.Test">
    <method name="Drop">
      <arg name="address4" type="s" direction="in"/>
      <arg name="state" type="s" direction="in"/>
    </method>
  </interface>
</node>"""
OBJECT_MANAGER_XML = """
<node>
  <interface name="org.freedesktop.DBus.ObjectManager">
    <method name="GetManagedObjects">
      <arg name="objects" type="a{oa{sa{sv}}}" direction="out"/>
    </method>
  </interface>
</node>"""


def s(value):
    return GLib.Variant("s", value)


class Fake:
    def __init__(self, xml_path):
        with open(xml_path, encoding="utf-8") as f:
            api = Gio.DBusNodeInfo.new_for_xml(f.read())
        self.bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
        self.connection_info = api.lookup_interface(CONNECTION)
        self.path = None
        self.props = {}
        self.registration = None
        for info in (api.lookup_interface("org.wstun"),
                     Gio.DBusNodeInfo.new_for_xml(OBJECT_MANAGER_XML).interfaces[0],
                     Gio.DBusNodeInfo.new_for_xml(TEST_XML).interfaces[0]):
            self.bus.register_object("/org/wstun", info, self.on_call, self.on_get, None)

    def set(self, **values):
        self.props.update(values)
        self.bus.emit_signal(None, self.path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                             GLib.Variant("(sa{sv}as)", (CONNECTION, values, [])))

    def on_get(self, bus, sender, path, interface, name):
        if interface == "org.wstun":
            conns = [self.path] if self.path else []
            return {"Connections": GLib.Variant("ao", conns), "Version": s("0.1.0")}[name]
        return self.props[name]

    def connect(self, settings):
        subprocess.run(["ip", "tuntap", "add", "dev", DEVICE, "mode", "tun"], check=True)
        self.path = "/org/wstun/connection/1"
        self.props = {
            "State": s("connecting"), "Url": s(settings["url"]), "Owner": GLib.Variant("u", 0),
            "RelayAddress": s("198.18.0.1"), "Interface": s(""), "Address4": s(""),
            "Address6": s(""), "Mtu": GLib.Variant("u", 0), "Routes": GLib.Variant("as", []),
            "Dns": GLib.Variant("as", []), "LastError": s(""), "FailureReason": s(""),
            "RxBytes": GLib.Variant("t", 0), "TxBytes": GLib.Variant("t", 0),
            "RxPackets": GLib.Variant("t", 0), "TxPackets": GLib.Variant("t", 0),
            "DroppedPackets": GLib.Variant("t", 0),
        }
        self.registration = self.bus.register_object(self.path, self.connection_info, self.on_call,
                                                     self.on_get, None)
        GLib.timeout_add(100, self.come_up, "10.99.0.50/24")
        return self.path

    def come_up(self, address4):
        self.set(State=s("connected"), Interface=s(DEVICE), Address4=s(address4),
                 Mtu=GLib.Variant("u", 1400), Routes=GLib.Variant("as", ["192.168.88.0/24"]))
        return GLib.SOURCE_REMOVE

    def end(self, address4, state):
        if state == "connected":
            return self.come_up(address4)
        self.set(State=s("failed"), LastError=s("The relay closed the connection (1001)"),
                 FailureReason=s("relay-closed"))
        return GLib.SOURCE_REMOVE

    def remove(self):
        if self.path is None:
            return
        self.set(State=s("disconnected"))
        self.bus.unregister_object(self.registration)
        self.path = None
        subprocess.run(["ip", "link", "del", DEVICE], check=False)

    def on_call(self, bus, sender, path, interface, method, parameters, invocation):
        if method == "GetManagedObjects":
            objects = {self.path: {CONNECTION: self.props}} if self.path else {}
            invocation.return_value(GLib.Variant("(a{oa{sa{sv}}})", (objects,)))
        elif method == "Connect":
            if self.path is not None:
                invocation.return_dbus_error("org.wstun.Error.LimitExceeded", "one at a time")
                return
            invocation.return_value(GLib.Variant("(o)", (self.connect(parameters.unpack()[0]),)))
        elif method == "Disconnect":
            self.remove()
            invocation.return_value(None)
        elif method == "Drop" and self.path is not None:
            address4, state = parameters.unpack()
            self.set(State=s("reconnecting"))
            GLib.timeout_add(300, self.end, address4, state)
            invocation.return_value(None)
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

    Gio.bus_own_name_on_connection(fake.bus, "org.wstun", Gio.BusNameOwnerFlags.DO_NOT_QUEUE,
                                   acquired, lost)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, loop.quit)
    loop.run()
    fake.remove()


if __name__ == "__main__":
    main()
