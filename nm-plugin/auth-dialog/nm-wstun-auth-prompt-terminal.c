/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The terminal prompt: /dev/tty, without echo */
#include "config.h"

#include "nm-wstun-auth-prompt.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>

#include "nm-wstun-keys.h"

char *
nm_wstun_prompt_terminal (const char *message)
{
  struct termios saved, quiet;
  char line[NM_WSTUN_TOKEN_MAX + 2];
  gboolean echo_off = FALSE;
  FILE *tty = fopen ("/dev/tty", "r+");
  char *answer = NULL;

  if (tty == NULL)
    return NULL;
  /* echo off before the prompt: an answer typed at once is not shown */
  if (tcgetattr (fileno (tty), &saved) == 0) {
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t) ECHO;
    echo_off = tcsetattr (fileno (tty), TCSANOW, &quiet) == 0;
  }
  fprintf (tty, "%s\n%s ", message, _ ("Token:"));
  fflush (tty);
  if (fgets (line, sizeof line, tty) != NULL) {
    line[strcspn (line, "\r\n")] = '\0';
    if (*line != '\0')
      answer = g_strdup (line);
  }
  if (echo_off)
    tcsetattr (fileno (tty), TCSANOW, &saved);
  fputc ('\n', tty);
  fclose (tty);
  explicit_bzero (line, sizeof line);
  return answer;
}
