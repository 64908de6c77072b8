/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-printable.h: peer-supplied text made safe to log or show */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A copy of @text (@len bytes, or up to NUL when -1) with every character
 * that could forge a log line or drive a terminal escaped: C0 and C1
 * controls, DEL, U+2028/U+2029 and bytes that are not UTF-8 (as \n, \r,
 * \t, \xNN, \uNNNN), and backslashes doubled so that the escapes are
 * unambiguous. NULL gives NULL. */
char *wstun_printable (const char *text, gssize len);

/* wstun_printable() of at most the first @max_chars characters of @text
 * (@len bytes, or up to NUL when -1), with "…" when there was more: for
 * quoting a hostile value in a message without repeating all of it. */
char *wstun_printable_prefix (const char *text, gssize len, gsize max_chars);

/* Whether @text (@len bytes, or up to NUL when -1; valid UTF-8) has a
 * character that wstun_printable() would escape for being a control:
 * C0 and C1 controls, DEL, U+2028 and U+2029. */
gboolean wstun_has_control (const char *text, gssize len);

G_END_DECLS
