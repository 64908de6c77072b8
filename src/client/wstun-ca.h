/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-ca.h: the CA certificates a connection trusts instead of the
 * system's
 *
 * They come as PEM text (org.wstun.Connect's "ca", which the caller read as
 * itself) or as a file (root's "ca-file", wstund --connect --ca-file).
 * Either way at most WSTUN_CA_MAX_SIZE bytes, and loaded in a worker
 * thread, so that neither a big file nor a slow disk stalls the main loop
 * that carries every other tunnel. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Debian's whole CA bundle is 214 kB; a private CA is a few kB. */
#define WSTUN_CA_MAX_SIZE (256 * 1024)

/* Loads the CA certificates of @pem (PEM text) or, when @pem is NULL, of
 * the regular file @path, into a TLS database. Fails with
 * WSTUN_ERROR_INVALID_ARGS (too big, not a regular file, no certificate,
 * malformed) or a G_FILE_ERROR (cannot open the file). */
void wstun_ca_load_async (GBytes *pem, const char *path, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
GTlsDatabase *wstun_ca_load_finish (GAsyncResult *result, GError **error);

/* The same in the calling thread. */
GTlsDatabase *wstun_ca_load (GBytes *pem, const char *path, GError **error);

G_END_DECLS
