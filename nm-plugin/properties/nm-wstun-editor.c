/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The wstun VPN editor: relay URL, token (with libnma's storage menu), CA
 * file, key pin and, under "Advanced", the MTU. One source for GTK3 and
 * GTK4 (nm-plugin/meson.build builds it twice); the few calls that differ
 * are the shims below. Every change is checked at once with the checks the
 * service and the importer use (shared/nm-wstun-settings.c): a wrong field
 * is marked, the reason is shown under it, and update_connection() fails
 * with it, so that the caller does not save. */
#include "config.h"

#include "nm-wstun-editor.h"

#include <glib/gi18n-lib.h>
#include <gtk/gtk.h>
#include <nma-ui-utils.h>
#include <string.h>

#include "nm-wstun-keys.h"
#include "nm-wstun-settings.h"

/* How to compute a pin, shown under its field: a line ending in "|" goes
 * on, so the three lines can be pasted into a shell as they are. */
#define PIN_COMMAND                                                                                \
  "openssl x509 -in relay.pem -noout -pubkey |\n"                                                  \
  "  openssl pkey -pubin -outform DER |\n"                                                         \
  "  openssl dgst -sha256 -binary | base64"

/* ---- GTK3/GTK4 shims ---- */

#if GTK_CHECK_VERSION(4, 0, 0)
static const char *
widget_get_text (GtkWidget *widget)
{
  return gtk_editable_get_text (GTK_EDITABLE (widget));
}

static void
widget_set_text (GtkWidget *widget, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (widget), text);
}

static void
widget_set_error_style (GtkWidget *widget, gboolean error)
{
  if (error)
    gtk_widget_add_css_class (widget, "error");
  else
    gtk_widget_remove_css_class (widget, "error");
  gtk_accessible_update_state (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_STATE_INVALID,
                               error ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE,
                               -1);
}

static gboolean
check_button_get_active (GtkWidget *button)
{
  return gtk_check_button_get_active (GTK_CHECK_BUTTON (button));
}

static GtkWindow *
widget_get_window (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* What screen readers get: @label names @widget (as its mnemonic widget
 * does already), @hint and @error describe it */
static void
widget_set_accessible (GtkWidget *widget, GtkWidget *label, GtkWidget *hint, GtkWidget *error)
{
  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  if (hint != NULL)
    gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                    hint, error, NULL, -1);
  else
    gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                    error, NULL, -1);
}

static void
widget_set_accessible_description (GtkWidget *widget, const char *description)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
}

static void
widget_keep_hidden (GtkWidget *widget)
{
  (void) widget; /* GTK4 has no gtk_widget_show_all() */
}
#else
static const char *
widget_get_text (GtkWidget *widget)
{
  return gtk_entry_get_text (GTK_ENTRY (widget));
}

static void
widget_set_text (GtkWidget *widget, const char *text)
{
  gtk_entry_set_text (GTK_ENTRY (widget), text);
}

static void
widget_set_error_style (GtkWidget *widget, gboolean error)
{
  GtkStyleContext *style = gtk_widget_get_style_context (widget);

  if (error)
    gtk_style_context_add_class (style, "error");
  else
    gtk_style_context_remove_class (style, "error");
}

static gboolean
check_button_get_active (GtkWidget *button)
{
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button));
}

static GtkWindow *
widget_get_window (GtkWidget *widget)
{
  GtkWidget *toplevel = gtk_widget_get_toplevel (widget);

  return GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL;
}

static void
add_relation (GtkWidget *widget, AtkRelationType type, GtkWidget *target)
{
  atk_object_add_relationship (gtk_widget_get_accessible (widget), type,
                               gtk_widget_get_accessible (target));
}

/* ATK has "labelled-by" from the label's mnemonic widget already, but
 * not the name */
static void
widget_set_accessible (GtkWidget *widget, GtkWidget *label, GtkWidget *hint, GtkWidget *error)
{
  atk_object_set_name (gtk_widget_get_accessible (widget), gtk_label_get_text (GTK_LABEL (label)));
  if (hint != NULL) {
    add_relation (widget, ATK_RELATION_DESCRIBED_BY, hint);
    add_relation (hint, ATK_RELATION_DESCRIPTION_FOR, widget);
  }
  add_relation (widget, ATK_RELATION_DESCRIBED_BY, error);
  add_relation (error, ATK_RELATION_DESCRIPTION_FOR, widget);
}

static void
widget_set_accessible_description (GtkWidget *widget, const char *description)
{
  atk_object_set_description (gtk_widget_get_accessible (widget), description);
}

/* A label shown only when it has something to say stays hidden when the
 * caller shows its dialog with gtk_widget_show_all() (the .ui cannot say
 * so: GTK4 has no "no-show-all") */
static void
widget_keep_hidden (GtkWidget *widget)
{
  gtk_widget_set_no_show_all (widget, TRUE);
}
#endif

/* ---- the editor ---- */

struct _NMWstunEditor {
  GObject parent_instance;

  GtkBuilder *builder;
  GtkWidget *widget; /* the whole editor, what get_widget() returns */
  GtkWidget *url_entry;
  GtkWidget *token_entry;
  GtkWidget *ca_entry;
  GtkWidget *pin_entry;
  GtkWidget *mtu_spin;
  GtkNativeDialog *ca_chooser; /* while it is open */
};

static void editor_interface_init (NMVpnEditorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NMWstunEditor, nm_wstun_editor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (NM_TYPE_VPN_EDITOR, editor_interface_init))

static GtkWidget *
get (NMWstunEditor *self, const char *id)
{
  GObject *object = gtk_builder_get_object (self->builder, id);

  g_assert (GTK_IS_WIDGET (object)); /* the .ui is built in */
  return GTK_WIDGET (object);
}

/* The text of an entry, without the spaces a paste brings around it */
static char *
entry_text (GtkWidget *entry)
{
  return g_strstrip (g_strdup (widget_get_text (entry)));
}

/* The MTU as vpn.data holds it: NULL for 0, the relay's */
static char *
mtu_text (NMWstunEditor *self)
{
  g_autofree char *text = entry_text (self->mtu_spin);

  return *text == '\0' || g_str_equal (text, "0") ? NULL : g_steal_pointer (&text);
}

static NMSettingSecretFlags
token_flags (NMWstunEditor *self)
{
  return nma_utils_menu_to_secret_flags (self->token_entry);
}

/* The token, unless it is asked for every time or not needed */
static char *
token_text (NMWstunEditor *self)
{
  g_autofree char *token = entry_text (self->token_entry);

  if (*token == '\0' || (token_flags (self) &
                         (NM_SETTING_SECRET_FLAG_NOT_SAVED | NM_SETTING_SECRET_FLAG_NOT_REQUIRED)))
    return NULL;
  return g_steal_pointer (&token);
}

/* Checks one field with the shared checks, marks it and shows why under it
 * (the field names the key); the first failure goes to @error, whole. An empty field is no item,
 * and fine (a missing URL is reported by update_connection(), not marked: a new connection's empty
 * form is not wrong). */
static gboolean
check_field (NMWstunEditor *self, GtkWidget *field, const char *error_id, const char *key,
             const char *value, gboolean secret, GError **error)
{
  g_autoptr (GError) local = NULL;
  GtkWidget *label = get (self, error_id);
  gboolean ok;

  if (value == NULL || *value == '\0')
    ok = TRUE;
  else if (secret)
    ok = nm_wstun_check_secret (key, value, &local);
  else
    ok = nm_wstun_check_data_item (key, value, &local);
  widget_set_error_style (field, !ok);
  gtk_label_set_text (GTK_LABEL (label), ok ? "" : nm_wstun_check_reason (local, key));
  gtk_widget_set_visible (label, !ok);
  if (!ok && error != NULL && *error == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

/* Checks every field, so that each shows its state */
static gboolean
check_fields (NMWstunEditor *self, GError **error)
{
  g_autofree char *url = entry_text (self->url_entry);
  g_autofree char *token = token_text (self);
  g_autofree char *ca = entry_text (self->ca_entry);
  g_autofree char *pin = entry_text (self->pin_entry);
  g_autofree char *mtu = mtu_text (self);
  gboolean ok;

  ok = check_field (self, self->url_entry, "url_error", NM_WSTUN_KEY_URL, url, FALSE, error);
  /* not wrong, but to be known before a token crosses the network */
  gtk_widget_set_visible (get (self, "url_warning"),
                          ok && g_ascii_strncasecmp (url, "ws://", strlen ("ws://")) == 0);
  ok &=
    check_field (self, self->token_entry, "token_error", NM_WSTUN_KEY_TOKEN, token, TRUE, error);
  ok &= check_field (self, self->ca_entry, "ca_error", NM_WSTUN_KEY_CA_FILE, ca, FALSE, error);
  ok &=
    check_field (self, self->pin_entry, "pin_error", NM_WSTUN_KEY_PIN_SHA256, pin, FALSE, error);
  ok &= check_field (self, self->mtu_spin, "mtu_error", NM_WSTUN_KEY_MTU, mtu, FALSE, error);
  return ok;
}

static void
field_changed (NMWstunEditor *self)
{
  check_fields (self, NULL);
  g_signal_emit_by_name (self, "changed");
}

static void
show_token_toggled (GtkWidget *check, NMWstunEditor *self)
{
  gtk_entry_set_visibility (GTK_ENTRY (self->token_entry), check_button_get_active (check));
}

static void
ca_chooser_response (GtkNativeDialog *chooser, int response, NMWstunEditor *self)
{
  if (response == GTK_RESPONSE_ACCEPT) {
    g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
    g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

    if (path != NULL)
      widget_set_text (self->ca_entry, path); /* "changed" checks it */
  }
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->ca_chooser);
}

static void
ca_button_clicked (GtkWidget *button, NMWstunEditor *self)
{
  g_autofree char *current = entry_text (self->ca_entry);
  GtkFileFilter *filter;
  GtkFileChooser *chooser;

  (void) button;
  if (self->ca_chooser != NULL) {
    gtk_native_dialog_show (self->ca_chooser);
    return;
  }
  self->ca_chooser = GTK_NATIVE_DIALOG (gtk_file_chooser_native_new (
    _ ("Choose the Relay's Certificate Authorities"), widget_get_window (self->widget),
    GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Choose"), _ ("_Cancel")));
  gtk_native_dialog_set_modal (self->ca_chooser, TRUE);
  chooser = GTK_FILE_CHOOSER (self->ca_chooser);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("PEM certificates (*.pem, *.crt)"));
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_chooser_add_filter (chooser, filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (chooser, filter);

  if (g_path_is_absolute (current) && g_file_test (current, G_FILE_TEST_IS_REGULAR)) {
    g_autoptr (GFile) file = g_file_new_for_path (current);

    gtk_file_chooser_set_file (chooser, file, NULL);
  }
  g_signal_connect (self->ca_chooser, "response", G_CALLBACK (ca_chooser_response), self);
  gtk_native_dialog_show (self->ca_chooser);
}

static GObject *
get_widget (NMVpnEditor *editor)
{
  return G_OBJECT (NM_WSTUN_EDITOR (editor)->widget);
}

/* Sets a data item from a field's text, or takes it away */
static void
set_item (NMSettingVpn *s_vpn, const char *key, const char *value)
{
  if (value != NULL && *value != '\0')
    nm_setting_vpn_add_data_item (s_vpn, key, value);
  else
    nm_setting_vpn_remove_data_item (s_vpn, key);
}

static gboolean
update_connection (NMVpnEditor *editor, NMConnection *connection, GError **error)
{
  NMWstunEditor *self = NM_WSTUN_EDITOR (editor);
  NMSettingVpn *old = nm_connection_get_setting_vpn (connection);
  g_autoptr (NMSetting) setting = NULL;
  NMSettingVpn *s_vpn;
  g_autofree char *url = entry_text (self->url_entry);
  g_autofree char *token = token_text (self);
  g_autofree char *ca = entry_text (self->ca_entry);
  g_autofree char *pin = entry_text (self->pin_entry);
  g_autofree char *mtu = mtu_text (self);

  if (!check_fields (self, error))
    return FALSE;

  /* A copy keeps what the editor does not show (vpn.persistent,
   * vpn.timeout, vpn.user-name); vpn.data and vpn.secrets are the editor's */
  setting = old != NULL ? nm_setting_duplicate (NM_SETTING (old)) : nm_setting_vpn_new ();
  s_vpn = NM_SETTING_VPN (setting);
  g_object_set (s_vpn, NM_SETTING_VPN_SERVICE_TYPE, NM_WSTUN_SERVICE_TYPE, NULL);
  {
    g_autofree const char **keys = nm_setting_vpn_get_data_keys (s_vpn, NULL);
    g_autofree const char **secrets = nm_setting_vpn_get_secret_keys (s_vpn, NULL);

    for (gsize i = 0; keys != NULL && keys[i] != NULL; i++)
      nm_setting_vpn_remove_data_item (s_vpn, keys[i]);
    for (gsize i = 0; secrets != NULL && secrets[i] != NULL; i++)
      nm_setting_vpn_remove_secret (s_vpn, secrets[i]);
  }
  set_item (s_vpn, NM_WSTUN_KEY_URL, url);
  set_item (s_vpn, NM_WSTUN_KEY_CA_FILE, ca);
  set_item (s_vpn, NM_WSTUN_KEY_PIN_SHA256, pin);
  set_item (s_vpn, NM_WSTUN_KEY_MTU, mtu);
  if (token != NULL)
    nm_setting_vpn_add_secret (s_vpn, NM_WSTUN_KEY_TOKEN, token);
  nm_setting_set_secret_flags (setting, NM_WSTUN_KEY_TOKEN, token_flags (self), NULL);

  /* the checks of the whole setting: a missing URL */
  if (!nm_wstun_check_setting (s_vpn, error))
    return FALSE;
  nm_connection_add_setting (connection, g_steal_pointer (&setting));
  return TRUE;
}

static void
fill (NMWstunEditor *self, NMConnection *connection)
{
  NMSettingVpn *s_vpn = nm_connection_get_setting_vpn (connection);
  NMSettingSecretFlags flags = NM_SETTING_SECRET_FLAG_AGENT_OWNED;
  const char *value;

  if (s_vpn != NULL) {
    if ((value = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_URL)) != NULL)
      widget_set_text (self->url_entry, value);
    if ((value = nm_setting_vpn_get_secret (s_vpn, NM_WSTUN_KEY_TOKEN)) != NULL)
      widget_set_text (self->token_entry, value);
    if ((value = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_CA_FILE)) != NULL)
      widget_set_text (self->ca_entry, value);
    if ((value = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_PIN_SHA256)) != NULL)
      widget_set_text (self->pin_entry, value);
    if ((value = nm_setting_vpn_get_data_item (s_vpn, NM_WSTUN_KEY_MTU)) != NULL)
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->mtu_spin), g_ascii_strtod (value, NULL));
    /* A new connection (no vpn.data yet) keeps its token in the user's
     * keyring, as the .wstun importer does; an existing one says where */
    if (nm_setting_vpn_get_num_data_items (s_vpn) > 0)
      nm_setting_get_secret_flags (NM_SETTING (s_vpn), NM_WSTUN_KEY_TOKEN, &flags, NULL);
  }
  nma_utils_setup_password_storage (self->token_entry, flags, NULL, NULL, TRUE, FALSE);
  /* an MTU set is the one reason to look under "Advanced" */
  gtk_expander_set_expanded (GTK_EXPANDER (get (self, "advanced_expander")),
                             mtu_text (self) != NULL);
}

static gboolean
build (NMWstunEditor *self, NMConnection *connection, GError **error)
{
  static const char *const hidden[] = { "url_error", "url_warning", "token_error", "ca_error",
                                        "pin_error", "mtu_error",   NULL };
  g_autofree char *pin_hint = NULL;

  self->builder = gtk_builder_new ();
  gtk_builder_set_translation_domain (self->builder, GETTEXT_PACKAGE);
  if (!gtk_builder_add_from_resource (
        self->builder, "/org/freedesktop/network-manager-wstun/nm-wstun-dialog.ui", error))
    return FALSE;
  self->widget = g_object_ref_sink (get (self, "wstun-vbox"));
  self->url_entry = get (self, "url_entry");
  self->token_entry = get (self, "token_entry");
  self->ca_entry = get (self, "ca_entry");
  self->pin_entry = get (self, "pin_entry");
  self->mtu_spin = get (self, "mtu_spin");

  pin_hint = g_markup_printf_escaped ("%s\n<tt>%s</tt>",
                                      _ ("The base64 SHA-256 hash of the relay's public key; "
                                         "empty: no pin. From its certificate:"),
                                      PIN_COMMAND);
  gtk_label_set_markup (GTK_LABEL (get (self, "pin_hint")), pin_hint);
  gtk_widget_set_tooltip_text (self->pin_entry, _ ("Connect only to the relay with this public "
                                                   "key, whoever signed its certificate"));

  widget_set_accessible (self->url_entry, get (self, "url_label"), get (self, "url_warning"),
                         get (self, "url_error"));
  widget_set_accessible (self->token_entry, get (self, "token_label"), NULL,
                         get (self, "token_error"));
  widget_set_accessible (self->ca_entry, get (self, "ca_label"), get (self, "ca_hint"),
                         get (self, "ca_error"));
  widget_set_accessible (self->pin_entry, get (self, "pin_label"), get (self, "pin_hint"),
                         get (self, "pin_error"));
  widget_set_accessible (self->mtu_spin, get (self, "mtu_label"), get (self, "mtu_hint"),
                         get (self, "mtu_error"));
  widget_set_accessible_description (get (self, "ca_button"),
                                     _ ("Choose the file of the relay's certificate authorities"));

  for (const char *const *id = hidden; *id != NULL; id++)
    widget_keep_hidden (get (self, *id));

  fill (self, connection);
  check_fields (self, NULL); /* a stored value that is wrong shows at once */

  /* the widgets may outlive the editor in the caller's dialog: the
   * handlers go with the editor */
  g_signal_connect_object (self->url_entry, "changed", G_CALLBACK (field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->token_entry, "changed", G_CALLBACK (field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->ca_entry, "changed", G_CALLBACK (field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pin_entry, "changed", G_CALLBACK (field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->mtu_spin, "changed", G_CALLBACK (field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->mtu_spin, "value-changed", G_CALLBACK (field_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (get (self, "show_token_check"), "toggled",
                           G_CALLBACK (show_token_toggled), self, 0);
  g_signal_connect_object (get (self, "ca_button"), "clicked", G_CALLBACK (ca_button_clicked), self,
                           0);
  return TRUE;
}

static void
dispose (GObject *object)
{
  NMWstunEditor *self = NM_WSTUN_EDITOR (object);

  if (self->ca_chooser != NULL) {
    gtk_native_dialog_destroy (self->ca_chooser);
    g_clear_object (&self->ca_chooser);
  }
  g_clear_object (&self->widget);
  g_clear_object (&self->builder);
  G_OBJECT_CLASS (nm_wstun_editor_parent_class)->dispose (object);
}

static void
nm_wstun_editor_class_init (NMWstunEditorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dispose;
}

static void
nm_wstun_editor_init (NMWstunEditor *self)
{
  (void) self;
}

static void
editor_interface_init (NMVpnEditorInterface *iface)
{
  iface->get_widget = get_widget;
  iface->update_connection = update_connection;
}

G_MODULE_EXPORT NMVpnEditor *
nm_vpn_editor_factory_wstun (NMVpnEditorPlugin *plugin, NMConnection *connection, GError **error)
{
  g_autoptr (NMWstunEditor) self = NULL;

  g_return_val_if_fail (NM_IS_VPN_EDITOR_PLUGIN (plugin), NULL);
  g_return_val_if_fail (NM_IS_CONNECTION (connection), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* the text domain is bound by libnm-vpn-plugin-wstun.so's factory */
  self = g_object_new (NM_TYPE_WSTUN_EDITOR, NULL);
  if (!build (self, connection, error))
    return NULL;
  return NM_VPN_EDITOR (g_steal_pointer (&self));
}
