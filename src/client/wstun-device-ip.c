/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-device-ip.h"

#include "wstun-netlink.h"

gboolean
wstun_device_ip_equal (const WstunDeviceIp *a, const WstunDeviceIp *b)
{
  return a->mtu == b->mtu && g_strcmp0 (a->address4, b->address4) == 0 &&
         g_strcmp0 (a->address6, b->address6) == 0 && g_strv_equal (a->routes, b->routes);
}

/* Adds the addresses (either may be NULL) and the routes that @skip (may
 * be NULL) does not have. */
static gboolean
add (WstunNetlink *nl, int ifindex, const char *address4, const char *address6,
     const char *const *routes, const char *const *skip, GError **error)
{
  WstunPrefix prefix;

  for (guint i = 0; i < 2; i++) {
    const char *cidr = i == 0 ? address4 : address6;

    if (cidr == NULL)
      continue;
    if (!wstun_prefix_parse (cidr, &prefix, error) ||
        !wstun_netlink_add_address (nl, ifindex, &prefix, error))
      return FALSE;
  }
  for (guint i = 0; routes[i] != NULL; i++) {
    if (skip != NULL && g_strv_contains (skip, routes[i]))
      continue;
    if (!wstun_prefix_parse (routes[i], &prefix, error) ||
        !wstun_netlink_add_route (nl, ifindex, &prefix, error))
      return FALSE;
  }
  return TRUE;
}

/* Removes what @before has and @now has not. */
static gboolean
remove_gone (WstunNetlink *nl, int ifindex, const WstunDeviceIp *before, const WstunDeviceIp *now,
             GError **error)
{
  WstunPrefix prefix;

  for (guint i = 0; i < 2; i++) {
    const char *old = i == 0 ? before->address4 : before->address6;
    const char *new = i == 0 ? now->address4 : now->address6;

    if (old == NULL || g_strcmp0 (old, new) == 0)
      continue;
    if (!wstun_prefix_parse (old, &prefix, error) ||
        !wstun_netlink_delete_address (nl, ifindex, &prefix, error))
      return FALSE;
  }
  for (guint i = 0; before->routes[i] != NULL; i++) {
    if (g_strv_contains (now->routes, before->routes[i]))
      continue;
    if (!wstun_prefix_parse (before->routes[i], &prefix, error) ||
        !wstun_netlink_delete_route (nl, ifindex, &prefix, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
wstun_device_ip_apply (int ifindex, const WstunDeviceIp *before, const WstunDeviceIp *now,
                       GError **error)
{
  g_autoptr (WstunNetlink) nl = wstun_netlink_new (error);

  if (nl == NULL)
    return FALSE;
  if (before == NULL)
    return wstun_netlink_link_up (nl, ifindex, now->mtu, error) &&
           add (nl, ifindex, now->address4, now->address6, now->routes, NULL, error);
  if (now->mtu != before->mtu && !wstun_netlink_set_mtu (nl, ifindex, now->mtu, error))
    return FALSE;
  return remove_gone (nl, ifindex, before, now, error) &&
         add (nl, ifindex, g_strcmp0 (before->address4, now->address4) != 0 ? now->address4 : NULL,
              g_strcmp0 (before->address6, now->address6) != 0 ? now->address6 : NULL, now->routes,
              before->routes, error);
}
