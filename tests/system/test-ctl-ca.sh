#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# wstunctl connect --ca-file reads the CA file itself, as the calling user,
# and sends its PEM bytes as the "ca" setting: an unprivileged user whom
# polkit (a mock polkitd) allows to connect gets a wss:// tunnel with a CA
# of their own, which wstund's refusal of "ca-file" from anyone but root
# would have stopped. Files wstunctl must refuse itself, before calling
# wstund: over WSTUN_SETTING_CA_MAX (256 KiB), not regular (a directory, a
# FIFO, which must not hang it), unreadable by the caller.
source "$(dirname "$0")/lib.sh"

"$WST_PYTHON" -c 'import dbusmock, gi' 2>/dev/null ||
  { echo "SKIP: needs python3-dbusmock and python3-gi"; exit 77; }

wst_world 1
wst_pki
wst_relay_tls relay --pool 10.99.0.0/24
wst_dbus "$(wst_ns 1)" -v --idle-timeout 0
# wstund does TLS: under AddressSanitizer it needs GnuTLS preloaded, as
# wst_client gives it (see wst_tls_preload)
wst_tls_preload "$WSTUND_BIN"
if [ ${#WST_PRELOAD[@]} -gt 0 ]; then
  sed -i "s|^Exec=|Exec=/usr/bin/env '${WST_PRELOAD[1]}' |" "$WST_BUSDIR/services/org.wstun.service"
fi
ns1=$(wst_ns 1)
ctl() { "$WSTUNCTL_BIN" "$@"; }
nobody_ctl() { wst_nobody timeout 20 "$WSTUNCTL_BIN" "$@"; } # bounded: a FIFO must not hang it
expect_rc() { # expect_rc RC CMD...: CMD exits RC; its output is in $out
  local want=$1 rc
  shift
  out=$("$@" 2>&1)
  rc=$?
  [ "$rc" = "$want" ] || wst_fail "'$*' exited $rc, not $want: $out"
}
json() { "$WST_PYTHON" -c "import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

URL=wss://$WST_RELAY_IP:443
CA=$WST_LOGDIR/ca/ca.pem # readable by nobody: $WST_LOGDIR is 711, ca/ 755
mkdir -p "$WST_LOGDIR/ca"
cp "$(wst_pem ca)" "$CA"
chmod 644 "$CA"

# 1. refused by wstunctl itself: wstund is not even started
head -c 300000 /dev/zero | tr '\0' 'A' >"$WST_LOGDIR/ca/big.pem"
chmod 644 "$WST_LOGDIR/ca/big.pem"
expect_rc 2 nobody_ctl connect "$URL" --ca-file "$WST_LOGDIR/ca/big.pem"
grep -q "too large for CA certificates: 300000 bytes, at most 262144" <<<"$out" ||
  wst_fail "a 300 kB CA file: $out"
expect_rc 2 nobody_ctl connect "$URL" --ca-file "$WST_LOGDIR/ca"
grep -q "is not a regular file" <<<"$out" || wst_fail "a directory as CA file: $out"
mkfifo -m 666 "$WST_LOGDIR/ca/fifo"
expect_rc 2 nobody_ctl connect "$URL" --ca-file "$WST_LOGDIR/ca/fifo" # and no hang on open()
grep -q "is not a regular file" <<<"$out" || wst_fail "a FIFO as CA file: $out"
cp "$CA" "$WST_LOGDIR/ca/root-only.pem"
chmod 600 "$WST_LOGDIR/ca/root-only.pem"
expect_rc 2 nobody_ctl connect "$URL" --ca-file "$WST_LOGDIR/ca/root-only.pem"
grep -q "Cannot open .*root-only.pem: Permission denied" <<<"$out" ||
  wst_fail "a CA file the caller cannot read: $out"
expect_rc 2 nobody_ctl --json connect "$URL" --ca-file "$WST_LOGDIR/ca/big.pem"
[ "$(json 'd["error"]["name"]' <<<"$out")" = wstunctl.Usage ] || wst_fail "--json, too large: $out"
wst_wstund_running && wst_fail "wstunctl called wstund with a CA file it should refuse itself"

# 2. a mock polkitd allows org.wstun.connect: nobody connects over wss://
# with its own CA, which it can only have sent as bytes ("ca")
wst_bg polkitd "$ns1" "$WST_PYTHON" -m dbusmock --system --template polkitd
polkit_up() { [ "$(wst_bus NameHasOwner s org.freedesktop.PolicyKit1)" = "b true" ]; }
wst_wait 10 polkit_up || wst_fail "the mock polkitd did not start"
gdbus call --system --dest org.freedesktop.PolicyKit1 --object-path /org/freedesktop/PolicyKit1/Authority \
  --method org.freedesktop.DBus.Mock.SetAllowed "['org.wstun.connect']" >/dev/null ||
  wst_fail "SetAllowed org.wstun.connect"
# ... whereas wstund refuses nobody a "ca-file"
out=$(wst_nobody gdbus call --system --dest org.wstun --object-path /org/wstun --method org.wstun.Connect \
  "{'url': <'$URL'>, 'ca-file': <'$CA'>}" 2>&1)
[ "$(wst_error_name "$out")" = org.wstun.Error.NotAuthorized ] || wst_fail "ca-file from nobody: $out"
expect_rc 0 nobody_ctl connect "$URL" --ca-file "$CA" --interface wstun3
wst_log "$out"
grep -q "^Connected to $URL on wstun3: 10\.99\.0\.[0-9]*/24 (/org/wstun/connection/[0-9]*)$" <<<"$out" ||
  wst_fail "nobody's connect with --ca-file: $out"
path=$(grep -o '/org/wstun/connection/[0-9]*' <<<"$out")
wst_has_dev 1 wstun3 || wst_fail "nobody's connection has no device"
wst_log_has bus "connection [0-9]+: $path for uid 65534" || wst_fail "the connection is not nobody's"
expect_rc 0 ctl status "$path"
grep -q "owner: *nobody$" <<<"$out" || wst_fail "status does not show the owner nobody: $out"
expect_rc 0 ctl --json status "$path"
[ "$(json 'd["owner"], d["owner_name"], d["relay_address"]' <<<"$out")" = "(65534, 'nobody', '$WST_RELAY_IP')" ] ||
  wst_fail "status --json: $out"
# the CA is what made it: without it, the relay's certificate is unknown
expect_rc 1 nobody_ctl connect "$URL" --timeout 20
grep -qi "certificate" <<<"$out" || wst_fail "without --ca-file: $out"
expect_rc 0 nobody_ctl disconnect "$path" # the owner may
wst_no_dev 1 wstun3 || wst_fail "wstun3 is still there"

wst_stop_wstund
wst_sanitizers_clean
wst_pass "wstunctl --ca-file: read by the caller, sent as bytes, bounded, regular files only"
