/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the relay's structured log lines about clients */
#include "config.h"

#include <string.h>

#include "wstun-client-log.h"

static GHashTable *captured; /* field name -> value of the last message */
static GLogLevelFlags captured_level;

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  (void) user_data;
  g_hash_table_remove_all (captured);
  captured_level = level;
  for (gsize i = 0; i < n_fields; i++) {
    g_assert_cmpint (fields[i].length, ==, -1);
    g_hash_table_insert (captured, g_strdup (fields[i].key), g_strdup (fields[i].value));
  }
  return G_LOG_WRITER_HANDLED;
}

static const char *
field (const char *key)
{
  return g_hash_table_lookup (captured, key);
}

static void
test_fields (void)
{
  wstun_client_log (G_LOG_LEVEL_MESSAGE,
                    &(WstunClientLogFields){ .event = "connected",
                                             .client = "198.18.0.2:4000",
                                             .address = "10.99.0.2/24, fd00:99::2/64",
                                             .token = "alice" },
                    "client %s connected as %s", "198.18.0.2:4000", "10.99.0.2/24");
  g_assert_cmpint (captured_level, ==, G_LOG_LEVEL_MESSAGE);
  g_assert_cmpstr (field ("MESSAGE"), ==, "client 198.18.0.2:4000 connected as 10.99.0.2/24");
  g_assert_cmpstr (field ("PRIORITY"), ==, "5");
  g_assert_cmpstr (field ("GLIB_DOMAIN"), ==, "wstun-relay");
  g_assert_cmpstr (field ("WSTUN_EVENT"), ==, "connected");
  g_assert_cmpstr (field ("WSTUN_CLIENT"), ==, "198.18.0.2:4000");
  g_assert_cmpstr (field ("WSTUN_ADDRESS"), ==, "10.99.0.2/24, fd00:99::2/64");
  g_assert_cmpstr (field ("WSTUN_TOKEN"), ==, "alice");

  /* fields that are not known are not there at all */
  wstun_client_log (G_LOG_LEVEL_WARNING, &(WstunClientLogFields){ .event = "peer-timeout" }, "%s",
                    "gone");
  g_assert_cmpstr (field ("PRIORITY"), ==, "4");
  g_assert_cmpstr (field ("MESSAGE"), ==, "gone");
  g_assert_false (g_hash_table_contains (captured, "WSTUN_CLIENT"));
  g_assert_false (g_hash_table_contains (captured, "WSTUN_ADDRESS"));
  g_assert_false (g_hash_table_contains (captured, "WSTUN_TOKEN"));
  g_assert_cmpuint (g_hash_table_size (captured), ==, 4);
}

int
main (int argc, char **argv)
{
  captured = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_log_set_writer_func (capture, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/client-log/fields", test_fields);
  return g_test_run ();
}
