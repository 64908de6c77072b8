/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nm-wstun-failure.h: org.wstun.Connection's FailureReason as
 * NetworkManager's failure reason, with what the user can do about it */
#pragma once

#include <NetworkManager.h>

G_BEGIN_DECLS

typedef struct {
  NMVpnPluginFailure nm_reason;
  const char *advice; /* translated */
} NMWstunFailure;

/* For @failure_reason (a code of data/org.wstun.xml; unknown codes are
 * treated as "internal"), while connecting. */
NMWstunFailure nm_wstun_failure_for (const char *failure_reason);

G_END_DECLS
