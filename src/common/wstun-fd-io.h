/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-fd-io.h: whole reads and writes on a file descriptor */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes all of @data to @fd, after short writes and EINTR too. On failure
 * returns FALSE with errno set (EIO for a write that took nothing). */
gboolean wstun_fd_write_all (int fd, const guint8 *data, gsize len);

/* Reads @fd to its end, keeping at most @max bytes: a file that holds
 * more (it may have grown since it was measured) is refused once its
 * @max + 1st byte is read. On failure returns NULL with errno set, EFBIG
 * for a file larger than @max. */
GBytes *wstun_fd_read_bounded (int fd, gsize max);

G_END_DECLS
