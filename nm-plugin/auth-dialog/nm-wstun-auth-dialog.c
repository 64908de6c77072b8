/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-auth-dialog: asks for a wstun VPN's token on behalf of
 * NetworkManager's secret agents (GNOME Shell, nmcli, nm-applet).
 *
 * NetworkManager's agent runs it with -u UUID -n NAME -s SERVICE [-i]
 * [-r] [-t HINT]... and writes the connection's data and secrets on
 * stdin (DATA_KEY=/DATA_VAL=, SECRET_KEY=/SECRET_VAL=, DONE).
 *
 * With --external-ui-mode it describes what to ask as a key file
 * ([VPN Plugin UI], then a group per secret) and the agent asks itself:
 * GNOME Shell in its own prompt, `nmcli --ask` in the terminal, `nmcli
 * ... passwd-file F` from the file.
 *
 * Otherwise it answers with the secrets ("KEY\nVALUE\n" each, then an
 * empty line). A token kept by the user's agent (token-flags 1) is looked
 * up in the keyring (libsecret); one that is missing, refused (-r) or
 * never saved (token-flags 2) is asked for, when interaction is allowed
 * (-i): in a window when there is a display, else on the terminal. A
 * token typed for a connection whose agent keeps it is saved in the
 * keyring. Without -i nobody is asked: it answers with what it has.
 *
 * Either way it then waits for QUIT on stdin, as the protocol says. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <NetworkManager.h>

#include "nm-wstun-auth-keyring.h"
#include "nm-wstun-auth-prompt.h"
#include "nm-wstun-keys.h"
#include "nm-wstun-settings.h"

/* how long to wait for QUIT, as NetworkManager-openvpn's dialog */
#define QUIT_TIMEOUT_SECONDS 20

typedef struct {
  char *uuid;
  char *name;
  char *service;
  gboolean allow_interaction;
  gboolean reprompt;
  gboolean external_ui_mode;
  GStrv hints;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->uuid);
  g_free (options->name);
  g_free (options->service);
  g_strfreev (options->hints);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* The message among the hints ("x-vpn-message:..."), if any */
static const char *
hint_message (const Options *options)
{
  for (guint i = 0; options->hints != NULL && options->hints[i] != NULL; i++) {
    if (g_str_has_prefix (options->hints[i], "x-vpn-message:"))
      return options->hints[i] + strlen ("x-vpn-message:");
  }
  return NULL;
}

static NMSettingSecretFlags
token_flags (GHashTable *data)
{
  NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_NONE;

  nm_vpn_service_plugin_get_secret_flags (data, NM_WSTUN_KEY_TOKEN, &flags);
  return flags;
}

/* Whether the token must be asked for: not when the relay needs none,
 * nor when it is saved and was not refused (a reprompt) */
static gboolean
need_token (GHashTable *data, const char *token, const Options *options)
{
  NMSettingSecretFlags flags = token_flags (data);

  if (flags & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)
    return FALSE;
  if (flags & NM_SETTING_SECRET_FLAG_NOT_SAVED)
    return TRUE;
  return options->reprompt || token == NULL || *token == '\0';
}

static char *
prompt_text (const Options *options)
{
  const char *message = hint_message (options);

  if (message != NULL)
    return g_strdup (message);
  return g_strdup_printf (_ ("The wstun VPN “%s” needs its relay's token."),
                          options->name != NULL ? options->name : "?");
}

static void
print_external_ui (GHashTable *data, const char *token, const Options *options)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *description = prompt_text (options);
  g_autofree char *text = NULL;

  g_key_file_set_integer (kf, "VPN Plugin UI", "Version", 2);
  g_key_file_set_string (kf, "VPN Plugin UI", "Description", description);
  g_key_file_set_string (kf, "VPN Plugin UI", "Title", _ ("Authenticate VPN"));
  if (!(token_flags (data) & NM_SETTING_SECRET_FLAG_NOT_REQUIRED)) {
    g_key_file_set_string (kf, NM_WSTUN_KEY_TOKEN, "Value", token != NULL ? token : "");
    g_key_file_set_string (kf, NM_WSTUN_KEY_TOKEN, "Label", _ ("Token:"));
    g_key_file_set_boolean (kf, NM_WSTUN_KEY_TOKEN, "IsSecret", TRUE);
    g_key_file_set_boolean (kf, NM_WSTUN_KEY_TOKEN, "ShouldAsk", need_token (data, token, options));
    g_key_file_set_boolean (kf, NM_WSTUN_KEY_TOKEN, "ForceEcho", FALSE);
  } else {
    /* nothing to ask: the agents take this to mean "no secrets needed" */
    g_key_file_set_string (kf, "no-secret", "Value", "true");
    g_key_file_set_string (kf, "no-secret", "Label", "");
    g_key_file_set_boolean (kf, "no-secret", "IsSecret", FALSE);
    g_key_file_set_boolean (kf, "no-secret", "ShouldAsk", FALSE);
  }
  text = g_key_file_to_data (kf, NULL, NULL);
  fputs (text, stdout);
  fflush (stdout);
}

/* A token the user typed is kept in their keyring when their agent keeps
 * this connection's token (token-flags 1), never when it must be asked for
 * every time */
static void
save_typed_token (GHashTable *data, const Options *options, const char *token)
{
  NMSettingSecretFlags flags = token_flags (data);
  g_autoptr (GError) error = NULL;

  if (!(flags & NM_SETTING_SECRET_FLAG_AGENT_OWNED) || (flags & NM_SETTING_SECRET_FLAG_NOT_SAVED))
    return;
  if (!nm_wstun_keyring_store (options->uuid, options->name, token, &error))
    g_printerr ("nm-wstun-auth-dialog: %s: %s\n", _ ("The token could not be saved"),
                error->message);
}

/* Reads stdin until "QUIT" or the timeout: the agent says when it has
 * read the answer */
static void
wait_for_quit (void)
{
  g_autoptr (GString) input = g_string_new (NULL);
  gint64 end = g_get_monotonic_time () + QUIT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  char buf[256];

  while (g_get_monotonic_time () < end) {
    fd_set fds;
    struct timeval tv = { .tv_sec = 1 };
    ssize_t n;

    FD_ZERO (&fds);
    FD_SET (STDIN_FILENO, &fds);
    if (select (STDIN_FILENO + 1, &fds, NULL, NULL, &tv) <= 0)
      continue;
    n = read (STDIN_FILENO, buf, sizeof buf);
    if (n <= 0)
      return;
    g_string_append_len (input, buf, n);
    if (strstr (input->str, "QUIT") != NULL)
      return;
  }
}

int
main (int argc, char **argv)
{
  g_auto (Options) options = { 0 };
  GOptionEntry entries[] = {
    { "uuid", 'u', 0, G_OPTION_ARG_STRING, &options.uuid, N_ ("The connection's UUID"), "UUID" },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &options.name, N_ ("The connection's name"), "NAME" },
    { "service", 's', 0, G_OPTION_ARG_STRING, &options.service, N_ ("The VPN service"), "NAME" },
    { "allow-interaction", 'i', 0, G_OPTION_ARG_NONE, &options.allow_interaction,
      N_ ("The user may be asked"), NULL },
    { "reprompt", 'r', 0, G_OPTION_ARG_NONE, &options.reprompt,
      N_ ("Ask again: the saved secrets were refused"), NULL },
    { "external-ui-mode", 0, 0, G_OPTION_ARG_NONE, &options.external_ui_mode,
      N_ ("Describe what to ask; the agent asks"), NULL },
    { "hint", 't', 0, G_OPTION_ARG_STRING_ARRAY, &options.hints, N_ ("A hint from the service"),
      "HINT" },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) data = NULL;
  g_autoptr (GHashTable) secrets = NULL;
  g_autofree char *asked = NULL;
  g_autofree char *kept = NULL;
  const char *token;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_option_context_set_summary (context, _ ("Asks for a wstun VPN's token for NetworkManager."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("nm-wstun-auth-dialog: %s\n", error->message);
    return 1;
  }
  if (options.uuid == NULL || options.name == NULL || options.service == NULL) {
    g_printerr ("nm-wstun-auth-dialog: %s\n", _ ("--uuid, --name and --service are required"));
    return 1;
  }
  if (!g_str_equal (options.service, NM_WSTUN_SERVICE_TYPE)) {
    g_printerr ("nm-wstun-auth-dialog: %s\n", _ ("This dialog is for wstun VPNs only"));
    return 1;
  }
  if (!nm_vpn_service_plugin_read_vpn_details (STDIN_FILENO, &data, &secrets)) {
    g_printerr ("nm-wstun-auth-dialog: %s\n",
                _ ("NetworkManager sent no connection details on stdin"));
    return 1;
  }
  token = g_hash_table_lookup (secrets, NM_WSTUN_KEY_TOKEN);
  /* the user's agent keeps it in their keyring */
  if ((token == NULL || *token == '\0') &&
      (token_flags (data) & NM_SETTING_SECRET_FLAG_AGENT_OWNED)) {
    kept = nm_wstun_keyring_lookup (options.uuid);
    token = kept;
  }

  if (options.external_ui_mode) {
    print_external_ui (data, token, &options);
  } else {
    if (need_token (data, token, &options) && options.allow_interaction) {
      g_autofree char *message = prompt_text (&options);

      asked = nm_wstun_prompt_window (_ ("Authenticate VPN"), message, token);
      if (asked == NULL)
        asked = nm_wstun_prompt_terminal (message);
      if (asked == NULL) {
        g_printerr ("nm-wstun-auth-dialog: %s\n",
                    _ ("No token was given (cancelled, or no display and no terminal to ask on)"));
        return 1;
      }
      if (!nm_wstun_check_secret (NM_WSTUN_KEY_TOKEN, asked, &error)) {
        g_printerr ("nm-wstun-auth-dialog: %s\n", error->message);
        return 1;
      }
      token = asked;
      save_typed_token (data, &options, token);
    }
    /* without -i nobody is asked: what there is goes back */
    if (token != NULL && *token != '\0')
      printf ("%s\n%s\n", NM_WSTUN_KEY_TOKEN, token);
    printf ("\n\n");
    fflush (stdout);
  }
  wait_for_quit ();
  if (asked != NULL)
    explicit_bzero (asked, strlen (asked));
  if (kept != NULL)
    explicit_bzero (kept, strlen (kept));
  return 0;
}
