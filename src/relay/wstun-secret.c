/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-secret.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/random.h>

#define SECRET_MAX_BYTES 64

char *
wstun_secret_new (gsize n_bytes, GError **error)
{
  guint8 raw[SECRET_MAX_BYTES];
  gsize got = 0;
  char *b64;

  g_return_val_if_fail (n_bytes > 0 && n_bytes <= SECRET_MAX_BYTES, NULL);

  while (got < n_bytes) {
    ssize_t n = getrandom (raw + got, n_bytes - got, 0);

    if (n < 0) {
      int err = errno;

      if (err == EINTR)
        continue;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   _ ("Cannot get random bytes from the kernel: %s"), g_strerror (err));
      return NULL;
    }
    got += n;
  }
  b64 = g_base64_encode (raw, n_bytes);
  explicit_bzero (raw, sizeof raw);
  g_strdelimit (b64, "+", '-');
  g_strdelimit (b64, "/", '_');
  *strchrnul (b64, '=') = '\0';
  return b64;
}

void
wstun_secret_sha256 (const char *text, guint8 digest[WSTUN_SECRET_SHA256_LEN])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = WSTUN_SECRET_SHA256_LEN;

  g_checksum_update (sum, (const guchar *) text, strlen (text));
  g_checksum_get_digest (sum, digest, &len);
}

gboolean
wstun_secret_digest_equal (const guint8 a[WSTUN_SECRET_SHA256_LEN],
                           const guint8 b[WSTUN_SECRET_SHA256_LEN])
{
  volatile guint8 diff = 0;

  /* every byte, with no early exit */
  for (guint i = 0; i < WSTUN_SECRET_SHA256_LEN; i++)
    diff |= a[i] ^ b[i];
  return diff == 0;
}
