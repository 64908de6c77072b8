/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-dbus-manager.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-dbus-connection.h"
#include "wstun-dbus-error.h"
#include "wstun-dbus-generated.h"
#include "wstun-dbus-names.h"
#include "wstun-dbus-reply.h"
#include "wstun-error.h"
#include "wstun-settings.h"

struct _WstunDBusManager {
  GObject parent_instance;

  WstunManager *manager;
  WstunAuthority *authority;
  GDBusConnection *bus; /* NULL when not exported */
  GDBusObjectManagerServer *object_manager;
  WstunExportedManager *iface; /* a WstunExportedManagerSkeleton */
  GHashTable *objects;         /* id -> WstunDBusConnection */
  guint n_calls;               /* Connect and Disconnect calls in progress */
  GHashTable *calls_by_caller; /* unique name -> calls in progress */
  GHashTable *connecting;      /* uid -> authorized Connect calls in progress */
  guint n_connecting;
  guint max_connections;
  guint max_per_user;
  gboolean busy;
};

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS,
};
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (WstunDBusManager, wstun_dbus_manager, G_TYPE_OBJECT)

/* ---- bookkeeping ------------------------------------------------------ */

static void
update_busy (WstunDBusManager *self)
{
  gboolean busy = self->n_calls > 0 || wstun_manager_get_n_connections (self->manager) > 0;

  if (busy == self->busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BUSY]);
}

static int
compare_ids (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);

  return x < y ? -1 : x > y;
}

static void
update_connections (WstunDBusManager *self)
{
  g_autoptr (GList) ids = g_list_sort (g_hash_table_get_keys (self->objects), compare_ids);
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();

  for (GList *l = ids; l != NULL; l = l->next) {
    WstunDBusConnection *object = g_hash_table_lookup (self->objects, l->data);

    g_ptr_array_add (paths, (gpointer) wstun_dbus_connection_get_path (object));
  }
  g_ptr_array_add (paths, NULL);
  wstun_exported_manager_set_connections (self->iface, (const char *const *) paths->pdata);
}

/* the connection id in @path, or 0 */
static guint
id_from_path (const char *path)
{
  const char *digits;
  char *end = NULL;
  guint64 id;

  if (!g_str_has_prefix (path, WSTUN_DBUS_CONNECTION_PATH_PREFIX))
    return 0;
  digits = path + strlen (WSTUN_DBUS_CONNECTION_PATH_PREFIX);
  /* one spelling per connection: no sign, no leading zero */
  if (!g_ascii_isdigit (*digits) || *digits == '0')
    return 0;
  id = g_ascii_strtoull (digits, &end, 10);
  if (*end != '\0' || id > G_MAXUINT)
    return 0;
  return (guint) id;
}

static WstunDBusConnection *
lookup (WstunDBusManager *self, const char *path, GError **error)
{
  WstunDBusConnection *object;

  object = g_hash_table_lookup (self->objects, GUINT_TO_POINTER (id_from_path (path)));
  if (object == NULL)
    g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_NOT_FOUND,
                 _ ("There is no connection %s"), path);
  return object;
}

/* One method call in progress; keeps wstund busy while it lasts. */
typedef struct {
  WstunDBusManager *self;
  GDBusMethodInvocation *invocation;
  WstunSettings *settings; /* Connect */
  guint uid;               /* Connect, once authorized */
  gboolean counted;        /* Connect: in self->connecting */
  char *path;              /* Disconnect */
} Call;

static guint
count (GHashTable *table, gconstpointer key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (table, key));
}

/* Adds @delta to @table's count for @key, forgetting keys at 0; a new key
 * is copied with @copy (NULL: stored as it is). */
static void
bump (GHashTable *table, gconstpointer key, int delta, GBoxedCopyFunc copy)
{
  guint n = count (table, key) + delta;

  if (n == 0)
    g_hash_table_remove (table, key);
  else
    g_hash_table_replace (table, copy != NULL ? copy ((gpointer) key) : (gpointer) key,
                          GUINT_TO_POINTER (n));
}

/* A new call, or NULL and @error when its caller has too many in progress */
static Call *
call_new (WstunDBusManager *self, GDBusMethodInvocation *invocation, GError **error)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  Call *call;

  if (sender != NULL &&
      count (self->calls_by_caller, sender) >= WSTUN_DBUS_MANAGER_MAX_CALLS_PER_CALLER) {
    g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_LIMIT_EXCEEDED,
                 _ ("Too many calls in progress from %s (at most %d at once)"), sender,
                 WSTUN_DBUS_MANAGER_MAX_CALLS_PER_CALLER);
    return NULL;
  }
  call = g_new0 (Call, 1);
  call->self = g_object_ref (self);
  call->invocation = g_object_ref (invocation);
  if (sender != NULL)
    bump (self->calls_by_caller, sender, +1, (GBoxedCopyFunc) g_strdup);
  self->n_calls++;
  update_busy (self);
  return call;
}

static void
call_free (Call *call)
{
  WstunDBusManager *self = call->self;
  const char *sender = g_dbus_method_invocation_get_sender (call->invocation);

  if (call->counted) {
    bump (self->connecting, GUINT_TO_POINTER (call->uid), -1, NULL);
    self->n_connecting--;
  }
  if (sender != NULL)
    bump (self->calls_by_caller, sender, -1, (GBoxedCopyFunc) g_strdup);
  self->n_calls--;
  update_busy (self);
  g_object_unref (self);
  g_object_unref (call->invocation);
  g_clear_pointer (&call->settings, wstun_settings_free);
  g_free (call->path);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* ---- Disconnect ------------------------------------------------------- */

static void
on_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  g_autoptr (GError) error = NULL;

  if (!wstun_manager_remove_finish (WSTUN_MANAGER (source), result, &error)) {
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  g_dbus_method_invocation_return_value (call->invocation, NULL);
}

static void
on_disconnect_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  g_autoptr (GError) error = NULL;
  WstunDBusConnection *object;
  WstunManager *manager;

  if (!wstun_authority_check_finish (WSTUN_AUTHORITY (source), result, NULL, &error)) {
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  object = lookup (call->self, call->path, &error);
  if (object == NULL) {
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  manager = call->self->manager;
  wstun_manager_remove_async (manager, wstun_dbus_connection_get_id (object), NULL, on_removed,
                              g_steal_pointer (&call));
}

static void
disconnect (WstunDBusManager *self, GDBusMethodInvocation *invocation, const char *path)
{
  g_autoptr (GError) error = NULL;
  WstunDBusConnection *object;
  Call *call;

  object = lookup (self, path, &error);
  if (object == NULL) {
    wstun_dbus_return_error (invocation, error);
    return;
  }
  call = call_new (self, invocation, &error);
  if (call == NULL) {
    wstun_dbus_return_error (invocation, error);
    return;
  }
  call->path = g_strdup (path);
  wstun_authority_check_async (self->authority, invocation, WSTUN_POLKIT_ACTION_CONNECT,
                               wstun_dbus_connection_get_owner_uid (object), NULL,
                               on_disconnect_authorized, call);
}

static gboolean
on_handle_disconnect (WstunExportedManager *iface, GDBusMethodInvocation *invocation,
                      const char *path, WstunDBusManager *self)
{
  (void) iface;
  disconnect (self, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_connection_disconnect (WstunExportedConnection *iface, GDBusMethodInvocation *invocation,
                                 WstunDBusManager *self)
{
  (void) iface;
  disconnect (self, invocation, g_dbus_method_invocation_get_object_path (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_caller_vanished (WstunDBusConnection *object, WstunDBusManager *self)
{
  wstun_manager_remove_async (self->manager, wstun_dbus_connection_get_id (object), NULL, NULL,
                              NULL);
}

/* ---- Connect ---------------------------------------------------------- */

static guint
connections_of (WstunDBusManager *self, guint uid)
{
  GHashTableIter iter;
  WstunDBusConnection *object;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->objects);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &object))
    n += wstun_dbus_connection_get_owner_uid (object) == uid;
  return n;
}

/* Room for one more connection of @uid? Listed ones count, failed or not,
 * and so do authorized Connect calls still loading their settings. */
static gboolean
check_limits (WstunDBusManager *self, guint uid, GError **error)
{
  guint total = g_hash_table_size (self->objects) + self->n_connecting;
  guint mine = connections_of (self, uid) + count (self->connecting, GUINT_TO_POINTER (uid));

  if (total >= self->max_connections) {
    g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_LIMIT_EXCEEDED,
                 _ ("wstund has %u connections, as many as it takes (--max-connections); "
                    "failed ones count until they are disconnected"),
                 total);
    return FALSE;
  }
  if (mine >= self->max_per_user) {
    g_set_error (error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_LIMIT_EXCEEDED,
                 _ ("User %u has %u connections, as many as one user may have "
                    "(--max-connections-per-user); failed ones count until they are "
                    "disconnected"),
                 uid, mine);
    return FALSE;
  }
  return TRUE;
}

static void
on_connect_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunDBusConnection) object = NULL;
  WstunDBusManager *self = call->self;
  WstunSettings *settings = call->settings;
  WstunConnection *connection;
  guint id;

  (void) source;
  if (!wstun_settings_load_finish (settings, result, &error)) {
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  if (self->bus == NULL) {
    g_set_error (&error, WSTUN_DBUS_ERROR, WSTUN_DBUS_ERROR_FAILED, _ ("wstund is shutting down"));
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  id = wstun_manager_add (self->manager, settings, &error);
  if (id == 0) {
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  connection = wstun_manager_lookup (self->manager, id);
  object = wstun_dbus_connection_new (id, connection, call->uid);
  g_message ("connection %u: %s for uid %u (%s)%s", id, wstun_dbus_connection_get_path (object),
             call->uid, g_dbus_method_invocation_get_sender (call->invocation),
             settings->bind_to_caller ? ", bound to the caller" : "");
  g_signal_connect (wstun_dbus_connection_get_interface (object), "handle-disconnect",
                    G_CALLBACK (on_handle_connection_disconnect), self);
  if (settings->bind_to_caller) {
    g_signal_connect (object, "caller-vanished", G_CALLBACK (on_caller_vanished), self);
    wstun_dbus_connection_bind_to_caller (object, self->bus,
                                          g_dbus_method_invocation_get_sender (call->invocation));
  }
  g_hash_table_insert (self->objects, GUINT_TO_POINTER (id), g_object_ref (object));
  g_dbus_object_manager_server_export (self->object_manager,
                                       wstun_dbus_connection_get_object (object));
  update_connections (self);
  wstun_exported_manager_complete_connect (self->iface, call->invocation,
                                           wstun_dbus_connection_get_path (object));
}

static void
on_connect_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Call) call = user_data;
  g_autoptr (GError) error = NULL;
  WstunDBusManager *self = call->self;
  WstunSettings *settings;

  if (!wstun_authority_check_finish (WSTUN_AUTHORITY (source), result, &call->uid, &error) ||
      !wstun_settings_check_caller (call->settings, call->uid, &error) ||
      !check_limits (self, call->uid, &error)) {
    wstun_dbus_return_error (call->invocation, error);
    return;
  }
  /* holds its place while the CA certificates load */
  call->counted = TRUE;
  bump (self->connecting, GUINT_TO_POINTER (call->uid), +1, NULL);
  self->n_connecting++;
  settings = call->settings;
  wstun_settings_load_async (settings, NULL, on_connect_loaded, g_steal_pointer (&call));
}

static gboolean
on_handle_connect (WstunExportedManager *iface, GDBusMethodInvocation *invocation,
                   GVariant *settings, WstunDBusManager *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunSettings) parsed = NULL;
  Call *call;

  (void) iface;
  /* cheap checks first, opening no file: a malformed call costs neither a
   * polkit round trip nor a password prompt */
  parsed = wstun_settings_new_from_variant (settings, &error);
  if (parsed == NULL) {
    wstun_dbus_return_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  call = call_new (self, invocation, &error);
  if (call == NULL) {
    wstun_dbus_return_error (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  call->settings = g_steal_pointer (&parsed);
  wstun_authority_check_async (self->authority, invocation, WSTUN_POLKIT_ACTION_CONNECT,
                               WSTUN_AUTHORITY_NO_OWNER, NULL, on_connect_authorized, call);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- following the manager ------------------------------------------ */

static void
on_connection_removed (WstunManager *manager, guint id, WstunConnection *connection,
                       WstunDBusManager *self)
{
  g_autoptr (WstunDBusConnection) object = NULL;

  (void) manager;
  (void) connection;
  if (!g_hash_table_steal_extended (self->objects, GUINT_TO_POINTER (id), NULL,
                                    (gpointer *) &object))
    return;
  /* the last state goes out before InterfacesRemoved */
  wstun_dbus_connection_flush (object);
  g_signal_handlers_disconnect_by_data (wstun_dbus_connection_get_interface (object), self);
  g_signal_handlers_disconnect_by_data (object, self);
  g_dbus_object_manager_server_unexport (self->object_manager,
                                         wstun_dbus_connection_get_path (object));
  update_connections (self);
  /* Connections changes right after InterfacesRemoved, not from an idle
   * callback that a stopping wstund might never run */
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->iface));
}

static void
on_n_connections (WstunManager *manager, GParamSpec *pspec, WstunDBusManager *self)
{
  (void) manager;
  (void) pspec;
  update_busy (self);
}

/* ---- public ----------------------------------------------------------- */

gboolean
wstun_dbus_manager_export (WstunDBusManager *self, GDBusConnection *bus, GError **error)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_MANAGER (self), FALSE);
  g_return_val_if_fail (self->bus == NULL, FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->iface), bus,
                                         WSTUN_DBUS_PATH, error))
    return FALSE;
  g_dbus_object_manager_server_set_connection (self->object_manager, bus);
  self->bus = g_object_ref (bus);
  return TRUE;
}

void
wstun_dbus_manager_unexport (WstunDBusManager *self)
{
  g_return_if_fail (WSTUN_IS_DBUS_MANAGER (self));

  if (self->bus == NULL)
    return;
  g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->iface));
  g_clear_object (&self->bus);
}

void
wstun_dbus_manager_set_limits (WstunDBusManager *self, guint max_connections, guint max_per_user)
{
  g_return_if_fail (WSTUN_IS_DBUS_MANAGER (self));
  self->max_connections = max_connections;
  self->max_per_user = max_per_user;
}

gboolean
wstun_dbus_manager_is_busy (WstunDBusManager *self)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_MANAGER (self), FALSE);
  return self->busy;
}

WstunDBusManager *
wstun_dbus_manager_new (WstunManager *manager, WstunAuthority *authority)
{
  WstunDBusManager *self;

  g_return_val_if_fail (WSTUN_IS_MANAGER (manager), NULL);
  g_return_val_if_fail (WSTUN_IS_AUTHORITY (authority), NULL);

  self = g_object_new (WSTUN_TYPE_DBUS_MANAGER, NULL);
  self->manager = g_object_ref (manager);
  self->authority = g_object_ref (authority);
  g_signal_connect_object (manager, "connection-removed", G_CALLBACK (on_connection_removed), self,
                           0);
  g_signal_connect_object (manager, "notify::n-connections", G_CALLBACK (on_n_connections), self,
                           0);
  update_busy (self);
  return self;
}

static void
wstun_dbus_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WstunDBusManager *self = WSTUN_DBUS_MANAGER (object);

  switch (prop_id) {
  case PROP_BUSY:
    g_value_set_boolean (value, self->busy);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
wstun_dbus_manager_dispose (GObject *object)
{
  WstunDBusManager *self = WSTUN_DBUS_MANAGER (object);

  wstun_dbus_manager_unexport (self);
  if (self->objects != NULL) {
    GHashTableIter iter;
    WstunDBusConnection *connection;

    g_hash_table_iter_init (&iter, self->objects);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &connection)) {
      g_signal_handlers_disconnect_by_data (wstun_dbus_connection_get_interface (connection), self);
      g_signal_handlers_disconnect_by_data (connection, self);
    }
    g_hash_table_remove_all (self->objects);
  }
  g_clear_object (&self->object_manager);
  g_clear_object (&self->iface);
  g_clear_object (&self->authority);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (wstun_dbus_manager_parent_class)->dispose (object);
}

static void
wstun_dbus_manager_finalize (GObject *object)
{
  WstunDBusManager *self = WSTUN_DBUS_MANAGER (object);

  g_hash_table_unref (self->objects);
  g_hash_table_unref (self->calls_by_caller);
  g_hash_table_unref (self->connecting);
  G_OBJECT_CLASS (wstun_dbus_manager_parent_class)->finalize (object);
}

static void
wstun_dbus_manager_class_init (WstunDBusManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wstun_dbus_manager_get_property;
  object_class->dispose = wstun_dbus_manager_dispose;
  object_class->finalize = wstun_dbus_manager_finalize;

  props[PROP_BUSY] = g_param_spec_boolean (
    "busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
wstun_dbus_manager_init (WstunDBusManager *self)
{
  static const char *const no_connections[] = { NULL };

  self->objects = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->calls_by_caller = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->connecting = g_hash_table_new (NULL, NULL);
  self->max_connections = WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS;
  self->max_per_user = WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS_PER_USER;
  self->object_manager = g_dbus_object_manager_server_new (WSTUN_DBUS_PATH);
  self->iface = wstun_exported_manager_skeleton_new ();
  wstun_exported_manager_set_version (self->iface, PACKAGE_VERSION);
  wstun_exported_manager_set_connections (self->iface, no_connections);
  g_signal_connect (self->iface, "handle-connect", G_CALLBACK (on_handle_connect), self);
  g_signal_connect (self->iface, "handle-disconnect", G_CALLBACK (on_handle_disconnect), self);
}
