/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-keyfile.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "nm-wstun-keys.h"
#include "nm-wstun-settings.h"

#define KEY_TOKEN_REQUIRED "token-required"

static const char *const file_keys[] = {
  NM_WSTUN_KEY_URL, NM_WSTUN_KEY_CA_FILE, NM_WSTUN_KEY_PIN_SHA256,
  NM_WSTUN_KEY_MTU, NM_WSTUN_KEY_TOKEN,   KEY_TOKEN_REQUIRED,
};

static gboolean G_GNUC_PRINTF (2, 3) not_wstun (GError **error, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
               _ ("This is not a valid wstun file: %s"), why);
  return FALSE;
}

/* GKeyFile merges repeated groups and keeps the last of repeated keys
 * without a word: a file that says a thing twice is refused instead. */
static gboolean
check_structure (const char *data, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (data, "\n", -1);
  g_autoptr (GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;

  for (guint n = 0; lines[n] != NULL; n++) {
    g_autofree char *line = g_strstrip (g_strdup (lines[n]));
    const char *eq;

    if (*line == '\0' || *line == '#')
      continue;
    if (*line == '[') {
      g_free (group);
      group = g_strdup (line);
      if (!g_hash_table_add (groups, g_strdup (line)))
        return not_wstun (error, _ ("line %u repeats the group %s"), n + 1, line);
      continue;
    }
    eq = strchr (line, '=');
    if (group == NULL || eq == NULL)
      continue; /* GKeyFile says what is wrong with it */
    if (g_strcmp0 (group, "[" NM_WSTUN_FILE_GROUP "]") == 0) {
      g_autofree char *key = g_strstrip (g_strndup (line, eq - line));

      if (!g_hash_table_add (keys, g_strdup (key)))
        return not_wstun (error, _ ("line %u gives “%s” a second time"), n + 1, key);
    }
  }
  return TRUE;
}

static gboolean
known_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (file_keys); i++) {
    if (g_str_equal (key, file_keys[i]))
      return TRUE;
  }
  return FALSE;
}

NMConnection *
nm_wstun_keyfile_parse (const char *name, const char *data, gsize len, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) keys = NULL;
  g_autoptr (NMConnection) connection = NULL;
  g_autofree char *uuid = NULL;
  NMSettingConnection *s_con;
  NMSettingVpn *s_vpn;
  NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_AGENT_OWNED;

  g_return_val_if_fail (name != NULL && data != NULL, NULL);

  if (len > NM_WSTUN_FILE_MAX) {
    not_wstun (error, _ ("it is larger than %d bytes"), NM_WSTUN_FILE_MAX);
    return NULL;
  }
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, (gssize) len, NULL)) {
    not_wstun (error, _ ("it is not UTF-8 text"));
    return NULL;
  }
  {
    g_autofree char *text = g_strndup (data, len);

    if (!check_structure (text, error))
      return NULL;
  }
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local)) {
    not_wstun (error, "%s", local->message);
    return NULL;
  }
  if (!g_key_file_has_group (kf, NM_WSTUN_FILE_GROUP)) {
    not_wstun (error, _ ("it has no [%s] group"), NM_WSTUN_FILE_GROUP);
    return NULL;
  }
  keys = g_key_file_get_keys (kf, NM_WSTUN_FILE_GROUP, NULL, NULL);

  connection = nm_simple_connection_new ();
  s_con = NM_SETTING_CONNECTION (nm_setting_connection_new ());
  uuid = nm_utils_uuid_generate ();
  g_object_set (s_con, NM_SETTING_CONNECTION_ID, name, NM_SETTING_CONNECTION_UUID, uuid,
                NM_SETTING_CONNECTION_TYPE, NM_SETTING_VPN_SETTING_NAME, NULL);
  nm_connection_add_setting (connection, NM_SETTING (s_con));
  s_vpn = NM_SETTING_VPN (nm_setting_vpn_new ());
  g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WSTUN_SERVICE_TYPE, NULL);
  nm_connection_add_setting (connection, NM_SETTING (s_vpn));

  for (guint i = 0; keys[i] != NULL; i++) {
    g_autofree char *value = NULL;

    if (!known_key (keys[i])) {
      not_wstun (error, _ ("unknown key “%s” in [%s]"), keys[i], NM_WSTUN_FILE_GROUP);
      return NULL;
    }
    /* values as written: no escapes, which GKeyFile would expand */
    value = g_key_file_get_value (kf, NM_WSTUN_FILE_GROUP, keys[i], NULL);
    if (g_str_equal (keys[i], KEY_TOKEN_REQUIRED)) {
      if (g_strcmp0 (value, "false") == 0)
        flags = NM_SETTING_SECRET_FLAG_NOT_REQUIRED;
      else if (g_strcmp0 (value, "true") != 0) {
        not_wstun (error, _ ("“%s” is true or false, not “%s”"), KEY_TOKEN_REQUIRED, value);
        return NULL;
      }
    } else if (g_str_equal (keys[i], NM_WSTUN_KEY_TOKEN)) {
      if (!nm_wstun_check_secret (keys[i], value, error))
        return NULL;
      nm_setting_vpn_add_secret (s_vpn, NM_WSTUN_KEY_TOKEN, value);
    } else {
      if (!nm_wstun_check_data_item (keys[i], value, error))
        return NULL;
      nm_setting_vpn_add_data_item (s_vpn, keys[i], value);
    }
  }
  if (nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_URL) == NULL) {
    not_wstun (error, _ ("it has no %s= (the relay's wss:// URL)"), NM_WSTUN_KEY_URL);
    return NULL;
  }
  /* a token in the file is kept with the connection (saved); else it is
   * asked for and kept by the user's agent, unless the relay needs none */
  if (nm_setting_vpn_get_secret (s_vpn, NM_WSTUN_KEY_TOKEN) != NULL)
    flags = NM_SETTING_SECRET_FLAG_NONE;
  nm_setting_set_secret_flags (NM_SETTING (s_vpn), NM_WSTUN_KEY_TOKEN, flags, NULL);
  return g_steal_pointer (&connection);
}

NMConnection *
nm_wstun_keyfile_import (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *base = NULL;
  g_autoptr (GError) local = NULL;
  struct stat st;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  /* only a .wstun file: nmcli offers a file to every plugin that imports */
  if (!g_str_has_suffix (path, NM_WSTUN_FILE_EXTENSION)) {
    g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
                 _ ("A wstun file's name ends in “%s”"), NM_WSTUN_FILE_EXTENSION);
    return NULL;
  }
  if (g_stat (path, &st) != 0) {
    int saved = errno;

    g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED, _ ("Cannot read %s: %s"),
                 path, g_strerror (saved));
    return NULL;
  }
  if (!S_ISREG (st.st_mode) || st.st_size > NM_WSTUN_FILE_MAX) {
    g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
                 _ ("%s is not a wstun file: it is not a regular file of at most %d bytes"), path,
                 NM_WSTUN_FILE_MAX);
    return NULL;
  }
  if (!g_file_get_contents (path, &data, &len, &local)) {
    g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED, "%s", local->message);
    return NULL;
  }
  base = g_path_get_basename (path);
  base[strlen (base) - strlen (NM_WSTUN_FILE_EXTENSION)] = '\0';
  return nm_wstun_keyfile_parse (*base != '\0' ? base : "wstun", data, len, error);
}

gboolean
nm_wstun_keyfile_export (const char *path, NMConnection *connection, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  NMSettingVpn *s_vpn;
  NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;
  const char *token;
  gsize len;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (NM_IS_CONNECTION (connection), FALSE);

  s_vpn = nm_connection_get_setting_vpn (connection);
  if (s_vpn == NULL ||
      g_strcmp0 (nm_setting_vpn_get_service_type (s_vpn), NM_WSTUN_SERVICE_TYPE) != 0) {
    g_set_error (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_FAILED,
                 _ ("This is not a wstun VPN connection"));
    return FALSE;
  }
  if (!nm_wstun_check_setting (s_vpn, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (file_keys); i++) {
    const char *value = nm_setting_vpn_get_data_item (s_vpn, file_keys[i]);

    /* set_value: written as it is, no escapes to undo on import */
    if (value != NULL)
      g_key_file_set_value (kf, NM_WSTUN_FILE_GROUP, file_keys[i], value);
  }
  nm_setting_get_secret_flags (NM_SETTING (s_vpn), NM_WSTUN_KEY_TOKEN, &flags, NULL);
  if (flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
    g_key_file_set_value (kf, NM_WSTUN_FILE_GROUP, KEY_TOKEN_REQUIRED, "false");
  token = nm_setting_vpn_get_secret (s_vpn, NM_WSTUN_KEY_TOKEN);
  if (token != NULL && *token != '\0')
    g_key_file_set_value (kf, NM_WSTUN_FILE_GROUP, NM_WSTUN_KEY_TOKEN, token);
  data = g_key_file_to_data (kf, &len, NULL);
  /* a file with the token is for its owner's eyes only */
  return g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
                                   token != NULL && *token != '\0' ? 0600 : 0644, error);
}

char *
nm_wstun_keyfile_suggested_name (NMConnection *connection)
{
  const char *id;
  g_autofree char *safe = NULL;

  g_return_val_if_fail (NM_IS_CONNECTION (connection), NULL);

  id = nm_connection_get_id (connection);
  safe = g_strdup (id != NULL && *id != '\0' ? id : "wstun");
  g_strdelimit (safe, "/\\\n\r\t", '_');
  return g_strconcat (safe, NM_WSTUN_FILE_EXTENSION, NULL);
}
