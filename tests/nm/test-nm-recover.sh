#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NetworkManager-wstun while wstund gets a tunnel back: a connection that
# goes "reconnecting" and comes back "connected" keeps the VPN up in
# NetworkManager, and a changed address reaches NetworkManager; one that
# cannot come back ("failed") takes the VPN down with a reason. wstund does
# not reconnect by itself yet, so a fake wstund plays it
# (tests/tools/fake-wstund-recovering.py); the service cannot tell.
source "$(dirname "$0")/../system/lib.sh"
source "$(dirname "$0")/lib-nm.sh"

nmw_require
wst_world 1
nmw_wstun_plugin
# the test drives the fake through a method of its own
cat >"$WST_LOGDIR/fake-test.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="root">
    <allow send_destination="org.wstun" send_interface="org.wstun.Test"/>
  </policy>
</busconfig>
EOF
nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME" --no-wstund \
  --policy "$WST_LOGDIR/fake-test.conf"
nmw_exec "$WST_PYTHON" "$WST_TOOLS/fake-wstund-recovering.py" "$WST_SRCDIR/data/org.wstun.xml" \
  >"$WST_LOGDIR/fake.log" 2>&1 &
WST_PIDS+=($!)
wst_wait 10 grep -q '^ready' "$WST_LOGDIR/fake.log" || wst_fail "the fake wstund did not start"

drop() { # drop ADDRESS4 STATE: the fake's connection reconnects, then is STATE
  nmw_busctl call org.wstun /org/wstun org.wstun.Test Drop ss "$1" "$2" || wst_fail "Drop $*"
}
ip4() { nmw_nmcli -g IP4.ADDRESS connection show office 2>/dev/null; }
ip4_is() { [ "$(ip4)" = "$1" ]; }
activated_throughout() { # activated_throughout SECONDS: polled, never anything else
  local end=$((SECONDS + $1)) state
  while [ "$SECONDS" -lt "$end" ]; do
    state=$(nmw_con_state office)
    [ "$state" = activated ] || { echo "$state"; return 1; }
    sleep 0.05
  done
}

nmw_nmcli connection add type vpn vpn-type wstun con-name office autoconnect no \
  vpn.data "url=ws://198.18.0.1:80,token-flags=4" >/dev/null || wst_fail "cannot add office"
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "office did not come up: $out"
ip4_is 10.99.0.50/24 || wst_fail "IPv4 address '$(ip4)', not 10.99.0.50/24"

# 1. reconnecting, then connected with the same address: nothing changes
drop 10.99.0.50/24 connected
state=$(activated_throughout 2) || wst_fail "office went '$state' while wstund reconnected"
ip4_is 10.99.0.50/24 || wst_fail "the address changed: $(ip4)"

# 2. back with another address: NetworkManager gets it, the VPN stays up
drop 10.99.0.51/24 connected
wst_wait 5 ip4_is 10.99.0.51/24 || wst_fail "NetworkManager still has '$(ip4)', not 10.99.0.51/24"
state=$(activated_throughout 1) || wst_fail "office went '$state' after the new address"
ip -n "$NMW_NS" -o addr show dev fakewstun0 | grep -q 'inet 10\.99\.0\.51/24' ||
  wst_fail "fakewstun0 does not carry the new address: $(ip -n "$NMW_NS" -o addr show dev fakewstun0)"
grep -q 'office: up on fakewstun0 (10.99.0.51/24' "$WST_LOGDIR/nm.log" ||
  wst_fail "the service did not log the new configuration"
wst_log "reconnected with a new address: $(ip4), still activated"

# 3. it cannot come back: the VPN goes down, with why
drop 10.99.0.51/24 failed
down() { [ "$(nmw_con_state office)" != activated ]; }
wst_wait 10 down || wst_fail "office stays activated after its tunnel failed"
grep -F "the tunnel went down" "$WST_LOGDIR/nm.log" | grep -q relay-closed ||
  wst_fail "the service did not log why"
wst_pass "a tunnel that recovers keeps the VPN up (new address sent); one that fails takes it down"
