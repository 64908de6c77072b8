#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The translations stay whole (po/README.md):

- po/POTFILES.in lists exactly the files with translatable strings:
  every file of src/, nm-plugin/ and data/ that calls gettext (_ (),
  N_ (), C_ (), NC_ (), g_dngettext () and the like) or is an XML file
  gettext translates (a GtkBuilder .ui with translatable="yes", the
  polkit .policy.in, the AppStream .metainfo.xml.in) is listed (or in
  POTFILES.skip); every entry exists and has strings; the list is sorted;
- no translatable string goes on with a macro (xgettext would cut it);
- the template can be made: xgettext with meson's "glib" preset over
  POTFILES.in, without an error or a warning (a warning is a string that
  translators cannot get right, such as a format made of a macro);
- code loaded into other programs binds its domain: the sources of
  nm-plugin/properties/ and nm-plugin/shared/ (libnm-vpn-plugin-wstun.so
  and the editors, in nmcli, GNOME Settings, nm-connection-editor) use
  <glib/gi18n-lib.h>, whose _ () names the domain, never <glib/gi18n.h>,
  which uses the program's; a GtkBuilder .ui names the domain, or its
  editor calls gtk_builder_set_translation_domain ();
- po/LINGUAS names exactly the po/*.po files, sorted;
- every po/*.po passes msgfmt --check --check-format, has a Plural-Forms
  header, and is complete against the template made from today's code:
  merged with it, no message is untranslated or fuzzy, and none of its
  messages has left the code. A string added to the code fails this
  test until every language translates it.

usage: test-po.py SRCDIR"""

import os
import re
import subprocess
import sys
import tempfile

failures = []

# meson's i18n.gettext(preset: 'glib') (mesonbuild/modules/i18n.py),
# which po/meson.build uses for the wstun-pot target
GLIB_PRESET = [
    "--from-code=UTF-8", "--add-comments",
    "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format", "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format", "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format", "--flag=g_snprintf:3:c-format",
]

# a gettext call in C, after comments and string literals are gone; the
# project's style writes "_ (" with a space, GLib's "_(" without
GETTEXT_CALL = re.compile(r"(?<![A-Za-z0-9_])(_|N_|C_|NC_|Q_|g_dgettext|g_dcgettext|g_dngettext|"
                          r"g_dpgettext|g_dpgettext2|gettext|dgettext|dcgettext|ngettext|dngettext|"
                          r"dcngettext|pgettext|npgettext)\s*\(")
C_NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
# XML that xgettext reads through its ITS rules: every such file has strings
ITS_SUFFIXES = (".policy.in", ".metainfo.xml.in", ".appdata.xml.in", ".desktop.in")


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def translatable(path):
    """does the file hold strings for translators?"""
    if path.endswith(ITS_SUFFIXES):
        return True
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False
    if path.endswith(".ui"):
        return re.search(r'translatable\s*=\s*"(yes|true|1)"', text) is not None
    if path.endswith((".c", ".h")):
        return GETTEXT_CALL.search(C_NOISE.sub(" ", text)) is not None
    return False


def read_list(path):
    """the entries of POTFILES.in, POTFILES.skip or LINGUAS (no comments)"""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [w for line in f for w in line.split("#", 1)[0].split()]


def source_files(src):
    for top in ["src", "nm-plugin", "data"]:
        for dirpath, dirnames, filenames in os.walk(os.path.join(src, top)):
            dirnames.sort()
            for name in sorted(filenames):
                yield os.path.relpath(os.path.join(dirpath, name), src)


def c_sorted(entries):
    return entries == sorted(entries, key=lambda s: s.encode())


def check_potfiles(src, po):
    potfiles = read_list(os.path.join(po, "POTFILES.in"))
    skip = read_list(os.path.join(po, "POTFILES.skip"))
    check(len(potfiles) > 0, "po/POTFILES.in lists files")
    check(c_sorted(potfiles) and len(set(potfiles)) == len(potfiles),
          "po/POTFILES.in is sorted (LC_ALL=C sort -u)")
    missing = [p for p in potfiles + skip if not os.path.isfile(os.path.join(src, p))]
    check(not missing, f"every entry of POTFILES.in and POTFILES.skip exists: missing {missing}")
    empty = [p for p in potfiles if p not in missing and not translatable(os.path.join(src, p))]
    check(not empty, f"every entry of POTFILES.in has translatable strings: none in {empty}")
    unlisted = [p for p in source_files(src)
                if p not in potfiles and p not in skip and translatable(os.path.join(src, p))]
    check(not unlisted, f"every file with translatable strings is in POTFILES.in: not {unlisted}")
    return potfiles


# a gettext call whose string goes on with a macro ("… %" G_GSIZE_FORMAT,
# "(default " DEFAULT ")"): xgettext takes the literals before the macro
# only, and the program's string never matches that msgid
MACRO_IN_MSGID = re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_|NC_)\s*\(\s*(?:"(?:\\.|[^"\\\n])*"\s*)+[A-Za-z_]')


def check_macro_in_msgids(src, potfiles):
    cut = []
    for p in potfiles:
        if p.endswith((".c", ".h")):
            with open(os.path.join(src, p), encoding="utf-8") as f:
                text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
            cut += [f"{p}: {m.group(0)!r}" for m in MACRO_IN_MSGID.finditer(text)]
    check(not cut, f"no translatable string goes on with a macro: {cut}")


def check_library_domain(src, potfiles):
    """code in other programs' processes says which domain it translates with"""
    for p in source_files(src):
        if p.startswith(("nm-plugin/properties/", "nm-plugin/shared/")) and p.endswith(".c"):
            with open(os.path.join(src, p), encoding="utf-8") as f:
                text = f.read()
            if translatable(os.path.join(src, p)):
                check("<glib/gi18n-lib.h>" in text and "<glib/gi18n.h>" not in text,
                      f"{p} (in a shared library) includes <glib/gi18n-lib.h>, not <glib/gi18n.h>")
    for p in potfiles:
        if p.endswith(".ui"):
            with open(os.path.join(src, p), encoding="utf-8") as f:
                named = re.search(r'<interface[^>]*\sdomain="wstun"', f.read()) is not None
            d = os.path.dirname(os.path.join(src, p))
            for name in os.listdir(d):
                if name.endswith(".c"):
                    with open(os.path.join(d, name), encoding="utf-8") as f:
                        named = named or "gtk_builder_set_translation_domain" in f.read()
            check(named, f"{p} is translated in the domain wstun (<interface domain=\"wstun\"> "
                  "or gtk_builder_set_translation_domain ())")


def meson_args(po):
    """the xgettext arguments po/meson.build adds to the preset"""
    with open(os.path.join(po, "meson.build"), encoding="utf-8") as f:
        return re.findall(r"'(--(?:flag|keyword)=[^']+)'", f.read())


def make_pot(src, po, potfiles, tmp):
    pot = os.path.join(tmp, "wstun.pot")
    listfile = os.path.join(tmp, "POTFILES")
    with open(listfile, "w", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in potfiles))
    r = run(["xgettext", "--package-name=wstun", "-D", src, "-f", listfile, "-k_", "-o", pot] + GLIB_PRESET + meson_args(po))
    check(r.returncode == 0 and os.path.exists(pot),
          "xgettext makes the template" + ("" if r.returncode == 0 else f": {r.stderr.strip()}"))
    check(r.stderr.strip() == "", f"xgettext warns about nothing: {r.stderr.strip()}")
    if not os.path.exists(pot):
        return None
    # a msgid that ends in "%" is a format cut off where a macro
    # (G_GSIZE_FORMAT) followed, in a function xgettext does not know
    r = run(["msgcat", "--no-wrap", "--no-location", pot])
    cut = re.findall(r'^msgid(?:_plural)? "(.*%)"$', r.stdout, re.M)
    check(not cut, f"no message ends in “%”, a format cut off at a macro: {cut}")
    return pot


def header(path):
    """the header entry's fields of a .po file"""
    fields = {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'^msgid ""\nmsgstr ((?:"[^\n]*"\n)+)', text, re.M)
    if m:
        value = "".join(re.findall(r'"((?:\\.|[^"\\])*)"', m.group(1))).replace("\\n", "\n")
        for line in value.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
    return fields


def check_language(po, lang, pot, tmp):
    path = os.path.join(po, lang + ".po")
    r = run(["msgfmt", "--check", "--check-format", "-o", "/dev/null", path])
    check(r.returncode == 0 and r.stderr.strip() == "",
          f"{lang}.po passes msgfmt --check --check-format: {r.stderr.strip()}")
    fields = header(path)
    check(fields.get("Language") == lang, f"{lang}.po: Language: {lang}")
    check("charset=UTF-8" in fields.get("Content-Type", ""), f"{lang}.po: charset=UTF-8")
    check("nplurals=" in fields.get("Plural-Forms", ""), f"{lang}.po: a Plural-Forms header")
    if pot is None:
        return
    merged = os.path.join(tmp, lang + ".po")
    r = run(["msgmerge", "--quiet", "--no-wrap", "-o", merged, path, pot])
    check(r.returncode == 0, f"{lang}.po merges with the template: {r.stderr.strip()}")
    if r.returncode != 0:
        return
    r = run(["msgfmt", "--statistics", "-o", "/dev/null", merged])
    stats = r.stderr.strip()
    check(r.returncode == 0 and re.fullmatch(r"\d+ translated messages?\.", stats) is not None,
          f"{lang}.po translates every message of today's code: {stats} "
          f"(meson compile wstun-update-po, then translate)")
    r = run(["msgattrib", "--only-obsolete", "--no-wrap", merged])
    gone_now = len(re.findall(r"^#~ msgid ", r.stdout, re.M))
    with open(path, encoding="utf-8") as f:
        gone_before = len(re.findall(r"^#~ msgid ", f.read(), re.M))
    check(gone_now == gone_before,
          f"{lang}.po has no message the code lost: {gone_now - gone_before} (meson compile wstun-update-po)")


def main():
    src = sys.argv[1]
    po = os.path.join(src, "po")
    for tool in ["xgettext", "msgfmt", "msgmerge", "msgattrib"]:
        if run(["sh", "-c", f"command -v {tool}"]).returncode != 0:
            print(f"SKIP: no {tool} (Debian package gettext)")
            return 77
    potfiles = check_potfiles(src, po)
    check_library_domain(src, potfiles)
    check_macro_in_msgids(src, potfiles)
    linguas = read_list(os.path.join(po, "LINGUAS"))
    pos = sorted(n[:-3] for n in os.listdir(po) if n.endswith(".po"))
    check(c_sorted(linguas) and len(set(linguas)) == len(linguas), "po/LINGUAS is sorted")
    check(sorted(linguas) == pos, f"po/LINGUAS names the po/*.po files: LINGUAS {linguas}, files {pos}")
    with tempfile.TemporaryDirectory() as tmp:
        pot = make_pot(src, po, potfiles, tmp)
        for lang in pos:
            check_language(po, lang, pot, tmp)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
