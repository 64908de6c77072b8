/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-fd-io.h"

#include <errno.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)

gboolean
wstun_fd_write_all (int fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return FALSE;
    }
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

GBytes *
wstun_fd_read_bounded (int fd, gsize max)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();

  for (;;) {
    /* one byte more than allowed tells a file that is too large */
    gsize room = MIN ((gsize) READ_CHUNK, max + 1 - data->len);
    gsize old = data->len;
    ssize_t n;

    g_byte_array_set_size (data, old + room);
    n = read (fd, data->data + old, room);
    g_byte_array_set_size (data, old + (n > 0 ? (gsize) n : 0));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return NULL;
    if (n == 0)
      return g_byte_array_free_to_bytes (g_steal_pointer (&data));
    if (data->len > max) {
      errno = EFBIG;
      return NULL;
    }
  }
}
