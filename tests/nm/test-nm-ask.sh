#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `nmcli connection up wstun-office --ask` with the real NetworkManager:
# nmcli runs nm-wstun-auth-dialog in external UI mode, asks for the token
# in the terminal (a pty here, typed by tests/tools/pty-answer.py), and
# the VPN comes up; a token asked for every time is not saved with the
# profile.
source "$(dirname "$0")/../system/lib.sh"
source "$(dirname "$0")/lib-nm.sh"

nmw_require
wst_world 1
wst_token office
wst_token peer
wst_relay --tokens "$WST_TOKENS" --pool 10.99.0.0/24
wst_client 1 --token-file "$(wst_token_file peer)"
peer=$(wst_addr4 1)
nmw_wstun_plugin
nmw_start --policy "$NMW_WSTUN_POLICY" --vpn-name "$NMW_WSTUN_NAME"
token=$(cat "$(wst_token_file office)")

# "ask every time" (token-flags 2): nothing saved, nmcli must ask
nmw_nmcli connection add type vpn vpn-type wstun con-name wstun-office autoconnect no \
  vpn.data "url=$WST_RELAY_URL,token-flags=2" >/dev/null || wst_fail "cannot add wstun-office"
out=$(nmw_exec "$WST_PYTHON" "$WST_TOOLS/pty-answer.py" --timeout 60 --expect 'Token' --send "$token" -- \
  nmcli --ask -w 30 connection up wstun-office 2>&1)
rc=$?
wst_log "nmcli showed: $(tr -d '\r' <<<"$out" | tr '\n' '|')"
[ "$rc" = 0 ] || wst_fail "nmcli --ask exited $rc: $out"
grep -q "successfully activated" <<<"$out" || wst_fail "not activated: $out"
grep -qF "$token" <<<"$out" && wst_fail "the token was echoed on the terminal"
wst_wait 10 nmw_con_activated wstun-office || wst_fail "wstun-office is '$(nmw_con_state wstun-office)'"
ip netns exec "$NMW_NS" ping -c 2 -i 0.2 -W 2 "$peer" >/dev/null || wst_fail "no ping through the tunnel"
nmw_nmcli --show-secrets -g vpn.secrets connection show wstun-office | grep -q token &&
  wst_fail "a token asked every time was saved with the profile"
nmw_nmcli -w 30 connection down wstun-office >/dev/null || wst_fail "down failed"
wst_pass "nmcli --ask: the token typed in the terminal, the VPN up, nothing saved"
