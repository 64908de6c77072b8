/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: public key pins (pin-sha256) */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "wstun-error.h"
#include "wstun-pin.h"

/* Self-signed test certificates; their pins were computed with
 * openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256 | base64 */
static const char rsa_pem[] = "-----BEGIN CERTIFICATE-----\n"
                              "MIIDDzCCAfegAwIBAgIUAsz4y66O7emRkDQOkcxM0rQrTyQwDQYJKoZIhvcNAQEL\n"
                              "BQAwFzEVMBMGA1UEAwwMcGluIHRlc3QgcnNhMB4XDTI2MTEyNTE1MDcwNloXDTM2\n"
                              "MTEyMjE1MDcwNlowFzEVMBMGA1UEAwwMcGluIHRlc3QgcnNhMIIBIjANBgkqhkiG\n"
                              "9w0BAQEFAAOCAQ8AMIIBCgKCAQEAjwVGKKQpUNyyAG4IMVMCD4/KiHI7r/yH3NTl\n"
                              "4rr7VvjSa9v674bPiQxwh4R2bIKRFiWqwqJbwr/XpNfzaYHd0iYlCL+kobIsRVPA\n"
                              "cIQmRYurdtIBzm5HveVqLFBWu5aZ5ZAuWmzkYQqmclQawfG3OQfOT9KsZBdDZO9N\n"
                              "FnnO28OcBgirwyoe+xNUqBmG8eDcAujyj9r2rDx06fVjTcLObeHdqrJcdM8Em/No\n"
                              "go7lK/91Kfqv5i1mhdkuj2v9MHlIjMjbvL/vY/dLl+lddI801YncTItEIbeyMP6s\n"
                              "e0IuZEIkWByAFLaco3s++s/AoMT6RDbLO3UZrKSS8qU3wgHc4QIDAQABo1MwUTAd\n"
                              "BgNVHQ4EFgQUhtO7ROI0lE3+s+wgQqFntFl5J5UwHwYDVR0jBBgwFoAUhtO7ROI0\n"
                              "lE3+s+wgQqFntFl5J5UwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOC\n"
                              "AQEALy0CXf+Qje/YtMnxDr1eamJGkY2JXkJbvMhwPNPh7SPxynqTXR5tl6v45uzq\n"
                              "1sxHcNZnR9v212Ma3e1iMNjuU4tnJiB84hF8uI17B53MZ1K5QJ3jKdgYDf8KRGgP\n"
                              "wbjAOymVonJQaWOhh2Xgq2o7wmisvd8isSsL/OSJlh2zYkTxZtxkphmXGOLXTait\n"
                              "9cPV4TbVy6kajARTkT50exyqV/kYxEKkS5If94Ui7yCO5R9sgNpzx2DqI5M15ck2\n"
                              "iZ0G9xRO1BDBs/qSsh5AttQXRDohNIik7zh3FumhG+JhaNrGKgRbX/s1TO14CzvY\n"
                              "VoOmeryUuosNOdH0FxL8opTOxg==\n"
                              "-----END CERTIFICATE-----\n";
static const char rsa_pin[] = "JCRnn01JYUq0C4aLNCmECRgAhX384de5A1HLADWaIiw=";

static const char ec_pem[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBgTCCASegAwIBAgIUXh7YV/cxBn1dXZc3/FT7X5TolLowCgYIKoZIzj0EAwIw\n"
                             "FjEUMBIGA1UEAwwLcGluIHRlc3QgZWMwHhcNMjYxMTI1MTUwNzA2WhcNMzYxMTIy\n"
                             "MTUwNzA2WjAWMRQwEgYDVQQDDAtwaW4gdGVzdCBlYzBZMBMGByqGSM49AgEGCCqG\n"
                             "SM49AwEHA0IABK6jELcNZodMwtjC3kmbTST0kcbT2CZ+W4je2bhwD42l21DeZH4d\n"
                             "mZ/YDoeW2XFmZWTfGDEVhWVf1JE49XJBSPGjUzBRMB0GA1UdDgQWBBSU+1h+DqfL\n"
                             "4Wt1Xxi9F2uT+A/8jTAfBgNVHSMEGDAWgBSU+1h+DqfL4Wt1Xxi9F2uT+A/8jTAP\n"
                             "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDRU3dXImXN7jqDSgI4\n"
                             "KmASK7LwDXS28sDzybWkZIlpSgIgAfM5yAu0+7yaZQoP/gEZ/EcWhfn9qImXwD49\n"
                             "kL4oTMw=\n"
                             "-----END CERTIFICATE-----\n";
static const char ec_pin[] = "ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/4=";

static GByteArray *
der_of (const char *pem)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) cert = g_tls_certificate_new_from_pem (pem, -1, &error);
  GByteArray *der = NULL;

  g_assert_no_error (error);
  g_object_get (cert, "certificate", &der, NULL);
  g_assert_nonnull (der);
  return der;
}

static void
test_pin_matches_openssl (void)
{
  const char *pems[] = { rsa_pem, ec_pem };
  const char *pins[] = { rsa_pin, ec_pin };

  for (guint i = 0; i < G_N_ELEMENTS (pems); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GTlsCertificate) cert = g_tls_certificate_new_from_pem (pems[i], -1, &error);
    g_autofree char *pin = NULL;

    g_assert_no_error (error);
    pin = wstun_pin_for_certificate (cert, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (pin, ==, pins[i]);
  }
}

static void
test_spki_hostile (void)
{
  g_autoptr (GByteArray) der = der_of (rsa_pem);
  const guint8 *spki = NULL;
  gsize spki_len = 0;

  g_assert_true (wstun_pin_find_spki (der->data, der->len, &spki, &spki_len));
  g_assert_true (spki > der->data && spki + spki_len <= der->data + der->len);
  g_assert_cmpuint (spki[0], ==, 0x30);

  /* every truncation is refused, inside the buffer (ASan watches) */
  for (gsize cut = 0; cut < der->len; cut++) {
    g_autofree guint8 *copy = g_memdup2 (der->data, cut);
    g_assert_false (wstun_pin_find_spki (copy, cut, &spki, &spki_len));
  }
  /* every single corrupted byte either still parses within bounds or is
   * refused */
  for (gsize i = 0; i < der->len; i++) {
    g_autofree guint8 *copy = g_memdup2 (der->data, der->len);

    copy[i] ^= 0xff;
    if (wstun_pin_find_spki (copy, der->len, &spki, &spki_len))
      g_assert_true (spki >= copy && spki + spki_len <= copy + der->len);
  }
  /* lengths that lie, long forms DER forbids */
  {
    const guint8 liar[] = { 0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00 };
    const guint8 long_short[] = { 0x30, 0x81, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01 };
    const guint8 five_bytes[] = { 0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00 };
    const guint8 indefinite[] = { 0x30, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00 };

    g_assert_false (wstun_pin_find_spki (liar, sizeof liar, &spki, &spki_len));
    g_assert_false (wstun_pin_find_spki (long_short, sizeof long_short, &spki, &spki_len));
    g_assert_false (wstun_pin_find_spki (five_bytes, sizeof five_bytes, &spki, &spki_len));
    g_assert_false (wstun_pin_find_spki (indefinite, sizeof indefinite, &spki, &spki_len));
    g_assert_false (wstun_pin_find_spki (NULL, 0, &spki, &spki_len));
  }
}

static void
test_pin_normalize (void)
{
  const char *good[] = { ec_pin, "pin-sha256:ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/4=",
                         "sha256//ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/4=" };
  const char *bad[] = { "",
                        "ngzKAbwt2V2Bp8R6QNR",
                        "ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/4",
                        "ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/4==",
                        "ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/!=",
                        "pin-sha1:abc",
                        /* 33 bytes */ "ngzKAbwt2V2Bp8R6QNR/bhPBJsN1N6+Q+4bwH/vju/4AAA==" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *pin = wstun_pin_normalize (good[i], &error);

    g_assert_no_error (error);
    g_assert_cmpstr (pin, ==, ec_pin);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *pin = wstun_pin_normalize (bad[i], &error);

    g_assert_null (pin);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pin/matches-openssl", test_pin_matches_openssl);
  g_test_add_func ("/pin/spki-hostile", test_spki_hostile);
  g_test_add_func ("/pin/normalize", test_pin_normalize);
  return g_test_run ();
}
