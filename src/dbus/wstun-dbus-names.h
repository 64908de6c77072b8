/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-dbus-names.h: the names of wstund's D-Bus API (data/org.wstun.xml),
 * shared by wstund, wstunctl and the NetworkManager plugin */
#pragma once

#define WSTUN_DBUS_NAME                 "org.wstun"
#define WSTUN_DBUS_PATH                 "/org/wstun"
#define WSTUN_DBUS_INTERFACE            "org.wstun"
#define WSTUN_DBUS_CONNECTION_INTERFACE "org.wstun.Connection"
/* connection objects are WSTUN_DBUS_CONNECTION_PATH_PREFIX N, N = 1, 2, ... */
#define WSTUN_DBUS_CONNECTION_PATH_PREFIX "/org/wstun/connection/"

/* the polkit action that allows Connect and Disconnect (data/org.wstun.policy) */
#define WSTUN_POLKIT_ACTION_CONNECT "org.wstun.connect"

/* keys of org.wstun.Connect's settings */
#define WSTUN_SETTING_URL            "url"
#define WSTUN_SETTING_URLS           "urls"
#define WSTUN_SETTING_TOKEN          "token"
#define WSTUN_SETTING_CA             "ca"
#define WSTUN_SETTING_CA_FILE        "ca-file"
#define WSTUN_SETTING_PIN_SHA256     "pin-sha256"
#define WSTUN_SETTING_INTERFACE      "interface"
#define WSTUN_SETTING_MANAGE_IP      "manage-ip"
#define WSTUN_SETTING_MTU            "mtu"
#define WSTUN_SETTING_RECONNECT      "reconnect"
#define WSTUN_SETTING_BIND_TO_CALLER "bind-to-caller"

/* the largest "ca" (PEM text) Connect takes, in bytes: callers reading a
 * file for it refuse bigger ones themselves */
#define WSTUN_SETTING_CA_MAX (256 * 1024)
