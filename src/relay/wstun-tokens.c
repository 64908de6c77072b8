/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-tokens.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wstun-error.h"
#include "wstun-secret.h"

#define TOKEN_RANDOM_BYTES 32
#define FILE_HEADER                                                                                \
  "# wstun-relay tokens: only the SHA-256 of each token is stored.\n"                              \
  "# Manage with: wstun-relay --tokens FILE token add|list|remove\n"

struct _WstunTokens {
  char *path;
  GPtrArray *entries; /* WstunToken * */
};

static void
token_free (WstunToken *token)
{
  g_free (token->name);
  g_free (token->created);
  g_free (token);
}

gboolean
wstun_token_name_is_valid (const char *name)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > WSTUN_TOKEN_NAME_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isalnum (name[i]) && strchr ("._-@", name[i]) == NULL)
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_hex32 (const char *hex, guint8 out[32])
{
  if (hex == NULL || strlen (hex) != 64)
    return FALSE;
  for (guint i = 0; i < 32; i++) {
    int hi = g_ascii_xdigit_value (hex[2 * i]);
    int lo = g_ascii_xdigit_value (hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return FALSE;
    out[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}

static gboolean
load_address (GKeyFile *kf, const char *group, const char *key, int family, gboolean *has,
              WstunAddr *addr, GError **error)
{
  g_autofree char *value = g_key_file_get_string (kf, group, key, NULL);

  *has = FALSE;
  if (value == NULL)
    return TRUE;
  if (!wstun_addr_parse (value, addr, error))
    return FALSE;
  if (addr->family != family) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("“%s” is not an %s address"),
                 value, family == AF_INET ? "IPv4" : "IPv6");
    return FALSE;
  }
  *has = TRUE;
  return TRUE;
}

WstunTokens *
wstun_tokens_load (const char *path, gboolean create_missing, GError **error)
{
  g_autoptr (WstunTokens) tokens = g_new0 (WstunTokens, 1);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;

  tokens->path = g_strdup (path);
  tokens->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) token_free);

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, &local)) {
    if (create_missing && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return g_steal_pointer (&tokens);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("Cannot read tokens file %s: %s"),
                 path, local->message);
    return NULL;
  }

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++) {
    g_autoptr (GError) entry_error = NULL;
    g_autofree char *hash = g_key_file_get_string (kf, groups[i], "sha256", NULL);
    WstunToken *token = g_new0 (WstunToken, 1);

    token->name = g_strdup (groups[i]);
    token->created = g_key_file_get_string (kf, groups[i], "created", NULL);
    g_ptr_array_add (tokens->entries, token);
    if (!wstun_token_name_is_valid (token->name)) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("%s: invalid token name “%s”"),
                   path, groups[i]);
      return NULL;
    }
    if (!parse_hex32 (hash, token->sha256)) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("%s: token “%s” lacks a valid sha256 key (64 hex digits)"), path, groups[i]);
      return NULL;
    }
    if (!load_address (kf, groups[i], "address", AF_INET, &token->has_address4, &token->address4,
                       &entry_error) ||
        !load_address (kf, groups[i], "address6", AF_INET6, &token->has_address6, &token->address6,
                       &entry_error)) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("%s: token “%s”: %s"), path,
                   groups[i], entry_error->message);
      return NULL;
    }
  }
  return g_steal_pointer (&tokens);
}

void
wstun_tokens_free (WstunTokens *tokens)
{
  if (tokens == NULL)
    return;
  g_clear_pointer (&tokens->entries, g_ptr_array_unref);
  g_free (tokens->path);
  g_free (tokens);
}

guint
wstun_tokens_get_n (WstunTokens *tokens)
{
  return tokens->entries->len;
}

const WstunToken *
wstun_tokens_get_nth (WstunTokens *tokens, guint i)
{
  g_return_val_if_fail (i < tokens->entries->len, NULL);
  return g_ptr_array_index (tokens->entries, i);
}

const WstunToken *
wstun_tokens_lookup_name (WstunTokens *tokens, const char *name)
{
  for (guint i = 0; i < tokens->entries->len; i++) {
    const WstunToken *token = g_ptr_array_index (tokens->entries, i);
    if (g_str_equal (token->name, name))
      return token;
  }
  return NULL;
}

const WstunToken *
wstun_tokens_verify (WstunTokens *tokens, const char *presented)
{
  const WstunToken *match = NULL;
  guint8 digest[32];

  if (presented == NULL)
    return NULL;
  wstun_secret_sha256 (presented, digest);
  /* every entry is compared in full, with no early exit, so the time does
   * not tell how many bytes matched or which entry did */
  for (guint i = 0; i < tokens->entries->len; i++) {
    const WstunToken *token = g_ptr_array_index (tokens->entries, i);

    if (wstun_secret_digest_equal (token->sha256, digest))
      match = token;
  }
  return match;
}

char *
wstun_tokens_add (WstunTokens *tokens, const char *name, const WstunAddr *address4,
                  const WstunAddr *address6, GError **error)
{
  g_autofree char *b64 = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  WstunToken *token;
  char *secret;

  if (!wstun_token_name_is_valid (name)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Invalid token name “%s”: use 1 to %d letters, digits, “.”, “_”, “-” or “@”"),
                 name, WSTUN_TOKEN_NAME_MAX);
    return NULL;
  }
  if (wstun_tokens_lookup_name (tokens, name) != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("A token named “%s” exists already; remove it first"), name);
    return NULL;
  }
  if ((address4 != NULL && address4->family != AF_INET) ||
      (address6 != NULL && address6->family != AF_INET6)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("A token's --address must be IPv4 and --address6 IPv6"));
    return NULL;
  }
  b64 = wstun_secret_new (TOKEN_RANDOM_BYTES, error);
  if (b64 == NULL)
    return NULL;
  secret = g_strconcat (WSTUN_TOKEN_PREFIX, b64, NULL);
  explicit_bzero (b64, strlen (b64));

  token = g_new0 (WstunToken, 1);
  token->name = g_strdup (name);
  wstun_secret_sha256 (secret, token->sha256);
  if (address4 != NULL) {
    token->has_address4 = TRUE;
    token->address4 = *address4;
  }
  if (address6 != NULL) {
    token->has_address6 = TRUE;
    token->address6 = *address6;
  }
  token->created = g_date_time_format_iso8601 (now);
  g_ptr_array_add (tokens->entries, token);
  return secret;
}

gboolean
wstun_tokens_remove (WstunTokens *tokens, const char *name, GError **error)
{
  for (guint i = 0; i < tokens->entries->len; i++) {
    const WstunToken *token = g_ptr_array_index (tokens->entries, i);
    if (g_str_equal (token->name, name)) {
      g_ptr_array_remove_index (tokens->entries, i);
      return TRUE;
    }
  }
  g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_NOT_FOUND, _ ("No token named “%s” in %s"), name,
               tokens->path);
  return FALSE;
}

gboolean
wstun_tokens_save (WstunTokens *tokens, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;

  for (guint i = 0; i < tokens->entries->len; i++) {
    const WstunToken *token = g_ptr_array_index (tokens->entries, i);
    char hex[65];
    char buf[WSTUN_ADDR_STRLEN];

    for (guint j = 0; j < 32; j++)
      g_snprintf (hex + 2 * j, 3, "%02x", token->sha256[j]);
    g_key_file_set_string (kf, token->name, "sha256", hex);
    if (token->has_address4)
      g_key_file_set_string (kf, token->name, "address",
                             wstun_addr_to_string (&token->address4, buf));
    if (token->has_address6)
      g_key_file_set_string (kf, token->name, "address6",
                             wstun_addr_to_string (&token->address6, buf));
    if (token->created != NULL)
      g_key_file_set_string (kf, token->name, "created", token->created);
  }
  data = g_key_file_to_data (kf, &len, NULL);
  {
    g_autofree char *content = g_strconcat (FILE_HEADER, data, NULL);
    GStatBuf old;
    gboolean had = g_stat (tokens->path, &old) == 0;
    /* the file is replaced: it keeps the group and the group's read access
     * an administrator gave it (the relay's service user reads it through
     * its group), never more than that */
    int mode = had ? (int) ((old.st_mode & 0640) | 0600) : 0600;

    if (!g_file_set_contents_full (tokens->path, content, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   mode, &local)) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("Cannot write %s: %s"), tokens->path,
                   local->message);
      return FALSE;
    }
    if (had && old.st_gid != getegid () && chown (tokens->path, (uid_t) -1, old.st_gid) != 0)
      g_warning (_ ("%s: cannot give it back its group %u: %s"), tokens->path, (guint) old.st_gid,
                 g_strerror (errno));
  }
  return TRUE;
}
