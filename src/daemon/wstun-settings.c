/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-settings.h"

#include <glib/gi18n.h>
#include <net/if.h>
#include <string.h>

#include "wstun-ca.h"
#include "wstun-dbus-names.h"
#include "wstun-error.h"
#include "wstun-handshake.h"
#include "wstun-pin.h"
#include "wstun-printable.h"
#include "wstun-url-list.h"

typedef gboolean (*ParseFunc) (const char *key, GVariant *value, WstunSettings *settings,
                               GError **error);

G_STATIC_ASSERT (WSTUN_SETTING_CA_MAX == WSTUN_CA_MAX_SIZE);

static gboolean G_GNUC_PRINTF (3, 4)
  invalid (GError **error, const char *key, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("Invalid setting “%s”: %s"), key,
               why);
  return FALSE;
}

static char *
quote (const char *value)
{
  return wstun_printable_prefix (value, -1, WSTUN_SETTINGS_QUOTE_CHARS);
}

/* @value's string, if it is at most @max bytes and has no control
 * character (they forge log lines and drive terminals wherever the value
 * is shown); else NULL and @error. Strings from D-Bus are valid UTF-8. */
static const char *
bounded_string (const char *key, GVariant *value, gsize max, GError **error)
{
  gsize len;
  const char *s = g_variant_get_string (value, &len);

  if (len > max) {
    invalid (error, key, _ ("longer than %zu bytes"), max);
    return NULL;
  }
  if (wstun_has_control (s, (gssize) len)) {
    g_autofree char *shown = quote (s);

    invalid (error, key, _ ("“%s” contains a control character"), shown);
    return NULL;
  }
  return s;
}

static gboolean
one_of_url_urls (GError **error)
{
  g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
               _ ("Give the setting “%s” (one relay) or “%s” (several), not both"),
               WSTUN_SETTING_URL, WSTUN_SETTING_URLS);
  return FALSE;
}

static gboolean
parse_url (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  g_autoptr (GError) local = NULL;
  const char *url = bounded_string (key, value, WSTUN_SETTINGS_URL_MAX, error);

  if (url == NULL)
    return FALSE;
  if (settings->url != NULL)
    return one_of_url_urls (error);
  if (*url == '\0')
    return invalid (error, key, _ ("the relay URL is empty"));
  if (!wstun_handshake_check_url (url, &settings->tls, &local))
    return invalid (error, key, "%s", local->message);
  settings->url = g_strdup (url);
  return TRUE;
}

/* Several relays (README, "Several relays"): each as url is checked, one
 * scheme for all, none twice, at most WSTUN_URL_LIST_MAX */
static gboolean
parse_urls (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  g_autoptr (GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  gsize n = g_variant_n_children (value);

  if (settings->url != NULL)
    return one_of_url_urls (error);
  /* before looking at any of them: the array may be huge */
  if (n == 0)
    return invalid (error, key, _ ("the list of relay URLs is empty"));
  if (n > WSTUN_URL_LIST_MAX)
    return invalid (error, key, _ ("%zu relay URLs, at most %d are taken"), n, WSTUN_URL_LIST_MAX);
  for (gsize i = 0; i < n; i++) {
    g_autoptr (GVariant) child = g_variant_get_child_value (value, i);
    const char *url = bounded_string (key, child, WSTUN_SETTINGS_URL_MAX, error);

    if (url == NULL)
      return FALSE;
    if (*url == '\0')
      return invalid (error, key, _ ("a relay URL is empty"));
    g_ptr_array_add (urls, g_strdup (url));
  }
  g_ptr_array_add (urls, NULL);
  if (!wstun_url_list_check ((const char *const *) urls->pdata, &settings->tls, &local))
    return invalid (error, key, "%s", local->message);
  settings->url = g_strdup (g_ptr_array_index (urls, 0));
  settings->urls = (GStrv) g_ptr_array_free (g_steal_pointer (&urls), FALSE);
  return TRUE;
}

/* RFC 6750's b64token: what a bearer token may be in an HTTP header */
static gboolean
is_b64token (const char *token)
{
  const char *p = token;

  while (g_ascii_isalnum (*p) || (*p != '\0' && strchr ("-._~+/", *p) != NULL))
    p++;
  if (p == token)
    return FALSE;
  while (*p == '=')
    p++;
  return *p == '\0';
}

static gboolean
parse_token (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *token = bounded_string (key, value, WSTUN_SETTINGS_TOKEN_MAX, error);

  if (token == NULL)
    return FALSE;
  /* not quoted: it is a secret */
  if (*token != '\0' && !is_b64token (token))
    return invalid (error, key,
                    _ ("a bearer token has only letters, digits and “-._~+/”, then optional "
                       "“=” (RFC 6750)"));
  settings->token = *token != '\0' ? g_strdup (token) : NULL;
  return TRUE;
}

static gboolean
parse_ca (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  gsize len = g_variant_get_size (value);

  if (len > WSTUN_CA_MAX_SIZE)
    return invalid (error, key, _ ("longer than %d bytes"), WSTUN_CA_MAX_SIZE);
  if (len > 0)
    settings->ca = g_variant_get_data_as_bytes (value);
  return TRUE;
}

static gboolean
parse_ca_file (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *path = bounded_string (key, value, WSTUN_SETTINGS_PATH_MAX, error);

  if (path == NULL)
    return FALSE;
  if (*path == '\0')
    return TRUE;
  if (!g_path_is_absolute (path)) {
    g_autofree char *shown = quote (path);
    return invalid (error, key, _ ("“%s” is not an absolute path"), shown);
  }
  settings->ca_file = g_strdup (path);
  return TRUE;
}

static gboolean
parse_pin (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  g_autoptr (GError) local = NULL;
  const char *pin = bounded_string (key, value, WSTUN_SETTINGS_PIN_MAX, error);

  if (pin == NULL)
    return FALSE;
  if (*pin == '\0')
    return TRUE;
  settings->pin_sha256 = wstun_pin_normalize (pin, &local);
  if (settings->pin_sha256 == NULL)
    return invalid (error, key, "%s", local->message);
  return TRUE;
}

/* The kernel's rules (dev_valid_name()), limited to printable ASCII. */
static gboolean
parse_interface (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *name = bounded_string (key, value, IFNAMSIZ - 1, error);
  g_autofree char *shown = NULL;

  if (name == NULL)
    return FALSE;
  if (*name == '\0')
    return TRUE;
  shown = quote (name);
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return invalid (error, key, _ ("“%s” is not an interface name"), shown);
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isgraph (*p) || *p == '/' || *p == ':')
      return invalid (error, key,
                      _ ("“%s” is not an interface name (letters, digits and punctuation other "
                         "than “/” and “:”)"),
                      shown);
  }
  settings->interface = g_strdup (name);
  return TRUE;
}

static gboolean
parse_manage_ip (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  (void) key;
  (void) error;
  settings->manage_ip = g_variant_get_boolean (value);
  return TRUE;
}

static gboolean
parse_reconnect (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  (void) key;
  (void) error;
  settings->reconnect = g_variant_get_boolean (value);
  return TRUE;
}

static gboolean
parse_mtu (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  guint32 mtu = g_variant_get_uint32 (value);

  if (mtu != 0 && (mtu < WSTUN_SETTINGS_MTU_MIN || mtu > WSTUN_SETTINGS_MTU_MAX))
    return invalid (error, key, _ ("%u is not 0 (the relay's) or between %d and %d"), mtu,
                    WSTUN_SETTINGS_MTU_MIN, WSTUN_SETTINGS_MTU_MAX);
  settings->mtu = mtu;
  return TRUE;
}

static gboolean
parse_bind_to_caller (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  (void) key;
  (void) error;
  settings->bind_to_caller = g_variant_get_boolean (value);
  return TRUE;
}

static const struct {
  const char *key;
  const char *type;
  ParseFunc parse;
} setting_keys[] = {
  { WSTUN_SETTING_URL, "s", parse_url },
  { WSTUN_SETTING_URLS, "as", parse_urls },
  { WSTUN_SETTING_TOKEN, "s", parse_token },
  { WSTUN_SETTING_CA, "ay", parse_ca },
  { WSTUN_SETTING_CA_FILE, "s", parse_ca_file },
  { WSTUN_SETTING_PIN_SHA256, "s", parse_pin },
  { WSTUN_SETTING_INTERFACE, "s", parse_interface },
  { WSTUN_SETTING_MANAGE_IP, "b", parse_manage_ip },
  { WSTUN_SETTING_MTU, "u", parse_mtu },
  { WSTUN_SETTING_RECONNECT, "b", parse_reconnect },
  { WSTUN_SETTING_BIND_TO_CALLER, "b", parse_bind_to_caller },
};

static char *
known_keys (void)
{
  g_autoptr (GString) list = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (setting_keys); i++)
    g_string_append_printf (list, "%s%s (%s)", i > 0 ? ", " : "", setting_keys[i].key,
                            setting_keys[i].type);
  return g_string_free (g_steal_pointer (&list), FALSE);
}

/* What only makes sense across keys */
static gboolean
check_combination (WstunSettings *settings, GError **error)
{
  if (settings->url == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The setting “%s” (the relay's ws:// or wss:// URL) or “%s” (several "
                    "relays) is required"),
                 WSTUN_SETTING_URL, WSTUN_SETTING_URLS);
    return FALSE;
  }
  if (settings->urls == NULL) {
    const char *const one[] = { settings->url, NULL };

    settings->urls = g_strdupv ((char **) one);
  }
  if (settings->pin_sha256 != NULL && !settings->tls)
    return invalid (error, WSTUN_SETTING_PIN_SHA256,
                    _ ("a key pin needs a wss:// URL, and “%s” is %s"), WSTUN_SETTING_URL, "ws://");
  if (settings->ca != NULL && settings->ca_file != NULL)
    return invalid (error, WSTUN_SETTING_CA, _ ("give “%s” or “%s”, not both"), WSTUN_SETTING_CA,
                    WSTUN_SETTING_CA_FILE);
  return TRUE;
}

WstunSettings *
wstun_settings_new_from_variant (GVariant *variant, GError **error)
{
  g_autoptr (WstunSettings) settings = g_new0 (WstunSettings, 1);
  gboolean seen[G_N_ELEMENTS (setting_keys)] = { FALSE };
  GVariantIter iter;

  g_return_val_if_fail (variant != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT), NULL);

  settings->manage_ip = TRUE;
  settings->reconnect = TRUE;
  g_variant_iter_init (&iter, variant);
  for (;;) {
    g_autoptr (GVariant) entry = g_variant_iter_next_value (&iter);
    g_autoptr (GVariant) value = NULL;
    const char *key;
    gsize i;

    if (entry == NULL)
      break;
    g_variant_get (entry, "{&sv}", &key, &value);
    for (i = 0; i < G_N_ELEMENTS (setting_keys); i++) {
      if (strcmp (key, setting_keys[i].key) == 0)
        break;
    }
    if (i == G_N_ELEMENTS (setting_keys)) {
      g_autofree char *known = known_keys ();
      g_autofree char *shown = quote (key);

      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("Unknown setting “%s”; the settings are %s"), shown, known);
      return NULL;
    }
    if (seen[i]) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("The setting “%s” is given twice"), key);
      return NULL;
    }
    seen[i] = TRUE;
    if (!g_variant_is_of_type (value, G_VARIANT_TYPE (setting_keys[i].type))) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("The setting “%s” must be of type “%s”, not “%s”"), key, setting_keys[i].type,
                   g_variant_get_type_string (value));
      return NULL;
    }
    if (!setting_keys[i].parse (key, value, settings, error))
      return NULL;
  }
  if (!check_combination (settings, error))
    return NULL;
  return g_steal_pointer (&settings);
}

void
wstun_settings_free (WstunSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->url);
  g_strfreev (settings->urls);
  if (settings->token != NULL)
    explicit_bzero (settings->token, strlen (settings->token));
  g_free (settings->token);
  g_clear_pointer (&settings->ca, g_bytes_unref);
  g_free (settings->ca_file);
  g_free (settings->pin_sha256);
  g_free (settings->interface);
  g_clear_object (&settings->ca_database);
  g_free (settings);
}

gboolean
wstun_settings_check_caller (const WstunSettings *settings, guint uid, GError **error)
{
  g_return_val_if_fail (settings != NULL, FALSE);

  if (settings->ca_file != NULL && uid != 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_AUTHORIZED,
                 _ ("Only root may give “%s”, which wstund reads as root; pass the "
                    "certificates' PEM text in “%s” instead (wstunctl --ca-file does)"),
                 WSTUN_SETTING_CA_FILE, WSTUN_SETTING_CA);
    return FALSE;
  }
  return TRUE;
}

static void
on_ca_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WstunSettings *settings = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  GTlsDatabase *database;

  (void) source;
  database = wstun_ca_load_finish (result, &error);
  if (database == NULL) {
    GError *named = NULL;

    if (settings->ca != NULL) {
      invalid (&named, WSTUN_SETTING_CA, "%s", error->message);
    } else {
      g_autofree char *shown = quote (settings->ca_file);

      invalid (&named, WSTUN_SETTING_CA_FILE, "“%s”: %s", shown, error->message);
    }
    g_task_return_error (task, named);
    return;
  }
  settings->ca_database = database;
  g_clear_pointer (&settings->ca, g_bytes_unref);
  g_task_return_boolean (task, TRUE);
}

void
wstun_settings_load_async (WstunSettings *settings, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (settings != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, settings, NULL);
  if (settings->ca == NULL && settings->ca_file == NULL) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  wstun_ca_load_async (settings->ca, settings->ca_file, cancellable, on_ca_loaded,
                       g_steal_pointer (&task));
}

gboolean
wstun_settings_load_finish (WstunSettings *settings, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_task_data (G_TASK (result)) == settings, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

WstunConnection *
wstun_settings_create_connection (const WstunSettings *settings, GError **error)
{
  g_autoptr (WstunConnection) connection = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (settings != NULL && settings->url != NULL, NULL);
  /* the CA certificates are loaded first */
  g_return_val_if_fail (settings->ca == NULL || settings->ca_database != NULL, NULL);
  g_return_val_if_fail (settings->ca_file == NULL || settings->ca_database != NULL, NULL);

  connection = wstun_connection_new_for_urls ((const char *const *) settings->urls, &local);
  if (connection == NULL) {
    invalid (error, settings->urls[1] != NULL ? WSTUN_SETTING_URLS : WSTUN_SETTING_URL, "%s",
             local->message);
    return NULL;
  }
  if (settings->pin_sha256 != NULL &&
      !wstun_connection_set_pin_sha256 (connection, settings->pin_sha256, &local)) {
    invalid (error, WSTUN_SETTING_PIN_SHA256, "%s", local->message);
    return NULL;
  }
  wstun_connection_set_interface_name (connection, settings->interface);
  wstun_connection_set_manage_ip (connection, settings->manage_ip);
  wstun_connection_set_mtu (connection, settings->mtu);
  wstun_connection_set_reconnect (connection, settings->reconnect);
  wstun_connection_set_token (connection, settings->token);
  wstun_connection_set_tls_database (connection, settings->ca_database);
  return g_steal_pointer (&connection);
}
