/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-error.h: the error domain shared by every part of wstun */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WSTUN_ERROR (wstun_error_quark ())
GQuark wstun_error_quark (void);

/**
 * WstunError:
 * @WSTUN_ERROR_FAILED: generic failure
 * @WSTUN_ERROR_INVALID_ARGS: a setting, option or argument is invalid
 * @WSTUN_ERROR_NOT_AUTHORIZED: the caller or client may not do this
 * @WSTUN_ERROR_NOT_FOUND: the object does not exist
 * @WSTUN_ERROR_PROTOCOL: the peer broke the wire protocol
 * @WSTUN_ERROR_REFUSED: the relay refused the client (error message)
 * @WSTUN_ERROR_TIMED_OUT: a step did not complete in time
 * @WSTUN_ERROR_LIMIT_EXCEEDED: a limit on resources is reached
 */
typedef enum {
  WSTUN_ERROR_FAILED,
  WSTUN_ERROR_INVALID_ARGS,
  WSTUN_ERROR_NOT_AUTHORIZED,
  WSTUN_ERROR_NOT_FOUND,
  WSTUN_ERROR_PROTOCOL,
  WSTUN_ERROR_REFUSED,
  WSTUN_ERROR_TIMED_OUT,
  WSTUN_ERROR_LIMIT_EXCEEDED,
} WstunError;

/* Sets WSTUN_ERROR_PROTOCOL with the message made from @format; returns
 * FALSE, for the parsers' "return wstun_protocol_error (...)". */
gboolean wstun_protocol_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
