/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-dbus-connection.h"

#include <string.h>

#include "wstun-dbus-names.h"

struct _WstunDBusConnection {
  GObject parent_instance;

  guint id;
  char *path;
  guint owner_uid;
  WstunConnection *connection;
  WstunObjectSkeleton *object;
  WstunExportedConnection *iface; /* a WstunExportedConnectionSkeleton */
  guint caller_watch;
};

enum {
  SIGNAL_CALLER_VANISHED,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunDBusConnection, wstun_dbus_connection, G_TYPE_OBJECT)

static const char *const no_strings[] = { NULL };

static const char *
or_empty (const char *s)
{
  return s != NULL ? s : "";
}

/* @s cut to at most @max bytes, at a character boundary, "…" marking the cut */
static char *
truncated (const char *s, gsize max)
{
  g_autofree char *head = NULL;
  const char *end;

  if (s == NULL)
    return g_strdup ("");
  if (strlen (s) <= max)
    return g_strdup (s);
  end = g_utf8_find_prev_char (s, s + max - strlen ("…") + 1);
  head = g_strndup (s, end - s);
  return g_strconcat (head, "…", NULL);
}

static void
sync_stats (WstunDBusConnection *self)
{
  const WstunConnectionStats *stats = wstun_connection_get_stats (self->connection);

  wstun_exported_connection_set_rx_bytes (self->iface, stats->rx_bytes);
  wstun_exported_connection_set_tx_bytes (self->iface, stats->tx_bytes);
  wstun_exported_connection_set_rx_packets (self->iface, stats->rx_packets);
  wstun_exported_connection_set_tx_packets (self->iface, stats->tx_packets);
  wstun_exported_connection_set_dropped_packets (self->iface, stats->dropped_packets);
}

/* The skeleton only announces values that differ from what it has. */
static void
sync_all (WstunDBusConnection *self)
{
  WstunConnection *connection = self->connection;
  const char *const *routes = wstun_connection_get_routes (connection);
  const char *const *dns = wstun_connection_get_dns (connection);
  g_autofree char *last_error =
    truncated (wstun_connection_get_last_error (connection), WSTUN_DBUS_CONNECTION_LAST_ERROR_MAX);

  wstun_exported_connection_set_state (
    self->iface, wstun_connection_state_to_string (wstun_connection_get_state (connection)));
  wstun_exported_connection_set_url (self->iface, wstun_connection_get_url (connection));
  wstun_exported_connection_set_interface (self->iface,
                                           or_empty (wstun_connection_get_interface (connection)));
  wstun_exported_connection_set_address4 (self->iface,
                                          or_empty (wstun_connection_get_address4 (connection)));
  wstun_exported_connection_set_address6 (self->iface,
                                          or_empty (wstun_connection_get_address6 (connection)));
  wstun_exported_connection_set_mtu (self->iface, wstun_connection_get_mtu (connection));
  wstun_exported_connection_set_routes (self->iface, routes != NULL ? routes : no_strings);
  wstun_exported_connection_set_dns (self->iface, dns != NULL ? dns : no_strings);
  wstun_exported_connection_set_last_error (self->iface, last_error);
  wstun_exported_connection_set_failure_reason (
    self->iface, wstun_failure_to_string (wstun_connection_get_failure (connection)));
  wstun_exported_connection_set_relay_address (
    self->iface, or_empty (wstun_connection_get_relay_address (connection)));
  sync_stats (self);
}

void
wstun_dbus_connection_flush (WstunDBusConnection *self)
{
  g_return_if_fail (WSTUN_IS_DBUS_CONNECTION (self));

  sync_all (self);
  g_dbus_interface_skeleton_flush (G_DBUS_INTERFACE_SKELETON (self->iface));
}

static void
on_notify (WstunConnection *connection, GParamSpec *pspec, WstunDBusConnection *self)
{
  (void) connection;
  /* a state change goes out at once, with whatever came with it, so that
   * a listener sees every state in order */
  if (g_strcmp0 (pspec->name, "state") == 0)
    wstun_dbus_connection_flush (self);
  else
    sync_all (self);
}

static void
on_stats_changed (WstunConnection *connection, WstunDBusConnection *self)
{
  (void) connection;
  sync_stats (self);
}

static void
on_caller_vanished (GDBusConnection *bus, const char *name, gpointer user_data)
{
  WstunDBusConnection *self = user_data;

  (void) bus;
  g_message ("connection %u: %s left the bus, and the connection was bound to it", self->id, name);
  g_bus_unwatch_name (self->caller_watch);
  self->caller_watch = 0;
  g_signal_emit (self, signals[SIGNAL_CALLER_VANISHED], 0);
}

void
wstun_dbus_connection_bind_to_caller (WstunDBusConnection *self, GDBusConnection *bus,
                                      const char *name)
{
  g_return_if_fail (WSTUN_IS_DBUS_CONNECTION (self));
  g_return_if_fail (self->caller_watch == 0);

  self->caller_watch = g_bus_watch_name_on_connection (bus, name, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                       NULL, on_caller_vanished, self, NULL);
}

WstunDBusConnection *
wstun_dbus_connection_new (guint id, WstunConnection *connection, guint owner_uid)
{
  WstunDBusConnection *self;

  g_return_val_if_fail (WSTUN_IS_CONNECTION (connection), NULL);

  self = g_object_new (WSTUN_TYPE_DBUS_CONNECTION, NULL);
  self->id = id;
  self->path = g_strdup_printf (WSTUN_DBUS_CONNECTION_PATH_PREFIX "%u", id);
  self->owner_uid = owner_uid;
  self->connection = g_object_ref (connection);
  self->iface = wstun_exported_connection_skeleton_new ();
  self->object = wstun_object_skeleton_new (self->path);
  wstun_object_skeleton_set_exported_connection (self->object, self->iface);
  wstun_exported_connection_set_owner (self->iface, owner_uid);
  sync_all (self);
  g_signal_connect_object (connection, "notify", G_CALLBACK (on_notify), self, 0);
  g_signal_connect_object (connection, "stats-changed", G_CALLBACK (on_stats_changed), self, 0);
  return self;
}

guint
wstun_dbus_connection_get_id (WstunDBusConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_CONNECTION (self), 0);
  return self->id;
}

const char *
wstun_dbus_connection_get_path (WstunDBusConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_CONNECTION (self), NULL);
  return self->path;
}

guint
wstun_dbus_connection_get_owner_uid (WstunDBusConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_CONNECTION (self), 0);
  return self->owner_uid;
}

GDBusObjectSkeleton *
wstun_dbus_connection_get_object (WstunDBusConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_CONNECTION (self), NULL);
  return G_DBUS_OBJECT_SKELETON (self->object);
}

WstunExportedConnection *
wstun_dbus_connection_get_interface (WstunDBusConnection *self)
{
  g_return_val_if_fail (WSTUN_IS_DBUS_CONNECTION (self), NULL);
  return self->iface;
}

static void
wstun_dbus_connection_dispose (GObject *object)
{
  WstunDBusConnection *self = WSTUN_DBUS_CONNECTION (object);

  if (self->caller_watch != 0) {
    g_bus_unwatch_name (self->caller_watch);
    self->caller_watch = 0;
  }
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->object);
  g_clear_object (&self->iface);
  G_OBJECT_CLASS (wstun_dbus_connection_parent_class)->dispose (object);
}

static void
wstun_dbus_connection_finalize (GObject *object)
{
  WstunDBusConnection *self = WSTUN_DBUS_CONNECTION (object);

  g_free (self->path);
  G_OBJECT_CLASS (wstun_dbus_connection_parent_class)->finalize (object);
}

static void
wstun_dbus_connection_class_init (WstunDBusConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_dbus_connection_dispose;
  object_class->finalize = wstun_dbus_connection_finalize;

  signals[SIGNAL_CALLER_VANISHED] =
    g_signal_new ("caller-vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
wstun_dbus_connection_init (WstunDBusConnection *self)
{
  (void) self;
}
