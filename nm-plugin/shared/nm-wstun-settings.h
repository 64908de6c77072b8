/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-settings.h: what a wstun VPN connection's vpn.data and
 * vpn.secrets may hold, checked in one place for the service, the
 * importer and the editor, with messages a user can act on. */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

/* Checks one vpn.data item (@key, @value). Unknown keys are refused, but
 * the secret flags ("token-flags"). Fails with NM_CONNECTION_ERROR
 * (NM_CONNECTION_ERROR_INVALID_PROPERTY) and a message naming the key. */
gboolean nm_wstun_check_data_item (const char *key, const char *value, GError **error);

/* Checks one vpn.secrets item. */
gboolean nm_wstun_check_secret (const char *key, const char *value, GError **error);

/* Checks every data and secret item of @s_vpn, and that url is there. */
gboolean nm_wstun_check_setting (NMSettingVpn *s_vpn, GError **error);

/* What is wrong, from an error of nm_wstun_check_data_item() or
 * nm_wstun_check_secret() for @key, without the "Invalid wstun setting
 * “KEY”:" before it: what the editor shows under the field. Points into
 * @error's message (all of it when it has no such start). */
const char *nm_wstun_check_reason (const GError *error, const char *key);

/* The relay URLs of a url= value: one, or several separated by commas
 * or spaces (no URL holds a space; one with a comma cannot be listed).
 * Empty parts are skipped. */
char **nm_wstun_split_urls (const char *value);

/* The pin in its bare base64 form (a "pin-sha256:" or "sha256//" prefix
 * taken off), or NULL when @pin is no base64 SHA-256 hash. */
char *nm_wstun_normalize_pin (const char *pin);

G_END_DECLS
