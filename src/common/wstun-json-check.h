/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-json-check.h: a strict JSON lexer run before json-glib sees
 * hostile text (control messages from peers, the relay's state file)
 *
 * json-glib reads more than JSON, recurses once per nesting level, keeps
 * the last of two members with the same name without saying so, and
 * wraps integers beyond 64 bits. This check refuses everything but one
 * RFC 8259 object within the given limits, so that what json-glib then
 * builds is exactly what the text says.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The deepest nesting any caller may ask for: the lexer keeps one small
 * record per level on the stack. */
#define WSTUN_JSON_MAX_DEPTH 64

typedef struct {
  guint max_depth;   /* objects and arrays, the outer object included */
  guint max_entries; /* elements of an array, members of an object */
  gsize max_string;  /* bytes of a string after decoding; member names too */
} WstunJsonLimits;

/* Checks that @data (@len bytes) is valid UTF-8 holding exactly one JSON
 * object and nothing around it, in RFC 8259's grammar as far as tokens go
 * (strings with only JSON's escapes and surrogates only in pairs, no raw
 * control characters and no U+0000; numbers without leading zeros, plus
 * signs, hexadecimal or more than 18 integer digits; only true, false
 * and null as barewords; no comments), within @limits, and without a
 * member name twice in one object. Balance, commas and colons are
 * json-glib's to check. The message of @error starts in lower case and
 * reads after a prefix naming the text ("Control message: ").
 */
gboolean wstun_json_check (const char *data, gsize len, const WstunJsonLimits *limits,
                           GError **error);

G_END_DECLS
