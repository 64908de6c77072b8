/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-dbus-error.h: the errors of wstund's D-Bus API, org.wstun.Error.*
 *
 * Linking this maps them both ways: a GError in this domain returned by a
 * method handler goes out under its registered name, and a remote error of
 * that name arrives in a proxy's caller as this domain and code (with the
 * remote name prefix still in the message: strip it with
 * g_dbus_error_strip_remote_error()). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WSTUN_DBUS_ERROR (wstun_dbus_error_quark ())
GQuark wstun_dbus_error_quark (void);

/**
 * WstunDBusError:
 * @WSTUN_DBUS_ERROR_FAILED: org.wstun.Error.Failed: anything not below
 * @WSTUN_DBUS_ERROR_INVALID_ARGS: org.wstun.Error.InvalidArgs: a setting is
 *   unknown, of the wrong type or invalid; the message names it
 * @WSTUN_DBUS_ERROR_NOT_AUTHORIZED: org.wstun.Error.NotAuthorized: the
 *   caller may not do this; the message says why
 * @WSTUN_DBUS_ERROR_NOT_FOUND: org.wstun.Error.NotFound: no such connection
 * @WSTUN_DBUS_ERROR_LIMIT_EXCEEDED: org.wstun.Error.LimitExceeded: too many
 *   connections (per user or in all), or calls in progress
 */
typedef enum {
  WSTUN_DBUS_ERROR_FAILED,
  WSTUN_DBUS_ERROR_INVALID_ARGS,
  WSTUN_DBUS_ERROR_NOT_AUTHORIZED,
  WSTUN_DBUS_ERROR_NOT_FOUND,
  WSTUN_DBUS_ERROR_LIMIT_EXCEEDED,
} WstunDBusError;

#define WSTUN_DBUS_ERROR_N_ERRORS (WSTUN_DBUS_ERROR_LIMIT_EXCEEDED + 1)

G_END_DECLS
