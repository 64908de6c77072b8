/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's reconnection policy: backoff bounds, which failures are
 * retried, the state's names on D-Bus */
#include "config.h"

#include "wstun-client-enums.h"
#include "wstun-connection.h"

static void
test_backoff_bounds (void)
{
  guint prev_max = 0;

  /* the first retry comes within 0.25 to 0.5 s (the issue: within 1 s) */
  g_assert_cmpuint (wstun_connection_retry_delay (0, FALSE, 0.0), ==, 250);
  g_assert_cmpuint (wstun_connection_retry_delay (0, FALSE, 0.999), <=, 500);
  for (guint attempt = 0; attempt < 100; attempt++) {
    guint lo = wstun_connection_retry_delay (attempt, FALSE, 0.0);
    guint hi = wstun_connection_retry_delay (attempt, FALSE, 1.0);

    /* jitter: half to all of the step */
    g_assert_cmpuint (hi, <=, 30000);
    g_assert_cmpuint (lo, ==, hi / 2);
    /* never shorter than the step before: a flapping relay is not hammered */
    g_assert_cmpuint (hi, >=, prev_max);
    prev_max = hi;
  }
  /* the cap is reached, and held (no overflow at large attempt numbers) */
  g_assert_cmpuint (wstun_connection_retry_delay (6, FALSE, 1.0), ==, 30000);
  g_assert_cmpuint (wstun_connection_retry_delay (G_MAXUINT, FALSE, 1.0), ==, 30000);
  g_assert_cmpuint (wstun_connection_retry_delay (G_MAXUINT, FALSE, 0.0), ==, 15000);
  /* out-of-range randomness is clamped, not trusted */
  g_assert_cmpuint (wstun_connection_retry_delay (0, FALSE, 7.0), ==, 500);
  g_assert_cmpuint (wstun_connection_retry_delay (0, FALSE, -1.0), ==, 250);
}

static void
test_backoff_restarting (void)
{
  /* after a 1012 close: back at once, then every 0.25 to 0.5 s */
  g_assert_cmpuint (wstun_connection_retry_delay (0, TRUE, 0.0), ==, 0);
  g_assert_cmpuint (wstun_connection_retry_delay (0, TRUE, 1.0), ==, 250);
  for (guint attempt = 1; attempt < 300; attempt++) {
    g_assert_cmpuint (wstun_connection_retry_delay (attempt, TRUE, 0.0), ==, 250);
    g_assert_cmpuint (wstun_connection_retry_delay (attempt, TRUE, 1.0), ==, 500);
  }
}

static void
test_transient (void)
{
  static const struct {
    WstunFailure failure;
    gboolean transient;
  } cases[] = {
    { WSTUN_FAILURE_UNREACHABLE, TRUE },
    { WSTUN_FAILURE_TIMEOUT, TRUE },
    { WSTUN_FAILURE_REFUSED, TRUE },
    { WSTUN_FAILURE_RELAY_CLOSED, TRUE },
    { WSTUN_FAILURE_AUTH_FAILED, FALSE },
    { WSTUN_FAILURE_TLS_UNTRUSTED, FALSE },
    { WSTUN_FAILURE_TLS_PIN_MISMATCH, FALSE },
    { WSTUN_FAILURE_TLS_EXPIRED, FALSE },
    { WSTUN_FAILURE_PROTOCOL, FALSE },
    { WSTUN_FAILURE_REPLACED, FALSE },
    { WSTUN_FAILURE_DEVICE, FALSE },
    { WSTUN_FAILURE_INTERNAL, FALSE },
    { WSTUN_FAILURE_NONE, FALSE },
  };
  g_autoptr (GEnumClass) klass = g_type_class_ref (WSTUN_TYPE_FAILURE);

  /* every failure is decided here: a new one must be added to the table */
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (cases));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_test_message ("%s", wstun_failure_to_string (cases[i].failure));
    g_assert_cmpint (wstun_failure_is_transient (cases[i].failure), ==, cases[i].transient);
  }
}

static void
test_names (void)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (WSTUN_TYPE_FAILURE);

  g_assert_cmpstr (wstun_connection_state_to_string (WSTUN_CONNECTION_STATE_RECONNECTING), ==,
                   "reconnecting");
  g_assert_cmpstr (wstun_connection_state_to_string (WSTUN_CONNECTION_STATE_DISCONNECTED), ==,
                   "disconnected");
  g_assert_cmpstr (wstun_connection_state_to_string (42), ==, "unknown");
  /* FailureReason on D-Bus is the GEnum nick, but "" for none */
  g_assert_cmpstr (wstun_failure_to_string (WSTUN_FAILURE_NONE), ==, "");
  for (guint i = 1; i < klass->n_values; i++)
    g_assert_cmpstr (wstun_failure_to_string (klass->values[i].value), ==,
                     klass->values[i].value_nick);
}

/* The connection's log lines carry journal fields: a first attempt that
 * cannot reach the relay logs event "failed" with the relay's URL. */
typedef struct {
  GPtrArray *events; /* WSTUN_EVENT values */
  GPtrArray *relays; /* WSTUN_RELAY values */
} Captured;

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  Captured *c = user_data;

  (void) level;
  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal (fields[i].key, "WSTUN_EVENT"))
      g_ptr_array_add (c->events, g_strdup (fields[i].value));
    if (g_str_equal (fields[i].key, "WSTUN_RELAY"))
      g_ptr_array_add (c->relays, g_strdup (fields[i].value));
  }
  return G_LOG_WRITER_HANDLED;
}

static void
test_log_fields (void)
{
  Captured c = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (WstunConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  if (g_test_subprocess ()) {
    /* port 1 on loopback: refused at once */
    connection = wstun_connection_new ("ws://127.0.0.1:1/", &error);
    g_assert_no_error (error);
    g_log_set_writer_func (capture, &c, NULL);
    wstun_connection_start (connection);
    while (wstun_connection_get_state (connection) != WSTUN_CONNECTION_STATE_FAILED &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (wstun_connection_get_state (connection), ==, WSTUN_CONNECTION_STATE_FAILED);
    g_assert_cmpint (wstun_connection_get_failure (connection), ==, WSTUN_FAILURE_UNREACHABLE);
    g_assert_cmpuint (c.events->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (c.events, 0), ==, "failed");
    g_assert_cmpstr (g_ptr_array_index (c.relays, 0), ==, "ws://127.0.0.1:1/");
    g_ptr_array_unref (c.events);
    g_ptr_array_unref (c.relays);
    return;
  }
  /* the writer can be set once per process */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_ptr_array_unref (c.events);
  g_ptr_array_unref (c.relays);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reconnect/backoff/bounds", test_backoff_bounds);
  g_test_add_func ("/reconnect/backoff/restarting", test_backoff_restarting);
  g_test_add_func ("/reconnect/transient", test_transient);
  g_test_add_func ("/reconnect/names", test_names);
  g_test_add_func ("/reconnect/log-fields", test_log_fields);
  return g_test_run ();
}
