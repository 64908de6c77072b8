/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-dbus-error.h"

#include "wstun-dbus-names.h"

static const GDBusErrorEntry wstun_dbus_error_entries[] = {
  { WSTUN_DBUS_ERROR_FAILED, WSTUN_DBUS_NAME ".Error.Failed" },
  { WSTUN_DBUS_ERROR_INVALID_ARGS, WSTUN_DBUS_NAME ".Error.InvalidArgs" },
  { WSTUN_DBUS_ERROR_NOT_AUTHORIZED, WSTUN_DBUS_NAME ".Error.NotAuthorized" },
  { WSTUN_DBUS_ERROR_NOT_FOUND, WSTUN_DBUS_NAME ".Error.NotFound" },
  { WSTUN_DBUS_ERROR_LIMIT_EXCEEDED, WSTUN_DBUS_NAME ".Error.LimitExceeded" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (wstun_dbus_error_entries) == WSTUN_DBUS_ERROR_N_ERRORS);

GQuark
wstun_dbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("wstun-dbus-error-quark", &quark, wstun_dbus_error_entries,
                                      G_N_ELEMENTS (wstun_dbus_error_entries));
  return (GQuark) quark;
}
