/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-authority.h: may the caller of a D-Bus method do this?
 *
 * Root may always. So may the owner of the object the call is about, when
 * there is one. Everyone else is asked about with polkit, asynchronously:
 * one slow authority never stalls other callers. When polkit cannot be
 * asked (not running, not installed), they are refused (fail closed) and
 * the log says why. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* no owner: only root and polkit decide */
#define WSTUN_AUTHORITY_NO_OWNER G_MAXUINT

#define WSTUN_TYPE_AUTHORITY (wstun_authority_get_type ())
G_DECLARE_FINAL_TYPE (WstunAuthority, wstun_authority, WSTUN, AUTHORITY, GObject)

WstunAuthority *wstun_authority_new (void);

/* Checks whether the sender of @invocation may perform @action_id (a polkit
 * action) on something @owner_uid owns (WSTUN_AUTHORITY_NO_OWNER for
 * nothing). Allows user interaction (a password prompt) when the caller
 * allowed it in the message flags. */
void wstun_authority_check_async (WstunAuthority *self, GDBusMethodInvocation *invocation,
                                  const char *action_id, guint owner_uid, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
/* TRUE when allowed; @uid (optional) is the caller's uid. Refusals are
 * WSTUN_ERROR_NOT_AUTHORIZED with a message saying why. */
gboolean wstun_authority_check_finish (WstunAuthority *self, GAsyncResult *result, guint *uid,
                                       GError **error);

G_END_DECLS
