/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-log.h"

#define MAX_FIELDS 8

/* syslog(3) priorities, as GLib gives them to its own structured messages */
static const char *
priority (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

void
wstun_log_structured (GLogLevelFlags level, const char *domain, const GLogField *fields,
                      gsize n_fields, const char *message)
{
  GLogField out[3 + MAX_FIELDS];
  gsize n = 0;

  out[n++] = (GLogField){ "MESSAGE", message, -1 };
  out[n++] = (GLogField){ "PRIORITY", priority (level), -1 };
  /* GLib's writers print the domain, and G_MESSAGES_DEBUG filters by it */
  out[n++] = (GLogField){ "GLIB_DOMAIN", domain, -1 };
  for (gsize i = 0; i < n_fields && n < G_N_ELEMENTS (out); i++) {
    if (fields[i].value != NULL)
      out[n++] = fields[i];
  }
  g_log_structured_array (level, out, n);
}
