/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl status [CONNECTION] and wstunctl list, as text or JSON */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

char *
wstunctl_user_name (guint uid)
{
  struct passwd pwd, *found = NULL;
  long size = sysconf (_SC_GETPW_R_SIZE_MAX);
  g_autofree char *buffer = NULL;

  if (size <= 0)
    size = 16384;
  buffer = g_malloc ((gsize) size);
  if (getpwuid_r ((uid_t) uid, &pwd, buffer, (size_t) size, &found) == 0 && found != NULL)
    return g_strdup (found->pw_name);
  return g_strdup_printf (_ ("uid %u"), uid);
}

static void
add_string (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value != NULL ? value : "");
}

static void
add_uint (JsonBuilder *builder, const char *name, guint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, (gint64) MIN (value, (guint64) G_MAXINT64));
}

static void
add_strv (JsonBuilder *builder, const char *name, const char *const *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; value != NULL && value[i] != NULL; i++)
    json_builder_add_string_value (builder, value[i]);
  json_builder_end_array (builder);
}

void
wstunctl_build_connection_members (JsonBuilder *builder, WstunExportedConnection *c)
{
  guint owner = wstun_exported_connection_get_owner (c);
  g_autofree char *owner_name = wstunctl_user_name (owner);

  add_string (builder, "path", g_dbus_proxy_get_object_path (G_DBUS_PROXY (c)));
  add_string (builder, "url", wstun_exported_connection_get_url (c));
  add_string (builder, "state", wstun_exported_connection_get_state (c));
  add_uint (builder, "owner", owner);
  add_string (builder, "owner_name", owner_name);
  add_string (builder, "interface", wstun_exported_connection_get_interface (c));
  add_string (builder, "address4", wstun_exported_connection_get_address4 (c));
  add_string (builder, "address6", wstun_exported_connection_get_address6 (c));
  add_uint (builder, "mtu", wstun_exported_connection_get_mtu (c));
  add_strv (builder, "routes", wstun_exported_connection_get_routes (c));
  add_strv (builder, "dns", wstun_exported_connection_get_dns (c));
  add_string (builder, "relay_address", wstun_exported_connection_get_relay_address (c));
  add_uint (builder, "rx_bytes", wstun_exported_connection_get_rx_bytes (c));
  add_uint (builder, "tx_bytes", wstun_exported_connection_get_tx_bytes (c));
  add_uint (builder, "rx_packets", wstun_exported_connection_get_rx_packets (c));
  add_uint (builder, "tx_packets", wstun_exported_connection_get_tx_packets (c));
  add_uint (builder, "dropped_packets", wstun_exported_connection_get_dropped_packets (c));
  add_string (builder, "last_error", wstun_exported_connection_get_last_error (c));
  add_string (builder, "failure_reason", wstun_exported_connection_get_failure_reason (c));
}

static void
build_connection (JsonBuilder *builder, WstunExportedConnection *c)
{
  json_builder_begin_object (builder);
  wstunctl_build_connection_members (builder, c);
  json_builder_end_object (builder);
}

JsonNode *
wstunctl_connection_to_json (WstunExportedConnection *connection)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  build_connection (builder, connection);
  return json_builder_get_root (builder);
}

static void
print_json_array (GPtrArray *connections)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < connections->len; i++)
    build_connection (builder, connections->pdata[i]);
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);
  wstunctl_print_json (node);
}

/* "10.99.0.2/24, fd00:99::2/64", or "-"; escaped */
static char *
addresses (WstunExportedConnection *c)
{
  const char *a4 = wstun_exported_connection_get_address4 (c);
  const char *a6 = wstun_exported_connection_get_address6 (c);
  g_autofree char *joined = NULL;

  if (a4 != NULL && *a4 != '\0' && a6 != NULL && *a6 != '\0')
    joined = g_strdup_printf ("%s, %s", a4, a6);
  return wstunctl_text (joined != NULL ? joined : (a4 != NULL && *a4 != '\0' ? a4 : a6), TRUE);
}

/* "a, b", or "-"; escaped */
static char *
join (const char *const *strv)
{
  g_autofree char *joined = NULL;

  if (strv == NULL || strv[0] == NULL)
    return g_strdup ("-");
  joined = g_strjoinv (", ", (char **) strv);
  return wstunctl_text (joined, TRUE);
}

/* the n that chooses a plural form: ngettext() takes an unsigned long,
 * and a larger count keeps its last six digits, as the gettext manual
 * advises */
static unsigned long
plural_n (guint64 n)
{
  return n > G_MAXULONG ? (unsigned long) (n % 1000000 + 1000000) : (unsigned long) n;
}

static char *
traffic (guint64 bytes, guint64 packets)
{
  g_autofree char *size = g_format_size (bytes);
  g_autofree char *amount = NULL;

  /* below 1000, g_format_size() gives the exact count already; the counts
   * are printed with %llu, not G_GUINT64_FORMAT, which xgettext cannot
   * expand */
  if (bytes < 1000)
    amount = g_steal_pointer (&size);
  else
    /* TRANSLATORS: "12.3 kB (12345 bytes)": %s is the size as GLib
     * formats it, in the user's language */
    amount = g_strdup_printf (ngettext ("%s (%llu byte)", "%s (%llu bytes)", plural_n (bytes)),
                              size, (unsigned long long) bytes);
  /* TRANSLATORS: "12.3 kB (12345 bytes) in 17 packets", "0 bytes in 0
   * packets": the traffic of a connection in wstunctl status */
  return g_strdup_printf (ngettext ("%s in %llu packet", "%s in %llu packets", plural_n (packets)),
                          amount, (unsigned long long) packets);
}

/* @text, then spaces up to @width characters: printf pads by bytes, and a
 * translated label or heading ("état :", "ÉTAT") has more bytes than
 * characters */
static void
print_padded (const char *text, glong width)
{
  glong length = g_utf8_strlen (text, -1);

  g_print ("%s%*s", text, length < width ? (int) (width - length) : 0, "");
}

static glong
max_length (glong width, const char *text)
{
  return MAX (width, g_utf8_strlen (text, -1));
}

void
wstunctl_print_connection (WstunExportedConnection *c)
{
  g_autofree char *path = wstunctl_text (g_dbus_proxy_get_object_path (G_DBUS_PROXY (c)), TRUE);
  g_autofree char *state = wstunctl_text (wstun_exported_connection_get_state (c), TRUE);
  g_autofree char *url = wstunctl_text (wstun_exported_connection_get_url (c), TRUE);
  g_autofree char *relay_address =
    wstunctl_text (wstun_exported_connection_get_relay_address (c), TRUE);
  g_autofree char *interface = wstunctl_text (wstun_exported_connection_get_interface (c), TRUE);
  g_autofree char *owner_name = wstunctl_user_name (wstun_exported_connection_get_owner (c));
  g_autofree char *owner = wstunctl_text (owner_name, TRUE);
  g_autofree char *address = addresses (c);
  g_autofree char *routes = join (wstun_exported_connection_get_routes (c));
  g_autofree char *dns = join (wstun_exported_connection_get_dns (c));
  g_autofree char *rx = traffic (wstun_exported_connection_get_rx_bytes (c),
                                 wstun_exported_connection_get_rx_packets (c));
  g_autofree char *tx = traffic (wstun_exported_connection_get_tx_bytes (c),
                                 wstun_exported_connection_get_tx_packets (c));
  g_autofree char *dropped =
    g_strdup_printf ("%" G_GUINT64_FORMAT, wstun_exported_connection_get_dropped_packets (c));
  g_autofree char *failure = wstunctl_text (wstun_exported_connection_get_failure_reason (c), TRUE);
  g_autofree char *last_error = wstunctl_text (wstun_exported_connection_get_last_error (c), TRUE);
  g_autofree char *mtu = NULL;
  glong width = 15;

  if (wstun_exported_connection_get_mtu (c) != 0)
    mtu = g_strdup_printf ("%u", wstun_exported_connection_get_mtu (c));
  /* "  label:       value"; the labels are ours, the values escaped */
  const char *fields[][2] = {
    { _ ("state:"), state },
    { _ ("owner:"), owner },
    { _ ("relay:"), url },
    { _ ("relay address:"), relay_address },
    { _ ("interface:"), interface },
    { _ ("address:"), address },
    { _ ("MTU:"), mtu != NULL ? mtu : "-" },
    { _ ("routes:"), routes },
    { _ ("DNS:"), dns },
    { _ ("received:"), rx },
    { _ ("sent:"), tx },
    { _ ("dropped:"), dropped },
    { _ ("failure:"), failure },
    { _ ("last error:"), last_error },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    width = max_length (width, fields[i][0]);
  g_print ("%s\n", path);
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    g_print ("  ");
    print_padded (fields[i][0], width);
    g_print (" %s\n", fields[i][1]);
  }
}

int
wstunctl_status (WstunCtl *ctl, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("[CONNECTION]"));
  g_autoptr (GPtrArray) connections = NULL;
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (
    context, _ ("Show CONNECTION (an object path, its number or its interface), or all."));
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc > 2)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE,
                                  _ ("status takes at most one connection; see --help"));
  connections = wstunctl_get_connections (ctl, &error);
  if (connections == NULL)
    return wstunctl_fail (ctl, error);

  if (argc == 2) {
    WstunExportedConnection *connection = wstunctl_find_connection (connections, argv[1], &error);

    if (connection == NULL)
      return wstunctl_fail (ctl, error);
    if (ctl->json) {
      g_autoptr (JsonNode) node = wstunctl_connection_to_json (connection);
      wstunctl_print_json (node);
    } else {
      wstunctl_print_connection (connection);
    }
    return WSTUNCTL_EXIT_OK;
  }
  if (ctl->json) {
    print_json_array (connections);
    return WSTUNCTL_EXIT_OK;
  }
  if (connections->len == 0)
    g_print ("%s\n", _ ("No connections."));
  for (guint i = 0; i < connections->len; i++) {
    if (i > 0)
      g_print ("\n");
    wstunctl_print_connection (connections->pdata[i]);
  }
  return WSTUNCTL_EXIT_OK;
}

/* a line of wstunctl list: four padded columns and the last */
static void
print_row (const glong widths[4], const char *path, const char *state, const char *interface,
           const char *address, const char *url)
{
  print_padded (path, widths[0]);
  g_print ("  ");
  print_padded (state, widths[1]);
  g_print ("  ");
  print_padded (interface, widths[2]);
  g_print ("  ");
  print_padded (address, widths[3]);
  g_print ("  %s\n", url);
}

int
wstunctl_list (WstunCtl *ctl, int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GPtrArray) connections = NULL;
  g_autoptr (GError) error = NULL;
  glong width = (glong) strlen ("/org/wstun/connection/1");

  g_option_context_set_summary (context, _ ("List the connections, one a line."));
  if (!wstunctl_parse (context, ctl, &argc, &argv))
    return WSTUNCTL_EXIT_USAGE;
  if (argc > 1)
    return wstunctl_fail_message (ctl, WSTUNCTL_EXIT_USAGE, _ ("list takes no arguments"));
  connections = wstunctl_get_connections (ctl, &error);
  if (connections == NULL)
    return wstunctl_fail (ctl, error);
  if (ctl->json) {
    print_json_array (connections);
    return WSTUNCTL_EXIT_OK;
  }
  if (connections->len == 0) {
    g_print ("%s\n", _ ("No connections."));
    return WSTUNCTL_EXIT_OK;
  }
  for (guint i = 0; i < connections->len; i++) {
    g_autofree char *path =
      wstunctl_text (g_dbus_proxy_get_object_path (connections->pdata[i]), TRUE);

    width = max_length (width, path);
  }
  /* the columns are as wide as their longest value usually is, or their
   * translated heading */
  glong widths[] = { max_length (width, _ ("CONNECTION")), max_length (13, _ ("STATE")),
                     max_length (15, _ ("INTERFACE")), max_length (32, _ ("ADDRESS")) };
  print_row (widths, _ ("CONNECTION"), _ ("STATE"), _ ("INTERFACE"), _ ("ADDRESS"), _ ("RELAY"));
  for (guint i = 0; i < connections->len; i++) {
    WstunExportedConnection *c = connections->pdata[i];
    g_autofree char *path = wstunctl_text (g_dbus_proxy_get_object_path (G_DBUS_PROXY (c)), TRUE);
    g_autofree char *state = wstunctl_text (wstun_exported_connection_get_state (c), TRUE);
    g_autofree char *interface = wstunctl_text (wstun_exported_connection_get_interface (c), TRUE);
    g_autofree char *address = addresses (c);
    g_autofree char *url = wstunctl_text (wstun_exported_connection_get_url (c), TRUE);

    print_row (widths, path, state, interface, address, url);
  }
  return WSTUNCTL_EXIT_OK;
}
