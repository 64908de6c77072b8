/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-daemon.h"

#include "wstun-authority.h"
#include "wstun-dbus-manager.h"
#include "wstun-dbus-names.h"
#include "wstun-manager.h"

struct _WstunDaemon {
  GObject parent_instance;

  GBusType bus_type;
  guint idle_timeout;
  gboolean replace;

  WstunManager *manager;
  WstunAuthority *authority;
  WstunDBusManager *dbus_manager;
  GDBusConnection *bus;
  guint owner_id;
  gboolean owned;
  GSource *idle;
  gboolean stopping;
  gboolean finished;
  int exit_code;
};

enum {
  SIGNAL_FINISHED,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WstunDaemon, wstun_daemon, G_TYPE_OBJECT)

static void
destroy_source (GSource **source)
{
  if (*source != NULL) {
    g_source_destroy (*source);
    g_clear_pointer (source, g_source_unref);
  }
}

static const char *
bus_name (WstunDaemon *self)
{
  return self->bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session";
}

static void
finish (WstunDaemon *self, int exit_code)
{
  if (self->finished)
    return;
  self->finished = TRUE;
  self->exit_code = exit_code;
  destroy_source (&self->idle);
  if (self->bus != NULL) {
    /* the last PropertiesChanged and InterfacesRemoved go out first */
    g_dbus_connection_flush_sync (self->bus, NULL, NULL);
    wstun_dbus_manager_unexport (self->dbus_manager);
  }
  if (self->owner_id != 0) {
    g_bus_unown_name (self->owner_id);
    self->owner_id = 0;
  }
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

/* Closes every connection, then finishes. */
static void
stop (WstunDaemon *self, int exit_code)
{
  self->exit_code = exit_code;
  if (self->stopping)
    return;
  self->stopping = TRUE;
  destroy_source (&self->idle);
  if (wstun_manager_get_n_connections (self->manager) == 0) {
    finish (self, exit_code);
    return;
  }
  g_message ("disconnecting %u connection(s)", wstun_manager_get_n_connections (self->manager));
  wstun_manager_remove_all (self->manager); /* on_n_connections() follows */
}

static void
on_n_connections (WstunManager *manager, GParamSpec *pspec, WstunDaemon *self)
{
  (void) pspec;
  if (self->stopping && wstun_manager_get_n_connections (manager) == 0)
    finish (self, self->exit_code);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  WstunDaemon *self = user_data;

  g_clear_pointer (&self->idle, g_source_unref);
  g_message ("no connections for %u s: exiting (D-Bus activation starts wstund again)",
             self->idle_timeout);
  finish (self, 0);
  return G_SOURCE_REMOVE;
}

/* Exit on idle: only on the system bus, where activation brings wstund
 * back, and not while anything is connected or being called. */
static void
update_idle (WstunDaemon *self)
{
  gboolean idle = self->owned && !self->stopping && self->idle_timeout > 0 &&
                  self->bus_type == G_BUS_TYPE_SYSTEM &&
                  !wstun_dbus_manager_is_busy (self->dbus_manager);

  if (!idle) {
    destroy_source (&self->idle);
    return;
  }
  if (self->idle != NULL)
    return;
  self->idle = g_timeout_source_new_seconds (self->idle_timeout);
  g_source_set_callback (self->idle, on_idle_timeout, self, NULL);
  g_source_attach (self->idle, g_main_context_get_thread_default ());
}

static void
on_busy (WstunDBusManager *dbus_manager, GParamSpec *pspec, WstunDaemon *self)
{
  (void) dbus_manager;
  (void) pspec;
  update_idle (self);
}

static void
on_bus_acquired (GDBusConnection *bus, const char *name, gpointer user_data)
{
  WstunDaemon *self = user_data;
  g_autoptr (GError) error = NULL;

  (void) name;
  /* a lost bus ends wstund through on_name_lost(), not _exit(): the
   * devices must go first */
  g_dbus_connection_set_exit_on_close (bus, FALSE);
  self->bus = g_object_ref (bus);
  if (!wstun_dbus_manager_export (self->dbus_manager, bus, &error)) {
    g_warning ("cannot export %s on the %s bus: %s", WSTUN_DBUS_PATH, bus_name (self),
               error->message);
    stop (self, 1);
  }
}

static void
on_name_acquired (GDBusConnection *bus, const char *name, gpointer user_data)
{
  WstunDaemon *self = user_data;

  (void) bus;
  self->owned = TRUE;
  g_message ("ready: %s on the %s bus", name, bus_name (self));
  update_idle (self);
}

static void
on_name_lost (GDBusConnection *bus, const char *name, gpointer user_data)
{
  WstunDaemon *self = user_data;

  if (self->stopping || self->finished)
    return;
  if (bus == NULL)
    g_warning ("cannot reach the %s bus, or lost it: stopping", bus_name (self));
  else if (self->owned)
    g_message ("another wstund took the name %s: stopping", name);
  else
    g_warning ("cannot own the name %s on the %s bus (is another wstund running? does the bus "
               "policy org.wstun.conf let this user own it?)",
               name, bus_name (self));
  self->owned = FALSE;
  stop (self, 1);
}

void
wstun_daemon_set_limits (WstunDaemon *self, guint max_connections, guint max_per_user)
{
  g_return_if_fail (WSTUN_IS_DAEMON (self));
  wstun_dbus_manager_set_limits (self->dbus_manager, max_connections, max_per_user);
}

void
wstun_daemon_start (WstunDaemon *self)
{
  GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT;

  g_return_if_fail (WSTUN_IS_DAEMON (self));
  g_return_if_fail (self->owner_id == 0);

  if (self->replace)
    flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;
  self->owner_id = g_bus_own_name (self->bus_type, WSTUN_DBUS_NAME, flags, on_bus_acquired,
                                   on_name_acquired, on_name_lost, self, NULL);
}

void
wstun_daemon_shutdown (WstunDaemon *self)
{
  g_return_if_fail (WSTUN_IS_DAEMON (self));
  stop (self, 0);
}

int
wstun_daemon_get_exit_code (WstunDaemon *self)
{
  g_return_val_if_fail (WSTUN_IS_DAEMON (self), 1);
  return self->exit_code;
}

WstunDaemon *
wstun_daemon_new (GBusType bus_type, guint idle_timeout, gboolean replace)
{
  WstunDaemon *self = g_object_new (WSTUN_TYPE_DAEMON, NULL);

  self->bus_type = bus_type;
  self->idle_timeout = idle_timeout;
  self->replace = replace;
  return self;
}

static void
wstun_daemon_dispose (GObject *object)
{
  WstunDaemon *self = WSTUN_DAEMON (object);

  destroy_source (&self->idle);
  if (self->owner_id != 0) {
    g_bus_unown_name (self->owner_id);
    self->owner_id = 0;
  }
  if (self->dbus_manager != NULL) {
    g_signal_handlers_disconnect_by_data (self->dbus_manager, self);
    wstun_dbus_manager_unexport (self->dbus_manager);
  }
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  g_clear_object (&self->dbus_manager);
  g_clear_object (&self->manager);
  g_clear_object (&self->authority);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (wstun_daemon_parent_class)->dispose (object);
}

static void
wstun_daemon_class_init (WstunDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_daemon_dispose;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wstun_daemon_init (WstunDaemon *self)
{
  self->manager = wstun_manager_new ();
  self->authority = wstun_authority_new ();
  self->dbus_manager = wstun_dbus_manager_new (self->manager, self->authority);
  g_signal_connect (self->manager, "notify::n-connections", G_CALLBACK (on_n_connections), self);
  g_signal_connect (self->dbus_manager, "notify::busy", G_CALLBACK (on_busy), self);
}
