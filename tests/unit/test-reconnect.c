/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's reconnection policy: backoff bounds, which failures are
 * retried, the state's names on D-Bus, several relays (the URL list and
 * the first connection's round of it) */
#include "config.h"

#include <string.h>

#include "wstun-client-enums.h"
#include "wstun-connection.h"
#include "wstun-error.h"
#include "wstun-url-list.h"

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

/* @urls (NULL-terminated) is refused with InvalidArgs and a message
 * containing @word */
static void
assert_list_refused (const char *const *urls, const char *word)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunUrlList) list = wstun_url_list_new (urls, &error);

  g_assert_null (list);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_test_message ("%s", error->message);
  if (strstr (error->message, word) == NULL)
    g_error ("the message “%s” does not say “%s”", error->message, word);
}

static void
test_url_list_check (void)
{
  const char *const two[] = { "wss://a.example.net", "wss://b.example.net:8443/t", NULL };
  const char *const none[] = { NULL };
  g_autoptr (GPtrArray) many = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunUrlList) list = NULL;
  gboolean tls = FALSE;

  g_assert_true (wstun_url_list_check (two, &tls, &error));
  g_assert_no_error (error);
  g_assert_true (tls);
  list = wstun_url_list_new (two, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wstun_url_list_get_length (list), ==, 2);
  g_assert_true (g_strv_equal (wstun_url_list_get_urls (list), two));
  /* a new list is at its first URL until started */
  g_assert_cmpstr (wstun_url_list_get_current (list), ==, "wss://a.example.net");

  assert_list_refused (none, "No relay URL");
  assert_list_refused ((const char *const[]){ "ws://a", "ws://b", "ws://a", NULL }, "twice");
  /* a random pick must not decide whether the token is encrypted */
  assert_list_refused ((const char *const[]){ "wss://a", "ws://b", NULL }, "ws://b");
  /* each is checked as one URL is, and named */
  assert_list_refused ((const char *const[]){ "ws://a", "http://b", NULL }, "http://b");
  assert_list_refused ((const char *const[]){ "ws://a", "ws://a b", NULL }, "a b");
  for (guint i = 0; i <= WSTUN_URL_LIST_MAX; i++)
    g_ptr_array_add (many, g_strdup_printf ("ws://relay%u.example.net", i));
  g_ptr_array_add (many, NULL);
  assert_list_refused ((const char *const *) many->pdata, "at most 16");
  /* exactly the most is fine */
  g_free (g_ptr_array_steal_index (many, WSTUN_URL_LIST_MAX));
  g_assert_true (wstun_url_list_check ((const char *const *) many->pdata, &tls, &error));
  g_assert_no_error (error);
  g_assert_false (tls);
}

static void
test_url_list_rotation (void)
{
  const char *const three[] = { "ws://a", "ws://b", "ws://c", NULL };
  const char *const one[] = { "ws://only", NULL };
  g_autoptr (WstunUrlList) list = wstun_url_list_new (three, NULL);
  g_autoptr (WstunUrlList) single = wstun_url_list_new (one, NULL);

  /* round robin from wherever it is, the first after the last */
  g_assert_cmpstr (wstun_url_list_advance (list), ==, "ws://b");
  g_assert_cmpstr (wstun_url_list_advance (list), ==, "ws://c");
  g_assert_cmpuint (wstun_url_list_get_index (list), ==, 2);
  g_assert_cmpstr (wstun_url_list_advance (list), ==, "ws://a");
  g_assert_cmpstr (wstun_url_list_get_current (list), ==, "ws://a");
  for (guint start = 0; start < 3; start++) {
    guint seen = 0;

    while (wstun_url_list_get_index (list) != start)
      wstun_url_list_advance (list);
    /* from any start, n moves visit each URL once and come back */
    for (guint i = 0; i < 3; i++) {
      seen |= 1u << wstun_url_list_get_index (list);
      wstun_url_list_advance (list);
    }
    g_assert_cmpuint (seen, ==, 7);
    g_assert_cmpuint (wstun_url_list_get_index (list), ==, start);
  }
  /* one URL: the same again, as a single relay always was */
  g_assert_cmpstr (wstun_url_list_advance (single), ==, "ws://only");
  g_assert_cmpstr (wstun_url_list_start_random (single), ==, "ws://only");
}

static void
test_url_list_random_start (void)
{
  const char *const three[] = { "ws://a", "ws://b", "ws://c", NULL };
  g_autoptr (WstunUrlList) list = wstun_url_list_new (three, NULL);
  guint count[3] = { 0 };

  /* clients given the same list spread over it: 3,000 starts put at least
   * 800 on each relay (expected 1,000; sd 26) */
  for (guint i = 0; i < 3000; i++) {
    const char *url = wstun_url_list_start_random (list);

    g_assert_cmpstr (url, ==, three[wstun_url_list_get_index (list)]);
    count[wstun_url_list_get_index (list)]++;
  }
  for (guint i = 0; i < 3; i++) {
    g_test_message ("%s: %u", three[i], count[i]);
    g_assert_cmpuint (count[i], >=, 800);
  }
}

static void
on_url (WstunConnection *connection, GParamSpec *pspec, GPtrArray *urls)
{
  (void) pspec;
  g_ptr_array_add (urls, g_strdup (wstun_connection_get_url (connection)));
}

/* The first connection tries each relay once, at once, and then fails
 * with the last reason: three refusing relays, each tried, in turn from
 * wherever it started, "url" notified at each move. */
static void
test_first_connection_round (void)
{
  const char *const urls[] = { "ws://127.0.0.1:1/", "ws://127.0.0.1:2/", "ws://127.0.0.1:3/",
                               NULL };
  Captured c = { g_ptr_array_new_with_free_func (g_free), g_ptr_array_new_with_free_func (g_free) };
  g_autoptr (GPtrArray) notified = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (WstunConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint first;

  if (g_test_subprocess ()) {
    connection = wstun_connection_new_for_urls (urls, &error);
    g_assert_no_error (error);
    g_assert_true (g_strv_equal (wstun_connection_get_urls (connection), urls));
    g_signal_connect (connection, "notify::url", G_CALLBACK (on_url), notified);
    g_log_set_writer_func (capture, &c, NULL);
    wstun_connection_start (connection);
    while (wstun_connection_get_state (connection) != WSTUN_CONNECTION_STATE_FAILED &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (wstun_connection_get_state (connection), ==, WSTUN_CONNECTION_STATE_FAILED);
    g_assert_cmpint (wstun_connection_get_failure (connection), ==, WSTUN_FAILURE_UNREACHABLE);
    /* the start, then two moves */
    g_assert_cmpuint (notified->len, ==, 3);
    for (first = 0; first < 3; first++) {
      if (g_str_equal (g_ptr_array_index (notified, 0), urls[first]))
        break;
    }
    g_assert_cmpuint (first, <, 3);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpstr (g_ptr_array_index (notified, i), ==, urls[(first + i) % 3]);
    /* lost and on to the next, twice; then the last one fails it */
    g_assert_cmpuint (c.events->len, ==, 5);
    g_assert_cmpstr (g_ptr_array_index (c.events, 0), ==, "lost");
    g_assert_cmpstr (g_ptr_array_index (c.relays, 0), ==, urls[first]);
    g_assert_cmpstr (g_ptr_array_index (c.events, 2), ==, "lost");
    g_assert_cmpstr (g_ptr_array_index (c.relays, 2), ==, urls[(first + 1) % 3]);
    g_assert_cmpstr (g_ptr_array_index (c.events, 4), ==, "failed");
    g_assert_cmpstr (g_ptr_array_index (c.relays, 4), ==, urls[(first + 2) % 3]);
    g_assert_nonnull (strstr (wstun_connection_get_last_error (connection), urls[(first + 2) % 3]));
    g_assert_cmpstr (wstun_connection_get_url (connection), ==, urls[(first + 2) % 3]);
    g_ptr_array_unref (c.events);
    g_ptr_array_unref (c.relays);
    return;
  }
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
  g_test_add_func ("/reconnect/url-list/check", test_url_list_check);
  g_test_add_func ("/reconnect/url-list/rotation", test_url_list_rotation);
  g_test_add_func ("/reconnect/url-list/random-start", test_url_list_random_start);
  g_test_add_func ("/reconnect/url-list/first-connection", test_first_connection_round);
  return g_test_run ();
}
