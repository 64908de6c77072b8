#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages, end to end, on this machine: built from the
# committed tree with dpkg-buildpackage, lintian without an error or a
# warning, installed with apt, every file where NetworkManager, D-Bus,
# polkit and systemd look, a relay and two clients from the installed
# programs passing a ping in namespaces, and purged again leaving none of
# their files behind.
#
# It installs packages on the machine, so it runs only when asked:
# WSTUN_PACKAGING=1 (CI sets it); otherwise it is skipped. As root.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${WSTUN_PACKAGING:-}" != 1 ]; then
  echo "SKIP: set WSTUN_PACKAGING=1 to build, install and remove the Debian packages"
  exit 77
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: must run as root"
  exit 77
fi
packages=(wstun wstun-relay network-manager-wstun network-manager-wstun-gnome)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wstun-deb.XXXXXX")
purge() { DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${packages[@]}" >"$tmp/purge.log" 2>&1; }
made_state=
cleanup() {
  rm -f /etc/wstun/tokens # made below
  [ -z "$made_state" ] || rm -rf /var/lib/wstun
  purge
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
for tool in dpkg-buildpackage lintian git apt-get; do
  command -v "$tool" >/dev/null || fail "$tool is not installed"
done
purge # what an earlier run may have left

# 1. build from the committed tree
mkdir "$tmp/src"
(cd "$src" && git ls-files -z | xargs -0 tar -cf - --) | tar -xf - -C "$tmp/src" ||
  fail "cannot copy the committed tree"
start=$SECONDS
(cd "$tmp/src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 ||
  fail "dpkg-buildpackage: $(tail -20 "$tmp/build.log")"
echo "# built in $((SECONDS - start)) s: $(cd "$tmp" && ls ./*.deb | tr '\n' ' ')"
debs=()
for p in "${packages[@]}"; do
  f=$(ls "$tmp/${p}_"*.deb 2>/dev/null)
  [ -f "$f" ] || fail "no package $p"
  debs+=("$f")
done

# 2. lintian: no error, no warning
lintian --tag-display-limit 0 "$tmp"/*.deb >"$tmp/lintian.log" 2>&1
if grep -E '^[EW]: ' "$tmp/lintian.log"; then
  fail "lintian has errors or warnings"
fi
echo "# lintian: $(grep -c '^[IP]: ' "$tmp/lintian.log") infos and pedantic notes, no warning"

# 3. install
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${debs[@]}" >"$tmp/install.log" 2>&1 ||
  fail "apt install: $(tail -20 "$tmp/install.log")"
for p in "${packages[@]}"; do
  dpkg-query -L "$p" >"$tmp/files-$p" || fail "$p is not installed"
done

# 4. where everything is
version=$(dpkg-query -W -f='${Version}' wstun-relay)
[ "$(/usr/sbin/wstun-relay --version)" = "wstun-relay $version" ] ||
  fail "/usr/sbin/wstun-relay --version: $(/usr/sbin/wstun-relay --version)"
/usr/bin/wstunctl --help >/dev/null || fail "wstunctl --help"
name=/usr/lib/NetworkManager/VPN/nm-wstun-service.name
[ -f "$name" ] || fail "no $name"
for key in program plugin auth-dialog; do
  path=$(sed -n "s/^$key=//p" "$name")
  [ -x "$path" ] || [ -f "$path" ] || fail "$name: $key=$path does not exist"
done
plugindir=$(pkg-config --variable=plugindir libnm 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/NetworkManager)
for f in /lib/systemd/system/wstund.service /lib/systemd/system/wstun-relay.service \
  /usr/share/dbus-1/system.d/org.wstun.conf /usr/share/dbus-1/system.d/nm-wstun-service.conf \
  /usr/share/dbus-1/system-services/org.wstun.service /usr/share/polkit-1/actions/org.wstun.policy \
  /usr/lib/sysusers.d/wstun-relay.conf /etc/wstun/relay.conf /usr/sbin/wstund \
  "$plugindir/libnm-vpn-plugin-wstun-editor.so" "$plugindir/libnm-gtk4-vpn-plugin-wstun-editor.so" \
  /usr/share/man/man8/wstun-relay.8.gz /usr/share/locale/de/LC_MESSAGES/wstun.mo; do
  [ -e "$f" ] || fail "$f is missing"
done
getent passwd wstun-relay >/dev/null || fail "the user wstun-relay was not made"
[ "$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' /lib/systemd/system/wstun-relay.service)" = /usr/sbin/wstun-relay ] ||
  fail "wstun-relay.service does not start /usr/sbin/wstun-relay"
out=$(systemd-analyze verify --man=yes /lib/systemd/system/wstun-relay.service /lib/systemd/system/wstund.service 2>&1) ||
  fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
echo "# installed $version: $(cat "$tmp"/files-* | wc -l) paths"

# 5. the installed programs carry a ping (the system tests' world), the
# relay run as its unit runs it: user wstun-relay, only
# CAP_NET_BIND_SERVICE, /var/lib/wstun its own, a tokens file it reads
# through its group (which `token add` keeps)
mkdir -p "$tmp/installed/src"
ln -s /usr/sbin/wstun-relay /usr/sbin/wstund /usr/bin/wstunctl "$tmp/installed/src/"
if [ ! -e /var/lib/wstun ]; then
  install -d -m 0700 -o wstun-relay -g wstun-relay /var/lib/wstun && made_state=1
fi
tokens=/etc/wstun/tokens
/usr/sbin/wstun-relay --tokens "$tokens" token add laptop >"$tmp/laptop.token" ||
  fail "wstun-relay token add"
chgrp wstun-relay "$tokens" && chmod 0640 "$tokens"
/usr/sbin/wstun-relay --tokens "$tokens" token add phone >"$tmp/phone.token" ||
  fail "wstun-relay token add (again)"
[ "$(stat -c %G:%a "$tokens")" = wstun-relay:640 ] ||
  fail "token add did not keep the tokens file's group: $(stat -c %G:%a "$tokens")"
chmod 0600 "$tmp"/*.token
(
  export WSTUN_BUILDDIR=$tmp/installed
  # shellcheck source=../system/lib.sh
  source "$src/tests/system/lib.sh"
  wst_world 2
  wst_bg relay "$(wst_ns relay)" setpriv --reuid=wstun-relay --regid=wstun-relay --init-groups \
    --inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
    --bounding-set=-all,+net_bind_service --no-new-privs \
    /usr/sbin/wstun-relay --config /etc/wstun/relay.conf --listen "$WST_RELAY_URL" \
    --pool 10.99.0.0/24 --tokens "$tokens"
  wst_wait 10 wst_listening "$(wst_ns relay)" 80 ||
    wst_fail "the relay as wstun-relay does not listen: $(tail -5 "$(wst_logfile relay)")"
  wst_client 1 --token-file "$tmp/laptop.token"
  wst_client 2 --token-file "$tmp/phone.token"
  a2=$(wst_addr4 2)
  [ -n "$a2" ] || wst_fail "client 2 got no address"
  wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "no ping through the installed wstun"
  # SIGTERM: the leases are written where the unit's state directory is
  wst_stop relay
  [ -s /var/lib/wstun/leases.json ] || wst_fail "the relay wrote no /var/lib/wstun/leases.json"
  [ "$(stat -c %U /var/lib/wstun/leases.json)" = wstun-relay ] || wst_fail "leases.json is not the relay user's"
  wst_pass "ping from client 1 to $a2 through the installed relay, run as wstun-relay"
) || fail "the installed programs do not carry a ping"
rm -f "$tokens"
[ -z "$made_state" ] || rm -rf /var/lib/wstun
made_state=

# 6. purge: none of their files stay
purge || fail "apt purge: $(tail -20 "$tmp/purge.log")"
left=()
while read -r f; do
  [ -d "$f" ] && continue # directories shared with other packages
  [ -e "$f" ] || [ -L "$f" ] && left+=("$f")
done < <(cat "$tmp"/files-*)
[ ${#left[@]} -eq 0 ] || fail "left behind: ${left[*]}"
[ ! -e /etc/wstun ] || fail "/etc/wstun left behind: $(ls -A /etc/wstun)"
echo "PASS: 4 packages built, lintian clean, installed, carried a ping and purged without a trace"
