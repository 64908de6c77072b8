/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-settings.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "nm-wstun-keys.h"

typedef gboolean (*CheckFunc) (const char *key, const char *value, GError **error);

/* Translators: %s are a vpn.data key and what is wrong with its value */
#define INVALID_FORMAT N_ ("Invalid wstun setting “%s”: %s")

static gboolean G_GNUC_PRINTF (3, 4)
  invalid (GError **error, const char *key, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY, _ (INVALID_FORMAT),
               key, why);
  return FALSE;
}

const char *
nm_wstun_check_reason (const GError *error, const char *key)
{
  g_autofree char *start = NULL;

  g_return_val_if_fail (error != NULL && key != NULL, NULL);

  /* the message with an empty reason is what comes before the reason
   * (unless a translation puts the reason first: then all of it) */
  start = g_strdup_printf (_ (INVALID_FORMAT), key, "");
  if (*start != '\0' && g_str_has_prefix (error->message, start) &&
      error->message[strlen (start)] != '\0')
    return error->message + strlen (start);
  return error->message;
}

/* C0, DEL, C1, U+2028/9: they forge log lines and drive terminals */
static gboolean
has_control (const char *s)
{
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029)
      return TRUE;
  }
  return FALSE;
}

/* Length and characters, as wstund checks them */
static gboolean
check_text (const char *key, const char *value, gsize max, GError **error)
{
  if (strlen (value) > max)
    return invalid (error, key, _ ("longer than %zu bytes"), max);
  if (!g_utf8_validate (value, -1, NULL))
    return invalid (error, key, _ ("not UTF-8 text"));
  if (has_control (value))
    return invalid (error, key, _ ("contains a control character"));
  return TRUE;
}

char **
nm_wstun_split_urls (const char *value)
{
  g_auto (GStrv) parts = NULL;
  g_autoptr (GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (value != NULL, NULL);

  parts = g_strsplit_set (value, ", ", -1);
  for (char **p = parts; *p != NULL; p++) {
    if (**p != '\0')
      g_ptr_array_add (urls, g_strdup (*p));
  }
  g_ptr_array_add (urls, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&urls), FALSE);
}

/* What is wrong with one URL's shape, or NULL; wstund checks the rest
 * (host name syntax) in Connect */
static char *
url_problem (const char *url)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;
  const char *scheme;

  if (strlen (url) > NM_WSTUN_URL_MAX)
    return g_strdup_printf (_ ("longer than %zu bytes"), (gsize) NM_WSTUN_URL_MAX);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local);
  if (uri == NULL)
    return g_strdup_printf (_ ("not a URL (%s)"), local->message);
  scheme = g_uri_get_scheme (uri);
  if ((g_ascii_strcasecmp (scheme, "ws") != 0 && g_ascii_strcasecmp (scheme, "wss") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return g_strdup (_ ("the relay's URL is wss://HOST[:PORT][/PATH] (or ws://)"));
  if (g_uri_get_userinfo (uri) != NULL)
    return g_strdup_printf (_ ("a URL must not carry a user name or password: the relay's token "
                               "is the secret “%s”"),
                            NM_WSTUN_KEY_TOKEN);
  if (g_uri_get_fragment (uri) != NULL)
    return g_strdup (_ ("a URL with a fragment (“#…”) is not sent as it is"));
  if (g_uri_get_port (uri) == 0)
    return g_strdup (_ ("port 0 is not a port to connect to"));
  return NULL;
}

/* One relay URL, or several separated by commas or spaces, as wstund
 * takes them (Connect's "urls"): at most NM_WSTUN_URLS_MAX, one scheme,
 * none twice */
static gboolean
check_url (const char *key, const char *value, GError **error)
{
  g_auto (GStrv) urls = NULL;
  guint n;

  /* room for the most URLs and a separator after each */
  if (!check_text (key, value, (NM_WSTUN_URL_MAX + 1) * NM_WSTUN_URLS_MAX, error))
    return FALSE;
  urls = nm_wstun_split_urls (value);
  n = g_strv_length (urls);
  if (n == 0) {
    g_autofree char *why = url_problem (value);

    return invalid (error, key, "%s", why);
  }
  if (n > NM_WSTUN_URLS_MAX)
    return invalid (error, key, _ ("%u relay URLs, at most %d are taken"), n, NM_WSTUN_URLS_MAX);
  for (guint i = 0; i < n; i++) {
    g_autofree char *why = url_problem (urls[i]);

    /* one URL: as before, the field is the URL */
    if (why != NULL && n == 1)
      return invalid (error, key, "%s", why);
    if (why != NULL)
      return invalid (error, key, "“%s”: %s", urls[i], why);
    if (i > 0 && (g_ascii_strncasecmp (urls[i], "wss:", 4) == 0) !=
                   (g_ascii_strncasecmp (urls[0], "wss:", 4) == 0))
      return invalid (error, key,
                      _ ("“%s”: give all relays the same scheme, ws:// or wss://, or a random "
                         "pick decides whether the token travels encrypted"),
                      urls[i]);
    for (guint j = 0; j < i; j++) {
      if (strcmp (urls[j], urls[i]) == 0)
        return invalid (error, key, _ ("“%s” is given twice"), urls[i]);
    }
  }
  return TRUE;
}

static gboolean
check_ca_file (const char *key, const char *value, GError **error)
{
  if (!check_text (key, value, NM_WSTUN_PATH_MAX, error))
    return FALSE;
  if (!g_path_is_absolute (value))
    return invalid (error, key, _ ("“%s” is not an absolute path"), value);
  return TRUE;
}

char *
nm_wstun_normalize_pin (const char *pin)
{
  g_autofree guchar *raw = NULL;
  gsize len = 0;
  const char *b64 = pin;

  if (g_str_has_prefix (b64, "pin-sha256:"))
    b64 += strlen ("pin-sha256:");
  else if (g_str_has_prefix (b64, "sha256//"))
    b64 += strlen ("sha256//");
  /* 32 bytes are 44 base64 characters, the last one "=" */
  if (strlen (b64) != 44 || b64[43] != '=' ||
      strspn (b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
                   "ghijklmnopqrstuvwxyz0123456789+/") != 43)
    return NULL;
  raw = g_base64_decode (b64, &len);
  if (len != 32)
    return NULL;
  return g_strdup (b64);
}

static gboolean
check_pin (const char *key, const char *value, GError **error)
{
  g_autofree char *pin = NULL;

  if (!check_text (key, value, NM_WSTUN_PIN_MAX, error))
    return FALSE;
  pin = nm_wstun_normalize_pin (value);
  if (pin == NULL)
    return invalid (error, key,
                    _ ("not the base64 SHA-256 hash of a public key (44 characters ending in "
                       "“=”, as “openssl x509 -pubkey | openssl pkey -pubin -outform DER | "
                       "openssl dgst -sha256 -binary | base64” prints it)"));
  return TRUE;
}

static gboolean
check_mtu (const char *key, const char *value, GError **error)
{
  guint64 mtu;

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &mtu, NULL) ||
      (mtu != 0 && (mtu < NM_WSTUN_MTU_MIN || mtu > NM_WSTUN_MTU_MAX)))
    return invalid (error, key, _ ("“%s” is not 0 (the relay's) or between %d and %d"), value,
                    NM_WSTUN_MTU_MIN, NM_WSTUN_MTU_MAX);
  return TRUE;
}

static gboolean
check_flags (const char *key, const char *value, GError **error)
{
  guint64 flags;
  const guint64 all = NM_SETTING_SECRET_FLAG_AGENT_OWNED | NM_SETTING_SECRET_FLAG_NOT_SAVED |
                      NM_SETTING_SECRET_FLAG_NOT_REQUIRED;

  if (!g_ascii_string_to_unsigned (value, 10, 0, all, &flags, NULL))
    return invalid (error, key, _ ("“%s” is not a secret flags number"), value);
  return TRUE;
}

/* RFC 6750's b64token, as wstund takes it */
static gboolean
check_token (const char *key, const char *value, GError **error)
{
  const char *p = value;

  if (strlen (value) > NM_WSTUN_TOKEN_MAX)
    return invalid (error, key, _ ("longer than %d bytes"), NM_WSTUN_TOKEN_MAX);
  if (*value == '\0')
    return TRUE; /* no token */
  while (g_ascii_isalnum (*p) || (*p != '\0' && strchr ("-._~+/", *p) != NULL))
    p++;
  if (p != value) {
    while (*p == '=')
      p++;
  }
  if (p == value || *p != '\0')
    /* not quoted: it is a secret */
    return invalid (error, key,
                    _ ("a token has only letters, digits and “-._~+/”, then optional “=”"));
  return TRUE;
}

static const struct {
  const char *key;
  CheckFunc check;
} data_keys[] = {
  { NM_WSTUN_KEY_URL, check_url },           { NM_WSTUN_KEY_CA_FILE, check_ca_file },
  { NM_WSTUN_KEY_PIN_SHA256, check_pin },    { NM_WSTUN_KEY_MTU, check_mtu },
  { NM_WSTUN_KEY_TOKEN_FLAGS, check_flags },
};

gboolean
nm_wstun_check_data_item (const char *key, const char *value, GError **error)
{
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (data_keys); i++) {
    if (g_str_equal (key, data_keys[i].key))
      return data_keys[i].check (key, value, error);
  }
  if (!g_utf8_validate (key, -1, NULL) || has_control (key))
    return invalid (error, "?", _ ("a key is not printable text"));
  return invalid (error, key, _ ("unknown key; wstun knows %s, %s, %s and %s"), NM_WSTUN_KEY_URL,
                  NM_WSTUN_KEY_CA_FILE, NM_WSTUN_KEY_PIN_SHA256, NM_WSTUN_KEY_MTU);
}

gboolean
nm_wstun_check_secret (const char *key, const char *value, GError **error)
{
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  if (g_str_equal (key, NM_WSTUN_KEY_TOKEN))
    return check_token (key, value, error);
  if (!g_utf8_validate (key, -1, NULL) || has_control (key))
    return invalid (error, "?", _ ("a secret's key is not printable text"));
  return invalid (error, key, _ ("unknown secret; wstun's only secret is “%s”"),
                  NM_WSTUN_KEY_TOKEN);
}

typedef struct {
  gboolean secrets;
  GError **error;
  gboolean ok;
} Walk;

static void
check_item (const char *key, const char *value, gpointer user_data)
{
  Walk *walk = user_data;

  if (!walk->ok)
    return;
  walk->ok = walk->secrets ? nm_wstun_check_secret (key, value, walk->error)
                           : nm_wstun_check_data_item (key, value, walk->error);
}

gboolean
nm_wstun_check_setting (NMSettingVpn *s_vpn, GError **error)
{
  Walk walk = { .error = error, .ok = TRUE };

  g_return_val_if_fail (NM_IS_SETTING_VPN (s_vpn), FALSE);

  nm_setting_vpn_foreach_data_item (s_vpn, check_item, &walk);
  walk.secrets = TRUE;
  nm_setting_vpn_foreach_secret (s_vpn, check_item, &walk);
  if (!walk.ok)
    return FALSE;
  if (nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_URL) == NULL) {
    g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_MISSING_PROPERTY,
                 _ ("The wstun setting “%s”, the relay's wss:// URL, is missing"),
                 NM_WSTUN_KEY_URL);
    return FALSE;
  }
  return TRUE;
}
