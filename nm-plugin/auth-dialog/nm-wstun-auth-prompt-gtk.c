/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The window prompt, with GTK 4 and libnma-gtk4 (as NetworkManager-openvpn's
 * dialog since 1.12) */
#include "config.h"

#include "nm-wstun-auth-prompt.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <nma-vpn-password-dialog.h>
#include <string.h>

char *
nm_wstun_prompt_window (const char *title, const char *message, const char *token)
{
  GtkWidget *dialog;
  NMAVpnPasswordDialog *password;
  char *answer = NULL;

  /* no display: the caller asks elsewhere */
  if (!gtk_init_check ())
    return NULL;
  dialog = nma_vpn_password_dialog_new (title, message, token);
  password = NMA_VPN_PASSWORD_DIALOG (dialog);
  nma_vpn_password_dialog_set_password_label (password, _ ("_Token:"));
  nma_vpn_password_dialog_set_show_password_secondary (password, FALSE);
  nma_vpn_password_dialog_focus_password (password);
  if (nma_vpn_password_dialog_run_and_block (password))
    answer = g_strdup (nma_vpn_password_dialog_get_password (password));
  gtk_window_destroy (GTK_WINDOW (dialog));
  /* let the window go before the process writes its answer */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (answer != NULL && *answer == '\0')
    g_clear_pointer (&answer, g_free);
  return answer;
}
