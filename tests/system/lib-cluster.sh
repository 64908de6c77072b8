# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the relay cluster's system tests (after lib.sh): etcd members
# and relays in the relay's namespace, each relay N on port 808N with its
# metrics on 127.0.0.1:918N. etcd member N listens for clients on
# 127.0.0.1:2379N and for its peers on 127.0.0.1:2380N.

command -v etcd >/dev/null || {
  echo "SKIP: needs etcd (apt-get install etcd-server)"
  exit 77
}

WSC_ENDPOINTS=
WSC_KEY=$WST_LOGDIR/mesh.key
printf '%s\n' "mesh-key-$$-$RANDOM-$RANDOM-$RANDOM" >"$WSC_KEY"

# wsc_etcd N: an etcd cluster of N members, started by PID (etcdN)
wsc_etcd() {
  local n=$1 i initial=
  for i in $(seq "$n"); do
    initial+="${initial:+,}e$i=http://127.0.0.1:2380$i"
    WSC_ENDPOINTS+="${WSC_ENDPOINTS:+,}http://127.0.0.1:2379$i"
  done
  for i in $(seq "$n"); do
    wsc_etcd_start "$i" "$initial"
  done
}

# wsc_etcd_start N INITIAL-CLUSTER: (re)starts member N on its data
wsc_etcd_start() {
  local i=$1
  wst_bg "etcd$i" "$(wst_ns relay)" etcd --name "e$i" --data-dir "$WST_LOGDIR/etcd$i" \
    --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
    --listen-peer-urls "http://127.0.0.1:2380$i" --initial-advertise-peer-urls "http://127.0.0.1:2380$i" \
    --initial-cluster "$2" --initial-cluster-state new --heartbeat-interval 50 --election-timeout 500
}

# wsc_relay N [ID [ARGS...]]: relay N (ID rN) of the cluster, pools
# 10.99.0.0/24 and fd00:99::/64, its lease's TTL 3 s; waits until it admits
# clients. With WSC_TLS=CERT (of wst_pki) it serves wss:// and trusts
# WSC_MESH_CA (default the test CA) for the other relays.
wsc_relay() {
  local n=$1 id=${2:-r$1} tls=()
  shift
  [ $# -gt 0 ] && shift
  WST_PRELOAD=()
  if [ -n "${WSC_TLS:-}" ]; then
    wst_tls_preload "$RELAY_BIN"
    tls=(--tls-cert "$(wst_pem "$WSC_TLS")" --tls-key "$(wst_key "$WSC_TLS")"
      --mesh-ca "${WSC_MESH_CA:-$(wst_pem ca)}")
  fi
  wst_bg "relay$n" "$(wst_ns relay)" "${WST_PRELOAD[@]}" "$RELAY_BIN" --listen "$(wsc_url "$n")" \
    --metrics "127.0.0.1:918$n" --state-dir "" --pool 10.99.0.0/24 --pool6 fd00:99::/64 \
    --cluster "$WSC_ENDPOINTS" --relay-id "$id" --mesh-url "$(wsc_url "$n")" \
    --mesh-key "$WSC_KEY" --cluster-ttl 3 "${tls[@]}" "$@"
  wst_wait 10 wst_listening "$(wst_ns relay)" "808$n" || wst_fail "relay $n did not start"
  wst_wait 20 wsc_metric_ge "$n" wstun_relay_cluster_ready 1 ||
    wst_fail "relay $n did not join the cluster"
}

wsc_url() { echo "ws${WSC_TLS:+s}://$WST_RELAY_IP:808$1"; }

# wsc_client N R [ARGS...]: client N on relay R
wsc_client() {
  local i=$1 r=$2
  shift 2
  WST_RELAY_URL=$(wsc_url "$r") wst_client "$i" "$@"
}

wsc_metric() { WST_METRICS=127.0.0.1:918$1 wst_metric "$2"; }
wsc_metric_ge() { local v; v=$(wsc_metric "$1" "$2") && [ -n "$v" ] && [ "${v%.*}" -ge "$3" ]; }

# wsc_wait_mesh N LINKS: relay N has LINKS links up
wsc_wait_mesh() { wst_wait 20 wsc_metric_ge "$1" wstun_relay_mesh_links "$2"; }

# wsc_mesh_request N KEY ID: the HTTP status relay N answers a link request
wsc_mesh_request() {
  ip netns exec "$(wst_ns relay)" bash -c "exec 3<>/dev/tcp/$WST_RELAY_IP/808$1 &&
    printf 'GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wstun-mesh.v1\r\nAuthorization: Bearer %s\r\nX-Wstun-Relay: %s\r\n\r\n' '$2' '$3' >&3 &&
    timeout 5 head -1 <&3" | awk '{ print $2 }'
}
