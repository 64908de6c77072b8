/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-token-cmd.h"

#include <glib/gi18n.h>

#include "wstun-tokens.h"

static int
usage (void)
{
  g_printerr ("%s\n", _ ("usage: wstun-relay --tokens FILE token add NAME [--address A] "
                         "[--address6 A]\n"
                         "       wstun-relay --tokens FILE token list\n"
                         "       wstun-relay --tokens FILE token remove NAME"));
  return 2;
}

static int
fail (const GError *error)
{
  g_printerr ("wstun-relay: %s\n", error->message);
  return 1;
}

static int
token_add (WstunTokens *tokens, int argc, char **argv)
{
  g_autofree char *address4 = NULL;
  g_autofree char *address6 = NULL;
  GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address4,
      N_ ("Static IPv4 address for this token's client"), N_ ("ADDRESS") },
    { "address6", 0, 0, G_OPTION_ARG_STRING, &address6,
      N_ ("Static IPv6 address for this token's client"), N_ ("ADDRESS") },
    G_OPTION_ENTRY_NULL,
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (GError) error = NULL;
  g_autofree char *secret = NULL;
  WstunAddr a4, a6;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (error);
  if (argc != 2)
    return usage ();
  if ((address4 != NULL && !wstun_addr_parse (address4, &a4, &error)) ||
      (address6 != NULL && !wstun_addr_parse (address6, &a6, &error)))
    return fail (error);
  secret = wstun_tokens_add (tokens, argv[1], address4 ? &a4 : NULL, address6 ? &a6 : NULL, &error);
  if (secret == NULL || !wstun_tokens_save (tokens, &error))
    return fail (error);
  /* the only time the token exists outside the client: stdout, once */
  g_print ("%s\n", secret);
  g_printerr (_ ("Token “%s” added. Give it to the client now: it is stored only as a hash and "
                 "cannot be shown again.\n"),
              argv[1]);
  return 0;
}

static int
token_list (WstunTokens *tokens)
{
  for (guint i = 0; i < wstun_tokens_get_n (tokens); i++) {
    const WstunToken *token = wstun_tokens_get_nth (tokens, i);
    char a4[WSTUN_ADDR_STRLEN], a6[WSTUN_ADDR_STRLEN];

    g_print ("%s\taddress=%s\taddress6=%s\tcreated=%s\n", token->name,
             token->has_address4 ? wstun_addr_to_string (&token->address4, a4) : "-",
             token->has_address6 ? wstun_addr_to_string (&token->address6, a6) : "-",
             token->created ? token->created : "-");
  }
  return 0;
}

int
wstun_token_command (const char *tokens_path, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunTokens) tokens = NULL;

  if (argc < 2)
    return usage ();
  if (tokens_path == NULL) {
    g_printerr ("wstun-relay: %s\n", _ ("the token commands need --tokens FILE (or tokens= in "
                                        "the configuration file)"));
    return 2;
  }
  tokens = wstun_tokens_load (tokens_path, g_str_equal (argv[1], "add"), &error);
  if (tokens == NULL)
    return fail (error);

  if (g_str_equal (argv[1], "add"))
    return token_add (tokens, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "list") && argc == 2)
    return token_list (tokens);
  if (g_str_equal (argv[1], "remove") && argc == 3) {
    if (!wstun_tokens_remove (tokens, argv[2], &error) || !wstun_tokens_save (tokens, &error))
      return fail (error);
    g_printerr (_ ("Token “%s” removed; a running relay drops its client.\n"), argv[2]);
    return 0;
  }
  return usage ();
}
