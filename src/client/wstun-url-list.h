/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-url-list.h: the relays one connection may use (README, "Several
 * relays")
 *
 * A connection takes one or more relay URLs: independent relays, or the
 * members of a cluster, which know a client's resume id wherever it went
 * before. It starts at a random one, so that clients given the same list
 * spread over the relays, and moves to the next one, round robin, after
 * each failed attempt and each lost session. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At most this many URLs in a list: a cluster's entry points, not a
 * directory of relays (data/org.wstun.xml documents it) */
#define WSTUN_URL_LIST_MAX 16

/* Whether @urls can be a list: 1 to WSTUN_URL_LIST_MAX URLs, each a ws://
 * or wss:// URL (wstun_handshake_check_url()), none given twice, all of
 * one scheme (a random pick must not decide whether the token travels
 * encrypted). @tls (optional) says whether they are wss://. The message
 * quotes the URL at fault. */
gboolean wstun_url_list_check (const char *const *urls, gboolean *tls, GError **error);

typedef struct _WstunUrlList WstunUrlList;

/* A list of @urls (checked with wstun_url_list_check()), at the first */
WstunUrlList *wstun_url_list_new (const char *const *urls, GError **error);
void wstun_url_list_free (WstunUrlList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunUrlList, wstun_url_list_free)

guint wstun_url_list_get_length (const WstunUrlList *list);
/* The URLs in their given order */
const char *const *wstun_url_list_get_urls (const WstunUrlList *list);
/* The URL in use; valid as long as the list */
const char *wstun_url_list_get_current (const WstunUrlList *list);
guint wstun_url_list_get_index (const WstunUrlList *list);

/* Starts at a random URL (g_random_int_range ()); returns it. */
const char *wstun_url_list_start_random (WstunUrlList *list);
/* Moves to the URL after the current one, the first after the last;
 * returns it. With one URL, that is the same again. */
const char *wstun_url_list_advance (WstunUrlList *list);

G_END_DECLS
