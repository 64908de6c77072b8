/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-leases.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-client-log.h"
#include "wstun-control.h"
#include "wstun-error.h"

typedef struct {
  guint8 hash[WSTUN_RESUME_HASH_LEN]; /* the key in by_hash */
  char *token_name;
  WstunAddr addrs[WSTUN_ROUTER_PEER_MAX_ADDRS]; /* taken from the pools */
  guint n_addrs;
  WstunRouterPeer *peer; /* the holder; NULL while reserved */
  gpointer owner;        /* the holder's session */
  gint64 deadline;       /* reserved: monotonic time it ends */
  gint64 reserved_until; /* reserved: Unix time it ends, for the state file */
  GList *link;           /* reserved: its place in the queue */
} Lease;

struct _WstunLeases {
  WstunRouter *router;
  WstunPool *pool4;
  WstunPool *pool6;
  GHashTable *by_hash; /* hash -> Lease *, owned */
  GQueue reserved;     /* Lease *, the first to end first */
  GSource *expiry;     /* at the first reservation's deadline */
  guint grace;         /* seconds */
  guint max_reserved;
  WstunLeasesChangedFunc changed;
  gpointer changed_data;
  WstunLeaseInfoFunc dropped;
  gpointer dropped_data;
  WstunLeasesCounters counters;
};

static void schedule_expiry (WstunLeases *leases);

static guint
hash_hash (gconstpointer key)
{
  guint h;

  /* a SHA-256 is uniform: any four of its bytes do */
  memcpy (&h, key, sizeof h);
  return h;
}

static gboolean
hash_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, WSTUN_RESUME_HASH_LEN) == 0;
}

static void
lease_free (Lease *lease)
{
  g_free (lease->token_name);
  g_free (lease);
}

WstunLeases *
wstun_leases_new (WstunRouter *router, WstunPool *pool4, WstunPool *pool6)
{
  WstunLeases *leases = g_new0 (WstunLeases, 1);

  leases->router = router;
  leases->pool4 = pool4;
  leases->pool6 = pool6;
  leases->by_hash =
    g_hash_table_new_full (hash_hash, hash_equal, NULL, (GDestroyNotify) lease_free);
  g_queue_init (&leases->reserved);
  return leases;
}

void
wstun_leases_free (WstunLeases *leases)
{
  if (leases == NULL)
    return;
  if (leases->expiry != NULL) {
    g_source_destroy (leases->expiry);
    g_source_unref (leases->expiry);
  }
  g_queue_clear (&leases->reserved);
  g_hash_table_unref (leases->by_hash);
  g_free (leases);
}

void
wstun_leases_set_resume (WstunLeases *leases, guint grace_seconds, guint max_reserved)
{
  leases->grace = grace_seconds;
  leases->max_reserved = max_reserved;
}

void
wstun_leases_set_changed_func (WstunLeases *leases, WstunLeasesChangedFunc func, gpointer user_data)
{
  leases->changed = func;
  leases->changed_data = user_data;
}

void
wstun_leases_set_dropped_func (WstunLeases *leases, WstunLeaseInfoFunc func, gpointer user_data)
{
  leases->dropped = func;
  leases->dropped_data = user_data;
}

static void
changed (WstunLeases *leases)
{
  if (leases->changed != NULL)
    leases->changed (leases->changed_data);
}

WstunPool *
wstun_leases_get_pool (WstunLeases *leases, int family)
{
  return family == AF_INET ? leases->pool4 : leases->pool6;
}

static gboolean
take (WstunLeases *leases, WstunPool *pool, WstunRouterPeer *peer, const WstunAddr *wish,
      gboolean own_static, const char **error_code, GError **error)
{
  WstunAddr addr;

  if (wish != NULL && !own_static && wstun_pool_is_static (pool, wish)) {
    char buf[WSTUN_ADDR_STRLEN];
    *error_code = WSTUN_ERR_ADDRESS_UNAVAILABLE;
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("Address %s is reserved for another client's token"),
                 wstun_addr_to_string (wish, buf));
    return FALSE;
  }
  if (wish != NULL) {
    if (wstun_pool_is_used (pool, wish) || wstun_router_lookup (leases->router, wish) != NULL) {
      char buf[WSTUN_ADDR_STRLEN];
      *error_code = WSTUN_ERR_ADDRESS_IN_USE;
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address %s is already in use"),
                   wstun_addr_to_string (wish, buf));
      return FALSE;
    }
    if (!wstun_pool_reserve (pool, wish, error)) {
      *error_code = WSTUN_ERR_ADDRESS_UNAVAILABLE;
      return FALSE;
    }
    addr = *wish;
  } else if (!wstun_pool_allocate (pool, &addr)) {
    char buf[WSTUN_PREFIX_STRLEN];
    *error_code = WSTUN_ERR_POOL_EXHAUSTED;
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Address pool %s is exhausted"),
                 wstun_prefix_to_string (wstun_pool_get_prefix (pool), buf));
    return FALSE;
  }
  if (!wstun_router_add (leases->router, peer, &addr, error)) {
    /* held outside the pool by a seed client */
    wstun_pool_release (pool, &addr);
    *error_code = WSTUN_ERR_ADDRESS_IN_USE;
    return FALSE;
  }
  return TRUE;
}

gboolean
wstun_leases_acquire_static (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *static4,
                             const WstunAddr *static6, const WstunAddr *wish4,
                             const WstunAddr *wish6, const char **error_code, GError **error)
{
  const WstunAddr *want4 = static4 != NULL ? static4 : wish4;
  const WstunAddr *want6 = static6 != NULL ? static6 : wish6;

  g_return_val_if_fail (peer->n_addrs == 0, FALSE);

  if ((want4 != NULL && leases->pool4 == NULL) || (want6 != NULL && leases->pool6 == NULL)) {
    *error_code = WSTUN_ERR_ADDRESS_UNAVAILABLE;
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("The relay has no address pool for the requested address family"));
    return FALSE;
  }
  if (leases->pool4 != NULL &&
      !take (leases, leases->pool4, peer, want4, static4 != NULL, error_code, error))
    return FALSE;
  if (leases->pool6 != NULL &&
      !take (leases, leases->pool6, peer, want6, static6 != NULL, error_code, error)) {
    wstun_leases_release (leases, peer);
    return FALSE;
  }
  return TRUE;
}

gboolean
wstun_leases_acquire (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *wish4,
                      const WstunAddr *wish6, const char **error_code, GError **error)
{
  return wstun_leases_acquire_static (leases, peer, NULL, NULL, wish4, wish6, error_code, error);
}

gboolean
wstun_leases_claim (WstunLeases *leases, WstunRouterPeer *peer, const WstunAddr *addr,
                    GError **error)
{
  WstunPool *pool = wstun_leases_get_pool (leases, addr->family);
  char buf[WSTUN_ADDR_STRLEN];

  if (!wstun_addr_is_forwardable (addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("Address %s cannot be a client address"), wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  if (peer->n_addrs >= WSTUN_ROUTER_PEER_MAX_ADDRS) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED, _ ("Client already holds %d addresses"),
                 WSTUN_ROUTER_PEER_MAX_ADDRS);
    return FALSE;
  }
  /* inside a pool's prefix only client addresses may be claimed (not the
   * network, the relay's own or the broadcast address), and the pool must
   * not hand the address out again */
  if (pool != NULL && wstun_pool_is_static (pool, addr)) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_REFUSED,
                 _ ("Address %s is reserved for a client's token"),
                 wstun_addr_to_string (addr, buf));
    return FALSE;
  }
  if (pool != NULL && wstun_prefix_contains (wstun_pool_get_prefix (pool), addr) &&
      !wstun_pool_reserve (pool, addr, error))
    return FALSE;
  if (!wstun_router_add (leases->router, peer, addr, error)) {
    if (pool != NULL)
      wstun_pool_release (pool, addr);
    return FALSE;
  }
  return TRUE;
}

void
wstun_leases_release (WstunLeases *leases, WstunRouterPeer *peer)
{
  for (guint i = 0; i < peer->n_addrs; i++) {
    WstunPool *pool = wstun_leases_get_pool (leases, peer->addrs[i].family);

    /* only give back to the pool what this peer holds in the router */
    if (pool != NULL && wstun_router_lookup (leases->router, &peer->addrs[i]) == peer)
      wstun_pool_release (pool, &peer->addrs[i]);
  }
  wstun_router_remove_peer (leases->router, peer);
}

/* ---- the leases of wstun.v1 clients ----------------------------------- */

static char *
describe (const WstunAddr *addrs, guint n)
{
  GString *out = g_string_new (NULL);
  char buf[WSTUN_ADDR_STRLEN];

  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", wstun_addr_to_string (&addrs[i], buf));
  return g_string_free (out, FALSE);
}

static const WstunAddr *
lease_addr (const Lease *lease, int family)
{
  for (guint i = 0; i < lease->n_addrs; i++) {
    if (lease->addrs[i].family == family)
      return &lease->addrs[i];
  }
  return NULL;
}

static void info_of (const Lease *lease, WstunLeaseInfo *info);

static void
unreserve (WstunLeases *leases, Lease *lease)
{
  if (lease->link != NULL) {
    g_queue_delete_link (&leases->reserved, lease->link);
    lease->link = NULL;
  }
  lease->deadline = lease->reserved_until = 0;
}

/* Gives the lease's addresses back and forgets it. */
static void
drop (WstunLeases *leases, Lease *lease)
{
  if (leases->dropped != NULL) {
    WstunLeaseInfo info;

    info_of (lease, &info);
    leases->dropped (&info, leases->dropped_data);
  }
  for (guint i = 0; i < lease->n_addrs; i++) {
    WstunPool *pool = wstun_leases_get_pool (leases, lease->addrs[i].family);

    if (pool != NULL)
      wstun_pool_release (pool, &lease->addrs[i]);
  }
  if (lease->peer != NULL)
    wstun_router_remove_peer (leases->router, lease->peer);
  unreserve (leases, lease);
  g_hash_table_remove (leases->by_hash, lease->hash);
}

static void
log_reservation_end (const Lease *lease, const char *event, const char *why)
{
  g_autofree char *addrs = describe (lease->addrs, lease->n_addrs);
  g_autofree char *token =
    lease->token_name != NULL ? g_strdup_printf (" (token %s)", lease->token_name) : NULL;

  wstun_client_log (
    G_LOG_LEVEL_MESSAGE,
    &(WstunClientLogFields){ .event = event, .address = addrs, .token = lease->token_name },
    "reservation of %s%s %s", addrs, token != NULL ? token : "", why);
}

/* Ends a reservation before its time; the caller calls changed(). */
static void
give_up (WstunLeases *leases, Lease *lease, const char *why)
{
  g_autofree char *text = g_strconcat ("given up: ", why, NULL);

  log_reservation_end (lease, "reservation-dropped", text);
  leases->counters.given_up++;
  drop (leases, lease);
}

static gboolean
on_expiry (gpointer user_data)
{
  WstunLeases *leases = user_data;
  gint64 now = g_get_monotonic_time ();
  gboolean any = FALSE;
  Lease *head;

  g_clear_pointer (&leases->expiry, g_source_unref);
  while ((head = g_queue_peek_head (&leases->reserved)) != NULL && head->deadline <= now) {
    log_reservation_end (head, "reservation-expired", "expired");
    leases->counters.expired++;
    drop (leases, head);
    any = TRUE;
  }
  schedule_expiry (leases);
  if (any)
    changed (leases);
  return G_SOURCE_REMOVE;
}

/* Sets the timer for the first reservation to end. Reservations are queued
 * in the order they end (each lasts the same grace period), so one timer
 * does for all; one whose lease went early finds nothing to do and sets
 * the next. */
static void
schedule_expiry (WstunLeases *leases)
{
  Lease *head = g_queue_peek_head (&leases->reserved);
  gint64 delay;

  if (leases->expiry != NULL || head == NULL)
    return;
  delay = (head->deadline - g_get_monotonic_time () + 999) / 1000;
  leases->expiry = g_timeout_source_new (CLAMP (delay, 0, G_MAXUINT));
  g_source_set_callback (leases->expiry, on_expiry, leases, NULL);
  g_source_attach (leases->expiry, g_main_context_get_thread_default ());
}

static void
reserve (WstunLeases *leases, Lease *lease)
{
  lease->peer = NULL;
  lease->owner = NULL;
  lease->deadline = g_get_monotonic_time () + (gint64) leases->grace * G_USEC_PER_SEC;
  lease->reserved_until = g_get_real_time () / G_USEC_PER_SEC + leases->grace;
  g_queue_push_tail (&leases->reserved, lease);
  lease->link = leases->reserved.tail;
  /* bounded, also against a client that connects and drops again and again */
  while (leases->reserved.length > leases->max_reserved)
    give_up (leases, g_queue_peek_head (&leases->reserved), "too many reservations");
  schedule_expiry (leases);
}

/* Whether @lease may go to a client of @request: the same token (or none on
 * both sides), an address of every family the relay has a pool for, and
 * the token's static addresses, if it has any. */
static gboolean
lease_fits (WstunLeases *leases, const Lease *lease, const WstunLeaseRequest *request)
{
  const struct {
    WstunPool *pool;
    int family;
    const WstunAddr *fixed;
  } families[] = {
    { leases->pool4, AF_INET, request->static4 },
    { leases->pool6, AF_INET6, request->static6 },
  };

  if (g_strcmp0 (lease->token_name, request->token_name) != 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (families); i++) {
    const WstunAddr *held = lease_addr (lease, families[i].family);

    if ((families[i].pool != NULL) != (held != NULL))
      return FALSE;
    if (families[i].fixed != NULL && (held == NULL || !wstun_addr_equal (held, families[i].fixed)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
resume (WstunLeases *leases, Lease *lease, WstunRouterPeer *peer, const WstunLeaseRequest *request,
        WstunLeaseGrant *grant, const char **error_code, GError **error)
{
  if (lease->peer != NULL) {
    /* the client is back before the relay noticed that it was gone */
    grant->replaced = lease->owner;
    wstun_router_remove_peer (leases->router, lease->peer);
    leases->counters.replaced++;
  } else {
    unreserve (leases, lease);
  }
  lease->peer = NULL;
  lease->owner = NULL;
  for (guint i = 0; i < lease->n_addrs; i++) {
    if (!wstun_router_add (leases->router, peer, &lease->addrs[i], error)) {
      /* cannot happen: the pools keep a lease's addresses from everyone */
      wstun_router_remove_peer (leases->router, peer);
      drop (leases, lease);
      changed (leases);
      *error_code = WSTUN_ERR_ADDRESS_IN_USE;
      return FALSE;
    }
  }
  lease->peer = peer;
  lease->owner = request->owner;
  grant->resume = WSTUN_RESUME_HIT;
  g_strlcpy (grant->resume_id, request->resume, sizeof grant->resume_id);
  memcpy (grant->hash, lease->hash, sizeof grant->hash);
  leases->counters.resume_hits++;
  changed (leases);
  return TRUE;
}

/* A token's static addresses are its own: a reservation of them by a
 * session of the same token is superseded by a new session of that token
 * that does not present the resume id (a client that restarted). */
static void
supersede_static (WstunLeases *leases, const WstunLeaseRequest *request)
{
  const WstunAddr *statics[] = { request->static4, request->static6 };

  for (guint i = 0; i < G_N_ELEMENTS (statics); i++) {
    if (statics[i] == NULL)
      continue;
    for (GList *l = leases->reserved.head; l != NULL; l = l->next) {
      Lease *lease = l->data;
      const WstunAddr *held = lease_addr (lease, statics[i]->family);

      if (held != NULL && wstun_addr_equal (held, statics[i]) &&
          g_strcmp0 (lease->token_name, request->token_name) == 0) {
        give_up (leases, lease, "its token connected again without the resume id");
        break;
      }
    }
  }
}

gboolean
wstun_leases_open (WstunLeases *leases, WstunRouterPeer *peer, const WstunLeaseRequest *request,
                   WstunLeaseGrant *grant, const char **error_code, GError **error)
{
  g_autoptr (GError) local = NULL;
  Lease *lease;

  g_return_val_if_fail (peer->n_addrs == 0, FALSE);

  memset (grant, 0, sizeof *grant);
  if (request->resume != NULL) {
    guint8 hash[WSTUN_RESUME_HASH_LEN];

    wstun_resume_id_hash (request->resume, hash);
    lease = wstun_resume_id_is_valid (request->resume) ? g_hash_table_lookup (leases->by_hash, hash)
                                                       : NULL;
    if (lease != NULL && lease_fits (leases, lease, request))
      return resume (leases, lease, peer, request, grant, error_code, error);
    /* unknown, expired, another token's, or of other pools: start afresh */
    grant->resume = WSTUN_RESUME_MISS;
    leases->counters.resume_misses++;
  }

  if (!wstun_resume_id_new (grant->resume_id, error)) {
    *error_code = WSTUN_ERR_INTERNAL;
    return FALSE;
  }
  wstun_resume_id_hash (grant->resume_id, grant->hash);
  supersede_static (leases, request);
  /* a live client goes before a reservation that may never be used */
  while (!wstun_leases_acquire_static (leases, peer, request->static4, request->static6,
                                       request->wish4, request->wish6, error_code, &local)) {
    if (g_strcmp0 (*error_code, WSTUN_ERR_POOL_EXHAUSTED) != 0 ||
        g_queue_is_empty (&leases->reserved)) {
      g_propagate_error (error, g_steal_pointer (&local));
      changed (leases);
      return FALSE;
    }
    g_clear_error (&local);
    give_up (leases, g_queue_peek_head (&leases->reserved), "the pool is exhausted");
  }

  lease = g_new0 (Lease, 1);
  memcpy (lease->hash, grant->hash, sizeof lease->hash);
  lease->token_name = g_strdup (request->token_name);
  lease->n_addrs = peer->n_addrs;
  memcpy (lease->addrs, peer->addrs, sizeof lease->addrs);
  lease->peer = peer;
  lease->owner = request->owner;
  g_hash_table_insert (leases->by_hash, lease->hash, lease);
  changed (leases);
  return TRUE;
}

gboolean
wstun_leases_close (WstunLeases *leases, const guint8 hash[WSTUN_RESUME_HASH_LEN],
                    WstunRouterPeer *peer, gboolean keep)
{
  Lease *lease = g_hash_table_lookup (leases->by_hash, hash);
  gboolean reserved = keep && leases->grace > 0;

  if (lease == NULL || lease->peer != peer)
    return FALSE;
  if (reserved) {
    wstun_router_remove_peer (leases->router, peer);
    reserve (leases, lease);
    /* reserve() gives up the oldest reservations beyond the bound */
    reserved = g_hash_table_contains (leases->by_hash, hash);
  } else {
    drop (leases, lease);
  }
  changed (leases);
  return reserved;
}

static void
info_of (const Lease *lease, WstunLeaseInfo *info)
{
  memcpy (info->hash, lease->hash, sizeof info->hash);
  info->token_name = lease->token_name;
  info->n_addrs = lease->n_addrs;
  memcpy (info->addrs, lease->addrs, sizeof info->addrs);
  info->held = lease->peer != NULL;
  info->reserved_until = lease->reserved_until;
}

/* The log line says why: it is not translated, as the log is not. */
static gboolean G_GNUC_PRINTF (2, 3) refuse_restore (GError **error, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error,
                     g_error_new_valist (WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, format, args));
  va_end (args);
  return FALSE;
}

gboolean
wstun_leases_restore (WstunLeases *leases, const WstunLeaseInfo *info,
                      const WstunAddr *token_static4, const WstunAddr *token_static6,
                      GError **error)
{
  char buf[WSTUN_ADDR_STRLEN];
  Lease *lease;
  guint n = 0;

  if (leases->grace == 0)
    return refuse_restore (error, "resuming is off (resume grace 0)");
  if (g_hash_table_contains (leases->by_hash, info->hash))
    return refuse_restore (error, "its resume id is listed twice");
  if (leases->reserved.length >= leases->max_reserved)
    return refuse_restore (error, "more than %u leases", leases->max_reserved);
  if (info->n_addrs == 0 || info->n_addrs > WSTUN_ROUTER_PEER_MAX_ADDRS ||
      (info->n_addrs == 2 && info->addrs[0].family == info->addrs[1].family))
    return refuse_restore (error, "it holds no address, or two of one family");
  for (guint i = 0; i < info->n_addrs; i++) {
    const WstunAddr *addr = &info->addrs[i];
    WstunPool *pool = wstun_leases_get_pool (leases, addr->family);
    const WstunAddr *own = addr->family == AF_INET ? token_static4 : token_static6;

    wstun_addr_to_string (addr, buf);
    if (pool == NULL || !wstun_pool_contains (pool, addr))
      return refuse_restore (error, "%s is not a client address of the pools", buf);
    if (wstun_pool_is_static (pool, addr) && (own == NULL || !wstun_addr_equal (own, addr)))
      return refuse_restore (error, "%s is the static address of another token", buf);
    if (wstun_pool_is_used (pool, addr) || wstun_router_lookup (leases->router, addr) != NULL)
      return refuse_restore (error, "%s is listed twice", buf);
  }
  /* a lease without an address of every pool could never be resumed */
  if ((leases->pool4 != NULL) + (leases->pool6 != NULL) != (int) info->n_addrs)
    return refuse_restore (error, "it has no address of every pool");

  for (; n < info->n_addrs; n++) {
    if (!wstun_pool_reserve (wstun_leases_get_pool (leases, info->addrs[n].family), &info->addrs[n],
                             NULL))
      break;
  }
  if (n < info->n_addrs) { /* cannot happen after the checks above */
    while (n-- > 0)
      wstun_pool_release (wstun_leases_get_pool (leases, info->addrs[n].family), &info->addrs[n]);
    return refuse_restore (error, "its addresses cannot be reserved");
  }
  lease = g_new0 (Lease, 1);
  memcpy (lease->hash, info->hash, sizeof lease->hash);
  lease->token_name = g_strdup (info->token_name);
  lease->n_addrs = info->n_addrs;
  memcpy (lease->addrs, info->addrs, sizeof lease->addrs);
  g_hash_table_insert (leases->by_hash, lease->hash, lease);
  reserve (leases, lease);
  changed (leases);
  return TRUE;
}

void
wstun_leases_filter_reserved (WstunLeases *leases, WstunLeaseFilterFunc keep, gpointer user_data)
{
  gboolean any = FALSE;
  GList *l = leases->reserved.head;

  while (l != NULL) {
    Lease *lease = l->data;
    WstunLeaseInfo info;

    l = l->next;
    info_of (lease, &info);
    if (!keep (&info, user_data)) {
      give_up (leases, lease, "its token was removed or changed");
      any = TRUE;
    }
  }
  if (any)
    changed (leases);
}

gboolean
wstun_leases_knows (WstunLeases *leases, const guint8 hash[WSTUN_RESUME_HASH_LEN])
{
  return g_hash_table_contains (leases->by_hash, hash);
}

gboolean
wstun_leases_take_away (WstunLeases *leases, const WstunAddr *addr, gpointer *owner)
{
  GHashTableIter iter;
  gpointer value;

  *owner = NULL;
  g_hash_table_iter_init (&iter, leases->by_hash);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Lease *lease = value;

    for (guint i = 0; i < lease->n_addrs; i++) {
      if (wstun_addr_equal (&lease->addrs[i], addr)) {
        *owner = lease->owner;
        if (lease->peer == NULL)
          log_reservation_end (lease, "reservation-dropped",
                               "given up: another relay took it over");
        drop (leases, lease);
        changed (leases);
        return TRUE;
      }
    }
  }
  return FALSE;
}

void
wstun_leases_foreach (WstunLeases *leases, WstunLeaseInfoFunc func, gpointer user_data)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, leases->by_hash);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    WstunLeaseInfo info;

    info_of (value, &info);
    func (&info, user_data);
  }
}

guint
wstun_leases_get_n_reserved (WstunLeases *leases)
{
  return leases->reserved.length;
}

guint
wstun_leases_get_n_leases (WstunLeases *leases)
{
  return g_hash_table_size (leases->by_hash);
}

const WstunLeasesCounters *
wstun_leases_get_counters (WstunLeases *leases)
{
  return &leases->counters;
}
