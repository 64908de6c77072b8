#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A relay cluster over TLS: relays that serve wss:// link to each other
# over wss://, checking each other's certificate against --mesh-ca; a relay
# that does not trust the others' CA gets no link.
source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-cluster.sh"

wst_world 2
wst_pki
wst_cert ca relays "IP:$(wsc_ip 1),IP:$(wsc_ip 2),IP:$(wsc_ip 3)" -3600 86400 ||
  wst_fail "cannot make the relays' certificate"
WSC_TLS=relays
wsc_etcd 1
wsc_relays 2

wsc_client 1 1 --ca-file "$(wst_pem ca)"
wsc_client 2 2 --ca-file "$(wst_pem ca)"
wst_in 1 ping -c 3 -i 0.2 -W 2 "$(wst_addr4 2)" || wst_fail "ping 1 -> 2 over wss:// relays"
wst_in 2 ping -6 -c 3 -i 0.2 -W 2 "$(wst_addr6 1)" || wst_fail "IPv6 ping 2 -> 1 over wss:// relays"
wst_pass "clients on two wss:// relays ping each other over a wss:// link"

# a relay trusting another CA: its dials fail the certificate check (its
# id sorts first: it dials)
WSC_MESH_CA=$(wst_pem otherca) wsc_relay 3 r0
wst_wait 10 wsc_metric_ge 3 wstun_relay_mesh_dial_failures_total 2 ||
  wst_fail "relay 3 trusting another CA did not fail to link"
[ "$(wsc_metric 3 wstun_relay_mesh_links)" = 0 ] || wst_fail "relay 3 linked to an untrusted relay"
wst_log_has relay3 "cannot link to relay r1" || wst_fail "relay 3 did not say why it has no link"
wst_pass "a relay that does not trust the others' certificates gets no link"
