/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The window prompt, in GTK 4: the message, a password entry with a
 * mnemonic label, Cancel and Connect. A window of its own rather than
 * libnma-gtk4's VPN password dialog, which sets a GTK 3 icon size and
 * warns on every start (libnma 1.10). */
#include "config.h"

#include "nm-wstun-auth-prompt.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <string.h>

#include "nm-wstun-keys.h"

typedef struct {
  GMainLoop *loop;
  GtkWidget *entry;
  char *answer;
} Prompt;

static void
on_connect (GtkWidget *button, Prompt *prompt)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (prompt->entry));

  (void) button;
  if (*text == '\0')
    return;
  prompt->answer = g_strdup (text);
  g_main_loop_quit (prompt->loop);
}

static void
on_activate (GtkWidget *entry, Prompt *prompt)
{
  on_connect (entry, prompt);
}

static gboolean
on_close (GtkWindow *window, Prompt *prompt)
{
  (void) window;
  g_main_loop_quit (prompt->loop);
  return TRUE;
}

static void
on_cancel (GtkWidget *button, Prompt *prompt)
{
  (void) button;
  g_main_loop_quit (prompt->loop);
}

char *
nm_wstun_prompt_window (const char *title, const char *message, const char *token)
{
  g_autoptr (GMainLoop) loop = NULL;
  GtkWidget *window, *box, *text, *row, *label, *buttons, *cancel, *connect;
  Prompt prompt = { 0 };

  /* no display: the caller asks elsewhere */
  if (!gtk_init_check ())
    return NULL;
  loop = g_main_loop_new (NULL, FALSE);
  prompt.loop = loop;

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_resizable (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 420, -1);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_window_set_child (GTK_WINDOW (window), box);

  text = gtk_label_new (message);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (text), 50);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_box_append (GTK_BOX (box), text);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  label = gtk_label_new_with_mnemonic (_ ("_Token:"));
  prompt.entry = gtk_password_entry_new ();
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (prompt.entry), TRUE);
  gtk_widget_set_hexpand (prompt.entry, TRUE);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), prompt.entry);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (prompt.entry),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, text, NULL, -1);
  if (token != NULL)
    gtk_editable_set_text (GTK_EDITABLE (prompt.entry), token);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), prompt.entry);
  gtk_box_append (GTK_BOX (box), row);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  cancel = gtk_button_new_with_mnemonic (_ ("_Cancel"));
  connect = gtk_button_new_with_mnemonic (_ ("C_onnect"));
  gtk_widget_add_css_class (connect, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), connect);
  gtk_box_append (GTK_BOX (box), buttons);

  g_signal_connect (connect, "clicked", G_CALLBACK (on_connect), &prompt);
  g_signal_connect (prompt.entry, "activate", G_CALLBACK (on_activate), &prompt);
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel), &prompt);
  g_signal_connect (window, "close-request", G_CALLBACK (on_close), &prompt);
  gtk_window_set_default_widget (GTK_WINDOW (window), connect);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (prompt.entry);
  g_main_loop_run (loop);

  gtk_window_destroy (GTK_WINDOW (window));
  /* let the window go before the process writes its answer */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return prompt.answer;
}
