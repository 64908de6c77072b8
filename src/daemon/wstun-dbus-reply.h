/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-dbus-reply.h: failed method calls answer with org.wstun.Error.*
 *
 * Every error a method handler returns goes through here, so that callers
 * only ever see the API's registered error names (data/org.wstun.xml),
 * whatever domain the error came from inside wstund. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* @error, whatever its domain, as a WSTUN_DBUS_ERROR with the same message */
GError *wstun_dbus_error_convert (const GError *error);

/* Answers @invocation with wstun_dbus_error_convert (@error). */
void wstun_dbus_return_error (GDBusMethodInvocation *invocation, const GError *error);

G_END_DECLS
