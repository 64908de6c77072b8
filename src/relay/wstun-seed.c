/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-seed.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wstun-error.h"

static gboolean
seed_error (GError **error, const char *message)
{
  g_set_error_literal (error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL, message);
  return FALSE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
parse_addr (const char *start, gsize len, WstunAddr *addr)
{
  char buf[WSTUN_ADDR_STRLEN];

  /* a NUL would end the string early and hide what follows it */
  if (len == 0 || len >= sizeof buf || memchr (start, '\0', len) != NULL)
    return FALSE;
  memcpy (buf, start, len);
  buf[len] = '\0';
  return wstun_addr_parse (buf, addr, NULL);
}

gboolean
wstun_seed_parse (const char *text, gsize len, WstunSeedKind *kind, WstunAddr *addr, guint8 *packet,
                  gsize *packet_len, WstunPacketInfo *info, GError **error)
{
  const char *hex;
  gsize hex_len;

  if (len < 3 || memcmp (text, "tx:", 3) != 0) {
    /* a registration is an address alone, maybe with surrounding blanks */
    while (len > 0 && g_ascii_isspace (text[len - 1]))
      len--;
    while (len > 0 && g_ascii_isspace (*text)) {
      text++;
      len--;
    }
    if (!parse_addr (text, len, addr))
      return seed_error (error, _ ("Seed message is neither “tx:” nor an address"));
    *kind = WSTUN_SEED_REGISTER;
    return TRUE;
  }

  /* IPv6 destinations contain colons; the hex part never does */
  hex = memrchr (text + 3, ':', len - 3);
  if (hex == NULL)
    return seed_error (error, _ ("Seed “tx:” message without a packet"));
  if (!parse_addr (text + 3, hex - (text + 3), addr))
    return seed_error (error, _ ("Seed “tx:” message with an invalid destination"));
  hex++;
  hex_len = len - (gsize) (hex - text);
  if (hex_len == 0 || hex_len % 2 != 0)
    return seed_error (error, _ ("Seed packet hex has an odd or zero length"));
  if (hex_len / 2 > WSTUN_PACKET_MAX)
    return seed_error (error, _ ("Seed packet larger than an IP packet can be"));
  for (gsize i = 0; i < hex_len; i += 2) {
    int hi = hex_value (hex[i]), lo = hex_value (hex[i + 1]);
    if (hi < 0 || lo < 0)
      return seed_error (error, _ ("Seed packet hex has a non-hex character"));
    packet[i / 2] = (guint8) (hi << 4 | lo);
  }
  *packet_len = hex_len / 2;
  if (wstun_packet_parse (packet, *packet_len, info) != WSTUN_PACKET_OK ||
      info->length != *packet_len)
    return seed_error (error, _ ("Seed message does not hold exactly one IP packet"));
  if (!wstun_addr_equal (&info->dst, addr))
    return seed_error (error, _ ("Seed message names another destination than its packet"));
  *kind = WSTUN_SEED_TX;
  return TRUE;
}

gboolean
wstun_seed_send_packet (WstunWs *ws, const guint8 *packet, gsize len)
{
  static const char digits[] = "0123456789abcdef";
  g_autofree guint8 *buf = g_malloc (WSTUN_WS_HEADROOM + 3 + 2 * len);
  guint8 *text = buf + WSTUN_WS_HEADROOM;

  memcpy (text, "rx:", 3);
  for (gsize i = 0; i < len; i++) {
    text[3 + 2 * i] = digits[packet[i] >> 4];
    text[4 + 2 * i] = digits[packet[i] & 0xf];
  }
  return wstun_ws_send_frame (ws, WSTUN_WS_OPCODE_TEXT, text, 3 + 2 * len, TRUE) ==
         WSTUN_WS_SEND_OK;
}
