/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-ws.h: RFC 6455 framing over an already upgraded stream
 *
 * libsoup performs the HTTP upgrade (and TLS); this object then drives the
 * upgraded GIOStream for the data path. libsoup's own framing reads 1 KiB
 * per syscall, unmasks byte by byte and copies every message twice, which
 * caps a relay near 2-3 Gbit/s (see PROTOCOL.md, "Performance notes"). Here
 * reads are large, unmasking is word-wise and in place, a frame is written
 * with its header in reserved headroom in one write, and the send queue is
 * bounded so a stalled peer costs a bounded amount of memory.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bytes a caller reserves in front of a payload passed to
 * wstun_ws_send_frame(): 2 (base) + 8 (64-bit length) + 4 (mask key). */
#define WSTUN_WS_HEADROOM    14
#define WSTUN_WS_CONTROL_MAX 125

typedef enum {
  WSTUN_WS_ROLE_CLIENT, /* masks what it sends, expects unmasked frames */
  WSTUN_WS_ROLE_SERVER, /* sends unmasked, requires masked frames */
} WstunWsRole;

typedef enum {
  WSTUN_WS_OPCODE_CONTINUATION = 0x0,
  WSTUN_WS_OPCODE_TEXT = 0x1,
  WSTUN_WS_OPCODE_BINARY = 0x2,
  WSTUN_WS_OPCODE_CLOSE = 0x8,
  WSTUN_WS_OPCODE_PING = 0x9,
  WSTUN_WS_OPCODE_PONG = 0xa,
} WstunWsOpcode;

/* RFC 6455 section 7.4.1 close codes used by wstun */
typedef enum {
  WSTUN_WS_CLOSE_NORMAL = 1000,
  WSTUN_WS_CLOSE_GOING_AWAY = 1001,
  WSTUN_WS_CLOSE_PROTOCOL_ERROR = 1002,
  WSTUN_WS_CLOSE_UNSUPPORTED_DATA = 1003,
  WSTUN_WS_CLOSE_NO_STATUS = 1005, /* never sent */
  WSTUN_WS_CLOSE_ABNORMAL = 1006,  /* never sent: connection lost */
  WSTUN_WS_CLOSE_BAD_DATA = 1007,
  WSTUN_WS_CLOSE_POLICY_VIOLATION = 1008,
  WSTUN_WS_CLOSE_TOO_BIG = 1009,
  WSTUN_WS_CLOSE_SERVER_ERROR = 1011,
  WSTUN_WS_CLOSE_SERVICE_RESTART = 1012, /* the peer will be back: reconnect now */
} WstunWsCloseCode;

typedef enum {
  WSTUN_WS_SEND_OK,      /* written, or queued within the backlog */
  WSTUN_WS_SEND_DROPPED, /* the backlog is full: the frame was not sent */
  WSTUN_WS_SEND_CLOSED,  /* the connection is closing or closed */
} WstunWsSendResult;

#define WSTUN_TYPE_WS (wstun_ws_get_type ())
G_DECLARE_FINAL_TYPE (WstunWs, wstun_ws, WSTUN, WS, GObject)

typedef struct {
  /* A complete text or binary message. @data may be modified in place and
   * is valid only during the call. Text has been checked to be UTF-8. */
  void (*message) (WstunWs *ws, WstunWsOpcode opcode, guint8 *data, gsize len, gpointer user_data);
  /* All input available in this wakeup has been processed: flush batches. */
  void (*burst_done) (WstunWs *ws, gpointer user_data);
  /* The send queue, which was not empty, has been written out. */
  void (*drained) (WstunWs *ws, gpointer user_data);
  /* The stream is closed; called exactly once. @error is NULL after a
   * clean closing handshake. */
  void (*closed) (WstunWs *ws, guint16 code, const char *reason, const GError *error,
                  gpointer user_data);
} WstunWsCallbacks;

/* Readiness comes from the socket under @stream (a GSocketConnection, or
 * one under TLS or libsoup's stream), watched in the main context's
 * reactor (wstun-reactor.h); other streams get pollable sources. */
WstunWs *wstun_ws_new (GIOStream *stream, WstunWsRole role);
/* The socket whose readiness drives @ws's stream, for a stream that does
 * not say (before wstun_ws_start()) */
void wstun_ws_set_socket (WstunWs *ws, GSocket *socket);
void wstun_ws_set_max_message (WstunWs *ws, gsize max_message);
void wstun_ws_set_max_backlog (WstunWs *ws, gsize max_backlog);
/* Sends a ping every @seconds and closes the connection when nothing at all
 * arrived for three intervals. 0 turns it off. */
void wstun_ws_set_keepalive (WstunWs *ws, guint seconds);
void wstun_ws_start (WstunWs *ws, const WstunWsCallbacks *callbacks, gpointer user_data);

/* Sends one frame whose payload starts at @payload, with WSTUN_WS_HEADROOM
 * writable bytes in front of it. The payload may be masked in place. When
 * @droppable and the backlog is full, nothing is sent. */
WstunWsSendResult wstun_ws_send_frame (WstunWs *ws, WstunWsOpcode opcode, guint8 *payload,
                                       gsize len, gboolean droppable);
/* Copying variants for control traffic; never dropped. */
WstunWsSendResult wstun_ws_send_text (WstunWs *ws, const char *text, gssize len);
WstunWsSendResult wstun_ws_send_binary (WstunWs *ws, const guint8 *data, gsize len);

/* Starts the closing handshake; closed() follows. */
void wstun_ws_close (WstunWs *ws, guint16 code, const char *reason);
/* Forgets the callbacks and closes the stream: for owners going away. */
void wstun_ws_detach (WstunWs *ws);
/* Closes the stream now, without a handshake; closed() follows. */
void wstun_ws_abort (WstunWs *ws, const GError *error);

gboolean wstun_ws_is_open (WstunWs *ws);
gsize wstun_ws_get_backlog (WstunWs *ws);
gsize wstun_ws_get_max_backlog (WstunWs *ws);
/* Microseconds the oldest byte of the backlog has waited at @now (from
 * g_get_monotonic_time()); 0 when the backlog is empty. */
gint64 wstun_ws_get_backlog_age (WstunWs *ws, gint64 now);
/* Bytes a frame with @payload_len bytes of payload takes, header (and, for
 * a client, masking key) included: what it adds to the backlog. */
gsize wstun_ws_frame_size (WstunWs *ws, gsize payload_len);
GIOStream *wstun_ws_get_stream (WstunWs *ws);
/* Round-trip time of the last keepalive ping in microseconds, or -1. */
gint64 wstun_ws_get_rtt (WstunWs *ws);

/* Applies the 4-byte masking @key to @data, word at a time; @offset is the
 * position of @data within the masked payload. Exposed for tests. */
void wstun_ws_mask (guint8 *data, gsize len, const guint8 key[4], gsize offset);

G_END_DECLS
