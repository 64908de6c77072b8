/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl monitor: follows wstund as boltctl monitor follows boltd, a
 * line per event with its time, as text or (--json) one JSON object per
 * line, until SIGINT or SIGTERM:
 *
 *   wstund appearing on the bus or leaving it;
 *   a connection added (first those there already, marked "present"),
 *   its State changing (with FailureReason and LastError when it failed)
 *   and its removal.
 *
 * It follows the ObjectManager at /org/wstun with a
 * GDBusObjectManagerClient. Nothing gets lost between the first listing
 * and the events: the client subscribes to the signals before it asks
 * for GetManagedObjects, so whatever changes after that answer arrives as
 * signals. The signals queued by then (some older than the answer, which
 * would put stale values in the cache if applied after it was printed)
 * are all applied, silently, before the listing is taken from the cache:
 * the listing is the state after the last of them, and every signal
 * after it is reported. A State equal to the one reported last is never
 * reported as a change.
 *
 * monitor does not start wstund (D-Bus activation): watching should not
 * change what it watches, and wstund would exit when idle anyway. */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "wstun-dbus-names.h"

/* bounds the draining of the signals queued during startup */
#define MAX_QUEUED_AT_START 10000
/* for the Version of a wstund that appeared: it answers at once or not */
#define VERSION_TIMEOUT_MS 5000

typedef struct {
  WstunCtl *ctl;
  GDBusObjectManager *manager;
  GDBusConnection *bus;
  GMainLoop *loop;
  GHashTable *states; /* object path -> the State last reported */
  gboolean running;   /* wstund's appearance has been reported */
  gboolean lost_bus;
} Monitor;

static void
monitor_clear (Monitor *self)
{
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_clear_object (&self->manager);
  g_clear_object (&self->bus);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->states, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Monitor, monitor_clear)

/* ---- output ------------------------------------------------------------ */

/* "2026-11-25 15:22:36.123" for text, "2026-11-25T15:22:36.123+01:00" for
 * JSON: local time, milliseconds */
static char *
timestamp (gboolean json)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *seconds =
    g_date_time_format (now, json ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
  g_autofree char *zone = json ? g_date_time_format (now, "%:z") : g_strdup ("");

  return g_strdup_printf ("%s.%03d%s", seconds, g_date_time_get_microsecond (now) / 1000, zone);
}

/* Prints one text event: the time, then @message (already escaped) */
static void
print_text (const char *message)
{
  g_autofree char *time = timestamp (FALSE);

  g_print ("%s %s\n", time, message);
  /* one event, one line, at once: also through a pipe (| grep) */
  fflush (stdout);
}

/* A JSON event object: "time" and "event"; the caller adds members and
 * calls print_json_event() */
static JsonBuilder *
begin_json_event (const char *event)
{
  JsonBuilder *builder = json_builder_new ();
  g_autofree char *time = timestamp (TRUE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  return builder;
}

static void
print_json_event (JsonBuilder *builder)
{
  g_autoptr (JsonNode) node = NULL;

  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  wstunctl_print_json_line (node);
  fflush (stdout);
}

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value != NULL ? value : "");
}

static void
add_bool (JsonBuilder *builder, const char *name, gboolean value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_connection (JsonBuilder *builder, WstunExportedConnection *connection)
{
  json_builder_set_member_name (builder, "connection");
  json_builder_begin_object (builder);
  wstunctl_build_connection_members (builder, connection);
  json_builder_end_object (builder);
}

/* ---- events ------------------------------------------------------------- */

/* wstund's Version, or NULL; never starts it */
static char *
get_version (Monitor *self)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (
    self->bus, WSTUN_DBUS_NAME, WSTUN_DBUS_PATH, "org.freedesktop.DBus.Properties", "Get",
    g_variant_new ("(ss)", WSTUN_DBUS_INTERFACE, "Version"), G_VARIANT_TYPE ("(v)"),
    G_DBUS_CALL_FLAGS_NO_AUTO_START, VERSION_TIMEOUT_MS, NULL, NULL);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

static void
report_running (Monitor *self, gboolean running, gboolean initial)
{
  g_autofree char *version = running ? get_version (self) : NULL;
  g_autofree char *printable = NULL;
  g_autofree char *message = NULL;

  self->running = running;
  if (self->ctl->json) {
    JsonBuilder *builder = begin_json_event (running ? "wstund-appeared" : "wstund-vanished");

    add_bool (builder, "initial", initial);
    if (version != NULL)
      add_string (builder, "version", version);
    print_json_event (builder);
    g_object_unref (builder);
    return;
  }
  printable = wstunctl_text (version, TRUE);
  if (running && initial)
    message = g_strdup_printf (_ ("wstund %s is running"), printable);
  else if (running)
    message = g_strdup_printf (_ ("wstund %s appeared on the bus"), printable);
  else if (initial)
    message = g_strdup (_ ("wstund is not running; waiting for it"));
  else
    message = g_strdup (_ ("wstund left the bus"));
  print_text (message);
}

static void
report_added (Monitor *self, WstunExportedConnection *connection, gboolean initial)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection));
  const char *state = wstun_exported_connection_get_state (connection);

  g_hash_table_replace (self->states, g_strdup (path), g_strdup (state));
  if (self->ctl->json) {
    JsonBuilder *builder = begin_json_event ("connection-added");

    add_bool (builder, "initial", initial);
    add_string (builder, "path", path);
    add_string (builder, "url", wstun_exported_connection_get_url (connection));
    add_string (builder, "state", state);
    add_connection (builder, connection);
    print_json_event (builder);
    g_object_unref (builder);
  } else {
    g_autofree char *printable_path = wstunctl_text (path, TRUE);
    g_autofree char *url = wstunctl_text (wstun_exported_connection_get_url (connection), TRUE);
    g_autofree char *printable_state = wstunctl_text (state, TRUE);
    g_autofree char *name = wstunctl_user_name (wstun_exported_connection_get_owner (connection));
    g_autofree char *owner = wstunctl_text (name, TRUE);
    g_autofree char *message = NULL;

    /* TRANSLATORS: path, "added" or "present", url, state, user name */
    message = g_strdup_printf (_ ("%s %s: %s (%s, owner %s)"), printable_path,
                               initial ? _ ("present") : _ ("added"), url, printable_state, owner);
    print_text (message);
  }
}

/* " (wstun0, 10.99.0.2/24 fd00:99::2/64)" for a connected one, ":
 * unreachable: Cannot connect ..." for a failed one and for one that
 * reconnects (why it was lost), else "" */
static char *
state_details (WstunExportedConnection *connection, const char *state)
{
  if (g_strcmp0 (state, "connected") == 0) {
    const char *a4 = wstun_exported_connection_get_address4 (connection);
    const char *a6 = wstun_exported_connection_get_address6 (connection);
    g_autofree char *addresses = g_strjoin (*a4 != '\0' && *a6 != '\0' ? " " : "", a4, a6, NULL);
    g_autofree char *interface =
      wstunctl_text (wstun_exported_connection_get_interface (connection), TRUE);
    g_autofree char *printable = wstunctl_text (addresses, TRUE);

    return g_strdup_printf (" (%s, %s)", interface, printable);
  }
  if (g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "reconnecting") == 0) {
    g_autofree char *reason =
      wstunctl_text (wstun_exported_connection_get_failure_reason (connection), TRUE);
    g_autofree char *last_error =
      wstunctl_text (wstun_exported_connection_get_last_error (connection), TRUE);

    return g_strdup_printf (": %s: %s", reason, last_error);
  }
  return g_strdup ("");
}

static void
report_state (Monitor *self, WstunExportedConnection *connection, const char *old_state)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection));
  const char *state = wstun_exported_connection_get_state (connection);

  if (self->ctl->json) {
    JsonBuilder *builder = begin_json_event ("state-changed");

    add_string (builder, "path", path);
    add_string (builder, "old_state", old_state);
    add_string (builder, "state", state);
    add_connection (builder, connection);
    print_json_event (builder);
    g_object_unref (builder);
  } else {
    g_autofree char *printable_path = wstunctl_text (path, TRUE);
    g_autofree char *old_text = wstunctl_text (old_state, TRUE);
    g_autofree char *new_text = wstunctl_text (state, TRUE);
    g_autofree char *details = state_details (connection, state);
    g_autofree char *message =
      g_strdup_printf ("%s %s -> %s%s", printable_path, old_text, new_text, details);

    print_text (message);
  }
  g_hash_table_replace (self->states, g_strdup (path), g_strdup (state));
}

static void
report_removed (Monitor *self, const char *path)
{
  g_autofree char *key = NULL;
  g_autofree char *state = NULL;

  if (!g_hash_table_steal_extended (self->states, path, (gpointer *) &key, (gpointer *) &state))
    return;
  if (self->ctl->json) {
    JsonBuilder *builder = begin_json_event ("connection-removed");

    add_string (builder, "path", path);
    add_string (builder, "state", state);
    print_json_event (builder);
    g_object_unref (builder);
  } else {
    g_autofree char *printable_path = wstunctl_text (path, TRUE);
    g_autofree char *message = g_strdup_printf (_ ("%s removed"), printable_path);

    print_text (message);
  }
}

/* ---- following the object manager -------------------------------------- */

static void
connection_added (Monitor *self, WstunExportedConnection *connection, gboolean initial)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (connection));

  /* a new wstund announces its objects before the name owner changes */
  if (!self->running)
    report_running (self, TRUE, initial);
  if (!g_hash_table_contains (self->states, path))
    report_added (self, connection, initial);
}

static void
on_object_added (GDBusObjectManager *manager, GDBusObject *object, Monitor *self)
{
  g_autoptr (WstunExportedConnection) connection =
    wstun_object_get_exported_connection (WSTUN_OBJECT (object));

  (void) manager;
  if (connection != NULL)
    connection_added (self, connection, FALSE);
}

static void
on_interface_added (GDBusObjectManager *manager, GDBusObject *object, GDBusInterface *interface,
                    Monitor *self)
{
  (void) manager;
  (void) object;
  if (WSTUN_IS_EXPORTED_CONNECTION (interface))
    connection_added (self, WSTUN_EXPORTED_CONNECTION (interface), FALSE);
}

static void
on_object_removed (GDBusObjectManager *manager, GDBusObject *object, Monitor *self)
{
  (void) manager;
  report_removed (self, g_dbus_object_get_object_path (object));
}

static void
on_interface_removed (GDBusObjectManager *manager, GDBusObject *object, GDBusInterface *interface,
                      Monitor *self)
{
  (void) manager;
  if (WSTUN_IS_EXPORTED_CONNECTION (interface))
    report_removed (self, g_dbus_object_get_object_path (object));
}

static void
on_properties_changed (GDBusObjectManagerClient *manager, GDBusObjectProxy *object,
                       GDBusProxy *interface, GVariant *changed, const char *const *invalidated,
                       Monitor *self)
{
  WstunExportedConnection *connection;
  const char *path, *old_state, *state;

  (void) manager;
  (void) object;
  (void) invalidated;
  if (!WSTUN_IS_EXPORTED_CONNECTION (interface) ||
      !g_variant_lookup (changed, "State", "&s", &state))
    return;
  connection = WSTUN_EXPORTED_CONNECTION (interface);
  path = g_dbus_proxy_get_object_path (interface);
  old_state = g_hash_table_lookup (self->states, path);
  if (old_state == NULL) {
    connection_added (self, connection, FALSE);
    return;
  }
  /* the proxy's cache already has the new values: LastError and
   * FailureReason came with State (wstund sends a change of State at once,
   * together with everything that changed with it) */
  if (g_strcmp0 (old_state, wstun_exported_connection_get_state (connection)) != 0)
    report_state (self, connection, old_state);
}

static void
on_name_owner (GObject *object, GParamSpec *pspec, Monitor *self)
{
  g_autofree char *owner = NULL;

  (void) pspec;
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (object));
  if (owner != NULL) {
    if (!self->running)
      report_running (self, TRUE, FALSE);
    return;
  }
  if (!self->running)
    return;
  /* wstund ends every connection and announces it before it leaves; what
   * is left here it did not (it crashed), and is gone with it. GLib
   * tells the name owner first and drops the objects after. */
  {
    g_autoptr (GList) paths = g_hash_table_get_keys (self->states);
    paths = g_list_sort (paths, (GCompareFunc) g_strcmp0);
    for (GList *l = paths; l != NULL; l = l->next) {
      g_autofree char *path = g_strdup (l->data);
      report_removed (self, path);
    }
  }
  report_running (self, FALSE, FALSE);
}

static void
on_bus_closed (GDBusConnection *bus, gboolean remote_peer_vanished, GError *error, Monitor *self)
{
  (void) bus;
  (void) remote_peer_vanished;
  (void) error;
  self->lost_bus = TRUE;
  g_main_loop_quit (self->loop);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  const char *x = g_dbus_object_get_object_path (*(GDBusObject **) a);
  const char *y = g_dbus_object_get_object_path (*(GDBusObject **) b);
  size_t lx = strlen (x), ly = strlen (y);

  return lx != ly ? (lx < ly ? -1 : 1) : strcmp (x, y);
}

/* What is there when monitor starts */
static void
report_present (Monitor *self)
{
  g_autolist (GDBusObject) objects = g_dbus_object_manager_get_objects (self->manager);
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  g_autofree char *owner =
    g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));

  report_running (self, owner != NULL, TRUE);
  for (GList *l = objects; l != NULL; l = l->next)
    g_ptr_array_add (sorted, l->data);
  g_ptr_array_sort (sorted, compare_paths);
  for (guint i = 0; i < sorted->len; i++) {
    g_autoptr (WstunExportedConnection) connection =
      wstun_object_get_exported_connection (sorted->pdata[i]);

    if (connection != NULL)
      report_added (self, connection, TRUE);
  }
}

int
wstunctl_monitor (WstunCtl *ctl, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (WstunCtlInterrupt) interrupt = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (Monitor) self = { 0 };
  guint queued = 0;

  g_option_context_set_summary (
    context, _ ("Follow wstund until interrupted (Ctrl-C): a line with the time for each "
                "connection added or removed, each change of state, and wstund appearing on "
                "the bus or leaving it. The connections there already come first."));
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc > 1)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE, _ ("monitor takes no arguments"));

  self.ctl = ctl;
  self.states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self.loop = g_main_loop_new (NULL, FALSE);
  /* before anything can block: Ctrl-C ends the monitor cleanly, exit 0 */
  interrupt = wstunctl_interrupt_new (self.loop);
  self.bus = g_bus_get_sync (ctl->bus_type, NULL, &error);
  if (self.bus == NULL)
    return wstunctl_fail (ctl, error);
  /* the process exits when the loop ends, not when the bus does */
  g_dbus_connection_set_exit_on_close (self.bus, FALSE);
  self.manager = wstun_object_manager_client_new_sync (
    self.bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, WSTUN_DBUS_NAME,
    WSTUN_DBUS_PATH, NULL, &error);
  if (self.manager == NULL)
    return wstunctl_fail (ctl, error);

  /* the signals that came before GetManagedObjects' answer: the cache is
   * as new as that answer once they are applied */
  while (queued < MAX_QUEUED_AT_START && g_main_context_iteration (NULL, FALSE))
    queued++;
  if (wstunctl_interrupt_get_count (interrupt) > 0)
    return WSTUNCTL_EXIT_OK;
  report_present (&self);

  g_signal_connect (self.manager, "object-added", G_CALLBACK (on_object_added), &self);
  g_signal_connect (self.manager, "object-removed", G_CALLBACK (on_object_removed), &self);
  g_signal_connect (self.manager, "interface-added", G_CALLBACK (on_interface_added), &self);
  g_signal_connect (self.manager, "interface-removed", G_CALLBACK (on_interface_removed), &self);
  g_signal_connect (self.manager, "interface-proxy-properties-changed",
                    G_CALLBACK (on_properties_changed), &self);
  g_signal_connect (self.manager, "notify::name-owner", G_CALLBACK (on_name_owner), &self);
  g_signal_connect (self.bus, "closed", G_CALLBACK (on_bus_closed), &self);
  if (!g_dbus_connection_is_closed (self.bus))
    g_main_loop_run (self.loop);
  if (self.lost_bus || g_dbus_connection_is_closed (self.bus))
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_UNAVAILABLE, _ ("lost the bus"));
  return WSTUNCTL_EXIT_OK;
}
