/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay's certificate loading: pairs of every key type load, a key of
 * another certificate is refused naming both files, garbage is refused,
 * and the expiry is reported. tests/data/tls holds throwaway test pairs
 * (valid for 100 years; their keys protect nothing). */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wstun-cert.h"
#include "wstun-error.h"

static char *
data_file (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "tls", name, NULL);
}

static GTlsCertificate *
load (const char *cert, const char *key, gint64 *not_after, GError **error)
{
  g_autofree char *cert_file = data_file (cert);
  g_autofree char *key_file = data_file (key);

  return wstun_cert_load (cert_file, key_file, not_after, error);
}

static void
test_pairs (void)
{
  const char *types[] = { "ec", "rsa", "ed25519" };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
    g_autofree char *cert = g_strconcat (types[i], ".pem", NULL);
    g_autofree char *key = g_strconcat (types[i], ".key", NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (GTlsCertificate) certificate = NULL;
    gint64 not_after = 0;

    certificate = load (cert, key, &not_after, &error);
    g_assert_no_error (error);
    g_assert_nonnull (certificate);
    /* valid for about 100 years from when they were made (2026) */
    g_assert_cmpint (not_after, >, g_get_real_time () / G_USEC_PER_SEC + 90 * 365 * 86400LL);
  }
}

static void
test_mismatch (void)
{
  const char *pairs[][2] = {
    { "ec.pem", "rsa.key" },
    { "rsa.pem", "ec.key" },
    { "ed25519.pem", "ec.key" },
    { "ec.pem", "ed25519.key" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GTlsCertificate) certificate = NULL;
    gint64 not_after = -1;

    certificate = load (pairs[i][0], pairs[i][1], &not_after, &error);
    g_assert_null (certificate);
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
    g_test_message ("%s + %s: %s", pairs[i][0], pairs[i][1], error->message);
    g_assert_nonnull (strstr (error->message, "does not belong to the certificate"));
    g_assert_nonnull (strstr (error->message, pairs[i][0]));
    g_assert_nonnull (strstr (error->message, pairs[i][1]));
    g_assert_cmpint (not_after, ==, 0);
  }
}

static void
test_unreadable (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wstun-test-cert-XXXXXX", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.pem", NULL);
  g_autofree char *key = data_file ("ec.key");
  gint64 not_after;

  g_assert_true (g_file_set_contents (junk, "not a certificate\n", -1, NULL));
  certificate = wstun_cert_load (junk, key, &not_after, &error);
  g_assert_null (certificate);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "Cannot load the TLS certificate"));
  g_clear_error (&error);
  certificate = load ("missing.pem", "ec.key", &not_after, &error);
  g_assert_null (certificate);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS);
  g_unlink (junk);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cert/pairs", test_pairs);
  g_test_add_func ("/cert/mismatch", test_mismatch);
  g_test_add_func ("/cert/unreadable", test_unreadable);
  return g_test_run ();
}
