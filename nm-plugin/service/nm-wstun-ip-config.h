/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-ip-config.h: what wstund reports of a connection, as the three
 * dictionaries NetworkManager takes from a VPN service (SetConfig,
 * SetIp4Config, SetIp6Config; keys in nm-vpn-dbus-interface.h). No D-Bus
 * here: the service fills NMWstunIpInput from org.wstun.Connection. */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

typedef struct {
  const char *interface;     /* the TUN device */
  const char *relay_address; /* the relay's IP: NetworkManager's "gateway" */
  const char *address4;      /* CIDR, or "" */
  const char *address6;      /* CIDR, or "" */
  guint mtu;
  const char *const *routes; /* CIDR; 0.0.0.0/0 or ::/0 make the tunnel the default route */
  const char *const *dns;
} NMWstunIpInput;

typedef struct {
  GVariant *config; /* a{sv}; always set on success */
  GVariant *ip4;    /* a{sv}, or NULL when there is no IPv4 address */
  GVariant *ip6;    /* a{sv}, or NULL when there is no IPv6 address */
} NMWstunIpConfig;

/* Builds the dictionaries; fails (NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS) when
 * there is no device, or neither an IPv4 nor an IPv6 address, or when a
 * value does not parse. Routes to the tunnel's own networks are left to
 * NetworkManager (it adds them for the address's prefix); a default route
 * sets never-default FALSE, its absence TRUE. */
gboolean nm_wstun_ip_config_build (const NMWstunIpInput *input, NMWstunIpConfig *out,
                                   GError **error);
void nm_wstun_ip_config_clear (NMWstunIpConfig *config);

G_END_DECLS
