/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <glib.h>

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/printable/plain", test_plain);
  g_test_add_func ("/printable/controls", test_controls);
  g_test_add_func ("/printable/bytes", test_bytes);
  return g_test_run ();
}
