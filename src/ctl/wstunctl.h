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
  WSTUNCTL_EXIT_LIMIT = 6,          /* LimitExceeded: too many connections or calls */
  /* 128 + the signal that interrupted a command (130 SIGINT, 143 SIGTERM) */
  WSTUNCTL_EXIT_SIGNAL_BASE = 128,
} WstunCtlExit;

/* Errors that wstunctl itself finds, reported like wstund's under the
 * names "wstunctl.Failed", "wstunctl.Usage", ...; the code is the exit
 * status. */
#define WSTUNCTL_ERROR (wstunctl_error_quark ())
GQuark wstunctl_error_quark (void);

typedef struct {
  GBusType bus_type;
  gboolean json;
  gboolean session;
} WstunCtl;

/* Parses a command's options (the global ones, --json and --session,
 * included); prints the problem and returns FALSE. */
gboolean wstunctl_parse (GOptionContext *context, WstunCtl *ctl, int *argc, char ***argv);

/* Reports @error, as text on stderr or with --json as {"error": {"name",
 * "message"}} on stdout, and returns the exit status that goes with it. */
int wstunctl_fail (WstunCtl *ctl, const GError *error);
int wstunctl_fail_message (WstunCtl *ctl, WstunCtlExit status, const char *format, ...)
  G_GNUC_PRINTF (3, 4);
/* The exit status for @error, and its name in JSON output */
WstunCtlExit wstunctl_error_status (const GError *error);
char *wstunctl_error_name (const GError *error);
/* The {"name", "message"} object of @error for JSON output */
void wstunctl_build_error (JsonBuilder *builder, const GError *error);
/* Prints "wstunctl: warning: ..." on stderr (also with --json) */
void wstunctl_warn (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Text that came from the service, safe to print: control characters
 * escaped (wstun_printable()), "-" for NULL or empty when @dash */
char *wstunctl_text (const char *text, gboolean dash);

/* The connections, by object path; starts wstund when it can be activated. */
GPtrArray *wstunctl_get_connections (WstunCtl *ctl, GError **error);
/* Sorts connection proxies by their number */
void wstunctl_sort_connections (GPtrArray *connections);
/* The connection @which names: an object path, its number N, or its
 * interface; NULL for "the only one". */
WstunExportedConnection *wstunctl_find_connection (GPtrArray *connections, const char *which,
                                                   GError **error);
/* Connect and Disconnect may wait for a person typing a password. */
#define WSTUNCTL_CALL_TIMEOUT_MS (5 * 60 * 1000)
/* Calls a method of wstund, allowing polkit to ask for a password. */
GVariant *wstunctl_call (WstunCtl *ctl, const char *path, const char *interface, const char *method,
                         GVariant *parameters, GError **error);

/* JSON output: pretty for one result, one line per event (monitor) */
void wstunctl_print_json (JsonNode *node);
void wstunctl_print_json_line (JsonNode *node);
/* Prints a JSON object of string members: name, value, ..., NULL. */
void wstunctl_print_json_strings (const char *name, const char *value, ...) G_GNUC_NULL_TERMINATED;
/* A connection's properties as members of the JSON object being built */
void wstunctl_build_connection_members (JsonBuilder *builder, WstunExportedConnection *connection);
JsonNode *wstunctl_connection_to_json (WstunExportedConnection *connection);
void wstunctl_print_connection (WstunExportedConnection *connection);
/* "root", or "uid 1234" when the uid has no name */
char *wstunctl_user_name (guint uid);

/* The PEM text of the CA certificates in @path, read as the caller,
 * at most WSTUN_SETTING_CA_MAX bytes, from a regular file only */
GBytes *wstunctl_read_ca_file (const char *path, GError **error);

/* SIGINT and SIGTERM while a command waits: they quit @loop (if not
 * NULL) and are remembered instead of killing wstunctl, until
 * wstunctl_interrupt_free() restores their default action. */
typedef struct _WstunCtlInterrupt WstunCtlInterrupt;
WstunCtlInterrupt *wstunctl_interrupt_new (GMainLoop *loop);
/* The signal that came (the last one), or 0 */
int wstunctl_interrupt_get_signal (WstunCtlInterrupt *interrupt);
/* How many came */
guint wstunctl_interrupt_get_count (WstunCtlInterrupt *interrupt);
void wstunctl_interrupt_free (WstunCtlInterrupt *interrupt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunCtlInterrupt, wstunctl_interrupt_free)

int wstunctl_connect (WstunCtl *ctl, int argc, char **argv);
int wstunctl_disconnect (WstunCtl *ctl, int argc, char **argv);
int wstunctl_status (WstunCtl *ctl, int argc, char **argv);
int wstunctl_list (WstunCtl *ctl, int argc, char **argv);
int wstunctl_monitor (WstunCtl *ctl, int argc, char **argv);

G_END_DECLS
