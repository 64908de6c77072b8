/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-tokens.h: the relay's client tokens, stored only as hashes
 *
 * A token is "wst_" and 43 characters of base64url: 256 random bits. The
 * tokens file (a key file, one group per token name) keeps each token's
 * SHA-256, never the token; a high-entropy secret needs no salt or slow
 * hash. Presented tokens are hashed and compared with every entry in
 * constant time.
 */
#pragma once

#include <glib.h>

#include "wstun-address.h"

G_BEGIN_DECLS

#define WSTUN_TOKEN_PREFIX   "wst_"
#define WSTUN_TOKEN_NAME_MAX 64

typedef struct {
  char *name;
  guint8 sha256[32];
  gboolean has_address4;
  WstunAddr address4; /* static address for this token, if any */
  gboolean has_address6;
  WstunAddr address6;
  char *created; /* ISO 8601, informational */
} WstunToken;

typedef struct _WstunTokens WstunTokens;

/* A missing file is an empty set when @create_missing, an error otherwise. */
WstunTokens *wstun_tokens_load (const char *path, gboolean create_missing, GError **error);
void wstun_tokens_free (WstunTokens *tokens);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunTokens, wstun_tokens_free)

guint wstun_tokens_get_n (WstunTokens *tokens);
const WstunToken *wstun_tokens_get_nth (WstunTokens *tokens, guint i);
const WstunToken *wstun_tokens_lookup_name (WstunTokens *tokens, const char *name);
/* The entry @token belongs to, or NULL. Takes the same time whether and
 * wherever it matches (for a given number of entries). */
const WstunToken *wstun_tokens_verify (WstunTokens *tokens, const char *token);

/* Adds @name with a new random token, returned (newly allocated) for the
 * caller to show once. */
char *wstun_tokens_add (WstunTokens *tokens, const char *name, const WstunAddr *address4,
                        const WstunAddr *address6, GError **error);
gboolean wstun_tokens_remove (WstunTokens *tokens, const char *name, GError **error);
/* Writes the file atomically, readable by its owner only. */
gboolean wstun_tokens_save (WstunTokens *tokens, GError **error);

gboolean wstun_token_name_is_valid (const char *name);

G_END_DECLS
