/* SPDX-License-Identifier: GPL-2.0-or-later */
/* org.wstun.Connect's settings, the error names callers see, token files,
 * and the connection manager, all without a bus. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wstun-ca.h"
#include "wstun-control.h"
#include "wstun-dbus-connection.h"
#include "wstun-dbus-error.h"
#include "wstun-dbus-manager.h"
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

  /* the file is not opened yet: that is wstun_settings_load_async()'s */
  s = settings_from ("{'url': <'wss://relay.example.net:8443/t'>, 'token': <'s3cret'>, "
                     "'ca-file': <'/etc/wstun/ca.pem'>, 'interface': <'vpn0'>, "
                     "'manage-ip': <false>, 'mtu': <uint32 1400>, 'bind-to-caller': <true>, "
                     "'reconnect': <false>}",
                     &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s->ca_file, ==, "/etc/wstun/ca.pem");
  g_assert_null (s->ca);
  g_assert_true (s->tls);
  g_assert_cmpstr (s->url, ==, "wss://relay.example.net:8443/t");
  g_assert_cmpstr (s->token, ==, "s3cret");
  g_assert_cmpstr (s->interface, ==, "vpn0");
  g_assert_false (s->manage_ip);
  g_assert_cmpuint (s->mtu, ==, 1400);
  g_assert_true (s->bind_to_caller);
  g_assert_false (s->reconnect);
  g_assert_null (s->pin_sha256);
}

static void
test_settings_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = settings_from ("{'url': <'ws://relay'>}", &error);

  g_assert_no_error (error);
  g_assert_true (s->manage_ip);
  g_assert_true (s->reconnect);
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
  assert_refused ("{'url': <'ws://relay'>, 'reconnect': <'no'>}", "reconnect");
  assert_refused ("{'url': <'ws://relay'>, 'token': <['a']>}", "token");
  assert_refused ("{'url': <'ws://a'>, 'url': <'ws://b'>}", "twice");
  assert_refused ("{'token': <'x'>}", "url");
  assert_refused ("@a{sv} {}", "url");
  assert_refused ("{'url': <''>}", "url");
}

/* Several relays: the list "urls" instead of "url" (never both), each
 * URL checked as "url" is, one scheme, none twice, at most 16, the array's
 * length refused before its strings are looked at */
static void
test_settings_urls (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = NULL;
  g_autoptr (WstunConnection) connection = NULL;
  g_auto (GVariantBuilder) huge = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("as"));
  g_autoptr (GVariant) v = NULL;
  const char *const both[] = { "wss://a.example.net", "wss://b.example.net:8443/t", NULL };

  s = settings_from ("{'urls': <['wss://a.example.net', 'wss://b.example.net:8443/t']>, "
                     "'pin-sha256': <'47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='>}",
                     &error);
  g_assert_no_error (error);
  g_assert_true (s->tls);
  g_assert_cmpstr (s->url, ==, "wss://a.example.net");
  g_assert_true (g_strv_equal ((const char *const *) s->urls, both));
  connection = wstun_settings_create_connection (s, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal (wstun_connection_get_urls (connection), both));
  /* one relay: urls holds it alone */
  g_clear_pointer (&s, wstun_settings_free);
  s = settings_from ("{'url': <'ws://relay'>}", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (s->urls), ==, 1);
  g_assert_cmpstr (s->urls[0], ==, "ws://relay");
  g_clear_pointer (&s, wstun_settings_free);
  s = settings_from ("{'urls': <['ws://relay']>}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s->url, ==, "ws://relay");

  assert_refused ("{'url': <'ws://a'>, 'urls': <['ws://b']>}", "not both");
  assert_refused ("{'urls': <['ws://b']>, 'url': <'ws://a'>}", "not both");
  assert_refused ("{'urls': <@as []>}", "urls");
  assert_refused ("{'urls': <['ws://a', '']>}", "urls");
  assert_refused ("{'urls': <['ws://a', 'ws://a']>}", "twice");
  assert_refused ("{'urls': <['wss://a', 'ws://b']>}", "ws://b");
  assert_refused ("{'urls': <['ws://a', 'ftp://b']>}", "ftp://b");
  assert_refused ("{'urls': <['ws://a', 'ws://b\\n']>}", "control character");
  assert_refused ("{'urls': <'ws://a'>}", "urls");
  assert_refused ("{'urls': <['ws://a', 'ws://b']>, "
                  "'pin-sha256': <'47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='>}",
                  "wss://");
  /* a million URLs: refused by their number, quickly */
  for (guint i = 0; i < 1000000; i++)
    g_variant_builder_add (&huge, "s", "ws://a");
  {
    g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    g_variant_builder_add (&b, "{sv}", "urls", g_variant_builder_end (&huge));
    v = g_variant_ref_sink (g_variant_builder_end (&b));
  }
  g_clear_pointer (&s, wstun_settings_free);
  s = wstun_settings_new_from_variant (v, &error);
  g_assert_null (s);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "at most 16"));
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
  assert_refused ("{'url': <'wss://r'>, 'ca': <b'x'>, 'ca-file': <'/ca.pem'>}", "not both");
}

/* a{sv} with one string setting @key = @value (any bytes but NUL) */
static GVariant *
one_string (const char *key, const char *value)
{
  g_auto (GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (g_strcmp0 (key, "url") != 0)
    g_variant_builder_add (&builder, "{sv}", "url", g_variant_new_string ("wss://relay"));
  g_variant_builder_add (&builder, "{sv}", key, g_variant_new_string (value));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* @key = @value is refused with InvalidArgs naming @key, in a short message
 * without control characters */
static void
assert_string_refused (const char *key, const char *value)
{
  g_autoptr (GVariant) v = one_string (key, value);
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = wstun_settings_new_from_variant (v, &error);
  g_autofree char *quoted = g_strdup_printf ("“%s”", key);

  g_assert_null (s);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, quoted));
  g_assert_cmpuint (strlen (error->message), <, 400);
  for (const char *p = error->message; *p != '\0'; p++)
    g_assert_false (g_ascii_iscntrl (*p));
  g_test_message ("%s: %s", key, error->message);
}

static void
assert_string_accepted (const char *key, const char *value)
{
  g_autoptr (GVariant) v = one_string (key, value);
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) s = wstun_settings_new_from_variant (v, &error);

  g_assert_no_error (error);
  g_assert_nonnull (s);
}

/* data/org.wstun.xml's bounds, and control characters, for every string */
static void
test_settings_bounds (void)
{
  static const char *const controls[] = { "\x1b]0;owned\x07", "a\nb",          "a\rb", "a\x7f",
                                          "a\xc2\x85",        "a\xe2\x80\xa8", "a\tb" };
  static const struct {
    const char *key;
    gsize max;
    char fill;
  } strings[] = {
    { "url", WSTUN_SETTINGS_URL_MAX, 'a' },        { "token", WSTUN_SETTINGS_TOKEN_MAX, 't' },
    { "ca-file", WSTUN_SETTINGS_PATH_MAX, 'c' },   { "interface", 15, 'i' },
    { "pin-sha256", WSTUN_SETTINGS_PIN_MAX, 'p' },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++) {
    const char *key = strings[i].key;
    g_autofree char *big = g_malloc (1024 * 1024 + 1);

    memset (big, strings[i].fill, 1024 * 1024);
    big[1024 * 1024] = '\0';
    /* the message quotes none of a megabyte */
    assert_string_refused (key, big);
    big[strings[i].max + 1] = '\0';
    assert_string_refused (key, big);
    for (gsize c = 0; c < G_N_ELEMENTS (controls); c++) {
      g_autofree char *value = NULL;

      if (g_str_equal (key, "url"))
        value = g_strconcat ("wss://relay/", controls[c], NULL);
      else if (g_str_equal (key, "ca-file"))
        value = g_strconcat ("/", controls[c], NULL);
      else
        value = g_strdup (controls[c]);
      assert_string_refused (key, value);
    }
  }
  /* at the limits */
  {
    g_autofree char *url = g_strnfill (WSTUN_SETTINGS_URL_MAX, 'a');
    g_autofree char *token = g_strnfill (WSTUN_SETTINGS_TOKEN_MAX, 'T');

    memcpy (url, "wss://relay/", strlen ("wss://relay/"));
    assert_string_accepted ("url", url);
    assert_string_accepted ("token", token);
    assert_string_accepted ("interface", "abcdefghijklmno");
  }
  /* RFC 6750 tokens */
  assert_string_accepted ("token", "wst_AbC-123_x");
  assert_string_accepted ("token", "a.b~c+d/e==");
  assert_string_refused ("token", "=abc");
  assert_string_refused ("token", "a b");
  assert_string_refused ("token", "a=b");
  assert_string_refused ("token", "t\xc3\xa9");
  assert_string_refused ("token", "x\xc2\x85"); /* U+0085, NEL */
  /* an unknown key's name is quoted short too */
  {
    g_autofree char *key = g_strnfill (1024 * 1024, 'k');
    g_autoptr (GVariant) v = one_string (key, "x");
    g_autoptr (GError) error = NULL;
    g_autoptr (WstunSettings) s = wstun_settings_new_from_variant (v, &error);

    g_assert_null (s);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_assert_cmpuint (strlen (error->message), <, 400);
  }
  /* ca: bytes, at most WSTUN_CA_MAX_SIZE */
  {
    g_autofree guint8 *big = g_malloc0 (WSTUN_CA_MAX_SIZE + 1);
    g_auto (GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
    g_autoptr (GVariant) v = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (WstunSettings) s = NULL;

    g_variant_builder_add (&builder, "{sv}", "url", g_variant_new_string ("wss://relay"));
    g_variant_builder_add (
      &builder, "{sv}", "ca",
      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, big, WSTUN_CA_MAX_SIZE + 1, 1));
    v = g_variant_ref_sink (g_variant_builder_end (&builder));
    s = wstun_settings_new_from_variant (v, &error);
    g_assert_null (s);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_assert_nonnull (strstr (error->message, "“ca”"));
  }
}

#define PIN "q4xVGSwhGjwZ1Ic5ZzJBfU5Zf4M2TDIJUYXsc4/7hGU="

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

  /* refused before Connect does anything */
  for (gsize i = 0; i < G_N_ELEMENTS (bad_urls); i++) {
    g_autofree char *text = g_strdup_printf ("{'url': <'%s'>}", bad_urls[i]);

    assert_refused (text, "“url”");
  }

  for (gsize i = 0; i < G_N_ELEMENTS (good_urls); i++) {
    g_autoptr (WstunConnection) ok = wstun_connection_new (good_urls[i], &error);

    g_assert_no_error (error);
    g_assert_nonnull (ok);
  }

  assert_refused ("{'url': <'wss://r'>, 'pin-sha256': <'not a pin'>}", "pin-sha256");
  /* a pin is checked in the TLS handshake: a ws:// URL has none */
  assert_refused ("{'url': <'ws://r'>, 'pin-sha256': <'" PIN "'>}", "wss://");
  s = settings_from ("{'url': <'wss://r'>, 'pin-sha256': <'sha256//" PIN "'>}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s->pin_sha256, ==, PIN);
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
test_settings_caller (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) file =
    settings_from ("{'url': <'wss://r'>, 'ca-file': <'/etc/shadow'>}", &error);
  g_autoptr (WstunSettings) bytes = settings_from ("{'url': <'wss://r'>, 'ca': <b'x'>}", &error);

  g_assert_no_error (error);
  /* wstund reads ca-file as root: for root alone */
  g_assert_true (wstun_settings_check_caller (file, 0, &error));
  g_assert_no_error (error);
  g_assert_false (wstun_settings_check_caller (file, 1000, &error));
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_AUTHORIZED);
  g_clear_error (&error);
  g_assert_true (wstun_settings_check_caller (bytes, 1000, &error));
  g_assert_no_error (error);
}

static char *
test_pem (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "tls", name, NULL);
}

typedef struct {
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} LoadTest;

static void
on_settings_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadTest *t = user_data;

  (void) source;
  t->ok = wstun_settings_load_finish (g_task_get_task_data (G_TASK (result)), result, &t->error);
  g_main_loop_quit (t->loop);
}

/* loads @settings as Connect does; FALSE and @error when refused */
static gboolean
load (WstunSettings *settings, GError **error)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  LoadTest t = { .loop = loop };

  wstun_settings_load_async (settings, NULL, on_settings_loaded, &t);
  g_main_loop_run (loop);
  if (t.error != NULL)
    g_propagate_error (error, t.error);
  return t.ok;
}

/* the CA from a{sv} @text, loaded: NULL and @error when refused */
static GTlsDatabase *
load_text (const char *text, GError **error)
{
  g_autoptr (WstunSettings) s = settings_from (text, error);

  if (s == NULL || !load (s, error))
    return NULL;
  g_assert_null (s->ca); /* the PEM text is dropped once parsed */
  return g_object_ref (s->ca_database);
}

static void
assert_ca_refused (const char *text, const char *key, const char *word)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsDatabase) db = load_text (text, &error);
  g_autofree char *quoted = g_strdup_printf ("“%s”", key);

  g_assert_null (db);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, quoted));
  if (strstr (error->message, word) == NULL)
    g_error ("“%s”: the message “%s” does not say “%s”", text, error->message, word);
  g_test_message ("%s -> %s", text, error->message);
}

static void
test_settings_ca (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pem_path = test_pem ("ec.pem");
  g_autofree char *pem = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wstun-ca-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *big = g_build_filename (dir, "big.pem", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk", NULL);
  g_autofree char *text = NULL;
  g_autofree char *big_text = NULL;
  g_autoptr (GTlsDatabase) db = NULL;
  gsize len;

  g_assert_no_error (error);
  g_file_get_contents (pem_path, &pem, &len, &error);
  g_assert_no_error (error);

  /* PEM text, as wstunctl and NetworkManager's plugin pass it */
  {
    g_autoptr (GVariant) bytes = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, pem, len, 1);
    g_autofree char *printed = g_variant_print (bytes, TRUE);

    text = g_strdup_printf ("{'url': <'wss://r'>, 'ca': <%s>}", printed);
  }
  db = load_text (text, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_DATABASE (db));
  g_clear_object (&db);
  /* a file, as root gives it */
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{'url': <'wss://r'>, 'ca-file': <'%s'>}", pem_path);
  db = load_text (text, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_TLS_DATABASE (db));
  g_clear_object (&db);

  /* not certificates: nothing of them is repeated */
  assert_ca_refused ("{'url': <'wss://r'>, 'ca': <b'root:$6$secret:19000:0:99999:7:::'>}", "ca",
                     "no PEM certificate");
  assert_ca_refused ("{'url': <'wss://r'>, 'ca': <b'-----BEGIN CERTIFICATE-----\\nAAAA\\n"
                     "-----END CERTIFICATE-----\\n'>}",
                     "ca", "certificate");
  g_file_set_contents (junk, "root:x:0:0:root:/root:/bin/bash\n", -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{'url': <'wss://r'>, 'ca-file': <'%s'>}", junk);
  assert_ca_refused (text, "ca-file", "no PEM certificate");
  /* what is no regular file is not read: a FIFO would block */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{'url': <'wss://r'>, 'ca-file': <'%s'>}", fifo);
  assert_ca_refused (text, "ca-file", "not a regular file");
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{'url': <'wss://r'>, 'ca-file': <'%s'>}", dir);
  assert_ca_refused (text, "ca-file", "not a regular file");
  /* bounded: a file one byte too big is refused before it is read */
  big_text = g_strnfill (WSTUN_CA_MAX_SIZE + 1, '\n');
  memcpy (big_text, pem, len);
  g_file_set_contents (big, big_text, WSTUN_CA_MAX_SIZE + 1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{'url': <'wss://r'>, 'ca-file': <'%s'>}", big);
  assert_ca_refused (text, "ca-file", "larger than");
  /* and at the limit, accepted */
  g_assert_cmpint (truncate (big, WSTUN_CA_MAX_SIZE), ==, 0);
  db = load_text (text, &error);
  g_assert_no_error (error);
  g_clear_object (&db);
  /* a missing file */
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{'url': <'wss://r'>, 'ca-file': <'%s/missing'>}", dir);
  db = load_text (text, &error);
  g_assert_null (db);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "cannot open"));
  g_clear_error (&error);

  for (const char *const *p = (const char *const[]){ fifo, big, junk, NULL }; *p; p++)
    g_unlink (*p);
  g_rmdir (dir);
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
    { 0, WSTUN_ERROR_LIMIT_EXCEEDED, "org.wstun.Error.LimitExceeded" },
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
  g_assert_cmpuint (t->removed_id, !=, 0); /* the signal came first */
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
  g_autoptr (WstunSettings) bad =
    settings_from ("{'url': <'ws://x'>, 'interface': <'lo'>}", &error);
  g_autoptr (WstunSettings) good =
    settings_from ("{'url': <'ws://127.0.0.1:1'>, 'interface': <'wstuntest0'>}", &error);
  ManagerTest t = { .loop = loop };
  WstunConnection *connection;
  guint id;

  g_assert_no_error (error);
  g_signal_connect (manager, "connection-removed", G_CALLBACK (on_removed), &t);

  /* an interface that exists is refused before anything starts */
  g_assert_cmpuint (wstun_manager_add (manager, bad, &error), ==, 0);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "exists"));
  g_clear_error (&error);
  g_assert_cmpuint (wstun_manager_get_n_connections (manager), ==, 0);

  id = wstun_manager_add (manager, good, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id, ==, 1);
  /* and one another connection wishes for */
  g_assert_cmpuint (wstun_manager_add (manager, good, &error), ==, 0);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "connection 1"));
  g_clear_error (&error);
  connection = wstun_manager_lookup (manager, id);
  g_assert_nonnull (connection);
  g_assert_cmpuint (wstun_connection_get_state (connection), ==, WSTUN_CONNECTION_STATE_CONNECTING);
  g_signal_connect (connection, "notify::state", G_CALLBACK (on_failed), &t);
  {
    /* the warning goes through the structured log API (journal fields),
     * which g_test_expect_message () does not see: let it through, and
     * check what it says in LastError below */
    GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);

    g_main_loop_run (loop);
    g_log_set_always_fatal (fatal);
  }
  g_assert_nonnull (
    strstr (wstun_connection_get_last_error (connection), "Cannot connect to ws://127.0.0.1:1"));
  g_signal_handlers_disconnect_by_data (connection, &t);
  /* failed by itself: still listed, with why, for people and programs */
  g_assert_cmpuint (wstun_manager_get_n_connections (manager), ==, 1);
  g_assert_nonnull (wstun_connection_get_last_error (connection));
  g_assert_cmpstr (wstun_failure_to_string (wstun_connection_get_failure (connection)), ==,
                   "unreachable");
  g_assert_cmpstr (wstun_connection_get_relay_address (connection), ==, NULL);
  g_test_message ("failed: %s", wstun_connection_get_last_error (connection));

  wstun_manager_remove_async (manager, id, NULL, on_remove_done, &t);
  g_main_loop_run (loop);
  g_assert_true (t.done);
  g_assert_cmpuint (t.removed_id, ==, 1);
  g_assert_cmpuint (wstun_manager_get_n_connections (manager), ==, 0);
  g_assert_null (wstun_manager_lookup (manager, id));

  wstun_manager_remove_async (manager, id, NULL, on_not_found, &t);
  g_main_loop_run (loop);
  /* ids are not reused */
  g_assert_cmpuint (wstun_manager_add (manager, good, &error), ==, 2);
  g_assert_no_error (error);
  /* and a removed connection stops at once: no attempt outlives the test */
  t.done = FALSE;
  wstun_manager_remove_async (manager, 2, NULL, on_remove_done, &t);
  g_main_loop_run (loop);
  g_assert_true (t.done);
  g_assert_cmpuint (t.removed_id, ==, 2);
}

/* The largest reply wstund can send: GetManagedObjects with the most
 * connections, every property at the bounds of data/org.wstun.xml and the
 * client core (a URL of WSTUN_SETTINGS_URL_MAX, LastError cut at
 * WSTUN_DBUS_CONNECTION_LAST_ERROR_MAX, a relay pushing the most routes
 * and DNS servers a config carries, each as long as an address can be). A
 * reply over the bus's 32 MiB makes the bus drop wstund, and every tunnel
 * with it; the XML promises about 4 MiB. */
static void
test_reply_bound (void)
{
  g_auto (GVariantBuilder) objects = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
  g_autoptr (GDBusMessage) reply = g_dbus_message_new ();
  g_autofree char *url = g_strnfill (WSTUN_SETTINGS_URL_MAX, 'u');
  g_autofree char *last_error = g_strnfill (WSTUN_DBUS_CONNECTION_LAST_ERROR_MAX, 'e');
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) dns = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree guchar *blob = NULL;
  gsize size;

  for (guint i = 0; i < WSTUN_CONTROL_MAX_LIST; i++) {
    g_ptr_array_add (routes, g_strdup ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"));
    g_ptr_array_add (dns, g_strdup ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  }
  g_ptr_array_add (routes, NULL);
  g_ptr_array_add (dns, NULL);
  for (guint i = 0; i < WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS; i++) {
    g_autoptr (WstunExportedConnection) c = wstun_exported_connection_skeleton_new ();
    g_autofree char *path = g_strdup_printf ("/org/wstun/connection/%u", G_MAXUINT - i);
    g_auto (GVariantBuilder) ifaces = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sa{sv}}"));

    wstun_exported_connection_set_state (c, "disconnecting");
    wstun_exported_connection_set_url (c, url);
    wstun_exported_connection_set_owner (c, G_MAXUINT32);
    wstun_exported_connection_set_relay_address (c,
                                                 "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
    wstun_exported_connection_set_interface (c, "abcdefghijklmno");
    wstun_exported_connection_set_address4 (c, "255.255.255.255/32");
    wstun_exported_connection_set_address6 (c, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
    wstun_exported_connection_set_mtu (c, G_MAXUINT32);
    wstun_exported_connection_set_routes (c, (const char *const *) routes->pdata);
    wstun_exported_connection_set_dns (c, (const char *const *) dns->pdata);
    wstun_exported_connection_set_last_error (c, last_error);
    wstun_exported_connection_set_failure_reason (c, "tls-pin-mismatch");
    wstun_exported_connection_set_rx_bytes (c, G_MAXUINT64);
    g_variant_builder_add (
      &ifaces, "{s@a{sv}}", "org.wstun.Connection",
      g_dbus_interface_skeleton_get_properties (G_DBUS_INTERFACE_SKELETON (c)));
    for (const char *const *name = (const char *const[]){ "org.freedesktop.DBus.Properties",
                                                          "org.freedesktop.DBus.Introspectable",
                                                          "org.freedesktop.DBus.Peer", NULL };
         *name != NULL; name++)
      g_variant_builder_add (&ifaces, "{s@a{sv}}", *name, g_variant_new ("a{sv}", NULL));
    g_variant_builder_add (&objects, "{o@a{sa{sv}}}", path, g_variant_builder_end (&ifaces));
  }
  g_dbus_message_set_message_type (reply, G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
  g_dbus_message_set_reply_serial (reply, 1);
  g_dbus_message_set_body (reply,
                           g_variant_new ("(@a{oa{sa{sv}}})", g_variant_builder_end (&objects)));
  blob = g_dbus_message_to_blob (reply, &size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_test_message ("largest GetManagedObjects reply: %zu bytes (%.2f MiB) for %d connections", size,
                  size / 1048576.0, WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS);
  g_assert_cmpuint (size, <, 5 * 1024 * 1024);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dbus/settings/all", test_settings_all);
  g_test_add_func ("/dbus/settings/defaults", test_settings_defaults);
  g_test_add_func ("/dbus/settings/keys-and-types", test_settings_keys_and_types);
  g_test_add_func ("/dbus/settings/values", test_settings_values);
  g_test_add_func ("/dbus/settings/urls", test_settings_urls);
  g_test_add_func ("/dbus/settings/bounds", test_settings_bounds);
  g_test_add_func ("/dbus/settings/connection", test_settings_connection);
  g_test_add_func ("/dbus/settings/caller", test_settings_caller);
  g_test_add_func ("/dbus/settings/ca", test_settings_ca);
  g_test_add_func ("/dbus/errors", test_error_mapping);
  g_test_add_func ("/dbus/reply-bound", test_reply_bound);
  g_test_add_func ("/dbus/token-file", test_token_file);
  g_test_add_func ("/dbus/manager", test_manager);
  return g_test_run ();
}
