/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstunctl.h: what the wstunctl commands share */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wstun-dbus-generated.h"

G_BEGIN_DECLS

/* Exit statuses (documented in wstunctl(1)). */
typedef enum {
  WSTUNCTL_EXIT_OK = 0,
  WSTUNCTL_EXIT_FAILED = 1,         /* the operation failed: e.g. the connection failed */
  WSTUNCTL_EXIT_USAGE = 2,          /* invalid command line or settings (InvalidArgs) */
  WSTUNCTL_EXIT_NOT_AUTHORIZED = 3, /* NotAuthorized, or the bus refused the call */
  WSTUNCTL_EXIT_NOT_FOUND = 4,      /* no such connection, or none at all */
  WSTUNCTL_EXIT_UNAVAILABLE = 5,    /* wstund cannot be reached or started */
} WstunCtlExit;

typedef struct {
  GBusType bus_type;
  gboolean json;
  gboolean session;
} WstunCtl;

/* The options every command takes (--json, --session). */
GOptionGroup *wstunctl_global_options (WstunCtl *ctl);
/* Parses a command's options; prints the problem and returns FALSE. */
gboolean wstunctl_parse (GOptionContext *context, WstunCtl *ctl, int *argc, char ***argv);

/* Prints @error (without the D-Bus error name) and returns the exit status
 * that goes with it. */
int wstunctl_fail (const GError *error);
int wstunctl_fail_message (WstunCtlExit status, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* The connections, by object path; starts wstund when it can be activated. */
GPtrArray *wstunctl_get_connections (WstunCtl *ctl, GError **error);
/* The connection @which names: an object path, its number N, or its
 * interface; NULL for "the only one". */
WstunExportedConnection *wstunctl_find_connection (GPtrArray *connections, const char *which,
                                                   GError **error);
/* Calls a method of wstund, allowing polkit to ask for a password. */
GVariant *wstunctl_call (WstunCtl *ctl, const char *path, const char *interface, const char *method,
                         GVariant *parameters, GError **error);

/* A connection's properties as JSON (an object) or as text. */
void wstunctl_print_json (JsonNode *node);
/* Prints a JSON object of string members: name, value, ..., NULL. */
void wstunctl_print_json_strings (const char *name, const char *value, ...) G_GNUC_NULL_TERMINATED;
JsonNode *wstunctl_connection_to_json (WstunExportedConnection *connection);
void wstunctl_print_connection (WstunExportedConnection *connection);

int wstunctl_connect (WstunCtl *ctl, int argc, char **argv);
int wstunctl_disconnect (WstunCtl *ctl, int argc, char **argv);
int wstunctl_status (WstunCtl *ctl, int argc, char **argv);
int wstunctl_list (WstunCtl *ctl, int argc, char **argv);

G_END_DECLS
