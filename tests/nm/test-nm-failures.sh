#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NetworkManager-wstun when things go wrong, each failure with its reason:
# a wrong token fails with "login failed" (and, when an agent can answer,
# is asked for again through secrets_required and the connection comes
# up), a relay whose key does not match the pin fails with the service's
# advice in the log, an unreachable relay fails within seconds, and wstund
# killed under NetworkManager takes the VPN down; a relay that goes away
# under a working VPN does not (wstund reconnects) until it refuses the
# token.
source "$(dirname "$0")/../system/lib.sh"
source "$(dirname "$0")/lib-nm.sh"

nmw_require
wst_world 1
wst_pki
wst_token office
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24
wst_tls_relay relaytls 443 relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24
nmw_wstun_plugin
nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME" --no-wstund
nmw_wstund_tls_service
token=$(cat "$(wst_token_file office)")
wrong=wst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

wstun_connections() { nmw_busctl get-property org.wstun /org/wstun org.wstun Connections 2>/dev/null; }
no_wstun_connections() { [ "$(wstun_connections)" = "ao 0" ]; }
# vpn NAME URL [DATA...]: a wstun VPN profile with a saved token
vpn() {
  local name=$1 url=$2 data="url=$2,token-flags=0"
  shift 2
  for d in "$@"; do data+=",$d"; done
  nmw_nmcli connection add type vpn vpn-type wstun con-name "$name" autoconnect no \
    vpn.data "$data" vpn.secrets "token=$token" >/dev/null || wst_fail "cannot add $name"
}
# up_fails NAME SECONDS: `nmcli connection up NAME` fails within SECONDS;
# its output in $out, the time in $ms
up_fails() {
  local start rc
  start=$(date +%s%N)
  out=$(nmw_nmcli -w "$2" connection up "$1" 2>&1)
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  [ "$rc" -ne 0 ] || wst_fail "$1 came up: $out"
  [ "$ms" -lt $(($2 * 1000)) ] || wst_fail "$1 took $ms ms to fail: $out"
}
# plugin_log TEXT: the lines of nm.log (NM's and the plugin's) with TEXT
plugin_log() { grep -F "$1" "$WST_LOGDIR/nm.log"; }

# 1. a wrong saved token. NetworkManager activates VPNs "interactively"
#    whenever no agent objects, so the service asks for the token again
#    (secrets_required, the message as a hint) before it gives up:
#    a) without any agent (over D-Bus, as a script would): no secrets
vpn office "$WST_RELAY_URL"
nmw_nmcli connection modify office vpn.secrets "token=$wrong" || wst_fail "cannot set the wrong token"
cpath=$(nmw_nmcli -t -f NAME,DBUS-PATH connection show | sed -n 's/^office://p')
nmw_busctl call org.freedesktop.NetworkManager /org/freedesktop/NetworkManager \
  org.freedesktop.NetworkManager ActivateConnection ooo "$cpath" / / >/dev/null ||
  wst_fail "cannot activate $cpath over D-Bus"
asked_again() { plugin_log "asking for the token again" | grep -q office; }
wst_wait 20 asked_again || wst_fail "the service did not ask for the token again"
no_agent() { plugin_log "failed to request VPN secrets" | grep -q '"office"'; }
wst_wait 10 no_agent || wst_fail "NetworkManager did not end the activation for want of a token"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"
#    b) the user's agent (nmcli, token from a passwd-file) keeps the token
#       and gives a wrong one, at first and when asked again: login failed
nmw_nmcli connection modify office vpn.secrets "" +vpn.data token-flags=1 ||
  wst_fail "cannot make the token the agent's"
printf 'vpn.secrets.token:%s\n' "$wrong" >"$WST_LOGDIR/wrong-passwd"
asked=$(plugin_log "asking for the token again" | wc -l)
out=$(nmw_nmcli -w 30 connection up office passwd-file "$WST_LOGDIR/wrong-passwd" 2>&1) &&
  wst_fail "office came up with a wrong token: $out"
wst_log "wrong token twice: $out"
[ "$(plugin_log "asking for the token again" | wc -l)" -gt "$asked" ] || wst_fail "the service did not ask again"
# nmcli words NetworkManager's LOGIN_FAILED as "Invalid secrets"
grep -Eqi 'invalid secrets|login' <<<"$out" || wst_fail "nmcli does not say the login failed: $out"
plugin_log "connecting failed" | grep -q "auth-failed" || wst_fail "the service did not log auth-failed"
plugin_log "check the VPN's token" >/dev/null || wst_fail "the service gave no advice"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"

# 2. the agent gives the right token: up
printf 'vpn.secrets.token:%s\n' "$token" >"$WST_LOGDIR/passwd"
out=$(nmw_nmcli -w 30 connection up office passwd-file "$WST_LOGDIR/passwd" 2>&1) ||
  wst_fail "the agent's token did not bring office up: $out"
nmw_nmcli -w 30 connection down office >/dev/null || wst_fail "down failed"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"
nmw_nmcli connection modify office vpn.secrets "token=$token" +vpn.data token-flags=0 ||
  wst_fail "cannot save the token"

# 3. wss:// with the wrong pin: refused before the token is sent
vpn pinned "wss://$WST_RELAY_IP:443" "pin-sha256=$(wst_pin rogue)"
up_fails pinned 30
plugin_log "connecting failed" | grep -q "tls-pin-mismatch" || wst_fail "no tls-pin-mismatch in the log"
plugin_log "does not match pin-sha256" >/dev/null || wst_fail "the service gave no advice for the pin"
wst_log "pin mismatch: $out"
# ... and with the right pin, it comes up
nmw_nmcli connection modify pinned vpn.data "url=wss://$WST_RELAY_IP:443,token-flags=0,pin-sha256=$(wst_pin relay)" ||
  wst_fail "cannot set the right pin"
out=$(nmw_nmcli -w 30 connection up pinned 2>&1) || wst_fail "the right pin did not come up: $out"
nmw_nmcli -w 30 connection down pinned >/dev/null || wst_fail "down failed"

# 4. a CA file: trusted by it; a user's private profile may not name a
#    file that user cannot read (the service reads it as root)
install -m 0644 "$(wst_pem ca)" "$WST_LOGDIR/ca.pem"
vpn withca "wss://$WST_RELAY_IP:443" "ca-file=$WST_LOGDIR/ca.pem"
out=$(nmw_nmcli -w 30 connection up withca 2>&1) || wst_fail "the CA file did not work: $out"
nmw_nmcli -w 30 connection down withca >/dev/null || wst_fail "down failed"
install -m 0600 "$(wst_pem ca)" "$WST_LOGDIR/ca-root.pem"
vpn private "wss://$WST_RELAY_IP:443" "ca-file=$WST_LOGDIR/ca-root.pem"
nmw_nmcli connection modify private connection.permissions user:nobody || wst_fail "cannot make it private"
up_fails private 30
plugin_log "is not readable by nobody" >/dev/null || wst_fail "the service read a root-only CA file for nobody"

# 5. an unreachable relay: fails at once, not after NetworkManager's 60 s
vpn nowhere ws://198.18.0.1:81
up_fails nowhere 20
plugin_log "connecting failed" | grep -q "unreachable" || wst_fail "no 'unreachable' in the log"
wst_log "unreachable: failed in $ms ms"

# 6. wstund killed under NetworkManager: the VPN goes down with a reason
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "office did not come up: $out"
pid=$(nmw_busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
  GetConnectionUnixProcessID s org.wstun | awk '{print $2}')
[ -n "$pid" ] || wst_fail "no wstund"
kill -KILL "$pid"
down() { [ "$(nmw_con_state office)" != activated ]; }
wst_wait 15 down || wst_fail "office stays activated after wstund died"
plugin_log "wstund left the bus" >/dev/null || wst_fail "the service did not log that wstund left"
wst_log "wstund killed: office went down"
# D-Bus activation brings wstund back for the next connection
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "office did not come up after wstund died: $out"
nmw_nmcli -w 30 connection down office >/dev/null || wst_fail "down failed"

# 7. the relay goes away under a working VPN: the VPN stays up while
#    wstund reconnects (same org.wstun connection object), and has the same
#    address when the relay is back; a relay that is back without the
#    VPN's token (revoked meanwhile) takes it down, with why
out=$(nmw_nmcli -w 30 connection up office 2>&1) || wst_fail "office did not come up: $out"
conns=$(wstun_connections)
ip4=$(nmw_nmcli -g IP4.ADDRESS connection show office)
[ -n "$ip4" ] || wst_fail "office has no IPv4 address"
wpath=${conns##* }
wpath=${wpath//\"/}
wstun_state() { nmw_busctl get-property org.wstun "$wpath" org.wstun.Connection State 2>/dev/null; }
wstun_state_is() { [ "$(wstun_state)" = "s \"$1\"" ]; }
retries() { [ "$(grep -c 'reconnecting in' "$WST_LOGDIR/nm-bus.log")" -ge "$1" ]; }
wst_stop relay
wst_wait 10 wstun_state_is reconnecting || wst_fail "wstund is $(wstun_state), not reconnecting, without its relay"
n=$(grep -c 'reconnecting in' "$WST_LOGDIR/nm-bus.log")
wst_wait 10 retries $((n + 2)) || wst_fail "wstund does not retry"
nmw_con_activated office || wst_fail "office went down while wstund reconnects: $(nmw_con_state office)"
plugin_log "wstund is reconnecting" | grep -q "relay-closed" || wst_fail "the service did not log that wstund reconnects, and why"
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24
wst_wait 15 wstun_state_is connected || wst_fail "wstund is $(wstun_state), not back, with its relay back"
nmw_con_activated office || wst_fail "office is $(nmw_con_state office) after the relay came back"
wst_wait 5 plugin_log "office: the tunnel is back" || wst_fail "the service did not log that the tunnel is back"
[ "$(wstun_connections)" = "$conns" ] || wst_fail "the org.wstun connection changed: $(wstun_connections), was $conns"
[ "$(nmw_nmcli -g IP4.ADDRESS connection show office)" = "$ip4" ] ||
  wst_fail "office has $(nmw_nmcli -g IP4.ADDRESS connection show office), not $ip4, after reconnecting"
wst_log "relay restarted: office stayed up with $ip4"
wst_stop relay
wst_wait 10 wstun_state_is reconnecting || wst_fail "wstund is $(wstun_state), not reconnecting"
"$RELAY_BIN" --tokens "$WST_TOKENS" token remove office 2>>"$WST_LOGDIR/tokens.log" || wst_fail "token remove failed"
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24
wst_wait 15 down || wst_fail "office stays activated with its token revoked"
plugin_log "the tunnel went down" | grep -q "auth-failed" || wst_fail "the service did not log why the tunnel went down"
wst_wait 10 no_wstun_connections || wst_fail "org.wstun still has $(wstun_connections)"
wst_log "token revoked: $(plugin_log "the tunnel went down" | tail -n 1 | cut -c1-160)"

grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WST_LOGDIR/nm.log" "$WST_LOGDIR/nm-bus.log" &&
  wst_fail "a sanitizer reported an error (nm.log, nm-bus.log)"
wst_pass "NetworkManager failures: wrong token (asked again), pin, CA file, unreachable, wstund killed, relay restarted, token revoked"
