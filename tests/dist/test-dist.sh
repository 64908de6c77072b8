#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The release tarball: `meson dist` makes it from the committed tree, and
# it builds and passes the unit tests on its own, with nothing from the
# checkout around it (as NetworkManager-openvpn's CI tests its tarball:
# a file missing from the distribution fails here). The version in the
# tarball's name is the one every program prints.
#
# Needs the source as a git checkout (CI clones one); uncommitted changes
# are left out of the tarball and reported.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wstun-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}

command -v git >/dev/null || fail "git is not installed"
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || {
  echo "SKIP: $src is not a git checkout"
  exit 77
}
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
  echo "# uncommitted changes are not in the tarball"
fi

meson setup "$tmp/build" "$src" >"$tmp/setup.log" 2>&1 ||
  fail "meson setup: $(tail -5 "$tmp/setup.log")"
meson dist -C "$tmp/build" --no-tests --allow-dirty --formats xztar >"$tmp/dist.log" 2>&1 ||
  fail "meson dist: $(tail -5 "$tmp/dist.log")"
version=$(meson introspect --projectinfo "$tmp/build" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
tarball=$tmp/build/meson-dist/wstun-$version.tar.xz
[ -f "$tarball" ] || fail "no $tarball"
echo "# $(basename "$tarball"): $(stat -c %s "$tarball") bytes, $(tar -tJf "$tarball" | wc -l) entries"

# what every release needs is in it
for f in README.md COPYING NEWS PROTOCOL.md meson.build data/wstun-relay.service.in \
  data/relay.conf po/LINGUAS nm-plugin/meson.build; do
  tar -tJf "$tarball" "wstun-$version/$f" >/dev/null 2>&1 || fail "$f is not in the tarball"
done
grep -q "^wstun $version\b" "$src/NEWS" || fail "NEWS has no entry for $version"

mkdir "$tmp/unpacked"
tar -xJf "$tarball" -C "$tmp/unpacked"
cd "$tmp/unpacked/wstun-$version" || fail "the tarball has no wstun-$version/"
meson setup _build >"$tmp/build2.log" 2>&1 || fail "the tarball does not configure: $(tail -5 "$tmp/build2.log")"
meson compile -C _build >>"$tmp/build2.log" 2>&1 || fail "the tarball does not build: $(tail -20 "$tmp/build2.log")"
meson test -C _build --suite unit --num-processes 2 >"$tmp/test.log" 2>&1 ||
  fail "the tarball's unit tests fail: $(grep -E 'FAIL|ERROR' "$tmp/test.log" | head -10)"
[ "$(_build/src/wstun-relay --version)" = "wstun-relay $version" ] ||
  fail "wstun-relay --version says $(_build/src/wstun-relay --version), not $version"
echo "PASS: wstun-$version.tar.xz builds and passes $(grep -c ' OK ' "$tmp/test.log") unit tests"
