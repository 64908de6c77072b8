/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-token-file.h: a relay token kept in a file (wstund --token-file,
 * wstunctl connect --token-file) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The token stored in @path, without its trailing newline. Refuses a file
 * that every user may read: a token is a password. */
char *wstun_token_file_read (const char *path, GError **error);

G_END_DECLS
