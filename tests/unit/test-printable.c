/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib.h>

#include <string.h>

#include "wstun-printable.h"

static void
check (const char *text, gssize len, const char *want)
{
  g_autofree char *got = wstun_printable (text, len);

  g_assert_cmpstr (got, ==, want);
  g_assert_true (g_utf8_validate (got, -1, NULL));
}

static void
test_plain (void)
{
  check ("wstund/0.1 (Debian)", -1, "wstund/0.1 (Debian)");
  check ("", -1, "");
  check ("Bücher ☃ 日本", -1, "Bücher ☃ 日本");
  g_assert_null (wstun_printable (NULL, -1));
}

static void
test_controls (void)
{
  /* a forged log line, a terminal escape, a bell, DEL */
  check ("evil\nwstun-relay-Message: forged", -1, "evil\\nwstun-relay-Message: forged");
  check ("a\r\tb", -1, "a\\r\\tb");
  check ("\x1b[2Jred", -1, "\\x1b[2Jred");
  check ("\a\x7f", -1, "\\x07\\x7f");
  /* C1 controls (CSI is U+009B) and Unicode line separators */
  check ("x\xc2\x9b"
         "31m",
         -1, "x\\u009b31m");
  check ("a\xe2\x80\xa8"
         "b\xe2\x80\xa9",
         -1, "a\\u2028b\\u2029");
  /* backslashes are doubled, so an escape in the input stays visible as one */
  check ("C:\\n", -1, "C:\\\\n");
}

static void
test_bytes (void)
{
  /* not UTF-8: escaped byte by byte; an embedded NUL with an explicit length */
  check ("a\xff\xfe"
         "b",
         -1, "a\\xff\\xfeb");
  check ("\xc3", -1, "\\xc3");
  check ("a\0b", 3, "a\\x00b");
  check ("abc", 2, "ab");
}

static void
check_prefix (const char *text, gsize max, const char *expected)
{
  g_autofree char *out = wstun_printable_prefix (text, -1, max);

  g_assert_cmpstr (out, ==, expected);
}

static void
test_prefix (void)
{
  g_autofree char *big = g_strnfill (1024 * 1024, 'x');
  g_autofree char *out = wstun_printable_prefix (big, -1, 48);

  check_prefix ("short", 48, "short");
  check_prefix ("exactly", 7, "exactly");
  check_prefix ("too long", 3, "too…");
  /* counts characters, escapes what it keeps */
  check_prefix ("\x1b]0;x\x07", 3, "\\x1b]0…");
  check_prefix ("bücher", 2, "bü…");
  check_prefix ("\xff\xfe\xfd", 2, "\\xff\\xfe…");
  g_assert_cmpuint (strlen (out), ==, 48 + strlen ("…"));
  g_assert_null (wstun_printable_prefix (NULL, -1, 5));
}

static void
test_has_control (void)
{
  static const char *const with[] = { "a\nb",     "\x1b[31m",      "a\x7f",         "a\xc2\x85",
                                      "\xc2\x9b", "a\xe2\x80\xa8", "a\xe2\x80\xa9", "\t" };
  static const char *const without[] = { "", "plain", "bücher", "a\\nb", "\xe2\x80\xa6" };

  for (gsize i = 0; i < G_N_ELEMENTS (with); i++)
    g_assert_true (wstun_has_control (with[i], -1));
  for (gsize i = 0; i < G_N_ELEMENTS (without); i++)
    g_assert_false (wstun_has_control (without[i], -1));
  g_assert_true (wstun_has_control ("a\0b", 3));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/printable/plain", test_plain);
  g_test_add_func ("/printable/controls", test_controls);
  g_test_add_func ("/printable/bytes", test_bytes);
  g_test_add_func ("/printable/prefix", test_prefix);
  g_test_add_func ("/printable/has-control", test_has_control);
  return g_test_run ();
}
