/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-client-log.h: the relay's log lines about clients, as text for
 * people and as structured fields for the journal
 *
 * The text is what g_message() and g_warning() print. Alongside, the
 * journal (when the relay's standard error is connected to it) gets
 * fields to filter on:
 *   journalctl -u wstun-relay WSTUN_EVENT=peer-timeout
 *   journalctl -u wstun-relay WSTUN_TOKEN=laptop
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *event;   /* WSTUN_EVENT: connected, resumed, replaced, disconnected,
                        * peer-timeout, refused, revoked, reservation-expired,
                        * reservation-dropped */
  const char *client;  /* WSTUN_CLIENT: the client's IP address and port */
  const char *address; /* WSTUN_ADDRESS: its tunnel addresses, ", " between them */
  const char *token;   /* WSTUN_TOKEN: the name of its token */
} WstunClientLogFields;

/* Logs the message made from @format at @level with the fields that are
 * not NULL. Peer text in the message must already be escaped
 * (wstun_printable()). */
void wstun_client_log (GLogLevelFlags level, const WstunClientLogFields *fields, const char *format,
                       ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
