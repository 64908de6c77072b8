/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-token-cmd.h: "wstun-relay --tokens FILE token add|list|remove" */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @argv starts at "token"; returns the process exit status. */
int wstun_token_command (const char *tokens_path, int argc, char **argv);

G_END_DECLS
