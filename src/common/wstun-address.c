/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-address.h"

#include <arpa/inet.h>
#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"

void
wstun_addr_set_v4 (WstunAddr *addr, const guint8 bytes[4])
{
  memset (addr, 0, sizeof *addr);
  addr->family = AF_INET;
  memcpy (addr->bytes, bytes, 4);
}

void
wstun_addr_set_v6 (WstunAddr *addr, const guint8 bytes[16])
{
  addr->family = AF_INET6;
  memcpy (addr->bytes, bytes, 16);
}

gsize
wstun_addr_len (const WstunAddr *addr)
{
  return addr->family == AF_INET ? 4 : 16;
}

gboolean
wstun_addr_parse (const char *str, WstunAddr *out, GError **error)
{
  guint8 buf[16];

  g_return_val_if_fail (str != NULL, FALSE);

  if (inet_pton (AF_INET, str, buf) == 1) {
    wstun_addr_set_v4 (out, buf);
    return TRUE;
  }
  if (inet_pton (AF_INET6, str, buf) == 1) {
    wstun_addr_set_v6 (out, buf);
    return TRUE;
  }
  g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
               _ ("“%s” is not an IPv4 or IPv6 address"), str);
  return FALSE;
}

const char *
wstun_addr_to_string (const WstunAddr *addr, char buf[WSTUN_ADDR_STRLEN])
{
  if (inet_ntop (addr->family, addr->bytes, buf, WSTUN_ADDR_STRLEN) == NULL)
    g_strlcpy (buf, "?", WSTUN_ADDR_STRLEN);
  return buf;
}

gboolean
wstun_addr_equal (gconstpointer a, gconstpointer b)
{
  const WstunAddr *x = a, *y = b;

  return x->family == y->family && memcmp (x->bytes, y->bytes, wstun_addr_len (x)) == 0;
}

guint
wstun_addr_hash (gconstpointer data)
{
  const WstunAddr *addr = data;
  guint32 words[4];
  guint h;

  /* the host part sits in the last bytes, mix all words so /64 hosts spread */
  memcpy (words, addr->bytes, sizeof words);
  if (addr->family == AF_INET)
    return words[0] * 2654435761u;
  h = words[0] ^ (words[1] * 31u) ^ (words[2] * 2654435761u) ^ (words[3] * 40503u);
  return h ^ (h >> 15);
}

WstunAddr *
wstun_addr_dup (const WstunAddr *addr)
{
  return g_memdup2 (addr, sizeof *addr);
}

gboolean
wstun_addr_is_forwardable (const WstunAddr *addr)
{
  const guint8 *b = addr->bytes;

  if (addr->family == AF_INET) {
    if (b[0] == 0 || b[0] == 127 || b[0] >= 224) /* this-net, loopback, multicast, broadcast */
      return FALSE;
    if (b[0] == 169 && b[1] == 254) /* link-local */
      return FALSE;
    return TRUE;
  }

  if (b[0] == 0xff) /* multicast */
    return FALSE;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* link-local */
    return FALSE;
  for (guint i = 0; i < 15; i++) {
    if (b[i] != 0)
      return TRUE;
  }
  return FALSE; /* :: and ::1 */
}

gboolean
wstun_prefix_parse (const char *str, WstunPrefix *out, GError **error)
{
  g_autofree char *addr_part = NULL;
  const char *slash;
  guint64 len;
  char *end = NULL;
  guint max;

  g_return_val_if_fail (str != NULL, FALSE);

  slash = strchr (str, '/');
  if (slash == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("“%s” is not a prefix in CIDR notation (ADDRESS/LENGTH)"), str);
    return FALSE;
  }
  addr_part = g_strndup (str, slash - str);
  if (!wstun_addr_parse (addr_part, &out->addr, error))
    return FALSE;

  max = out->addr.family == AF_INET ? 32 : 128;
  /* digits only: strtoull would also take blanks and a sign ("/ 24", "/+24", "/-0") */
  len = g_ascii_strtoull (slash + 1, &end, 10);
  if (!g_ascii_isdigit (slash[1]) || *end != '\0' || len > max) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("“%s” has an invalid prefix length (0 to %u)"), str, max);
    return FALSE;
  }
  out->prefix_len = (guint) len;
  return TRUE;
}

const char *
wstun_prefix_to_string (const WstunPrefix *prefix, char buf[WSTUN_PREFIX_STRLEN])
{
  char abuf[WSTUN_ADDR_STRLEN];

  g_snprintf (buf, WSTUN_PREFIX_STRLEN, "%s/%u", wstun_addr_to_string (&prefix->addr, abuf),
              prefix->prefix_len);
  return buf;
}

gboolean
wstun_prefix_contains (const WstunPrefix *prefix, const WstunAddr *addr)
{
  guint full, rest;

  if (prefix->addr.family != addr->family)
    return FALSE;
  full = prefix->prefix_len / 8;
  rest = prefix->prefix_len % 8;
  if (memcmp (prefix->addr.bytes, addr->bytes, full) != 0)
    return FALSE;
  if (rest != 0) {
    guint8 mask = (guint8) (0xff << (8 - rest));
    if ((prefix->addr.bytes[full] & mask) != (addr->bytes[full] & mask))
      return FALSE;
  }
  return TRUE;
}

void
wstun_prefix_network (const WstunPrefix *prefix, WstunAddr *out)
{
  guint full = prefix->prefix_len / 8;
  guint rest = prefix->prefix_len % 8;
  gsize len = wstun_addr_len (&prefix->addr);

  *out = prefix->addr;
  if (full >= len)
    return;
  out->bytes[full] &= (guint8) (0xff << (8 - rest));
  for (gsize i = full + 1; i < len; i++)
    out->bytes[i] = 0;
}

static guint64
low64 (const WstunAddr *addr)
{
  guint64 v = 0;
  gsize len = wstun_addr_len (addr);

  for (gsize i = len - (len == 4 ? 4 : 8); i < len; i++)
    v = (v << 8) | addr->bytes[i];
  return v;
}

static guint64
host_mask (const WstunPrefix *prefix)
{
  guint bits = (prefix->addr.family == AF_INET ? 32 : 128) - prefix->prefix_len;

  if (bits >= 64)
    return G_MAXUINT64;
  return (G_GUINT64_CONSTANT (1) << bits) - 1;
}

guint64
wstun_prefix_host_index (const WstunPrefix *prefix, const WstunAddr *addr)
{
  return low64 (addr) & host_mask (prefix);
}

gboolean
wstun_prefix_nth (const WstunPrefix *prefix, guint64 index, WstunAddr *out)
{
  guint64 mask = host_mask (prefix);
  guint64 v;
  gsize len;

  if ((index & ~mask) != 0)
    return FALSE;
  *out = prefix->addr;
  len = wstun_addr_len (out);
  v = (low64 (out) & ~mask) | index;
  for (gsize i = len; i-- > len - (len == 4 ? 4 : 8);) {
    out->bytes[i] = v & 0xff;
    v >>= 8;
  }
  return TRUE;
}
