/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-control.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>

#include "wstun-address.h"
#include "wstun-error.h"
#include "wstun-json-check.h"

static gboolean
get_string (JsonObject *obj, const char *name, gboolean required, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    if (required)
      return wstun_protocol_error (error, _ ("Field “%s” is missing"), name);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return wstun_protocol_error (error, _ ("Field “%s” must be a string"), name);
  value = json_node_get_string (node);
  if (strlen (value) > WSTUN_CONTROL_MAX_STRING)
    return wstun_protocol_error (error, _ ("Field “%s” is too long"), name);
  /* json-glib turns a lone surrogate escape ("\ud800") into bytes that
   * are not UTF-8; such strings would poison logs, D-Bus and later JSON */
  if (!g_utf8_validate (value, -1, NULL))
    return wstun_protocol_error (error, _ ("Field “%s” is not valid UTF-8"), name);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_uint (JsonObject *obj, const char *name, gboolean required, guint min, guint max, guint *out,
          GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);
  gint64 value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    if (required)
      return wstun_protocol_error (error, _ ("Field “%s” is missing"), name);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return wstun_protocol_error (error, _ ("Field “%s” must be an integer"), name);
  value = json_node_get_int (node);
  if (value < min || value > max)
    return wstun_protocol_error (error, _ ("Field “%s” is out of range (%u to %u)"), name, min,
                                 max);
  *out = (guint) value;
  return TRUE;
}

static gboolean
get_strv (JsonObject *obj, const char *name, GStrv *out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;
  guint n;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    *out = g_strv_builder_end (builder);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wstun_protocol_error (error, _ ("Field “%s” must be an array of strings"), name);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n > WSTUN_CONTROL_MAX_LIST)
    return wstun_protocol_error (error, _ ("Field “%s” has more than %d entries"), name,
                                 WSTUN_CONTROL_MAX_LIST);
  for (guint i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (array, i);

    if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
      return wstun_protocol_error (error, _ ("Field “%s” must be an array of strings"), name);
    if (strlen (json_node_get_string (item)) > WSTUN_CONTROL_MAX_STRING)
      return wstun_protocol_error (error, _ ("An entry of “%s” is too long"), name);
    if (!g_utf8_validate (json_node_get_string (item), -1, NULL))
      return wstun_protocol_error (error, _ ("An entry of “%s” is not valid UTF-8"), name);
    g_strv_builder_add (builder, json_node_get_string (item));
  }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* Checks an address (or CIDR prefix) field and rewrites it in canonical
 * form: the peer's spelling ("/0024", "0000:0000::1") never travels
 * further, and its length is bounded by the address's. */
static gboolean
check_address (char **value, int family, const char *name, gboolean cidr, GError **error)
{
  WstunPrefix prefix;
  char buf[WSTUN_PREFIX_STRLEN];
  gboolean ok;

  if (*value == NULL)
    return TRUE;
  if (cidr)
    ok = wstun_prefix_parse (*value, &prefix, NULL);
  else
    ok = wstun_addr_parse (*value, &prefix.addr, NULL);
  /* whole sentences: translations of "prefix" and "address" differ in
   * gender and so in what goes before them */
  if (!ok || (family != 0 && prefix.addr.family != family)) {
    if (family == AF_INET)
      return cidr
               ? wstun_protocol_error (error, _ ("Field “%s” is not a valid IPv4 CIDR prefix"),
                                       name)
               : wstun_protocol_error (error, _ ("Field “%s” is not a valid IPv4 address"), name);
    if (family == AF_INET6)
      return cidr
               ? wstun_protocol_error (error, _ ("Field “%s” is not a valid IPv6 CIDR prefix"),
                                       name)
               : wstun_protocol_error (error, _ ("Field “%s” is not a valid IPv6 address"), name);
    return cidr ? wstun_protocol_error (error, _ ("Field “%s” is not a valid CIDR prefix"), name)
                : wstun_protocol_error (error, _ ("Field “%s” is not a valid IP address"), name);
  }
  g_free (*value);
  *value = g_strdup (cidr ? wstun_prefix_to_string (&prefix, buf)
                          : wstun_addr_to_string (&prefix.addr, buf));
  return TRUE;
}

static gboolean
parse_hello (JsonObject *obj, WstunHello *hello, GError **error)
{
  if (!get_uint (obj, "version", TRUE, 1, G_MAXINT32, &hello->version, error) ||
      !get_string (obj, "software", FALSE, &hello->software, error) ||
      !get_strv (obj, "capabilities", &hello->capabilities, error) ||
      !get_string (obj, "address4", FALSE, &hello->address4, error) ||
      !get_string (obj, "address6", FALSE, &hello->address6, error) ||
      !get_string (obj, "resume", FALSE, &hello->resume, error))
    return FALSE;
  return check_address (&hello->address4, AF_INET, "address4", FALSE, error) &&
         check_address (&hello->address6, AF_INET6, "address6", FALSE, error);
}

static gboolean
parse_config (JsonObject *obj, WstunConfig *config, GError **error)
{
  if (!get_string (obj, "address4", FALSE, &config->address4, error) ||
      !get_string (obj, "address6", FALSE, &config->address6, error) ||
      !get_uint (obj, "mtu", TRUE, WSTUN_MTU_MIN, WSTUN_MTU_MAX, &config->mtu, error) ||
      !get_strv (obj, "routes", &config->routes, error) ||
      !get_strv (obj, "dns", &config->dns, error) ||
      !get_string (obj, "resume", FALSE, &config->resume, error) ||
      !get_uint (obj, "keepalive", FALSE, 0, 3600, &config->keepalive, error) ||
      !get_strv (obj, "capabilities", &config->capabilities, error))
    return FALSE;
  if (config->address4 == NULL && config->address6 == NULL)
    return wstun_protocol_error (error, _ ("Config assigns neither an IPv4 nor an IPv6 address"));
  if (!check_address (&config->address4, AF_INET, "address4", TRUE, error) ||
      !check_address (&config->address6, AF_INET6, "address6", TRUE, error))
    return FALSE;
  if (config->address6 != NULL && config->mtu < WSTUN_MTU_MIN_IPV6)
    return wstun_protocol_error (error, _ ("MTU %u is below the IPv6 minimum of %d"), config->mtu,
                                 WSTUN_MTU_MIN_IPV6);
  for (guint i = 0; config->routes[i] != NULL; i++) {
    if (!check_address (&config->routes[i], 0, "routes", TRUE, error))
      return FALSE;
  }
  for (guint i = 0; config->dns[i] != NULL; i++) {
    if (!check_address (&config->dns[i], 0, "dns", FALSE, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_error (JsonObject *obj, WstunErrorMessage *msg, GError **error)
{
  return get_string (obj, "code", TRUE, &msg->code, error) &&
         get_string (obj, "message", TRUE, &msg->message, error);
}

WstunControl *
wstun_control_parse (const char *data, gsize len, GError **error)
{
  /* on every member of every message, known or not (PROTOCOL.md, 3) */
  static const WstunJsonLimits limits = {
    .max_depth = WSTUN_CONTROL_MAX_DEPTH,
    .max_entries = WSTUN_CONTROL_MAX_LIST,
    .max_string = WSTUN_CONTROL_MAX_STRING,
  };
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (WstunControl) control = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;
  JsonObject *obj;
  gboolean ok = TRUE;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len > WSTUN_CONTROL_MAX_SIZE) {
    wstun_protocol_error (error, _ ("Control message larger than %d bytes"),
                          WSTUN_CONTROL_MAX_SIZE);
    return NULL;
  }
  /* json-glib refuses a NULL buffer with a critical, even for length 0 */
  if (len == 0) {
    wstun_protocol_error (error, _ ("Control message is empty"));
    return NULL;
  }
  if (!wstun_json_check (data, len, &limits, error)) {
    g_prefix_error (error, _ ("Control message: "));
    return NULL;
  }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &local_error)) {
    wstun_protocol_error (error, _ ("Control message is not valid JSON: %s"), local_error->message);
    return NULL;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    wstun_protocol_error (error, _ ("Control message is not a JSON object"));
    return NULL;
  }
  obj = json_node_get_object (root);

  control = g_new0 (WstunControl, 1);
  if (!get_string (obj, "type", TRUE, &control->type_name, error))
    return NULL;

  if (g_str_equal (control->type_name, "hello")) {
    control->type = WSTUN_CONTROL_HELLO;
    ok = parse_hello (obj, &control->hello, error);
  } else if (g_str_equal (control->type_name, "config")) {
    control->type = WSTUN_CONTROL_CONFIG;
    ok = parse_config (obj, &control->config, error);
  } else if (g_str_equal (control->type_name, "error")) {
    control->type = WSTUN_CONTROL_ERROR;
    ok = parse_error (obj, &control->error, error);
  } else {
    control->type = WSTUN_CONTROL_UNKNOWN;
  }
  if (!ok)
    return NULL;
  return g_steal_pointer (&control);
}

void
wstun_hello_clear (WstunHello *hello)
{
  g_clear_pointer (&hello->software, g_free);
  g_clear_pointer (&hello->capabilities, g_strfreev);
  g_clear_pointer (&hello->address4, g_free);
  g_clear_pointer (&hello->address6, g_free);
  g_clear_pointer (&hello->resume, g_free);
}

void
wstun_config_clear (WstunConfig *config)
{
  g_clear_pointer (&config->address4, g_free);
  g_clear_pointer (&config->address6, g_free);
  g_clear_pointer (&config->routes, g_strfreev);
  g_clear_pointer (&config->dns, g_strfreev);
  g_clear_pointer (&config->resume, g_free);
  g_clear_pointer (&config->capabilities, g_strfreev);
}

void
wstun_control_free (WstunControl *control)
{
  if (control == NULL)
    return;
  g_free (control->type_name);
  wstun_hello_clear (&control->hello);
  wstun_config_clear (&control->config);
  g_free (control->error.code);
  g_free (control->error.message);
  g_free (control);
}

static void
add_optional_string (JsonBuilder *b, const char *name, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_strv (JsonBuilder *b, const char *name, const char *const *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (b, values[i]);
  json_builder_end_array (b);
}

static char *
finish (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

static JsonBuilder *
start (const char *type)
{
  JsonBuilder *b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  return b;
}

char *
wstun_hello_to_json (const WstunHello *hello)
{
  g_autoptr (JsonBuilder) b = start ("hello");

  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, hello->version);
  add_optional_string (b, "software", hello->software);
  add_strv (b, "capabilities", (const char *const *) hello->capabilities);
  add_optional_string (b, "address4", hello->address4);
  add_optional_string (b, "address6", hello->address6);
  add_optional_string (b, "resume", hello->resume);
  return finish (b);
}

char *
wstun_config_to_json (const WstunConfig *config)
{
  g_autoptr (JsonBuilder) b = start ("config");

  add_optional_string (b, "address4", config->address4);
  add_optional_string (b, "address6", config->address6);
  json_builder_set_member_name (b, "mtu");
  json_builder_add_int_value (b, config->mtu);
  add_strv (b, "routes", (const char *const *) config->routes);
  add_strv (b, "dns", (const char *const *) config->dns);
  add_optional_string (b, "resume", config->resume);
  json_builder_set_member_name (b, "keepalive");
  json_builder_add_int_value (b, config->keepalive);
  /* only when there are any: clients that asked for none never see it */
  if (config->capabilities != NULL && config->capabilities[0] != NULL)
    add_strv (b, "capabilities", (const char *const *) config->capabilities);
  return finish (b);
}

char *
wstun_error_message_to_json (const char *code, const char *message)
{
  g_autoptr (JsonBuilder) b = start ("error");

  add_optional_string (b, "code", code);
  add_optional_string (b, "message", message);
  return finish (b);
}
