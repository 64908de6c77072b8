/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-pin.h: public key pins, as openconnect's --servercert pin-sha256:
 * the base64 SHA-256 of the certificate's SubjectPublicKeyInfo (RFC 7469) */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Finds the SubjectPublicKeyInfo (tag and length included) in a DER
 * certificate; FALSE if it is not one. Never reads outside @cert. */
gboolean wstun_pin_find_spki (const guint8 *cert, gsize cert_len, const guint8 **spki,
                              gsize *spki_len);
/* The pin of @certificate's public key. */
char *wstun_pin_for_certificate (GTlsCertificate *certificate, GError **error);
/* Checks a user-given pin: base64 of 32 bytes, optionally prefixed with
 * "pin-sha256:" or "sha256//". Returns the bare base64 form. */
char *wstun_pin_normalize (const char *pin, GError **error);

G_END_DECLS
