/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-auth-prompt.h: asking a person for the token, in a window
 * (GTK 4, libnma's VPN password dialog) when there is a display, else on
 * the terminal when there is one. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The token typed, or NULL (cancelled, or nowhere to ask). @message says
 * what it is for; @token (may be NULL) is shown to be corrected. */
char *nm_wstun_prompt_window (const char *title, const char *message, const char *token);
char *nm_wstun_prompt_terminal (const char *message);

G_END_DECLS
