/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-keyfile.h: the .wstun file, a small key file that
 * `nmcli connection import type wstun file F` reads and
 * `nmcli connection export` writes:
 *
 *   [wstun]
 *   url=wss://relay.example.net
 *   ca-file=/etc/wstun/office-ca.pem      (optional)
 *   pin-sha256=BASE64=                     (optional)
 *   mtu=1400                               (optional)
 *   token-required=false                   (optional: an open relay)
 *   token=wst_...                          (only if exported with secrets)
 *
 * Files are untrusted input: at most 64 KiB of UTF-8 text, one [wstun]
 * group, each key once, no unknown keys, every value checked as the
 * service checks it (nm-wstun-settings.h). */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

#define NM_WSTUN_FILE_MAX (64 * 1024)

/* A new VPN connection named after the file (without .wstun), or NULL and
 * @error (NM_CONNECTION_ERROR_FAILED for a file that is not one, with a
 * message that says what is wrong and where). */
NMConnection *nm_wstun_keyfile_import (const char *path, GError **error);

/* The same from @data (@len bytes); @name names the connection. */
NMConnection *nm_wstun_keyfile_parse (const char *name, const char *data, gsize len,
                                      GError **error);

/* Writes @connection's wstun settings to @path; the token only if
 * @connection carries it, and then with mode 0600. */
gboolean nm_wstun_keyfile_export (const char *path, NMConnection *connection, GError **error);

/* "Office.wstun" for a connection named "Office" */
char *nm_wstun_keyfile_suggested_name (NMConnection *connection);

G_END_DECLS
