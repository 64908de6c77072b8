/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-device-ip.h: a relay's config on the TUN device, through netlink
 *
 * The first config brings the link up with the MTU, the addresses (as
 * on-link prefixes) and the routes. A later one, after a reconnection to
 * a relay that gave other addresses or routes, moves the device over:
 * what went is removed, what came is added, and what stayed is left
 * alone, so that connections over it are not disturbed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint mtu;
  const char *address4;      /* CIDR, or NULL */
  const char *address6;      /* CIDR, or NULL */
  const char *const *routes; /* CIDR; never NULL */
} WstunDeviceIp;

/* Whether two configs are the same for the device */
gboolean wstun_device_ip_equal (const WstunDeviceIp *a, const WstunDeviceIp *b);

/* Puts @now on the link @ifindex: from scratch when @before is NULL, else
 * as a change from @before. */
gboolean wstun_device_ip_apply (int ifindex, const WstunDeviceIp *before, const WstunDeviceIp *now,
                                GError **error);

G_END_DECLS
