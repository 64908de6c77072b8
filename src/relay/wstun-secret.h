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

#define WSTUN_SECRET_SHA256_LEN 32

/* The SHA-256 of @text: what the relay keeps of a secret (tokens, resume
 * ids, the mesh key) */
void wstun_secret_sha256 (const char *text, guint8 digest[WSTUN_SECRET_SHA256_LEN]);
/* Whether two digests are equal, in a time that does not tell how many
 * bytes matched */
gboolean wstun_secret_digest_equal (const guint8 a[WSTUN_SECRET_SHA256_LEN],
                                    const guint8 b[WSTUN_SECRET_SHA256_LEN]);

G_END_DECLS
