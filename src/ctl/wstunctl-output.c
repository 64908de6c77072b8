/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl's output primitives: text from the service made safe to print,
 * and JSON, pretty for one result or one line per event; what the
 * commands and the error reports (wstunctl-fail.c) print goes through here */
#include "config.h"

#include "wstunctl.h"

#include "wstun-printable.h"

char *
wstunctl_text (const char *text, gboolean dash)
{
  if (dash && (text == NULL || *text == '\0'))
    return g_strdup ("-");
  return wstun_printable (text != NULL ? text : "", -1);
}

void
wstunctl_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
wstunctl_print_json_line (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
wstunctl_print_json_strings (const char *name, const char *value, ...)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  va_list args;

  json_builder_begin_object (builder);
  va_start (args, value);
  while (name != NULL) {
    json_builder_set_member_name (builder, name);
    json_builder_add_string_value (builder, value);
    name = va_arg (args, const char *);
    if (name != NULL)
      value = va_arg (args, const char *);
  }
  va_end (args);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  wstunctl_print_json (node);
}
