/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-printable.h"

#include <string.h>

static gboolean
is_control (gunichar c)
{
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

char *
wstun_printable (const char *text, gssize len)
{
  GString *out;
  const char *p, *end;

  if (text == NULL)
    return NULL;
  if (len < 0)
    len = strlen (text);
  out = g_string_sized_new (len + 1);
  p = text;
  end = text + len;
  while (p < end) {
    gunichar c = g_utf8_get_char_validated (p, end - p);

    if (c == (gunichar) -1 || c == (gunichar) -2) {
      g_string_append_printf (out, "\\x%02x", (guint) (guchar) *p);
      p++;
      continue;
    }
    if (c == '\\')
      g_string_append (out, "\\\\");
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c == '\r')
      g_string_append (out, "\\r");
    else if (c == '\t')
      g_string_append (out, "\\t");
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf (out, "\\x%02x", c);
    else if (is_control (c))
      g_string_append_printf (out, "\\u%04x", c);
    else
      g_string_append_len (out, p, g_utf8_next_char (p) - p);
    p = g_utf8_next_char (p);
  }
  return g_string_free (out, FALSE);
}

char *
wstun_printable_prefix (const char *text, gssize len, gsize max_chars)
{
  const char *p, *end;
  g_autofree char *head = NULL;
  gsize n = 0;

  if (text == NULL)
    return NULL;
  if (len < 0)
    len = strlen (text);
  p = text;
  end = text + len;
  /* counts characters as wstun_printable() walks them: a byte that is not
   * UTF-8 is one */
  while (p < end && n < max_chars) {
    gunichar c = g_utf8_get_char_validated (p, end - p);

    p = c == (gunichar) -1 || c == (gunichar) -2 ? p + 1 : g_utf8_next_char (p);
    n++;
  }
  head = wstun_printable (text, p - text);
  if (p == end)
    return g_steal_pointer (&head);
  return g_strconcat (head, "…", NULL);
}

gboolean
wstun_has_control (const char *text, gssize len)
{
  const char *p, *end;

  g_return_val_if_fail (text != NULL, FALSE);

  if (len < 0)
    len = strlen (text);
  end = text + len;
  for (p = text; p < end; p = g_utf8_next_char (p)) {
    if (is_control (g_utf8_get_char (p)))
      return TRUE;
  }
  return FALSE;
}
