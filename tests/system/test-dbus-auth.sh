#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Who may do what on org.wstun: reading and introspection are open to
# everyone, Properties.Set to no one; without polkit only root may connect
# (fail closed, and the log says why); with polkit (a mock polkitd from
# python3-dbusmock) whoever it allows; the owner of a connection may always
# disconnect it, other users only with polkit. A connection outlives the
# caller that made it, unless it asked for bind-to-caller.
source "$(dirname "$0")/lib.sh"

"$WST_PYTHON" -c 'import dbusmock, gi' 2>/dev/null ||
  { echo "SKIP: needs python3-dbusmock and python3-gi"; exit 77; }

wst_world 1
wst_relay --pool 10.99.0.0/24
wst_dbus "$(wst_ns 1)" -v --idle-timeout 0
ns1=$(wst_ns 1)
connect_args="{'url': <'$WST_RELAY_URL'>}"

# another unprivileged user than nobody (the bus refuses uids without a passwd entry)
other=daemon
other_uid=$(id -u "$other") || { echo "SKIP: needs a user $other"; exit 77; }
as() { # as USER CMD...: runs CMD as USER (nobody, $other, or 0)
  local who=$1
  shift
  case "$who" in
  nobody) wst_nobody "$@" ;;
  0) "$@" ;;
  *)
    setpriv --reuid "$who" --regid "$(id -g "$who")" --clear-groups --reset-env \
      env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" "$@"
    ;;
  esac
}
call() { # call USER METHOD PATH ARGS...
  local who=$1 method=$2 path=$3
  shift 3
  as "$who" gdbus call --system --dest org.wstun --object-path "$path" --method "$method" "$@" 2>&1
}
refused() { # refused OUTPUT WORD: NotAuthorized, with WORD in the message
  [ "$(wst_error_name "$1")" = org.wstun.Error.NotAuthorized ] ||
    wst_fail "expected org.wstun.Error.NotAuthorized, got: $1"
  grep -q -- "$2" <<<"$1" || wst_fail "the refusal does not say '$2': $1"
  wst_log "refused: ${1#*NotAuthorized: }"
}
path_of() { sed -n "s/^(objectpath '\(.*\)',)$/\1/p" <<<"$1"; }

# 1. open to everyone: introspection, properties, the object list
as nobody gdbus introspect --system --dest org.wstun --object-path /org/wstun --xml |
  grep -q 'interface name="org.wstun"' || wst_fail "nobody cannot introspect /org/wstun"
[ "$(as nobody busctl --system get-property org.wstun /org/wstun org.wstun Connections)" = "ao 0" ] ||
  wst_fail "nobody cannot read Connections"
as nobody busctl --system call org.wstun /org/wstun org.freedesktop.DBus.ObjectManager \
  GetManagedObjects >/dev/null || wst_fail "nobody cannot call GetManagedObjects"
# ... and Properties.Set to no one: the bus policy stops it
out=$(call 0 org.freedesktop.DBus.Properties.Set /org/wstun org.wstun Version "<'9'>")
[ "$(wst_error_name "$out")" = org.freedesktop.DBus.Error.AccessDenied ] ||
  wst_fail "Properties.Set was not denied by the bus policy: $out"

# 2. no polkit on the bus: users other than root are refused, and the log says why
refused "$(call nobody org.wstun.Connect /org/wstun "$connect_args")" polkit
wst_log_has bus 'polkit is not available, so refusing uid 65534' ||
  wst_fail "the log does not say why uid 65534 was refused"
[ "$(wst_prop /org/wstun org.wstun Connections)" = 0 ] || wst_fail "a refused Connect left a connection"
# root always may; the connection outlives busctl, which has exited
out=$(busctl --system call org.wstun /org/wstun org.wstun Connect 'a{sv}' 2 url s "$WST_RELAY_URL" \
  interface s wstun1) || wst_fail "root cannot connect: $out"
p1=$(sed -n 's/^o "\(.*\)"$/\1/p' <<<"$out")
wst_wait 10 wst_state_is "$p1" connected || wst_fail "$p1 is '$(wst_state "$p1")'"
sleep 0.5
wst_state_is "$p1" connected || wst_fail "$p1 did not outlive the busctl that made it"
refused "$(call nobody org.wstun.Connection.Disconnect "$p1")" polkit
wst_state_is "$p1" connected || wst_fail "a refused Disconnect disconnected $p1"

# 3. a mock polkitd that allows org.wstun.connect: nobody may connect
wst_bg polkitd "$ns1" "$WST_PYTHON" -m dbusmock --system --template polkitd
polkit_up() { [ "$(wst_bus NameHasOwner s org.freedesktop.PolicyKit1)" = "b true" ]; }
wst_wait 10 polkit_up ||
  wst_fail "the mock polkitd did not start"
polkit() { # polkit ACTION...: the actions the mock allows
  local list
  list=$(printf "'%s'," "$@")
  gdbus call --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
    --method org.freedesktop.DBus.Mock.SetAllowed "[${list%,}]" >/dev/null || wst_fail "SetAllowed $*"
}
polkit org.wstun.connect
out=$(call nobody org.wstun.Connect /org/wstun "{'url': <'$WST_RELAY_URL'>, 'interface': <'wstun5'>}")
p2=$(path_of "$out")
[ -n "$p2" ] || wst_fail "nobody cannot connect although polkit allows it: $out"
wst_wait 10 wst_state_is "$p2" connected || wst_fail "$p2 is '$(wst_state "$p2")'"
wst_has_dev 1 wstun5 || wst_fail "nobody's connection has no device"
wst_log "polkit allows: nobody made $p2 on wstun5"

# 4. polkit says no: other users are refused; the owner may still disconnect
polkit
refused "$(call $other org.wstun.Connect /org/wstun "$connect_args")" "uid $other_uid"
refused "$(call $other org.wstun.Connection.Disconnect "$p2")" "uid $other_uid"
refused "$(call $other org.wstun.Disconnect /org/wstun "objectpath '$p2'")" "uid $other_uid"
wst_state_is "$p2" connected || wst_fail "a refused Disconnect disconnected $p2"
out=$(call nobody org.wstun.Connection.Disconnect "$p2") || wst_fail "the owner cannot disconnect $p2: $out"
wst_no_dev 1 wstun5 || wst_fail "wstun5 is still there"
refused "$(call nobody org.wstun.Connection.Disconnect "$p1")" "uid 65534"
# root needs no polkit
busctl --system call org.wstun "$p1" org.wstun.Connection Disconnect || wst_fail "root cannot disconnect $p1"
wst_no_dev 1 wstun1 || wst_fail "wstun1 is still there"

# 5. bind-to-caller: the connection ends when its caller leaves the bus
wst_bg holder "$ns1" "$WST_PYTHON" -c '
import sys, time
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
settings = {"url": GLib.Variant("s", sys.argv[1]), "interface": GLib.Variant("s", "wstun9"),
            "bind-to-caller": GLib.Variant("b", True)}
reply = bus.call_sync("org.wstun", "/org/wstun", "org.wstun", "Connect",
                      GLib.Variant("(a{sv})", (settings,)), GLib.VariantType("(o)"),
                      Gio.DBusCallFlags.NONE, -1, None)
print(reply.unpack()[0], flush=True)
time.sleep(120)' "$WST_RELAY_URL"
wst_wait 10 wst_log_has holder '^/org/wstun/connection/' || wst_fail "the bound caller got no connection"
p3=$(head -n 1 "$(wst_logfile holder)")
wst_wait 10 wst_state_is "$p3" connected || wst_fail "$p3 is '$(wst_state "$p3")'"
wst_has_dev 1 wstun9 || wst_fail "no wstun9"
sleep 0.5
wst_state_is "$p3" connected || wst_fail "$p3 ended while its caller was still there"
wst_stop holder
wst_wait 5 wst_no_dev 1 wstun9 || wst_fail "wstun9 is still there after its caller left"
wst_wait 2 wst_path_gone "$p3" || wst_fail "$p3 is still there after its caller left"
wst_log_has bus "left the bus, and the connection was bound to it" || wst_fail "no log of the unbinding"
[ "$(wst_prop /org/wstun org.wstun Connections)" = 0 ] || wst_fail "connections are left"

wst_stop_wstund
wst_sanitizers_clean
wst_pass "D-Bus authorization: open reads, root, polkit (absent, yes, no), owners, bind-to-caller"
