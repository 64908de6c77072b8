/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-cluster.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"
#include "wstun-reactor.h"

struct _WstunCluster {
  GObject parent_instance;

  WstunEtcd *etcd;
  char *key;
  GBytes *value;
  guint ttl;
  gboolean started;
  gboolean registered;
  gint64 lease;
  gint64 last_ok;  /* the last time etcd confirmed the lease */
  WstunTimer tick; /* the next keepalive */
  WstunReactor *reactor;
  GCancellable *cancellable;
};

enum {
  PROP_0,
  PROP_REGISTERED,
  N_PROPS,
};
static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (WstunCluster, wstun_cluster, G_TYPE_OBJECT)

gboolean
wstun_cluster_relay_id_valid (const char *id)
{
  gsize len = id != NULL ? strlen (id) : 0;

  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '.' && id[i] != '_' && id[i] != '-')
      return FALSE;
  return TRUE;
}

static void
set_registered (WstunCluster *self, gboolean registered)
{
  if (self->registered == registered)
    return;
  self->registered = registered;
  /* the operator's view of when new clients are admitted, and when not */
  if (registered)
    g_message ("cluster: registered in etcd as %s (lease %" G_GINT64_MODIFIER "x)",
               self->key + strlen (WSTUN_CLUSTER_RELAYS), self->lease);
  else if (self->started)
    g_message ("cluster: no longer registered in etcd: new clients are refused until it answers");
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REGISTERED]);
}

static void step_register (WstunCluster *self);
static void schedule_tick (WstunCluster *self);

static gboolean
cancelled (GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
on_keepalive (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunCluster) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 left = wstun_etcd_lease_keepalive_finish (WSTUN_ETCD (source), result, &error);

  if (!self->started || cancelled (error))
    return;
  if (left > 0) {
    self->last_ok = g_get_monotonic_time ();
    set_registered (self, TRUE);
    schedule_tick (self);
    return;
  }
  if (left == 0) {
    /* etcd let the lease go (we were away longer than its TTL): whatever
     * was bound to it is gone; register anew */
    g_message ("cluster: the relay's etcd lease expired; registering again");
    set_registered (self, FALSE);
    step_register (self);
    return;
  }
  /* etcd unreachable: the registration stands as long as the lease could */
  g_debug ("cluster: lease keepalive: %s", error->message);
  if (g_get_monotonic_time () - self->last_ok > (gint64) self->ttl * G_USEC_PER_SEC)
    set_registered (self, FALSE);
  schedule_tick (self);
}

static void
on_tick (WstunTimer *timer, gpointer user_data)
{
  WstunCluster *self = user_data;

  (void) timer;
  /* no lease yet (etcd did not answer the grant or the put): ask again */
  if (self->lease == 0) {
    step_register (self);
    return;
  }
  wstun_etcd_lease_keepalive_async (self->etcd, self->lease, self->cancellable, on_keepalive,
                                    g_object_ref (self));
}

/* Keepalives three times per TTL: one may be lost and the lease lives */
static void
schedule_tick (WstunCluster *self)
{
  if (wstun_timer_is_armed (&self->tick))
    return;
  wstun_timer_start (&self->tick, self->reactor,
                     g_get_monotonic_time () + MAX (self->ttl * G_USEC_PER_SEC / 3, 200000), 0);
}

static void
on_put (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunCluster) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!wstun_etcd_put_finish (WSTUN_ETCD (source), result, &error)) {
    if (!self->started || cancelled (error))
      return;
    g_warning ("cluster: registering in etcd: %s", error->message);
    self->lease = 0;
    schedule_tick (self);
    return;
  }
  if (!self->started)
    return;
  self->last_ok = g_get_monotonic_time ();
  set_registered (self, TRUE);
  schedule_tick (self);
}

static void
on_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunCluster) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 lease = wstun_etcd_lease_grant_finish (WSTUN_ETCD (source), result, &error);

  if (!self->started || cancelled (error))
    return;
  if (lease == 0) {
    g_warning ("cluster: getting an etcd lease: %s", error->message);
    schedule_tick (self);
    return;
  }
  self->lease = lease;
  wstun_etcd_put_async (self->etcd, self->key, self->value, lease, self->cancellable, on_put,
                        g_object_ref (self));
}

static void
step_register (WstunCluster *self)
{
  wstun_etcd_lease_grant_async (self->etcd, self->ttl, self->cancellable, on_granted,
                                g_object_ref (self));
}

WstunCluster *
wstun_cluster_new (WstunEtcd *etcd, const char *relay_id, const char *mesh_url, guint ttl,
                   GError **error)
{
  WstunCluster *self;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  char *json;

  g_return_val_if_fail (WSTUN_IS_ETCD (etcd), NULL);
  g_return_val_if_fail (mesh_url != NULL, NULL);

  if (!wstun_cluster_relay_id_valid (relay_id)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("“%s” is not a relay id (1 to 64 letters, digits, “.”, “_” or “-”)"),
                 relay_id != NULL ? relay_id : "");
    return NULL;
  }
  self = g_object_new (WSTUN_TYPE_CLUSTER, NULL);
  self->etcd = g_object_ref (etcd);
  self->key = g_strconcat (WSTUN_CLUSTER_RELAYS, relay_id, NULL);
  self->ttl = MAX (ttl, 2);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mesh_url");
  json_builder_add_string_value (b, mesh_url);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  self->value = g_bytes_new_take (json, strlen (json));
  return self;
}

void
wstun_cluster_start (WstunCluster *self)
{
  g_return_if_fail (WSTUN_IS_CLUSTER (self));

  if (self->started)
    return;
  self->started = TRUE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  step_register (self);
}

static void
on_revoked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  (void) user_data;
  if (!wstun_etcd_lease_revoke_finish (WSTUN_ETCD (source), result, &error))
    g_debug ("cluster: revoking the lease: %s", error->message);
}

static void
on_left (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  (void) user_data;
  if (!wstun_etcd_delete_finish (WSTUN_ETCD (source), result, &error))
    g_debug ("cluster: leaving: %s", error->message);
}

/* Stops the keepalives; returns the lease */
static gint64
halt (WstunCluster *self)
{
  gint64 lease = self->lease;

  if (!self->started)
    return 0;
  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  wstun_timer_stop (&self->tick);
  self->lease = 0;
  set_registered (self, FALSE);
  return lease;
}

void
wstun_cluster_stop (WstunCluster *self)
{
  gint64 lease;

  g_return_if_fail (WSTUN_IS_CLUSTER (self));

  lease = halt (self);
  if (lease != 0)
    wstun_etcd_lease_revoke_async (self->etcd, lease, NULL, on_revoked, NULL);
}

void
wstun_cluster_leave (WstunCluster *self)
{
  g_return_if_fail (WSTUN_IS_CLUSTER (self));

  if (halt (self) != 0)
    wstun_etcd_delete_async (self->etcd, self->key, NULL, on_left, NULL);
}

gboolean
wstun_cluster_is_registered (WstunCluster *self)
{
  g_return_val_if_fail (WSTUN_IS_CLUSTER (self), FALSE);
  return self->registered;
}

gint64
wstun_cluster_get_lease (WstunCluster *self)
{
  g_return_val_if_fail (WSTUN_IS_CLUSTER (self), 0);
  return self->lease;
}

static void
wstun_cluster_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  WstunCluster *self = WSTUN_CLUSTER (object);

  if (id == PROP_REGISTERED)
    g_value_set_boolean (value, self->registered);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
wstun_cluster_dispose (GObject *object)
{
  WstunCluster *self = WSTUN_CLUSTER (object);

  wstun_cluster_stop (self);
  G_OBJECT_CLASS (wstun_cluster_parent_class)->dispose (object);
}

static void
wstun_cluster_finalize (GObject *object)
{
  WstunCluster *self = WSTUN_CLUSTER (object);

  g_clear_object (&self->etcd);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->reactor, wstun_reactor_unref);
  g_free (self->key);
  g_clear_pointer (&self->value, g_bytes_unref);
  G_OBJECT_CLASS (wstun_cluster_parent_class)->finalize (object);
}

static void
wstun_cluster_class_init (WstunClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wstun_cluster_get_property;
  object_class->dispose = wstun_cluster_dispose;
  object_class->finalize = wstun_cluster_finalize;
  props[PROP_REGISTERED] = g_param_spec_boolean ("registered", NULL, NULL, FALSE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
wstun_cluster_init (WstunCluster *self)
{
  wstun_timer_init (&self->tick, on_tick, self);
  self->reactor = wstun_reactor_get_default ();
}
