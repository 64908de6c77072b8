/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-pin.h"

#include <glib/gi18n.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <string.h>

#include "wstun-error.h"

char *
wstun_pin_for_certificate (GTlsCertificate *certificate, GError **error)
{
  g_autoptr (GByteArray) der = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t pubkey = NULL;
  gnutls_datum_t in, spki = { NULL, 0 };
  g_autoptr (GChecksum) sum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  char *pin = NULL;
  int err;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("The certificate has no DER form"));
    return NULL;
  }
  in.data = der->data;
  in.size = der->len;
  /* GIO has no accessor for the public key: GnuTLS parses the DER */
  if ((err = gnutls_x509_crt_init (&crt)) < 0 ||
      (err = gnutls_x509_crt_import (crt, &in, GNUTLS_X509_FMT_DER)) < 0 ||
      (err = gnutls_pubkey_init (&pubkey)) < 0 ||
      (err = gnutls_pubkey_import_x509 (pubkey, crt, 0)) < 0 ||
      (err = gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, &spki)) < 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                 _ ("Cannot read the certificate's public key: %s"), gnutls_strerror (err));
  } else {
    sum = g_checksum_new (G_CHECKSUM_SHA256);
    g_checksum_update (sum, spki.data, spki.size);
    g_checksum_get_digest (sum, digest, &digest_len);
    pin = g_base64_encode (digest, digest_len);
  }
  gnutls_free (spki.data);
  if (pubkey != NULL)
    gnutls_pubkey_deinit (pubkey);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  return pin;
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
  if (strlen (b64) != 44 || strspn (b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
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
