/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-cert.h: the relay's TLS certificate, loaded and checked */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Loads the PEM certificate (chain) @cert_file and private key @key_file,
 * and proves that the key belongs to the certificate with a TLS handshake
 * against itself (GIO loads a mismatched pair without complaint, and every
 * client's handshake would then fail). Logs until when the certificate is
 * valid, with a warning when that is less than 14 days away or past.
 * @not_after: set to that time in seconds since 1970, or 0 when unknown. */
GTlsCertificate *wstun_cert_load (const char *cert_file, const char *key_file, gint64 *not_after,
                                  GError **error);

G_END_DECLS
