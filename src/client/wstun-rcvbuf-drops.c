/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-rcvbuf-drops.h"

#include <string.h>

/* "Udp: InDatagrams ... RcvbufErrors ..." then "Udp: 70 ... 0 ...": the
 * value under the name in the line after the header */
gboolean
wstun_rcvbuf_drops_parse_snmp (const char *text, guint64 *count)
{
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (text != NULL && count != NULL, FALSE);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++) {
    g_auto (GStrv) names = NULL;
    g_auto (GStrv) values = NULL;

    if (!g_str_has_prefix (lines[i], "Udp: ") || !g_str_has_prefix (lines[i + 1], "Udp: "))
      continue;
    names = g_strsplit (lines[i], " ", -1);
    values = g_strsplit (lines[i + 1], " ", -1);
    for (guint j = 1; names[j] != NULL && values[j] != NULL; j++) {
      char *end = NULL;

      if (strcmp (names[j], "RcvbufErrors") != 0)
        continue;
      *count = g_ascii_strtoull (values[j], &end, 10);
      return end != values[j] && *end == '\0';
    }
    return FALSE;
  }
  return FALSE;
}

/* "Udp6RcvbufErrors                	0" */
gboolean
wstun_rcvbuf_drops_parse_snmp6 (const char *text, guint64 *count)
{
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (text != NULL && count != NULL, FALSE);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *p = lines[i];
    char *end = NULL;

    if (!g_str_has_prefix (p, "Udp6RcvbufErrors") || !g_ascii_isspace (p[16]))
      continue;
    p += 16;
    while (g_ascii_isspace (*p))
      p++;
    *count = g_ascii_strtoull (p, &end, 10);
    return end != p && *end == '\0';
  }
  return FALSE;
}

static gboolean
read_one (const char *path, gboolean (*parse) (const char *, guint64 *), guint64 *count)
{
  g_autofree char *text = NULL;

  /* /proc/self/net: the namespace of this process, where its TUN devices are */
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  return parse (text, count);
}

gboolean
wstun_rcvbuf_drops_read (guint64 *total)
{
  guint64 v4 = 0, v6 = 0;
  gboolean ok4, ok6;

  g_return_val_if_fail (total != NULL, FALSE);

  ok4 = read_one ("/proc/self/net/snmp", wstun_rcvbuf_drops_parse_snmp, &v4);
  ok6 = read_one ("/proc/self/net/snmp6", wstun_rcvbuf_drops_parse_snmp6, &v6);
  *total = (ok4 ? v4 : 0) + (ok6 ? v6 : 0);
  return ok4 || ok6;
}
