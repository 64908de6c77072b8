/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The window prompt when wstun is built without GTK 4 and libnma-gtk4:
 * there is none, the terminal is asked instead */
#include "config.h"

#include "nm-wstun-auth-prompt.h"

char *
nm_wstun_prompt_window (const char *title, const char *message, const char *token)
{
  (void) title;
  (void) message;
  (void) token;
  return NULL;
}
