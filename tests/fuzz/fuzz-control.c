/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-control.c: libFuzzer harness for JSON control messages
 *
 * The input is one text message. wstun_control_parse() must either fail
 * with a GError or return a message that keeps the promises of
 * PROTOCOL.md section 3 (required members present, numbers in range,
 * addresses valid, the size limits). A parsed hello, config or error is
 * then written back with wstun_*_to_json() and parsed again: that must
 * succeed and give the same fields (round trip). The depth limit, which
 * wstun checks before json-glib parses, is checked against the document
 * json-glib read.
 *
 * The relay and wstund only parse text the WebSocket layer has checked to
 * be UTF-8. For such input, every string parsed must be UTF-8 too (escapes
 * such as a lone \ud800 must not smuggle in anything else: these strings
 * end up in logs, D-Bus and other text messages), and so must the JSON
 * written back. Input that is not UTF-8 is parsed too, for robustness.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include <json-glib/json-glib.h>

#include "fuzz.h"
#include "wstun-address.h"
#include "wstun-control.h"
#include "wstun-error.h"

/* Whether this run's input is UTF-8, as it always is in the daemons. */
static gboolean input_is_utf8;

static void
check_string (const char *s, gboolean required)
{
  if (s == NULL) {
    g_assert_false (required);
    return;
  }
  g_assert_cmpuint (strlen (s), <=, WSTUN_CONTROL_MAX_STRING);
  if (input_is_utf8)
    g_assert_true (fuzz_utf8_valid ((const guint8 *) s, strlen (s)));
}

static void
check_strv (const char *const *v)
{
  g_assert_nonnull (v);
  g_assert_cmpuint (g_strv_length ((char **) v), <=, WSTUN_CONTROL_MAX_LIST);
  for (guint i = 0; v[i] != NULL; i++)
    check_string (v[i], TRUE);
}

static void
check_addr (const char *s, int family, gboolean cidr)
{
  WstunPrefix prefix;

  if (s == NULL)
    return;
  if (cidr)
    g_assert_true (wstun_prefix_parse (s, &prefix, NULL));
  else
    g_assert_true (wstun_addr_parse (s, &prefix.addr, NULL));
  if (family != 0)
    g_assert_cmpint (prefix.addr.family, ==, family);
}

/* What a successfully parsed message promises its user. */
static void
check_control (const WstunControl *c)
{
  g_assert_nonnull (c->type_name);
  check_string (c->type_name, TRUE);
  switch (c->type) {
  case WSTUN_CONTROL_HELLO:
    g_assert_cmpstr (c->type_name, ==, "hello");
    g_assert_cmpuint (c->hello.version, >=, 1);
    g_assert_cmpuint (c->hello.version, <=, G_MAXINT32);
    check_string (c->hello.software, FALSE);
    check_strv ((const char *const *) c->hello.capabilities);
    check_string (c->hello.address4, FALSE);
    check_string (c->hello.address6, FALSE);
    check_string (c->hello.resume, FALSE);
    check_addr (c->hello.address4, AF_INET, FALSE);
    check_addr (c->hello.address6, AF_INET6, FALSE);
    break;
  case WSTUN_CONTROL_CONFIG:
    g_assert_cmpstr (c->type_name, ==, "config");
    g_assert_true (c->config.address4 != NULL || c->config.address6 != NULL);
    check_string (c->config.address4, FALSE);
    check_string (c->config.address6, FALSE);
    check_addr (c->config.address4, AF_INET, TRUE);
    check_addr (c->config.address6, AF_INET6, TRUE);
    g_assert_cmpuint (c->config.mtu, >=,
                      c->config.address6 != NULL ? WSTUN_MTU_MIN_IPV6 : WSTUN_MTU_MIN);
    g_assert_cmpuint (c->config.mtu, <=, WSTUN_MTU_MAX);
    check_strv ((const char *const *) c->config.routes);
    check_strv ((const char *const *) c->config.dns);
    for (guint i = 0; c->config.routes[i] != NULL; i++)
      check_addr (c->config.routes[i], 0, TRUE);
    for (guint i = 0; c->config.dns[i] != NULL; i++)
      check_addr (c->config.dns[i], 0, FALSE);
    check_string (c->config.resume, FALSE);
    g_assert_cmpuint (c->config.keepalive, <=, 3600);
    break;
  case WSTUN_CONTROL_ERROR:
    g_assert_cmpstr (c->type_name, ==, "error");
    check_string (c->error.code, TRUE);
    check_string (c->error.message, TRUE);
    break;
  case WSTUN_CONTROL_UNKNOWN:
    g_assert_cmpstr (c->type_name, !=, "hello");
    g_assert_cmpstr (c->type_name, !=, "config");
    g_assert_cmpstr (c->type_name, !=, "error");
    break;
  default:
    g_assert_not_reached ();
  }
}

static void
assert_strv_equal (char **a, char **b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (b));
  for (guint i = 0; a[i] != NULL; i++)
    g_assert_cmpstr (a[i], ==, b[i]);
}

/* Nesting depth of a document as json-glib read it: an object or an array
 * is one level deeper than its deepest member. */
static guint
node_depth (JsonNode *node)
{
  guint deepest = 0;

  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObjectIter iter;
    const char *name;
    JsonNode *member;

    json_object_iter_init (&iter, json_node_get_object (node));
    while (json_object_iter_next (&iter, &name, &member))
      deepest = MAX (deepest, node_depth (member));
    return deepest + 1;
  }
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *array = json_node_get_array (node);

    for (guint i = 0; i < json_array_get_length (array); i++)
      deepest = MAX (deepest, node_depth (json_array_get_element (array, i)));
    return deepest + 1;
  }
  return 0;
}

/* The depth limit is enforced before json-glib parses (its parser
 * recurses per level); check it against what json-glib actually read. */
static void
check_depth_limit (const char *text, gsize size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();

  g_assert_true (json_parser_load_from_data (parser, text, size, NULL));
  g_assert_cmpuint (node_depth (json_parser_get_root (parser)), <=, WSTUN_CONTROL_MAX_DEPTH);
}

/* JSON integers are decimal: an accepted value must be in the text as
 * written, not converted from hexadecimal or octal or wrapped from a
 * longer number by a lenient parser. */
static void
check_integer_in_text (guint value, const char *text, gsize size)
{
  g_autofree char *digits = g_strdup_printf ("%u", value);

  if (g_strstr_len (text, size, digits) == NULL)
    g_error ("accepted integer %s does not appear in the message", digits);
}

static void
check_integers_as_written (const WstunControl *c, const char *text, gsize size)
{
  if (c->type == WSTUN_CONTROL_HELLO)
    check_integer_in_text (c->hello.version, text, size);
  if (c->type == WSTUN_CONTROL_CONFIG) {
    check_integer_in_text (c->config.mtu, text, size);
    if (c->config.keepalive != 0) /* 0 is also the default when absent */
      check_integer_in_text (c->config.keepalive, text, size);
  }
}

/* Serializes @c and parses the result; returns the reparsed message. */
static WstunControl *
round_trip (const WstunControl *c)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  WstunControl *again;

  switch (c->type) {
  case WSTUN_CONTROL_HELLO:
    json = wstun_hello_to_json (&c->hello);
    break;
  case WSTUN_CONTROL_CONFIG:
    json = wstun_config_to_json (&c->config);
    break;
  case WSTUN_CONTROL_ERROR:
    json = wstun_error_message_to_json (c->error.code, c->error.message);
    break;
  default:
    g_assert_not_reached ();
  }
  g_assert_nonnull (json);
  /* what we send goes out as a text message */
  if (input_is_utf8)
    g_assert_true (fuzz_utf8_valid ((const guint8 *) json, strlen (json)));
  again = wstun_control_parse (json, strlen (json), &error);
  if (again == NULL)
    g_printerr ("round trip failed: %s\n%s\n", error->message, json);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpint (again->type, ==, c->type);
  g_assert_cmpstr (again->type_name, ==, c->type_name);
  check_control (again);
  return again;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* exact size and not NUL-terminated, as a WebSocket payload is */
  g_autofree char *text = g_memdup2 (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) control = NULL;
  g_autoptr (WstunControl) again = NULL;

  fuzz_init ();
  input_is_utf8 = fuzz_utf8_valid (data, size);
  control = wstun_control_parse (text, size, &error);
  if (control == NULL) {
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL);
    g_assert_nonnull (error->message);
    return 0;
  }
  g_assert_no_error (error);
  check_control (control);
  check_depth_limit (text, size);
  check_integers_as_written (control, text, size);
  if (control->type == WSTUN_CONTROL_UNKNOWN)
    return 0;

  again = round_trip (control);
  switch (control->type) {
  case WSTUN_CONTROL_HELLO:
    g_assert_cmpuint (again->hello.version, ==, control->hello.version);
    g_assert_cmpstr (again->hello.software, ==, control->hello.software);
    assert_strv_equal (again->hello.capabilities, control->hello.capabilities);
    g_assert_cmpstr (again->hello.address4, ==, control->hello.address4);
    g_assert_cmpstr (again->hello.address6, ==, control->hello.address6);
    g_assert_cmpstr (again->hello.resume, ==, control->hello.resume);
    break;
  case WSTUN_CONTROL_CONFIG:
    g_assert_cmpstr (again->config.address4, ==, control->config.address4);
    g_assert_cmpstr (again->config.address6, ==, control->config.address6);
    g_assert_cmpuint (again->config.mtu, ==, control->config.mtu);
    assert_strv_equal (again->config.routes, control->config.routes);
    assert_strv_equal (again->config.dns, control->config.dns);
    g_assert_cmpstr (again->config.resume, ==, control->config.resume);
    g_assert_cmpuint (again->config.keepalive, ==, control->config.keepalive);
    break;
  case WSTUN_CONTROL_ERROR:
    g_assert_cmpstr (again->error.code, ==, control->error.code);
    g_assert_cmpstr (again->error.message, ==, control->error.message);
    break;
  default:
    g_assert_not_reached ();
  }
  return 0;
}
