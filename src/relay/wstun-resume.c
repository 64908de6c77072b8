/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-resume.h"

#include <string.h>

#include "wstun-secret.h"

#define RESUME_RANDOM_BYTES 16

gboolean
wstun_resume_id_new (char id[WSTUN_RESUME_ID_LEN + 1], GError **error)
{
  g_autofree char *secret = wstun_secret_new (RESUME_RANDOM_BYTES, error);

  if (secret == NULL)
    return FALSE;
  g_assert (strlen (secret) == WSTUN_RESUME_ID_LEN);
  memcpy (id, secret, WSTUN_RESUME_ID_LEN + 1);
  explicit_bzero (secret, WSTUN_RESUME_ID_LEN);
  return TRUE;
}

gboolean
wstun_resume_id_is_valid (const char *id)
{
  if (id == NULL || strlen (id) != WSTUN_RESUME_ID_LEN)
    return FALSE;
  for (gsize i = 0; i < WSTUN_RESUME_ID_LEN; i++) {
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;
  }
  /* 22 characters carry 132 bits: the last one only 2, its low 4 zero */
  return strchr ("AQgw", id[WSTUN_RESUME_ID_LEN - 1]) != NULL;
}

void
wstun_resume_id_hash (const char *id, guint8 hash[WSTUN_RESUME_HASH_LEN])
{
  wstun_secret_sha256 (id, hash);
}

void
wstun_resume_hash_to_hex (const guint8 hash[WSTUN_RESUME_HASH_LEN],
                          char hex[2 * WSTUN_RESUME_HASH_LEN + 1])
{
  static const char digits[] = "0123456789abcdef";

  for (guint i = 0; i < WSTUN_RESUME_HASH_LEN; i++) {
    hex[2 * i] = digits[hash[i] >> 4];
    hex[2 * i + 1] = digits[hash[i] & 0xf];
  }
  hex[2 * WSTUN_RESUME_HASH_LEN] = '\0';
}

gboolean
wstun_resume_hash_from_hex (const char *hex, guint8 hash[WSTUN_RESUME_HASH_LEN])
{
  if (hex == NULL || strlen (hex) != 2 * WSTUN_RESUME_HASH_LEN)
    return FALSE;
  for (guint i = 0; i < WSTUN_RESUME_HASH_LEN; i++) {
    int hi = g_ascii_xdigit_value (hex[2 * i]);
    int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

    /* one spelling only: lower case, as written */
    if (hi < 0 || lo < 0 || g_ascii_isupper (hex[2 * i]) || g_ascii_isupper (hex[2 * i + 1]))
      return FALSE;
    hash[i] = (guint8) (hi << 4 | lo);
  }
  return TRUE;
}
