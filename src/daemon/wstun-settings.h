/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-settings.h: the settings of one connection, as org.wstun.Connect
 * takes them (a{sv}, keys in wstun-dbus-names.h), checked in one place for
 * both the D-Bus service and `wstund --connect`.
 *
 * Checking comes in three steps, cheapest first, so that a hostile caller
 * costs as little as possible: wstun_settings_new_from_variant() checks
 * types, lengths, characters, the URL and the pin without touching a file
 * or the network (the D-Bus service runs it before asking polkit);
 * wstun_settings_check_caller() checks what depends on who calls (ca-file is
 * root's); wstun_settings_load_async() reads and parses the CA
 * certificates in a worker thread. */
#pragma once

#include <gio/gio.h>

#include "wstun-connection.h"

G_BEGIN_DECLS

/* Bounds of the mtu setting; 0 means the relay's. These are the TUN
 * driver's own limits. */
#define WSTUN_SETTINGS_MTU_MIN 68
#define WSTUN_SETTINGS_MTU_MAX 65535

/* Bounds of the strings, in bytes (data/org.wstun.xml documents them). A
 * URL past 2 kB is refused by many HTTP servers; a bearer token is far
 * shorter (wstun's are 47 bytes); PATH_MAX is 4096. */
#define WSTUN_SETTINGS_URL_MAX   2048
#define WSTUN_SETTINGS_TOKEN_MAX 1024
#define WSTUN_SETTINGS_PIN_MAX   128
#define WSTUN_SETTINGS_PATH_MAX  4096
/* at most this many characters of a bad value are quoted in a message */
#define WSTUN_SETTINGS_QUOTE_CHARS 48

typedef struct {
  char *url;    /* the first of urls, for messages */
  GStrv urls;   /* the relays: url alone, or urls (wstun-url-list.h) */
  gboolean tls; /* wss:// (all of them) */
  char *token;  /* NULL: none */
  GBytes *ca;   /* PEM text of "ca"; dropped once loaded */
  char *ca_file;
  char *pin_sha256; /* normalized */
  char *interface;
  gboolean manage_ip;
  gboolean reconnect;
  guint mtu;
  gboolean bind_to_caller;
  GTlsDatabase *ca_database; /* from ca or ca-file, by wstun_settings_load_async() */
} WstunSettings;

/* Parses and checks @settings (a{sv}). Unknown keys, wrong types and invalid
 * values fail with WSTUN_ERROR_INVALID_ARGS and a message naming the key.
 * Opens no file. */
WstunSettings *wstun_settings_new_from_variant (GVariant *settings, GError **error);
void wstun_settings_free (WstunSettings *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunSettings, wstun_settings_free)

/* Whether the user @uid may use @settings: ca-file is read by wstund, as
 * root, so it is root's alone (WSTUN_ERROR_NOT_AUTHORIZED for others). */
gboolean wstun_settings_check_caller (const WstunSettings *settings, guint uid, GError **error);

/* Loads the CA certificates of ca or ca-file, if any, into ca_database,
 * in a worker thread. Fails with WSTUN_ERROR_INVALID_ARGS naming the key. */
void wstun_settings_load_async (WstunSettings *settings, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean wstun_settings_load_finish (WstunSettings *settings, GAsyncResult *result, GError **error);

/* A connection (not started) configured with @settings, which must have
 * been loaded when they name CA certificates. */
WstunConnection *wstun_settings_create_connection (const WstunSettings *settings, GError **error);

G_END_DECLS
