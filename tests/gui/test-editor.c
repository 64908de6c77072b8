/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The wstun VPN editor as nm-connection-editor (GTK3) and GNOME Settings
 * (GTK4) get it: through libnm's plugin API, from the build tree's
 * libnm-vpn-plugin-wstun.so, which loads the editor library of the GTK this
 * program is linked with. Built once per toolkit; tests/gui/test-gui.sh runs
 * it under Xvfb.
 *
 * Environment: WSTUN_BUILDDIR (the build tree), WSTUN_SCREENSHOT_DIR
 * (where the PNGs go), WSTUN_LOCALEDIR (a directory of LANG/LC_MESSAGES/
 * wstun.mo to use instead of the installed one), WSTUN_TEST_LANG (the
 * language the labels are expected in; "en" or unset for none). */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <NetworkManager.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "nm-wstun-keys.h"

#define PIN   "q4xVGSwhGjwZ1Ic5ZzJBfU5Zf4M2TDIJUYXsc4/7hGU="
#define TOKEN "wst_3q2-7Yc_office"

#if GTK_CHECK_VERSION(4, 0, 0)
#define TOOLKIT "gtk4"
#else
#define TOOLKIT "gtk3"
#endif

static NMVpnEditorPlugin *plugin;
static const char *screenshot_dir;
static const char *test_lang;

/* ---- GTK3/GTK4 shims ---- */

#if GTK_CHECK_VERSION(4, 0, 0)
static const char *
widget_id (GtkWidget *widget)
{
  return GTK_IS_BUILDABLE (widget) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)) : NULL;
}

static void
for_each_child (GtkWidget *widget, void (*func) (GtkWidget *, gpointer), gpointer data)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    func (c, data);
  /* a closed expander's child is out of the tree */
  if (GTK_IS_EXPANDER (widget) && !gtk_expander_get_expanded (GTK_EXPANDER (widget)) &&
      gtk_expander_get_child (GTK_EXPANDER (widget)) != NULL)
    func (gtk_expander_get_child (GTK_EXPANDER (widget)), data);
}

static void
set_text (GtkWidget *widget, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (widget), text);
}

static const char *
get_text (GtkWidget *widget)
{
  return gtk_editable_get_text (GTK_EDITABLE (widget));
}

static gboolean
has_error_style (GtkWidget *widget)
{
  return gtk_widget_has_css_class (widget, "error");
}

static GtkWidget *
window_new (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_title (GTK_WINDOW (window), "wstun");
  gtk_window_set_child (GTK_WINDOW (window), child);
  return window;
}

static void
window_show (GtkWidget *window)
{
  gtk_window_present (GTK_WINDOW (window));
}

static void
window_destroy (GtkWidget *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
show_all (GtkWidget *window)
{
  (void) window; /* GTK4 has no gtk_widget_show_all () */
}

static GtkWidget *
window_get_focus (GtkWidget *window)
{
  return gtk_window_get_focus (GTK_WINDOW (window));
}

static void
save_png (GtkWidget *window, const char *path)
{
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static const char *
widget_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_EXPANDER (widget))
    return gtk_expander_get_label (GTK_EXPANDER (widget));
  if (GTK_IS_CHECK_BUTTON (widget))
    return gtk_check_button_get_label (GTK_CHECK_BUTTON (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  return NULL;
}

static void
frame_painted (GdkFrameClock *clock, gint64 *when)
{
  if (*when == 0)
    *when = g_get_monotonic_time ();
  (void) clock;
}

/* The first frame with the editor in it: the frame clock's first paint
 * after the editor is mapped */
static void
editor_mapped (GtkWidget *widget, gint64 *when)
{
  g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint", G_CALLBACK (frame_painted),
                    when);
}

static void
watch_first_frame (GtkWidget *widget, gint64 *when)
{
  g_signal_connect (widget, "map", G_CALLBACK (editor_mapped), when);
}

static void
unwatch_first_frame (GtkWidget *widget, gint64 *when)
{
  g_signal_handlers_disconnect_by_data (gtk_widget_get_frame_clock (widget), when);
  g_signal_handlers_disconnect_by_data (widget, when);
}

/* Waits for the next frame of @window, laid out and painted */
static void
next_frame (GtkWidget *window, gint64 *when)
{
  *when = 0;
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (frame_painted),
                    when);
  gtk_widget_queue_draw (window);
}

static void
next_frame_done (GtkWidget *window, gint64 *when)
{
  g_signal_handlers_disconnect_by_data (gtk_widget_get_frame_clock (window), when);
}

static void
assert_accessible (GtkWidget *field, GtkWidget *label, GtkWidget *error)
{
  char *diff;

  diff = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (field),
                                             GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL);
  if (diff != NULL)
    g_error ("%s is not labelled by %s: %s", widget_id (field), widget_id (label), diff);
  g_assert_true (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (field),
                                                   GTK_ACCESSIBLE_RELATION_DESCRIBED_BY));
  (void) error;
}

static void
assert_accessible_invalid (GtkWidget *field, gboolean invalid)
{
  char *diff = gtk_test_accessible_check_state (
    GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_STATE_INVALID,
    invalid ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE);

  if (diff != NULL)
    g_error ("%s: accessible state invalid is %s", widget_id (field), diff);
}

/* The file chooser dialog that GtkFileChooserNative opens without a portal */
static GtkWidget *
find_file_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++) {
    g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

    if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
      return GTK_WIDGET (window);
  }
  return NULL;
}

/* Activates @label's mnemonic as its key would */
static void
activate_mnemonic (GtkWidget *window, GtkWidget *label)
{
  (void) window;
  g_assert_true (gtk_widget_mnemonic_activate (label, FALSE));
}
#else
static const char *
widget_id (GtkWidget *widget)
{
  return GTK_IS_BUILDABLE (widget) ? gtk_buildable_get_name (GTK_BUILDABLE (widget)) : NULL;
}

static void
for_each_child (GtkWidget *widget, void (*func) (GtkWidget *, gpointer), gpointer data)
{
  if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), (GtkCallback) func, data);
}

static void
set_text (GtkWidget *widget, const char *text)
{
  gtk_entry_set_text (GTK_ENTRY (widget), text);
}

static const char *
get_text (GtkWidget *widget)
{
  return gtk_entry_get_text (GTK_ENTRY (widget));
}

static gboolean
has_error_style (GtkWidget *widget)
{
  return gtk_style_context_has_class (gtk_widget_get_style_context (widget), "error");
}

static GtkWidget *
window_new (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new (GTK_WINDOW_TOPLEVEL);

  gtk_window_set_title (GTK_WINDOW (window), "wstun");
  gtk_container_add (GTK_CONTAINER (window), child);
  return window;
}

static void
window_show (GtkWidget *window)
{
  gtk_window_present (GTK_WINDOW (window));
}

static void
window_destroy (GtkWidget *window)
{
  gtk_widget_destroy (window);
}

/* as nm-connection-editor's dialog may be shown */
static void
show_all (GtkWidget *window)
{
  gtk_widget_show_all (window);
}

static GtkWidget *
window_get_focus (GtkWidget *window)
{
  return gtk_window_get_focus (GTK_WINDOW (window));
}

static void
save_png (GtkWidget *window, const char *path)
{
  int w = gtk_widget_get_allocated_width (window), h = gtk_widget_get_allocated_height (window);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (surface);

  gtk_widget_draw (window, cr);
  cairo_destroy (cr);

  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
}

static const char *
widget_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_EXPANDER (widget))
    return gtk_expander_get_label (GTK_EXPANDER (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  return NULL;
}

static gboolean
editor_drawn (GtkWidget *widget, cairo_t *cr, gint64 *when)
{
  if (*when == 0)
    *when = g_get_monotonic_time ();
  (void) widget;
  (void) cr;
  return FALSE;
}

static void
watch_first_frame (GtkWidget *widget, gint64 *when)
{
  g_signal_connect_after (widget, "draw", G_CALLBACK (editor_drawn), when);
}

static void
unwatch_first_frame (GtkWidget *widget, gint64 *when)
{
  g_signal_handlers_disconnect_by_data (widget, when);
}

/* Waits for the next frame of @window, laid out and painted */
static void
next_frame (GtkWidget *window, gint64 *when)
{
  *when = 0;
  g_signal_connect_after (window, "draw", G_CALLBACK (editor_drawn), when);
  gtk_widget_queue_draw (window);
}

static void
next_frame_done (GtkWidget *window, gint64 *when)
{
  g_signal_handlers_disconnect_by_data (window, when);
}

static gboolean
has_relation (GtkWidget *field, AtkRelationType type, GtkWidget *target)
{
  g_autoptr (AtkRelationSet) set = atk_object_ref_relation_set (gtk_widget_get_accessible (field));
  AtkRelation *relation = atk_relation_set_get_relation_by_type (set, type);
  GPtrArray *targets = relation != NULL ? atk_relation_get_target (relation) : NULL;

  for (guint i = 0; targets != NULL && i < targets->len; i++) {
    if (g_ptr_array_index (targets, i) == gtk_widget_get_accessible (target))
      return TRUE;
  }
  return FALSE;
}

static void
assert_accessible (GtkWidget *field, GtkWidget *label, GtkWidget *error)
{
  if (!has_relation (field, ATK_RELATION_LABELLED_BY, label))
    g_error ("%s is not labelled by %s", widget_id (field), widget_id (label));
  if (!has_relation (field, ATK_RELATION_DESCRIBED_BY, error))
    g_error ("%s is not described by its error label", widget_id (field));
  g_assert_cmpstr (atk_object_get_name (gtk_widget_get_accessible (field)), ==,
                   gtk_label_get_text (GTK_LABEL (label)));
}

static void
assert_accessible_invalid (GtkWidget *field, gboolean invalid)
{
  (void) field;
  (void) invalid; /* ATK gets no "invalid" state from GTK3 widgets */
}

/* The file chooser dialog that GtkFileChooserNative opens without a portal */
static GtkWidget *
find_file_chooser (void)
{
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next) {
    if (GTK_IS_FILE_CHOOSER_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  }
  return NULL;
}

/* Activates @label's mnemonic as Alt and its key would */
static void
activate_mnemonic (GtkWidget *window, GtkWidget *label)
{
  guint key = gtk_label_get_mnemonic_keyval (GTK_LABEL (label));

  g_assert_true (gtk_window_mnemonic_activate (GTK_WINDOW (window), key, GDK_MOD1_MASK));
}
#endif

/* ---- helpers ---- */

static void
find_cb (GtkWidget *widget, gpointer data)
{
  gpointer *args = data;

  if (args[1] != NULL)
    return;
  if (g_strcmp0 (widget_id (widget), args[0]) == 0) {
    args[1] = widget;
    return;
  }
  for_each_child (widget, find_cb, data);
}

static GtkWidget *
find (GtkWidget *root, const char *id)
{
  gpointer args[2] = { (gpointer) id, NULL };

  find_cb (root, args);
  if (args[1] == NULL)
    g_error ("the editor has no widget “%s”", id);
  return args[1];
}

static gboolean
wake_up (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @done, 10 s at most */
static void
iterate (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint timer = g_timeout_add (100, wake_up, NULL);

  while (!done (data)) {
    if (g_get_monotonic_time () > deadline)
      g_error ("the main loop did not get there in 10 s");
    g_main_context_iteration (NULL, TRUE);
  }
  g_source_remove (timer);
}

static gboolean
nonzero (gpointer data)
{
  return *(gint64 *) data != 0;
}

static gboolean
window_active (gpointer window)
{
  return gtk_window_is_active (GTK_WINDOW (window));
}

static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static NMConnection *
sample_connection (void)
{
  NMConnection *c = nm_simple_connection_new ();
  NMSetting *s_con = nm_setting_connection_new ();
  NMSetting *s_vpn = nm_setting_vpn_new ();

  g_object_set (s_con, NM_SETTING_CONNECTION_ID, "wstun-office", NM_SETTING_CONNECTION_UUID,
                "0cd1e1b2-7f3b-4a37-9f3a-5b8e0a3c1d42", NM_SETTING_CONNECTION_TYPE,
                NM_SETTING_VPN_SETTING_NAME, NULL);
  /* persistent and timeout are not the editor's: they must stay */
  g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WSTUN_SERVICE_TYPE,
                NM_SETTING_VPN_PERSISTENT, TRUE, NM_SETTING_VPN_TIMEOUT, 30, NULL);
  nm_setting_vpn_add_data_item (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_URL,
                                "wss://relay.example.net:8443/tunnel");
  nm_setting_vpn_add_data_item (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_CA_FILE,
                                "/etc/wstun/office-ca.pem");
  nm_setting_vpn_add_data_item (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_PIN_SHA256, PIN);
  nm_setting_vpn_add_data_item (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_MTU, "1400");
  nm_setting_vpn_add_secret (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_TOKEN, TOKEN);
  nm_setting_set_secret_flags (s_vpn, NM_WSTUN_KEY_TOKEN, NM_SETTING_SECRET_FLAG_AGENT_OWNED, NULL);
  nm_connection_add_setting (c, s_con);
  nm_connection_add_setting (c, s_vpn);
  return c;
}

typedef struct {
  NMVpnEditor *editor;
  GtkWidget *widget;
  GtkWidget *window;
  guint changed;
  gint64 t_editor;  /* get_editor() returned */
  gint64 t_painted; /* first frame with the editor */
} Shown;

static void
editor_changed (NMVpnEditor *editor, Shown *shown)
{
  (void) editor;
  shown->changed++;
}

/* get_editor(), the widget in a window, shown until its first frame */
static void
show_editor (Shown *shown, NMConnection *connection)
{
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  *shown = (Shown){ 0 };
  shown->editor = nm_vpn_editor_plugin_get_editor (plugin, connection, &error);
  g_assert_no_error (error);
  g_assert_true (NM_IS_VPN_EDITOR (shown->editor));
  shown->t_editor = g_get_monotonic_time ();
  shown->widget = GTK_WIDGET (nm_vpn_editor_get_widget (shown->editor));
  g_assert_true (GTK_IS_WIDGET (shown->widget));
  g_signal_connect (shown->editor, "changed", G_CALLBACK (editor_changed), shown);

  shown->window = window_new (shown->widget);
  watch_first_frame (shown->widget, &shown->t_painted);
  window_show (shown->window);
  iterate (nonzero, &shown->t_painted);
  unwatch_first_frame (shown->widget, &shown->t_painted);
  /* the keyboard's focus, as a window manager gives it: Xvfb has none, and
   * presenting a mapped window sets the X input focus */
  gtk_window_present (GTK_WINDOW (shown->window));
  iterate (window_active, shown->window);
  drain ();
  g_test_message ("%s: get_editor %.1f ms, to the first frame %.1f ms", TOOLKIT,
                  (shown->t_editor - t0) / 1000.0, (shown->t_painted - t0) / 1000.0);
  shown->t_editor -= t0;
  shown->t_painted -= t0;
}

static void
hide_editor (Shown *shown)
{
  window_destroy (shown->window);
  drain ();
  g_clear_object (&shown->editor);
}

static void
screenshot (Shown *shown, const char *what)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  gint64 painted = 0;

  /* without the selection that focus brings, laid out and painted */
  if (GTK_IS_EDITABLE (window_get_focus (shown->window)))
    gtk_editable_select_region (GTK_EDITABLE (window_get_focus (shown->window)), 0, 0);
  gtk_window_set_focus (GTK_WINDOW (shown->window), NULL);
  /* a few frames, with what they queue handled in between: a change of
   * focus or of a label may queue a new layout after the first, and a
   * widget snapshot before it is laid out draws stale (GTK warns) */
  for (int i = 0; i < 3; i++) {
    next_frame (shown->window, &painted);
    iterate (nonzero, &painted);
    next_frame_done (shown->window, &painted);
    while (g_main_context_pending (NULL))
      g_main_context_iteration (NULL, FALSE);
  }
  name = g_strdup_printf ("editor-%s%s%s%s%s.png", TOOLKIT, what[0] ? "-" : "", what,
                          test_lang != NULL ? "-" : "", test_lang != NULL ? test_lang : "");
  path = g_build_filename (screenshot_dir, name, NULL);
  save_png (shown->window, path);
  g_test_message ("screenshot: %s", path);
}

/* @id is marked, with its reason, which names @word, under it */
static const char *
assert_marked (Shown *shown, const char *id, const char *error_id, const char *word)
{
  GtkWidget *field = find (shown->widget, id);
  GtkWidget *why = find (shown->widget, error_id);
  const char *text = gtk_label_get_text (GTK_LABEL (why));

  g_assert_true (has_error_style (field));
  assert_accessible_invalid (field, TRUE);
  g_assert_true (gtk_widget_get_visible (why));
  g_assert_cmpstr (text, !=, "");
  /* the words are English: a translated run checks that there is a reason */
  if (test_lang == NULL && strstr (text, word) == NULL)
    g_error ("%s: “%s” does not say “%s”", id, text, word);
  return text;
}

/* update_connection() fails with the reason @id is marked with */
static void
assert_refused (Shown *shown, NMConnection *connection, const char *id, const char *error_id,
                const char *word)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (nm_vpn_editor_update_connection (shown->editor, connection, &error));
  g_assert_nonnull (error);
  /* under the field, what is wrong; the error names the key too */
  g_assert_true (g_str_has_suffix (error->message, assert_marked (shown, id, error_id, word)));
  g_test_message ("%s: %s", id, error->message);
}

static void
assert_accepted (Shown *shown, NMConnection *connection)
{
  static const char *const fields[][2] = {
    { "url_entry", "url_error" }, { "token_entry", "token_error" }, { "ca_entry", "ca_error" },
    { "pin_entry", "pin_error" }, { "mtu_spin", "mtu_error" },
  };
  g_autoptr (GError) error = NULL;

  g_assert_true (nm_vpn_editor_update_connection (shown->editor, connection, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    g_assert_false (has_error_style (find (shown->widget, fields[i][0])));
    assert_accessible_invalid (find (shown->widget, fields[i][0]), FALSE);
    g_assert_false (gtk_widget_get_visible (find (shown->widget, fields[i][1])));
  }
}

/* ---- tests ---- */

/* What the editor shows is what it saves: vpn.data, the token and its
 * flags, and what it does not show */
static void
test_round_trip (void)
{
  g_autoptr (NMConnection) original = sample_connection ();
  g_autoptr (NMConnection) copy = nm_simple_connection_new_clone (original);
  NMSettingVpn *s_vpn;
  Shown shown;

  show_editor (&shown, original);
  g_assert_cmpstr (get_text (find (shown.widget, "url_entry")), ==,
                   "wss://relay.example.net:8443/tunnel");
  g_assert_cmpstr (get_text (find (shown.widget, "token_entry")), ==, TOKEN);
  g_assert_cmpstr (get_text (find (shown.widget, "ca_entry")), ==, "/etc/wstun/office-ca.pem");
  g_assert_cmpstr (get_text (find (shown.widget, "pin_entry")), ==, PIN);
  g_assert_cmpstr (get_text (find (shown.widget, "mtu_spin")), ==, "1400");
  /* an MTU is set: "Advanced" is open */
  g_assert_true (
    gtk_expander_get_expanded (GTK_EXPANDER (find (shown.widget, "advanced_expander"))));
  g_assert_cmpuint (shown.changed, ==, 0);

  /* the labels that explain an error or ws:// stay hidden */
  show_all (shown.window);
  g_assert_false (gtk_widget_get_visible (find (shown.widget, "url_error")));
  g_assert_false (gtk_widget_get_visible (find (shown.widget, "url_warning")));
  g_assert_false (gtk_widget_get_visible (find (shown.widget, "mtu_error")));

  /* what the copy had is replaced by the editor's */
  s_vpn = nm_connection_get_setting_vpn (copy);
  nm_setting_vpn_add_data_item (s_vpn, NM_WSTUN_KEY_URL, "wss://elsewhere.example");
  nm_setting_vpn_remove_data_item (s_vpn, NM_WSTUN_KEY_MTU);
  nm_setting_vpn_add_secret (s_vpn, NM_WSTUN_KEY_TOKEN, "stale");
  assert_accepted (&shown, copy);
  g_assert_true (nm_setting_compare (NM_SETTING (nm_connection_get_setting_vpn (original)),
                                     NM_SETTING (nm_connection_get_setting_vpn (copy)),
                                     NM_SETTING_COMPARE_FLAG_EXACT));
  g_assert_true (nm_connection_compare (original, copy, NM_SETTING_COMPARE_FLAG_EXACT));
  g_assert_cmpuint (shown.changed, ==, 0);

  screenshot (&shown, "");
  hide_editor (&shown);
}

/* Each wrong field is marked and explained as it is typed, and the
 * connection cannot be saved until it is right again */
static void
test_validation (void)
{
  static const struct {
    const char *id, *error_id, *bad, *word;
  } cases[] = {
    { "url_entry", "url_error", "http://relay.example.net", "wss://" },
    { "url_entry", "url_error", "wss://user:pw@relay.example.net", "token" },
    { "pin_entry", "pin_error", "not-a-pin", "SHA-256" },
    { "ca_entry", "ca_error", "office-ca.pem", "absolute" },
    { "token_entry", "token_error", "two words", "token" },
    { "mtu_spin", "mtu_error", "30", "68" },
  };
  g_autoptr (NMConnection) original = sample_connection ();
  g_autoptr (NMConnection) copy = nm_simple_connection_new_clone (original);
  Shown shown;

  show_editor (&shown, original);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    GtkWidget *field = find (shown.widget, cases[i].id);
    g_autofree char *good = g_strdup (get_text (field));
    guint changed = shown.changed;

    set_text (field, cases[i].bad);
    g_assert_cmpuint (shown.changed, >, changed);
    assert_refused (&shown, copy, cases[i].id, cases[i].error_id, cases[i].word);
    set_text (field, good);
    assert_accepted (&shown, copy);
  }
  g_assert_true (nm_connection_compare (original, copy, NM_SETTING_COMPARE_FLAG_EXACT));

  /* ws:// is not wrong, but the editor says what it means */
  g_assert_false (gtk_widget_get_visible (find (shown.widget, "url_warning")));
  set_text (find (shown.widget, "url_entry"), "ws://198.18.0.1:8080");
  assert_accepted (&shown, copy);
  g_assert_true (gtk_widget_get_visible (find (shown.widget, "url_warning")));
  screenshot (&shown, "ws");
  set_text (find (shown.widget, "url_entry"), "wss://relay.example.net:8443/tunnel");
  g_assert_false (gtk_widget_get_visible (find (shown.widget, "url_warning")));

  /* two at once, each with its own reason: the screenshot of errors */
  set_text (find (shown.widget, "url_entry"), "http://relay.example.net");
  set_text (find (shown.widget, "pin_entry"), "not-a-pin");
  assert_refused (&shown, copy, "url_entry", "url_error", "wss://");
  assert_marked (&shown, "pin_entry", "pin_error", "SHA-256");
  screenshot (&shown, "errors");
  hide_editor (&shown);
}

/* A new connection: nothing is marked, it cannot be saved without a URL,
 * and its token is kept by the user's agent */
static void
test_new (void)
{
  g_autoptr (NMConnection) connection = nm_simple_connection_new ();
  g_autoptr (GError) error = NULL;
  NMSetting *s_vpn = nm_setting_vpn_new ();
  NMSettingSecretFlags flags = 0;
  Shown shown;

  g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WSTUN_SERVICE_TYPE, NULL);
  nm_connection_add_setting (connection, s_vpn);
  show_editor (&shown, connection);
  g_assert_false (
    gtk_expander_get_expanded (GTK_EXPANDER (find (shown.widget, "advanced_expander"))));
  g_assert_false (nm_vpn_editor_update_connection (shown.editor, connection, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, NM_WSTUN_KEY_URL));
  g_test_message ("no URL: %s", error->message);
  g_assert_false (has_error_style (find (shown.widget, "url_entry")));
  g_clear_error (&error);

  set_text (find (shown.widget, "url_entry"), "wss://relay.example.net");
  assert_accepted (&shown, connection);
  s_vpn = NM_SETTING (nm_connection_get_setting_vpn (connection));
  g_assert_cmpstr (nm_setting_vpn_get_data_item (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_URL), ==,
                   "wss://relay.example.net");
  g_assert_true (nm_setting_get_secret_flags (s_vpn, NM_WSTUN_KEY_TOKEN, &flags, NULL));
  g_assert_cmpint (flags, ==, NM_SETTING_SECRET_FLAG_AGENT_OWNED);
  g_assert_null (nm_setting_vpn_get_secret (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_TOKEN));
  /* url and token-flags, nothing else */
  g_assert_cmpuint (nm_setting_vpn_get_num_data_items (NM_SETTING_VPN (s_vpn)), ==, 2);

  /* the caller drops the editor before its dialog: the fields stay usable */
  g_clear_object (&shown.editor);
  set_text (find (shown.widget, "url_entry"), "ws://");
  hide_editor (&shown);
}

static NMSettingSecretFlags
saved_token (Shown *shown, NMConnection *connection, const char **token)
{
  NMSettingSecretFlags flags = 0;
  NMSetting *s_vpn;

  assert_accepted (shown, connection);
  s_vpn = NM_SETTING (nm_connection_get_setting_vpn (connection));
  g_assert_true (nm_setting_get_secret_flags (s_vpn, NM_WSTUN_KEY_TOKEN, &flags, NULL));
  *token = nm_setting_vpn_get_secret (NM_SETTING_VPN (s_vpn), NM_WSTUN_KEY_TOKEN);
  return flags;
}

/* libnma's storage menu: for all users, for this user, ask every time,
 * not required; the token is saved only when it is stored */
static void
test_token_storage (void)
{
  g_autoptr (NMConnection) connection = sample_connection ();
  const char *token = NULL;
  GtkWidget *entry;
  Shown shown;

  show_editor (&shown, connection);
  entry = find (shown.widget, "token_entry");

  nma_utils_update_password_storage (entry, NM_SETTING_SECRET_FLAG_NOT_SAVED, NULL, NULL);
  g_assert_cmpint (saved_token (&shown, connection, &token), ==, NM_SETTING_SECRET_FLAG_NOT_SAVED);
  g_assert_null (token);
  nma_utils_update_password_storage (entry, NM_SETTING_SECRET_FLAG_NOT_REQUIRED, NULL, NULL);
  g_assert_cmpint (saved_token (&shown, connection, &token), ==,
                   NM_SETTING_SECRET_FLAG_NOT_REQUIRED);
  g_assert_null (token);
  nma_utils_update_password_storage (entry, NM_SETTING_SECRET_FLAG_NONE, NULL, NULL);
  g_assert_cmpint (saved_token (&shown, connection, &token), ==, NM_SETTING_SECRET_FLAG_NONE);
  g_assert_cmpstr (token, ==, TOKEN);
  nma_utils_update_password_storage (entry, NM_SETTING_SECRET_FLAG_AGENT_OWNED, NULL, NULL);
  g_assert_cmpint (saved_token (&shown, connection, &token), ==,
                   NM_SETTING_SECRET_FLAG_AGENT_OWNED);
  g_assert_cmpstr (token, ==, TOKEN);
  hide_editor (&shown);
}

static gboolean
file_chooser_shown (gpointer data)
{
  (void) data;
  return find_file_chooser () != NULL;
}

/* The chooser has @data selected: its folder is loaded */
static gboolean
file_chooser_selects (gpointer data)
{
  g_autoptr (GFile) selected = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (find_file_chooser ()));

  return selected != NULL && g_file_equal (selected, data);
}

static gboolean
file_chooser_gone (gpointer data)
{
  (void) data;
  return find_file_chooser () == NULL;
}

/* "Choose…" opens a file chooser over the editor's window, and the file
 * chosen is the CA file */
static void
test_ca_chooser (void)
{
  g_autoptr (NMConnection) connection = sample_connection ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wstun-gui-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr (GFile) file = NULL;
  GtkWidget *chooser;
  Shown shown;

  g_assert_no_error (error);
  path = g_build_filename (dir, "office-ca.pem", NULL);
  g_assert_true (g_file_set_contents (path, "-----BEGIN CERTIFICATE-----\n", -1, NULL));
  file = g_file_new_for_path (path);

  show_editor (&shown, connection);
  gtk_widget_activate (find (shown.widget, "ca_button"));
  iterate (file_chooser_shown, NULL);
  chooser = find_file_chooser ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (chooser)) == GTK_WINDOW (shown.window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (chooser)));
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, NULL));
  iterate (file_chooser_selects, file);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  iterate (file_chooser_gone, NULL);
  g_assert_cmpstr (get_text (find (shown.widget, "ca_entry")), ==, path);
  assert_accepted (&shown, connection);
  g_assert_cmpstr (
    nm_setting_vpn_get_data_item (nm_connection_get_setting_vpn (connection), NM_WSTUN_KEY_CA_FILE),
    ==, path);

  /* opens on the file in the entry; cancelled, the entry stays as it is
   * (once the chooser is loaded: GTK 4.8 reports its cancelled loading in
   * a dialog of its own) */
  gtk_widget_activate (find (shown.widget, "ca_button"));
  iterate (file_chooser_shown, NULL);
  iterate (file_chooser_selects, file);
  gtk_dialog_response (GTK_DIALOG (find_file_chooser ()), GTK_RESPONSE_CANCEL);
  iterate (file_chooser_gone, NULL);
  g_assert_cmpstr (get_text (find (shown.widget, "ca_entry")), ==, path);
  hide_editor (&shown);
  g_unlink (path);
  g_rmdir (dir);
}

static void
collect_mnemonics (GtkWidget *widget, gpointer data)
{
  GHashTable *keys = data;

  if (GTK_IS_LABEL (widget) && gtk_label_get_use_underline (GTK_LABEL (widget)) &&
      gtk_widget_is_drawable (widget)) {
    guint key = gdk_keyval_to_lower (gtk_label_get_mnemonic_keyval (GTK_LABEL (widget)));
    const char *other = g_hash_table_lookup (keys, GUINT_TO_POINTER (key));

    g_assert_cmpuint (key, !=, GDK_KEY_VoidSymbol);
    if (other != NULL)
      g_error ("“%s” and “%s” have the same mnemonic", other,
               gtk_label_get_label (GTK_LABEL (widget)));
    g_hash_table_insert (keys, GUINT_TO_POINTER (key),
                         (gpointer) gtk_label_get_label (GTK_LABEL (widget)));
  }
  for_each_child (widget, collect_mnemonics, data);
}

/* The field @focus is in, by its id: focus may be inside it (GTK4's GtkText) */
static const char *
focused_id (GtkWidget *window)
{
  for (GtkWidget *w = window_get_focus (window); w != NULL; w = gtk_widget_get_parent (w)) {
    const char *id = widget_id (w);

    if (id != NULL && (g_str_has_suffix (id, "_entry") || g_str_has_suffix (id, "_spin") ||
                       g_str_has_suffix (id, "_check") || g_str_has_suffix (id, "_button") ||
                       g_str_has_suffix (id, "_hint") || g_str_has_suffix (id, "_expander")))
      return id;
  }
  return "(none)";
}

/* Every field has a label with a mnemonic of its own, which focuses it;
 * Tab goes through the fields top to bottom; screen readers get each
 * field's label and description */
static void
test_keyboard_accessible (void)
{
  static const char *const fields[][3] = {
    { "url_label", "url_entry", "url_error" }, { "token_label", "token_entry", "token_error" },
    { "ca_label", "ca_entry", "ca_error" },    { "pin_label", "pin_entry", "pin_error" },
    { "mtu_label", "mtu_spin", "mtu_error" },
  };
  static const char *const tab_order[] = { "url_entry", "token_entry",       "show_token_check",
                                           "ca_entry",  "ca_button",         "pin_entry",
                                           "pin_hint",  "advanced_expander", "mtu_spin" };
  g_autoptr (NMConnection) connection = sample_connection ();
  g_autoptr (GHashTable) keys = g_hash_table_new (NULL, NULL);
  g_autoptr (GString) order = g_string_new (NULL);
  Shown shown;

  show_editor (&shown, connection);
  collect_mnemonics (shown.widget, keys);
  /* URL, token, show token, CA file, choose, pin, advanced, MTU */
  g_assert_cmpuint (g_hash_table_size (keys), ==, 8);

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
    GtkWidget *label = find (shown.widget, fields[i][0]);
    GtkWidget *field = find (shown.widget, fields[i][1]);

    g_assert_true (gtk_label_get_mnemonic_widget (GTK_LABEL (label)) == field);
    activate_mnemonic (shown.window, label);
    drain ();
    g_assert_cmpstr (focused_id (shown.window), ==, fields[i][1]);
    assert_accessible (field, label, find (shown.widget, fields[i][2]));
  }

  gtk_window_set_focus (GTK_WINDOW (shown.window), NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (tab_order); i++) {
    g_assert_true (gtk_widget_child_focus (shown.window, GTK_DIR_TAB_FORWARD));
    g_string_append_printf (order, "%s%s", i > 0 ? " " : "", focused_id (shown.window));
  }
  g_test_message ("Tab: %s", order->str);
  for (gsize i = 0; i < G_N_ELEMENTS (tab_order); i++)
    g_assert_nonnull (strstr (order->str, tab_order[i]));
  {
    g_autofree char *expected = g_strjoinv (" ", (char **) tab_order);

    g_assert_cmpstr (order->str, ==, expected);
  }
  hide_editor (&shown);
}

/* The labels are in the language asked for, when wstun.mo has them */
static void
test_translation (void)
{
  static const char *const labels[][2] = {
    { "general_heading", "General" },
    { "url_label", "Relay _URL" },
    { "token_label", "_Token" },
    { "show_token_check", "Sho_w token" },
    { "certificate_heading", "Relay certificate (wss://)" },
    { "ca_label", "CA _file" },
    { "ca_button", "C_hoose…" },
    { "ca_hint", "Trust only the certificate authorities in this file; empty: the system's." },
    { "pin_label", "Key _pin (SHA-256)" },
    { "advanced_expander", "_Advanced" },
    { "mtu_label", "_MTU" },
    { "mtu_hint", "bytes; 0: the relay's" },
  };
  g_autoptr (NMConnection) connection = sample_connection ();
  guint translated = 0;
  Shown shown;

  show_editor (&shown, connection);
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++) {
    const char *shows = widget_label (find (shown.widget, labels[i][0]));
    const char *expected = g_dgettext (GETTEXT_PACKAGE, labels[i][1]);

    if (test_lang == NULL) {
      g_assert_cmpstr (shows, ==, labels[i][1]);
    } else if (expected != labels[i][1] && strcmp (expected, labels[i][1]) != 0) {
      g_assert_cmpstr (shows, ==, expected);
      translated++;
    }
  }
  if (test_lang != NULL)
    g_test_message ("%s: %u of %zu labels translated", test_lang, translated,
                    G_N_ELEMENTS (labels));
  hide_editor (&shown);
  if (test_lang != NULL && translated == 0)
    g_test_skip ("wstun.mo has none of the editor's labels in this language");
}

int
main (int argc, char **argv)
{
  const char *builddir = g_getenv ("WSTUN_BUILDDIR");
  const char *localedir = g_getenv ("WSTUN_LOCALEDIR");
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
#if GTK_CHECK_VERSION(4, 0, 0)
  gtk_init ();
#else
  gtk_init (&argc, &argv);
#endif
  /* no transitions: a screenshot shows the state, not the way to it */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_assert_nonnull (builddir);
  test_lang = g_getenv ("WSTUN_TEST_LANG");
  if (test_lang != NULL && (*test_lang == '\0' || g_str_equal (test_lang, "en")))
    test_lang = NULL;
  screenshot_dir = g_getenv ("WSTUN_SCREENSHOT_DIR");
  if (screenshot_dir == NULL)
    screenshot_dir = builddir;

  /* as GNOME Settings and nm-connection-editor load it */
  path = g_build_filename (builddir, "nm-plugin", "libnm-vpn-plugin-wstun.so", NULL);
  plugin =
    nm_vpn_editor_plugin_load_from_file (path, NM_WSTUN_SERVICE_TYPE, -1, NULL, NULL, &error);
  g_assert_no_error (error);
  /* after the plugin's factory bound the installed one */
  if (localedir != NULL)
    bindtextdomain (GETTEXT_PACKAGE, localedir);

  g_test_add_func ("/editor/" TOOLKIT "/round-trip", test_round_trip);
  g_test_add_func ("/editor/" TOOLKIT "/validation", test_validation);
  g_test_add_func ("/editor/" TOOLKIT "/new", test_new);
  g_test_add_func ("/editor/" TOOLKIT "/token-storage", test_token_storage);
  g_test_add_func ("/editor/" TOOLKIT "/ca-chooser", test_ca_chooser);
  g_test_add_func ("/editor/" TOOLKIT "/keyboard-accessible", test_keyboard_accessible);
  g_test_add_func ("/editor/" TOOLKIT "/translation", test_translation);
  return g_test_run ();
}
