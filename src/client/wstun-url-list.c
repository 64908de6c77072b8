/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-url-list.h"

#include <glib/gi18n.h>

#include "wstun-error.h"
#include "wstun-handshake.h"
#include "wstun-printable.h"

/* at most this many characters of a bad URL are quoted in a message */
#define QUOTE_CHARS 48

struct _WstunUrlList {
  GStrv urls;
  guint length;
  guint current;
};

gboolean
wstun_url_list_check (const char *const *urls, gboolean *tls, GError **error)
{
  guint length;
  gboolean first_tls = FALSE;

  g_return_val_if_fail (urls != NULL, FALSE);

  length = g_strv_length ((char **) urls);
  if (length == 0) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("No relay URL given"));
    return FALSE;
  }
  if (length > WSTUN_URL_LIST_MAX) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("%u relay URLs given, at most %d are taken"), length, WSTUN_URL_LIST_MAX);
    return FALSE;
  }
  for (guint i = 0; i < length; i++) {
    g_autofree char *shown = wstun_printable_prefix (urls[i], -1, QUOTE_CHARS);
    gboolean is_tls = FALSE;

    /* its message quotes the URL */
    if (!wstun_handshake_check_url (urls[i], &is_tls, error))
      return FALSE;
    if (i == 0) {
      first_tls = is_tls;
    } else if (is_tls != first_tls) {
      g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                   _ ("The relay URLs mix ws:// and wss:// (“%s”): give all relays the same "
                      "scheme, or a random pick decides whether the token travels encrypted"),
                   shown);
      return FALSE;
    }
    for (guint j = 0; j < i; j++) {
      if (g_strcmp0 (urls[j], urls[i]) == 0) {
        g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                     _ ("The relay URL “%s” is given twice"), shown);
        return FALSE;
      }
    }
  }
  if (tls != NULL)
    *tls = first_tls;
  return TRUE;
}

WstunUrlList *
wstun_url_list_new (const char *const *urls, GError **error)
{
  WstunUrlList *list;

  if (!wstun_url_list_check (urls, NULL, error))
    return NULL;
  list = g_new0 (WstunUrlList, 1);
  list->urls = g_strdupv ((char **) urls);
  list->length = g_strv_length (list->urls);
  return list;
}

void
wstun_url_list_free (WstunUrlList *list)
{
  if (list == NULL)
    return;
  g_strfreev (list->urls);
  g_free (list);
}

guint
wstun_url_list_get_length (const WstunUrlList *list)
{
  g_return_val_if_fail (list != NULL, 0);
  return list->length;
}

const char *const *
wstun_url_list_get_urls (const WstunUrlList *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  return (const char *const *) list->urls;
}

const char *
wstun_url_list_get_current (const WstunUrlList *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  return list->urls[list->current];
}

guint
wstun_url_list_get_index (const WstunUrlList *list)
{
  g_return_val_if_fail (list != NULL, 0);
  return list->current;
}

const char *
wstun_url_list_start_random (WstunUrlList *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  list->current = (guint) g_random_int_range (0, (gint32) list->length);
  return wstun_url_list_get_current (list);
}

const char *
wstun_url_list_advance (WstunUrlList *list)
{
  g_return_val_if_fail (list != NULL, NULL);
  list->current = (list->current + 1) % list->length;
  return wstun_url_list_get_current (list);
}
