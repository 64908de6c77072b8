#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The largest reply wstund can be made to send: 150 connections, each with
# a URL of the maximal 2048 bytes and the most routes and DNS servers a
# relay can push (256 each, as long as an address can be). Before the
# bounds, a reply this size (or a single 17 MB URL) made the bus drop
# wstund with every tunnel. Now an unprivileged `wstunctl list` works, the
# reply stays under a quarter of the bus's 32 MiB limit, and a tunnel made
# before keeps pinging.
source "$(dirname "$0")/lib.sh"

n=150
wst_world 2
# 256 routes and 256 DNS servers, each of the longest canonical spelling
routes=() dns=()
for i in $(seq 0 255); do
  h=$(printf '%04x' "$i")
  routes+=(--route "fd00:ffff:ffff:ffff:ffff:ffff:ffff:$h/128")
  dns+=(--dns "fd00:ffff:ffff:ffff:ffff:ffff:ffff:$h")
done
# every connection has the maximal URL: a relay serves one path, its listen
# URL's, so that is the relay's path too
pad=$(head -c 2048 /dev/zero | tr '\0' a)
url="$WST_RELAY_URL/$pad"
url=${url:0:2048}
WST_RELAY_URL=$url
wst_relay --pool 10.99.0.0/24 --max-clients 1024 "${routes[@]}" "${dns[@]}"
wst_client 2
a2=$(wst_addr4 2)
ns1=$(wst_ns 1)
# wstund's own limits raised past the test's count
wst_dbus "$ns1" --idle-timeout 0 --max-connections $((n + 10)) --max-connections-per-user $((n + 10))

hostile() { "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" "$@"; }

# the tunnel that must keep working: addresses and routes on wstun0
out=$(hostile connect "$WST_RELAY_URL" interface=wstun0)
p0=$(wst_json path <<<"$out")
[ -n "$p0" ] || wst_fail "cannot connect: $out"
wst_wait 10 wst_state_is "$p0" connected || wst_fail "$p0 is '$(wst_state "$p0")'"
wst_in 1 ping -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "no ping through $p0"

# n more with maximal URLs; NetworkManager's way (manage-ip false): 256
# routes on each of 150 devices would collide
"$WST_PYTHON" - "$url" "$n" <<'PY' || wst_fail "the maximal connections failed"
import sys
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
url, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    settings = {"url": GLib.Variant("s", url), "manage-ip": GLib.Variant("b", False)}
    bus.call_sync("org.wstun", "/org/wstun", "org.wstun", "Connect",
                  GLib.Variant("(a{sv})", (settings,)), GLib.VariantType("(o)"),
                  Gio.DBusCallFlags.NONE, 30000, None)
PY
all_connected() {
  [ "$(busctl --system call org.wstun /org/wstun org.freedesktop.DBus.ObjectManager GetManagedObjects |
    grep -o '"State" s "connected"' | wc -l)" = $((n + 1)) ]
}
wst_wait 60 all_connected || wst_fail "not all $((n + 1)) connections came up"
[ "$(wst_prop "$p0" org.wstun.Connection Routes | cut -d' ' -f1)" = 256 ] ||
  wst_fail "the relay's 256 routes did not arrive"
wst_log "$((n + 1)) connections up, each with 256 routes and 256 DNS servers"

# an unprivileged user reads them all: the reply fits the bus
out=$(wst_nobody "$WST_PYTHON" "$WST_TOOLS/dbus-hostile.py" managed-size)
bytes=$(wst_json bytes <<<"$out")
[ "$(wst_json objects <<<"$out")" = $((n + 1)) ] || wst_fail "GetManagedObjects: $out"
[ "$bytes" -lt $((8 * 1024 * 1024)) ] || wst_fail "GetManagedObjects is $bytes bytes"
wst_log "GetManagedObjects as nobody: $bytes bytes for $((n + 1)) connections"
lines=$(wst_nobody "$WSTUNCTL_BIN" list | grep -c '^/org/wstun/connection/') ||
  wst_fail "wstunctl list as nobody failed"
[ "$lines" = $((n + 1)) ] || wst_fail "wstunctl list as nobody shows $lines connections"
wst_wstund_running || wst_fail "wstund lost the bus"
[ "$(wst_state "$p0")" = connected ] || wst_fail "$p0 is '$(wst_state "$p0")'"
wst_in 1 ping -c 3 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "the tunnel stopped pinging"

wst_stop_wstund
wst_sanitizers_clean
wst_pass "$((n + 1)) maximal connections: GetManagedObjects $bytes bytes, the tunnel still pings"
