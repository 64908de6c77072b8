/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-claims.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"
#include "wstun-follow.h"

typedef struct {
  char *relay;
  guint8 hash[WSTUN_RESUME_HASH_LEN];
  gboolean has_hash;
  char *token;
  gint64 mod_revision;
  gboolean set_aside;  /* reserved in the pool for its holder elsewhere */
  WstunRouterPeer *rp; /* routed to this mesh peer; NULL: not routed here */
} Claim;

struct _WstunClaims {
  GObject parent_instance;

  WstunEtcd *etcd;
  WstunCluster *cluster;
  WstunMesh *mesh;
  WstunLeases *leases;
  WstunRouter *router;
  char *id;
  GHashTable *cache; /* WstunAddr * -> Claim * */
  WstunFollow *follow;
  gint64 reconciled_lease; /* the relay's etcd lease its claims were last put under */
  GCancellable *cancellable;
  WstunClaimsLostFunc lost;
  gpointer lost_data;
  WstunClaimsCounters counters;
};

G_DEFINE_FINAL_TYPE (WstunClaims, wstun_claims, G_TYPE_OBJECT)

static void
claim_free (Claim *claim)
{
  g_free (claim->relay);
  g_free (claim->token);
  g_free (claim);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Claim, claim_free)

static char *
key_of (const WstunAddr *addr)
{
  char buf[WSTUN_ADDR_STRLEN];

  return g_strconcat (WSTUN_CLAIMS_PREFIX, wstun_addr_to_string (addr, buf), NULL);
}

/* A claim's value; always the same bytes for the same lease, so that a
 * relay gives up only a claim that is still its own (compared by value) */
static GBytes *
value_of (WstunClaims *self, const WstunLeaseInfo *info)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  char hex[2 * WSTUN_RESUME_HASH_LEN + 1];
  char *json;

  wstun_resume_hash_to_hex (info->hash, hex);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "relay");
  json_builder_add_string_value (b, self->id);
  json_builder_set_member_name (b, "resume");
  json_builder_add_string_value (b, hex);
  if (info->token_name != NULL) {
    json_builder_set_member_name (b, "token");
    json_builder_add_string_value (b, info->token_name);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  return g_bytes_new_take (json, strlen (json));
}

static Claim *
claim_parse (const WstunEtcdKv *kv)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (Claim) claim = NULL;
  JsonObject *obj;
  const char *relay, *resume, *token;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (kv->value, NULL),
                                   g_bytes_get_size (kv->value), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  obj = json_node_get_object (json_parser_get_root (parser));
  relay = json_object_get_string_member_with_default (obj, "relay", NULL);
  resume = json_object_get_string_member_with_default (obj, "resume", NULL);
  token = json_object_get_string_member_with_default (obj, "token", NULL);
  if (!wstun_cluster_relay_id_valid (relay))
    return NULL;
  claim = g_new0 (Claim, 1);
  claim->relay = g_strdup (relay);
  claim->has_hash = resume != NULL && wstun_resume_hash_from_hex (resume, claim->hash);
  claim->token = g_strdup (token);
  claim->mod_revision = kv->mod_revision;
  return g_steal_pointer (&claim);
}

/* Undoes what a claim of another relay did here */
static void
unmap (WstunClaims *self, const WstunAddr *addr, Claim *claim)
{
  WstunPool *pool = wstun_leases_get_pool (self->leases, addr->family);

  if (claim->rp != NULL)
    wstun_router_remove_remote (self->router, claim->rp, addr);
  if (claim->set_aside && pool != NULL)
    wstun_pool_release (pool, addr);
  claim->rp = NULL;
  claim->set_aside = FALSE;
}

/* @addr is claimed as @claim (NULL: by nobody now) */
static void
apply (WstunClaims *self, const WstunAddr *addr, Claim *claim)
{
  WstunPool *pool = wstun_leases_get_pool (self->leases, addr->family);
  Claim *old = g_hash_table_lookup (self->cache, addr);
  gboolean ours = claim != NULL && strcmp (claim->relay, self->id) == 0;

  if (old != NULL) {
    if (claim != NULL && strcmp (old->relay, claim->relay) == 0 && old->rp != NULL) {
      /* the same relay's, renewed: routed as it was */
      claim->rp = g_steal_pointer (&old->rp);
      claim->set_aside = old->set_aside;
      old->set_aside = FALSE;
    } else {
      unmap (self, addr, old);
    }
  }
  if (claim == NULL) {
    g_hash_table_remove (self->cache, addr);
    return;
  }
  if (ours) {
    /* a claim of this relay that no lease here holds (left by an earlier
     * run of it) is set aside until it is given up */
    if (pool != NULL && wstun_pool_contains (pool, addr) && !wstun_pool_is_used (pool, addr)) {
      wstun_pool_reserve (pool, addr, NULL);
      claim->set_aside = TRUE;
    }
  } else if (claim->rp == NULL) {
    gpointer owner = NULL;

    /* another relay took it over: its client resumed there (only then is
     * the address in use here: a search of the leases for each claim of
     * the others would cost a walk of them all) */
    if (pool != NULL && wstun_pool_is_used (pool, addr) &&
        wstun_leases_take_away (self->leases, addr, &owner)) {
      char buf[WSTUN_ADDR_STRLEN];

      self->counters.lost++;
      g_message ("cluster: relay %s took over %s", claim->relay, wstun_addr_to_string (addr, buf));
      if (owner != NULL && self->lost != NULL)
        self->lost (owner, self->lost_data);
    }
    if (pool != NULL && wstun_pool_contains (pool, addr) && !wstun_pool_is_used (pool, addr) &&
        wstun_pool_reserve (pool, addr, NULL))
      claim->set_aside = TRUE;
    claim->rp = wstun_mesh_get_peer (self->mesh, claim->relay);
    if (!wstun_router_add_remote (self->router, claim->rp, addr, NULL))
      claim->rp = NULL; /* cannot happen: the lease was taken away */
  }
  g_hash_table_replace (self->cache, wstun_addr_dup (addr), claim);
}

static void
apply_kv (WstunClaims *self, const WstunEtcdKv *kv)
{
  WstunAddr addr;
  Claim *claim;

  if (!g_str_has_prefix (kv->key, WSTUN_CLAIMS_PREFIX) ||
      !wstun_addr_parse (kv->key + strlen (WSTUN_CLAIMS_PREFIX), &addr, NULL))
    return;
  claim = claim_parse (kv);
  if (claim == NULL) {
    g_warning ("cluster: ignoring claim %s: not what a relay writes", kv->key);
    return;
  }
  apply (self, &addr, claim);
}

static void
on_change (const char *key, const WstunEtcdKv *kv, gpointer user_data)
{
  WstunClaims *self = user_data;
  WstunAddr addr;

  if (kv != NULL) {
    apply_kv (self, kv);
    return;
  }
  if (wstun_addr_parse (key + strlen (WSTUN_CLAIMS_PREFIX), &addr, NULL))
    apply (self, &addr, NULL);
}

/* ---- claims of this relay's leases -------------------------------------- */

typedef struct {
  WstunLeaseInfo info;
  char *token_name;
  GBytes *value;
  char *keys[WSTUN_ROUTER_PEER_MAX_ADDRS];
  gint64 started;
  gboolean takeover; /* else a claim */
} Pending;

static void
pending_free (Pending *p)
{
  g_free (p->token_name);
  g_bytes_unref (p->value);
  for (guint i = 0; i < WSTUN_ROUTER_PEER_MAX_ADDRS; i++)
    g_free (p->keys[i]);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static Pending *
pending_new (WstunClaims *self, const WstunLeaseInfo *info)
{
  Pending *p = g_new0 (Pending, 1);

  p->info = *info;
  p->token_name = g_strdup (info->token_name);
  p->info.token_name = p->token_name;
  p->value = value_of (self, info);
  for (guint i = 0; i < info->n_addrs; i++)
    p->keys[i] = key_of (&info->addrs[i]);
  p->started = g_get_monotonic_time ();
  return p;
}

/* What this relay now holds under its own claim */
static void
apply_own (WstunClaims *self, Pending *p)
{
  for (guint i = 0; i < p->info.n_addrs; i++) {
    Claim *claim = g_new0 (Claim, 1);

    claim->relay = g_strdup (self->id);
    memcpy (claim->hash, p->info.hash, sizeof claim->hash);
    claim->has_hash = TRUE;
    claim->token = g_strdup (p->info.token_name);
    apply (self, &p->info.addrs[i], claim);
  }
}

/* A claim or a takeover ended: on a loss, the claims read in the same
 * transaction are known from now on, before the watch says so, so the
 * next pick avoids them */
static void
on_txn_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WstunClaims *self = g_task_get_source_object (task);
  Pending *p = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) kvs = NULL;
  gboolean won = FALSE;

  if (!wstun_etcd_txn_finish (WSTUN_ETCD (source), result, &won, &kvs, &error)) {
    self->counters.failures++;
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!won) {
    if (!p->takeover)
      self->counters.conflicts++;
    for (guint i = 0; i < kvs->len; i++)
      apply_kv (self, g_ptr_array_index (kvs, i));
  } else if (p->takeover) {
    self->counters.takeovers++;
    /* no longer set aside or routed to the relay it was on: free here,
     * for the lease to be restored */
    for (guint i = 0; i < p->info.n_addrs; i++) {
      Claim *claim = g_hash_table_lookup (self->cache, &p->info.addrs[i]);

      if (claim != NULL)
        unmap (self, &p->info.addrs[i], claim);
      g_hash_table_remove (self->cache, &p->info.addrs[i]);
    }
  } else {
    self->counters.claimed++;
    self->counters.last_claim_usec = g_get_monotonic_time () - p->started;
    apply_own (self, p);
  }
  g_task_return_int (task, won);
}

static gboolean
lease_or_fail (WstunClaims *self, GTask *task, gint64 *lease)
{
  *lease = wstun_cluster_get_lease (self->cluster);
  if (*lease == 0 || !wstun_cluster_is_registered (self->cluster)) {
    self->counters.failures++;
    g_task_return_new_error (task, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                             _ ("The relay is not registered in the cluster's etcd"));
    return FALSE;
  }
  return TRUE;
}

/* One transaction over the claims of @info: each key absent (a claim) or
 * as last seen here (a takeover: if its relay changed it meanwhile, that
 * relay keeps it), then all put under this relay's lease */
static void
claims_txn (WstunClaims *self, const WstunLeaseInfo *info, gboolean takeover,
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  Pending *p = pending_new (self, info);
  WstunEtcdCompare cmp[WSTUN_ROUTER_PEER_MAX_ADDRS];
  WstunEtcdOp put[WSTUN_ROUTER_PEER_MAX_ADDRS], get[WSTUN_ROUTER_PEER_MAX_ADDRS];
  gint64 lease;

  p->takeover = takeover;
  g_task_set_task_data (task, p, (GDestroyNotify) pending_free);
  if (!lease_or_fail (self, task, &lease))
    return;
  for (guint i = 0; i < info->n_addrs; i++) {
    Claim *claim = takeover ? g_hash_table_lookup (self->cache, &info->addrs[i]) : NULL;

    cmp[i] = (WstunEtcdCompare){ .key = p->keys[i], .kind = WSTUN_ETCD_CMP_ABSENT };
    if (takeover) {
      cmp[i].kind = WSTUN_ETCD_CMP_MOD_REVISION;
      cmp[i].mod_revision = claim != NULL ? claim->mod_revision : 0;
    }
    put[i] = (WstunEtcdOp){
      .kind = WSTUN_ETCD_OP_PUT, .key = p->keys[i], .value = p->value, .lease = lease
    };
    get[i] = (WstunEtcdOp){ .kind = WSTUN_ETCD_OP_GET, .key = p->keys[i] };
  }
  wstun_etcd_txn_async (self->etcd, cmp, info->n_addrs, put, info->n_addrs, get, info->n_addrs,
                        cancellable, on_txn_done, g_steal_pointer (&task));
}

void
wstun_claims_claim_async (WstunClaims *self, const WstunLeaseInfo *info, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  claims_txn (self, info, FALSE, cancellable, callback, user_data);
}

static gboolean
won_finish (WstunClaims *self, GAsyncResult *result, gboolean *won, GError **error)
{
  GError *local = NULL;
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  value = g_task_propagate_int (G_TASK (result), &local);
  if (local != NULL) {
    g_propagate_error (error, local);
    return FALSE;
  }
  *won = value != 0;
  return TRUE;
}

gboolean
wstun_claims_claim_finish (WstunClaims *self, GAsyncResult *result, gboolean *won, GError **error)
{
  return won_finish (self, result, won, error);
}

gboolean
wstun_claims_find_resume (WstunClaims *self, const guint8 hash[WSTUN_RESUME_HASH_LEN],
                          WstunLeaseInfo *info)
{
  GHashTableIter iter;
  gpointer key, value;

  memset (info, 0, sizeof *info);
  /* a walk over every claim; only for a resume id this relay does not know */
  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Claim *claim = value;

    if (!claim->has_hash || memcmp (claim->hash, hash, WSTUN_RESUME_HASH_LEN) != 0 ||
        strcmp (claim->relay, self->id) == 0 || info->n_addrs >= WSTUN_ROUTER_PEER_MAX_ADDRS)
      continue;
    memcpy (info->hash, hash, sizeof info->hash);
    info->token_name = claim->token;
    info->addrs[info->n_addrs++] = *(WstunAddr *) key;
  }
  return info->n_addrs > 0;
}

void
wstun_claims_take_over_async (WstunClaims *self, const WstunLeaseInfo *info,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  claims_txn (self, info, TRUE, cancellable, callback, user_data);
}

gboolean
wstun_claims_take_over_finish (WstunClaims *self, GAsyncResult *result, gboolean *won,
                               GError **error)
{
  return won_finish (self, result, won, error);
}

static void
on_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  gboolean done = FALSE;

  (void) user_data;
  /* etcd unreachable: the claim stays until this relay's lease expires or
   * the claims are reconciled */
  if (!wstun_etcd_txn_finish (WSTUN_ETCD (source), result, &done, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("cluster: giving up a claim: %s", error->message);
}

/* Deletes the claims of @info if they still have @value: one transaction
 * (a lease's claims change hands together, in a takeover) */
static void
release_keys (WstunClaims *self, Pending *p)
{
  WstunEtcdCompare cmp[WSTUN_ROUTER_PEER_MAX_ADDRS];
  WstunEtcdOp del[WSTUN_ROUTER_PEER_MAX_ADDRS];

  for (guint i = 0; i < p->info.n_addrs; i++) {
    cmp[i] =
      (WstunEtcdCompare){ .key = p->keys[i], .kind = WSTUN_ETCD_CMP_VALUE, .value = p->value };
    del[i] = (WstunEtcdOp){ .kind = WSTUN_ETCD_OP_DELETE, .key = p->keys[i] };
  }
  wstun_etcd_txn_async (self->etcd, cmp, p->info.n_addrs, del, p->info.n_addrs, NULL, 0,
                        self->cancellable, on_released, NULL);
}

void
wstun_claims_release (WstunClaims *self, const WstunLeaseInfo *info)
{
  g_autoptr (Pending) p = NULL;

  g_return_if_fail (WSTUN_IS_CLAIMS (self));
  /* the requests are written out at once: @p is not needed after */
  p = pending_new (self, info);
  release_keys (self, p);
}

static void
on_lease_dropped (const WstunLeaseInfo *info, gpointer user_data)
{
  wstun_claims_release (user_data, info);
}

/* ---- keeping this relay's claims in step with its leases ---------------- */

static void
on_reput (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (WstunClaims) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) kvs = NULL;
  gboolean won = FALSE;

  if (!wstun_etcd_txn_finish (WSTUN_ETCD (source), result, &won, &kvs, &error)) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_debug ("cluster: renewing a claim: %s", error->message);
    return;
  }
  /* another relay's now: the lease here ends */
  for (guint i = 0; kvs != NULL && i < kvs->len; i++)
    apply_kv (self, g_ptr_array_index (kvs, i));
}

/* Puts the claims of lease @info under the relay's lease @lease: where
 * the key is absent (lost with an expired lease) or this relay's */
static void
reput (WstunClaims *self, const WstunLeaseInfo *info, gint64 lease)
{
  g_autoptr (Pending) p = pending_new (self, info);

  for (guint i = 0; i < info->n_addrs; i++) {
    Claim *claim = g_hash_table_lookup (self->cache, &info->addrs[i]);
    WstunEtcdCompare cmp = { .key = p->keys[i] };
    WstunEtcdOp put = {
      .kind = WSTUN_ETCD_OP_PUT, .key = p->keys[i], .value = p->value, .lease = lease
    };
    WstunEtcdOp get = { .kind = WSTUN_ETCD_OP_GET, .key = p->keys[i] };

    if (claim != NULL && strcmp (claim->relay, self->id) != 0)
      continue; /* another relay's: apply() took the lease away already */
    if (claim != NULL) {
      cmp.kind = WSTUN_ETCD_CMP_MOD_REVISION;
      cmp.mod_revision = claim->mod_revision;
    } else {
      cmp.kind = WSTUN_ETCD_CMP_ABSENT;
    }
    wstun_etcd_txn_async (self->etcd, &cmp, 1, &put, 1, &get, 1, self->cancellable, on_reput,
                          g_object_ref (self));
  }
}
typedef struct {
  WstunClaims *self;
  gint64 lease;
  GHashTable *held; /* WstunAddr * of the leases here */
} Reconcile;

static void
reconcile_lease (const WstunLeaseInfo *info, gpointer user_data)
{
  Reconcile *r = user_data;

  for (guint i = 0; i < info->n_addrs; i++)
    g_hash_table_add (r->held, (gpointer) wstun_addr_dup (&info->addrs[i]));
  reput (r->self, info, r->lease);
}

/* After a restart, or when the relay's etcd lease was lost and it
 * registered under a new one: every lease here is claimed under the new
 * lease, and claims of this relay no lease here holds are given up */
static void
reconcile (WstunClaims *self)
{
  Reconcile r = { self, wstun_cluster_get_lease (self->cluster), NULL };
  GHashTableIter iter;
  gpointer key, value;

  if (r.lease == 0 || r.lease == self->reconciled_lease || !wstun_follow_is_synced (self->follow) ||
      !wstun_cluster_is_registered (self->cluster))
    return;
  self->reconciled_lease = r.lease;
  r.held = g_hash_table_new_full (wstun_addr_hash, wstun_addr_equal, g_free, NULL);
  wstun_leases_foreach (self->leases, reconcile_lease, &r);
  g_hash_table_iter_init (&iter, self->cache);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    Claim *claim = value;

    if (strcmp (claim->relay, self->id) == 0 && !g_hash_table_contains (r.held, key)) {
      g_autofree char *k = key_of (key);
      WstunEtcdCompare cmp = { .key = k,
                               .kind = WSTUN_ETCD_CMP_MOD_REVISION,
                               .mod_revision = claim->mod_revision };
      WstunEtcdOp del = { .kind = WSTUN_ETCD_OP_DELETE, .key = k };

      wstun_etcd_txn_async (self->etcd, &cmp, 1, &del, 1, NULL, 0, self->cancellable, on_released,
                            NULL);
    }
  }
  g_hash_table_unref (r.held);
}

static void
on_registered (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (void) object;
  (void) pspec;
  reconcile (user_data);
}

static void
on_synced (gpointer user_data)
{
  reconcile (user_data);
}

WstunClaims *
wstun_claims_new (WstunEtcd *etcd, WstunCluster *cluster, WstunMesh *mesh, WstunLeases *leases,
                  WstunRouter *router, const char *relay_id)
{
  WstunClaims *self = g_object_new (WSTUN_TYPE_CLAIMS, NULL);

  self->etcd = g_object_ref (etcd);
  self->cluster = g_object_ref (cluster);
  self->mesh = g_object_ref (mesh);
  self->leases = leases;
  self->router = router;
  self->id = g_strdup (relay_id);
  self->follow = wstun_follow_new (etcd, WSTUN_CLAIMS_PREFIX, on_change, self);
  wstun_follow_set_synced_func (self->follow, on_synced, self);
  wstun_leases_set_dropped_func (leases, on_lease_dropped, self);
  g_signal_connect_object (cluster, "notify::registered", G_CALLBACK (on_registered), self, 0);
  return self;
}

void
wstun_claims_set_lost_func (WstunClaims *self, WstunClaimsLostFunc func, gpointer user_data)
{
  self->lost = func;
  self->lost_data = user_data;
}

void
wstun_claims_start (WstunClaims *self)
{
  g_return_if_fail (WSTUN_IS_CLAIMS (self));
  wstun_follow_start (self->follow);
}

gboolean
wstun_claims_is_ready (WstunClaims *self)
{
  g_return_val_if_fail (WSTUN_IS_CLAIMS (self), FALSE);
  return wstun_follow_is_synced (self->follow) && wstun_cluster_is_registered (self->cluster);
}

guint
wstun_claims_get_n_cached (WstunClaims *self)
{
  return g_hash_table_size (self->cache);
}

const WstunClaimsCounters *
wstun_claims_get_counters (WstunClaims *self)
{
  return &self->counters;
}

static void
wstun_claims_dispose (GObject *object)
{
  WstunClaims *self = WSTUN_CLAIMS (object);

  if (self->leases != NULL)
    wstun_leases_set_dropped_func (self->leases, NULL, NULL);
  self->leases = NULL;
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->follow, wstun_follow_free);
  G_OBJECT_CLASS (wstun_claims_parent_class)->dispose (object);
}

static void
wstun_claims_finalize (GObject *object)
{
  WstunClaims *self = WSTUN_CLAIMS (object);

  g_hash_table_unref (self->cache);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->etcd);
  g_clear_object (&self->cluster);
  g_clear_object (&self->mesh);
  g_free (self->id);
  G_OBJECT_CLASS (wstun_claims_parent_class)->finalize (object);
}

static void
wstun_claims_class_init (WstunClaimsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wstun_claims_dispose;
  object_class->finalize = wstun_claims_finalize;
}

static void
wstun_claims_init (WstunClaims *self)
{
  self->cache =
    g_hash_table_new_full (wstun_addr_hash, wstun_addr_equal, g_free, (GDestroyNotify) claim_free);
  self->cancellable = g_cancellable_new ();
}
