/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-client-log.h"

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
wstun_client_log (GLogLevelFlags level, const WstunClientLogFields *fields, const char *format, ...)
{
  g_autofree char *message = NULL;
  GLogField out[7];
  gsize n = 0;
  va_list args;
  const struct {
    const char *key;
    const char *value;
  } extra[] = {
    { "WSTUN_EVENT", fields->event },
    { "WSTUN_CLIENT", fields->client },
    { "WSTUN_ADDRESS", fields->address },
    { "WSTUN_TOKEN", fields->token },
  };

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  out[n++] = (GLogField){ "MESSAGE", message, -1 };
  out[n++] = (GLogField){ "PRIORITY", priority (level), -1 };
  /* GLib's writers print the domain, and G_MESSAGES_DEBUG filters by it */
  out[n++] = (GLogField){ "GLIB_DOMAIN", G_LOG_DOMAIN, -1 };
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++) {
    if (extra[i].value != NULL)
      out[n++] = (GLogField){ extra[i].key, extra[i].value, -1 };
  }
  g_log_structured_array (level, out, n);
}
