/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-pin.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"

/* DER, just enough of it: the certificate comes from the network, so every
 * length is checked against what is left, and nothing is allocated. */
typedef struct {
  const guint8 *p;
  gsize left;
} Der;

/* Reads one tag-length-value; @value/@value_len is its content and
 * @whole/@whole_len the element including tag and length. */
static gboolean
der_next (Der *der, guint8 *tag, const guint8 **value, gsize *value_len, const guint8 **whole,
          gsize *whole_len)
{
  const guint8 *start = der->p;
  gsize left = der->left, len, header;

  if (left < 2)
    return FALSE;
  *tag = start[0];
  if ((*tag & 0x1f) == 0x1f) /* high tag numbers do not occur in certificates */
    return FALSE;
  if (start[1] < 0x80) {
    len = start[1];
    header = 2;
  } else {
    guint n = start[1] & 0x7f;

    /* DER: the long form only from 128 on, at most 4 length bytes */
    if (n == 0 || n > 4 || left < 2 + (gsize) n)
      return FALSE;
    len = 0;
    for (guint i = 0; i < n; i++)
      len = (len << 8) | start[2 + i];
    if (len < 0x80)
      return FALSE;
    header = 2 + n;
  }
  if (len > left - header)
    return FALSE;
  *value = start + header;
  *value_len = len;
  if (whole != NULL) {
    *whole = start;
    *whole_len = header + len;
  }
  der->p = start + header + len;
  der->left = left - header - len;
  return TRUE;
}

gboolean
wstun_pin_find_spki (const guint8 *cert, gsize cert_len, const guint8 **spki, gsize *spki_len)
{
  Der der = { cert, cert_len }, tbs;
  const guint8 *value;
  gsize value_len;
  guint8 tag;

  /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... } */
  if (!der_next (&der, &tag, &value, &value_len, NULL, NULL) || tag != 0x30)
    return FALSE;
  der = (Der){ value, value_len };
  if (!der_next (&der, &tag, &value, &value_len, NULL, NULL) || tag != 0x30)
    return FALSE;
  tbs = (Der){ value, value_len };

  /* [0] version (optional), serialNumber, signature, issuer, validity,
   * subject, then subjectPublicKeyInfo */
  if (tbs.left > 0 && tbs.p[0] == 0xa0 && !der_next (&tbs, &tag, &value, &value_len, NULL, NULL))
    return FALSE;
  if (!der_next (&tbs, &tag, &value, &value_len, NULL, NULL) || tag != 0x02)
    return FALSE;
  for (guint i = 0; i < 4; i++) {
    if (!der_next (&tbs, &tag, &value, &value_len, NULL, NULL) || tag != 0x30)
      return FALSE;
  }
  return der_next (&tbs, &tag, &value, &value_len, spki, spki_len) && tag == 0x30;
}

char *
wstun_pin_for_certificate (GTlsCertificate *certificate, GError **error)
{
  g_autoptr (GByteArray) der = NULL;
  g_autoptr (GChecksum) sum = NULL;
  const guint8 *spki;
  gsize spki_len;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_object_get (certificate, "certificate", &der, NULL);
  /* GIO has no accessor for the public key; GnuTLS has, but linking it
   * costs the service 2 MB of memory for these few lines */
  if (der == NULL || !wstun_pin_find_spki (der->data, der->len, &spki, &spki_len)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                 _ ("Cannot find the public key in the relay's certificate"));
    return NULL;
  }
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, spki, spki_len);
  g_checksum_get_digest (sum, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

char *
wstun_pin_normalize (const char *pin, GError **error)
{
  g_autofree guchar *raw = NULL;
  gsize len = 0;
  const char *b64 = pin;

  if (g_str_has_prefix (b64, "pin-sha256:"))
    b64 += strlen ("pin-sha256:");
  else if (g_str_has_prefix (b64, "sha256//"))
    b64 += strlen ("sha256//");
  /* base64 of 32 bytes: 43 characters and one "=" */
  if (strlen (b64) != 44 ||
      strspn (b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789+/=") != 44 ||
      (raw = g_base64_decode (b64, &len)) == NULL || len != 32) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("“%s” is not a pin-sha256 (the base64 SHA-256 of a public key, 44 "
                    "characters)"),
                 pin);
    return NULL;
  }
  return g_strdup (b64);
}
