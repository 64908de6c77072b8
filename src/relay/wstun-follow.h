/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-follow.h: a prefix of etcd, mirrored into the relay
 *
 * Reads every key under a prefix, then follows its changes with a watch.
 * When the watch ends (etcd stopped, the connection broke, the revision
 * was compacted) the prefix is read again a second later and compared
 * with what was seen, so the owner hears of every key that changed or went
 * meanwhile, and never misses one. Until etcd answers, the owner keeps
 * what it has: forwarding never waits on etcd.
 */
#pragma once

#include "wstun-etcd.h"

G_BEGIN_DECLS

/* @key was set to @kv, or deleted (@kv NULL) */
typedef void (*WstunFollowFunc) (const char *key, const WstunEtcdKv *kv, gpointer user_data);

/* The prefix has been read whole (after the start, and after each break) */
typedef void (*WstunFollowSyncedFunc) (gpointer user_data);

typedef struct _WstunFollow WstunFollow;

WstunFollow *wstun_follow_new (WstunEtcd *etcd, const char *prefix, WstunFollowFunc func,
                               gpointer user_data);
/* Stops following; @func is not called again */
void wstun_follow_free (WstunFollow *follow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunFollow, wstun_follow_free)

void wstun_follow_set_synced_func (WstunFollow *follow, WstunFollowSyncedFunc func,
                                   gpointer user_data);
void wstun_follow_start (WstunFollow *follow);
/* Whether the prefix has been read at least once */
gboolean wstun_follow_is_synced (WstunFollow *follow);
/* Keys known under the prefix */
guint wstun_follow_get_n_keys (WstunFollow *follow);

G_END_DECLS
