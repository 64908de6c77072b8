# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The real NetworkManager for wstun's tests, in a world of its own.
# Source it after tests/system/lib.sh:
#
#   source "$(dirname "$0")/../system/lib.sh"
#   source "$(dirname "$0")/lib-nm.sh"
#   nmw_require                      # exit 77 without NetworkManager, nmcli or root
#   wst_world 1                      # the relay's namespace and its bridge br0
#   nmw_vpn_name build/nm-wstun-service.name
#   nmw_start --policy nm-plugin/nm-wstun-service.conf
#   nmw_exec nmcli connection up office
#
# What nmw_start builds, beside wst_world's namespaces:
#
#   relay ns  br0 198.18.0.1/24 ---+--- veth --- NM ns "$WST_ID-nm": eth0 198.18.0.10/24,
#                                  |             managed by NetworkManager (profile nmw-eth0,
#                                  |             gateway 198.18.0.1)
#                                  +--- clients of wst_world (198.18.0.2 ...)
#
# In the NM namespace, and in a mount and UTS namespace of its own that a
# holder process (sleep) keeps alive, private directories of the test
# ($NMW_DIR, under $WST_LOGDIR) are bind-mounted over
#   /run                                 the bus socket, /run/NetworkManager
#   /etc/NetworkManager                  NetworkManager.conf, profiles (keyfile)
#   /var/lib/NetworkManager              NM's state
#   /usr/lib/NetworkManager/VPN          only the .name files the test gives
#   /usr/lib/NetworkManager/conf.d, system-connections   (empty)
# and /sys is remounted read-only. There run a dbus-daemon of the test's
# own (type system, listening on /run/dbus/system_bus_socket there) and
# NetworkManager --debug, both started by PID with nsenter. Inside, the
# default system bus is the private one: nmcli, busctl, gdbus, the VPN
# plugins NM spawns and the wstund the bus activates need no
# DBUS_SYSTEM_BUS_ADDRESS, as on a real machine. nmw_exec runs commands
# there. One NM namespace per test.
#
# The private bus's config: the system bus's default policy (lib.sh's
# wst_bus_policy), NetworkManager's own policy files from
# /usr/share/dbus-1/system.d, the project's data/org.wstun.conf, and the
# files the test adds with --policy or nmw_policy (a plugin's policy);
# its only service directory is private and holds org.wstun.service,
# made from data/org.wstun.service.in with Exec= running the build's
# wstund, so the first call to org.wstun activates wstund in the NM
# namespace (nmw_service adds more). No <user>, no <servicehelper>.
#
# Logs: $WST_LOGDIR/nm.log (NetworkManager at level DEBUG, and what the
# VPN plugins it spawns write to stdout and stderr), nm-bus.log (the bus,
# and what the services it activates write: wstund -v) and nm-setup.log,
# shown by lib.sh's failure dump. nmw_stop (run by lib.sh's wst_cleanup,
# also on failure) stops NetworkManager (TERM, 10 s, KILL), then every
# process left in the namespace (ip netns pids: plugins, wstund, what the
# test started there), then the bus and the holder, and deletes the
# namespace. The mount namespace goes with its last process: nothing is
# ever mounted on the host.
#
# Gotchas, and why things are as they are:
# - /sys read-only: NM uses udev only when it runs in the network namespace
#   it was started in and /sys is writable, and it takes its own netns for
#   "initial". With udev and no udevd answering in the namespace, every
#   device stays "unmanaged" (platform-init) forever. Read-only /sys makes
#   NM go without udev ("platform-linux: create (..., no udev, ...)").
#   Without udev, 85-nm-unmanaged.rules (veth: unmanaged) do not apply
#   either, and the config says managed=1 for eth0 (the veth). Only for
#   eth0: a TUN device made by someone else (wstunctl) would otherwise be
#   taken over, and NetworkManager flushes the addresses of a device it
#   takes to "disconnected".
# - eth0 is up before NM starts: a software device that is down then is
#   left unmanaged (external-down).
# - Private <servicedir>, no servicehelper, no standard service dirs: with
#   the stock system.conf included, NM's calls auto-started ModemManager
#   and polkitd (and tried hostnamed) inside the namespace. Here nothing
#   but wstund (and what the test adds) can be activated; NM copes with
#   the rest missing (no dispatcher, no polkit: auth-polkit=root-only).
# - Only NetworkManager's own policy files, not all of
#   /usr/share/dbus-1/system.d: an installed NetworkManager-wstun's policy
#   would otherwise hide a broken one in the build tree.
# - Empty /usr/lib/NetworkManager/conf.d: its snippets override
#   NetworkManager.conf (a distribution's connectivity check, say).
# - unshare --propagation slave, not private: a private copy of the mount
#   table keeps every /run/netns/NAME mount it copied, and with it those
#   namespaces alive, after `ip netns del` on the host (the other tests'
#   ones included) until the NM namespace ends; a slave copy gets the
#   host's unmounts, and still sends nothing back to the host.
# - LIBMOUNT_UTAB: mount(8) keeps its utab in /run/mount and created
#   /run/mount on the host on the first bind mount, before /run was
#   private. It points into $NMW_DIR for every mount here.
# - dns=none, rc-manager=unmanaged, hostname-mode=none and a UTS namespace:
#   else NM may write /etc/resolv.conf (the host's file: only /run and NM's
#   own directories are private) or set the hostname.
# - NM's environment is clean (PATH, LANG, the sanitizers' options, and
#   nmw_start --env): it hands its whole environment to the VPN plugins it
#   spawns, and an inherited DBUS_SYSTEM_BUS_ADDRESS (lib.sh's wst_dbus
#   exports one) would send NM itself to another bus.
# - NM reads the VPN directory at start and watches it (inotify) after:
#   a .name file added later is picked up, a changed one is not (NM only
#   takes a removed and re-added file), so nmw_vpn_name removes, waits for
#   NM to drop it, then adds, and waits until NM says it has loaded it.
# - The daemon ignores NM_VPN_PLUGIN_DIR (only libnm clients read it),
#   hence the bind mount over /usr/lib/NetworkManager/VPN. .name files
#   must be owned by root and not writable by group or others; program=
#   may be any absolute path (the build tree).
# - NM (1.42) hands the plugins NM_VPN_LOG_LEVEL (the syslog level of its
#   VPN_PLUGIN log domain, which "ALL" leaves at INFO: the config names it)
#   and NM_VPN_LOG_SYSLOG=1 even with --debug, but nothing listens on
#   syslog here: a plugin that follows NM_VPN_LOG_SYSLOG loses its
#   messages unless its test's program= sets NM_VPN_LOG_SYSLOG=0 first.
# - NM 1.42 manages lo too: it shows as "connected (externally)", with an
#   in-memory profile "lo" among the active ones.
# - The plugins NM spawns are double-forked: their parent is PID 1 of the
#   host, not NM, and they stay in NM's namespaces: nmw_stop finds them
#   with ip netns pids. A process that has exited but is not yet reaped
#   (state Z) counts as gone.
# - ip netns add makes /run/netns a shared mount the first time on a
#   machine (so do all system tests); it stays, as for any iproute2 user.
#   Inside the NM namespace /run is private: `ip netns` there lists none.

set -u

NMW_NS=          # the NM namespace, while it exists
NMW_DIR=$WST_LOGDIR/nm
NMW_ADDR=198.18.0.10
NMW_PREFIX=24
NMW_GATEWAY=$WST_RELAY_IP
NMW_BASE=nmw-eth0 # the base profile on eth0
NMW_HOLDER_PID=
NMW_BUS_PID=
NMW_NM_PID=
NMW_NM_BIN=$(command -v NetworkManager || echo /usr/sbin/NetworkManager)
# the private bus, from the host's side (inside, the default system bus)
NMW_BUS_ADDRESS=unix:path=$NMW_DIR/run/dbus/system_bus_socket
NMW_VPN_DIR=/usr/lib/NetworkManager/VPN # as NM sees it
WST_CLEANUP_HOOKS+=(nmw_stop)

# nmw_require: skips the test (exit 77) unless NetworkManager, nmcli and
# the other tools are installed and we are root
nmw_require() {
  local tool
  wst_require_root
  [ -x "$NMW_NM_BIN" ] || { echo "SKIP: needs NetworkManager (apt-get install network-manager)"; exit 77; }
  for tool in nmcli dbus-daemon busctl nsenter unshare mount; do
    command -v "$tool" >/dev/null || { echo "SKIP: needs $tool"; exit 77; }
  done
  for tool in /usr/lib/NetworkManager/VPN /etc/NetworkManager /var/lib/NetworkManager \
    /usr/share/dbus-1/system.d/org.freedesktop.NetworkManager.conf; do
    [ -e "$tool" ] || { echo "SKIP: NetworkManager's $tool is missing"; exit 77; }
  done
}

nmw_dirs() { # the private directories, once
  [ -d "$NMW_DIR" ] && return 0
  case $NMW_DIR in
  /run/* | /etc/NetworkManager/* | /var/lib/NetworkManager/*)
    wst_fail "NetworkManager's private directories cannot live in $NMW_DIR (set TMPDIR)" ;;
  esac
  (umask 022 && mkdir -p "$NMW_DIR"/{run/dbus,run/NetworkManager,etc/conf.d,etc/VPN} \
    "$NMW_DIR"/{etc/dispatcher.d,varlib,vpn,empty,bus/services,bus/policy.d}) &&
    mkdir -m 700 "$NMW_DIR/etc/system-connections" ||
    wst_fail "cannot make $NMW_DIR"
}

nmw_alive() { # nmw_alive PID: it runs (a zombie does not)
  local state
  state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

nmw_kill() { # nmw_kill PID SECONDS: TERM, up to SECONDS, KILL; reaps our children
  local pid=$1 end=$((SECONDS + $2))
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  while nmw_alive "$pid" && [ "$SECONDS" -lt "$end" ]; do
    sleep 0.05
  done
  if nmw_alive "$pid"; then
    echo "# nmw: pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) ignored SIGTERM for $2 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}

nmw_running() { [ -n "$NMW_NS" ] && [ -n "$NMW_NM_PID" ] && nmw_alive "$NMW_NM_PID"; }

# nmw_exec CMD...: runs CMD in NetworkManager's network, mount and UTS
# namespaces, where the default system bus is the private one
nmw_exec() {
  [ -n "$NMW_NS" ] || wst_fail "nmw_exec $1: no NetworkManager namespace (nmw_start)"
  env -u DBUS_SYSTEM_BUS_ADDRESS LIBMOUNT_UTAB="$NMW_DIR/utab" \
    nsenter --target "$NMW_HOLDER_PID" --mount --net --uts --wd="$PWD" -- "$@"
}

nmw_nmcli() { nmw_exec nmcli "$@"; } # nmw_nmcli ARGS...: nmcli there

nmw_busctl() { nmw_exec busctl --system "$@"; } # nmw_busctl ARGS...: busctl on the private bus

nmw_log_count() { # nmw_log_count STRING: lines of nm.log that contain STRING
  grep -cF -- "$1" "$WST_LOGDIR/nm.log" 2>/dev/null
}

nmw_log_count_ge() { [ "$(nmw_log_count "$1")" -ge "$2" ]; }

# nmw_vpn_name FILE: installs the VPN plugin description FILE (*.name) in
# the VPN directory NM sees (root-owned, 0644), before or after nmw_start.
# NM reads the directory when it starts and watches it afterwards; once it
# runs, this waits until NM has loaded the file (its log says so), and a
# file of the same name is removed first (NM reloads no changed file).
nmw_vpn_name() {
  local src=$1 base dest seen
  base=$(basename "$src")
  [[ $base == *.name ]] || wst_fail "nmw_vpn_name: NetworkManager takes only *.name files, not $base"
  [ -f "$src" ] || wst_fail "nmw_vpn_name: no file $src"
  nmw_dirs
  dest=$NMW_DIR/vpn/$base
  if [ -e "$dest" ]; then
    seen=$(nmw_log_count "vpn: service file $NMW_VPN_DIR/$base deleted")
    rm -f "$dest"
    if nmw_running; then
      wst_wait 10 nmw_log_count_ge "vpn: service file $NMW_VPN_DIR/$base deleted" $((seen + 1)) ||
        wst_fail "NetworkManager did not notice that $base was removed"
    fi
  fi
  seen=$(nmw_log_count "vpn: service file $NMW_VPN_DIR/$base created or modified")
  # complete before NM sees it: a new name in the directory, by rename
  install -m 0644 -o root -g root "$src" "$NMW_DIR/vpn/.$base.new" &&
    mv -f "$NMW_DIR/vpn/.$base.new" "$dest" || wst_fail "cannot install $base"
  if nmw_running; then
    wst_wait 10 nmw_log_count_ge "vpn: service file $NMW_VPN_DIR/$base created or modified" \
      $((seen + 1)) || wst_fail "NetworkManager did not load $base"
  fi
}

nmw_reload_bus() { # the bus rereads its config and service directory, if it runs
  [ -n "$NMW_BUS_PID" ] && nmw_alive "$NMW_BUS_PID" || return 0
  nmw_busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig ||
    wst_fail "the private bus did not reload its config"
}

# nmw_policy FILE: adds the bus policy FILE (*.conf) to the private bus,
# before or after nmw_start (then the bus reloads before this returns)
nmw_policy() {
  local base
  base=$(basename "$1")
  [[ $base == *.conf ]] || wst_fail "nmw_policy: dbus-daemon takes only *.conf files, not $base"
  nmw_dirs
  install -m 0644 -o root -g root "$1" "$NMW_DIR/bus/policy.d/$base" || wst_fail "cannot install $1"
  nmw_reload_bus
}

# nmw_service FILE: adds the activation file FILE (*.service) to the
# private bus's service directory, before or after nmw_start
nmw_service() {
  local base
  base=$(basename "$1")
  [[ $base == *.service ]] || wst_fail "nmw_service: dbus-daemon takes only *.service files, not $base"
  nmw_dirs
  install -m 0644 -o root -g root "$1" "$NMW_DIR/bus/services/$base" || wst_fail "cannot install $1"
  nmw_reload_bus
}

# Runs in the new mount and UTS namespace (in the NM netns), as root:
# the private directories over the system's, then it holds the namespaces.
# shellcheck disable=SC2016
NMW_SETUP='set -eu
dir=$1
export LIBMOUNT_UTAB=$dir/utab
mount -o remount,bind,ro /sys
mount --bind "$dir/run" /run
mount --bind "$dir/etc" /etc/NetworkManager
mount --bind "$dir/varlib" /var/lib/NetworkManager
mount --bind "$dir/vpn" /usr/lib/NetworkManager/VPN
for d in conf.d system-connections; do
  if [ -d "/usr/lib/NetworkManager/$d" ]; then
    mount --bind "$dir/empty" "/usr/lib/NetworkManager/$d"
  fi
done
# a test prefix installed with DESTDIR, seen at the prefix (nmw_wstun_install)
if [ -f "$dir/prefix-mount" ]; then
  read -r src dest <"$dir/prefix-mount"
  mount --bind "$src" "$dest"
fi
hostname "$2"
: >"$dir/ready"
exec sleep infinity'

nmw_conf() { # nmw_conf LEVEL: NetworkManager.conf
  # ALL leaves out VPN_PLUGIN (at most INFO): named, the plugins get
  # NM_VPN_LOG_LEVEL 6 (LOG_INFO) for DEBUG, 7 for TRACE
  local domains=ALL,VPN_PLUGIN:$1
  # nmw_vpn_name waits for the VPN domain's debug messages
  case $1 in TRACE | DEBUG) ;; *) domains+=,VPN:DEBUG ;; esac
  cat <<CONF
# made by tests/nm/lib-nm.sh for one test
[main]
plugins=keyfile
no-auto-default=*
dns=none
rc-manager=unmanaged
hostname-mode=none
systemd-resolved=false
auth-polkit=root-only
dhcp=internal

[logging]
level=$1
domains=$domains

[keyfile]
path=/etc/NetworkManager/system-connections
unmanaged-devices=none

[device-nmw-eth0]
match-device=interface-name:eth0
managed=1

[connectivity]
enabled=false
CONF
}

nmw_bus_conf() {
  local f
  cat <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- made by tests/nm/lib-nm.sh: the private system bus of NetworkManager's namespace -->
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$NMW_DIR/bus/services</servicedir>
$(wst_bus_policy)
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
CONF
  for f in org.freedesktop.NetworkManager.conf nm-dispatcher.conf; do
    [ -f "/usr/share/dbus-1/system.d/$f" ] && echo "  <include>/usr/share/dbus-1/system.d/$f</include>"
  done
  cat <<CONF
  <includedir>$NMW_DIR/bus/policy.d</includedir>
</busconfig>
CONF
}

nmw_nm_started() { [ "$(nmw_nmcli -t -f STARTUP general 2>/dev/null)" = started ]; }

# nmw_con_state NAME: the profile's activation state (activating,
# activated...), empty when it is not active
nmw_con_state() { nmw_nmcli -g GENERAL.STATE connection show "$1" 2>/dev/null; }
nmw_con_activated() { [ "$(nmw_con_state "$1")" = activated ]; }

# nmw_start [--env VAR=VALUE]... [--policy FILE]... [--vpn-name FILE]...
#           [--wstund-args ARGS] [--no-wstund] [--log-level LEVEL] [--no-base]
# Starts the private bus and NetworkManager in the namespace "$WST_ID-nm"
# (needs wst_world first), waits until NM has started, then activates the
# base profile $NMW_BASE on eth0 ($NMW_ADDR/$NMW_PREFIX, gateway
# $NMW_GATEWAY) and waits until it is activated (not with --no-base).
#   --env VAR=VALUE  in NM's environment, and so in the plugins it spawns
#   --policy FILE    as nmw_policy;   --vpn-name FILE  as nmw_vpn_name
#   --wstund-args A  wstund's arguments in org.wstun.service (default -v)
#   --no-wstund      no org.wstun.service (org.wstun.conf stays)
#   --log-level L    NM's log level: TRACE, DEBUG (default), INFO...
nmw_start() {
  local relay ns env=() bus_env=() nm_env=() wstund_args=-v wstund=1 level=DEBUG base=1 v end
  nmw_require
  while [ $# -gt 0 ]; do
    case $1 in
    --env) nm_env+=("$2"); shift ;;
    --policy) nmw_policy "$2"; shift ;;
    --vpn-name) nmw_vpn_name "$2"; shift ;;
    --wstund-args) wstund_args=$2; shift ;;
    --no-wstund) wstund=0 ;;
    --log-level) level=$2; shift ;;
    --no-base) base=0 ;;
    *) wst_fail "nmw_start: unknown option $1" ;;
    esac
    shift
  done
  [ -z "$NMW_NS" ] || wst_fail "nmw_start: NetworkManager runs already"
  relay=$(wst_ns relay)
  ip -n "$relay" link show br0 >/dev/null 2>&1 || wst_fail "nmw_start needs wst_world's bridge first"
  nmw_dirs
  nmw_policy "$WST_SRCDIR/data/org.wstun.conf"
  # shellcheck disable=SC2086 # wstund's arguments, split as in Exec=
  [ "$wstund" = 1 ] && wst_wstund_service "$NMW_DIR/bus/services" $wstund_args
  nmw_conf "$level" >"$NMW_DIR/etc/NetworkManager.conf"
  nmw_bus_conf >"$NMW_DIR/bus/bus.conf"

  # the network: eth0 on the relay's bridge, up (else NM leaves it alone)
  ns=$WST_ID-nm
  ip netns add "$ns" || wst_fail "cannot add namespace $ns"
  NMW_NS=$ns
  WST_NETNS+=("$ns")
  ip -n "$ns" link set lo up &&
    ip -n "$ns" link add eth0 type veth peer name pnm netns "$relay" &&
    ip -n "$relay" link set pnm master br0 up &&
    ip -n "$ns" link set eth0 up || wst_fail "cannot connect $ns to the relay's bridge"

  # the holder of the mount and UTS namespaces
  ip netns exec "$ns" unshare --mount --uts --propagation slave -- \
    /bin/bash -c "$NMW_SETUP" nmw-setup "$NMW_DIR" "$ns" >"$WST_LOGDIR/nm-setup.log" 2>&1 &
  NMW_HOLDER_PID=$!
  end=$((SECONDS + 10))
  while [ ! -e "$NMW_DIR/ready" ]; do
    nmw_alive "$NMW_HOLDER_PID" || wst_fail "the mount namespace setup failed: $(cat "$WST_LOGDIR/nm-setup.log")"
    [ "$SECONDS" -lt "$end" ] || wst_fail "the mount namespace setup did not finish in 10 s"
    sleep 0.05
  done

  # the daemons' environment: clean, but for the sanitizers' options
  env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
  for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    [ -n "${!v:-}" ] && env+=("$v=${!v}")
  done
  # the bus passes G_DEBUG on to wstund, as lib.sh's wst_dbus does
  bus_env=("${env[@]}")
  [ -n "${G_DEBUG:-}" ] && bus_env+=("G_DEBUG=$G_DEBUG")
  (exec env -i "${bus_env[@]}" \
    nsenter --target "$NMW_HOLDER_PID" --mount --net --uts --wd=/ -- \
    dbus-daemon --config-file="$NMW_DIR/bus/bus.conf" --nofork --nopidfile) \
    </dev/null >"$WST_LOGDIR/nm-bus.log" 2>&1 &
  NMW_BUS_PID=$!
  wst_wait 10 test -S "$NMW_DIR/run/dbus/system_bus_socket" ||
    wst_fail "the private dbus-daemon did not start"

  (exec env -i "${env[@]}" "${nm_env[@]}" \
    nsenter --target "$NMW_HOLDER_PID" --mount --net --uts --wd=/ -- \
    "$NMW_NM_BIN" --debug --config=/etc/NetworkManager/NetworkManager.conf \
    --pid-file=/run/NetworkManager/NetworkManager.pid) </dev/null >"$WST_LOGDIR/nm.log" 2>&1 &
  NMW_NM_PID=$!
  end=$((SECONDS + 30))
  until nmw_nm_started; do
    nmw_alive "$NMW_NM_PID" || wst_fail "NetworkManager exited at start (see nm.log)"
    [ "$SECONDS" -lt "$end" ] || wst_fail "NetworkManager did not finish starting in 30 s"
    sleep 0.1
  done
  wst_log "NetworkManager $("$NMW_NM_BIN" --version) runs in $ns (pid $NMW_NM_PID)"
  [ "$base" = 1 ] || return 0

  nmw_nmcli connection add type ethernet ifname eth0 con-name "$NMW_BASE" autoconnect no \
    ipv4.method manual ipv4.addresses "$NMW_ADDR/$NMW_PREFIX" ipv4.gateway "$NMW_GATEWAY" \
    ipv6.method disabled >/dev/null || wst_fail "nmcli cannot add the base profile"
  nmw_nmcli -w 30 connection up "$NMW_BASE" >/dev/null ||
    wst_fail "the base profile $NMW_BASE did not come up"
  wst_wait 10 nmw_con_activated "$NMW_BASE" ||
    wst_fail "the base profile is '$(nmw_con_state "$NMW_BASE")', not activated"
}

# nmw_stop: stops all of the NM namespace and deletes it (nothing when it
# does not exist); wst_cleanup runs it, a test may earlier
nmw_stop() {
  local ns=$NMW_NS pid left end termed
  [ -n "$ns" ] || return 0
  nmw_kill "$NMW_NM_PID" 10
  # VPN plugins, wstund, whatever the test started there: SIGTERM once
  # each (a second one may mean "hurry" to a daemon), SIGKILL after 5 s
  end=$((SECONDS + 5))
  termed=" "
  while :; do
    left=
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      [ "$pid" = "$NMW_BUS_PID" ] || [ "$pid" = "$NMW_HOLDER_PID" ] || left+="$pid "
    done
    [ -n "$left" ] || break
    if [ "$SECONDS" -ge "$end" ]; then
      echo "# nmw: still running in $ns 5 s after SIGTERM: $left: SIGKILL"
      # shellcheck disable=SC2086
      kill -KILL $left 2>/dev/null
      break
    fi
    for pid in $left; do
      [[ $termed == *" $pid "* ]] && continue
      kill -TERM "$pid" 2>/dev/null
      termed+="$pid "
    done
    sleep 0.05
  done
  nmw_kill "$NMW_BUS_PID" 5
  nmw_kill "$NMW_HOLDER_PID" 5
  left=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  if [ -n "$left" ]; then
    echo "# nmw: killing what is left in $ns: $left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null
  fi
  ip netns del "$ns" 2>/dev/null
  NMW_NS=
}

# ---- NetworkManager-wstun from the build tree ---------------------------

# nmw_wstun_plugin: the .name file of the build's NetworkManager-wstun
# (made from nm-plugin/nm-wstun-service.name.in as meson makes the
# installed one, with the build tree's paths) and its bus policy, for
# nmw_start --vpn-name/--policy. program= is a wrapper that sets
# NM_VPN_LOG_SYSLOG=0 (no syslog here: the service's messages go to
# nm.log) and, for a sanitized build, nothing else: NM passes the
# sanitizers' options on. Sets NMW_WSTUN_NAME and NMW_WSTUN_POLICY.
nmw_wstun_plugin() {
  local dir=$WST_LOGDIR/nm-wstun
  local service=$WSTUN_BUILDDIR/nm-plugin/nm-wstun-service
  local module=$WSTUN_BUILDDIR/nm-plugin/libnm-vpn-plugin-wstun.so
  [ -x "$service" ] && [ -f "$module" ] || {
    echo "SKIP: NetworkManager-wstun is not built (needs libnm-dev)"
    exit 77
  }
  mkdir -p "$dir/libexec"
  printf '#!/bin/sh\nNM_VPN_LOG_SYSLOG=0 exec %s "$@"\n' "$service" >"$dir/libexec/nm-wstun-service"
  chmod 755 "$dir/libexec/nm-wstun-service"
  # the agents (nmcli) run the auth dialog: unsanitized callers, and a
  # sanitized dialog of its own is fine, it is a process
  ln -sf "$WSTUN_BUILDDIR/nm-plugin/nm-wstun-auth-dialog" "$dir/libexec/nm-wstun-auth-dialog"
  sed -e "s|@LIBEXECDIR@|$dir/libexec|" -e "s|@PLUGINDIR@|$WSTUN_BUILDDIR/nm-plugin|" \
    "$WST_SRCDIR/nm-plugin/nm-wstun-service.name.in" >"$dir/nm-wstun-service.name"
  grep -q "^program=$dir/libexec/nm-wstun-service$" "$dir/nm-wstun-service.name" ||
    wst_fail "nm-plugin/nm-wstun-service.name.in has no program=@LIBEXECDIR@/nm-wstun-service"
  NMW_WSTUN_NAME=$dir/nm-wstun-service.name
  NMW_WSTUN_POLICY=$WST_SRCDIR/nm-plugin/nm-wstun-service.conf
}

# nmw_wstun_install: NetworkManager-wstun as meson installs it: the build
# installed with DESTDIR into the test's directory, whose copy of the
# build's prefix (/usr/local by default) NetworkManager's mount namespace
# sees at the prefix itself, so the installed .name file, its program=,
# plugin= and auth-dialog= paths, and the bus policy are used as they
# are. Before nmw_start; sets NMW_WSTUN_NAME and NMW_WSTUN_POLICY. Skips
# the test for a build whose prefix is /usr (it would cover the system).
nmw_wstun_install() {
  local dest=$WST_LOGDIR/install prefix vpndir
  [ -x "$WSTUN_BUILDDIR/nm-plugin/nm-wstun-service" ] || {
    echo "SKIP: NetworkManager-wstun is not built (needs libnm-dev)"
    exit 77
  }
  prefix=$("$WST_PYTHON" -c 'import json, sys
print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "prefix"))' \
    "$WSTUN_BUILDDIR/meson-info/intro-buildoptions.json") || wst_fail "no prefix in the build"
  case $prefix in
  / | /usr | /usr/ | /etc*) echo "SKIP: the build's prefix $prefix cannot be covered for a test"; exit 77 ;;
  esac
  meson install -C "$WSTUN_BUILDDIR" --no-rebuild --quiet --destdir "$dest" >"$WST_LOGDIR/install.log" 2>&1 ||
    wst_fail "meson install --destdir failed: $(tail -n 5 "$WST_LOGDIR/install.log")"
  vpndir=$(pkg-config --variable=vpnservicedir --define-variable=prefix="$prefix" libnm)
  NMW_WSTUN_NAME=$dest$vpndir/nm-wstun-service.name
  NMW_WSTUN_POLICY=$(find "$dest" -path '*/dbus-1/system.d/nm-wstun-service.conf' | head -n 1)
  [ -f "$NMW_WSTUN_NAME" ] && [ -f "$NMW_WSTUN_POLICY" ] ||
    wst_fail "meson install did not put nm-wstun-service.name in $vpndir and the policy in dbus-1/system.d"
  grep -q "^program=$prefix/" "$NMW_WSTUN_NAME" || wst_fail "the installed .name runs no program under $prefix"
  nmw_dirs
  echo "$dest$prefix $prefix" >"$NMW_DIR/prefix-mount"
}

# nmw_cli ARGS...: nmcli in the NM namespace (the build's libnm plugin,
# which import and export load, is built without sanitizers so that
# nmcli can load it)
nmw_cli() { nmw_exec nmcli "$@"; }

# nmw_wstund_tls_service: org.wstun.service for nmw_start --no-wstund that
# runs the build's wstund with GnuTLS preloaded when it has
# AddressSanitizer (see lib.sh's wst_tls_preload), for wss:// relays
nmw_wstund_tls_service() {
  local dir=$WST_LOGDIR/nm-wstun/services asan
  mkdir -p "$dir"
  wst_wstund_service "$dir" -v
  asan=$(ldd "$WSTUND_BIN" 2>/dev/null | awk '/libasan/ { print $3 }')
  # a colon, not a blank, between the two: Exec= is split at blanks
  [ -n "$asan" ] && sed -i "s|^Exec=|Exec=/usr/bin/env LD_PRELOAD=$asan:libgnutls.so.30 |" \
    "$dir/org.wstun.service"
  nmw_service "$dir/org.wstun.service"
}
