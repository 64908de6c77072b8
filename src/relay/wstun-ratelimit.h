/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-ratelimit.h: per-source token buckets (failed authentications) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WstunRateLimit WstunRateLimit;

/* Each source may have @per_minute events per minute, in bursts of up to
 * @per_minute. At most @max_sources are tracked; sources whose bucket
 * has refilled are forgotten first. */
WstunRateLimit *wstun_rate_limit_new (guint per_minute, guint max_sources);
void wstun_rate_limit_free (WstunRateLimit *limit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunRateLimit, wstun_rate_limit_free)

/* Whether @source may have one more event now (nothing is recorded). */
gboolean wstun_rate_limit_allows (WstunRateLimit *limit, const char *source, gint64 now_usec);
/* Records one event of @source. */
void wstun_rate_limit_hit (WstunRateLimit *limit, const char *source, gint64 now_usec);
guint wstun_rate_limit_get_n_sources (WstunRateLimit *limit);

G_END_DECLS
