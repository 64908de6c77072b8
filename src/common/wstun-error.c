/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-error.h"

G_DEFINE_QUARK (wstun - error - quark, wstun_error)

gboolean
wstun_protocol_error (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL, msg);
  return FALSE;
}
