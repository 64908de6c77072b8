/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-etcd.h: a client of etcd's v3 JSON gateway, for the relay cluster
 *
 * etcd (Debian's etcd-server) keeps the cluster's shared state: relays,
 * address claims, leases. Its gRPC API is also served as JSON over HTTP
 * (POST /v3/kv/range, /v3/kv/txn, /v3/lease/grant, ...; keys and values
 * base64), which libsoup and json-glib speak without a new dependency.
 * Several endpoints may be given: a call that cannot reach one (connection
 * refused, timeout, HTTP 5xx) moves on to the next, and the one that
 * answered is used first from then on. Every response is bounded in size.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A response larger than this is refused */
#define WSTUN_ETCD_MAX_RESPONSE (32 * 1024 * 1024)

typedef struct {
  char *key; /* etcd keys are bytes; the cluster's are text */
  GBytes *value;
  gint64 create_revision;
  gint64 mod_revision;
  gint64 lease; /* 0: none */
} WstunEtcdKv;

void wstun_etcd_kv_free (WstunEtcdKv *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunEtcdKv, wstun_etcd_kv_free)

#define WSTUN_TYPE_ETCD (wstun_etcd_get_type ())
G_DECLARE_FINAL_TYPE (WstunEtcd, wstun_etcd, WSTUN, ETCD, GObject)

/* @endpoints: "http://HOST:PORT[,http://HOST:PORT...]" (or https://) */
WstunEtcd *wstun_etcd_new (const char *endpoints, GError **error);
/* The endpoint calls go to first: the last one that answered */
const char *wstun_etcd_get_endpoint (WstunEtcd *self);
/* HTTP requests made, answered or not: for the relay's metrics */
guint64 wstun_etcd_get_round_trips (WstunEtcd *self);

/* One gateway call: POST /v3/@method (e.g. "kv/range") with @request (a
 * JSON object, not consumed). The result is the response object; an
 * error etcd reports ("code", "message") is WSTUN_ERROR_FAILED with its
 * message, an endpoint none answers is the last transport error. */
void wstun_etcd_call_async (WstunEtcd *self, const char *method, JsonNode *request,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
JsonObject *wstun_etcd_call_finish (WstunEtcd *self, GAsyncResult *result, GError **error);

/* The keys equal to @key, or starting with it when @prefix; @revision (may
 * be NULL) is the store's revision they were read at. An array of
 * WstunEtcdKv. */
void wstun_etcd_range_async (WstunEtcd *self, const char *key, gboolean prefix,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
GPtrArray *wstun_etcd_range_finish (WstunEtcd *self, GAsyncResult *result, gint64 *revision,
                                    GError **error);

/* Sets @key to @value, bound to @lease (0: none) */
void wstun_etcd_put_async (WstunEtcd *self, const char *key, GBytes *value, gint64 lease,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
gboolean wstun_etcd_put_finish (WstunEtcd *self, GAsyncResult *result, GError **error);

/* A transaction's condition on one key */
typedef enum {
  WSTUN_ETCD_CMP_ABSENT,       /* the key does not exist */
  WSTUN_ETCD_CMP_MOD_REVISION, /* it was last changed at @mod_revision */
  WSTUN_ETCD_CMP_VALUE,        /* its value is @value */
} WstunEtcdCmpKind;

typedef struct {
  const char *key;
  WstunEtcdCmpKind kind;
  gint64 mod_revision;
  GBytes *value;
} WstunEtcdCompare;

typedef enum {
  WSTUN_ETCD_OP_PUT,    /* @key = @value, bound to @lease (0: none) */
  WSTUN_ETCD_OP_DELETE, /* @key */
  WSTUN_ETCD_OP_GET,    /* @key, returned by wstun_etcd_txn_finish() */
} WstunEtcdOpKind;

typedef struct {
  WstunEtcdOpKind kind;
  const char *key;
  GBytes *value;
  gint64 lease;
} WstunEtcdOp;

/* One transaction: if every comparison holds, the @success operations,
 * else the @failure ones, atomically. @kvs (may be NULL) gets what the
 * get operations of the branch taken found (an array of WstunEtcdKv). */
void wstun_etcd_txn_async (WstunEtcd *self, const WstunEtcdCompare *compare, guint n_compare,
                           const WstunEtcdOp *success, guint n_success, const WstunEtcdOp *failure,
                           guint n_failure, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
gboolean wstun_etcd_txn_finish (WstunEtcd *self, GAsyncResult *result, gboolean *succeeded,
                                GPtrArray **kvs, GError **error);

/* Sets @key only if it does not exist (one transaction): of any number of
 * callers racing, exactly one gets @created TRUE */
void wstun_etcd_create_async (WstunEtcd *self, const char *key, GBytes *value, gint64 lease,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
gboolean wstun_etcd_create_finish (WstunEtcd *self, GAsyncResult *result, gboolean *created,
                                   GError **error);

void wstun_etcd_delete_async (WstunEtcd *self, const char *key, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean wstun_etcd_delete_finish (WstunEtcd *self, GAsyncResult *result, GError **error);

/* A lease of @ttl seconds; its id, or 0 with @error set */
void wstun_etcd_lease_grant_async (WstunEtcd *self, guint ttl, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gint64 wstun_etcd_lease_grant_finish (WstunEtcd *self, GAsyncResult *result, GError **error);

/* Renews @lease; the seconds it has left, 0 when it has expired (its keys
 * are gone), -1 with @error set when etcd could not be asked */
void wstun_etcd_lease_keepalive_async (WstunEtcd *self, gint64 lease, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
gint64 wstun_etcd_lease_keepalive_finish (WstunEtcd *self, GAsyncResult *result, GError **error);

/* Ends @lease now: the keys bound to it go at once */
void wstun_etcd_lease_revoke_async (WstunEtcd *self, gint64 lease, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean wstun_etcd_lease_revoke_finish (WstunEtcd *self, GAsyncResult *result, GError **error);

typedef struct {
  gboolean deleted; /* a delete, or a lease's expiry; else a put */
  WstunEtcdKv *kv;  /* a delete's has the key and mod_revision only */
} WstunEtcdEvent;

typedef struct _WstunEtcdWatch WstunEtcdWatch;
/* Changes under the prefix, as etcd reports them, at store @revision */
typedef void (*WstunEtcdWatchFunc) (WstunEtcdWatch *watch, WstunEtcdEvent *const *events,
                                    guint n_events, gint64 revision, gpointer user_data);
/* The stream ended (etcd stopped, the connection broke, the revision was
 * compacted): @watch is freed after this returns. Start another from
 * wstun_etcd_watch_get_next_revision() not to miss a change. */
typedef void (*WstunEtcdWatchEndFunc) (WstunEtcdWatch *watch, const GError *error,
                                       gpointer user_data);

/* Follows every change to keys under @prefix from @start_revision (0: from
 * now), on the endpoint that answered last. */
WstunEtcdWatch *wstun_etcd_watch (WstunEtcd *self, const char *prefix, gint64 start_revision,
                                  WstunEtcdWatchFunc func, WstunEtcdWatchEndFunc end,
                                  gpointer user_data);
gint64 wstun_etcd_watch_get_next_revision (WstunEtcdWatch *watch);
/* Stops it: neither callback is called again */
void wstun_etcd_watch_cancel (WstunEtcdWatch *watch);

G_END_DECLS
