#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs a GUI test program (tests/gui/test-editor.c, built once per toolkit)
# as a desktop would: on a real X server (Xvfb, through xvfb-run) with GDK's
# X11 backend, GLib warnings fatal, and any warning or critical on stderr a
# failure. First in English; then in German when the build has a German
# wstun.mo (po/de.po), where the program checks that the editor's labels
# come out translated (those wstun.mo translates). The screenshots go to
# BUILDDIR/tests/gui.
#
# usage: test-gui.sh PROGRAM
set -u
prog=$1
builddir=${WSTUN_BUILDDIR:?WSTUN_BUILDDIR is the build directory}
for tool in xvfb-run dbus-run-session; do
  if ! command -v $tool >/dev/null; then
    echo "SKIP: no $tool (Debian: xvfb, dbus-daemon)"
    exit 77
  fi
done
shots=$builddir/tests/gui
mkdir -p "$shots"
# a home of its own: the file chooser records recent files, GTK caches;
# a session bus of its own (dbus-run-session), gone with the test
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
err=$tmp/stderr
mkdir -m 0700 "$tmp/runtime"
export XDG_DATA_HOME=$tmp/data XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache \
  XDG_RUNTIME_DIR=$tmp/runtime

run() { # run LANGUAGE
  local lang=$1 rc
  echo "# $(basename "$prog"), LANGUAGE=$lang"
  # NO_AT_BRIDGE, GTK_A11Y=test: no accessibility bus here (GTK4's test
  # context lets the program check relations and states); GSK_RENDERER:
  # Xvfb has no GPU; GSETTINGS_BACKEND: no dconf
  env -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS GDK_BACKEND=x11 G_DEBUG=fatal-warnings \
    GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GTK_A11Y=test GSK_RENDERER=cairo \
    LC_ALL=C.UTF-8 LANGUAGE="$lang" WSTUN_TEST_LANG="$lang" WSTUN_SCREENSHOT_DIR="$shots" \
    WSTUN_LOCALEDIR="$builddir/po" \
    dbus-run-session -- \
    xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp" "$prog" 2>"$err"
  rc=$?
  cat "$err" >&2
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $(basename "$prog") (LANGUAGE=$lang) exited with $rc"
    return 1
  fi
  if grep -E -- "-(WARNING|CRITICAL) \*\*|Gtk-WARNING|Gtk-CRITICAL" "$err" >/dev/null; then
    echo "FAIL: $(basename "$prog") (LANGUAGE=$lang) printed a warning"
    return 1
  fi
}

run en || exit 1
if [ -f "$builddir/po/de/LC_MESSAGES/wstun.mo" ]; then
  run de || exit 1
else
  echo "# no German wstun.mo in $builddir/po: the labels' translation is not checked"
fi
