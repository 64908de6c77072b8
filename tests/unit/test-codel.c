/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CoDel on a send backlog (RFC 8289), on a clock the test drives */
#include "config.h"

#include "wstun-codel.h"

#define MS           1000
#define TARGET       WSTUN_CODEL_TARGET_USEC
#define INTERVAL     WSTUN_CODEL_INTERVAL_USEC
#define BIG          1400
#define SMALL        100
#define FULL_BACKLOG (1024 * 1024)

/* Packets every millisecond from @from to @to (exclusive) while the head
 * has waited @sojourn; returns the times of the drops. */
static GArray *
run (WstunCodel *c, gint64 from, gint64 to, gint64 sojourn, gsize len)
{
  GArray *drops = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (gint64 now = from; now < to; now += MS) {
    if (wstun_codel_should_drop (c, sojourn, FULL_BACKLOG, len, now))
      g_array_append_val (drops, now);
  }
  return drops;
}

static void
test_short_queue_never_drops (void)
{
  WstunCodel c = { 0 };
  g_autoptr (GArray) drops = run (&c, 1000 * MS, 3000 * MS, TARGET - 1, BIG);

  g_assert_cmpuint (drops->len, ==, 0);
  /* nor does a long wait in a backlog smaller than one packet */
  for (gint64 now = 3000 * MS; now < 5000 * MS; now += MS)
    g_assert_false (wstun_codel_should_drop (&c, 50 * MS, WSTUN_CODEL_MIN_BACKLOG - 1, BIG, now));
}

static void
test_standing_queue (void)
{
  WstunCodel c = { 0 };
  const gint64 t0 = 1000 * MS;
  g_autoptr (GArray) drops = run (&c, t0, t0 + 400 * MS, 20 * MS, BIG);
  gint64 first, second, third;

  /* the first drop after a whole interval above the target, the next one
   * an interval later, then at interval / sqrt(count): 70.7 ms, 57.7 ms,
   * 50 ms, ... */
  g_assert_cmpuint (drops->len, >=, 4);
  first = g_array_index (drops, gint64, 0);
  second = g_array_index (drops, gint64, 1);
  third = g_array_index (drops, gint64, 2);
  g_assert_cmpint (first, ==, t0 + INTERVAL);
  g_assert_cmpint (second - first, ==, INTERVAL);
  g_assert_cmpint (third - second, >=, 70 * MS);
  g_assert_cmpint (third - second, <=, 72 * MS);
  for (guint i = 3; i < drops->len; i++) {
    gint64 gap = g_array_index (drops, gint64, i) - g_array_index (drops, gint64, i - 1);
    gint64 before = g_array_index (drops, gint64, i - 1) - g_array_index (drops, gint64, i - 2);
    g_assert_cmpint (gap, <=, before); /* ever closer */
  }
}

static void
test_drains (void)
{
  WstunCodel c = { 0 };
  g_autoptr (GArray) on = run (&c, 0, 300 * MS, 20 * MS, BIG);
  g_autoptr (GArray) off = run (&c, 300 * MS, 600 * MS, TARGET / 2, BIG);
  g_autoptr (GArray) again = NULL;

  g_assert_cmpuint (on->len, >, 0);
  g_assert_cmpuint (off->len, ==, 0);
  g_assert_false (c.dropping);
  /* a queue back soon starts dropping after an interval, at the rate that
   * worked before rather than from scratch */
  again = run (&c, 600 * MS, 800 * MS, 20 * MS, BIG);
  g_assert_cmpuint (again->len, >, 0);
  g_assert_cmpint (g_array_index (again, gint64, 0), ==, 600 * MS + INTERVAL);
  g_assert_cmpuint (c.count, >, 1);
}

static void
test_small_packets_pass (void)
{
  WstunCodel c = { 0 };
  g_autoptr (GArray) small = run (&c, 0, 400 * MS, 20 * MS, SMALL);
  gint64 now = 400 * MS;

  g_assert_cmpuint (small->len, ==, 0);
  /* the drop that was due goes to the next big packet */
  g_assert_true (c.dropping || c.first_above != 0);
  g_assert_true (wstun_codel_should_drop (&c, 20 * MS, FULL_BACKLOG, BIG, now));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/codel/short-queue", test_short_queue_never_drops);
  g_test_add_func ("/codel/standing-queue", test_standing_queue);
  g_test_add_func ("/codel/drains", test_drains);
  g_test_add_func ("/codel/small-packets-pass", test_small_packets_pass);
  return g_test_run ();
}
