/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-fd-limit.h"

#include <sys/resource.h>

guint
wstun_fd_limit_fit_clients (guint max_clients, guint max_pending, guint64 *limit)
{
  struct rlimit rl;
  guint64 others = (guint64) max_pending + MAX (max_pending / 4, 1) + WSTUN_FD_RESERVE;
  guint64 fit;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0) {
    if (limit != NULL)
      *limit = 0;
    return max_clients;
  }
  /* the soft limit is the one that bites; the hard one is the ceiling an
   * unprivileged process may raise it to (systemd's LimitNOFILE= sets both) */
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit raised = { rl.rlim_max, rl.rlim_max };

    if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
      rl.rlim_cur = rl.rlim_max;
  }
  if (limit != NULL)
    *limit = rl.rlim_cur;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= others + max_clients)
    return max_clients;
  fit = rl.rlim_cur > others ? rl.rlim_cur - others : 1;
  return (guint) MAX (MIN (fit, (guint64) max_clients), 1);
}
