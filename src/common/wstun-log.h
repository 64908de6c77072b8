/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-log.h: log lines for people with structured fields for the journal
 *
 * The text is what g_message() and g_warning() print; alongside, the
 * journal (when standard error is connected to it) gets fields to filter
 * on, e.g. journalctl WSTUN_EVENT=reconnected. The relay's client lines
 * (wstun-client-log.h) and wstund's connection lines use it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Logs @message at @level in @domain with @fields (keys such as
 * "WSTUN_EVENT", string values); fields whose value is NULL are left out,
 * and at most 8 are taken. */
void wstun_log_structured (GLogLevelFlags level, const char *domain, const GLogField *fields,
                           gsize n_fields, const char *message);

G_END_DECLS
