/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-tun.h: a TUN device (layer 3, no packet information header) */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WSTUN_TYPE_TUN (wstun_tun_get_type ())
G_DECLARE_FINAL_TYPE (WstunTun, wstun_tun, WSTUN, TUN, GObject)

/* Creates a device named @name, or "wstun%d" (the kernel picks the number)
 * when NULL. The device goes away with the object. The fd is non-blocking. */
WstunTun *wstun_tun_new (const char *name, GError **error);
int wstun_tun_get_fd (WstunTun *self);
const char *wstun_tun_get_name (WstunTun *self);
int wstun_tun_get_ifindex (WstunTun *self);
/* Every read and write of the device carries a virtio-net header
 * (wstun-vnet.h) in front of the packet (IFF_VNET_HDR). With @on, the
 * kernel may hand over packets with a partial checksum and TCP (and, where
 * the kernel has it, UDP) super-packets (TUNSETOFFLOAD); without, whole
 * packets only. */
gboolean wstun_tun_set_offload (WstunTun *self, gboolean on, GError **error);

G_END_DECLS
