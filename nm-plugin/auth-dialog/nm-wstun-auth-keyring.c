/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-auth-keyring.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include <NetworkManager.h>

#include "nm-wstun-keys.h"

/* NetworkManager's agents' schema; items of other programs with these
 * attributes match too (SECRET_SCHEMA_DONT_MATCH_NAME), as in
 * NetworkManager-openvpn's dialog */
static const SecretSchema schema = {
  "org.freedesktop.NetworkManager.Connection",
  SECRET_SCHEMA_DONT_MATCH_NAME,
  {
    { "connection-uuid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "setting-name", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "setting-key", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
};

char *
nm_wstun_keyring_lookup (const char *uuid)
{
  g_autoptr (GError) error = NULL;
  char *token;

  g_return_val_if_fail (uuid != NULL, NULL);

  token = secret_password_lookup_sync (&schema, NULL, &error, "connection-uuid", uuid,
                                       "setting-name", NM_SETTING_VPN_SETTING_NAME, "setting-key",
                                       NM_WSTUN_KEY_TOKEN, NULL);
  if (error != NULL)
    g_debug ("no keyring to look the token up in: %s", error->message);
  return token;
}

gboolean
nm_wstun_keyring_store (const char *uuid, const char *name, const char *token, GError **error)
{
  g_autofree char *label = NULL;

  g_return_val_if_fail (uuid != NULL && name != NULL && token != NULL, FALSE);

  label = g_strdup_printf (_ ("Token of the wstun VPN “%s”"), name);
  return secret_password_store_sync (
    &schema, SECRET_COLLECTION_DEFAULT, label, token, NULL, error, "connection-uuid", uuid,
    "setting-name", NM_SETTING_VPN_SETTING_NAME, "setting-key", NM_WSTUN_KEY_TOKEN, NULL);
}
