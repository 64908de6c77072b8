/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-settings.h"

#include <glib/gi18n.h>
#include <net/if.h>
#include <string.h>

#include "wstun-dbus-names.h"
#include "wstun-error.h"

#define TOKEN_MAX 4096

typedef gboolean (*ParseFunc) (const char *key, GVariant *value, WstunSettings *settings,
                               GError **error);

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

static gboolean
parse_url (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *url = g_variant_get_string (value, NULL);

  if (*url == '\0')
    return invalid (error, key, _ ("the relay URL is empty"));
  settings->url = g_strdup (url);
  return TRUE;
}

static gboolean
parse_token (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *token = g_variant_get_string (value, NULL);

  if (strlen (token) > TOKEN_MAX)
    return invalid (error, key, _ ("longer than %d bytes"), TOKEN_MAX);
  for (const char *p = token; *p != '\0'; p++) {
    /* it travels in an HTTP header */
    if (g_ascii_iscntrl (*p))
      return invalid (error, key, _ ("contains a control character"));
  }
  g_free (settings->token);
  settings->token = *token != '\0' ? g_strdup (token) : NULL;
  return TRUE;
}

static gboolean
parse_ca_file (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *path = g_variant_get_string (value, NULL);

  if (*path == '\0')
    return TRUE;
  if (!g_path_is_absolute (path))
    return invalid (error, key, _ ("“%s” is not an absolute path"), path);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return invalid (error, key, _ ("“%s” is not a file wstund can see"), path);
  settings->ca_file = g_strdup (path);
  return TRUE;
}

static gboolean
parse_pin (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *pin = g_variant_get_string (value, NULL);

  (void) key;
  (void) error;
  /* checked by the client core (wstun_connection_set_pin_sha256()) */
  if (*pin != '\0')
    settings->pin_sha256 = g_strdup (pin);
  return TRUE;
}

/* The kernel's rules (dev_valid_name()), limited to printable ASCII. */
static gboolean
parse_interface (const char *key, GVariant *value, WstunSettings *settings, GError **error)
{
  const char *name = g_variant_get_string (value, NULL);

  if (*name == '\0')
    return TRUE;
  if (strlen (name) >= IFNAMSIZ)
    return invalid (error, key, _ ("“%s” is longer than %d characters"), name, IFNAMSIZ - 1);
  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return invalid (error, key, _ ("“%s” is not an interface name"), name);
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isgraph (*p) || *p == '/' || *p == ':')
      return invalid (error, key,
                      _ ("“%s” is not an interface name (letters, digits and punctuation other "
                         "than “/” and “:”)"),
                      name);
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
  { WSTUN_SETTING_TOKEN, "s", parse_token },
  { WSTUN_SETTING_CA_FILE, "s", parse_ca_file },
  { WSTUN_SETTING_PIN_SHA256, "s", parse_pin },
  { WSTUN_SETTING_INTERFACE, "s", parse_interface },
  { WSTUN_SETTING_MANAGE_IP, "b", parse_manage_ip },
  { WSTUN_SETTING_MTU, "u", parse_mtu },
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

WstunSettings *
wstun_settings_new_from_variant (GVariant *variant, GError **error)
{
  g_autoptr (WstunSettings) settings = g_new0 (WstunSettings, 1);
  gboolean seen[G_N_ELEMENTS (setting_keys)] = { FALSE };
  GVariantIter iter;

  g_return_val_if_fail (variant != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT), NULL);

  settings->manage_ip = TRUE;
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

      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("Unknown setting “%s”; the settings are %s"), key, known);
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
  if (settings->url == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The setting “%s” (the relay's ws:// or wss:// URL) is required"),
                 WSTUN_SETTING_URL);
    return NULL;
  }
  return g_steal_pointer (&settings);
}

void
wstun_settings_free (WstunSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->url);
  if (settings->token != NULL)
    explicit_bzero (settings->token, strlen (settings->token));
  g_free (settings->token);
  g_free (settings->ca_file);
  g_free (settings->pin_sha256);
  g_free (settings->interface);
  g_free (settings);
}

WstunConnection *
wstun_settings_create_connection (const WstunSettings *settings, GError **error)
{
  g_autoptr (WstunConnection) connection = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (settings != NULL && settings->url != NULL, NULL);

  connection = wstun_connection_new (settings->url, &local);
  if (connection == NULL) {
    invalid (error, WSTUN_SETTING_URL, "%s", local->message);
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
  wstun_connection_set_token (connection, settings->token);
  wstun_connection_set_ca_file (connection, settings->ca_file);
  return g_steal_pointer (&connection);
}
