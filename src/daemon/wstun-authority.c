/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-authority.h"

#include <glib/gi18n.h>
#include <polkit/polkit.h>

#include "wstun-error.h"

struct _WstunAuthority {
  GObject parent_instance;

  PolkitAuthority *polkit; /* NULL until a caller other than root comes */
  GPtrArray *waiting;      /* GTask waiting for polkit_authority_get_async() */
};

G_DEFINE_FINAL_TYPE (WstunAuthority, wstun_authority, G_TYPE_OBJECT)

typedef struct {
  char *sender;
  char *action_id;
  guint owner_uid;
  guint uid;
  gboolean interactive;
} Check;

static void
check_free (Check *check)
{
  g_free (check->sender);
  g_free (check->action_id);
  g_free (check);
}

static void
refuse (GTask *task, const char *message)
{
  Check *check = g_task_get_task_data (task);

  g_message ("refusing %s (uid %u) %s: %s", check->sender, check->uid, check->action_id, message);
  g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_NOT_AUTHORIZED, "%s", message);
}

/* Fail closed: without polkit, only root (and owners) may. */
static void
polkit_unavailable (GTask *task, const GError *error)
{
  Check *check = g_task_get_task_data (task);
  g_autofree char *message = NULL;

  g_warning ("polkit is not available, so refusing uid %u %s: %s", check->uid, check->action_id,
             error->message);
  message = g_strdup_printf (_ ("Not authorized: polkit, which decides for users other than "
                                "root, is not available (%s)"),
                             error->message);
  refuse (task, message);
}

static void
on_polkit_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (PolkitAuthorizationResult) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  Check *check = g_task_get_task_data (task);

  answer = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);
  if (answer == NULL) {
    g_dbus_error_strip_remote_error (error);
    polkit_unavailable (task, error);
    return;
  }
  if (polkit_authorization_result_get_is_authorized (answer)) {
    g_debug ("polkit allows uid %u %s", check->uid, check->action_id);
    g_task_return_boolean (task, TRUE);
    return;
  }
  if (polkit_authorization_result_get_is_challenge (answer))
    message = g_strdup_printf (_ ("Authentication is required for the polkit action %s: run this "
                                  "where a polkit authentication agent can ask for a password, "
                                  "or as root"),
                               check->action_id);
  else
    message = g_strdup_printf (_ ("Not authorized: polkit does not allow uid %u the action %s"),
                               check->uid, check->action_id);
  refuse (task, message);
}

static void
ask_polkit (WstunAuthority *self, GTask *task)
{
  Check *check = g_task_get_task_data (task);
  g_autoptr (PolkitSubject) subject = polkit_system_bus_name_new (check->sender);
  PolkitCheckAuthorizationFlags flags = check->interactive
                                          ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                          : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  polkit_authority_check_authorization (self->polkit, subject, check->action_id, NULL, flags,
                                        g_task_get_cancellable (task), on_polkit_result, task);
}

static void
on_polkit_authority (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunAuthority) self = user_data;
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting);
  g_autoptr (GError) error = NULL;

  (void) source;
  self->waiting = g_ptr_array_new ();
  self->polkit = polkit_authority_get_finish (result, &error);
  if (self->polkit == NULL) {
    g_dbus_error_strip_remote_error (error);
    for (guint i = 0; i < waiting->len; i++) {
      g_autoptr (GTask) task = g_ptr_array_index (waiting, i);
      polkit_unavailable (task, error);
    }
    return;
  }
  for (guint i = 0; i < waiting->len; i++)
    ask_polkit (self, g_ptr_array_index (waiting, i)); /* takes the reference */
}

static void
on_caller_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  WstunAuthority *self = g_task_get_source_object (task);
  Check *check = g_task_get_task_data (task);

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL) {
    g_autofree char *message =
      g_strdup_printf (_ ("Cannot tell which user is calling: %s"), error->message);
    refuse (task, message);
    return;
  }
  g_variant_get (reply, "(u)", &check->uid);
  if (check->uid == 0 || check->uid == check->owner_uid) {
    g_task_return_boolean (task, TRUE);
    return;
  }
  if (self->polkit != NULL) {
    ask_polkit (self, g_steal_pointer (&task));
    return;
  }
  g_ptr_array_add (self->waiting, g_steal_pointer (&task));
  if (self->waiting->len == 1)
    polkit_authority_get_async (NULL, on_polkit_authority, g_object_ref (self));
}

void
wstun_authority_check_async (WstunAuthority *self, GDBusMethodInvocation *invocation,
                             const char *action_id, guint owner_uid, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  Check *check;

  g_return_if_fail (WSTUN_IS_AUTHORITY (self));
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));
  g_return_if_fail (action_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  check = g_new0 (Check, 1);
  check->sender = g_strdup (g_dbus_method_invocation_get_sender (invocation));
  check->action_id = g_strdup (action_id);
  check->owner_uid = owner_uid;
  check->uid = G_MAXUINT;
  check->interactive = (g_dbus_message_get_flags (message) &
                        G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);

  if (check->sender == NULL) { /* a peer-to-peer connection: no bus to ask */
    g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_NOT_AUTHORIZED,
                             _ ("Cannot tell which user is calling"));
    return;
  }
  g_dbus_connection_call (g_dbus_method_invocation_get_connection (invocation),
                          "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionUnixUser", g_variant_new ("(s)", check->sender),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          on_caller_uid, g_steal_pointer (&task));
}

gboolean
wstun_authority_check_finish (WstunAuthority *self, GAsyncResult *result, guint *uid,
                              GError **error)
{
  Check *check;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  check = g_task_get_task_data (G_TASK (result));
  if (uid != NULL)
    *uid = check->uid;
  return g_task_propagate_boolean (G_TASK (result), error);
}

WstunAuthority *
wstun_authority_new (void)
{
  return g_object_new (WSTUN_TYPE_AUTHORITY, NULL);
}

static void
wstun_authority_finalize (GObject *object)
{
  WstunAuthority *self = WSTUN_AUTHORITY (object);

  g_clear_object (&self->polkit);
  g_ptr_array_unref (self->waiting);
  G_OBJECT_CLASS (wstun_authority_parent_class)->finalize (object);
}

static void
wstun_authority_class_init (WstunAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wstun_authority_finalize;
}

static void
wstun_authority_init (WstunAuthority *self)
{
  self->waiting = g_ptr_array_new ();
}
