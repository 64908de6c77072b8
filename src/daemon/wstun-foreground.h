/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-foreground.h: `wstund --connect`: one connection in the foreground,
 * without D-Bus, for servers, containers and tests */
#pragma once

#include "wstun-settings.h"

G_BEGIN_DECLS

/* Runs until SIGINT or SIGTERM (returns 0) or until the connection fails
 * or is lost (returns 1, the reason printed on stderr). */
int wstun_foreground_run (WstunSettings *settings);

G_END_DECLS
