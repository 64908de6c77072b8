/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-loglimit.h: log a recurring event once per key per interval */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WstunLogLimit WstunLogLimit;

WstunLogLimit *wstun_log_limit_new (guint interval_seconds, guint max_keys);
void wstun_log_limit_free (WstunLogLimit *limit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunLogLimit, wstun_log_limit_free)

/* Whether an event for @key should be logged now. If so, @suppressed is
 * set to how many events for @key were not logged since the last one. */
gboolean wstun_log_limit_check (WstunLogLimit *limit, const char *key, gint64 now_usec,
                                guint *suppressed);

G_END_DECLS
