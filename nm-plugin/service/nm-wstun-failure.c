/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "nm-wstun-failure.h"

#include <glib/gi18n.h>

static const struct {
  const char *code;
  NMVpnPluginFailure nm_reason;
  const char *advice;
} failures[] = {
  { "auth-failed", NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED,
    N_ ("The relay refused the token: check the VPN's token (vpn.secrets token), or ask the "
        "relay's operator for a new one") },
  { "tls-untrusted", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay's certificate is not trusted, or is for another name: check the URL's host "
        "name, or set ca-file or pin-sha256 to the relay's") },
  { "tls-pin-mismatch", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay's key does not match pin-sha256: if the relay's operator changed its key, "
        "set the new pin; otherwise someone may be intercepting the connection") },
  { "tls-expired", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay's certificate has expired or is not valid yet: check this machine's clock, "
        "or tell the relay's operator") },
  { "unreachable", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay cannot be reached: check the URL and this machine's network") },
  { "timeout", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay did not answer in time: check the network, or try again later") },
  { "refused", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay refused the connection (full, busy, or a wrong URL path): try again later, "
        "or tell the relay's operator") },
  { "relay-closed", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The relay closed the connection: try again later") },
  { "protocol", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED,
    N_ ("The server is not a wstun relay, or speaks another version: check the URL") },
  { "device", NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG,
    N_ ("The tunnel device could not be made: see wstund's log") },
  { "internal", NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED, N_ ("See wstund's log") },
};

NMWstunFailure
nm_wstun_failure_for (const char *failure_reason)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (failures) - 1; i++) {
    if (g_strcmp0 (failure_reason, failures[i].code) == 0)
      break;
  }
  return (NMWstunFailure){ failures[i].nm_reason, _ (failures[i].advice) };
}
