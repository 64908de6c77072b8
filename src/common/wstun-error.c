/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-error.h"

G_DEFINE_QUARK (wstun - error - quark, wstun_error)
