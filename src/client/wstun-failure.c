/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-failure.h"

const char *
wstun_failure_to_string (WstunFailure failure)
{
  switch (failure) {
  case WSTUN_FAILURE_NONE:
    return "";
  case WSTUN_FAILURE_AUTH_FAILED:
    return "auth-failed";
  case WSTUN_FAILURE_TLS_UNTRUSTED:
    return "tls-untrusted";
  case WSTUN_FAILURE_TLS_PIN_MISMATCH:
    return "tls-pin-mismatch";
  case WSTUN_FAILURE_TLS_EXPIRED:
    return "tls-expired";
  case WSTUN_FAILURE_UNREACHABLE:
    return "unreachable";
  case WSTUN_FAILURE_TIMEOUT:
    return "timeout";
  case WSTUN_FAILURE_REFUSED:
    return "refused";
  case WSTUN_FAILURE_RELAY_CLOSED:
    return "relay-closed";
  case WSTUN_FAILURE_PROTOCOL:
    return "protocol";
  case WSTUN_FAILURE_REPLACED:
    return "replaced";
  case WSTUN_FAILURE_DEVICE:
    return "device";
  case WSTUN_FAILURE_INTERNAL:
  default:
    return "internal";
  }
}

gboolean
wstun_failure_is_transient (WstunFailure failure)
{
  switch (failure) {
  case WSTUN_FAILURE_UNREACHABLE:
  case WSTUN_FAILURE_TIMEOUT:
  case WSTUN_FAILURE_REFUSED:
  case WSTUN_FAILURE_RELAY_CLOSED:
    return TRUE;
  case WSTUN_FAILURE_NONE:
  case WSTUN_FAILURE_AUTH_FAILED:
  case WSTUN_FAILURE_TLS_UNTRUSTED:
  case WSTUN_FAILURE_TLS_PIN_MISMATCH:
  case WSTUN_FAILURE_TLS_EXPIRED:
  case WSTUN_FAILURE_PROTOCOL:
  case WSTUN_FAILURE_REPLACED:
  case WSTUN_FAILURE_DEVICE:
  case WSTUN_FAILURE_INTERNAL:
  default:
    return FALSE;
  }
}
