/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wstun-ca.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wstun-error.h"
#include "wstun-fd-io.h"

#define PEM_CERTIFICATE "-----BEGIN CERTIFICATE-----"

/* At most WSTUN_CA_MAX_SIZE bytes of a regular file. O_NONBLOCK: a FIFO
 * or a device must not hang the thread before fstat() tells what it is. */
static GBytes *
read_bounded (const char *path, GError **error)
{
  GBytes *bytes;
  struct stat st;
  int fd, saved;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    saved = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _ ("cannot open it: %s"),
                 g_strerror (saved));
    return NULL;
  }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("it is not a regular file"));
    return NULL;
  }
  if (st.st_size > WSTUN_CA_MAX_SIZE) {
    close (fd);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("it is larger than %d bytes"),
                 WSTUN_CA_MAX_SIZE);
    return NULL;
  }
  /* it may have grown since fstat(): the bound is on what is read */
  bytes = wstun_fd_read_bounded (fd, WSTUN_CA_MAX_SIZE);
  saved = errno;
  close (fd);
  if (bytes == NULL && saved == EFBIG) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("it is larger than %d bytes"),
                 WSTUN_CA_MAX_SIZE);
  } else if (bytes == NULL) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _ ("cannot read it: %s"),
                 g_strerror (saved));
  }
  return bytes;
}

/* data of "wstun-ca-memfd": the descriptor plus one, as 0 would be NULL */
static void
close_fd (gpointer fd_plus_one)
{
  close (GPOINTER_TO_INT (fd_plus_one) - 1);
}

/* GIO reads CA certificates only from files (g_tls_file_database_new()):
 * the PEM text goes into an anonymous memory file, which no other process
 * can see and which is gone with the database. */
static GTlsDatabase *
database_from_pem (GBytes *pem, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autolist (GTlsCertificate) certificates = NULL;
  g_autofree char *path = NULL;
  GTlsDatabase *database;
  gsize len;
  const guint8 *data = g_bytes_get_data (pem, &len);
  int fd;

  if (len > WSTUN_CA_MAX_SIZE) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS, _ ("it is larger than %d bytes"),
                 WSTUN_CA_MAX_SIZE);
    return NULL;
  }
  if (len == 0 || g_strstr_len ((const char *) data, (gssize) len, PEM_CERTIFICATE) == NULL) {
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("it holds no PEM certificate (“%s”)"), PEM_CERTIFICATE);
    return NULL;
  }
  fd = memfd_create ("wstun-ca", MFD_CLOEXEC);
  if (fd < 0 || !wstun_fd_write_all (fd, data, len)) {
    int saved = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_FAILED,
                 _ ("cannot keep the CA certificates in memory: %s"), g_strerror (saved));
    return NULL;
  }
  path = g_strdup_printf ("/proc/self/fd/%d", fd);
  certificates = g_tls_certificate_list_new_from_file (path, &local);
  if (certificates == NULL) {
    close (fd);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("it holds no valid PEM certificate%s%s"), local != NULL ? ": " : "",
                 local != NULL ? local->message : "");
    return NULL;
  }
  database = g_tls_file_database_new (path, &local);
  if (database == NULL) {
    close (fd);
    g_set_error (error, WSTUN_ERROR, WSTUN_ERROR_INVALID_ARGS,
                 _ ("its certificates cannot be used: %s"), local->message);
    return NULL;
  }
  /* glib-networking reads the file again for every TLS handshake: the
   * memory file lives as long as the database */
  g_object_set_data_full (G_OBJECT (database), "wstun-ca-memfd", GINT_TO_POINTER (fd + 1),
                          close_fd);
  return database;
}

GTlsDatabase *
wstun_ca_load (GBytes *pem, const char *path, GError **error)
{
  g_autoptr (GBytes) file = NULL;

  g_return_val_if_fail (pem != NULL || path != NULL, NULL);

  if (pem == NULL) {
    file = read_bounded (path, error);
    if (file == NULL)
      return NULL;
    pem = file;
  }
  return database_from_pem (pem, error);
}

typedef struct {
  GBytes *pem;
  char *path;
} Load;

static void
load_free (Load *load)
{
  g_clear_pointer (&load->pem, g_bytes_unref);
  g_free (load->path);
  g_free (load);
}

static void
load_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Load *load = task_data;
  GError *error = NULL;
  GTlsDatabase *database;

  (void) source;
  (void) cancellable;
  database = wstun_ca_load (load->pem, load->path, &error);
  if (database == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, database, g_object_unref);
}

void
wstun_ca_load_async (GBytes *pem, const char *path, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Load *load;

  g_return_if_fail (pem != NULL || path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  load = g_new0 (Load, 1);
  load->pem = pem != NULL ? g_bytes_ref (pem) : NULL;
  load->path = g_strdup (path);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_in_thread);
}

GTlsDatabase *
wstun_ca_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
