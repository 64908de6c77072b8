/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-resume.h: resume ids, which let a client that lost its connection
 * get the same addresses back (PROTOCOL.md, 3.4)
 *
 * An id is 128 bits from the kernel's CSPRNG in base64url without padding
 * (22 characters). The relay keeps only its SHA-256: the ids are bearer
 * secrets for addresses, and a copy of the relay's state must not hand
 * them out. A high-entropy secret needs no salt or slow hash.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WSTUN_RESUME_ID_LEN   22
#define WSTUN_RESUME_HASH_LEN 32

/* Writes a new id, NUL-terminated, to @id. Fails only when the kernel has
 * no random bytes to give. */
gboolean wstun_resume_id_new (char id[WSTUN_RESUME_ID_LEN + 1], GError **error);
/* Whether @id has the form of an id this relay makes (22 base64url
 * characters); anything else cannot match one. */
gboolean wstun_resume_id_is_valid (const char *id);
void wstun_resume_id_hash (const char *id, guint8 hash[WSTUN_RESUME_HASH_LEN]);

/* The hash as 64 lower-case hexadecimal digits, and back. */
void wstun_resume_hash_to_hex (const guint8 hash[WSTUN_RESUME_HASH_LEN],
                               char hex[2 * WSTUN_RESUME_HASH_LEN + 1]);
gboolean wstun_resume_hash_from_hex (const char *hex, guint8 hash[WSTUN_RESUME_HASH_LEN]);

G_END_DECLS
