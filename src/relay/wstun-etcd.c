/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-etcd.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "wstun-error.h"

#define READ_CHUNK (64 * 1024)
/* An endpoint that does not answer within this is skipped for the next */
#define TIMEOUT_SECONDS 5
/* HTTP connections to etcd at once: claims of clients connecting together */
#define MAX_PARALLEL 32

struct _WstunEtcd {
  GObject parent_instance;

  GPtrArray *endpoints; /* char *, base URLs without a trailing slash */
  guint current;
  SoupSession *session;
  SoupSession *watch_session; /* without the I/O timeout */
  guint64 round_trips;
  guint in_flight; /* calls sent to libsoup, at most MAX_PARALLEL */
  GQueue waiting;  /* GTask *: calls beyond, in order */
};

G_DEFINE_FINAL_TYPE (WstunEtcd, wstun_etcd, G_TYPE_OBJECT)

void
wstun_etcd_kv_free (WstunEtcdKv *kv)
{
  if (kv == NULL)
    return;
  g_free (kv->key);
  g_clear_pointer (&kv->value, g_bytes_unref);
  g_free (kv);
}

WstunEtcd *
wstun_etcd_new (const char *endpoints, GError **error)
{
  g_autoptr (WstunEtcd) self = g_object_new (WSTUN_TYPE_ETCD, NULL);
  g_auto (GStrv) parts = NULL;

  g_return_val_if_fail (endpoints != NULL, NULL);

  parts = g_strsplit (endpoints, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++) {
    g_autoptr (GUri) uri = NULL;
    const char *url = g_strstrip (parts[i]);
    const char *scheme;
    g_autofree char *base = NULL;

    if (*url == '\0')
      continue;
    uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
    scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
    if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
        (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0) ||
        (*g_uri_get_path (uri) != '\0' && strcmp (g_uri_get_path (uri), "/") != 0)) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("“%s” is not an etcd endpoint (http://HOST:PORT or https://HOST:PORT)"), url);
      return NULL;
    }
    base = g_strdup (url);
    if (g_str_has_suffix (base, "/"))
      base[strlen (base) - 1] = '\0';
    g_ptr_array_add (self->endpoints, g_steal_pointer (&base));
  }
  if (self->endpoints->len == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("No etcd endpoint given"));
    return NULL;
  }
  return g_steal_pointer (&self);
}

const char *
wstun_etcd_get_endpoint (WstunEtcd *self)
{
  g_return_val_if_fail (WSTUN_IS_ETCD (self), NULL);
  return g_ptr_array_index (self->endpoints, self->current);
}

guint64
wstun_etcd_get_round_trips (WstunEtcd *self)
{
  g_return_val_if_fail (WSTUN_IS_ETCD (self), 0);
  return self->round_trips;
}

/* ---- one call, over the endpoints in turn ------------------------------ */

typedef struct {
  char *method;
  GBytes *body;
  guint index; /* the endpoint being tried */
  guint tried;
  GError *last_error;
  SoupMessage *msg;
  GInputStream *stream;
  GByteArray *response;
} Call;

static void
call_free (Call *call)
{
  g_free (call->method);
  g_bytes_unref (call->body);
  g_clear_error (&call->last_error);
  g_clear_object (&call->msg);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->response, g_byte_array_unref);
  g_free (call);
}

static void call_try (GTask *task);

/* A call ended: the next waiting one takes its place. libsoup walks its
 * whole queue of messages at every step, so thousands of calls handed to
 * it at once (the claims of a relay's clients given up together) cost
 * time that grows with the square of their number; here they wait in
 * line for one of MAX_PARALLEL connections. */
static void
call_end (GTask *task)
{
  WstunEtcd *self = g_object_ref (g_task_get_source_object (task));

  g_object_unref (task);
  self->in_flight--;
  while (self->in_flight < MAX_PARALLEL && !g_queue_is_empty (&self->waiting)) {
    self->in_flight++;
    call_try (g_queue_pop_head (&self->waiting));
  }
  g_object_unref (self);
}

/* This endpoint did not answer: the next one, or the error when all were
 * tried */
static void
call_next (GTask *task, GError *error)
{
  WstunEtcd *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);

  g_debug ("etcd %s: %s", (char *) g_ptr_array_index (self->endpoints, call->index),
           error->message);
  g_clear_error (&call->last_error);
  call->last_error = error;
  g_clear_object (&call->msg);
  g_clear_object (&call->stream);
  g_byte_array_set_size (call->response, 0);
  if (g_task_return_error_if_cancelled (task)) {
    call_end (task);
    return;
  }
  if (++call->tried >= self->endpoints->len) {
    g_task_return_error (task, g_steal_pointer (&call->last_error));
    call_end (task);
    return;
  }
  call->index = (call->index + 1) % self->endpoints->len;
  call_try (task);
}

static gint64
get_int64 (JsonObject *obj, const char *name)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, name) : NULL;

  /* int64 fields come as decimal strings; absent ones are 0 (proto3) */
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  return 0;
}

static void
call_done (GTask *task)
{
  WstunEtcd *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  guint status = soup_message_get_status (call->msg);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonObject *obj;

  if (!json_parser_load_from_data (parser, (const char *) call->response->data, call->response->len,
                                   &error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                             _ ("etcd at %s answered HTTP %u with no JSON object"),
                             (char *) g_ptr_array_index (self->endpoints, call->index), status);
    call_end (task);
    return;
  }
  obj = json_node_get_object (root);
  self->current = call->index;
  if (!SOUP_STATUS_IS_SUCCESSFUL (status) || json_object_has_member (obj, "error")) {
    const char *message = json_object_get_string_member_with_default (
      obj, "message", json_object_get_string_member_with_default (obj, "error", "?"));

    g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("etcd: %s (code %d)"),
                             message, (int) get_int64 (obj, "code"));
    call_end (task);
    return;
  }
  g_task_return_pointer (task, json_object_ref (obj), (GDestroyNotify) json_object_unref);
  call_end (task);
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
    g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL) {
    call_next (task, g_steal_pointer (&error));
    return;
  }
  if (g_bytes_get_size (bytes) == 0) {
    call_done (task);
    return;
  }
  if (call->response->len + g_bytes_get_size (bytes) > WSTUN_ETCD_MAX_RESPONSE) {
    g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                             _ ("etcd answered with more than %d MiB"),
                             WSTUN_ETCD_MAX_RESPONSE / (1024 * 1024));
    call_end (task);
    return;
  }
  g_byte_array_append (call->response, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read, task);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  guint status;

  call->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (call->stream == NULL) {
    call_next (task, error);
    return;
  }
  status = soup_message_get_status (call->msg);
  /* a member that is not ready (no leader, shutting down) answers 5xx:
   * another may be */
  if (status >= 500 && status != 501) {
    call_next (task, g_error_new (WSTUN_ERROR, WSTUN_ERROR_FAILED, "HTTP %u", status));
    return;
  }
  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_read, task);
}

static void
call_try (GTask *task)
{
  WstunEtcd *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autofree char *url = g_strdup_printf (
    "%s/v3/%s", (char *) g_ptr_array_index (self->endpoints, call->index), call->method);

  call->msg = soup_message_new (SOUP_METHOD_POST, url);
  if (call->msg == NULL) {
    call_next (task, g_error_new (WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, "bad URL %s", url));
    return;
  }
  soup_message_set_request_body_from_bytes (call->msg, "application/json", call->body);
  self->round_trips++;
  soup_session_send_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), on_sent, task);
}

void
wstun_etcd_call_async (WstunEtcd *self, const char *method, JsonNode *request,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  Call *call;
  gsize len;
  char *json;

  g_return_if_fail (WSTUN_IS_ETCD (self));
  g_return_if_fail (method != NULL && request != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  call = g_new0 (Call, 1);
  call->method = g_strdup (method);
  json = json_to_string (request, FALSE);
  len = strlen (json);
  call->body = g_bytes_new_take (json, len);
  call->index = self->current;
  call->response = g_byte_array_new ();
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  if (self->in_flight >= MAX_PARALLEL) {
    g_queue_push_tail (&self->waiting, task);
    return;
  }
  self->in_flight++;
  call_try (task);
}

JsonObject *
wstun_etcd_call_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- typed calls ------------------------------------------------------- */

static void
add_b64 (JsonBuilder *b, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *text = g_base64_encode (data, len);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

static void
add_int64 (JsonBuilder *b, const char *name, gint64 value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

static void
add_put (JsonBuilder *b, const char *key, GBytes *value, gint64 lease)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);

  add_b64 (b, "key", (const guint8 *) key, strlen (key));
  add_b64 (b, "value", data != NULL ? data : (const guint8 *) "", len);
  if (lease != 0)
    add_int64 (b, "lease", lease);
}

/* Calls @method with the object @b built, and hands the result to @done */
static void
typed_call (WstunEtcd *self, const char *method, JsonBuilder *b, GCancellable *cancellable,
            GAsyncReadyCallback done, GTask *task)
{
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  wstun_etcd_call_async (self, method, root, cancellable, done, task);
}

static JsonBuilder *
start (void)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  return b;
}

static WstunEtcdKv *
kv_from_json (JsonObject *item)
{
  WstunEtcdKv *kv = g_new0 (WstunEtcdKv, 1);
  gsize klen = 0, vlen = 0;
  guchar *key, *value;

  key = g_base64_decode (json_object_get_string_member_with_default (item, "key", ""), &klen);
  kv->key = g_strndup ((const char *) key, klen);
  g_free (key);
  value = g_base64_decode (json_object_get_string_member_with_default (item, "value", ""), &vlen);
  kv->value = g_bytes_new_take (value, vlen);
  kv->create_revision = get_int64 (item, "create_revision");
  kv->mod_revision = get_int64 (item, "mod_revision");
  kv->lease = get_int64 (item, "lease");
  return kv;
}

/* etcd's prefix range: up to the key with its last byte incremented;
 * the empty prefix is everything ("\0") */
static void
add_prefix_end (JsonBuilder *b, const char *key)
{
  gsize len = strlen (key);
  g_autofree guint8 *end = g_malloc (MAX (len, 1));
  gsize end_len = len;

  memcpy (end, key, len);
  while (end_len > 0 && end[end_len - 1] == 0xff)
    end_len--;
  if (end_len == 0) {
    end[0] = 0;
    end_len = 1;
  } else
    end[end_len - 1]++;
  add_b64 (b, "range_end", end, end_len);
}

/* Adds the "kvs" of a range response (absent when there are none) */
static void
add_kvs (GPtrArray *out, JsonObject *range)
{
  JsonArray *kvs = range != NULL && json_object_has_member (range, "kvs")
                     ? json_object_get_array_member (range, "kvs")
                     : NULL;

  for (guint i = 0; kvs != NULL && i < json_array_get_length (kvs); i++) {
    JsonObject *item = json_array_get_object_element (kvs, i);

    if (item != NULL)
      g_ptr_array_add (out, kv_from_json (item));
  }
}

typedef struct {
  GPtrArray *kvs;
  gint64 revision;
} RangeResult;

static void
range_result_free (RangeResult *r)
{
  g_ptr_array_unref (r->kvs);
  g_free (r);
}

static void
on_range (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) obj = wstun_etcd_call_finish (WSTUN_ETCD (source), result, &error);
  RangeResult *r;

  if (obj == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  r = g_new0 (RangeResult, 1);
  r->kvs = g_ptr_array_new_with_free_func ((GDestroyNotify) wstun_etcd_kv_free);
  r->revision = get_int64 (json_object_get_object_member (obj, "header"), "revision");
  add_kvs (r->kvs, obj);
  g_task_return_pointer (task, r, (GDestroyNotify) range_result_free);
}

void
wstun_etcd_range_async (WstunEtcd *self, const char *key, gboolean prefix,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();
  gsize len = strlen (key);

  add_b64 (b, "key", (const guint8 *) key, len);
  if (prefix)
    add_prefix_end (b, key);
  typed_call (self, "kv/range", b, cancellable, on_range, task);
}

GPtrArray *
wstun_etcd_range_finish (WstunEtcd *self, GAsyncResult *result, gint64 *revision, GError **error)
{
  RangeResult *r;
  GPtrArray *kvs;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return NULL;
  if (revision != NULL)
    *revision = r->revision;
  kvs = g_ptr_array_ref (r->kvs);
  range_result_free (r);
  return kvs;
}

static gboolean
boolean_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_done_boolean (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonObject) obj = wstun_etcd_call_finish (WSTUN_ETCD (source), result, &error);

  if (obj == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wstun_etcd_put_async (WstunEtcd *self, const char *key, GBytes *value, gint64 lease,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();

  add_put (b, key, value, lease);
  typed_call (self, "kv/put", b, cancellable, on_done_boolean, task);
}

gboolean
wstun_etcd_put_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  return boolean_finish (self, result, error);
}

void
wstun_etcd_delete_async (WstunEtcd *self, const char *key, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();

  add_b64 (b, "key", (const guint8 *) key, strlen (key));
  typed_call (self, "kv/deleterange", b, cancellable, on_done_boolean, task);
}

gboolean
wstun_etcd_delete_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  return boolean_finish (self, result, error);
}

/* ---- transactions -------------------------------------------------- */

typedef struct {
  gboolean succeeded;
  GPtrArray *kvs; /* from the get operations of the branch taken */
} TxnResult;

static void
txn_result_free (TxnResult *r)
{
  g_ptr_array_unref (r->kvs);
  g_free (r);
}

static void
on_txn (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonObject) obj = wstun_etcd_call_finish (WSTUN_ETCD (source), result, &error);
  JsonArray *responses;
  TxnResult *r;

  if (obj == NULL) {
    g_task_return_error (task, error);
    return;
  }
  r = g_new0 (TxnResult, 1);
  r->kvs = g_ptr_array_new_with_free_func ((GDestroyNotify) wstun_etcd_kv_free);
  /* "succeeded" is left out when false (proto3) */
  r->succeeded = json_object_get_boolean_member_with_default (obj, "succeeded", FALSE);
  responses = json_object_has_member (obj, "responses")
                ? json_object_get_array_member (obj, "responses")
                : NULL;
  for (guint i = 0; responses != NULL && i < json_array_get_length (responses); i++) {
    JsonObject *item = json_array_get_object_element (responses, i);

    if (item != NULL && json_object_has_member (item, "response_range"))
      add_kvs (r->kvs, json_object_get_object_member (item, "response_range"));
  }
  g_task_return_pointer (task, r, (GDestroyNotify) txn_result_free);
}

static void
add_compare (JsonBuilder *b, const WstunEtcdCompare *cmp)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b,
                                 cmp->kind == WSTUN_ETCD_CMP_ABSENT
                                   ? "CREATE"
                                   : (cmp->kind == WSTUN_ETCD_CMP_MOD_REVISION ? "MOD" : "VALUE"));
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (b, "EQUAL");
  add_b64 (b, "key", (const guint8 *) cmp->key, strlen (cmp->key));
  if (cmp->kind == WSTUN_ETCD_CMP_ABSENT) {
    /* a key that does not exist has create revision 0 */
    add_int64 (b, "create_revision", 0);
  } else if (cmp->kind == WSTUN_ETCD_CMP_MOD_REVISION) {
    add_int64 (b, "mod_revision", cmp->mod_revision);
  } else {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data (cmp->value, &len);

    add_b64 (b, "value", data != NULL ? data : (const guint8 *) "", len);
  }
  json_builder_end_object (b);
}

static void
add_ops (JsonBuilder *b, const char *name, const WstunEtcdOp *ops, guint n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++) {
    static const char *const member[] = {
      [WSTUN_ETCD_OP_PUT] = "request_put",
      [WSTUN_ETCD_OP_DELETE] = "request_delete_range",
      [WSTUN_ETCD_OP_GET] = "request_range",
    };

    json_builder_begin_object (b);
    json_builder_set_member_name (b, member[ops[i].kind]);
    json_builder_begin_object (b);
    if (ops[i].kind == WSTUN_ETCD_OP_PUT)
      add_put (b, ops[i].key, ops[i].value, ops[i].lease);
    else
      add_b64 (b, "key", (const guint8 *) ops[i].key, strlen (ops[i].key));
    json_builder_end_object (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
}

void
wstun_etcd_txn_async (WstunEtcd *self, const WstunEtcdCompare *compare, guint n_compare,
                      const WstunEtcdOp *success, guint n_success, const WstunEtcdOp *failure,
                      guint n_failure, GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();

  json_builder_set_member_name (b, "compare");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_compare; i++)
    add_compare (b, &compare[i]);
  json_builder_end_array (b);
  add_ops (b, "success", success, n_success);
  add_ops (b, "failure", failure, n_failure);
  typed_call (self, "kv/txn", b, cancellable, on_txn, task);
}

gboolean
wstun_etcd_txn_finish (WstunEtcd *self, GAsyncResult *result, gboolean *succeeded, GPtrArray **kvs,
                       GError **error)
{
  TxnResult *r;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return FALSE;
  *succeeded = r->succeeded;
  if (kvs != NULL)
    *kvs = g_ptr_array_ref (r->kvs);
  txn_result_free (r);
  return TRUE;
}

void
wstun_etcd_create_async (WstunEtcd *self, const char *key, GBytes *value, gint64 lease,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  WstunEtcdCompare absent = { .key = key, .kind = WSTUN_ETCD_CMP_ABSENT };
  WstunEtcdOp put = { .kind = WSTUN_ETCD_OP_PUT, .key = key, .value = value, .lease = lease };

  wstun_etcd_txn_async (self, &absent, 1, &put, 1, NULL, 0, cancellable, callback, user_data);
}

gboolean
wstun_etcd_create_finish (WstunEtcd *self, GAsyncResult *result, gboolean *created, GError **error)
{
  return wstun_etcd_txn_finish (self, result, created, NULL, error);
}

static void
on_lease (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonObject) obj = wstun_etcd_call_finish (WSTUN_ETCD (source), result, &error);
  gint64 *value;
  JsonObject *answer;

  if (obj == NULL) {
    g_task_return_error (task, error);
    return;
  }
  /* keepalive is a stream: its one answer comes as "result" */
  answer =
    json_object_has_member (obj, "result") ? json_object_get_object_member (obj, "result") : obj;
  value = g_new (gint64, 1);
  /* the member this call returns: grant's "ID", keepalive's "TTL" */
  *value = get_int64 (answer, g_task_get_task_data (task));
  g_task_return_pointer (task, value, g_free);
}

void
wstun_etcd_lease_grant_async (WstunEtcd *self, guint ttl, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();

  add_int64 (b, "TTL", ttl);
  g_task_set_task_data (task, (gpointer) "ID", NULL);
  typed_call (self, "lease/grant", b, cancellable, on_lease, task);
}

static gint64
lease_finish (WstunEtcd *self, GAsyncResult *result, gint64 failed, GError **error)
{
  g_autofree gint64 *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), failed);
  value = g_task_propagate_pointer (G_TASK (result), error);
  return value != NULL ? *value : failed;
}

gint64
wstun_etcd_lease_grant_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  GError *local = NULL;
  gint64 id = lease_finish (self, result, 0, &local);

  if (local == NULL && id == 0)
    local = g_error_new_literal (WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("etcd granted no lease"));
  if (local != NULL) {
    g_propagate_error (error, local);
    return 0;
  }
  return id;
}

void
wstun_etcd_lease_keepalive_async (WstunEtcd *self, gint64 lease, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();

  add_int64 (b, "ID", lease);
  g_task_set_task_data (task, (gpointer) "TTL", NULL);
  typed_call (self, "lease/keepalive", b, cancellable, on_lease, task);
}

gint64
wstun_etcd_lease_keepalive_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  return lease_finish (self, result, -1, error);
}

void
wstun_etcd_lease_revoke_async (WstunEtcd *self, gint64 lease, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonBuilder) b = start ();

  add_int64 (b, "ID", lease);
  typed_call (self, "lease/revoke", b, cancellable, on_done_boolean, task);
}

gboolean
wstun_etcd_lease_revoke_finish (WstunEtcd *self, GAsyncResult *result, GError **error)
{
  return boolean_finish (self, result, error);
}

/* ---- watches ------------------------------------------------------------ */

struct _WstunEtcdWatch {
  WstunEtcd *etcd;
  gint64 next_revision; /* where a restarted stream picks up */
  GCancellable *cancellable;
  SoupMessage *msg;
  GInputStream *stream;
  GByteArray *line; /* a response line being read */
  WstunEtcdWatchFunc func;
  WstunEtcdWatchEndFunc end;
  gpointer user_data;
};

static void
watch_free (WstunEtcdWatch *w)
{
  g_object_unref (w->etcd);
  g_object_unref (w->cancellable);
  g_clear_object (&w->msg);
  g_clear_object (&w->stream);
  g_byte_array_unref (w->line);
  g_free (w);
}

/* The stream ended or failed: the owner hears why, unless it cancelled */
static void
watch_ended (WstunEtcdWatch *w, GError *error)
{
  if (!g_cancellable_is_cancelled (w->cancellable) && w->end != NULL)
    w->end (w, error, w->user_data);
  g_error_free (error);
  watch_free (w);
}

/* One line of the stream: {"result": {"header": …, "events": […]}} */
static gboolean
watch_line (WstunEtcdWatch *w, const char *text, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) kvs = g_ptr_array_new_with_free_func ((GDestroyNotify) wstun_etcd_kv_free);
  JsonNode *root;
  JsonObject *result;
  JsonArray *array;
  gint64 revision;

  if (!json_parser_load_from_data (parser, text, len, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      json_object_get_object_member (json_node_get_object (root), "result") == NULL) {
    const char *message =
      root != NULL && JSON_NODE_HOLDS_OBJECT (root)
        ? json_object_get_string_member_with_default (json_node_get_object (root), "message", "?")
        : "?";

    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("etcd: %s"), message);
    return FALSE;
  }
  result = json_object_get_object_member (json_node_get_object (root), "result");
  if (json_object_get_boolean_member_with_default (result, "canceled", FALSE)) {
    g_set_error (
      error, WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("etcd: %s"),
      json_object_get_string_member_with_default (result, "cancel_reason", "watch cancelled"));
    return FALSE;
  }
  revision = get_int64 (json_object_get_object_member (result, "header"), "revision");
  array = json_object_has_member (result, "events")
            ? json_object_get_array_member (result, "events")
            : NULL;
  if (array == NULL || json_array_get_length (array) == 0)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonObject *ev = json_array_get_object_element (array, i);
    JsonObject *kv_obj = ev != NULL && json_object_has_member (ev, "kv")
                           ? json_object_get_object_member (ev, "kv")
                           : NULL;
    WstunEtcdEvent *event;

    if (kv_obj == NULL)
      continue;
    event = g_new0 (WstunEtcdEvent, 1);
    event->deleted =
      g_strcmp0 (json_object_get_string_member_with_default (ev, "type", "PUT"), "DELETE") == 0;
    event->kv = kv_from_json (kv_obj);
    g_ptr_array_add (kvs, event->kv);
    g_ptr_array_add (events, event);
  }
  w->next_revision = revision + 1;
  w->func (w, (WstunEtcdEvent *const *) events->pdata, events->len, revision, w->user_data);
  return TRUE;
}

static void
on_watch_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WstunEtcdWatch *w = user_data;
  GError *error = NULL;
  g_autoptr (GBytes) bytes =
    g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  const guint8 *data;
  gsize len, start = 0;

  if (bytes == NULL) {
    watch_ended (w, error);
    return;
  }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0) {
    watch_ended (w,
                 g_error_new_literal (WSTUN_ERROR, WSTUN_ERROR_FAILED, _ ("etcd ended the watch")));
    return;
  }
  for (gsize i = 0; i < len; i++) {
    if (data[i] != '\n')
      continue;
    g_byte_array_append (w->line, data + start, i - start);
    start = i + 1;
    if (w->line->len > 0 && !watch_line (w, (const char *) w->line->data, w->line->len, &error)) {
      watch_ended (w, error);
      return;
    }
    g_byte_array_set_size (w->line, 0);
    /* cancelled from the callback */
    if (g_cancellable_is_cancelled (w->cancellable)) {
      watch_free (w);
      return;
    }
  }
  g_byte_array_append (w->line, data + start, len - start);
  if (w->line->len > WSTUN_ETCD_MAX_RESPONSE) {
    watch_ended (w, g_error_new (WSTUN_ERROR, WSTUN_ERROR_FAILED,
                                 _ ("etcd answered with more than %d MiB"),
                                 WSTUN_ETCD_MAX_RESPONSE / (1024 * 1024)));
    return;
  }
  g_input_stream_read_bytes_async (w->stream, READ_CHUNK, G_PRIORITY_DEFAULT, w->cancellable,
                                   on_watch_read, w);
}

static void
on_watch_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WstunEtcdWatch *w = user_data;
  GError *error = NULL;

  w->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (w->stream == NULL) {
    watch_ended (w, error);
    return;
  }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (w->msg))) {
    watch_ended (w, g_error_new (WSTUN_ERROR, WSTUN_ERROR_FAILED, "etcd: HTTP %u",
                                 soup_message_get_status (w->msg)));
    return;
  }
  g_input_stream_read_bytes_async (w->stream, READ_CHUNK, G_PRIORITY_DEFAULT, w->cancellable,
                                   on_watch_read, w);
}

WstunEtcdWatch *
wstun_etcd_watch (WstunEtcd *self, const char *prefix, gint64 start_revision,
                  WstunEtcdWatchFunc func, WstunEtcdWatchEndFunc end, gpointer user_data)
{
  WstunEtcdWatch *w;
  g_autoptr (JsonBuilder) b = start ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *url = NULL;
  char *json;

  g_return_val_if_fail (WSTUN_IS_ETCD (self), NULL);
  g_return_val_if_fail (prefix != NULL && func != NULL, NULL);

  w = g_new0 (WstunEtcdWatch, 1);
  w->etcd = g_object_ref (self);
  w->next_revision = start_revision;
  w->cancellable = g_cancellable_new ();
  w->line = g_byte_array_new ();
  w->func = func;
  w->end = end;
  w->user_data = user_data;

  json_builder_set_member_name (b, "create_request");
  json_builder_begin_object (b);
  add_b64 (b, "key", (const guint8 *) prefix, strlen (prefix));
  add_prefix_end (b, prefix);
  if (start_revision > 0)
    add_int64 (b, "start_revision", start_revision);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);

  url =
    g_strdup_printf ("%s/v3/watch", (char *) g_ptr_array_index (self->endpoints, self->current));
  w->msg = soup_message_new (SOUP_METHOD_POST, url);
  {
    g_autoptr (GBytes) body = g_bytes_new_take (json, strlen (json));

    soup_message_set_request_body_from_bytes (w->msg, "application/json", body);
  }
  self->round_trips++;
  /* a watch is a stream that stays open: no I/O timeout on it */
  soup_session_send_async (self->watch_session, w->msg, G_PRIORITY_DEFAULT, w->cancellable,
                           on_watch_sent, w);
  return w;
}

gint64
wstun_etcd_watch_get_next_revision (WstunEtcdWatch *w)
{
  return w->next_revision;
}

void
wstun_etcd_watch_cancel (WstunEtcdWatch *w)
{
  /* freed when its pending operation returns, cancelled */
  g_cancellable_cancel (w->cancellable);
}

/* ---- object ------------------------------------------------------------ */

static void
wstun_etcd_finalize (GObject *object)
{
  WstunEtcd *self = WSTUN_ETCD (object);

  g_ptr_array_unref (self->endpoints);
  g_clear_object (&self->session);
  g_clear_object (&self->watch_session);
  G_OBJECT_CLASS (wstun_etcd_parent_class)->finalize (object);
}

static void
wstun_etcd_class_init (WstunEtcdClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wstun_etcd_finalize;
}

static void
wstun_etcd_init (WstunEtcd *self)
{
  self->endpoints = g_ptr_array_new_with_free_func (g_free);
  /* no proxy: etcd is reached directly; a bounded wait per endpoint;
   * calls in parallel (libsoup's default of 2 connections per host made
   * claims wait in line: 360 new clients per second at most) */
  self->session =
    soup_session_new_with_options ("proxy-resolver", NULL, "timeout", TIMEOUT_SECONDS, "user-agent",
                                   "wstun-relay/" PACKAGE_VERSION " ", "max-conns-per-host",
                                   MAX_PARALLEL, "max-conns", MAX_PARALLEL, NULL);
  self->watch_session = soup_session_new_with_options ("proxy-resolver", NULL, "user-agent",
                                                       "wstun-relay/" PACKAGE_VERSION " ", NULL);
}
