/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-netlink.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/route.h>

#include "wstun-error.h"

#define WSTUN_TUN_TXQUEUELEN 2000

struct _WstunNetlink {
  struct nl_sock *sock;
};

static gboolean
nl_fail (GError **error, int err, const char *what)
{
  g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, "%s: %s", what, nl_geterror (err));
  return FALSE;
}

WstunNetlink *
wstun_netlink_new (GError **error)
{
  g_autoptr (WstunNetlink) nl = g_new0 (WstunNetlink, 1);
  int err;

  nl->sock = nl_socket_alloc ();
  if (nl->sock == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("Out of memory for a netlink socket"));
    return NULL;
  }
  err = nl_connect (nl->sock, NETLINK_ROUTE);
  if (err < 0) {
    nl_fail (error, err, _ ("Cannot open a netlink socket"));
    return NULL;
  }
  return g_steal_pointer (&nl);
}

void
wstun_netlink_free (WstunNetlink *nl)
{
  if (nl == NULL)
    return;
  if (nl->sock != NULL)
    nl_socket_free (nl->sock);
  g_free (nl);
}

static int
change_link (WstunNetlink *nl, int ifindex, struct rtnl_link *change)
{
  struct rtnl_link *orig = rtnl_link_alloc ();
  int err;

  rtnl_link_set_ifindex (orig, ifindex);
  err = rtnl_link_change (nl->sock, orig, change, 0);
  rtnl_link_put (orig);
  return err;
}

gboolean
wstun_netlink_set_mtu (WstunNetlink *nl, int ifindex, guint mtu, GError **error)
{
  struct rtnl_link *change = rtnl_link_alloc ();
  int err;

  rtnl_link_set_mtu (change, mtu);
  /* the TUN default of 500 packets overflows in bursts at small MTUs before
   * wstund's next read (measured: 20000 TCP retransmits in 4 s at MTU 1500,
   * none with 2000); a sending socket's buffer still bounds what it queues */
  rtnl_link_set_txqlen (change, WSTUN_TUN_TXQUEUELEN);
  err = change_link (nl, ifindex, change);
  rtnl_link_put (change);
  if (err < 0) {
    g_autofree char *what = g_strdup_printf (_ ("Cannot set MTU %u"), mtu);
    return nl_fail (error, err, what);
  }
  return TRUE;
}

gboolean
wstun_netlink_link_up (WstunNetlink *nl, int ifindex, guint mtu, GError **error)
{
  struct rtnl_link *change;
  int err;

  if (!wstun_netlink_set_mtu (nl, ifindex, mtu, error))
    return FALSE;

  /* before the link goes up, or the kernel has already made fe80:: */
  change = rtnl_link_alloc ();
  rtnl_link_inet6_set_addr_gen_mode (change, rtnl_link_inet6_str2addrgenmode ("none"));
  err = change_link (nl, ifindex, change);
  rtnl_link_put (change);
  if (err < 0) /* IPv6 may be disabled here: not an error for IPv4 */
    g_debug ("cannot turn off IPv6 address generation: %s", nl_geterror (err));

  change = rtnl_link_alloc ();
  rtnl_link_set_flags (change, IFF_UP);
  err = change_link (nl, ifindex, change);
  rtnl_link_put (change);
  if (err < 0)
    return nl_fail (error, err, _ ("Cannot bring the tunnel link up"));
  return TRUE;
}

static struct nl_addr *
make_nl_addr (const WstunPrefix *prefix)
{
  struct nl_addr *addr =
    nl_addr_build (prefix->addr.family, prefix->addr.bytes, wstun_addr_len (&prefix->addr));

  if (addr != NULL)
    nl_addr_set_prefixlen (addr, prefix->prefix_len);
  return addr;
}

/* The address object for @address on the link: to add or to delete */
static struct rtnl_addr *
new_address (int ifindex, const WstunPrefix *address)
{
  struct rtnl_addr *addr = rtnl_addr_alloc ();
  struct nl_addr *local = make_nl_addr (address);

  rtnl_addr_set_ifindex (addr, ifindex);
  rtnl_addr_set_family (addr, address->addr.family);
  rtnl_addr_set_local (addr, local);
  rtnl_addr_set_prefixlen (addr, address->prefix_len);
  nl_addr_put (local);
  return addr;
}

/* The route object for @prefix through the link: to add or to delete */
static struct rtnl_route *
new_route (int ifindex, const WstunPrefix *prefix)
{
  struct rtnl_route *route = rtnl_route_alloc ();
  struct rtnl_nexthop *nh = rtnl_route_nh_alloc ();
  WstunPrefix network = *prefix;
  struct nl_addr *dst;

  /* routes want the network address: 10.99.1.7/24 means 10.99.1.0/24 */
  wstun_prefix_network (prefix, &network.addr);
  dst = make_nl_addr (&network);
  rtnl_route_set_family (route, prefix->addr.family);
  rtnl_route_set_dst (route, dst);
  rtnl_route_set_scope (route, RT_SCOPE_LINK);
  rtnl_route_set_protocol (route, RTPROT_STATIC);
  rtnl_route_nh_set_ifindex (nh, ifindex);
  rtnl_route_add_nexthop (route, nh);
  nl_addr_put (dst);
  return route;
}

static gboolean G_GNUC_PRINTF (3, 4) nl_failf (GError **error, int err, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  return nl_fail (error, err, what);
}

gboolean
wstun_netlink_add_address (WstunNetlink *nl, int ifindex, const WstunPrefix *address,
                           GError **error)
{
  char buf[WSTUN_PREFIX_STRLEN];
  struct rtnl_addr *addr = new_address (ifindex, address);
  int err;

  /* the relay guarantees uniqueness; waiting for DAD only delays traffic */
  if (address->addr.family == AF_INET6)
    rtnl_addr_set_flags (addr, IFA_F_NODAD);
  err = rtnl_addr_add (nl->sock, addr, NLM_F_REPLACE);
  rtnl_addr_put (addr);
  if (err < 0)
    return nl_failf (error, err, _ ("Cannot add address %s"),
                     wstun_prefix_to_string (address, buf));
  return TRUE;
}

gboolean
wstun_netlink_add_route (WstunNetlink *nl, int ifindex, const WstunPrefix *prefix, GError **error)
{
  char buf[WSTUN_PREFIX_STRLEN];
  struct rtnl_route *route = new_route (ifindex, prefix);
  int err = rtnl_route_add (nl->sock, route, NLM_F_EXCL);

  rtnl_route_put (route);
  if (err < 0 && err != -NLE_EXIST)
    return nl_failf (error, err, _ ("Cannot add route %s"), wstun_prefix_to_string (prefix, buf));
  return TRUE;
}

gboolean
wstun_netlink_delete_address (WstunNetlink *nl, int ifindex, const WstunPrefix *address,
                              GError **error)
{
  char buf[WSTUN_PREFIX_STRLEN];
  struct rtnl_addr *addr = new_address (ifindex, address);
  int err = rtnl_addr_delete (nl->sock, addr, 0);

  rtnl_addr_put (addr);
  /* gone already (someone else removed it): what was asked for */
  if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND)
    return nl_failf (error, err, _ ("Cannot remove address %s"),
                     wstun_prefix_to_string (address, buf));
  return TRUE;
}

gboolean
wstun_netlink_delete_route (WstunNetlink *nl, int ifindex, const WstunPrefix *prefix,
                            GError **error)
{
  char buf[WSTUN_PREFIX_STRLEN];
  struct rtnl_route *route = new_route (ifindex, prefix);
  int err = rtnl_route_delete (nl->sock, route, 0);

  rtnl_route_put (route);
  if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR)
    return nl_failf (error, err, _ ("Cannot remove route %s"),
                     wstun_prefix_to_string (prefix, buf));
  return TRUE;
}
