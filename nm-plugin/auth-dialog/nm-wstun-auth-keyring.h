/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-auth-keyring.h: the token in the user's keyring (libsecret),
 * under the attributes NetworkManager's own agents use for VPN secrets
 * (GNOME Shell, nm-applet): so a token one of them saved is found here,
 * and one saved here is found by them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The saved token of connection @uuid, or NULL (none, or no keyring) */
char *nm_wstun_keyring_lookup (const char *uuid);

/* Saves @token for connection @uuid named @name; FALSE and @error when
 * there is no keyring to save it in */
gboolean nm_wstun_keyring_store (const char *uuid, const char *name, const char *token,
                                 GError **error);

G_END_DECLS
