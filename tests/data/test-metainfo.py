#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""NetworkManager-wstun's AppStream metainfo, as meson merges the
translations into it:

- appstreamcli validate --no-net --strict passes (no error, warning or
  info; pedantic hints are allowed);
- the file is named after its component ID, an add-on that extends
  nm-connection-editor and GNOME Settings;
- every language of po/LINGUAS translates its name, summary and
  description;
- the screenshots are files of the repository, data/screenshots/ (until
  the GTK editor's branch adds that directory, the test says which are
  still missing).

usage: test-metainfo.py METAINFO SRCDIR"""

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def main():
    path, src = sys.argv[1], sys.argv[2]
    if shutil.which("appstreamcli") is None:
        print("SKIP: no appstreamcli (Debian package appstream)")
        return 77
    r = subprocess.run(["appstreamcli", "validate", "--no-net", "--strict", "--pedantic", path],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr)
    check(r.returncode == 0, "appstreamcli validate --no-net --strict")

    root = ET.parse(path).getroot()
    cid = root.findtext("id")
    check(root.get("type") == "addon", "an add-on")
    check(os.path.basename(path) == f"{cid}.metainfo.xml", f"the file is named after its ID {cid}")
    check({e.text for e in root.findall("extends")} >= {"nm-connection-editor.desktop", "org.gnome.Settings"},
          "it extends nm-connection-editor and GNOME Settings")
    check(root.findtext("translation[@type='gettext']") == "wstun", "translated in the domain wstun")

    with open(os.path.join(src, "po", "LINGUAS"), encoding="utf-8") as f:
        linguas = [w for line in f for w in line.split("#", 1)[0].split()]
    for lang in linguas:
        for tag in ["name", "summary", "developer_name"]:
            check(any(e.get(XML_LANG) == lang for e in root.findall(tag)), f"{lang}: {tag} is translated")
        check(any(p.get(XML_LANG) == lang for p in root.findall("description/p")),
              f"{lang}: the description is translated")
        check(any(c.get(XML_LANG) == lang for c in root.findall("screenshots/screenshot/caption")),
              f"{lang}: the screenshots' captions are translated")

    images = [i.text.strip() for i in root.findall("screenshots/screenshot/image")]
    check(len(images) >= 1, "it has screenshots")
    shots = os.path.join(src, "data", "screenshots")
    for url in images:
        m = re.fullmatch(r"https://[^ ]+/raw/main/(data/screenshots/[A-Za-z0-9._-]+\.png)", url)
        check(m is not None, f"{url} is a file of the repository, data/screenshots/*.png")
        if m is None:
            continue
        if os.path.isdir(shots):
            check(os.path.isfile(os.path.join(src, m.group(1))), f"{m.group(1)} is in the repository")
        else:
            print(f"note: {m.group(1)} is not in the repository yet (the GTK editor's branch adds it)")

    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
