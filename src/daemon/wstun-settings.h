/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-settings.h: the settings of one connection, as org.wstun.Connect
 * takes them (a{sv}, keys in wstun-dbus-names.h), checked in one place for
 * both the D-Bus service and `wstund --connect`. */
#pragma once

#include <gio/gio.h>

#include "wstun-connection.h"

G_BEGIN_DECLS

/* Bounds of the mtu setting; 0 means the relay's. These are the TUN
 * driver's own limits. */
#define WSTUN_SETTINGS_MTU_MIN 68
#define WSTUN_SETTINGS_MTU_MAX 65535

typedef struct {
  char *url;
  char *token; /* NULL: none */
  char *ca_file;
  char *pin_sha256;
  char *interface;
  gboolean manage_ip;
  guint mtu;
  gboolean bind_to_caller;
} WstunSettings;

/* Parses and checks @settings (a{sv}). Unknown keys, wrong types and invalid
 * values fail with WSTUN_ERROR_INVALID_ARGS and a message naming the key. */
WstunSettings *wstun_settings_new_from_variant (GVariant *settings, GError **error);
void wstun_settings_free (WstunSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunSettings, wstun_settings_free)

/* A connection (not started) configured with @settings. Fails with
 * WSTUN_ERROR_INVALID_ARGS for a URL or key pin the client core refuses. */
WstunConnection *wstun_settings_create_connection (const WstunSettings *settings, GError **error);

G_END_DECLS
