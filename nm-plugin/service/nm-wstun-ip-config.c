/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-ip-config.h"

#include <arpa/inet.h>
#include <glib/gi18n.h>
#include <string.h>

static gboolean G_GNUC_PRINTF (2, 3) bad (GError **error, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS,
               _ ("wstund reported an unusable IP configuration: %s"), why);
  return FALSE;
}

/* "ADDRESS/PREFIX" of @family into its parts */
static gboolean
parse_cidr (const char *cidr, int family, char **address, guint *prefix)
{
  const char *slash = strchr (cidr, '/');
  guint64 len;
  guint8 buf[16];

  if (slash == NULL ||
      !g_ascii_string_to_unsigned (slash + 1, 10, 0, family == AF_INET ? 32 : 128, &len, NULL))
    return FALSE;
  *address = g_strndup (cidr, slash - cidr);
  if (inet_pton (family, *address, buf) != 1) {
    g_clear_pointer (address, g_free);
    return FALSE;
  }
  *prefix = (guint) len;
  return TRUE;
}

static int
family_of (const char *cidr_or_address)
{
  return strchr (cidr_or_address, ':') != NULL ? AF_INET6 : AF_INET;
}

static GVariant *
ip6_bytes (const char *address)
{
  guint8 buf[16];

  inet_pton (AF_INET6, address, buf);
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, buf, 16, 1);
}

/* The address, its routes and DNS servers of one family; NULL without an
 * address of that family */
static GVariant *
build_family (const NMWstunIpInput *input, int family, GError **error)
{
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr (GPtrArray) routes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) nm_ip_route_unref);
  g_autoptr (GPtrArray) dns = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *address = NULL;
  const char *cidr = family == AF_INET ? input->address4 : input->address6;
  gboolean default_route = FALSE;
  guint prefix;

  if (cidr == NULL || *cidr == '\0')
    return NULL;
  if (!parse_cidr (cidr, family, &address, &prefix)) {
    bad (error, _ ("“%s” is not an address with a prefix"), cidr);
    return NULL;
  }
  for (guint i = 0; input->routes != NULL && input->routes[i] != NULL; i++) {
    g_autofree char *dest = NULL;
    guint len;
    NMIPRoute *route;

    if (family_of (input->routes[i]) != family)
      continue;
    if (!parse_cidr (input->routes[i], family, &dest, &len)) {
      bad (error, _ ("“%s” is not a route"), input->routes[i]);
      return NULL;
    }
    if (len == 0) {
      default_route = TRUE;
      continue;
    }
    route = nm_ip_route_new (family, dest, len, NULL, -1, error);
    if (route == NULL)
      return NULL;
    g_ptr_array_add (routes, route);
  }
  for (guint i = 0; input->dns != NULL && input->dns[i] != NULL; i++) {
    if (family_of (input->dns[i]) == family)
      g_ptr_array_add (dns, g_strdup (input->dns[i]));
  }
  g_ptr_array_add (dns, NULL);

  if (family == AF_INET) {
    struct in_addr a;

    inet_pton (AF_INET, address, &a);
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ADDRESS,
                           g_variant_new_uint32 (a.s_addr));
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_PREFIX,
                           g_variant_new_uint32 (prefix));
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_ROUTES,
                           nm_utils_ip4_routes_to_variant (routes));
    if (dns->len > 1)
      g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_DNS,
                             nm_utils_ip4_dns_to_variant ((char **) dns->pdata));
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP4_CONFIG_NEVER_DEFAULT,
                           g_variant_new_boolean (!default_route));
  } else {
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ADDRESS, ip6_bytes (address));
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_PREFIX,
                           g_variant_new_uint32 (prefix));
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_ROUTES,
                           nm_utils_ip6_routes_to_variant (routes));
    if (dns->len > 1)
      g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_DNS,
                             nm_utils_ip6_dns_to_variant ((char **) dns->pdata));
    g_variant_builder_add (&b, "{sv}", NM_VPN_PLUGIN_IP6_CONFIG_NEVER_DEFAULT,
                           g_variant_new_boolean (!default_route));
  }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

gboolean
nm_wstun_ip_config_build (const NMWstunIpInput *input, NMWstunIpConfig *out, GError **error)
{
  g_auto (GVariantBuilder) config = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GError *local = NULL;

  g_return_val_if_fail (input != NULL && out != NULL, FALSE);

  memset (out, 0, sizeof (*out));
  if (input->interface == NULL || *input->interface == '\0')
    return bad (error, _ ("there is no device"));
  out->ip4 = build_family (input, AF_INET, &local);
  if (local == NULL)
    out->ip6 = build_family (input, AF_INET6, &local);
  if (local != NULL) {
    nm_wstun_ip_config_clear (out);
    g_propagate_error (error, local);
    return FALSE;
  }
  if (out->ip4 == NULL && out->ip6 == NULL)
    return bad (error, _ ("the relay assigned neither an IPv4 nor an IPv6 address"));

  g_variant_builder_add (&config, "{sv}", NM_VPN_PLUGIN_CONFIG_TUNDEV,
                         g_variant_new_string (input->interface));
  if (input->mtu > 0)
    g_variant_builder_add (&config, "{sv}", NM_VPN_PLUGIN_CONFIG_MTU,
                           g_variant_new_uint32 (input->mtu));
  g_variant_builder_add (&config, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP4,
                         g_variant_new_boolean (out->ip4 != NULL));
  g_variant_builder_add (&config, "{sv}", NM_VPN_PLUGIN_CONFIG_HAS_IP6,
                         g_variant_new_boolean (out->ip6 != NULL));
  /* the relay, reached outside the tunnel: NetworkManager keeps a host
   * route to it when the tunnel becomes the default route */
  if (input->relay_address != NULL && *input->relay_address != '\0') {
    guint8 buf[16];

    if (inet_pton (AF_INET, input->relay_address, buf) == 1) {
      guint32 a;

      memcpy (&a, buf, 4);
      g_variant_builder_add (&config, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
                             g_variant_new_uint32 (a));
    } else if (inet_pton (AF_INET6, input->relay_address, buf) == 1) {
      g_variant_builder_add (&config, "{sv}", NM_VPN_PLUGIN_CONFIG_EXT_GATEWAY,
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, buf, 16, 1));
    }
  }
  out->config = g_variant_ref_sink (g_variant_builder_end (&config));
  return TRUE;
}

void
nm_wstun_ip_config_clear (NMWstunIpConfig *config)
{
  g_return_if_fail (config != NULL);

  g_clear_pointer (&config->config, g_variant_unref);
  g_clear_pointer (&config->ip4, g_variant_unref);
  g_clear_pointer (&config->ip6, g_variant_unref);
}
