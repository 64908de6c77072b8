/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-state.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wstun-error.h"
#include "wstun-fd-io.h"
#include "wstun-json-check.h"
#include "wstun-printable.h"

#define LOCK_NAME       "leases.lock"
#define TEMP_PREFIX     ".leases.json."
#define MAX_DROP_LINES  20 /* dropped leases logged one by one, then counted */
#define FLUSH_WAIT_USEC (10 * G_USEC_PER_SEC)

struct _WstunState {
  GObject parent_instance;

  char *dir;
  char *path;
  int lock_fd;
  gboolean enabled;
  WstunLeases *leases;
  GSource *timer;     /* the next write */
  gboolean writing;   /* a worker thread is writing */
  gboolean dirty;     /* changed since the last snapshot */
  gboolean failing;   /* the last write failed (logged once until one works) */
  gint64 last_start;  /* monotonic time the last write started */
  guint64 generation; /* of the last snapshot */
  GMutex lock;        /* held while writing the file */
  guint64 on_disk;    /* under lock: generation of the file on disk */
  WstunStateCounters counters;
};

G_DEFINE_FINAL_TYPE (WstunState, wstun_state, G_TYPE_OBJECT)

/* ---- the file's text ---------------------------------------------------- */

/* The messages of this file reach only the relay's log, which is in
 * English: they are not translated. */

static void
entry_free (WstunStateEntry *entry)
{
  g_free (entry->token_name);
  g_free (entry);
}

static gboolean G_GNUC_PRINTF (2, 3) corrupt (GError **error, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (WSTUN_ERROR, WSTUN_ERROR_PROTOCOL, format, args));
  va_end (args);
  return FALSE;
}

/* A member of @obj that must be of @type, or may be absent or null when
 * not @required: NULL then. */
static gboolean
member (JsonObject *obj, const char *name, GType type, gboolean required, JsonNode **out,
        GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    if (required)
      return corrupt (error, "“%s” is missing", name);
    return TRUE;
  }
  if (type == JSON_TYPE_ARRAY
        ? !JSON_NODE_HOLDS_ARRAY (node)
        : !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return corrupt (error, "“%s” has the wrong type", name);
  *out = node;
  return TRUE;
}

static gboolean
parse_address (JsonObject *obj, const char *name, int family, WstunStateEntry *entry,
               GError **error)
{
  JsonNode *node;
  WstunPrefix prefix;

  if (!member (obj, name, G_TYPE_STRING, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!wstun_prefix_parse (json_node_get_string (node), &prefix, NULL) ||
      prefix.addr.family != family)
    return corrupt (error, "“%s” is not a CIDR prefix of its family", name);
  entry->info.addrs[entry->info.n_addrs++] = prefix.addr;
  return TRUE;
}

static WstunStateEntry *
parse_entry (JsonNode *node, GError **error)
{
  g_autoptr (GError) local = NULL;
  WstunStateEntry *entry;
  JsonObject *obj;
  JsonNode *hash, *token, *state, *until;
  const char *state_name;

  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    corrupt (error, "a lease is not an object");
    return NULL;
  }
  obj = json_node_get_object (node);
  entry = g_new0 (WstunStateEntry, 1);
  if (!member (obj, "resume_sha256", G_TYPE_STRING, TRUE, &hash, &local) ||
      !member (obj, "token", G_TYPE_STRING, FALSE, &token, &local) ||
      !member (obj, "state", G_TYPE_STRING, TRUE, &state, &local) ||
      !member (obj, "reserved_until", G_TYPE_INT64, FALSE, &until, &local) ||
      !parse_address (obj, "address4", AF_INET, entry, &local) ||
      !parse_address (obj, "address6", AF_INET6, entry, &local))
    goto fail;
  if (!wstun_resume_hash_from_hex (json_node_get_string (hash), entry->info.hash)) {
    corrupt (&local, "“%s” is not a SHA-256 in hexadecimal", "resume_sha256");
    goto fail;
  }
  if (token != NULL) {
    if (!wstun_token_name_is_valid (json_node_get_string (token))) {
      corrupt (&local, "“%s” is not a token name", "token");
      goto fail;
    }
    entry->token_name = g_strdup (json_node_get_string (token));
    entry->info.token_name = entry->token_name;
  }
  state_name = json_node_get_string (state);
  if (g_str_equal (state_name, "held")) {
    entry->held = entry->info.held = TRUE;
  } else if (g_str_equal (state_name, "reserved") && until != NULL) {
    entry->info.reserved_until = json_node_get_int (until);
  } else {
    corrupt (&local, "“state” is neither “held” nor “reserved” with “reserved_until”");
    goto fail;
  }
  return entry;

fail:
  entry_free (entry);
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

GPtrArray *
wstun_state_parse (const char *data, gsize len, gboolean *newer, GError **error)
{
  /* what version 1 writes is three levels deep; a newer version may nest
   * more and must still be recognised as newer */
  static const WstunJsonLimits limits = {
    .max_depth = 8,
    .max_entries = WSTUN_STATE_FILE_MAX_LEASES,
    .max_string = 1024,
  };
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) local = NULL;
  JsonObject *root;
  JsonNode *node;
  JsonArray *array;
  gint64 version;

  *newer = FALSE;
  if (len > WSTUN_STATE_FILE_MAX_SIZE) {
    corrupt (error, "larger than %u bytes", (guint) WSTUN_STATE_FILE_MAX_SIZE);
    return NULL;
  }
  /* json-glib recurses per nesting level and reads more than JSON */
  if (!wstun_json_check (data, len, &limits, error))
    return NULL;
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &local)) {
    corrupt (error, "not valid JSON: %s", local->message);
    return NULL;
  }
  root = json_node_get_object (json_parser_get_root (parser));
  if (!member (root, "format", G_TYPE_STRING, TRUE, &node, error))
    return NULL;
  if (!g_str_equal (json_node_get_string (node), WSTUN_STATE_FILE_FORMAT)) {
    corrupt (error, "not a file of wstun-relay's leases");
    return NULL;
  }
  if (!member (root, "version", G_TYPE_INT64, TRUE, &node, error))
    return NULL;
  version = json_node_get_int (node);
  if (version > WSTUN_STATE_FILE_VERSION) {
    *newer = TRUE;
    corrupt (error, "version %lld, newer than this relay's %d", (long long) version,
             WSTUN_STATE_FILE_VERSION);
    return NULL;
  }
  if (version < 1) {
    corrupt (error, "“%s” is out of range", "version");
    return NULL;
  }
  if (!member (root, "leases", JSON_TYPE_ARRAY, TRUE, &node, error))
    return NULL;
  array = json_node_get_array (node);
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  for (guint i = 0; i < json_array_get_length (array); i++) {
    WstunStateEntry *entry = parse_entry (json_array_get_element (array, i), &local);

    if (entry == NULL) {
      corrupt (error, "lease %u: %s", i + 1, local->message);
      return NULL;
    }
    g_ptr_array_add (entries, entry);
  }
  return g_steal_pointer (&entries);
}

/* The leases as they are, copied in the main loop so that the worker
 * thread can write them out: building the JSON of thousands of leases
 * takes milliseconds, which the packets should not wait for. */
typedef struct {
  GArray *infos; /* WstunLeaseInfo, token_name owned */
  guint prefix4, prefix6;
} Snapshot;

static void
snapshot_free (Snapshot *snap)
{
  for (guint i = 0; i < snap->infos->len; i++)
    g_free ((char *) g_array_index (snap->infos, WstunLeaseInfo, i).token_name);
  g_array_unref (snap->infos);
  g_free (snap);
}

static void
copy_lease (const WstunLeaseInfo *info, gpointer user_data)
{
  Snapshot *snap = user_data;
  WstunLeaseInfo copy = *info;

  copy.token_name = g_strdup (info->token_name);
  g_array_append_val (snap->infos, copy);
}

static Snapshot *
snapshot_take (WstunLeases *leases)
{
  Snapshot *snap = g_new0 (Snapshot, 1);
  WstunPool *pool4 = wstun_leases_get_pool (leases, AF_INET);
  WstunPool *pool6 = wstun_leases_get_pool (leases, AF_INET6);

  snap->infos =
    g_array_sized_new (FALSE, FALSE, sizeof (WstunLeaseInfo), wstun_leases_get_n_leases (leases));
  snap->prefix4 = pool4 != NULL ? wstun_pool_get_prefix (pool4)->prefix_len : 32;
  snap->prefix6 = pool6 != NULL ? wstun_pool_get_prefix (pool6)->prefix_len : 128;
  wstun_leases_foreach (leases, copy_lease, snap);
  return snap;
}

static void
add_address (JsonBuilder *b, const char *name, const WstunLeaseInfo *info, int family,
             guint prefix_len)
{
  json_builder_set_member_name (b, name);
  for (guint i = 0; i < info->n_addrs; i++) {
    WstunPrefix prefix = { .addr = info->addrs[i], .prefix_len = prefix_len };
    char buf[WSTUN_PREFIX_STRLEN];

    if (info->addrs[i].family == family) {
      json_builder_add_string_value (b, wstun_prefix_to_string (&prefix, buf));
      return;
    }
  }
  json_builder_add_null_value (b);
}

static void
serialize_lease (JsonBuilder *b, const Snapshot *snap, const WstunLeaseInfo *info)
{
  char hex[2 * WSTUN_RESUME_HASH_LEN + 1];

  wstun_resume_hash_to_hex (info->hash, hex);
  json_builder_begin_object (b);
  add_address (b, "address4", info, AF_INET, snap->prefix4);
  add_address (b, "address6", info, AF_INET6, snap->prefix6);
  json_builder_set_member_name (b, "resume_sha256");
  json_builder_add_string_value (b, hex);
  json_builder_set_member_name (b, "token");
  if (info->token_name != NULL)
    json_builder_add_string_value (b, info->token_name);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, info->held ? "held" : "reserved");
  if (!info->held) {
    json_builder_set_member_name (b, "reserved_until");
    json_builder_add_int_value (b, info->reserved_until);
  }
  json_builder_end_object (b);
}

static GBytes *
snapshot_serialize (const Snapshot *snap)
{
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  gsize len;
  char *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, WSTUN_STATE_FILE_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, WSTUN_STATE_FILE_VERSION);
  json_builder_set_member_name (b, "written");
  json_builder_add_int_value (b, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_set_member_name (b, "leases");
  json_builder_begin_array (b);
  for (guint i = 0; i < snap->infos->len; i++)
    serialize_lease (b, snap, &g_array_index (snap->infos, WstunLeaseInfo, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  /* one member per line: readable, and diff-able by an operator */
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 1);
  text = json_generator_to_data (gen, &len);
  return g_bytes_new_take (text, len);
}

GBytes *
wstun_state_serialize (WstunLeases *leases)
{
  Snapshot *snap = snapshot_take (leases);
  GBytes *bytes = snapshot_serialize (snap);

  snapshot_free (snap);
  return bytes;
}

/* ---- writing -------------------------------------------------------------- */

/* Replaces the file by @bytes so that a crash at any moment leaves the old
 * file or the new one, whole: a new file beside it, flushed to the disk,
 * renamed over it, and the directory (the rename) flushed too. */
static gboolean
write_atomic (const char *dir, const char *path, GBytes *bytes, GError **error)
{
  g_autofree char *temp = g_build_filename (dir, TEMP_PREFIX "XXXXXX", NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  int fd, dir_fd, err;

  fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s: %s", temp, g_strerror (err));
    return FALSE;
  }
  if (!wstun_fd_write_all (fd, data, len) || fsync (fd) != 0) {
    err = errno;
    close (fd);
    unlink (temp);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s: %s", temp, g_strerror (err));
    return FALSE;
  }
  if (close (fd) != 0 || rename (temp, path) != 0) {
    err = errno;
    unlink (temp);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s: %s", path, g_strerror (err));
    return FALSE;
  }
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || fsync (dir_fd) != 0) {
    err = errno;
    if (dir_fd >= 0)
      close (dir_fd);
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s: %s", dir, g_strerror (err));
    return FALSE;
  }
  close (dir_fd);
  return TRUE;
}

typedef struct {
  Snapshot *snapshot;
  guint64 generation;
  char *dir;
  char *path;
  gint64 duration; /* set by the thread */
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  snapshot_free (job->snapshot);
  g_free (job->dir);
  g_free (job->path);
  g_free (job);
}

/* Writes @job unless a newer snapshot is on disk already (a shutdown write
 * that overtook this one). Runs in a worker thread, or in the main thread
 * at shutdown. */
static gboolean
run_job (WstunState *self, WriteJob *job, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (job->generation > self->on_disk) {
    g_autoptr (GBytes) bytes = snapshot_serialize (job->snapshot);

    ok = write_atomic (job->dir, job->path, bytes, error);
    if (ok)
      self->on_disk = job->generation;
  }
  g_mutex_unlock (&self->lock);
  job->duration = g_get_monotonic_time () - start;
  return ok;
}

static void
write_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  (void) cancellable;
  if (run_job (source, task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static WriteJob *
snapshot (WstunState *self)
{
  WriteJob *job = g_new0 (WriteJob, 1);
  gint64 start = g_get_monotonic_time ();

  /* in the main loop: what a write costs the packets */
  job->snapshot = snapshot_take (self->leases);
  g_debug ("state file: %u lease(s) copied in %lld µs", job->snapshot->infos->len,
           (long long) (g_get_monotonic_time () - start));
  job->generation = ++self->generation;
  job->dir = g_strdup (self->dir);
  job->path = g_strdup (self->path);
  self->dirty = FALSE;
  return job;
}

static void
account (WstunState *self, const WriteJob *job, const GError *error)
{
  self->counters.last_write_usec = job->duration;
  self->counters.max_write_usec = MAX (self->counters.max_write_usec, job->duration);
  if (error == NULL) {
    self->counters.writes_ok++;
    if (self->failing)
      g_message ("state file %s written again", self->path);
    self->failing = FALSE;
    return;
  }
  self->counters.writes_failed++;
  /* once, not every 200 ms while the disk is full */
  if (!self->failing)
    g_warning ("cannot write the state file: %s (the leases stay in memory; retrying on the "
               "next change)",
               error->message);
  self->failing = TRUE;
}

static void schedule (WstunState *self);

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WstunState *self = WSTUN_STATE (source);
  g_autoptr (GError) error = NULL;

  (void) user_data;
  g_task_propagate_boolean (G_TASK (result), &error);
  account (self, g_task_get_task_data (G_TASK (result)), error);
  self->writing = FALSE;
  if (self->dirty)
    schedule (self);
}

static gboolean
on_timer (gpointer user_data)
{
  WstunState *self = user_data;
  g_autoptr (GTask) task = NULL;

  g_clear_pointer (&self->timer, g_source_unref);
  self->writing = TRUE;
  self->last_start = g_get_monotonic_time ();
  task = g_task_new (self, NULL, on_written, NULL);
  g_task_set_task_data (task, snapshot (self), (GDestroyNotify) write_job_free);
  /* fsync() may take long on a busy disk: never in the main loop, which
   * carries every client's packets */
  g_task_run_in_thread (task, write_in_thread);
  return G_SOURCE_REMOVE;
}

/* Writes at once after a quiet spell, else when the interval since the
 * last write is over: every change reaches the disk, at most five times a
 * second. */
static void
schedule (WstunState *self)
{
  gint64 wait;

  if (self->timer != NULL || self->writing)
    return;
  wait = self->last_start + WSTUN_STATE_WRITE_INTERVAL_MS * 1000 - g_get_monotonic_time ();
  self->timer =
    g_timeout_source_new (CLAMP ((wait + 999) / 1000, 0, WSTUN_STATE_WRITE_INTERVAL_MS));
  g_source_set_callback (self->timer, on_timer, self, NULL);
  g_source_attach (self->timer, g_main_context_get_thread_default ());
}

void
wstun_state_changed (WstunState *self)
{
  g_return_if_fail (WSTUN_IS_STATE (self));

  if (!self->enabled)
    return;
  self->dirty = TRUE;
  schedule (self);
}

static void
on_leases_changed (gpointer user_data)
{
  wstun_state_changed (user_data);
}

gboolean
wstun_state_flush (WstunState *self)
{
  g_autoptr (GError) error = NULL;
  WriteJob *job;
  gboolean ok;
  gint64 end = g_get_monotonic_time () + FLUSH_WAIT_USEC;

  g_return_val_if_fail (WSTUN_IS_STATE (self), FALSE);

  if (!self->enabled)
    return TRUE;
  if (self->timer != NULL) {
    g_source_destroy (self->timer);
    g_clear_pointer (&self->timer, g_source_unref);
  }
  job = snapshot (self);
  ok = run_job (self, job, &error);
  account (self, job, error);
  write_job_free (job);
  /* a write in a thread (older, so it writes nothing now) must report
   * back before the process ends, or its task is never freed */
  while (self->writing && g_get_monotonic_time () < end)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return ok;
}

/* ---- the directory and reading ---------------------------------------- */

/* Creates @dir if needed, refuses one that is not a directory or that is
 * not the relay's alone, takes a lock so that two relays never share one,
 * removes the temporary files a killed relay left, and checks that a file
 * can be made in it. */
static gboolean
open_dir (WstunState *self, GError **error)
{
  g_autofree char *lock_path = g_build_filename (self->dir, LOCK_NAME, NULL);
  g_autofree char *probe = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  struct stat st;
  int fd, err;

  if (g_mkdir_with_parents (self->dir, 0700) != 0) {
    err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "Cannot create %s: %s", self->dir,
                 g_strerror (err));
    return FALSE;
  }
  /* whoever may write in the directory may plant leases (resume ids they
   * know, for addresses they want): it must be the relay's own */
  if (stat (self->dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, "%s is not a directory", self->dir);
    return FALSE;
  }
  if (st.st_uid != geteuid () || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                 "%s belongs to another user or others may write in it (mode %04o)", self->dir,
                 (guint) (st.st_mode & 07777));
    return FALSE;
  }
  self->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (self->lock_fd < 0) {
    err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "Cannot write in %s: %s",
                 self->dir, g_strerror (err));
    return FALSE;
  }
  if (flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "Another relay keeps its state in %s",
                 self->dir);
    return FALSE;
  }
  listing = g_dir_open (self->dir, 0, NULL);
  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL) {
    if (g_str_has_prefix (name, TEMP_PREFIX)) {
      g_autofree char *stale = g_build_filename (self->dir, name, NULL);

      g_unlink (stale);
    }
  }
  /* root passes access() on a read-only file system: try for real */
  probe = g_build_filename (self->dir, TEMP_PREFIX "XXXXXX", NULL);
  fd = g_mkstemp_full (probe, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "Cannot write in %s: %s",
                 self->dir, g_strerror (err));
    return FALSE;
  }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

WstunState *
wstun_state_new (const char *dir, WstunLeases *leases)
{
  WstunState *self = g_object_new (WSTUN_TYPE_STATE, NULL);
  g_autoptr (GError) error = NULL;

  self->leases = leases;
  if (dir == NULL || *dir == '\0') {
    g_message ("no state directory: the leases of clients are lost when the relay stops");
    return self;
  }
  self->dir = g_strdup (dir);
  self->path = g_build_filename (dir, WSTUN_STATE_FILE_NAME, NULL);
  if (!open_dir (self, &error)) {
    g_warning ("%s; running without a state file: the leases of clients are lost when the "
               "relay stops",
               error->message);
    return self;
  }
  self->enabled = TRUE;
  return self;
}

/* Renames the file out of the way, for its owner to look at. */
static void
set_aside (WstunState *self, const char *why)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *text = wstun_printable (why, -1);

  for (guint i = 0; i < 100; i++) {
    g_autofree char *aside =
      i == 0 ? g_strdup_printf ("%s.corrupt-%lld", self->path, (long long) now)
             : g_strdup_printf ("%s.corrupt-%lld-%u", self->path, (long long) now, i);

    if (g_file_test (aside, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
      continue;
    if (g_rename (self->path, aside) == 0) {
      g_warning ("state file %s not used: %s; it is now %s, and the relay starts without "
                 "leases",
                 self->path, text, aside);
      return;
    }
    break;
  }
  g_warning ("state file %s not used: %s; it cannot be renamed aside (%s), and the relay starts "
             "without leases",
             self->path, text, g_strerror (errno));
}

/* The file's bytes, bounded; NULL with *@missing when there is none. Never
 * follows a link or blocks on a FIFO. */
static GBytes *
read_file (WstunState *self, gboolean *missing, GError **error)
{
  GBytes *data;
  struct stat st;
  int fd, err;

  *missing = FALSE;
  fd = open (self->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    err = errno;
    *missing = err == ENOENT;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s", g_strerror (err));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "not a regular file");
    return NULL;
  }
  /* it may grow after fstat(): the bound is on what is read */
  data = wstun_fd_read_bounded (fd, WSTUN_STATE_FILE_MAX_SIZE);
  err = errno;
  close (fd);
  if (data == NULL && err == EFBIG) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "larger than %u bytes",
                 (guint) WSTUN_STATE_FILE_MAX_SIZE);
  } else if (data == NULL) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s", g_strerror (err));
  }
  return data;
}

typedef struct {
  guint restored;
  guint dropped;
} LoadCounts;

static void
drop_entry (WstunState *self, LoadCounts *counts, const WstunStateEntry *entry, const char *why)
{
  char hex[2 * WSTUN_RESUME_HASH_LEN + 1];
  char buf[WSTUN_ADDR_STRLEN];
  g_autoptr (GString) addrs = g_string_new (NULL);

  if (++counts->dropped > MAX_DROP_LINES)
    return;
  for (guint i = 0; i < entry->info.n_addrs; i++)
    g_string_append_printf (addrs, "%s%s", i ? ", " : "",
                            wstun_addr_to_string (&entry->info.addrs[i], buf));
  wstun_resume_hash_to_hex (entry->info.hash, hex);
  g_message ("state file %s: lease %s (resume id SHA-256 %.16s…) dropped: %s", self->path,
             addrs->len ? addrs->str : "without addresses", hex, why);
}

/* Every lease of the file becomes a reservation for the grace period from
 * now, also one whose reservation had ended by the file's time: its client
 * may have been trying to come back while the relay was down. */
static void
restore (WstunState *self, WstunTokens *tokens, const WstunStateEntry *entry, LoadCounts *counts)
{
  g_autoptr (GError) error = NULL;
  const WstunToken *token = NULL;

  if (tokens == NULL && entry->token_name != NULL) {
    drop_entry (self, counts, entry, "it belongs to a token, and the relay has no tokens now");
    return;
  }
  if (tokens != NULL) {
    token = entry->token_name != NULL ? wstun_tokens_lookup_name (tokens, entry->token_name) : NULL;
    if (token == NULL) {
      drop_entry (self, counts, entry,
                  entry->token_name != NULL
                    ? "its token is no longer in the tokens file"
                    : "it belongs to no token, and the relay has tokens now");
      return;
    }
  }
  if (!wstun_leases_restore (self->leases, &entry->info,
                             token && token->has_address4 ? &token->address4 : NULL,
                             token && token->has_address6 ? &token->address6 : NULL, &error)) {
    drop_entry (self, counts, entry, error->message);
    return;
  }
  counts->restored++;
}

void
wstun_state_load (WstunState *self, WstunTokens *tokens)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  LoadCounts counts = { 0 };
  gboolean missing, newer;
  gsize len;
  const char *data;

  g_return_if_fail (WSTUN_IS_STATE (self));

  if (!self->enabled)
    return;
  bytes = read_file (self, &missing, &error);
  if (bytes == NULL && missing) {
    g_message ("state file %s: none yet, starting without leases", self->path);
  } else if (bytes == NULL) {
    set_aside (self, error->message);
  } else {
    data = g_bytes_get_data (bytes, &len);
    entries = wstun_state_parse (data != NULL ? data : "", len, &newer, &error);
    if (entries == NULL)
      set_aside (self, error->message);
  }
  /* held leases first: their clients were connected when the relay went */
  for (guint pass = 0; entries != NULL && pass < 2; pass++) {
    for (guint i = 0; i < entries->len; i++) {
      const WstunStateEntry *entry = g_ptr_array_index (entries, i);

      if (entry->held == (pass == 0))
        restore (self, tokens, entry, &counts);
    }
  }
  if (entries != NULL)
    g_message ("state file %s: %u lease(s) reserved for their clients, %u dropped", self->path,
               counts.restored, counts.dropped);
  if (counts.dropped > MAX_DROP_LINES)
    g_message ("state file %s: %u more dropped leases were not logged", self->path,
               counts.dropped - MAX_DROP_LINES);
  wstun_leases_set_changed_func (self->leases, on_leases_changed, self);
  /* the file now says what the relay holds */
  wstun_state_changed (self);
}

gboolean
wstun_state_is_enabled (WstunState *self)
{
  g_return_val_if_fail (WSTUN_IS_STATE (self), FALSE);
  return self->enabled;
}

const char *
wstun_state_get_path (WstunState *self)
{
  g_return_val_if_fail (WSTUN_IS_STATE (self), NULL);
  return self->path;
}

const WstunStateCounters *
wstun_state_get_counters (WstunState *self)
{
  g_return_val_if_fail (WSTUN_IS_STATE (self), NULL);
  return &self->counters;
}

static void
wstun_state_dispose (GObject *object)
{
  WstunState *self = WSTUN_STATE (object);

  if (self->timer != NULL) {
    g_source_destroy (self->timer);
    g_clear_pointer (&self->timer, g_source_unref);
  }
  if (self->leases != NULL && self->enabled)
    wstun_leases_set_changed_func (self->leases, NULL, NULL);
  self->leases = NULL;
  G_OBJECT_CLASS (wstun_state_parent_class)->dispose (object);
}

static void
wstun_state_finalize (GObject *object)
{
  WstunState *self = WSTUN_STATE (object);

  if (self->lock_fd >= 0)
    close (self->lock_fd); /* releases the lock */
  g_mutex_clear (&self->lock);
  g_free (self->dir);
  g_free (self->path);
  G_OBJECT_CLASS (wstun_state_parent_class)->finalize (object);
}

static void
wstun_state_class_init (WstunStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_state_dispose;
  object_class->finalize = wstun_state_finalize;
}

static void
wstun_state_init (WstunState *self)
{
  self->lock_fd = -1;
  g_mutex_init (&self->lock);
}
