#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The programs speak the languages of po/LINGUAS, as installed:

- meson install puts every language's wstun.mo in LOCALEDIR (the build's
  prefix and localedir), with every message its .po translates;
- the programs of the build tree, which look for their catalogue in
  LOCALEDIR (config.h), find it there: the test installs the catalogues
  with DESTDIR into a directory of its own and, in a mount namespace of
  its own, lays that directory over the prefix's (overlayfs, read-only),
  so that nothing is installed on the machine and no program is told
  where to look. It then runs them with LANGUAGE=LANG (and LC_ALL=C.UTF-8:
  gettext ignores LANGUAGE in the C locale) and wants each message in the
  translation the catalogue holds: wstunctl's help and a usage error,
  a command's options (GOption), wstun-relay's and wstund's option errors,
  and NetworkManager-wstun's auth dialog, service and libnm plugin (loaded
  into a Python process, whose default domain is not wstun: the plugin's
  factory binds its own).

Without root, the namespace is a user namespace. Without unshare or
overlayfs, the catalogues are still checked and the rest is skipped.

usage: test-translations.py BUILDDIR SRCDIR"""

import gettext
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []

# lays $1 over $2 (read-only), then runs the rest
OVERLAY = 'mount -t overlay overlay -o "lowerdir=$1:$2" "$2" && shift 2 && exec "$@"'

# finds the libnm plugin's name and an import error, in a process that
# sets its locale as nmcli and GNOME Settings do
PLUGIN_SCRIPT = """
import locale, sys
locale.setlocale(locale.LC_ALL, "")
import gi
gi.require_version("NM", "1.0")
from gi.repository import NM, GLib
plugin = NM.VpnEditorPlugin.load(sys.argv[1], "org.freedesktop.NetworkManager.wstun")
print(plugin.get_property("name"))
try:
    plugin.import_(sys.argv[2])
except GLib.Error as e:
    print(e.message)
"""


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def options(build):
    with open(os.path.join(build, "meson-info", "intro-buildoptions.json"), encoding="utf-8") as f:
        return {o["name"]: o["value"] for o in json.load(f)}


def linguas(src):
    with open(os.path.join(src, "po", "LINGUAS"), encoding="utf-8") as f:
        return [w for line in f for w in line.split("#", 1)[0].split()]


def check_catalogues(src, installed, langs):
    for lang in langs:
        mo = os.path.join(installed, lang, "LC_MESSAGES", "wstun.mo")
        check(os.path.isfile(mo), f"meson install puts {lang}/LC_MESSAGES/wstun.mo in LOCALEDIR")
        if not os.path.isfile(mo):
            continue
        stats = run(["msgfmt", "--statistics", "-o", "/dev/null", os.path.join(src, "po", lang + ".po")])
        translated = int(re.match(r"(\d+) translated", stats.stderr).group(1))
        held = len(re.findall(r"^msgid ", run(["msgunfmt", mo]).stdout, re.M)) - 1
        check(held == translated, f"{lang}: wstun.mo holds the {translated} messages of {lang}.po ({held})")


def namespace_runner(localedir, installed):
    """a command prefix that runs a program where LOCALEDIR shows the
    installed catalogues, or None"""
    if shutil.which("unshare") is None:
        return None, "no unshare"
    target = localedir
    while not os.path.isdir(target):
        target = os.path.dirname(target)
    if target == "/":
        return None, f"nothing of {localedir} exists to lay the catalogues over"
    lower = installed[: len(installed) - len(localedir)] + target
    base = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        base.insert(1, "--map-root-user")
    runner = base + ["sh", "-c", OVERLAY, "sh", lower, target]
    probe = run(runner + ["true"])
    if probe.returncode != 0:
        return None, f"cannot lay the catalogues over {target}: {probe.stderr.strip()}"
    return runner, None


def plugin_python():
    """a Python with GObject introspection and libnm's typelib"""
    for python in [sys.executable, "/usr/bin/python3"]:
        if os.path.exists(python) and run([python, "-c", "import gi; gi.require_version('NM', '1.0')"]).returncode == 0:
            return python
    return None


def check_language(lang, runner, build, installed):
    t = gettext.translation("wstun", localedir=installed, languages=[lang])
    _ = t.gettext
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE=lang)
    env.pop("LANG", None)

    def program(*args):
        return run(runner + list(args), env=env)

    def has(output, msgid, what, *values):
        text = _(msgid) % values if values else _(msgid)
        check(text != (msgid % values if values else msgid), f"{lang}: {what}: {lang}.po translates “{msgid}”")
        check(text in output, f"{lang}: {what} says “{text}”")

    src = os.path.join(build, "src")
    r = program(os.path.join(src, "wstunctl"), "--help")
    has(r.stdout, "Usage: wstunctl [--json] [--session] [COMMAND] [ARGUMENTS]", "wstunctl --help")
    has(r.stdout, "Connect to a relay and wait until the tunnel is up", "wstunctl --help")
    check("Project-Id-Version" not in r.stdout, f"{lang}: wstunctl --help does not print the catalogue's header")
    r = program(os.path.join(src, "wstunctl"), "frobnicate")
    check(r.returncode == 2, f"{lang}: wstunctl frobnicate exits with 2 ({r.returncode})")
    has(r.stderr, "unknown command “%s”; see --help", "wstunctl frobnicate", "frobnicate")
    r = program(os.path.join(src, "wstunctl"), "connect", "--help")
    has(r.stdout, "Read the relay's token from FILE (which other users must not be able to read)",
        "wstunctl connect --help")
    check("--token-file=" + _("FILE") in r.stdout, f"{lang}: wstunctl connect --help: --token-file={_('FILE')}")
    r = program(os.path.join(src, "wstun-relay"), "--help")
    has(r.stdout, "Relay IP packets between wstun clients over WebSockets.", "wstun-relay --help")
    r = program(os.path.join(src, "wstun-relay"), "--listen", "ftp://x:1")
    check(r.returncode != 0, f"{lang}: wstun-relay --listen ftp://x:1 fails")
    has(r.stderr, "Listen address “%s” must start with ws:// or wss://", "wstun-relay --listen ftp://x:1",
        "ftp://x:1")
    r = program(os.path.join(src, "wstund"), "--connect", "ftp://x")
    check(r.returncode != 0, f"{lang}: wstund --connect ftp://x fails")
    has(r.stderr, "Relay URL “%s” must be ws://HOST[:PORT][/PATH] or wss://…", "wstund --connect ftp://x",
        "ftp://x")

    nm = os.path.join(build, "nm-plugin")
    if not os.path.exists(os.path.join(nm, "nm-wstun-service")):
        print("note: NetworkManager-wstun is not built")
        return
    r = program(os.path.join(nm, "nm-wstun-auth-dialog"))
    has(r.stderr, "--uuid, --name and --service are required", "nm-wstun-auth-dialog")
    r = program(os.path.join(nm, "nm-wstun-service"), "--help")
    has(r.stdout, "NetworkManager's VPN service for wstun, started by NetworkManager; it asks wstund for the tunnel.",
        "nm-wstun-service --help")
    python = plugin_python()
    if python is None:
        print("note: no Python with libnm's GObject introspection: the libnm plugin is not run")
        return
    r = program(python, "-c", PLUGIN_SCRIPT, os.path.join(nm, "libnm-vpn-plugin-wstun.so"), "/nonexistent/office.conf")
    check(r.returncode == 0, f"{lang}: the libnm plugin loads: {r.stderr.strip()}")
    has(r.stdout, "WebSocket VPN (wstun)", "the libnm plugin's name")
    has(r.stdout, "A wstun file's name ends in “%s”", "the libnm plugin's import", ".wstun")


def main():
    build, src = sys.argv[1], sys.argv[2]
    langs = linguas(src)
    if not langs:
        print("SKIP: po/LINGUAS has no language")
        return 77
    o = options(build)
    localedir = os.path.join(o["prefix"], o["localedir"])
    with tempfile.TemporaryDirectory() as dest:
        r = run(["meson", "install", "-C", build, "--no-rebuild", "--quiet", "--tags", "i18n", "--destdir", dest])
        check(r.returncode == 0, f"meson install --tags i18n --destdir: {r.stdout.strip()} {r.stderr.strip()}")
        installed = dest + localedir
        check_catalogues(src, installed, langs)
        runner, why = namespace_runner(localedir, installed)
        if runner is None:
            print(f"SKIP: the programs are not run: {why}")
            return 1 if failures else 77
        for lang in langs:
            check_language(lang, runner, build, installed)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
