/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-state.c: libFuzzer harness for the relay's state file
 *
 * The input is the text of a leases.json. wstun_state_parse() must either
 * fail with a GError or return leases that keep its promises (a hash, a
 * valid token name or none, at most an IPv4 and an IPv6 address, a state).
 * Each is then offered to a relay's leases (pools 10.99.0.0/24 and
 * fd00:99::/64, at most 64 reservations), which take or refuse it: what
 * they take must be client addresses of the pools, each once, and the
 * leases written back and read again must be the ones taken.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "wstun-error.h"
#include "wstun-leases.h"
#include "wstun-pool.h"
#include "wstun-router.h"
#include "wstun-state.h"
#include "wstun-tokens.h"

static WstunPool *
pool (const char *cidr)
{
  WstunPrefix prefix;

  g_assert_true (wstun_prefix_parse (cidr, &prefix, NULL));
  return wstun_pool_new (&prefix, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_memdup2 (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) again = NULL;
  g_autoptr (WstunRouter) router = NULL;
  g_autoptr (WstunPool) pool4 = NULL;
  g_autoptr (WstunPool) pool6 = NULL;
  g_autoptr (WstunLeases) leases = NULL;
  g_autoptr (GBytes) written = NULL;
  guint taken = 0, taken4 = 0, taken6 = 0;
  gboolean newer = FALSE;
  gsize len;
  const char *out;

  fuzz_init ();
  entries = wstun_state_parse (text, size, &newer, &error);
  if (entries == NULL) {
    g_assert_nonnull (error);
    g_assert_nonnull (error->message);
    return 0;
  }
  g_assert_no_error (error);
  g_assert_false (newer);

  router = wstun_router_new ();
  pool4 = pool ("10.99.0.0/24");
  pool6 = pool ("fd00:99::/64");
  leases = wstun_leases_new (router, pool4, pool6);
  wstun_leases_set_resume (leases, 60, 64);
  for (guint i = 0; i < entries->len; i++) {
    const WstunStateEntry *e = g_ptr_array_index (entries, i);
    g_autoptr (GError) refused = NULL;

    g_assert_true (e->info.token_name == e->token_name);
    g_assert_true (e->token_name == NULL || wstun_token_name_is_valid (e->token_name));
    g_assert_cmpuint (e->info.n_addrs, <=, 2);
    if (e->info.n_addrs == 2)
      g_assert_cmpint (e->info.addrs[0].family, !=, e->info.addrs[1].family);
    if (wstun_leases_restore (leases, &e->info, NULL, NULL, &refused)) {
      g_assert_no_error (refused);
      for (guint k = 0; k < e->info.n_addrs; k++) {
        WstunPool *p = e->info.addrs[k].family == AF_INET ? pool4 : pool6;

        g_assert_true (wstun_pool_contains (p, &e->info.addrs[k]));
        g_assert_true (wstun_pool_is_used (p, &e->info.addrs[k]));
        if (p == pool4)
          taken4++;
        else
          taken6++;
      }
      taken++;
    } else {
      g_assert_nonnull (refused);
    }
  }
  /* each address once */
  g_assert_cmpuint (wstun_pool_get_used (pool4), ==, taken4);
  g_assert_cmpuint (wstun_pool_get_used (pool6), ==, taken6);
  g_assert_cmpuint (wstun_leases_get_n_reserved (leases), ==, taken);
  g_assert_cmpuint (wstun_router_get_n_addresses (router), ==, 0);

  /* written back and read again: the same leases */
  written = wstun_state_serialize (leases);
  out = g_bytes_get_data (written, &len);
  again = wstun_state_parse (out, len, &newer, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpuint (again->len, ==, taken);
  g_clear_pointer (&leases, wstun_leases_free);
  return 0;
}
