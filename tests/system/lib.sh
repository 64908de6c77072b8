# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for wstun's system tests: a private world of network
# namespaces joined by veth pairs on a bridge in the relay's namespace.
#
#   relay ns  br0 198.18.0.1/24 ---+--- veth --- client 1 ns  198.18.0.2/24
#                                  +--- veth --- client 2 ns  198.18.0.3/24 ...
#
# Everything started is stopped by PID, every namespace is deleted, on
# success and on failure alike (trap).

set -u

WSTUN_BUILDDIR=${WSTUN_BUILDDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../_build" && pwd)}
RELAY_BIN=$WSTUN_BUILDDIR/src/wstun-relay
WSTUND_BIN=$WSTUN_BUILDDIR/src/wstund
WST_ID=${WST_ID:-w$$}
WST_LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/wstun-test.XXXXXX")
WST_PIDS=()
WST_NETNS=()
WST_RELAY_IP=198.18.0.1
WST_RELAY_URL=ws://$WST_RELAY_IP:80
WST_METRICS=127.0.0.1:9180
WST_FAILED=0
WST_CLEANUP_HOOKS=() # functions wst_cleanup calls first (tests/nm/lib-nm.sh's nmw_stop)

wst_log() { echo "# $*"; }

wst_fail() {
  echo "FAIL: $*"
  WST_FAILED=1
  exit 1
}

wst_ns() { # wst_ns relay | wst_ns N
  if [ "$1" = relay ]; then echo "$WST_ID-r"; else echo "$WST_ID-c$1"; fi
}

wst_cleanup() {
  local rc=$?
  local pid hook
  for hook in "${WST_CLEANUP_HOOKS[@]}"; do
    "$hook"
  done
  for pid in "${WST_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${WST_PIDS[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  local ns
  for ns in "${WST_NETNS[@]}"; do
    ip netns del "$ns" 2>/dev/null
  done
  if [ "$rc" -ne 0 ] || [ "$WST_FAILED" -ne 0 ]; then
    local f
    for f in "$WST_LOGDIR"/*.log; do
      [ -f "$f" ] || continue
      echo "----- $(basename "$f") (last 30 lines)"
      tail -n 30 "$f"
    done
  fi
  # WST_KEEP_LOGS=DIR keeps a copy of every log, for debugging a test
  [ -n "${WST_KEEP_LOGS:-}" ] && rm -rf "$WST_KEEP_LOGS" && cp -a "$WST_LOGDIR" "$WST_KEEP_LOGS"
  rm -rf "$WST_LOGDIR"
  exit "$rc"
}
trap wst_cleanup EXIT
trap 'exit 130' INT TERM

wst_require_root() {
  if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
    echo "SKIP: needs root and /dev/net/tun"
    exit 77
  fi
}

# wst_world N: the relay namespace and N client namespaces
wst_world() {
  local n=$1 i r c
  wst_require_root
  r=$(wst_ns relay)
  ip netns add "$r" || wst_fail "cannot add namespace $r"
  WST_NETNS+=("$r")
  ip -n "$r" link set lo up
  ip -n "$r" link add br0 type bridge
  ip -n "$r" addr add "$WST_RELAY_IP/24" dev br0
  ip -n "$r" link set br0 up
  for i in $(seq "$n"); do
    c=$(wst_ns "$i")
    ip netns add "$c" || wst_fail "cannot add namespace $c"
    WST_NETNS+=("$c")
    ip -n "$c" link set lo up
    ip link add "$WST_ID-v$i" netns "$c" type veth peer name "p$i" netns "$r"
    ip -n "$c" link set "$WST_ID-v$i" name eth0
    ip -n "$c" addr add "198.18.0.$((i + 1))/24" dev eth0
    ip -n "$c" link set eth0 up
    ip -n "$r" link set "p$i" master br0 up
  done
}

# wst_bg NAME NS CMD...: runs CMD in namespace NS, log in NAME.log
wst_bg() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$WST_LOGDIR/$name.log" 2>&1 &
  WST_PIDS+=($!)
  eval "WST_PID_${name//[^a-zA-Z0-9]/_}=$!"
}

wst_pid() { local v="WST_PID_${1//[^a-zA-Z0-9]/_}"; echo "${!v}"; }

wst_stop() { # wst_stop NAME: SIGTERM and wait (bounded)
  local pid
  pid=$(wst_pid "$1")
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  wait "$pid" 2>/dev/null
}

wst_logfile() { echo "$WST_LOGDIR/$1.log"; }

# wst_wait SECONDS CMD...: polls CMD until it succeeds
wst_wait() {
  local t=$1
  shift
  local end=$((SECONDS + t))
  while ! "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.05
  done
}

wst_listening() { # wst_listening NS PORT: a TCP socket listens on PORT in NS
  ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}

# wst_state_dir NAME: the state directory of the relay (process) NAME, in
# the test's own directory: a test never reads or writes /var/lib/wstun,
# and a relay restarted under the same NAME finds its leases again
wst_state_dir() { echo "$WST_LOGDIR/state-$1"; }

# wst_relay ARGS...: starts the relay on $WST_RELAY_URL with metrics on
# 127.0.0.1:9180 and its state in $(wst_state_dir relay) (wst_relay_tls
# for wss://); a --state-dir in ARGS wins
wst_relay() {
  local r port=${WST_RELAY_URL##*:}
  r=$(wst_ns relay)
  wst_bg relay "$r" "$RELAY_BIN" --listen "$WST_RELAY_URL" --metrics "$WST_METRICS" \
    --state-dir "$(wst_state_dir relay)" "$@"
  wst_wait 10 wst_listening "$r" "${port%%/*}" || wst_fail "relay did not start"
}

wst_has_addr() { ip -n "$1" -o addr show dev "$2" 2>/dev/null | grep -q "inet "; }

# wst_client N ARGS...: connects client N (device wstun0) and waits for it
# (for wss://, see wst_tls_preload)
wst_client() {
  local i=$1 c
  shift
  c=$(wst_ns "$i")
  WST_PRELOAD=()
  [[ $WST_RELAY_URL == wss://* ]] && wst_tls_preload "$WSTUND_BIN"
  wst_bg "client$i" "$c" "${WST_PRELOAD[@]}" "$WSTUND_BIN" --connect "$WST_RELAY_URL" \
    --interface wstun0 "$@"
  wst_wait 10 wst_has_addr "$c" wstun0 || wst_fail "client $i did not come up"
}

wst_addr4() { ip -n "$(wst_ns "$1")" -4 -o addr show dev wstun0 | awk '{print $4}' | cut -d/ -f1; }
wst_addr6() { ip -n "$(wst_ns "$1")" -6 -o addr show dev wstun0 scope global | awk '{print $4}' | cut -d/ -f1; }

# wst_metrics: the relay's Prometheus text
wst_metrics() {
  ip netns exec "$(wst_ns relay)" bash -c \
    "exec 3<>/dev/tcp/${WST_METRICS%:*}/${WST_METRICS#*:} && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3"
}

# wst_metric NAME[{labels}]: one value
wst_metric() {
  wst_metrics | awk -v k="$1" '$1 == k { print $2 }'
}

wst_in() { # wst_in N CMD...: runs CMD in client N's namespace
  local i=$1
  shift
  ip netns exec "$(wst_ns "$i")" "$@"
}

wst_pass() {
  echo "PASS: $*"
}

# Process accounting for tests that measure what they started (by wst_bg NAME).

wst_ended() { # wst_ended NAME: its process has exited (bash reaps its children)
  ! kill -0 "$(wst_pid "$1")" 2>/dev/null
}

# wst_cpu_ticks NAME: user + system CPU time of NAME's process, in clock
# ticks (getconf CLK_TCK per second). Fields are counted from the last ")"
# because the command name in parentheses may contain spaces.
wst_cpu_ticks() {
  local stat f
  stat=$(cat "/proc/$(wst_pid "$1")/stat" 2>/dev/null) || return 1
  read -ra f <<<"${stat##*) }"
  echo $((f[11] + f[12]))
}

# wst_vm_kb NAME FIELD: one Vm* figure (VmRSS, VmHWM...) of NAME's process, in kB
wst_vm_kb() {
  awk -v k="$2:" '$1 == k { print $2; found = 1 } END { exit !found }' \
    "/proc/$(wst_pid "$1")/status" 2>/dev/null
}

# Python test tools (tests/tools/*.py, tests/seed/*.py). They run with the
# system interpreter, which has python3-websockets; a python3 earlier in
# PATH (pyenv, venv) may not.

WST_PYTHON=/usr/bin/python3
WST_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WST_TOOLS=$WST_TESTS/tools

wst_require_python() { # skips the test unless the tools can run
  if ! "$WST_PYTHON" -c 'import websockets' 2>/dev/null; then
    echo "SKIP: needs $WST_PYTHON with websockets (apt-get install python3-websockets)"
    exit 77
  fi
}

# wst_tool N TOOL ARGS...: runs tests/tools/TOOL.py in client N's namespace
wst_tool() {
  local i=$1 tool=$2
  shift 2
  wst_in "$i" "$WST_PYTHON" "$WST_TOOLS/$tool.py" "$@"
}

# wst_exit_status NAME SECONDS: waits (bounded) for NAME's process to end and
# sets WST_STATUS to its exit status; returns 1 if it is still running. Not
# in $(...): only the shell that started a process can collect its status.
wst_exit_status() {
  local pid end
  pid=$(wst_pid "$1")
  end=$((SECONDS + $2))
  WST_STATUS=
  while kill -0 "$pid" 2>/dev/null; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.05
  done
  wait "$pid"
  WST_STATUS=$?
}

# wst_has_dev N DEV: the device exists in client N's namespace
wst_has_dev() { ip -n "$(wst_ns "$1")" link show dev "$2" >/dev/null 2>&1; }
wst_no_dev() { ! wst_has_dev "$@"; }

# wst_counter N STAT [DEV]: a statistics counter (rx_packets, tx_bytes...) of
# DEV (default wstun0) in client N's namespace
wst_counter() {
  wst_in "$1" cat "/sys/class/net/${3:-wstun0}/statistics/$2"
}

# wst_drops REASON: the relay's wstun_relay_dropped_total{reason="REASON"};
# fails when the relay does not report it
wst_drops() {
  local v
  v=$(wst_metric "wstun_relay_dropped_total{reason=\"$1\"}")
  [ -n "$v" ] && echo "$v"
}

# wst_udp_rcvbuf_errors N: UDP datagrams that found a socket of client N's
# namespace full (Udp: RcvbufErrors)
# shellcheck disable=SC2016 # an awk program
wst_udp_rcvbuf_errors() {
  wst_in "$1" awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) col[$i] = i; h = 1 }
    else print $col["RcvbufErrors"] }' /proc/net/snmp
}

# wst_port_tx_bytes N: bytes the relay's bridge port sent towards client N
wst_port_tx_bytes() { ip netns exec "$(wst_ns relay)" cat "/sys/class/net/p$1/statistics/tx_bytes"; }
# wst_port_sent_since N START BYTES: the port has sent BYTES since it stood at START
wst_port_sent_since() { [ $(($(wst_port_tx_bytes "$1") - $2)) -ge "$3" ]; }

wst_log_has() { # wst_log_has NAME ERE: NAME's log has a line matching ERE
  grep -Eq -- "$2" "$(wst_logfile "$1")"
}

# wst_metric_ge NAME[{labels}] MIN: the relay's metric is at least MIN (for wst_wait)
wst_metric_ge() {
  local v
  v=$(wst_metric "$1")
  [ -n "$v" ] && [ "$v" -ge "$2" ]
}

wst_json() { # wst_json KEY: the value of KEY in the JSON object on stdin
  "$WST_PYTHON" -c 'import json, sys
v = json.load(sys.stdin).get(sys.argv[1])
print("" if v is None else v)' "$1"
}

# ---- D-Bus: wstund on a private system bus ------------------------------
#
# wst_dbus starts a dbus-daemon of its own (by PID, in a client namespace,
# socket in the test's directory) whose config includes the project's bus
# policy data/org.wstun.conf and whose service directory holds an
# org.wstun.service made from data/org.wstun.service.in, its Exec= pointing
# at the build's wstund. DBUS_SYSTEM_BUS_ADDRESS points at it, so wstund,
# busctl, gdbus, wstunctl and polkit lookups all use it, as on a real
# system. wstund is started by D-Bus activation on the first call, in that
# namespace, so its TUN devices appear there.

WST_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WSTUNCTL_BIN=$WSTUN_BUILDDIR/src/wstunctl
WST_BUSDIR=$WST_LOGDIR/bus

wst_require_dbus() {
  local tool
  for tool in dbus-daemon busctl gdbus stdbuf setpriv; do
    command -v "$tool" >/dev/null || { echo "SKIP: needs $tool"; exit 77; }
  done
}

# wst_wstund_service DIR [WSTUND-ARGS...]: DIR/org.wstun.service, made from
# data/org.wstun.service.in with Exec= running the build's wstund
wst_wstund_service() {
  local dir=$1
  shift
  sed "s|^Exec=@sbindir@/wstund|Exec=$WSTUND_BIN $*|" "$WST_SRCDIR/data/org.wstun.service.in" \
    >"$dir/org.wstun.service"
  grep -q "^Exec=$WSTUND_BIN" "$dir/org.wstun.service" ||
    wst_fail "data/org.wstun.service.in has no Exec=@sbindir@/wstund line"
}

# wst_bus_policy: the <policy> elements of a private system bus: the
# default policy of the system bus (system.conf), and polkit's
wst_bus_policy() {
  cat <<'POLICY'
  <!-- the default policy of the system bus (system.conf) -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
    <!-- as polkit's own policy: everyone asks it; for a mock polkitd -->
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
POLICY
}

# wst_dbus NS [WSTUND-ARGS...]: the private bus, wstund activated in NS with
# WSTUND-ARGS (e.g. -v --idle-timeout 0)
wst_dbus() {
  local ns=$1
  shift
  wst_require_dbus
  mkdir -p "$WST_BUSDIR/services"
  # other users (setpriv nobody) must reach the socket, not read the logs
  chmod 711 "$WST_LOGDIR" "$WST_BUSDIR"
  wst_wstund_service "$WST_BUSDIR/services" "$@"
  cat >"$WST_BUSDIR/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WST_BUSDIR/socket</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$WST_BUSDIR/services</servicedir>
$(wst_bus_policy)
  <include>$WST_SRCDIR/data/org.wstun.conf</include>
</busconfig>
CONF
  export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WST_BUSDIR/socket
  wst_bg bus "$ns" dbus-daemon --config-file="$WST_BUSDIR/bus.conf" --nofork --nopidfile \
    --print-address
  wst_wait 10 test -S "$WST_BUSDIR/socket" || wst_fail "the private dbus-daemon did not start"
}

wst_bus() { # wst_bus METHOD ARGS...: calls the bus driver (org.freedesktop.DBus)
  local m=$1
  shift
  busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus "$m" "$@"
}

wst_wstund_running() { [ "$(wst_bus NameHasOwner s org.wstun 2>/dev/null)" = "b true" ]; }
wst_wstund_gone() { ! wst_wstund_running; }

# wst_wstund_pid: the PID of the activated wstund; it joins what the
# cleanup stops
wst_wstund_pid() {
  local pid
  pid=$(wst_bus GetConnectionUnixProcessID s org.wstun 2>/dev/null | awk '{print $2}')
  [ -n "$pid" ] || return 1
  case " ${WST_PIDS[*]} " in *" $pid "*) ;; *) WST_PIDS+=("$pid") ;; esac
  echo "$pid"
}

# wst_prop PATH INTERFACE PROPERTY: a property's value as busctl prints it,
# without the type: 'connected', '42', '2 "a" "b"'
wst_prop() {
  busctl --system get-property org.wstun "$1" "$2" "$3" 2>/dev/null |
    sed -e 's/^[^ ]* //' -e 's/^"\(.*\)"$/\1/'
}

wst_state() { wst_prop "$1" org.wstun.Connection State; }
wst_state_is() { [ "$(wst_state "$1")" = "$2" ]; }
wst_path_gone() { ! busctl --system get-property org.wstun "$1" org.wstun.Connection State >/dev/null 2>&1; }

# wst_stop_wstund: SIGTERM to wstund, waits until it is gone (bounded)
wst_stop_wstund() {
  local pid
  pid=$(wst_wstund_pid) || return 0
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  wst_fail "wstund (pid $pid) did not exit within 5 s of SIGTERM"
}

# wst_sanitizers_clean: nothing a sanitizer reported in the bus log (where
# the activated wstund writes)
wst_sanitizers_clean() {
  if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$(wst_logfile bus)"; then
    grep -E -A 20 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$(wst_logfile bus)"
    wst_fail "a sanitizer reported an error in wstund"
  fi
}

# wst_nobody CMD...: runs CMD as the unprivileged user nobody
wst_nobody() {
  setpriv --reuid nobody --regid nogroup --clear-groups --reset-env \
    env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" LSAN_OPTIONS="${LSAN_OPTIONS:-}" "$@"
}

# wst_error_name OUTPUT: the D-Bus error name in gdbus call's error output
wst_error_name() {
  grep -o 'GDBus.Error:[A-Za-z0-9_.]*' <<<"$1" | head -n 1 | cut -d: -f2
}

wst_prop_ge() { # wst_prop_ge PATH INTERFACE PROPERTY MIN: a number property is >= MIN
  local v
  v=$(wst_prop "$1" "$2" "$3")
  [ -n "$v" ] && [ "$v" -ge "$4" ]
}

wst_ended_pid() { ! kill -0 "$1" 2>/dev/null; } # wst_ended_pid PID: it has exited

# ---- security: tokens, TLS certificates, refused clients, abuse ----------

WST_TOKENS=$WST_LOGDIR/tokens # the relay's tokens file (wst_relay --tokens "$WST_TOKENS")

# wst_token NAME [--address A] [--address6 A]: adds NAME to $WST_TOKENS and
# keeps its token in $(wst_token_file NAME), mode 0600 as wstund wants
wst_token() {
  local name=$1
  shift
  (umask 077 && "$RELAY_BIN" --tokens "$WST_TOKENS" token add "$name" "$@" \
    >"$WST_LOGDIR/$name.token" 2>>"$WST_LOGDIR/tokens.log") || wst_fail "token add $name failed"
  grep -Eq '^wst_[A-Za-z0-9_-]{43}$' "$WST_LOGDIR/$name.token" ||
    wst_fail "token add $name printed no token: $(cat "$WST_LOGDIR/$name.token")"
}
wst_token_file() { echo "$WST_LOGDIR/$1.token"; }

# Test PKI, made with openssl in $WST_PKI: wst_ca NAME makes a CA;
# wst_cert CA NAME SAN FROM TO issues NAME.pem/NAME.key signed by CA, for
# the subjectAltName SAN (IP:198.18.0.1,DNS:x), valid from FROM to TO
# seconds from now (negative: in the past). `openssl ca` sets any dates,
# which `openssl x509 -req` of OpenSSL 3.0 cannot.
WST_PKI=$WST_LOGDIR/pki
wst_ca() {
  local name=$1 db=$WST_PKI/$1.db
  mkdir -p "$db" && : >"$db/index.txt" && echo 1000 >"$db/serial" || return 1
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$WST_PKI/$name.key" -out "$WST_PKI/$name.pem" -days 30 -subj "/CN=wstun test $name" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>>"$WST_PKI/openssl.log" || return 1
  cat >"$WST_PKI/$name.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
certificate = $WST_PKI/$name.pem
private_key = $WST_PKI/$name.key
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
[any_name]
commonName = supplied
CNF
}
wst_cert() {
  local ca=$1 name=$2 san=$3 from to
  from=$(date -u -d "@$(($(date +%s) + $4))" +%Y%m%d%H%M%SZ)
  to=$(date -u -d "@$(($(date +%s) + $5))" +%Y%m%d%H%M%SZ)
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$WST_PKI/$name.key" -out "$WST_PKI/$name.csr" -subj "/CN=$name" \
    2>>"$WST_PKI/openssl.log" || return 1
  printf '%s\n' "subjectAltName=$san" basicConstraints=CA:FALSE keyUsage=digitalSignature \
    extendedKeyUsage=serverAuth >"$WST_PKI/$name.ext"
  openssl ca -batch -notext -config "$WST_PKI/$ca.cnf" -in "$WST_PKI/$name.csr" \
    -out "$WST_PKI/$name.pem" -startdate "$from" -enddate "$to" -extfile "$WST_PKI/$name.ext" \
    >>"$WST_PKI/openssl.log" 2>&1
}

# wst_pki: a test CA and certificates for the relay at $WST_RELAY_IP:
#   relay      signed by ca, SAN IP:198.18.0.1, valid now
#   rogue      the same name and dates, signed by otherca
#   wrongname  signed by ca, SAN IP:198.18.0.99 and DNS:other.test
#   expired    signed by ca, valid from 10 days until 1 day ago
#   future     signed by ca, valid from tomorrow
wst_pki() {
  command -v openssl >/dev/null || { echo "SKIP: needs openssl"; exit 77; }
  mkdir -p "$WST_PKI"
  wst_ca ca && wst_ca otherca &&
    wst_cert ca relay "IP:$WST_RELAY_IP" -3600 86400 &&
    wst_cert otherca rogue "IP:$WST_RELAY_IP" -3600 86400 &&
    wst_cert ca wrongname "IP:198.18.0.99,DNS:other.test" -3600 86400 &&
    wst_cert ca expired "IP:$WST_RELAY_IP" -864000 -86400 &&
    wst_cert ca future "IP:$WST_RELAY_IP" 86400 864000 ||
    wst_fail "cannot make the test certificates: $(tail -n 5 "$WST_PKI/openssl.log")"
}
wst_pem() { echo "$WST_PKI/$1.pem"; }
wst_key() { echo "$WST_PKI/$1.key"; }

# wst_pin NAME: pin-sha256 of NAME.pem's public key (base64 SHA-256 of its
# SubjectPublicKeyInfo), as wstund --pin-sha256 takes it
wst_pin() {
  openssl x509 -in "$WST_PKI/$1.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | base64
}

# wst_tls_preload BIN: WST_PRELOAD becomes the command prefix that runs BIN
# with GnuTLS preloaded if BIN has AddressSanitizer, else nothing. GCC 12's
# LeakSanitizer crashes at exit ("Tracer caught signal 11", the process
# aborts) when threads used the thread-local storage of a library loaded
# with dlopen, as GnuTLS is by glib-networking for wss://; preloaded (after
# the sanitizer runtime, which must come first), its TLS is in the static
# block. wst_tls_relay, wst_client and wst_refused use it for wss://.
wst_tls_preload() {
  local asan
  WST_PRELOAD=()
  asan=$(ldd "$1" 2>/dev/null | awk '/libasan/ { print $3 }')
  [ -n "$asan" ] && WST_PRELOAD=(env LD_PRELOAD="$asan libgnutls.so.30")
  return 0
}

# wst_tls_relay NAME PORT CERT ARGS...: a relay (process NAME) on
# wss://$WST_RELAY_IP:PORT with certificate CERT of wst_pki
wst_tls_relay() {
  local name=$1 port=$2 cert=$3
  shift 3
  wst_tls_preload "$RELAY_BIN"
  wst_bg "$name" "$(wst_ns relay)" "${WST_PRELOAD[@]}" "$RELAY_BIN" \
    --listen "wss://$WST_RELAY_IP:$port" --tls-cert "$(wst_pem "$cert")" --tls-key "$(wst_key "$cert")" \
    --state-dir "$(wst_state_dir "$name")" "$@"
  wst_wait 10 wst_listening "$(wst_ns relay)" "$port" || wst_fail "the relay $name did not start"
}

# wst_relay_tls CERT ARGS...: the relay (process "relay", metrics as
# wst_relay) on wss://$WST_RELAY_IP:443; wst_client connects there too
wst_relay_tls() {
  local cert=$1
  shift
  WST_RELAY_URL=wss://$WST_RELAY_IP:443
  wst_tls_relay relay 443 "$cert" --metrics "$WST_METRICS" "$@"
}

# wst_refused NAME N ERE WSTUND-ARGS...: runs wstund --connect in client N's
# namespace, which must fail: exit 1 within 20 s, leave no wstun0, and say
# why on a "wstund: " line matching ERE (in WST_MESSAGE afterwards)
wst_refused() {
  local name=$1 i=$2 ere=$3
  shift 3
  WST_PRELOAD=()
  [[ $WST_RELAY_URL == wss://* ]] && wst_tls_preload "$WSTUND_BIN"
  wst_bg "$name" "$(wst_ns "$i")" "${WST_PRELOAD[@]}" "$WSTUND_BIN" --connect "$WST_RELAY_URL" \
    --interface wstun0 "$@"
  wst_exit_status "$name" 20 || wst_fail "$name: wstund is still running after 20 s"
  WST_MESSAGE=$(grep '^wstund: ' "$(wst_logfile "$name")" | tail -n 1)
  [ "$WST_STATUS" = 1 ] || wst_fail "$name: wstund exited $WST_STATUS, not 1 ($WST_MESSAGE)"
  grep -Eq -- "$ere" <<<"$WST_MESSAGE" ||
    wst_fail "$name: the message '$WST_MESSAGE' does not match '$ere'"
  wst_no_dev "$i" wstun0 || wst_fail "$name: a device wstun0 is left in client $i's namespace"
  wst_log "$name: $WST_MESSAGE"
}

# wst_many_sources N: every address of $WST_SOURCES (198.19.0.0/16) is local
# in client N's namespace, and the relay routes it back there: tests/tools/
# flood.py --sources "$WST_SOURCES" then comes from thousands of addresses
WST_SOURCES=198.19.0.0/16
# wst_tcp_transfer NAME FROM TO ADDR PORT FILE: FILE over TCP from client
# FROM to ADDR:PORT on client TO (tests/tools/tcp-xfer.py, 60 s at most);
# fails unless the copy that arrived is identical
wst_tcp_transfer() {
  local name=$1 from=$2 to=$3 addr=$4 port=$5 file=$6 out=$WST_LOGDIR/$1.out want got
  want=$(sha256sum <"$file" | cut -d' ' -f1)
  wst_bg "recv-$name" "$(wst_ns "$to")" "$WST_PYTHON" "$WST_TOOLS/tcp-xfer.py" recv \
    --bind "$addr" --port "$port" --out "$out" --timeout 60
  wst_wait 10 wst_listening "$(wst_ns "$to")" "$port" || wst_fail "$name: receiver did not listen"
  wst_tool "$from" tcp-xfer send --to "$addr" --port "$port" --file "$file" --timeout 60 ||
    wst_fail "$name: sending failed"
  wst_exit_status "recv-$name" 30 && [ "$WST_STATUS" = 0 ] || wst_fail "$name: receiving failed"
  got=$(sha256sum <"$out" | cut -d' ' -f1)
  [ "$got" = "$want" ] || wst_fail "$name: received $(stat -c %s "$out") bytes, checksum differs"
  rm -f "$out"
  wst_log "$name: $(cat "$(wst_logfile "recv-$name")")"
}

wst_many_sources() {
  ip -n "$(wst_ns "$1")" route add local "$WST_SOURCES" dev lo &&
    ip -n "$(wst_ns relay)" route add "$WST_SOURCES" via "198.18.0.$(($1 + 1))" ||
    wst_fail "cannot route $WST_SOURCES to client $1"
}

# wst_ping_start NAME N ADDR: pings ADDR from client N every 20 ms, in the
# background, until wst_ping_stop NAME (which lets the last second's echo
# requests be answered first). wst_ping_loss NAME then prints "sent
# answered loss%" for the echo requests but those of the last second
# (which may still have been on their way at the stop), and fails when
# there were none.
wst_ping_start() {
  wst_bg "$1" "$(wst_ns "$2")" ping -n -i 0.02 -W 1 "$3"
}
wst_ping_stop() {
  sleep 1
  kill -INT "$(wst_pid "$1")" 2>/dev/null
  wst_exit_status "$1" 5 || wst_fail "ping $1 does not stop"
}
wst_ping_loss() {
  awk 'match($0, /icmp_seq=[0-9]+ /) { got[substr($0, RSTART + 9, RLENGTH - 10) + 0] = 1 }
    /packets transmitted/ { tx = $1 }
    END {
      n = tx - 50
      if (n <= 0) exit 1
      for (i = 1; i <= n; i++) rx += (i in got)
      printf "%d %d %.2f\n", n, rx, 100 * (n - rx) / n
    }' "$(wst_logfile "$1")"
}

# wst_no_sanitizer_reports NAME...: the logs of NAME... have no report of
# AddressSanitizer, LeakSanitizer or UBSan, and LeakSanitizer did not fail
# to check (stop the processes first: leaks are reported at exit)
wst_no_sanitizer_reports() {
  local name re='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|LeakSanitizer has encountered'
  for name in "$@"; do
    if grep -Eq "$re" "$(wst_logfile "$name")"; then
      grep -E -A 20 "$re" "$(wst_logfile "$name")"
      wst_fail "a sanitizer reported an error in $name"
    fi
  done
}

# wst_sanitized: the build under test has AddressSanitizer (its memory
# figures are the sanitizer's, not wstun's)
wst_sanitized() { ldd "$RELAY_BIN" 2>/dev/null | grep -q libasan; }
