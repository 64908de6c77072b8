/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.wstun.Connect's settings, the error names callers see, token files,
 * and the connection manager, all without a bus. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "wstun-dbus-error.h"
#include "wstun-dbus-reply.h"
#include "wstun-error.h"
#include "wstun-manager.h"
#include "wstun-settings.h"
#include "wstun-token-file.h"

static GVariant *
parse_text (const char *text)
{
  g_autoptr (GError) error = NULL;
  GVariant *v = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

  g_assert_no_error (error);
  return g_variant_ref_sink (v);
}

/* the settings from @text (GVariant text format), or NULL and @error */
static WstunSettings *
settings_from (const char *text, GError **error)
{
  g_autoptr (GVariant) v = parse_text (text);

  return wstun_settings_new_from_variant (v, error);
}

/* @text is refused with InvalidArgs and a message containing @word */
static void
assert_refused (const char *text, const char *word)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) settings = settings_from (text, &error);

  g_assert_null (settings);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  if (strstr (error->message, word) == NULL)
    g_error ("“%s”: the message “%s” does not name “%s”", text, error->message, word);
  g_test_message ("%s -> %s", text, error->message);
}

static void
test_settings_all (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *text = NULL;
  int fd = g_file_open_tmp ("wstun-ca-XXXXXX.pem", &ca_file, &error);

  g_assert_no_error (error);
  close (fd);
  text = g_strdup_printf ("{'url': <'wss://relay.example.net:8443/t'>, 'token': <'s3cret'>, "
                          "'ca-file': <'%s'>, 'interface': <'vpn0'>, 'manage-ip': <false>, "
                          "'mtu': <uint32 1400>, 'bind-to-caller': <true>}",
                          ca_file);
  s = settings_from (text, &error);
  g_unlink (ca_file);
  g_assert_no_error (error);
  g_assert_cmpstr (s->ca_file, ==, ca_file);
  g_assert_cmpstr (s->url, ==, "wss://relay.example.net:8443/t");
  g_assert_cmpstr (s->token, ==, "s3cret");
  g_assert_cmpstr (s->interface, ==, "vpn0");
  g_assert_false (s->manage_ip);
  g_assert_cmpuint (s->mtu, ==, 1400);
  g_assert_true (s->bind_to_caller);
  g_assert_null (s->pin_sha256);
}

static void
test_settings_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = settings_from ("{'url': <'ws://relay'>}", &error);

  g_assert_no_error (error);
  g_assert_true (s->manage_ip);
  g_assert_false (s->bind_to_caller);
  g_assert_cmpuint (s->mtu, ==, 0);
  g_assert_null (s->token);
  g_assert_null (s->ca_file);
  g_assert_null (s->interface);

  /* empty strings mean "not set" */
  g_clear_pointer (&s, wstun_settings_free);
  s = settings_from ("{'url': <'ws://relay'>, 'token': <''>, 'interface': <''>, 'ca-file': <''>}",
                     &error);
  g_assert_no_error (error);
  g_assert_null (s->token);
  g_assert_null (s->interface);
  g_assert_null (s->ca_file);
}

static void
test_settings_keys_and_types (void)
{
  assert_refused ("{'url': <'ws://relay'>, 'colour': <'red'>}", "colour");
  assert_refused ("{'url': <'ws://relay'>, 'URL': <'ws://relay'>}", "URL");
  assert_refused ("{'url': <42>}", "url");
  assert_refused ("{'url': <'ws://relay'>, 'mtu': <1400>}", "mtu"); /* i, not u */
  assert_refused ("{'url': <'ws://relay'>, 'manage-ip': <1>}", "manage-ip");
  assert_refused ("{'url': <'ws://relay'>, 'bind-to-caller': <'yes'>}", "bind-to-caller");
  assert_refused ("{'url': <'ws://relay'>, 'token': <['a']>}", "token");
  assert_refused ("{'url': <'ws://a'>, 'url': <'ws://b'>}", "twice");
  assert_refused ("{'token': <'x'>}", "url");
  assert_refused ("@a{sv} {}", "url");
  assert_refused ("{'url': <''>}", "url");
}

static void
test_settings_values (void)
{
  g_autoptr (GError) error = NULL;
  const char *good_mtus[] = { "0", "68", "1500", "65535" };
  const char *bad_mtus[] = { "1", "67", "65536", "4294967295" };
  const char *good_names[] = { "wstun0", "vpn-office", "a", "wstun%d", "abcdefghijklmno" };
  const char *bad_names[] = { "abcdefghijklmnop", "a/b", "a:b", "a b", ".", "..", "t\\tab" };

  for (gsize i = 0; i < G_N_ELEMENTS (good_mtus); i++) {
    g_autofree char *text =
      g_strdup_printf ("{'url': <'ws://r'>, 'mtu': <uint32 %s>}", good_mtus[i]);
    g_autoptr (WstunSettings) s = settings_from (text, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (s->mtu, ==, g_ascii_strtoull (good_mtus[i], NULL, 10));
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_mtus); i++) {
    g_autofree char *text =
      g_strdup_printf ("{'url': <'ws://r'>, 'mtu': <uint32 %s>}", bad_mtus[i]);
    assert_refused (text, "mtu");
  }
  for (gsize i = 0; i < G_N_ELEMENTS (good_names); i++) {
    g_autofree char *text =
      g_strdup_printf ("{'url': <'ws://r'>, 'interface': <'%s'>}", good_names[i]);
    g_autoptr (WstunSettings) s = settings_from (text, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (s->interface, ==, good_names[i]);
  }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++) {
    g_autofree char *text =
      g_strdup_printf ("{'url': <'ws://r'>, 'interface': <'%s'>}", bad_names[i]);
    assert_refused (text, "interface");
  }
  assert_refused ("{'url': <'ws://r'>, 'token': <'a\\nHost: evil'>}", "token");
  assert_refused ("{'url': <'ws://r'>, 'ca-file': <'ca.pem'>}", "absolute");
  assert_refused ("{'url': <'ws://r'>, 'ca-file': <'/nonexistent/ca.pem'>}", "ca-file");
  assert_refused ("{'url': <'ws://r'>, 'ca-file': <'/'>}", "ca-file");
}

/* what the client core checks: the URL and the key pin */
static void
test_settings_connection (void)
{
  const char *bad_urls[] = {
    "http://relay",
    "relay:80",
    "ws://",
    "wss:///x",
    "ws://relay:99999",
    "ws://relay:0",   /* no port 0 */
    "ws://re lay/",   /* not a host name */
    "ws://re%20lay/", /* nor when escaped */
    "ws://re$lay/",
    "ws://-relay/",
    "ws://relay..example/",
    "ws://user:secret@relay/", /* credentials belong in the token, not a URL */
    "ws://relay/#x",           /* a fragment is never sent */
  };
  const char *good_urls[] = {
    "ws://198.18.0.1",        "ws://[fd00:99::1]:8080/", "wss://relay.example.net.:8443/t?room=1",
    "wss://RELAY-1.example/", "wss://bücher.example/",   "ws://relay_1/",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = NULL;
  g_autoptr (WstunConnection) connection = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_urls); i++) {
    g_autofree char *text = g_strdup_printf ("{'url': <'%s'>}", bad_urls[i]);
    g_autoptr (WstunSettings) bad = settings_from (text, &error);
    g_autoptr (WstunConnection) none = NULL;

    g_assert_no_error (error);
    none = wstun_settings_create_connection (bad, &error);
    g_assert_null (none);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_assert_nonnull (strstr (error->message, "“url”"));
    g_test_message ("%s -> %s", bad_urls[i], error->message);
    g_clear_error (&error);
  }

  for (gsize i = 0; i < G_N_ELEMENTS (good_urls); i++) {
    g_autoptr (WstunConnection) ok = wstun_connection_new (good_urls[i], &error);

    g_assert_no_error (error);
    g_assert_nonnull (ok);
  }

  s = settings_from ("{'url': <'ws://r'>, 'pin-sha256': <'not a pin'>}", &error);
  g_assert_no_error (error);
  connection = wstun_settings_create_connection (s, &error);
  g_assert_null (connection);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "pin-sha256"));
  g_clear_error (&error);
  g_clear_pointer (&s, wstun_settings_free);

  s = settings_from ("{'url': <'ws://relay.example.net:8080/x'>, 'interface': <'vpn7'>}", &error);
  g_assert_no_error (error);
  connection = wstun_settings_create_connection (s, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wstun_connection_get_url (connection), ==, "ws://relay.example.net:8080/x");
  g_assert_cmpuint (wstun_connection_get_state (connection), ==,
                    WSTUN_CONNECTION_STATE_DISCONNECTED);
}

static void
test_error_mapping (void)
{
  static const struct {
    GQuark domain;
    int code;
    const char *name;
  } cases[] = {
    { 0, WSTUN_ERROR_INVALID_ARGS, "org.wstun.Error.InvalidArgs" },
    { 0, WSTUN_ERROR_NOT_AUTHORIZED, "org.wstun.Error.NotAuthorized" },
    { 0, WSTUN_ERROR_NOT_FOUND, "org.wstun.Error.NotFound" },
    { 0, WSTUN_ERROR_FAILED, "org.wstun.Error.Failed" },
    { 0, WSTUN_ERROR_PROTOCOL, "org.wstun.Error.Failed" },
    { 0, WSTUN_ERROR_REFUSED, "org.wstun.Error.Failed" },
    { 0, WSTUN_ERROR_TIMED_OUT, "org.wstun.Error.Failed" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) internal = g_error_new (WSTUN_ERROR, cases[i].code, "case %zu", i);
    g_autoptr (GError) converted = wstun_dbus_error_convert (internal);
    g_autofree char *name = g_dbus_error_encode_gerror (converted);
    g_autoptr (GError) remote = NULL;

    g_assert_cmpstr (name, ==, cases[i].name);
    g_assert_cmpstr (converted->message, ==, internal->message);
    /* and back, as a caller linking the bindings sees it */
    remote = g_dbus_error_new_for_dbus_error (name, "why");
    g_assert_true (remote->domain == WSTUN_DBUS_ERROR);
    g_assert_cmpint (remote->code, ==, converted->code);
  }
  {
    g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no");
    g_autoptr (GError) converted = wstun_dbus_error_convert (io);
    g_autofree char *name = g_dbus_error_encode_gerror (converted);

    g_assert_cmpstr (name, ==, "org.wstun.Error.Failed");
  }
  {
    g_autoptr (GError) same =
      g_error_new_literal (WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND, "gone");
    g_autoptr (GError) converted = wstun_dbus_error_convert (same);

    g_assert_error (converted, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND);
  }
}

static char *
write_token (const char *dir, const char *name, const char *contents, int mode)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
test_token_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wstun-token-XXXXXX", &error);
  g_autofree char *good = write_token (dir, "good", "s3cret\n", 0600);
  g_autofree char *crlf = write_token (dir, "crlf", "s3cret\r\n", 0640);
  g_autofree char *open = write_token (dir, "open", "s3cret\n", 0644);
  g_autofree char *empty = write_token (dir, "empty", "\n", 0600);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *token = NULL;

  g_assert_no_error (error);
  token = wstun_token_file_read (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "s3cret");
  g_clear_pointer (&token, g_free);
  token = wstun_token_file_read (crlf, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "s3cret");
  g_clear_pointer (&token, g_free);

  token = wstun_token_file_read (open, &error);
  g_assert_null (token);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "every user"));
  g_clear_error (&error);
  token = wstun_token_file_read (empty, &error);
  g_assert_null (token);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  token = wstun_token_file_read (missing, &error);
  g_assert_null (token);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  token = wstun_token_file_read (dir, &error);
  g_assert_null (token);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  for (const char *const *p = (const char *const[]){ good, crlf, open, empty, NULL }; *p; p++)
    g_unlink (*p);
  g_rmdir (dir);
}

/* the manager, without a bus: a connection that fails (nothing listens)
 * stays listed until it is removed; removing completes after
 * "connection-removed" */
typedef struct {
  GMainLoop *loop;
  guint removed_id;
  gboolean done;
} ManagerTest;

static void
on_removed (WstunManager *manager, guint id, WstunConnection *connection, ManagerTest *t)
{
  (void) manager;
  (void) connection;
  t->removed_id = id;
}

static void
on_remove_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ManagerTest *t = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (wstun_manager_remove_finish (WSTUN_MANAGER (source), result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (t->removed_id, ==, 1); /* the signal came first */
  t->done = TRUE;
  g_main_loop_quit (t->loop);
}

static void
on_not_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ManagerTest *t = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_false (wstun_manager_remove_finish (WSTUN_MANAGER (source), result, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_FOUND);
  g_main_loop_quit (t->loop);
}

static void
on_failed (WstunConnection *connection, GParamSpec *pspec, ManagerTest *t)
{
  (void) pspec;
  if (wstun_connection_get_state (connection) == WSTUN_CONNECTION_STATE_FAILED)
    g_main_loop_quit (t->loop);
}

static void
test_manager (void)
{
  g_autoptr (WstunManager) manager = wstun_manager_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) bad = settings_from ("{'url': <'http://x'>}", &error);
  g_autoptr (WstunSettings) good = settings_from ("{'url': <'ws://127.0.0.1:1'>}", &error);
  ManagerTest t = { .loop = loop };
  WstunConnection *connection;
  guint id;

  g_assert_no_error (error);
  g_signal_connect (manager, "connection-removed", G_CALLBACK (on_removed), &t);

  g_assert_cmpuint (wstun_manager_add (manager, bad, &error), ==, 0);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_cmpuint (wstun_manager_get_n_connections (manager), ==, 0);

  id = wstun_manager_add (manager, good, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, ==, 1);
  connection = wstun_manager_lookup (manager, id);
  g_assert_nonnull (connection);
  g_assert_cmpuint (wstun_connection_get_state (connection), ==, WSTUN_CONNECTION_STATE_CONNECTING);
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_failed), &t);
  g_test_expect_message ("wstund", G_LOG_LEVEL_WARNING, "*Cannot connect to ws://127.0.0.1:1*");
  g_main_loop_run (loop);
  g_test_assert_expected_messages ();
  g_signal_handlers_disconnect_by_data (connection, &t);
  /* failed by itself: still listed, with why */
  g_assert_cmpuint (wstun_manager_get_n_connections (manager), ==, 1);
  g_assert_nonnull (wstun_connection_get_last_error (connection));
  g_test_message ("failed: %s", wstun_connection_get_last_error (connection));

  wstun_manager_remove_async (manager, id, NULL, on_remove_done, &t);
  g_main_loop_run (loop);
  g_assert_true (t.done);
  g_assert_cmpuint (wstun_manager_get_n_connections (manager), ==, 0);
  g_assert_null (wstun_manager_lookup (manager, id));

  wstun_manager_remove_async (manager, id, NULL, on_not_found, &t);
  g_main_loop_run (loop);
  /* ids are not reused */
  g_assert_cmpuint (wstun_manager_add (manager, good, &error), ==, 2);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dbus/settings/all", test_settings_all);
  g_test_add_func ("/dbus/settings/defaults", test_settings_defaults);
  g_test_add_func ("/dbus/settings/keys-and-types", test_settings_keys_and_types);
  g_test_add_func ("/dbus/settings/values", test_settings_values);
  g_test_add_func ("/dbus/settings/connection", test_settings_connection);
  g_test_add_func ("/dbus/errors", test_error_mapping);
  g_test_add_func ("/dbus/token-file", test_token_file);
  g_test_add_func ("/dbus/manager", test_manager);
  return g_test_run ();
}
