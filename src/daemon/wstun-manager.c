/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-manager.h"

#include <glib/gi18n.h>
#include <net/if.h>
#include <string.h>

#include "wstun-dbus-names.h"
#include "wstun-error.h"
#include "wstun-printable.h"

typedef struct {
  WstunManager *manager; /* unowned: it owns the entry */
  guint id;
  WstunConnection *connection;
  char *interface_wish; /* the interface setting, NULL for the kernel's choice */
  gulong notify_id;
  GSource *linger;    /* failed by itself: forget it when this fires */
  GPtrArray *waiters; /* GTask of wstun_manager_remove_async() */
  gboolean removing;  /* asked to end */
  gboolean down;      /* ended: forget it at the next reap */
} Entry;

struct _WstunManager {
  GObject parent_instance;

  GHashTable *entries; /* id -> Entry */
  guint last_id;
  GSource *reap;
};

enum {
  PROP_0,
  PROP_N_CONNECTIONS,
  N_PROPS,
};
static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_CONNECTION_ADDED,
  SIGNAL_CONNECTION_REMOVED,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunManager, wstun_manager, G_TYPE_OBJECT)

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static void
entry_free (Entry *entry)
{
  g_clear_signal_handler (&entry->notify_id, entry->connection);
  destroy_source (&entry->linger);
  g_clear_object (&entry->connection);
  g_free (entry->interface_wish);
  g_ptr_array_unref (entry->waiters);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Entry, entry_free)

static gboolean
is_down (WstunConnectionState state)
{
  return state == WSTUN_CONNECTION_STATE_DISCONNECTED || state == WSTUN_CONNECTION_STATE_FAILED;
}

/* Forgets the entries that are down. Runs from an idle source, so that
 * everyone following a connection's "notify::state" has seen its last
 * state before "connection-removed". */
static gboolean
reap (gpointer user_data)
{
  WstunManager *self = user_data;
  g_autoptr (GPtrArray) down = g_ptr_array_new ();
  GHashTableIter iter;
  Entry *entry;

  g_clear_pointer (&self->reap, g_source_unref);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    if (entry->down) {
      g_ptr_array_add (down, entry);
      g_hash_table_iter_steal (&iter);
    }
  }
  for (guint i = 0; i < down->len; i++) {
    g_autoptr (Entry) gone = g_ptr_array_index (down, i);

    g_clear_signal_handler (&gone->notify_id, gone->connection);
    g_debug ("connection %u: forgotten", gone->id);
    g_signal_emit (self, signals[SIGNAL_CONNECTION_REMOVED], 0, gone->id, gone->connection);
    for (guint j = 0; j < gone->waiters->len; j++)
      g_task_return_boolean (g_ptr_array_index (gone->waiters, j), TRUE);
  }
  /* once, after every "connection-removed": whoever waits for none to be
   * left (wstund stopping) must not act before the last was announced */
  if (down->len > 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_CONNECTIONS]);
  return G_SOURCE_REMOVE;
}

static void
mark_down (Entry *entry)
{
  WstunManager *self = entry->manager;

  entry->down = TRUE;
  destroy_source (&entry->linger);
  if (self->reap == NULL) {
    self->reap = g_idle_source_new ();
    g_source_set_callback (self->reap, reap, self, NULL);
    g_source_attach (self->reap, g_main_context_get_thread_default ());
  }
}

static gboolean
on_linger_over (gpointer user_data)
{
  Entry *entry = user_data;

  g_clear_pointer (&entry->linger, g_source_unref);
  g_debug ("connection %u: failed %d s ago, forgetting it", entry->id,
           WSTUN_MANAGER_FAILED_LINGER_SECONDS);
  mark_down (entry);
  return G_SOURCE_REMOVE;
}

static void
on_state (WstunConnection *connection, GParamSpec *pspec, Entry *entry)
{
  WstunConnectionState state = wstun_connection_get_state (connection);

  (void) pspec;
  if (entry->down || !is_down (state))
    return;
  if (entry->removing || state == WSTUN_CONNECTION_STATE_DISCONNECTED) {
    mark_down (entry);
    return;
  }
  /* failed by itself: keep it listed for a while with its LastError */
  if (entry->linger == NULL) {
    entry->linger = g_timeout_source_new_seconds (WSTUN_MANAGER_FAILED_LINGER_SECONDS);
    g_source_set_callback (entry->linger, on_linger_over, entry, NULL);
    g_source_attach (entry->linger, g_main_context_get_thread_default ());
  }
}

/* The interface wish must name no device, and no other connection may
 * wish for it: caught here, it costs the relay nothing, while the TUN
 * device is only made after the handshake. */
static gboolean
check_interface_free (WstunManager *self, const char *name, GError **error)
{
  g_autofree char *shown = NULL;
  GHashTableIter iter;
  Entry *entry;

  /* "wstun%d" asks the kernel to number it */
  if (name == NULL || strchr (name, '%') != NULL)
    return TRUE;
  shown = wstun_printable (name, -1);
  if (if_nametoindex (name) != 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("Invalid setting “%s”: a device named “%s” exists already"),
                 WSTUN_SETTING_INTERFACE, shown);
    return FALSE;
  }
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    if (!entry->down && g_strcmp0 (entry->interface_wish, name) == 0) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("Invalid setting “%s”: connection %u is using “%s” already"),
                   WSTUN_SETTING_INTERFACE, entry->id, shown);
      return FALSE;
    }
  }
  return TRUE;
}

guint
wstun_manager_add (WstunManager *self, const WstunSettings *settings, GError **error)
{
  g_autoptr (WstunConnection) connection = NULL;
  g_autofree char *url = NULL;
  Entry *entry;

  g_return_val_if_fail (WSTUN_IS_MANAGER (self), 0);
  g_return_val_if_fail (settings != NULL, 0);

  if (!check_interface_free (self, settings->interface, error))
    return 0;
  connection = wstun_settings_create_connection (settings, error);
  if (connection == NULL)
    return 0;

  entry = g_new0 (Entry, 1);
  entry->manager = self;
  entry->id = ++self->last_id;
  entry->connection = g_steal_pointer (&connection);
  entry->interface_wish = g_strdup (settings->interface);
  entry->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  entry->notify_id =
    g_signal_connect (entry->connection, "notify::state", G_CALLBACK (on_state), entry);
  g_hash_table_insert (self->entries, GUINT_TO_POINTER (entry->id), entry);

  {
    g_autofree char *joined = g_strjoinv (", ", settings->urls);

    url = wstun_printable (joined, -1);
  }
  g_message ("connection %u: connecting to %s", entry->id, url);
  wstun_connection_start (entry->connection);
  g_signal_emit (self, signals[SIGNAL_CONNECTION_ADDED], 0, entry->id, entry->connection);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_CONNECTIONS]);
  return entry->id;
}

WstunConnection *
wstun_manager_lookup (WstunManager *self, guint id)
{
  Entry *entry;

  g_return_val_if_fail (WSTUN_IS_MANAGER (self), NULL);

  entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (id));
  return entry != NULL && !entry->down ? entry->connection : NULL;
}

void
wstun_manager_remove_async (WstunManager *self, guint id, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Entry *entry;

  g_return_if_fail (WSTUN_IS_MANAGER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  entry = g_hash_table_lookup (self->entries, GUINT_TO_POINTER (id));
  if (entry == NULL) {
    g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_NOT_FOUND,
                             _ ("There is no connection %u"), id);
    return;
  }
  g_ptr_array_add (entry->waiters, g_steal_pointer (&task));
  if (entry->removing)
    return;
  entry->removing = TRUE;
  g_message ("connection %u: disconnecting", entry->id);
  if (is_down (wstun_connection_get_state (entry->connection)))
    mark_down (entry);
  else
    wstun_connection_stop (entry->connection); /* "notify::state" follows */
}

gboolean
wstun_manager_remove_finish (WstunManager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wstun_manager_remove_all (WstunManager *self)
{
  g_autoptr (GList) ids = NULL;

  g_return_if_fail (WSTUN_IS_MANAGER (self));

  ids = g_hash_table_get_keys (self->entries);
  for (GList *l = ids; l != NULL; l = l->next)
    wstun_manager_remove_async (self, GPOINTER_TO_UINT (l->data), NULL, NULL, NULL);
}

guint
wstun_manager_get_n_connections (WstunManager *self)
{
  g_return_val_if_fail (WSTUN_IS_MANAGER (self), 0);
  return g_hash_table_size (self->entries);
}

WstunManager *
wstun_manager_new (void)
{
  return g_object_new (WSTUN_TYPE_MANAGER, NULL);
}

static void
wstun_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WstunManager *self = WSTUN_MANAGER (object);

  switch (prop_id) {
  case PROP_N_CONNECTIONS:
    g_value_set_uint (value, g_hash_table_size (self->entries));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
wstun_manager_dispose (GObject *object)
{
  WstunManager *self = WSTUN_MANAGER (object);
  GHashTableIter iter;
  Entry *entry;

  destroy_source (&self->reap);
  /* whoever still waits learns that the end came another way */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry)) {
    for (guint i = 0; i < entry->waiters->len; i++)
      g_task_return_new_error (g_ptr_array_index (entry->waiters, i), WSTUN_ERROR,
                               WSTUN_ERROR_FAILED, _ ("wstund is shutting down"));
    g_ptr_array_set_size (entry->waiters, 0);
  }
  /* dropping the connections closes their sockets and devices */
  g_hash_table_remove_all (self->entries);
  G_OBJECT_CLASS (wstun_manager_parent_class)->dispose (object);
}

static void
wstun_manager_finalize (GObject *object)
{
  WstunManager *self = WSTUN_MANAGER (object);

  g_hash_table_unref (self->entries);
  G_OBJECT_CLASS (wstun_manager_parent_class)->finalize (object);
}

static void
wstun_manager_class_init (WstunManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wstun_manager_get_property;
  object_class->dispose = wstun_manager_dispose;
  object_class->finalize = wstun_manager_finalize;

  props[PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* (guint id, WstunConnection *connection) */
  signals[SIGNAL_CONNECTION_ADDED] =
    g_signal_new ("connection-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, WSTUN_TYPE_CONNECTION);
  signals[SIGNAL_CONNECTION_REMOVED] =
    g_signal_new ("connection-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_UINT, WSTUN_TYPE_CONNECTION);
}

static void
wstun_manager_init (WstunManager *self)
{
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) entry_free);
}
