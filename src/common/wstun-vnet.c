/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-vnet.h"

#include <string.h>

#define PROTO_TCP 6
#define PROTO_UDP 17

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static inline guint16
get16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline void
put16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline guint16
get16le (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline void
put16le (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

void
wstun_vnet_hdr_read (const guint8 data[WSTUN_VNET_HDR_LEN], WstunVnetHdr *hdr)
{
  hdr->flags = data[0];
  hdr->gso_type = data[1];
  hdr->hdr_len = get16le (data + 2);
  hdr->gso_size = get16le (data + 4);
  hdr->csum_start = get16le (data + 6);
  hdr->csum_offset = get16le (data + 8);
}

void
wstun_vnet_hdr_write (const WstunVnetHdr *hdr, guint8 data[WSTUN_VNET_HDR_LEN])
{
  data[0] = hdr->flags;
  data[1] = hdr->gso_type;
  put16le (data + 2, hdr->hdr_len);
  put16le (data + 4, hdr->gso_size);
  put16le (data + 6, hdr->csum_start);
  put16le (data + 8, hdr->csum_offset);
}

/* ---- checksums ----------------------------------------------------------- */

guint32
wstun_vnet_csum_add (guint32 sum, const guint8 *data, gsize len)
{
  guint64 s = sum;
  gsize i = 0;

  /* 32 bits at a time into a 64-bit accumulator: no carry is lost, and
   * the byte order works out (RFC 1071, 2.(B)) */
  for (; i + 4 <= len; i += 4)
    s += ((guint32) data[i] << 24) | ((guint32) data[i + 1] << 16) | ((guint32) data[i + 2] << 8) |
         data[i + 3];
  for (; i + 2 <= len; i += 2)
    s += ((guint32) data[i] << 8) | data[i + 1];
  if (i < len)
    s += (guint32) data[i] << 8;
  while (s >> 32)
    s = (s & 0xffffffff) + (s >> 32);
  /* to 17 bits at most, so callers may keep adding */
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (guint32) s;
}

guint16
wstun_vnet_csum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

/* ---- layout -------------------------------------------------------------- */

static gboolean
parse_layout (const guint8 *pkt, gsize len, WstunVnetLayout *l, const char **reason)
{
  memset (l, 0, sizeof *l);
  l->length = len;
  if (len < 20) {
    *reason = "truncated";
    return FALSE;
  }
  l->version = pkt[0] >> 4;
  if (l->version == 4) {
    l->l3_len = (gsize) (pkt[0] & 0x0f) * 4;
    if (l->l3_len < 20 || l->l3_len > len) {
      *reason = "ip-header";
      return FALSE;
    }
    /* a fragment has no transport header of its own to fix up */
    if ((get16 (pkt + 6) & 0x3fff) != 0) {
      *reason = "fragment";
      return FALSE;
    }
    l->protocol = pkt[9];
  } else if (l->version == 6) {
    l->l3_len = 40;
    if (len < 40) {
      *reason = "truncated";
      return FALSE;
    }
    /* extension headers are not followed: offloads start right after */
    l->protocol = pkt[6];
  } else {
    *reason = "ip-version";
    return FALSE;
  }

  if (l->protocol == PROTO_TCP) {
    if (len < l->l3_len + 20) {
      *reason = "truncated";
      return FALSE;
    }
    l->l4_len = (gsize) (pkt[l->l3_len + 12] >> 4) * 4;
    if (l->l4_len < 20 || l->l3_len + l->l4_len > len) {
      *reason = "tcp-header";
      return FALSE;
    }
  } else if (l->protocol == PROTO_UDP) {
    l->l4_len = 8;
    if (l->l3_len + 8 > len) {
      *reason = "truncated";
      return FALSE;
    }
  } else {
    *reason = "not-tcp-udp";
    return FALSE;
  }
  return TRUE;
}

gboolean
wstun_vnet_check (const WstunVnetHdr *hdr, const guint8 *pkt, gsize len, WstunVnetLayout *layout,
                  const char **reason)
{
  WstunVnetLayout l;
  const char *dummy;
  guint gso = hdr->gso_type & ~WSTUN_VNET_GSO_ECN;
  gboolean needs_csum = (hdr->flags & WSTUN_VNET_F_NEEDS_CSUM) != 0;

  if (reason == NULL)
    reason = &dummy;
  *reason = NULL;
  if (hdr->flags & ~(WSTUN_VNET_F_NEEDS_CSUM | WSTUN_VNET_F_DATA_VALID)) {
    *reason = "flags";
    return FALSE;
  }
  if (gso != WSTUN_VNET_GSO_NONE && gso != WSTUN_VNET_GSO_TCPV4 && gso != WSTUN_VNET_GSO_TCPV6 &&
      gso != WSTUN_VNET_GSO_UDP_L4) {
    *reason = "gso-type";
    return FALSE;
  }
  if ((hdr->gso_type & WSTUN_VNET_GSO_ECN) && gso != WSTUN_VNET_GSO_TCPV4 &&
      gso != WSTUN_VNET_GSO_TCPV6) {
    *reason = "gso-type";
    return FALSE;
  }
  if (gso == WSTUN_VNET_GSO_NONE && hdr->gso_size != 0) {
    *reason = "gso-size";
    return FALSE;
  }
  if (!needs_csum && gso == WSTUN_VNET_GSO_NONE) {
    if (layout != NULL) {
      memset (layout, 0, sizeof *layout);
      layout->length = len;
      layout->version = len > 0 ? pkt[0] >> 4 : 0;
    }
    return TRUE;
  }
  /* segmenting recomputes the checksums: a super-packet without a
   * partial one would be a packet whose sender computed them for nothing */
  if (gso != WSTUN_VNET_GSO_NONE && !needs_csum) {
    *reason = "gso-csum";
    return FALSE;
  }
  if (!parse_layout (pkt, len, &l, reason))
    return FALSE;
  if (hdr->csum_start != l.l3_len || hdr->csum_offset != (l.protocol == PROTO_TCP ? 16 : 6)) {
    *reason = "csum-range";
    return FALSE;
  }
  if (gso != WSTUN_VNET_GSO_NONE) {
    gsize payload = len - l.l3_len - l.l4_len;
    gboolean match;

    if (gso == WSTUN_VNET_GSO_TCPV4)
      match = l.version == 4 && l.protocol == PROTO_TCP;
    else if (gso == WSTUN_VNET_GSO_TCPV6)
      match = l.version == 6 && l.protocol == PROTO_TCP;
    else
      match = l.protocol == PROTO_UDP;
    if (!match) {
      *reason = "gso-type";
      return FALSE;
    }
    if (hdr->gso_size == 0) {
      *reason = "gso-size";
      return FALSE;
    }
    if ((payload + hdr->gso_size - 1) / hdr->gso_size > WSTUN_VNET_MAX_SEGMENTS) {
      *reason = "gso-segments";
      return FALSE;
    }
  }
  if (layout != NULL)
    *layout = l;
  return TRUE;
}

/* ---- completing ---------------------------------------------------------- */

static guint32
pseudo_header_sum (const guint8 *pkt, const WstunVnetLayout *l, gsize l4_bytes)
{
  guint32 sum;

  if (l->version == 4) {
    /* source, destination, zero, protocol, transport length */
    guint8 rest[4] = { 0, l->protocol, (guint8) (l4_bytes >> 8), (guint8) l4_bytes };

    sum = wstun_vnet_csum_add (0, pkt + 12, 8);
    return wstun_vnet_csum_add (sum, rest, sizeof rest);
  } else {
    /* source, destination, 32-bit transport length, 3 zeros, next header */
    guint8 rest[8] = { 0, 0, (guint8) (l4_bytes >> 8), (guint8) l4_bytes, 0, 0, 0, l->protocol };

    sum = wstun_vnet_csum_add (0, pkt + 8, 32);
    return wstun_vnet_csum_add (sum, rest, sizeof rest);
  }
}

/* Writes the transport checksum of the segment at @pkt (headers as
 * @l says, @len bytes in all), computed from scratch */
static void
transport_csum (guint8 *pkt, gsize len, const WstunVnetLayout *l)
{
  gsize field = l->l3_len + (l->protocol == PROTO_TCP ? 16 : 6);
  guint32 sum;
  guint16 c;

  put16 (pkt + field, 0);
  sum = pseudo_header_sum (pkt, l, len - l->l3_len);
  sum = wstun_vnet_csum_add (sum, pkt + l->l3_len, len - l->l3_len);
  c = wstun_vnet_csum_fold (sum);
  if (c == 0 && l->protocol == PROTO_UDP)
    c = 0xffff; /* 0 means "no checksum" in UDP */
  put16 (pkt + field, c);
}

void
wstun_vnet_finish_csum (WstunVnetHdr *hdr, guint8 *pkt, gsize len)
{
  gsize field;
  guint16 c;

  if (!(hdr->flags & WSTUN_VNET_F_NEEDS_CSUM))
    return;
  g_return_if_fail ((gsize) hdr->csum_start + hdr->csum_offset + 2 <= len);
  field = (gsize) hdr->csum_start + hdr->csum_offset;
  /* the field holds the pseudo-header's sum: it is part of what is summed */
  c = wstun_vnet_csum_fold (wstun_vnet_csum_add (0, pkt + hdr->csum_start, len - hdr->csum_start));
  if (c == 0 && hdr->csum_offset == 6)
    c = 0xffff;
  put16 (pkt + field, c);
  hdr->flags &= ~WSTUN_VNET_F_NEEDS_CSUM;
}

guint
wstun_vnet_segment (const WstunVnetHdr *hdr, const guint8 *pkt, gsize len, WstunVnetEmitFunc emit,
                    gpointer user_data)
{
  WstunVnetLayout l;
  const char *reason;
  g_autofree guint8 *buf = NULL;
  gsize headers, payload, mss;
  guint n = 0;
  guint32 seq = 0;
  guint16 id = 0;
  guint8 tcp_flags = 0;

  g_return_val_if_fail (wstun_vnet_check (hdr, pkt, len, &l, &reason), 0);

  if (!wstun_vnet_hdr_is_gso (hdr)) {
    WstunVnetHdr h = *hdr;

    buf = g_memdup2 (pkt, len);
    wstun_vnet_finish_csum (&h, buf, len);
    emit (buf, len, user_data);
    return 1;
  }

  headers = l.l3_len + l.l4_len;
  payload = len - headers;
  mss = hdr->gso_size;
  buf = g_malloc (headers + MIN (mss, MAX (payload, 1)));
  if (l.version == 4)
    id = get16 (pkt + 4);
  if (l.protocol == PROTO_TCP) {
    seq = ((guint32) get16 (pkt + l.l3_len + 4) << 16) | get16 (pkt + l.l3_len + 6);
    tcp_flags = pkt[l.l3_len + 13];
  }

  for (gsize off = 0; off < payload || (payload == 0 && n == 0); off += mss) {
    gsize chunk = MIN (mss, payload - off);
    gsize seg_len = headers + chunk;
    gboolean last = off + chunk >= payload;

    memcpy (buf, pkt, headers);
    memcpy (buf + headers, pkt + headers + off, chunk);
    if (l.version == 4) {
      put16 (buf + 2, (guint16) seg_len);
      put16 (buf + 4, (guint16) (id + n));
      put16 (buf + 10, 0);
      put16 (buf + 10, wstun_vnet_csum_fold (wstun_vnet_csum_add (0, buf, l.l3_len)));
    } else
      put16 (buf + 4, (guint16) (seg_len - 40));
    if (l.protocol == PROTO_TCP) {
      guint32 s = seq + (guint32) off;
      guint8 f = tcp_flags;

      put16 (buf + l.l3_len + 4, (guint16) (s >> 16));
      put16 (buf + l.l3_len + 6, (guint16) s);
      if (!last)
        f &= ~(TCP_FIN | TCP_PSH);
      if (n > 0)
        f &= ~TCP_CWR;
      buf[l.l3_len + 13] = f;
    } else
      put16 (buf + l.l3_len + 4, (guint16) (seg_len - l.l3_len));
    transport_csum (buf, seg_len, &l);
    emit (buf, seg_len, user_data);
    n++;
    if (payload == 0)
      break;
  }
  return n;
}
