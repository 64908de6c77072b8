/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-keys.h: the names NetworkManager-wstun shares between its
 * service, its libnm plugin (import, export, editor) and its auth dialog:
 * one place, as NetworkManager-openvpn's nm-service-defines.h */
#pragma once

/* vpn.service-type, the .name file's service= and the plugin's bus name */
#define NM_WSTUN_SERVICE_TYPE "org.freedesktop.NetworkManager.wstun"
/* the short name nmcli takes: vpn-type wstun */
#define NM_WSTUN_VPN_TYPE "wstun"

/* vpn.data */
#define NM_WSTUN_KEY_URL        "url"
#define NM_WSTUN_KEY_CA_FILE    "ca-file"
#define NM_WSTUN_KEY_PIN_SHA256 "pin-sha256"
#define NM_WSTUN_KEY_MTU        "mtu"
/* vpn.secrets, with its "token-flags" data item as every NM secret */
#define NM_WSTUN_KEY_TOKEN       "token"
#define NM_WSTUN_KEY_TOKEN_FLAGS "token-flags"

/* the .wstun file (nm-wstun-keyfile.h) */
#define NM_WSTUN_FILE_GROUP     "wstun"
#define NM_WSTUN_FILE_EXTENSION ".wstun"

/* bounds, as org.wstun.Connect's (data/org.wstun.xml); url= holds up to
 * NM_WSTUN_URLS_MAX relays, separated by commas or spaces (its "urls") */
#define NM_WSTUN_URL_MAX   2048
#define NM_WSTUN_URLS_MAX  16
#define NM_WSTUN_TOKEN_MAX 1024
#define NM_WSTUN_PATH_MAX  4096
#define NM_WSTUN_PIN_MAX   128
#define NM_WSTUN_CA_MAX    (256 * 1024)
#define NM_WSTUN_MTU_MIN   68
#define NM_WSTUN_MTU_MAX   65535
