/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-client-log.h"

#include "wstun-log.h"

void
wstun_client_log (GLogLevelFlags level, const WstunClientLogFields *fields, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;
  const GLogField extra[] = {
    { "WSTUN_EVENT", fields->event, -1 },
    { "WSTUN_CLIENT", fields->client, -1 },
    { "WSTUN_ADDRESS", fields->address, -1 },
    { "WSTUN_TOKEN", fields->token, -1 },
  };

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  wstun_log_structured (level, G_LOG_DOMAIN, extra, G_N_ELEMENTS (extra), message);
}
