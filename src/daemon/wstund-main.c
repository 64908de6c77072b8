/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstund: the wstun client service. By default the D-Bus service org.wstun
 * (wstun-daemon.c); with --connect one tunnel in the foreground without
 * D-Bus, for servers, containers and tests (wstun-foreground.c). */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <malloc.h>
#include <string.h>

#include "wstun-daemon.h"
#include "wstun-dbus-manager.h"
#include "wstun-dbus-names.h"
#include "wstun-foreground.h"
#include "wstun-settings.h"
#include "wstun-token-file.h"

typedef struct {
  /* foreground */
  GStrv connect_urls;
  char *token_file;
  char *ca_file;
  char *pin_sha256;
  char *interface;
  int mtu;
  gboolean no_manage_ip;
  gboolean no_reconnect;
  /* service */
  gboolean session;
  int idle_timeout;
  gboolean replace;
  int max_connections;
  int max_per_user;
} Options;

static void
options_clear (Options *options)
{
  g_strfreev (options->connect_urls);
  g_free (options->token_file);
  g_free (options->ca_file);
  g_free (options->pin_sha256);
  g_free (options->interface);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* The --connect options as org.wstun.Connect settings, so that both are
 * checked by the same code. */
static WstunSettings *
foreground_settings (const Options *options, GError **error)
{
  g_auto (GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr (GVariant) variant = NULL;

  /* one relay as before; several as the list */
  if (g_strv_length (options->connect_urls) == 1)
    g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_URL,
                           g_variant_new_string (options->connect_urls[0]));
  else
    g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_URLS,
                           g_variant_new_strv ((const char *const *) options->connect_urls, -1));
  if (options->token_file != NULL) {
    g_autofree char *token = wstun_token_file_read (options->token_file, error);

    if (token == NULL)
      return NULL;
    g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_TOKEN, g_variant_new_string (token));
    explicit_bzero (token, strlen (token));
  }
  if (options->ca_file != NULL) {
    g_autofree char *path = g_canonicalize_filename (options->ca_file, NULL);

    if (!g_utf8_validate (path, -1, NULL)) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("--ca-file: the path is not UTF-8"));
      return NULL;
    }
    g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_CA_FILE, g_variant_new_string (path));
  }
  if (options->pin_sha256 != NULL)
    g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_PIN_SHA256,
                           g_variant_new_string (options->pin_sha256));
  if (options->interface != NULL)
    g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_INTERFACE,
                           g_variant_new_string (options->interface));
  g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_MTU,
                         g_variant_new_uint32 ((guint32) options->mtu));
  g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_MANAGE_IP,
                         g_variant_new_boolean (!options->no_manage_ip));
  g_variant_builder_add (&builder, "{sv}", WSTUN_SETTING_RECONNECT,
                         g_variant_new_boolean (!options->no_reconnect));
  variant = g_variant_ref_sink (g_variant_builder_end (&builder));
  return wstun_settings_new_from_variant (variant, error);
}

static gboolean
on_signal (gpointer user_data)
{
  g_message ("stopping");
  wstun_daemon_shutdown (WSTUN_DAEMON (user_data));
  return G_SOURCE_CONTINUE;
}

static int
run_service (const Options *options)
{
  g_autoptr (WstunDaemon) daemon = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint sigint, sigterm;

  daemon = wstun_daemon_new (options->session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
                             (guint) options->idle_timeout, options->replace);
  wstun_daemon_set_limits (daemon, (guint) options->max_connections, (guint) options->max_per_user);
  g_signal_connect_swapped (daemon, "finished", G_CALLBACK (g_main_loop_quit), loop);
  sigint = g_unix_signal_add (SIGINT, on_signal, daemon);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, daemon);
  wstun_daemon_start (daemon);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  return wstun_daemon_get_exit_code (daemon);
}

static int
usage_error (const char *message)
{
  g_printerr ("wstund: %s\n", message);
  return 2;
}

int
main (int argc, char **argv)
{
  g_auto (Options) options = {
    .idle_timeout = WSTUN_DAEMON_DEFAULT_IDLE_TIMEOUT,
    .max_connections = WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS,
    .max_per_user = WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS_PER_USER,
  };
  gboolean verbose = FALSE, version = FALSE;
  GOptionEntry service_entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &options.session,
      N_ ("Serve on the session bus instead of the system bus (for development)"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &options.idle_timeout,
      N_ ("On the system bus, exit after SECONDS without connections (default 60; 0: never)"),
      N_ ("SECONDS") },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &options.replace,
      N_ ("Replace a running wstund on the bus"), NULL },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &options.max_connections,
      N_ ("Keep at most N connections in all (default 128)"), "N" },
    { "max-connections-per-user", 0, 0, G_OPTION_ARG_INT, &options.max_per_user,
      N_ ("Keep at most N connections of one user (default 32)"), "N" },
    G_OPTION_ENTRY_NULL,
  };
  GOptionEntry foreground_entries[] = {
    { "connect", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.connect_urls,
      N_ ("Run one tunnel to the relay at URL in the foreground, without D-Bus; repeated: "
          "several relays, one picked at random, the next on failure"),
      N_ ("URL") },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &options.token_file,
      N_ ("Read the relay's token from FILE (which other users must not be able to read)"),
      N_ ("FILE") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &options.ca_file,
      N_ ("Trust the CA certificates in FILE (PEM) for wss:// instead of the system's"),
      N_ ("FILE") },
    { "pin-sha256", 0, 0, G_OPTION_ARG_STRING, &options.pin_sha256,
      N_ ("Accept only a relay whose public key has this base64 SHA-256 hash"), N_ ("HASH") },
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &options.interface,
      N_ ("Name of the TUN device (default wstun0, wstun1, …)"), N_ ("NAME") },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &options.mtu, N_ ("Use a tunnel MTU below the relay's"),
      N_ ("BYTES") },
    { "no-manage-ip", 0, 0, G_OPTION_ARG_NONE, &options.no_manage_ip,
      N_ ("Create the device but leave addresses, routes and MTU to someone else"), NULL },
    { "no-reconnect", 0, 0, G_OPTION_ARG_NONE, &options.no_reconnect,
      N_ ("Exit when the connection is lost instead of reconnecting"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  GOptionEntry main_entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_ ("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  GOptionGroup *group;
  gboolean foreground_only;

  /* A refused call can carry a message of up to the bus's 32 MiB. Left to
   * glibc, the threshold above which allocations are mapped (and given
   * back when freed) rises to the largest block ever freed, so one such
   * call would keep wstund's heap big for good: fix it at its default. */
  mallopt (M_MMAP_THRESHOLD, 128 * 1024);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (
    context, _ ("The wstun VPN client service: org.wstun on the system bus, or with --connect one "
                "tunnel in the foreground."));
  g_option_context_add_main_entries (context, main_entries, GETTEXT_PACKAGE);
  group = g_option_group_new ("service", _ ("D-Bus service options:"),
                              _ ("Show the D-Bus service options"), NULL, NULL);
  g_option_group_add_entries (group, service_entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_add_group (context, group);
  group = g_option_group_new ("connect", _ ("Foreground options (--connect):"),
                              _ ("Show the options of --connect"), NULL, NULL);
  g_option_group_add_entries (group, foreground_entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  g_option_context_add_group (context, group);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (error->message);
  if (version) {
    g_print ("wstund %s\n", PACKAGE_VERSION);
    return 0;
  }
  if (argc > 1)
    return usage_error (_ ("unexpected arguments; see --help"));
  if (options.mtu < 0 || options.idle_timeout < 0)
    return usage_error (_ ("--mtu and --idle-timeout take a number of 0 or more"));
  if (options.max_connections < 1 || options.max_per_user < 1)
    return usage_error (_ ("--max-connections and --max-connections-per-user take a number of 1 "
                           "or more"));
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);

  foreground_only = options.token_file != NULL || options.ca_file != NULL ||
                    options.pin_sha256 != NULL || options.interface != NULL || options.mtu != 0 ||
                    options.no_manage_ip || options.no_reconnect;
  if (options.connect_urls == NULL) {
    if (foreground_only)
      return usage_error (_ ("--token-file, --ca-file, --pin-sha256, --interface, --mtu, "
                             "--no-manage-ip and --no-reconnect go with --connect; D-Bus callers "
                             "pass them as settings of Connect"));
    return run_service (&options);
  }
  if (options.session || options.replace ||
      options.idle_timeout != WSTUN_DAEMON_DEFAULT_IDLE_TIMEOUT ||
      options.max_connections != WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS ||
      options.max_per_user != WSTUN_DBUS_MANAGER_DEFAULT_MAX_CONNECTIONS_PER_USER)
    return usage_error (_ ("--session, --idle-timeout, --replace and --max-connections* are for "
                           "the D-Bus service, not for --connect"));
  {
    g_autoptr (WstunSettings) settings = foreground_settings (&options, &error);

    if (settings == NULL)
      return usage_error (error->message);
    return wstun_foreground_run (settings);
  }
}
