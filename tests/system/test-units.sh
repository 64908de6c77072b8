#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The systemd units as built: `systemd-analyze verify` has nothing to say
# about wstund.service and wstun-relay.service (any warning fails), their
# exposure (`systemd-analyze security --offline`) does not grow (wstund,
# root with CAP_NET_ADMIN for its TUN devices: 2.5; the relay: 1.7), and
# the example settings installed as /etc/wstun/relay.conf start a relay
# (in a namespace of its own) that listens where the file says by default.
source "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || wst_fail "systemd-analyze is not installed"
units="$WSTUN_BUILDDIR/data"
[ -f "$units/wstun-relay.service" ] || wst_fail "no $units/wstun-relay.service"

# ExecStart= must name a program that exists: point it at the build's
dir=$WST_LOGDIR/units
mkdir -p "$dir"
declare -A max_exposure=([wstund]=2.5 [wstun-relay]=2.0)
for u in wstund wstun-relay; do
  sed "s|^ExecStart=[^ ]*/\(wstun[-a-z]*\)|ExecStart=$WSTUN_BUILDDIR/src/\1|" \
    "$units/$u.service" >"$dir/$u.service"
  grep -q "^ExecStart=$WSTUN_BUILDDIR/src/" "$dir/$u.service" || wst_fail "$u: no ExecStart"
  out=$(cd "$dir" && systemd-analyze verify --man=no "$u.service" 2>&1) ||
    wst_fail "$u.service: systemd-analyze verify failed: $out"
  [ -z "$out" ] || wst_fail "$u.service: systemd-analyze verify says: $out"
  exposure=$(cd "$dir" && systemd-analyze security --offline=yes --no-pager "$u.service" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  [ -n "$exposure" ] || wst_fail "$u.service: no exposure level from systemd-analyze security"
  python3 -c "import sys; sys.exit(not $exposure <= ${max_exposure[$u]})" ||
    wst_fail "$u.service: exposure $exposure (at most ${max_exposure[$u]})"
  wst_log "$u.service: verified, exposure $exposure"
done
grep -q "^ExecReload=/bin/kill -HUP \$MAINPID$" "$units/wstun-relay.service" ||
  wst_fail "wstun-relay.service does not reload with SIGHUP"
grep -q "^ExecStart=.*--config .*/wstun/relay.conf$" "$units/wstun-relay.service" ||
  wst_fail "wstun-relay.service does not read relay.conf"

# The example settings are the defaults, commented out: a relay started
# with them listens on port 80 (its own namespace; no state directory)
wst_world 1
conf=$G_TEST_SRCDIR/../data/relay.conf
[ -f "$conf" ] || wst_fail "no $conf"
grep -q '^\[relay\]$' "$conf" || wst_fail "relay.conf has no [relay] group"
wst_bg relay "$(wst_ns relay)" "$RELAY_BIN" --config "$conf" --state-dir ""
wst_wait 10 wst_listening "$(wst_ns relay)" 80 ||
  wst_fail "a relay with the example relay.conf does not listen on port 80:" \
    "$(tail -5 "$(wst_logfile relay)")"
# and a key it does not know is refused, not ignored
printf '[relay]\nlisten=ws://0.0.0.0:8080\nbogus=1\n' >"$WST_LOGDIR/bad.conf"
if out=$("$RELAY_BIN" --config "$WST_LOGDIR/bad.conf" 2>&1); then
  wst_fail "a relay.conf with an unknown key was accepted"
fi
grep -q "unknown key" <<<"$out" || wst_fail "no message about the unknown key: $out"
wst_pass "units verified; the example relay.conf starts a relay"
