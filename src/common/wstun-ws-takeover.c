/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-ws-takeover.h"

#include <glib/gi18n.h>

#include "wstun-error.h"

GIOStream *
wstun_ws_take_over (SoupWebsocketConnection *conn, GError **error)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *source;
  guint n = 0;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (conn), NULL);

  while ((source = g_main_context_find_source_by_user_data (context, conn)) != NULL) {
    g_source_destroy (source);
    n++;
  }
  if (n == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                 _ ("Cannot take over the WebSocket stream from this libsoup version"));
    return NULL;
  }
  return soup_websocket_connection_get_io_stream (conn);
}
