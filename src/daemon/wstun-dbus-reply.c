/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-dbus-reply.h"

#include "wstun-dbus-error.h"
#include "wstun-error.h"

static WstunDBusError
code_for (const GError *error)
{
  if (error->domain == WSTUN_DBUS_ERROR)
    return error->code;
  if (error->domain == WSTUN_ERROR) {
    switch ((WstunError) error->code) {
    case WSTUN_ERROR_INVALID_ARGS:
      return WSTUN_DBUS_ERROR_INVALID_ARGS;
    case WSTUN_ERROR_NOT_AUTHORIZED:
      return WSTUN_DBUS_ERROR_NOT_AUTHORIZED;
    case WSTUN_ERROR_NOT_FOUND:
      return WSTUN_DBUS_ERROR_NOT_FOUND;
    case WSTUN_ERROR_LIMIT_EXCEEDED:
      return WSTUN_DBUS_ERROR_LIMIT_EXCEEDED;
    case WSTUN_ERROR_FAILED:
    case WSTUN_ERROR_PROTOCOL:
    case WSTUN_ERROR_REFUSED:
    case WSTUN_ERROR_TIMED_OUT:
    default:
      return WSTUN_DBUS_ERROR_FAILED;
    }
  }
  return WSTUN_DBUS_ERROR_FAILED;
}

GError *
wstun_dbus_error_convert (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);
  return g_error_new_literal (WSTUN_DBUS_ERROR, code_for (error), error->message);
}

void
wstun_dbus_return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  g_autoptr (GError) converted = wstun_dbus_error_convert (error);

  g_debug ("%s.%s from %s: %s", g_dbus_method_invocation_get_interface_name (invocation),
           g_dbus_method_invocation_get_method_name (invocation),
           g_dbus_method_invocation_get_sender (invocation), error->message);
  g_dbus_method_invocation_return_gerror (invocation, converted);
}
