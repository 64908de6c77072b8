/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h: what every harness in tests/fuzz shares
 *
 * A harness is one LLVMFuzzerTestOneInput(). With -Dfuzzing=true it is
 * linked with libFuzzer (clang -fsanitize=fuzzer); otherwise with
 * fuzz-driver.c, which feeds it the files of its seed corpus and of its
 * regression inputs, so every input that once crashed stays a unit test.
 *
 * A harness checks invariants with g_assert*(), which abort: libFuzzer, the
 * driver and the sanitizers all report an abort as a failure. GLib
 * criticals and warnings are made fatal too (fuzz_init()).
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static inline void
fuzz_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
    g_once_init_leave (&done, 1);
  }
}

/* Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), U+0000 allowed. Written independently of GLib's validator, so
 * a harness can cross-check code that relies on it. */
static inline gboolean
fuzz_utf8_valid (const guint8 *s, gsize len)
{
  gsize i = 0;

  while (i < len) {
    guint8 c = s[i];
    gsize n;
    guint32 cp;

    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3, cp = c & 0x07;
    } else {
      return FALSE;
    }
    if (len - i <= n)
      return FALSE;
    for (gsize k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return FALSE;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return FALSE;
    i += n + 1;
  }
  return TRUE;
}

G_END_DECLS
