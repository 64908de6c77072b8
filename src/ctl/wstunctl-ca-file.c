/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connect --ca-file FILE: wstunctl reads the CA certificates itself, with
 * the caller's rights, and passes their PEM text as the "ca" setting.
 * wstund refuses "ca-file" from anyone but root, because a service that
 * opens files for its callers lets them read what only it may (a private
 * key, /proc/...) or block it on a FIFO. The same care applies here,
 * where a stuck open() or read() would hang wstunctl: only regular files
 * of at most WSTUN_SETTING_CA_MAX bytes. */
#include "config.h"

#include "wstunctl.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wstun-dbus-names.h"
#include "wstun-fd-io.h"

GBytes *
wstunctl_read_ca_file (const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  GBytes *bytes;
  struct stat st;
  int fd, saved_errno;

  /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
   * below anyway */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0) {
    saved_errno = errno;
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE, _ ("Cannot open %s: %s"), display,
                 g_strerror (saved_errno));
    return NULL;
  }
  if (fstat (fd, &st) < 0) {
    saved_errno = errno;
    g_close (fd, NULL);
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE, _ ("Cannot read %s: %s"), display,
                 g_strerror (saved_errno));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    g_close (fd, NULL);
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE,
                 _ ("%s is not a regular file; --ca-file takes a file of PEM certificates"),
                 display);
    return NULL;
  }
  if (st.st_size > WSTUN_SETTING_CA_MAX) {
    g_close (fd, NULL);
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE,
                 _ ("%s is too large for CA certificates: %lld bytes, at most %d"), display,
                 (long long) st.st_size, WSTUN_SETTING_CA_MAX);
    return NULL;
  }
  /* it may have grown since fstat(): the bound is on what is read */
  bytes = wstun_fd_read_bounded (fd, WSTUN_SETTING_CA_MAX);
  saved_errno = errno;
  g_close (fd, NULL);
  if (bytes == NULL && saved_errno == EFBIG) {
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE,
                 _ ("%s is too large for CA certificates: more than %d bytes"), display,
                 WSTUN_SETTING_CA_MAX);
    return NULL;
  }
  if (bytes == NULL) {
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE, _ ("Cannot read %s: %s"), display,
                 g_strerror (saved_errno));
    return NULL;
  }
  if (g_bytes_get_size (bytes) == 0) {
    g_bytes_unref (bytes);
    g_set_error (error, WSTUNCTL_ERROR, WSTUNCTL_EXIT_USAGE, _ ("%s is empty"), display);
    return NULL;
  }
  return bytes;
}
