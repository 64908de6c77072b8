#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Certificate renewal: the relay reads --tls-cert and --tls-key again on
# SIGHUP. New connections get the renewed certificate (a client pinning the
# new key connects, one pinning the old key is refused) while the sessions
# already open carry on without a lost ping; a renewal that cannot be read
# (broken files, a key of another certificate) is refused with a warning and
# the certificate in use stays; a relay started with a mismatched pair exits.
# The relay logs until when its certificate is valid, warns when that is
# less than 14 days away, and exports it as a metric.
source "$(dirname "$0")/lib.sh"

wst_require_python
wst_world 3 # 1 and 2 stay connected throughout, 3 connects after each renewal
wst_pki
wst_cert ca renewed "IP:$WST_RELAY_IP" -60 $((90 * 86400)) ||
  wst_fail "cannot make the renewed certificate: $(tail -n 5 "$WST_PKI/openssl.log")"
CA=$(wst_pem ca)
OLD_PIN=$(wst_pin relay)
NEW_PIN=$(wst_pin renewed)
[ -n "$OLD_PIN" ] && [ "$OLD_PIN" != "$NEW_PIN" ] || wst_fail "cannot compute the pins"

# the relay serves "live", which starts as a copy of "relay"
install_cert() { # install_cert CERT [KEY]: live.pem becomes CERT's, live.key KEY's (default CERT's), each replaced at once
  cp "$(wst_pem "$1")" "$WST_PKI/live.pem.new" && mv "$WST_PKI/live.pem.new" "$(wst_pem live)" &&
    cp "$(wst_key "${2:-$1}")" "$WST_PKI/live.key.new" && mv "$WST_PKI/live.key.new" "$(wst_key live)"
}
install_cert relay
wst_relay_tls live --pool 10.99.0.0/24
# wst_pki's certificates are valid for a day: the relay warns
wst_log_has relay "WARNING.*TLS certificate .*live\.pem expires soon, at 20[0-9-]+T" ||
  wst_fail "the relay does not warn that its certificate expires within a day"
expiry() { wst_metric wstun_relay_tls_certificate_expiry_timestamp_seconds; }
not_after() { date -d "$(openssl x509 -in "$(wst_pem "$1")" -noout -enddate | cut -d= -f2)" +%s; }
[ "$(expiry)" = "$(not_after relay)" ] ||
  wst_fail "the expiry metric says $(expiry), the certificate $(not_after relay)"
wst_client 1 --ca-file "$CA"
wst_client 2 --ca-file "$CA" --pin-sha256 "$OLD_PIN"
a2=$(wst_addr4 2)
wst_in 1 ping -q -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "ping 1 -> 2 over wss://"
wst_ping_start ping12 1 "$a2"

renewed_served() { # renewed_served WHEN: a new client pinning the renewed key connects and pings
  wst_client 3 --ca-file "$CA" --pin-sha256 "$NEW_PIN"
  wst_in 3 ping -q -c 2 -i 0.2 -W 2 "$a2" >/dev/null || wst_fail "ping 3 -> 2 $1"
  wst_stop client3
  wst_wait 3 wst_no_dev 3 wstun0 || wst_fail "client 3's device stayed ($1)"
}

reload() { # reload N: SIGHUP, then wait for the Nth reload message (success or not)
  kill -HUP "$(wst_pid relay)"
  wst_wait 5 eval '[ "$(grep -Ec "TLS certificate reloaded|keeping the previous TLS certificate" "$(wst_logfile relay)")" -ge '"$1"' ]' ||
    wst_fail "the relay did not act on SIGHUP $1"
}

# 1. a renewed certificate: new connections get it, open sessions stay
install_cert renewed
reload 1
wst_log_has relay 'TLS certificate reloaded' || wst_fail "the renewal was not taken: $(tail -n 3 "$(wst_logfile relay)")"
wst_log_has relay "TLS certificate .*live\.pem, valid until 20[0-9-]+T" ||
  wst_fail "the relay does not say until when the renewed certificate is valid"
[ "$(expiry)" = "$(not_after renewed)" ] || wst_fail "the expiry metric did not follow the renewal"
renewed_served "after the renewal"
wst_refused old-pin 3 'public key does not match pin-sha256' --ca-file "$CA" --pin-sha256 "$OLD_PIN"
grep -qF "pin-sha256:$NEW_PIN" <<<"$WST_MESSAGE" || wst_fail "the relay does not show the renewed key"

# 2. a broken renewal: refused with a warning, the renewed certificate stays
echo "not a certificate" >"$(wst_pem live)"
reload 2
wst_log_has relay 'keeping the previous TLS certificate: .*live\.pem' ||
  wst_fail "no warning about the unreadable certificate"
[ "$(expiry)" = "$(not_after renewed)" ] || wst_fail "the expiry metric changed with a broken renewal"
renewed_served "after a broken renewal"

# 3. a key that does not belong to the certificate: every handshake would
# fail, so the pair is refused and the renewed certificate stays
install_cert renewed rogue
reload 3
wst_log_has relay 'keeping the previous TLS certificate: The private key .*live\.key does not belong to the certificate' ||
  wst_fail "no warning about the key that does not match"
renewed_served "after a mismatched renewal"
# and a relay started with such a pair says so and exits
wst_tls_preload "$RELAY_BIN"
wst_bg mismatched "$(wst_ns relay)" "${WST_PRELOAD[@]}" "$RELAY_BIN" --listen "wss://$WST_RELAY_IP:8450" \
  --tls-cert "$(wst_pem relay)" --tls-key "$(wst_key rogue)"
wst_exit_status mismatched 10 || wst_fail "a relay with a mismatched key is still running"
[ "$WST_STATUS" = 1 ] && wst_log_has mismatched 'rogue\.key does not belong to the certificate' ||
  wst_fail "a relay with a mismatched key: exit $WST_STATUS, $(tail -n 2 "$(wst_logfile mismatched)")"

# the sessions opened before any renewal never noticed
wst_ping_stop ping12
read -r sent answered loss < <(wst_ping_loss ping12) || wst_fail "too few pings to judge"
wst_log "ping 1 -> 2 across the renewals: $answered of $sent answered ($loss % lost)"
[ "$sent" = "$answered" ] || wst_fail "the open session lost pings across the renewals ($loss %)"
wst_log_has client2 'disconnected|reconnect' && wst_fail "client 2 was disconnected by a renewal"

kill -0 "$(wst_pid relay)" 2>/dev/null || wst_fail "the relay died"
wst_stop client1
wst_stop client2
wst_stop relay
wst_no_sanitizer_reports relay client1 client2 client3 old-pin mismatched
wst_pass "SIGHUP renews the TLS certificate for new connections, open sessions keep going, broken or mismatched renewals are refused"
