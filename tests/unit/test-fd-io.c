/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole reads with a bound, and whole writes, on file descriptors */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "wstun-fd-io.h"

/* A pipe holding @len bytes, then closed for writing; returns its read end */
static int
pipe_with (gsize len)
{
  g_autofree guint8 *data = g_malloc0 (MAX (len, 1));
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_true (wstun_fd_write_all (fds[1], data, len));
  close (fds[1]);
  return fds[0];
}

static void
test_read_bounded (void)
{
  /* pipes hold 64 KiB: up to the bound, at the bound, one byte over */
  const gsize sizes[] = { 0, 1, 1000, 1001 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++) {
    int fd = pipe_with (sizes[i]);
    g_autoptr (GBytes) bytes = wstun_fd_read_bounded (fd, 1000);
    int saved = errno;

    close (fd);
    if (sizes[i] <= 1000) {
      g_assert_nonnull (bytes);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, sizes[i]);
    } else {
      g_assert_null (bytes);
      g_assert_cmpint (saved, ==, EFBIG);
    }
  }
}

static void
test_read_error (void)
{
  int fds[2];

  /* the write end cannot be read */
  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_null (wstun_fd_read_bounded (fds[1], 10));
  g_assert_cmpint (errno, ==, EBADF);
  close (fds[0]);
  close (fds[1]);
}

static void
test_write_error (void)
{
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_false (wstun_fd_write_all (fds[0], (const guint8 *) "x", 1));
  g_assert_cmpint (errno, ==, EBADF);
  close (fds[0]);
  close (fds[1]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fd-io/read-bounded", test_read_bounded);
  g_test_add_func ("/fd-io/read-error", test_read_error);
  g_test_add_func ("/fd-io/write-error", test_write_error);
  return g_test_run ();
}
