/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-json-check.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"
#include "wstun-printable.h"

/* Member names quoted in messages are cut to this many characters. */
#define NAME_QUOTE_CHARS 64

/* One open object or array. */
typedef struct {
  gboolean object;
  gboolean expect_name; /* object: the next token is a member name (or "}") */
  guint entries;        /* elements, or members */
  GHashTable *names;    /* object: the member names seen, decoded */
  char *member;         /* object: the name of the member whose value is read */
} Level;

static void
level_clear (Level *level)
{
  g_clear_pointer (&level->names, g_hash_table_unref);
  g_clear_pointer (&level->member, g_free);
}

static gboolean
hex4 (const char *p, gsize avail, guint *out)
{
  guint value = 0;

  if (avail < 4)
    return FALSE;
  for (guint k = 0; k < 4; k++) {
    int digit = g_ascii_xdigit_value (p[k]);

    if (digit < 0)
      return FALSE;
    value = value << 4 | (guint) digit;
  }
  *out = value;
  return TRUE;
}

/* Decodes the JSON escape sequence at @p (a backslash): its length in the
 * text, or 0 when it is none, and the character it stands for. json-glib
 * reads escapes JSON does not have, a \u without four hex digits and a lone
 * surrogate differently, taking the closing '"' into the string (\u00"x"
 * is one string to it, and \ud800 swallows the character that follows):
 * only JSON's escapes pass, surrogates only in pairs. */
static gsize
escape_decode (const char *p, gsize avail, gunichar *out)
{
  static const char simple[] = "\"\\/bfnrt";
  static const char meaning[] = "\"\\/\b\f\n\r\t";
  const char *found;
  guint unit, low;

  if (avail < 2)
    return 0;
  found = p[1] != '\0' ? strchr (simple, p[1]) : NULL;
  if (found != NULL) {
    *out = (guchar) meaning[found - simple];
    return 2;
  }
  if (p[1] != 'u' || !hex4 (p + 2, avail - 2, &unit) || (unit >= 0xdc00 && unit <= 0xdfff))
    return 0;
  if (unit < 0xd800 || unit > 0xdbff) {
    *out = unit;
    return 6;
  }
  if (avail < 12 || p[6] != '\\' || p[7] != 'u' || !hex4 (p + 8, avail - 8, &low) || low < 0xdc00 ||
      low > 0xdfff)
    return 0;
  *out = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
  return 12;
}

/* Scans the string whose opening quote is at @data[@start]: sets *@end to
 * the index of its closing quote and *@decoded to its length in bytes
 * once decoded (what json-glib will make of it, in UTF-8), and appends
 * the decoded bytes to @out if not NULL. */
static gboolean
scan_string (const char *data, gsize len, gsize start, gsize *end, gsize *decoded, GString *out,
             GError **error)
{
  gsize n = 0;

  for (gsize i = start + 1; i < len; i++) {
    char c = data[i];

    if (c == '"') {
      *end = i;
      *decoded = n;
      return TRUE;
    }
    if ((guchar) c < 0x20)
      return wstun_protocol_error (
        error, _ ("not valid JSON: a control character in a string at byte %zu"), (size_t) i);
    if (c == '\\') {
      gunichar ch = 0;
      gsize k = escape_decode (data + i, len - i, &ch);
      char utf8[6];
      gint m;

      if (k == 0)
        return wstun_protocol_error (error, _ ("not valid JSON: bad escape in a string"));
      /* a C string ends at U+0000: what follows would vanish in silence */
      if (ch == 0)
        return wstun_protocol_error (error, _ ("a string holds the character U+0000"));
      m = g_unichar_to_utf8 (ch, utf8);
      n += m;
      if (out != NULL)
        g_string_append_len (out, utf8, m);
      i += k - 1;
      continue;
    }
    n++;
    if (out != NULL)
      g_string_append_c (out, c);
  }
  return wstun_protocol_error (error, _ ("not valid JSON: a string is not closed"));
}

static gsize
digits_length (const char *p, gsize avail)
{
  gsize i = 0;

  while (i < avail && g_ascii_isdigit (p[i]))
    i++;
  return i;
}

/* Length of the JSON number at @p, or 0 when there is none. JSON has no
 * leading zeros, unary plus, bare points, hexadecimal, NaN or Infinity.
 * The integer part is limited to 18 digits, which an int64 always holds:
 * json-glib wraps longer integers silently. */
static gsize
number_length (const char *p, gsize avail)
{
  gsize i = 0, n;

  if (i < avail && p[i] == '-')
    i++;
  n = digits_length (p + i, avail - i);
  if (n == 0 || n > 18 || (n > 1 && p[i] == '0'))
    return 0;
  i += n;
  if (i < avail && p[i] == '.') {
    i++;
    n = digits_length (p + i, avail - i);
    if (n == 0)
      return 0;
    i += n;
  }
  if (i < avail && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < avail && (p[i] == '+' || p[i] == '-'))
      i++;
    n = digits_length (p + i, avail - i);
    if (n == 0)
      return 0;
    i += n;
  }
  /* "1x", "1.5.5", "1-2": a number must end where another token may start */
  if (i < avail && (g_ascii_isalnum (p[i]) || p[i] == '.' || p[i] == '+' || p[i] == '-'))
    return 0;
  return i;
}

/* Length of the literal true, false or null at @p, or 0. */
static gsize
literal_length (const char *p, gsize avail)
{
  static const char *const literals[] = { "true", "false", "null" };

  for (guint k = 0; k < G_N_ELEMENTS (literals); k++) {
    gsize n = strlen (literals[k]);

    if (avail >= n && memcmp (p, literals[k], n) == 0 && (avail == n || !g_ascii_isalnum (p[n])))
      return n;
  }
  return 0;
}

/* The name of the member a value at @depth belongs to, through arrays, for
 * messages, escaped and cut short; "?" when there is none. */
static char *
member_for_message (const Level *stack, guint depth)
{
  for (guint d = depth; d > 0; d--) {
    if (stack[d - 1].object && stack[d - 1].member != NULL)
      return wstun_printable_prefix (stack[d - 1].member, -1, NAME_QUOTE_CHARS);
  }
  return g_strdup ("?");
}

/* A value (not a member name) starts inside the innermost open level. */
static gboolean
count_value (Level *stack, guint depth, const WstunJsonLimits *limits, gsize at, GError **error)
{
  Level *top = &stack[depth - 1];

  if (top->object) {
    if (top->expect_name)
      return wstun_protocol_error (
        error, _ ("not valid JSON: a member name is not a string at byte %zu"), (size_t) at);
    return TRUE;
  }
  if (++top->entries > limits->max_entries) {
    g_autofree char *name = member_for_message (stack, depth);

    return wstun_protocol_error (error, _ ("field “%s” has more than %u entries"), name,
                                 (guint) limits->max_entries);
  }
  return TRUE;
}

static gboolean
check_name (Level *top, const char *name, gsize decoded, const WstunJsonLimits *limits,
            GError **error)
{
  if (decoded > limits->max_string)
    return wstun_protocol_error (error, _ ("a member name is longer than %u bytes"),
                                 (guint) limits->max_string);
  if (++top->entries > limits->max_entries)
    return wstun_protocol_error (error, _ ("an object has more than %u members"),
                                 (guint) limits->max_entries);
  if (top->names == NULL)
    top->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* json-glib keeps the last of two equal names: a message that says two
   * things must not mean the one a reader happens to pick */
  if (!g_hash_table_add (top->names, g_strdup (name))) {
    g_autofree char *quoted = wstun_printable_prefix (name, -1, NAME_QUOTE_CHARS);

    return wstun_protocol_error (error, _ ("field “%s” appears more than once"), quoted);
  }
  g_free (top->member);
  top->member = g_strdup (name);
  top->expect_name = FALSE;
  return TRUE;
}

static gboolean
check_string_value (Level *stack, guint depth, gsize decoded, const WstunJsonLimits *limits,
                    GError **error)
{
  g_autofree char *name = NULL;

  if (decoded <= limits->max_string)
    return TRUE;
  name = member_for_message (stack, depth);
  if (stack[depth - 1].object)
    return wstun_protocol_error (error, _ ("field “%s” is longer than %u bytes"), name,
                                 (guint) limits->max_string);
  return wstun_protocol_error (error, _ ("an entry of “%s” is longer than %u bytes"), name,
                               (guint) limits->max_string);
}

typedef struct {
  const WstunJsonLimits *limits;
  Level stack[WSTUN_JSON_MAX_DEPTH];
  guint depth; /* open levels, also after a failure: the caller clears them */
} Lexer;

/* Why each rule, json-glib being what reads the text next:
 * - its parser recurses per nesting level: deep documents are refused
 *   before it sees them, so hostile input cannot exhaust the stack. This
 *   count must see strings where json-glib does, or it skips brackets
 *   json-glib parses;
 * - it reads single-quoted strings and comments, where a '"' would start a
 *   string here only: strict JSON has neither;
 * - it reads hexadecimal and octal numbers, barewords, and integers beyond
 *   64 bits, wrapped (2^64 + 1500 would be a valid MTU): only JSON's number
 *   grammar and literals pass, integers of at most 18 digits;
 * - it reads value after value ("{...}{...}", "1 {...}") and leaks all but
 *   the first: nothing may surround the one object;
 * - it keeps the last of two members with the same name.
 * Limits apply to every string, array and object, whether the caller knows
 * the member or not: what is ignored must still be bounded. */
static gboolean
check_tokens (Lexer *lx, const char *data, gsize len, GError **error)
{
  const WstunJsonLimits *limits = lx->limits;
  Level *stack = lx->stack;
  g_autoptr (GString) name = g_string_new (NULL);
  gboolean seen_value = FALSE;

  for (gsize i = 0; i < len; i++) {
    char c = data[i];
    gsize n, decoded = 0, end = 0; /* set by scan_string (); -O3 cannot tell */

    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      continue;
    if (lx->depth == 0 && (seen_value || c != '{'))
      return wstun_protocol_error (error, _ ("not a JSON object, or more than one"));
    switch (c) {
    case '{':
    case '[':
      if (lx->depth > 0 && !count_value (stack, lx->depth, limits, i, error))
        return FALSE;
      /* json-glib's parser recurses per level: refuse deep documents
       * before it sees them, so they cannot exhaust the stack */
      if (lx->depth >= limits->max_depth)
        return wstun_protocol_error (error, _ ("nested deeper than %u levels"),
                                     (guint) limits->max_depth);
      stack[lx->depth] = (Level){ .object = c == '{', .expect_name = c == '{' };
      lx->depth++;
      seen_value = TRUE;
      break;
    case '}':
    case ']':
      /* a mismatched bracket is json-glib's to refuse */
      level_clear (&stack[lx->depth - 1]);
      lx->depth--;
      break;
    case ',':
      if (stack[lx->depth - 1].object)
        stack[lx->depth - 1].expect_name = TRUE;
      break;
    case ':':
      break;
    case '"': {
      Level *top = &stack[lx->depth - 1];
      gboolean is_name = top->object && top->expect_name;

      g_string_truncate (name, 0);
      if (!scan_string (data, len, i, &end, &decoded, is_name ? name : NULL, error))
        return FALSE;
      if (is_name) {
        if (!check_name (top, name->str, decoded, limits, error))
          return FALSE;
      } else if (!count_value (stack, lx->depth, limits, i, error) ||
                 !check_string_value (stack, lx->depth, decoded, limits, error)) {
        return FALSE;
      }
      i = end;
      break;
    }
    default:
      if (c == '-' || g_ascii_isdigit (c)) {
        n = number_length (data + i, len - i);
        if (n == 0)
          return wstun_protocol_error (error, _ ("not valid JSON: bad number at byte %zu"),
                                       (size_t) i);
      } else if ((n = literal_length (data + i, len - i)) == 0) {
        if (g_ascii_isprint (c))
          return wstun_protocol_error (error, _ ("not valid JSON: unexpected “%c” at byte %zu"), c,
                                       (size_t) i);
        return wstun_protocol_error (error,
                                     _ ("not valid JSON: unexpected byte 0x%02x at byte %zu"),
                                     (guint) (guchar) c, (size_t) i);
      }
      if (!count_value (stack, lx->depth, limits, i, error))
        return FALSE;
      i += n - 1;
      break;
    }
  }
  if (!seen_value)
    return wstun_protocol_error (error, _ ("not a JSON object, or more than one"));
  return TRUE;
}

gboolean
wstun_json_check (const char *data, gsize len, const WstunJsonLimits *limits, GError **error)
{
  Lexer lx = { .limits = limits };
  gboolean ok;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (limits->max_depth >= 1 && limits->max_depth <= WSTUN_JSON_MAX_DEPTH, FALSE);

  /* json-glib would read on past a NUL byte or stop at it, depending */
  if (!g_utf8_validate_len (data, len, NULL))
    return wstun_protocol_error (error, _ ("not valid UTF-8"));
  ok = check_tokens (&lx, data, len, error);
  while (lx.depth > 0)
    level_clear (&lx.stack[--lx.depth]);
  return ok;
}
