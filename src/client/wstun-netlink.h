/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-netlink.h: link settings, addresses and routes through rtnetlink */
#pragma once

#include <glib.h>

#include "wstun-address.h"

G_BEGIN_DECLS

typedef struct _WstunNetlink WstunNetlink;

WstunNetlink *wstun_netlink_new (GError **error);
void wstun_netlink_free (WstunNetlink *nl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunNetlink, wstun_netlink_free)

/* Sets the MTU (and a transmit queue long enough for bursts), turns off IPv6 link-local address
 * generation (a tunnel has no use for it and the relay would drop its multicast chatter), then
 * brings the link up. */
gboolean wstun_netlink_link_up (WstunNetlink *nl, int ifindex, guint mtu, GError **error);
gboolean wstun_netlink_set_mtu (WstunNetlink *nl, int ifindex, guint mtu, GError **error);
gboolean wstun_netlink_add_address (WstunNetlink *nl, int ifindex, const WstunPrefix *address,
                                    GError **error);
/* A route to @prefix through the link; an existing identical one is fine. */
gboolean wstun_netlink_add_route (WstunNetlink *nl, int ifindex, const WstunPrefix *prefix,
                                  GError **error);
/* The reverse of the two above, for a relay that hands out other addresses
 * or routes on a reconnection; one that is gone already is no error. */
gboolean wstun_netlink_delete_address (WstunNetlink *nl, int ifindex, const WstunPrefix *address,
                                       GError **error);
gboolean wstun_netlink_delete_route (WstunNetlink *nl, int ifindex, const WstunPrefix *prefix,
                                     GError **error);

G_END_DECLS
