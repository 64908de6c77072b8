#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The NetworkManager harness (lib-nm.sh) works, and leaves the host as it
# was: the real NetworkManager starts in its namespace on the relay's
# bridge, manages eth0 with its base profile, reaches the relay; it spawns
# a VPN plugin of the build tree (a fake that records how it was started)
# from a .name file given before its start and from one given after, and
# fails those activations cleanly; the private bus activates the build's
# wstund in NM's namespaces.
source "$(dirname "$0")/../system/lib.sh"
source "$(dirname "$0")/lib-nm.sh"

nmw_require

# what must be the same afterwards; the namespaces' mounts under
# /run/netns come and go with every test on the machine
host_state() {
  awk '$5 !~ "^/run/netns/"' /proc/self/mountinfo
  local p
  for p in /run/mount /run/NetworkManager /run/dbus/system_bus_socket; do
    echo "$p: $([ -e "$p" ] && echo exists || echo absent)"
  done
  find /etc/NetworkManager /var/lib/NetworkManager /usr/lib/NetworkManager/VPN \
    /usr/lib/NetworkManager/conf.d /usr/lib/NetworkManager/system-connections \
    -printf '%p %M %u:%g %s %T@\n' 2>&1 | sort
  hostname
  md5sum /etc/resolv.conf /etc/hostname 2>&1
  ip -o link show | awk -F': ' '{ print $2 }'
  ip -o addr show
  ip route show
}
host_state >"$WST_LOGDIR/host-before"
start=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

wst_world 1

# A fake VPN service in the test's directory: it records how NM started it
# and exits without taking its bus name. wstfake1's .name file is there
# when NM starts (one connection at a time: no --bus-name), wstfake2's
# comes later (several connections: --bus-name ...Connection_N).
fake() { # fake N MULTIPLE
  cat >"$WST_LOGDIR/fake$1" <<FAKE
#!/bin/sh
out=$WST_LOGDIR/fake$1.run
{
  echo "argv=\$*"
  echo "uid=\$(id -u)"
  echo "pid=\$\$"
  echo "pgid=\$(ps -o pgid= -p \$\$ | tr -d ' ')"
  echo "netns=\$(readlink /proc/\$\$/ns/net)"
  echo "mntns=\$(readlink /proc/\$\$/ns/mnt)"
  echo "socket=\$([ -S /run/dbus/system_bus_socket ] && echo yes || echo no)"
  env | grep -E '^(NM_|NMW_|DBUS_)' | sort
} >"\$out.new" && mv "\$out.new" "\$out"
FAKE
  chmod 755 "$WST_LOGDIR/fake$1"
  printf '%s\n' '[VPN Connection]' "name=wstfake$1" "service=org.freedesktop.NetworkManager.wstfake$1" \
    "program=$WST_LOGDIR/fake$1" "supports-multiple-connections=$2" >"$WST_LOGDIR/wstfake$1.name"
}
mkdir "$WST_LOGDIR/old"
fake 1 false
fake 2 true
nmw_vpn_name "$WST_LOGDIR/wstfake1.name"
# wstfake3 asks the bus for the name it was given, records what the bus
# said, and exits: the bus lets it only with a policy like a plugin's
cat >"$WST_LOGDIR/fake3" <<FAKE
#!$WST_PYTHON
import sys
from gi.repository import Gio, GLib
name = sys.argv[2]
try:
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    r = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                      "RequestName", GLib.Variant("(su)", (name, 4)), None, 0, 5000, None)
    result = "owned" if r.unpack()[0] == 1 else "reply %d" % r.unpack()[0]
except GLib.Error as e:
    result = Gio.DBusError.get_remote_error(e) or e.message
with open("$WST_LOGDIR/fake3.runs", "a") as f:
    f.write("%s %s\n" % (name, result))
FAKE
chmod 755 "$WST_LOGDIR/fake3"
printf '%s\n' '[VPN Connection]' name=wstfake3 service=org.freedesktop.NetworkManager.wstfake3 \
  "program=$WST_LOGDIR/fake3" supports-multiple-connections=true >"$WST_LOGDIR/wstfake3.name"
cat >"$WST_LOGDIR/wstfake3.conf" <<'POLICY'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow own_prefix="org.freedesktop.NetworkManager.wstfake3"/>
  </policy>
</busconfig>
POLICY

nmw_start --env NMW_MARK=from-nmw-start
ns=$WST_ID-nm
wst_log "the namespaces, NetworkManager and its base profile up in $(since "$start") s"

# 1. NM runs in namespaces of its own, without udev, on the private bus
[ "$(readlink "/proc/$NMW_NM_PID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
  wst_fail "NetworkManager runs in the host's mount namespace"
[ "$(ip netns identify "$NMW_NM_PID")" = "$ns" ] || wst_fail "NetworkManager is not in $ns"
[ "$(nmw_exec hostname)" = "$ns" ] || wst_fail "the hostname in NM's UTS namespace is $(nmw_exec hostname)"
nmw_exec findmnt -no OPTIONS /sys | grep -q '^ro' || wst_fail "/sys is writable in NM's namespace"
grep -m1 'platform-linux: create' "$(wst_logfile nm)" | sed 's/^/# nm.log: /'
grep -m1 'auth-manager' "$(wst_logfile nm)" | sed 's/^/# nm.log: /'

# 2. connected through eth0, managed, with its base profile; the relay answers
state=$(nmw_nmcli -t -f STATE general)
[[ $state =~ ^connected ]] || wst_fail "NM's state is '$state', not connected"
dev=$(nmw_nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device | grep '^eth0:')
[ "$dev" = "eth0:ethernet:connected:$NMW_BASE" ] || wst_fail "eth0 is '$dev'"
nmw_con_activated "$NMW_BASE" || wst_fail "$NMW_BASE is '$(nmw_con_state "$NMW_BASE")'"
nmw_exec ip -o -4 addr show dev eth0 | grep -q "inet $NMW_ADDR/$NMW_PREFIX " ||
  wst_fail "eth0 lacks $NMW_ADDR/$NMW_PREFIX: $(nmw_exec ip -o -4 addr show dev eth0)"
nmw_exec ip -4 route show default | grep -q "^default via $NMW_GATEWAY dev eth0 proto static" ||
  wst_fail "NM did not set the default route: $(nmw_exec ip -4 route show default)"
nmw_exec ping -c 2 -i 0.2 -W 2 "$WST_RELAY_IP" >/dev/null || wst_fail "no ping from NM's namespace to the relay"
wst_log "state '$state', $dev, ping to the relay"

# 3. the VPN plugins of the build tree: NM spawns program= of the .name
# files, the one there at its start and those added since; a changed
# .name file replaces the old one (it pointed nowhere)
sed "s|^program=.*|program=$WST_LOGDIR/nowhere|" "$WST_LOGDIR/wstfake2.name" >"$WST_LOGDIR/old/wstfake2.name"
nmw_vpn_name "$WST_LOGDIR/old/wstfake2.name"
nmw_vpn_name "$WST_LOGDIR/wstfake2.name"
nmw_vpn_name "$WST_LOGDIR/wstfake3.name"
for i in 1 2 3; do
  nmw_nmcli connection add type vpn con-name "fake$i" vpn-type "wstfake$i" autoconnect no \
    vpn.data "url=ws://$WST_RELAY_IP:80" >/dev/null || wst_fail "nmcli cannot add a wstfake$i profile"
done
t0=$EPOCHREALTIME
nmw_nmcli -w 30 connection up fake1 >"$WST_LOGDIR/up1.out" 2>&1 &
up1=$!
nmw_nmcli -w 30 connection up fake2 >"$WST_LOGDIR/up2.out" 2>&1 &
up2=$!
nmw_nmcli -w 30 connection up fake3 >"$WST_LOGDIR/up3.out" 2>&1 &
up3=$!
wait "$up1" && wst_fail "the activation of fake1 succeeded: $(cat "$WST_LOGDIR/up1.out")"
wait "$up2" && wst_fail "the activation of fake2 succeeded: $(cat "$WST_LOGDIR/up2.out")"
wait "$up3" && wst_fail "the activation of fake3 succeeded: $(cat "$WST_LOGDIR/up3.out")"
wst_log "the three activations failed after $(since "$t0") s: $(tr '\n' ' ' <"$WST_LOGDIR/up2.out")"
for i in 1 2; do
  run=$WST_LOGDIR/fake$i.run
  [ -f "$run" ] || wst_fail "NetworkManager did not run the program of wstfake$i.name"
  sed "s/^/# fake$i: /" "$run"
  pid=$(sed -n 's/^pid=//p' "$run")
  grep -q "starting: VPN service has PID $pid\$" "$(wst_logfile nm)" ||
    wst_fail "NM's log does not name pid $pid as the VPN service of fake$i"
  grep -qx "uid=0" "$run" || wst_fail "fake$i did not run as root"
  grep -qx "pgid=$pid" "$run" || wst_fail "fake$i is not the leader of its own process group"
  grep -qFx "netns=$(readlink "/proc/$NMW_NM_PID/ns/net")" "$run" || wst_fail "fake$i is not in NM's netns"
  grep -qFx "mntns=$(readlink "/proc/$NMW_NM_PID/ns/mnt")" "$run" ||
    wst_fail "fake$i is not in NM's mount namespace"
  grep -qx "socket=yes" "$run" || wst_fail "fake$i does not see the private bus socket"
  grep -qx "NMW_MARK=from-nmw-start" "$run" || wst_fail "fake$i lacks nmw_start --env's variable"
  # NM_VPN_LOG_LEVEL: a syslog level, INFO (6) for NM's VPN_PLUGIN:DEBUG;
  # NM_VPN_LOG_SYSLOG is 1 even with NM --debug (and no syslog listens)
  grep -qx 'NM_VPN_LOG_LEVEL=6' "$run" && grep -qx 'NM_VPN_LOG_SYSLOG=1' "$run" ||
    wst_fail "fake$i lacks NM_VPN_LOG_LEVEL=6 or NM_VPN_LOG_SYSLOG=1"
  grep -q '^DBUS_' "$run" && wst_fail "fake$i got a D-Bus address in its environment"
done
grep -qx 'argv=' "$WST_LOGDIR/fake1.run" || wst_fail "wstfake1 (one connection at a time) got arguments"
grep -Eqx 'argv=--bus-name org\.freedesktop\.NetworkManager\.wstfake2\.Connection_[0-9]+' \
  "$WST_LOGDIR/fake2.run" || wst_fail "wstfake2 did not get --bus-name ...wstfake2.Connection_N"
[ "$(grep -c 'starting: timed out waiting for the VPN to activate' "$(wst_logfile nm)")" = 3 ] ||
  wst_fail "NM did not time out on the three fake services"

# the bus policy: without one, root may not take the plugin's name; with
# one added while the bus runs (own_prefix: NM names it ...Connection_N), it
# may, and NM then follows the name (gone at once here: the fake exited)
grep -Eqx 'org\.freedesktop\.NetworkManager\.wstfake3\.Connection_[0-9]+ org\.freedesktop\.DBus\.Error\.AccessDenied' \
  "$WST_LOGDIR/fake3.runs" || wst_fail "fake3 took its name without a policy: $(cat "$WST_LOGDIR/fake3.runs")"
nmw_policy "$WST_LOGDIR/wstfake3.conf"
t0=$EPOCHREALTIME
nmw_nmcli -w 30 connection up fake3 >"$WST_LOGDIR/up3.out" 2>&1 &&
  wst_fail "the activation of fake3 succeeded: $(cat "$WST_LOGDIR/up3.out")"
wst_log "fake3 with its policy failed after $(since "$t0") s: $(tr '\n' ' ' <"$WST_LOGDIR/up3.out")"
[ "$(sed -n 2p "$WST_LOGDIR/fake3.runs" | cut -d' ' -f2)" = owned ] ||
  wst_fail "fake3 could not take its name with its policy: $(cat "$WST_LOGDIR/fake3.runs")"
sed 's/^/# fake3: /' "$WST_LOGDIR/fake3.runs"
# (lo: NM 1.42 shows the loopback device as connected externally, profile "lo")
active=$(nmw_nmcli -t -f NAME connection show --active | sort | tr '\n' ' ')
[ "$active" = "lo $NMW_BASE " ] || wst_fail "active profiles after the failures: $active"
nmw_running || wst_fail "NetworkManager is gone after the failed activations"

# 4. the private bus activates the build's wstund, in NM's namespaces
v=$(nmw_busctl call org.wstun /org/wstun org.freedesktop.DBus.Properties Get ss org.wstun Version) ||
  wst_fail "org.wstun did not answer on NM's bus"
pid=$(nmw_busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
  GetConnectionUnixProcessID s org.wstun | awk '{ print $2 }')
[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$WSTUND_BIN")" ] ||
  wst_fail "org.wstun is $(readlink "/proc/$pid/exe"), not the build's wstund"
[ "$(ip netns identify "$pid")" = "$ns" ] || wst_fail "wstund runs outside $ns"
[ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink "/proc/$NMW_NM_PID/ns/mnt")" ] ||
  wst_fail "wstund is not in NM's mount namespace"
wst_log "wstund activated in $ns (pid $pid): Version $v"

# 5. gone without a trace
nm_pid=$NMW_NM_PID bus_pid=$NMW_BUS_PID
nmw_stop
for p in "$nm_pid" "$bus_pid" "$pid"; do
  nmw_alive "$p" && wst_fail "pid $p ($(cat "/proc/$p/comm")) outlived nmw_stop"
done
ip netns list | grep -q "^$ns\b" && wst_fail "the namespace $ns is left"
host_state >"$WST_LOGDIR/host-after"
diff -u "$WST_LOGDIR/host-before" "$WST_LOGDIR/host-after" ||
  wst_fail "the host changed (mounts, /run, NetworkManager's directories, hostname or network)"
wst_no_sanitizer_reports nm-bus
wst_pass "NetworkManager in its namespace, plugins of the build tree, wstund activated; host unchanged ($(since "$start") s)"
