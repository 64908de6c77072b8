/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-tun.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wstun-error.h"

/* Linux 6.2's values; Debian 12's headers (6.1) do not have them yet */
#ifdef TUN_F_USO4
#define WSTUN_TUN_F_USO4 TUN_F_USO4
#define WSTUN_TUN_F_USO6 TUN_F_USO6
#else
#define WSTUN_TUN_F_USO4 0x20
#define WSTUN_TUN_F_USO6 0x40
#endif

#define DEFAULT_NAME "wstun%d"

struct _WstunTun {
  GObject parent_instance;
  int fd;
  char name[IFNAMSIZ];
  int ifindex;
};

G_DEFINE_FINAL_TYPE (WstunTun, wstun_tun, G_TYPE_OBJECT)

WstunTun *
wstun_tun_new (const char *name, GError **error)
{
  g_autoptr (WstunTun) self = g_object_new (WSTUN_TYPE_TUN, NULL);
  struct ifreq ifr = { 0 };

  if (name == NULL || *name == '\0')
    name = DEFAULT_NAME;
  if (strlen (name) >= IFNAMSIZ || strchr (name, '/') != NULL || strchr (name, ' ') != NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("“%s” is not a valid interface name (at most %d characters, no “/” or blank)"),
                 name, IFNAMSIZ - 1);
    return NULL;
  }

  self->fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (self->fd < 0) {
    int err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                 _ ("Cannot open /dev/net/tun: %s (wstun needs CAP_NET_ADMIN and the tun module)"),
                 g_strerror (err));
    return NULL;
  }
  /* a virtio-net header on every packet: offloads can be switched on and
   * off later without reopening the device (wstun_tun_set_offload()) */
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl (self->fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                 err == EBUSY ? _ ("Cannot create TUN device %s: an interface of that name exists")
                              : _ ("Cannot create TUN device %s: %s"),
                 name, g_strerror (err));
    return NULL;
  }
  g_strlcpy (self->name, ifr.ifr_name, IFNAMSIZ);
  self->ifindex = if_nametoindex (self->name);
  if (self->ifindex == 0) {
    int err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), _ ("TUN device %s vanished: %s"),
                 self->name, g_strerror (err));
    return NULL;
  }
  return g_steal_pointer (&self);
}

int
wstun_tun_get_fd (WstunTun *self)
{
  g_return_val_if_fail (WSTUN_IS_TUN (self), -1);
  return self->fd;
}

const char *
wstun_tun_get_name (WstunTun *self)
{
  g_return_val_if_fail (WSTUN_IS_TUN (self), NULL);
  return self->name;
}

int
wstun_tun_get_ifindex (WstunTun *self)
{
  g_return_val_if_fail (WSTUN_IS_TUN (self), 0);
  return self->ifindex;
}

gboolean
wstun_tun_set_offload (WstunTun *self, gboolean on, GError **error)
{
  unsigned int flags = on ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN : 0;

  g_return_val_if_fail (WSTUN_IS_TUN (self), FALSE);

  /* UDP segmentation (Linux 6.2): asked for where the kernel has it, not
   * required; older kernels refuse the flags as a whole */
  if (on && ioctl (self->fd, TUNSETOFFLOAD, flags | WSTUN_TUN_F_USO4 | WSTUN_TUN_F_USO6) == 0)
    return TRUE;
  if (ioctl (self->fd, TUNSETOFFLOAD, flags) < 0) {
    int err = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                 _ ("Cannot set the offloads of TUN device %s: %s"), self->name, g_strerror (err));
    return FALSE;
  }
  return TRUE;
}

static void
wstun_tun_finalize (GObject *object)
{
  WstunTun *self = WSTUN_TUN (object);

  /* a non-persistent TUN device disappears with its last descriptor */
  if (self->fd >= 0)
    g_close (self->fd, NULL);
  G_OBJECT_CLASS (wstun_tun_parent_class)->finalize (object);
}

static void
wstun_tun_class_init (WstunTunClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wstun_tun_finalize;
}

static void
wstun_tun_init (WstunTun *self)
{
  self->fd = -1;
}
