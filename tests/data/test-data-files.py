#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The D-Bus service's data files: well-formed, consistent with each other,
and installed where pkg-config says (dbus-1, polkit-gobject-1, systemd).

usage: test-data-files.py BUILDDIR SRCDIR"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def pkg(module, var, define=None):
    """a pkg-config variable, with another variable defined first (as
    meson's pkgconfig_define) when @define is (name, value)"""
    extra = ["--define-variable=%s=%s" % define] if define else []
    return subprocess.run(["pkg-config", "--variable=" + var, *extra, module], check=True,
                          capture_output=True, text=True).stdout.strip()


def keys(path):
    """key=value lines of an ini-style file (last one wins)"""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def main():
    build, src = sys.argv[1], sys.argv[2]
    data = os.path.join(src, "data")

    # well-formed XML, and the policy and API agree on names
    for name in ["org.wstun.xml", "org.wstun.conf", "org.wstun.policy.in"]:
        try:
            ET.parse(os.path.join(data, name))
            check(True, f"{name} is well-formed XML")
        except ET.ParseError as e:
            check(False, f"{name}: {e}")
    api = ET.parse(os.path.join(data, "org.wstun.xml")).getroot()
    check([i.get("name") for i in api.findall("interface")] == ["org.wstun", "org.wstun.Connection"],
          "org.wstun.xml has the interfaces org.wstun and org.wstun.Connection")
    conf = ET.parse(os.path.join(data, "org.wstun.conf")).getroot()
    owners = [(p.get("user"), a.get("own")) for p in conf.findall("policy") for a in p.findall("allow")
              if a.get("own")]
    check(owners == [("root", "org.wstun")], "only root may own org.wstun")
    sends = [a.attrib for p in conf.findall("policy") if p.get("context") == "default"
             for a in p.findall("allow")]
    check(all(a.get("send_destination") == "org.wstun" for a in sends), "every rule is about org.wstun")
    check(not any(a.get("send_member") == "Set" or
                  (a.get("send_interface") == "org.freedesktop.DBus.Properties" and "send_member" not in a)
                  for a in sends), "Properties.Set is not allowed")
    methods = {(i.get("name"), m.get("name")) for i in api.findall("interface") for m in i.findall("method")}
    allowed = {(a.get("send_interface"), a.get("send_member")) for a in sends}
    check(methods <= allowed, f"every API method is allowed by the bus policy: {sorted(methods - allowed)}")
    policy = ET.parse(os.path.join(data, "org.wstun.policy.in")).getroot()
    check([a.get("id") for a in policy.findall("action")] == ["org.wstun.connect"],
          "the polkit policy has the action org.wstun.connect")
    defaults = policy.find("action/defaults")
    check(all(defaults.find(k).text.startswith("auth_admin") for k in
              ["allow_any", "allow_inactive", "allow_active"]), "org.wstun.connect needs an admin by default")

    # activation and unit agree
    service = keys(os.path.join(build, "data", "org.wstun.service"))
    unit = keys(os.path.join(build, "data", "wstund.service"))
    check(service.get("Name") == "org.wstun", "org.wstun.service: Name=org.wstun")
    check(service.get("SystemdService") == "wstund.service", "org.wstun.service: SystemdService=wstund.service")
    check(service.get("Exec", "").endswith("/wstund") and unit.get("ExecStart") == service.get("Exec"),
          "org.wstun.service's Exec= is wstund.service's ExecStart=")
    check(unit.get("Type") == "dbus" and unit.get("BusName") == "org.wstun", "wstund.service: Type=dbus, BusName")
    for k, v in [("CapabilityBoundingSet", "CAP_NET_ADMIN"), ("DeviceAllow", "/dev/net/tun rw"),
                 ("DevicePolicy", "closed"), ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes")]:
        check(unit.get(k) == v, f"wstund.service: {k}={v}")

    # installed where pkg-config says
    with open(os.path.join(build, "meson-info", "intro-installed.json"), encoding="utf-8") as f:
        installed = {os.path.basename(s): d for s, d in json.load(f).items()}
    options = {o["name"]: o["value"] for o in json.load(
        open(os.path.join(build, "meson-info", "intro-buildoptions.json"), encoding="utf-8"))}
    prefix = ("prefix", options["prefix"])
    datadir = pkg("dbus-1", "datadir", prefix)
    unitdir = options.get("systemdsystemunitdir") or pkg("systemd", "systemdsystemunitdir",
                                                         ("rootprefix", options["prefix"]))
    # wstunctl's bash completion: where bash-completion says (under our
    # prefix), or where it looks under the prefix without its pkg-config file
    completionsdir = options.get("bashcompletiondir")
    if not completionsdir:
        try:
            completionsdir = pkg("bash-completion", "completionsdir",
                                 ("datadir", os.path.join(options["prefix"], options["datadir"])))
        except subprocess.CalledProcessError:
            completionsdir = os.path.join(options["prefix"], options["datadir"], "bash-completion", "completions")
    places = {
        "org.wstun.xml": pkg("dbus-1", "interfaces_dir", prefix),
        "org.wstun.conf": os.path.join(datadir, "dbus-1", "system.d"),
        "org.wstun.service": pkg("dbus-1", "system_bus_services_dir", prefix),
        "org.wstun.policy": pkg("polkit-gobject-1", "policydir", prefix),
        "wstund.service": unitdir,
        "wstun-relay.service": unitdir,
        "wstun-relay.sysusers": pkg("systemd", "sysusersdir", prefix),
        "wstun-relay": os.path.join(options["prefix"], options["sbindir"]),
        "wstun-relay.8": os.path.join(options["prefix"], options["mandir"], "man8"),
        "wstunctl.bash-completion": completionsdir,
        "wstund": os.path.join(options["prefix"], options["sbindir"]),
        "wstunctl": os.path.join(options["prefix"], options["bindir"]),
        "wstunctl.1": os.path.join(options["prefix"], options["mandir"], "man1"),
        "wstund.8": os.path.join(options["prefix"], options["mandir"], "man8"),
    }
    # NetworkManager-wstun, when built: where libnm's pkg-config says
    if "nm-wstun-service.name" in installed:
        places.update({
            "nm-wstun-service.name": pkg("libnm", "vpnservicedir", prefix),
            "libnm-vpn-plugin-wstun.so": pkg("libnm", "plugindir", prefix),
            "nm-wstun-service.conf": os.path.join(datadir, "dbus-1", "system.d"),
            "nm-wstun-service": os.path.join(options["prefix"], options["libexecdir"]),
            "nm-wstun-auth-dialog": os.path.join(options["prefix"], options["libexecdir"]),
            "org.wstun.NetworkManagerPlugin.metainfo.xml": os.path.join(options["prefix"], options["datadir"],
                                                                        "metainfo"),
        })
        # its editors, when built: beside the plugin, which loads them from
        # its own directory
        for editor in ("libnm-vpn-plugin-wstun-editor.so", "libnm-gtk4-vpn-plugin-wstun-editor.so"):
            if editor in installed:
                places[editor] = places["libnm-vpn-plugin-wstun.so"]
    # the relay's example settings, where the system's settings are (/etc
    # for the prefix /usr, meson's rule; else under the prefix)
    sysconfdir = os.path.join(options["prefix"], options["sysconfdir"])
    places["relay.conf"] = os.path.join(sysconfdir, "wstun")
    # and every file under the prefix, or that sysconfdir, or a unit
    # directory the builder chose (-Dsystemdsystemunitdir, as the Debian
    # package does): --prefix /usr/local or a test directory holds all
    roots = [options["prefix"], sysconfdir] + ([unitdir] if options.get("systemdsystemunitdir") else [])
    for source, dest in installed.items():
        check(any(dest.startswith(r.rstrip("/") + "/") for r in roots),
              f"{source} installs to {dest}, outside the prefix {options['prefix']}")
    if completionsdir == "no":
        del places["wstunctl.bash-completion"]
        check("wstunctl.bash-completion" not in installed, "-Dbashcompletiondir=no installs no completion")
    for name, where in places.items():
        got = installed.get(name)
        check(got is not None and os.path.dirname(got) == where,
              f"{name} installs to {where} (meson: {got})")

    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
