/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-failure.h: why a connection failed, for programs
 * (org.wstun.Connection's FailureReason; data/org.wstun.xml says what each
 * means) */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  WSTUN_FAILURE_NONE,
  WSTUN_FAILURE_AUTH_FAILED,
  WSTUN_FAILURE_TLS_UNTRUSTED,
  WSTUN_FAILURE_TLS_PIN_MISMATCH,
  WSTUN_FAILURE_TLS_EXPIRED,
  WSTUN_FAILURE_UNREACHABLE,
  WSTUN_FAILURE_TIMEOUT,
  WSTUN_FAILURE_REFUSED,
  WSTUN_FAILURE_RELAY_CLOSED,
  WSTUN_FAILURE_PROTOCOL,
  WSTUN_FAILURE_REPLACED,
  WSTUN_FAILURE_DEVICE,
  WSTUN_FAILURE_INTERNAL,
} WstunFailure;

/* The failure's code on D-Bus: "auth-failed", ...; "" for none */
const char *wstun_failure_to_string (WstunFailure failure);

/* Whether trying again may help: not when the relay refused the token, a
 * certificate or pin does not check out, or the peer is no wstun relay */
gboolean wstun_failure_is_transient (WstunFailure failure);

G_END_DECLS
