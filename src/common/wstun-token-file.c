/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-token-file.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "wstun-error.h"

char *
wstun_token_file_read (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0) {
    int err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                 _ ("Cannot read the token file %s: %s"), path, g_strerror (err));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The token file %s is not a regular file"), path);
    return NULL;
  }
  if ((st.st_mode & S_IROTH) != 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The token file %s can be read by every user; a token is a password: "
                    "make it private first (chmod o-rwx %s)"),
                 path, path);
    return NULL;
  }
  if (!g_file_get_contents (path, &contents, &len, error)) {
    g_prefix_error (error, _ ("Cannot read the token file: "));
    return NULL;
  }
  if (strlen (contents) != len) {
    explicit_bzero (contents, len);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("The token file %s contains a NUL byte"), path);
    return NULL;
  }
  /* one line; an editor's trailing newline is not part of the token */
  while (len > 0 && (contents[len - 1] == '\n' || contents[len - 1] == '\r'))
    contents[--len] = '\0';
  if (len == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("The token file %s is empty"),
                 path);
    return NULL;
  }
  return g_steal_pointer (&contents);
}
