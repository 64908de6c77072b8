/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-state.h: the relay's leases on disk, so that a restart loses no
 * client's addresses (STATE_DIR/leases.json, PROTOCOL.md section 10)
 *
 * Written after every change of the leases, at most once per 200 ms, and
 * at shutdown; atomically (a temporary file in the directory, fsync,
 * rename, fsync of the directory) and by a worker thread, so a slow disk
 * never stalls the packets. Read at start: every lease becomes a
 * reservation. The file is never trusted: one that cannot be read, is too
 * big, is not what this relay writes, or is of a newer version is renamed
 * aside (leases.json.corrupt-TIME) and the relay starts empty; leases that
 * do not fit today's pools and tokens are dropped, each with a log line.
 */
#pragma once

#include <glib-object.h>

#include "wstun-leases.h"
#include "wstun-tokens.h"

G_BEGIN_DECLS

#define WSTUN_STATE_FILE_NAME     "leases.json"
#define WSTUN_STATE_FILE_FORMAT   "wstun-relay-leases"
#define WSTUN_STATE_FILE_VERSION  1
#define WSTUN_STATE_FILE_MAX_SIZE (16 * 1024 * 1024)
/* More entries than any relay holds (a /16 pool has 65534 addresses) */
#define WSTUN_STATE_FILE_MAX_LEASES   (256 * 1024)
#define WSTUN_STATE_WRITE_INTERVAL_MS 200

typedef struct {
  guint64 writes_ok;
  guint64 writes_failed;
  gint64 last_write_usec; /* how long the last write took, fsyncs included */
  gint64 max_write_usec;
} WstunStateCounters;

/* One lease of a state file, as written; wstun_state_load() checks it
 * against the relay's pools and tokens. */
typedef struct {
  WstunLeaseInfo info; /* info.token_name points to token_name */
  char *token_name;
  gboolean held;
} WstunStateEntry;

/* Parses a state file's text into WstunStateEntry records. Sets *@newer
 * when the file is of a version this relay does not know. */
GPtrArray *wstun_state_parse (const char *data, gsize len, gboolean *newer, GError **error);
/* The text of a state file holding @leases. */
GBytes *wstun_state_serialize (WstunLeases *leases);

#define WSTUN_TYPE_STATE (wstun_state_get_type ())
G_DECLARE_FINAL_TYPE (WstunState, wstun_state, WSTUN, STATE, GObject)

/* Keeps @leases (which must outlive it) in @dir, creating it (mode 0700)
 * when missing. With @dir NULL or "", or when @dir cannot be written or
 * another relay uses it, there is no persistence (a warning says why). */
WstunState *wstun_state_new (const char *dir, WstunLeases *leases);
gboolean wstun_state_is_enabled (WstunState *self);
const char *wstun_state_get_path (WstunState *self);
/* Reads the state file into @leases as reservations; @tokens is NULL on an
 * open relay. Then follows the leases' changes. */
void wstun_state_load (WstunState *self, WstunTokens *tokens);
/* The leases changed: a write follows within the write interval. */
void wstun_state_changed (WstunState *self);
/* Writes the leases as they are now and waits for any write in progress:
 * for shutdown. */
gboolean wstun_state_flush (WstunState *self);
const WstunStateCounters *wstun_state_get_counters (WstunState *self);

G_END_DECLS
