/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-driver.c: runs a libFuzzer harness without libFuzzer
 *
 * Usage: fuzz-HARNESS PATH...
 *
 * Feeds every file given, and every file in every directory given (not
 * recursively, in name order, skipping hidden files such as .gitkeep), to
 * LLVMFuzzerTestOneInput() once. Builds without -Dfuzzing (gcc, the ASan
 * build of check.sh) use it to replay the seed corpora and the regression
 * inputs as unit tests. Each input is passed in a buffer of exactly its
 * size, as libFuzzer does, so AddressSanitizer sees a read past its end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static gboolean
run_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *exact = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, &error)) {
    g_printerr ("%s\n", error->message);
    return FALSE;
  }
  /* g_file_get_contents() adds a NUL the harness must not be able to rely on */
  exact = g_memdup2 (contents, len);
  g_print ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  fflush (stdout);
  LLVMFuzzerTestOneInput (exact, len);
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Runs every file of @path in name order; returns how many, or -1. */
static int
run_dir (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  int count = 0;

  if (dir == NULL) {
    g_printerr ("%s\n", error->message);
    return -1;
  }
  while ((name = g_dir_read_name (dir)) != NULL) {
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *file = g_build_filename (path, names->pdata[i], NULL);

    if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
      continue;
    if (!run_file (file))
      return -1;
    count++;
  }
  return count;
}

int
main (int argc, char **argv)
{
  int total = 0;

  if (argc < 2) {
    g_printerr ("Usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
    return EXIT_FAILURE;
  }
  for (int i = 1; i < argc; i++) {
    int n;

    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      n = run_dir (argv[i]);
    } else if (g_file_test (argv[i], G_FILE_TEST_IS_REGULAR)) {
      n = run_file (argv[i]) ? 1 : -1;
    } else {
      g_printerr ("%s: no such file or directory\n", argv[i]);
      n = -1;
    }
    if (n < 0)
      return EXIT_FAILURE;
    total += n;
  }
  g_print ("%d inputs ran\n", total);
  return EXIT_SUCCESS;
}
