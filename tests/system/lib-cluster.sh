# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the relay cluster's system tests (after lib.sh and
# wst_world). Each relay N runs in a namespace of its own, joined to the
# bridge of the relay's namespace by a veth pair, at 198.18.0.20N, port
# 808N, metrics on its own 127.0.0.1:918N; so a partition between two
# relays is a route. The etcd members run in the relay's namespace: member
# N listens for clients on 198.18.0.1:2379N and for its peers on
# 127.0.0.1:2380N.
#
#   relay ns  br0 198.18.0.1, etcd members --+-- veth -- relay N ns 198.18.0.20N
#                                            +-- veth -- client N ns 198.18.0.(N+1)

command -v etcd >/dev/null || {
  echo "SKIP: needs etcd (apt-get install etcd-server)"
  exit 77
}

WSC_ENDPOINTS=
WSC_KEY=$WST_LOGDIR/mesh.key
printf '%s\n' "mesh-key-$$-$RANDOM-$RANDOM-$RANDOM" >"$WSC_KEY"

wsc_ns() { echo "$WST_ID-n$1"; }
wsc_ip() { echo "198.18.0.20$1"; }
wsc_url() { echo "ws${WSC_TLS:+s}://$(wsc_ip "$1"):808$1"; }

# wsc_etcd N: an etcd cluster of N members, started by PID (etcdN)
wsc_etcd() {
  local n=$1 i
  WSC_INITIAL=
  for i in $(seq "$n"); do
    WSC_INITIAL+="${WSC_INITIAL:+,}e$i=http://127.0.0.1:2380$i"
    WSC_ENDPOINTS+="${WSC_ENDPOINTS:+,}http://$WST_RELAY_IP:2379$i"
  done
  for i in $(seq "$n"); do
    wsc_etcd_start "$i"
  done
}

# wsc_etcd_start N: (re)starts member N on its data
wsc_etcd_start() {
  local i=$1 url=http://$WST_RELAY_IP:2379$1
  wst_bg "etcd$i" "$(wst_ns relay)" etcd --name "e$i" --data-dir "$WST_LOGDIR/etcd$i" \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls "http://127.0.0.1:2380$i" --initial-advertise-peer-urls "http://127.0.0.1:2380$i" \
    --initial-cluster "$WSC_INITIAL" --initial-cluster-state new --heartbeat-interval 50 \
    --election-timeout 500
}

# wsc_relay_ns N: relay N's namespace, made once
wsc_relay_ns() {
  local ns
  ns=$(wsc_ns "$1")
  ip netns list | grep -q "^$ns\b" && return 0
  ip netns add "$ns" || wst_fail "cannot add namespace $ns"
  WST_NETNS+=("$ns")
  ip -n "$ns" link set lo up
  ip link add "$WST_ID-m$1" netns "$ns" type veth peer name "m$1" netns "$(wst_ns relay)"
  ip -n "$ns" link set "$WST_ID-m$1" name eth0
  ip -n "$ns" addr add "$(wsc_ip "$1")/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$(wst_ns relay)" link set "m$1" master br0 up
  # after wst_many_sources: the relay answers the simulated clients there
  [ -n "${WSC_SOURCES_VIA:-}" ] && ip -n "$ns" route add "$WST_SOURCES" via "$WSC_SOURCES_VIA"
  return 0
}

# wsc_relay N [ID [ARGS...]]: relay N (ID rN) of the cluster, pools
# 10.99.0.0/24 and fd00:99::/64, its lease's TTL 3 s; waits until it admits
# clients. With WSC_TLS=CERT (of wst_pki, for the relays' names
# IP:198.18.0.201-203) it serves wss:// and trusts WSC_MESH_CA (default the
# test CA) for the other relays.
wsc_relay() {
  local n=$1 id=${2:-r$1} tls=()
  shift
  [ $# -gt 0 ] && shift
  wsc_relay_ns "$n"
  WST_PRELOAD=()
  if [ -n "${WSC_TLS:-}" ]; then
    wst_tls_preload "$RELAY_BIN"
    tls=(--tls-cert "$(wst_pem "$WSC_TLS")" --tls-key "$(wst_key "$WSC_TLS")"
      --mesh-ca "${WSC_MESH_CA:-$(wst_pem ca)}")
  fi
  wst_bg "relay$n" "$(wsc_ns "$n")" "${WST_PRELOAD[@]}" "$RELAY_BIN" --listen "$(wsc_url "$n")" \
    --metrics "127.0.0.1:918$n" --state-dir "" --pool 10.99.0.0/24 --pool6 fd00:99::/64 \
    --cluster "$WSC_ENDPOINTS" --relay-id "$id" --mesh-url "$(wsc_url "$n")" \
    --mesh-key "$WSC_KEY" --cluster-ttl 3 "${tls[@]}" "$@"
  wst_wait 10 wst_listening "$(wsc_ns "$n")" "808$n" || wst_fail "relay $n did not start"
  wst_wait 20 wsc_metric_ge "$n" wstun_relay_cluster_ready 1 ||
    wst_fail "relay $n did not join the cluster"
}

# wsc_relays N [ARGS...]: relays 1 to N (ids r1 to rN, each with ARGS),
# each linked to all the others
wsc_relays() {
  local n=$1 i
  shift
  for i in $(seq "$n"); do wsc_relay "$i" "r$i" "$@"; done
  for i in $(seq "$n"); do
    wsc_wait_mesh "$i" $((n - 1)) || wst_fail "relay $i did not link to the others"
  done
}

# wsc_client N R [ARGS...]: client N on relay R
wsc_client() {
  local i=$1 r=$2
  shift 2
  WST_RELAY_URL=$(wsc_url "$r") wst_client "$i" "$@"
}

# wsc_metric N NAME[{labels}]: one value of relay N's metrics
wsc_metric() {
  ip netns exec "$(wsc_ns "$1")" bash -c \
    "exec 3<>/dev/tcp/127.0.0.1/918$1 && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3" |
    awk -v k="$2" '$1 == k { print $2 }'
}
wsc_metric_ge() { local v; v=$(wsc_metric "$1" "$2") && [ -n "$v" ] && [ "${v%.*}" -ge "$3" ]; }

# wsc_wait_mesh N LINKS: relay N has LINKS links up
wsc_wait_mesh() { wst_wait 20 wsc_metric_ge "$1" wstun_relay_mesh_links "$2"; }

# wsc_partition A B / wsc_heal A B: relays A and B cannot reach each
# other (a blackhole route each way), or can again
wsc_partition() {
  ip -n "$(wsc_ns "$1")" route add blackhole "$(wsc_ip "$2")/32" &&
    ip -n "$(wsc_ns "$2")" route add blackhole "$(wsc_ip "$1")/32"
}
wsc_heal() {
  ip -n "$(wsc_ns "$1")" route del blackhole "$(wsc_ip "$2")/32" &&
    ip -n "$(wsc_ns "$2")" route del blackhole "$(wsc_ip "$1")/32"
}

# wsc_mesh_request N KEY ID: the HTTP status relay N answers a link request
wsc_mesh_request() {
  ip netns exec "$(wst_ns relay)" bash -c "exec 3<>/dev/tcp/$(wsc_ip "$1")/808$1 &&
    printf 'GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wstun-mesh.v1\r\nAuthorization: Bearer %s\r\nX-Wstun-Relay: %s\r\n\r\n' '$2' '$3' >&3 &&
    timeout 5 head -1 <&3" | awk '{ print $2 }'
}
