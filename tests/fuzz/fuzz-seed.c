/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-seed.c: libFuzzer harness for the original text protocol
 *
 * The input is one text message from a seed client. On success,
 * wstun_seed_parse() promises (wstun-seed.h, PROTOCOL.md section 8):
 * - for "tx:<destination>:<hex>", that the hex, decoded into the caller's
 *   WSTUN_PACKET_MAX buffer, is exactly one IP packet whose destination is
 *   the one the message names, and that @info describes it;
 * - for a registration, that the message is an address alone, maybe with
 *   blanks around it.
 * The harness recomputes each of these from the text independently.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "wstun-error.h"
#include "wstun-seed.h"

static int
hex_digit (char c)
{
  return g_ascii_xdigit_value (c);
}

/* Parses @len bytes at @s as an address the way a strict reader would. */
static gboolean
addr_from_text (const char *s, gsize len, WstunAddr *addr)
{
  g_autofree char *copy = g_strndup (s, len);

  return strlen (copy) == len && wstun_addr_parse (copy, addr, NULL);
}

static void
check_addr (const WstunAddr *addr)
{
  char buf[WSTUN_ADDR_STRLEN];
  WstunAddr again;

  g_assert_true (addr->family == AF_INET || addr->family == AF_INET6);
  /* the address prints and reads back as itself */
  g_assert_true (wstun_addr_parse (wstun_addr_to_string (addr, buf), &again, NULL));
  g_assert_true (wstun_addr_equal (addr, &again));
}

static void
check_tx (const char *text, gsize len, const WstunAddr *addr, const guint8 *packet,
          gsize packet_len, const WstunPacketInfo *info)
{
  const char *hex, *colon;
  WstunPacketInfo again;
  WstunAddr dst;

  g_assert_cmpuint (len, >=, 3);
  g_assert_true (memcmp (text, "tx:", 3) == 0);
  check_addr (addr);

  /* the packet is the hex after the last colon, all of it */
  g_assert_cmpuint (packet_len, >=, 1);
  g_assert_cmpuint (packet_len, <=, WSTUN_PACKET_MAX);
  g_assert_cmpuint (len, >, 3 + 2 * packet_len);
  hex = text + len - 2 * packet_len;
  colon = hex - 1;
  g_assert_cmpint (*colon, ==, ':');
  for (gsize i = 0; i < packet_len; i++) {
    int hi = hex_digit (hex[2 * i]), lo = hex_digit (hex[2 * i + 1]);

    g_assert_cmpint (hi, >=, 0);
    g_assert_cmpint (lo, >=, 0);
    g_assert_cmpuint (packet[i], ==, (guint) (hi << 4 | lo));
  }

  /* the destination is the text between "tx:" and that colon */
  g_assert_true (addr_from_text (text + 3, colon - (text + 3), &dst));
  g_assert_true (wstun_addr_equal (&dst, addr));

  /* exactly one packet, addressed there, described by @info */
  g_assert_cmpint (wstun_packet_parse (packet, packet_len, &again), ==, WSTUN_PACKET_OK);
  g_assert_cmpuint (again.length, ==, packet_len);
  g_assert_cmpuint (info->length, ==, packet_len);
  g_assert_cmpuint (info->version, ==, again.version);
  g_assert_true (wstun_addr_equal (&info->src, &again.src));
  g_assert_true (wstun_addr_equal (&info->dst, &again.dst));
  g_assert_true (wstun_addr_equal (&info->dst, addr));
}

static void
check_register (const char *text, gsize len, const WstunAddr *addr)
{
  WstunAddr again;

  check_addr (addr);
  while (len > 0 && g_ascii_isspace (text[len - 1]))
    len--;
  while (len > 0 && g_ascii_isspace (*text)) {
    text++;
    len--;
  }
  g_assert_true (addr_from_text (text, len, &again));
  g_assert_true (wstun_addr_equal (&again, addr));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* the caller's packet buffer, exactly as large as promised, on the heap
   * so ASan catches a write past it */
  static guint8 *packet = NULL;
  g_autofree char *text = g_memdup2 (data, size); /* exact size, no NUL */
  g_autoptr (GError) error = NULL;
  WstunSeedKind kind = (WstunSeedKind) -1;
  WstunPacketInfo info;
  WstunAddr addr;
  gsize packet_len = G_MAXSIZE;

  fuzz_init ();
  if (packet == NULL)
    packet = g_malloc (WSTUN_PACKET_MAX);
  memset (&info, 0xa5, sizeof info);
  memset (&addr, 0xa5, sizeof addr);

  if (!wstun_seed_parse (text, size, &kind, &addr, packet, &packet_len, &info, &error)) {
    g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL);
    return 0;
  }
  g_assert_no_error (error);
  switch (kind) {
  case WSTUN_SEED_TX:
    check_tx (text, size, &addr, packet, packet_len, &info);
    break;
  case WSTUN_SEED_REGISTER:
    g_assert_false (size >= 3 && memcmp (text, "tx:", 3) == 0);
    check_register (text, size, &addr);
    break;
  default:
    g_assert_not_reached ();
  }
  return 0;
}
