/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-metrics.h: the relay's counters over HTTP, in Prometheus text format */
#pragma once

#include <glib-object.h>

#include "wstun-relay.h"

G_BEGIN_DECLS

#define WSTUN_TYPE_METRICS (wstun_metrics_get_type ())
G_DECLARE_FINAL_TYPE (WstunMetrics, wstun_metrics, WSTUN, METRICS, GObject)

/* Serves GET /metrics on @address ("ADDR:PORT", e.g. 127.0.0.1:9180). */
WstunMetrics *wstun_metrics_new (WstunRelay *relay, const char *address, GError **error);
/* The exposition text, for tests and logs. */
char *wstun_metrics_render (WstunRelay *relay);

G_END_DECLS
