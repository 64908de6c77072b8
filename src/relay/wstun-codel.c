/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-codel.h"

/* Integer square root (no libm on the data path) */
static guint64
isqrt (guint64 v)
{
  guint64 r = 0, bit = G_GUINT64_CONSTANT (1) << 62;

  while (bit > v)
    bit >>= 2;
  while (bit != 0) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

/* The next drop: interval / sqrt(count) after @t (RFC 8289, 5.5) */
static gint64
control_law (gint64 t, guint count)
{
  /* sqrt(count) in 1/1024ths, so small counts keep their precision */
  return t + (gint64) (WSTUN_CODEL_INTERVAL_USEC * 1024 / isqrt ((guint64) count << 20));
}

gboolean
wstun_codel_should_drop (WstunCodel *c, gint64 sojourn, gsize backlog, gsize len, gint64 now)
{
  gboolean ok_to_drop = FALSE;

  if (sojourn < WSTUN_CODEL_TARGET_USEC || backlog < WSTUN_CODEL_MIN_BACKLOG) {
    c->first_above = 0;
  } else if (c->first_above == 0) {
    c->first_above = now + WSTUN_CODEL_INTERVAL_USEC;
  } else if (now >= c->first_above) {
    ok_to_drop = TRUE;
  }

  if (c->dropping) {
    if (!ok_to_drop) {
      c->dropping = FALSE;
      return FALSE;
    }
    if (now < c->drop_next || len < WSTUN_CODEL_MIN_DROP)
      return FALSE;
    c->count++;
    c->drop_next = control_law (c->drop_next, c->count);
    return TRUE;
  }
  if (!ok_to_drop || len < WSTUN_CODEL_MIN_DROP)
    return FALSE;

  /* back to dropping soon after leaving it: start near the rate that
   * worked last time rather than from one drop per interval */
  c->dropping = TRUE;
  if (c->count - c->last_count > 1 && now - c->drop_next < 16 * WSTUN_CODEL_INTERVAL_USEC)
    c->count = c->count - c->last_count;
  else
    c->count = 1;
  c->last_count = c->count;
  c->drop_next = control_law (now, c->count);
  return TRUE;
}
