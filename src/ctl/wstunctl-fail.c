/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How wstunctl reports failures: an exit status per kind of error, and the
 * error as text on stderr or, with --json, as {"error": {"name": ...,
 * "message": ...}} on stdout, so that a script reading stdout always gets
 * JSON. Names are wstund's D-Bus error names (org.wstun.Error.NotFound)
 * or, for what wstunctl finds itself, "wstunctl.Usage" and the like. */
#include "config.h"

#include "wstunctl.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "wstun-dbus-error.h"
#include "wstun-printable.h"

G_DEFINE_QUARK (wstunctl - error - quark, wstunctl_error)

WstunCtlExit
wstunctl_error_status (const GError *error)
{
  if (error->domain == WSTUNCTL_ERROR)
    return (WstunCtlExit) error->code;
  if (error->domain == WSTUN_DBUS_ERROR) {
    switch ((WstunDBusError) error->code) {
    case WSTUN_DBUS_ERROR_INVALID_ARGS:
      return WSTUNCTL_EXIT_USAGE;
    case WSTUN_DBUS_ERROR_NOT_AUTHORIZED:
      return WSTUNCTL_EXIT_NOT_AUTHORIZED;
    case WSTUN_DBUS_ERROR_NOT_FOUND:
      return WSTUNCTL_EXIT_NOT_FOUND;
    case WSTUN_DBUS_ERROR_LIMIT_EXCEEDED:
      return WSTUNCTL_EXIT_LIMIT;
    case WSTUN_DBUS_ERROR_FAILED:
    default:
      return WSTUNCTL_EXIT_FAILED;
    }
  }
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return WSTUNCTL_EXIT_NOT_AUTHORIZED;
  /* a remote error of a name we do not know: wstund failed */
  if (g_dbus_error_is_remote_error (error) && error->domain != G_DBUS_ERROR)
    return WSTUNCTL_EXIT_FAILED;
  if (error->domain == G_DBUS_ERROR || error->domain == G_IO_ERROR)
    return WSTUNCTL_EXIT_UNAVAILABLE;
  return WSTUNCTL_EXIT_FAILED;
}

static const char *
status_name (WstunCtlExit status)
{
  switch (status) {
  case WSTUNCTL_EXIT_USAGE:
    return "Usage";
  case WSTUNCTL_EXIT_NOT_AUTHORIZED:
    return "NotAuthorized";
  case WSTUNCTL_EXIT_NOT_FOUND:
    return "NotFound";
  case WSTUNCTL_EXIT_UNAVAILABLE:
    return "Unavailable";
  case WSTUNCTL_EXIT_LIMIT:
    return "LimitExceeded";
  case WSTUNCTL_EXIT_OK:
  case WSTUNCTL_EXIT_FAILED:
  case WSTUNCTL_EXIT_SIGNAL_BASE:
  default:
    return status > WSTUNCTL_EXIT_SIGNAL_BASE ? "Interrupted" : "Failed";
  }
}

char *
wstunctl_error_name (const GError *error)
{
  char *name;

  if (error->domain == WSTUNCTL_ERROR)
    return g_strconcat ("wstunctl.", status_name ((WstunCtlExit) error->code), NULL);
  /* what the service or the bus answered, by its D-Bus name */
  name = g_dbus_error_get_remote_error (error);
  if (name != NULL)
    return name;
  if (error->domain == WSTUN_DBUS_ERROR || error->domain == G_DBUS_ERROR)
    return g_dbus_error_encode_gerror (error);
  /* GIO's own errors (no bus, ...) have no D-Bus name worth showing */
  return g_strconcat ("wstunctl.", status_name (wstunctl_error_status (error)), NULL);
}

void
wstunctl_build_error (JsonBuilder *builder, const GError *error)
{
  g_autoptr (GError) copy = g_error_copy (error);
  g_autofree char *name = wstunctl_error_name (error);

  g_dbus_error_strip_remote_error (copy);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "message");
  /* a message may quote the command line, which need not be UTF-8 */
  if (g_utf8_validate (copy->message, -1, NULL)) {
    json_builder_add_string_value (builder, copy->message);
  } else {
    g_autofree char *valid = g_utf8_make_valid (copy->message, -1);
    json_builder_add_string_value (builder, valid);
  }
  json_builder_end_object (builder);
}

static void
print_json_error (const GError *error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  wstunctl_build_error (builder, error);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  wstunctl_print_json_line (node);
}

int
wstunctl_fail (WstunCtl *ctl, const GError *error)
{
  g_autoptr (GError) copy = NULL;
  g_autofree char *message = NULL;
  WstunCtlExit status = wstunctl_error_status (error);

  if (ctl != NULL && ctl->json) {
    print_json_error (error);
    return status;
  }
  copy = g_error_copy (error);
  g_dbus_error_strip_remote_error (copy);
  /* the message may quote what the service said */
  message = wstun_printable (copy->message, -1);
  if (status == WSTUNCTL_EXIT_UNAVAILABLE) {
    g_autofree char *unavailable = g_strdup_printf (_ ("cannot reach wstund: %s"), message);
    g_printerr ("wstunctl: %s\n", unavailable);
  } else {
    g_printerr ("wstunctl: %s\n", message);
  }
  return status;
}

int
wstunctl_fail_message (WstunCtl *ctl, WstunCtlExit status, const char *format, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (WSTUNCTL_ERROR, status, format, args);
  va_end (args);
  return wstunctl_fail (ctl, error);
}

void
wstunctl_warn (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("wstunctl: %s %s\n", _ ("warning:"), message);
}
