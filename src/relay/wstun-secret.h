/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-secret.h: random secrets for tokens and resume ids
 *
 * From getrandom(), not g_random_*(): GLib's generator is a Mersenne
 * Twister, whose output can be predicted from enough earlier outputs. In
 * base64url without padding, so that a secret is safe in headers, URLs,
 * JSON and shells.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @n_bytes random bytes (at most 64) as base64url without padding; NULL
 * only when the kernel has no random bytes to give. */
char *wstun_secret_new (gsize n_bytes, GError **error);

G_END_DECLS
