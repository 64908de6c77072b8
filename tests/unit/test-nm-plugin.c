/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NetworkManager-wstun without NetworkManager: the .wstun file (import,
 * export, round trips, hostile files), the checks of vpn.data and
 * vpn.secrets, the IP configuration handed to NetworkManager, and the
 * failure reasons. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "nm-wstun-failure.h"
#include "nm-wstun-ip-config.h"
#include "nm-wstun-keyfile.h"
#include "nm-wstun-keys.h"
#include "nm-wstun-settings.h"

#define PIN "q4xVGSwhGjwZ1Ic5ZzJBfU5Zf4M2TDIJUYXsc4/7hGU="

static NMConnection *
parse (const char *text, GError **error)
{
  return nm_wstun_keyfile_parse ("office", text, strlen (text), error);
}

static void
assert_refused (const char *text, const char *word)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NMConnection) c = parse (text, &error);

  g_assert_null (c);
  g_assert_nonnull (error);
  if (strstr (error->message, word) == NULL)
    g_error ("“%s”: the message “%s” does not say “%s”", text, error->message, word);
  g_test_message ("refused: %s", error->message);
}

static NMSettingSecretFlags
token_flags (NMConnection *c)
{
  NMSettingSecretFlags flags = 0;

  g_assert_true (nm_setting_get_secret_flags (NM_SETTING (nm_connection_get_setting_vpn (c)),
                                              NM_WSTUN_KEY_TOKEN, &flags, NULL));
  return flags;
}

static void
test_keyfile_import (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NMConnection) c = parse ("# the office relay\n[wstun]\nurl=wss://relay.example.net\n"
                                      "ca-file=/etc/wstun/ca.pem\npin-sha256=" PIN "\nmtu=1400\n",
                                      &error);
  NMSettingVpn *s_vpn;

  g_assert_no_error (error);
  g_assert_cmpstr (nm_connection_get_id (c), ==, "office");
  g_assert_cmpstr (nm_connection_get_connection_type (c), ==, NM_SETTING_VPN_SETTING_NAME);
  s_vpn = nm_connection_get_setting_vpn (c);
  g_assert_cmpstr (nm_setting_vpn_get_service_type (s_vpn), ==, NM_WSTUN_SERVICE_TYPE);
  g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "url"), ==, "wss://relay.example.net");
  g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "ca-file"), ==, "/etc/wstun/ca.pem");
  g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "pin-sha256"), ==, PIN);
  g_assert_cmpstr (nm_setting_vpn_get_data_item (s_vpn, "mtu"), ==, "1400");
  g_assert_null (nm_setting_vpn_get_secret (s_vpn, "token"));
  /* no token in the file: the user's agent asks for it and keeps it */
  g_assert_cmpint (token_flags (c), ==, NM_SETTING_SECRET_FLAG_AGENT_OWNED);
  g_clear_object (&c);

  c = parse ("[wstun]\nurl=wss://r\ntoken=wst_abc-DEF_123\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nm_setting_vpn_get_secret (nm_connection_get_setting_vpn (c), "token"), ==,
                   "wst_abc-DEF_123");
  g_assert_cmpint (token_flags (c), ==, NM_SETTING_SECRET_FLAG_NONE);
  g_clear_object (&c);

  c = parse ("[wstun]\nurl=ws://10.0.0.1:8080\ntoken-required=false\n", &error);
  g_assert_no_error (error);
  g_assert_cmpint (token_flags (c), ==, NM_SETTING_SECRET_FLAG_NOT_REQUIRED);
  g_clear_object (&c);

  /* other groups are for other versions: left alone */
  c = parse ("[wstun]\nurl=wss://r\n[future]\nx=1\n", &error);
  g_assert_no_error (error);
}

static void
test_keyfile_hostile (void)
{
  g_autofree char *huge = g_strnfill (NM_WSTUN_FILE_MAX + 1, '#');
  g_autoptr (GError) error = NULL;
  g_autoptr (NMConnection) c = NULL;
  const char binary[] = "[wstun]\nurl=wss://r\n\0\x01\x02";

  assert_refused ("", "no [wstun]");
  assert_refused ("[other]\nurl=wss://r\n", "no [wstun]");
  assert_refused ("[wstun]\nmtu=1400\n", "no url=");
  assert_refused ("[wstun]\nurl=wss://r\ncolour=red\n", "colour");
  assert_refused ("[wstun]\nurl=wss://r\n[wstun]\nurl=wss://evil\n", "repeats the group");
  assert_refused ("[wstun]\nurl=wss://r\nurl=wss://evil\n", "second time");
  assert_refused ("[wstun]\nurl=http://r\n", "url");
  assert_refused ("[wstun]\nurl=wss://user:pw@r\n", "password");
  assert_refused ("[wstun]\nurl=wss://r\npin-sha256=abc\n", "pin-sha256");
  assert_refused ("[wstun]\nurl=wss://r\nmtu=67\n", "mtu");
  assert_refused ("[wstun]\nurl=wss://r\nmtu=1e3\n", "mtu");
  assert_refused ("[wstun]\nurl=wss://r\nca-file=ca.pem\n", "absolute");
  assert_refused ("[wstun]\nurl=wss://r\ntoken=a b\n", "token");
  assert_refused ("[wstun]\nurl=wss://r\ntoken-required=maybe\n", "true or false");
  assert_refused ("[wstun]\nurl=wss://r/\x1b]0;x\x07\n", "control");
  assert_refused ("[wstun]\nurl=wss://r\xff\n", "UTF-8");
  assert_refused ("[wstun\nurl=wss://r\n", "valid");
  assert_refused (huge, "larger than");

  c = nm_wstun_keyfile_parse ("x", binary, sizeof binary - 1, &error);
  g_assert_null (c);
  g_assert_nonnull (strstr (error->message, "UTF-8"));
}

static char *
tmp_path (const char *name)
{
  static char *dir;

  if (dir == NULL)
    dir = g_dir_make_tmp ("wstun-nm-XXXXXX", NULL);
  return g_build_filename (dir, name, NULL);
}

static void
assert_same_vpn (NMConnection *a, NMConnection *b)
{
  g_assert_true (nm_setting_compare (NM_SETTING (nm_connection_get_setting_vpn (a)),
                                     NM_SETTING (nm_connection_get_setting_vpn (b)),
                                     NM_SETTING_COMPARE_FLAG_EXACT));
}

static void
test_keyfile_round_trip (void)
{
  static const char *const files[] = {
    "[wstun]\nurl=wss://relay.example.net:8443/vpn\nca-file=/etc/wstun/ca.pem\npin-sha256=" PIN
    "\nmtu=1400\n",
    "[wstun]\nurl=ws://198.18.0.1\ntoken-required=false\n",
    "[wstun]\nurl=wss://[fd00:99::1]/\ntoken=wst_secret\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (NMConnection) first = parse (files[i], &error);
    g_autoptr (NMConnection) again = NULL;
    g_autofree char *path = tmp_path ("round.wstun");
    g_autofree char *written = NULL;
    GStatBuf st;

    g_assert_no_error (error);
    g_assert_true (nm_wstun_keyfile_export (path, first, &error));
    g_assert_no_error (error);
    again = nm_wstun_keyfile_import (path, &error);
    g_assert_no_error (error);
    assert_same_vpn (first, again);
    g_assert_cmpint (token_flags (first), ==, token_flags (again));
    g_assert_cmpstr (nm_connection_get_id (again), ==, "round");
    /* a file with the token is its owner's alone */
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_file_get_contents (path, &written, NULL, NULL);
    if (strstr (files[i], "token=") != NULL) {
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_nonnull (strstr (written, "token=wst_secret"));
    } else {
      g_assert_cmpint (st.st_mode & 0777, ==, 0644);
      g_assert_null (strstr (written, "token="));
    }
    g_unlink (path);
  }
}

static void
test_keyfile_names (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NMConnection) c = parse ("[wstun]\nurl=wss://r\n", &error);
  g_autofree char *name = NULL;
  g_autofree char *path = tmp_path ("office.conf");
  g_autofree char *dir = tmp_path ("dir.wstun");

  g_object_set (nm_connection_get_setting_connection (c), NM_SETTING_CONNECTION_ID, "Office/Paris",
                NULL);
  name = nm_wstun_keyfile_suggested_name (c);
  g_assert_cmpstr (name, ==, "Office_Paris.wstun");
  /* only .wstun files, and only regular ones */
  g_file_set_contents (path, "[wstun]\nurl=wss://r\n", -1, NULL);
  g_assert_null (nm_wstun_keyfile_import (path, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_mkdir (dir, 0700);
  g_assert_null (nm_wstun_keyfile_import (dir, &error));
  g_assert_nonnull (strstr (error->message, "regular file"));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_settings (void)
{
  static const struct {
    const char *key, *value;
    gboolean ok;
  } cases[] = {
    { "url", "wss://relay.example.net", TRUE },
    { "url", "wss://relay:0", FALSE },
    { "url", "wss://relay/#frag", FALSE },
    { "url", "ftp://relay", FALSE },
    { "url", "", FALSE },
    /* several relays, separated by commas or spaces */
    { "url", "wss://a.example.net, wss://b.example.net:8443/t", TRUE },
    { "url", "wss://a wss://b,wss://c", TRUE },
    { "url", " , ", FALSE },
    { "url", "wss://a, ws://b", FALSE },
    { "url", "wss://a, wss://a", FALSE },
    { "url", "wss://a, ftp://b", FALSE },
    { "url",
      "ws://a1 ws://a2 ws://a3 ws://a4 ws://a5 ws://a6 ws://a7 ws://a8 ws://a9 ws://a10 ws://a11 "
      "ws://a12 ws://a13 ws://a14 ws://a15 ws://a16 ws://a17",
      FALSE },
    { "ca-file", "/a/b.pem", TRUE },
    { "ca-file", "b.pem", FALSE },
    { "pin-sha256", "sha256//" PIN, TRUE },
    { "pin-sha256", "pin-sha256:" PIN, TRUE },
    { "pin-sha256", PIN "x", FALSE },
    { "mtu", "0", TRUE },
    { "mtu", "65535", TRUE },
    { "mtu", "65536", FALSE },
    { "mtu", "-1", FALSE },
    { "token-flags", "2", TRUE },
    { "token-flags", "8", FALSE },
    { "interface", "wstun0", FALSE }, /* unknown */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    gboolean ok = nm_wstun_check_data_item (cases[i].key, cases[i].value, &error);

    if (ok != cases[i].ok)
      g_error ("%s=%s: %s", cases[i].key, cases[i].value, ok ? "accepted" : error->message);
    if (!ok) {
      const char *reason = nm_wstun_check_reason (error, cases[i].key);

      g_assert_true (
        g_error_matches (error, NM_CONNECTION_ERROR, NM_CONNECTION_ERROR_INVALID_PROPERTY));
      /* what the editor shows under the field: the message's end */
      g_assert_true (g_str_has_suffix (error->message, reason));
      g_assert_cmpuint (strlen (reason), <, strlen (error->message));
      g_assert_null (strstr (reason, "Invalid wstun setting"));
    }
  }
  {
    GError other = { .message = (char *) "something else" };

    g_assert_cmpstr (nm_wstun_check_reason (&other, "url"), ==, "something else");
  }
  {
    g_auto (GStrv) urls = nm_wstun_split_urls (" wss://a,wss://b  wss://c ,, ");
    const char *const want[] = { "wss://a", "wss://b", "wss://c", NULL };
    g_auto (GStrv) none = nm_wstun_split_urls (", ");

    g_assert_true (g_strv_equal ((const char *const *) urls, want));
    g_assert_cmpuint (g_strv_length (none), ==, 0);
  }
  g_assert_true (nm_wstun_check_secret ("token", "wst_x", NULL));
  g_assert_true (nm_wstun_check_secret ("token", "", NULL));
  g_assert_false (nm_wstun_check_secret ("token", "x\ny", NULL));
  g_assert_false (nm_wstun_check_secret ("password", "x", NULL));
}

static void
test_ip_config (void)
{
  const char *routes[] = { "0.0.0.0/0", "192.168.7.0/24", "fd00:7::/64", NULL };
  const char *dns[] = { "10.99.0.1", "fd00:99::1", NULL };
  NMWstunIpInput input = {
    .interface = "wstun0",
    .relay_address = "198.18.0.1",
    .address4 = "10.99.0.2/24",
    .address6 = "fd00:99::2/64",
    .mtu = 1400,
    .routes = routes,
    .dns = dns,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v4routes = NULL;
  g_autoptr (GVariant) v6routes = NULL;
  g_autoptr (GPtrArray) r4 = NULL;
  g_autoptr (GPtrArray) r6 = NULL;
  NMWstunIpConfig out;
  guint32 u;
  gboolean b;
  const char *s;

  g_assert_true (nm_wstun_ip_config_build (&input, &out, &error));
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (out.config, "tundev", "&s", &s));
  g_assert_cmpstr (s, ==, "wstun0");
  g_assert_true (g_variant_lookup (out.config, "gateway", "u", &u));
  g_assert_cmpuint (u, ==, inet_addr ("198.18.0.1"));
  g_assert_true (g_variant_lookup (out.config, "mtu", "u", &u));
  g_assert_cmpuint (u, ==, 1400);
  g_assert_true (g_variant_lookup (out.config, "has-ip4", "b", &b) && b);
  g_assert_true (g_variant_lookup (out.config, "has-ip6", "b", &b) && b);
  /* IPv4: the address in network order, the default route pushed */
  g_assert_true (g_variant_lookup (out.ip4, "address", "u", &u));
  g_assert_cmpuint (u, ==, inet_addr ("10.99.0.2"));
  g_assert_true (g_variant_lookup (out.ip4, "prefix", "u", &u));
  g_assert_cmpuint (u, ==, 24);
  g_assert_true (g_variant_lookup (out.ip4, "never-default", "b", &b));
  g_assert_false (b);
  v4routes = g_variant_lookup_value (out.ip4, "routes", G_VARIANT_TYPE ("aau"));
  r4 = nm_utils_ip4_routes_from_variant (v4routes);
  g_assert_cmpuint (r4->len, ==, 1);
  g_assert_cmpstr (nm_ip_route_get_dest (r4->pdata[0]), ==, "192.168.7.0");
  g_assert_cmpuint (nm_ip_route_get_prefix (r4->pdata[0]), ==, 24);
  g_assert_true (g_variant_lookup (out.ip4, "dns", "au", NULL));
  /* IPv6: no default route there */
  g_assert_true (g_variant_lookup (out.ip6, "never-default", "b", &b));
  g_assert_true (b);
  v6routes = g_variant_lookup_value (out.ip6, "routes", G_VARIANT_TYPE ("a(ayuayu)"));
  r6 = nm_utils_ip6_routes_from_variant (v6routes);
  g_assert_cmpuint (r6->len, ==, 1);
  g_assert_cmpstr (nm_ip_route_get_dest (r6->pdata[0]), ==, "fd00:7::");
  g_assert_true (g_variant_lookup (out.ip6, "dns", "aay", NULL));
  nm_wstun_ip_config_clear (&out);

  /* IPv6 only, with an IPv6 relay */
  input.address4 = "";
  input.relay_address = "2001:db8::1";
  g_assert_true (nm_wstun_ip_config_build (&input, &out, &error));
  g_assert_null (out.ip4);
  g_assert_nonnull (out.ip6);
  g_assert_true (g_variant_lookup (out.config, "has-ip4", "b", &b) && !b);
  g_assert_true (g_variant_is_of_type (g_variant_lookup_value (out.config, "gateway", NULL),
                                       G_VARIANT_TYPE_BYTESTRING));
  nm_wstun_ip_config_clear (&out);

  /* nothing to configure */
  input.address6 = "";
  g_assert_false (nm_wstun_ip_config_build (&input, &out, &error));
  g_assert_error (error, NM_VPN_PLUGIN_ERROR, NM_VPN_PLUGIN_ERROR_BAD_ARGUMENTS);
  g_clear_error (&error);
  input.address4 = "10.99.0.2";
  g_assert_false (nm_wstun_ip_config_build (&input, &out, &error));
  g_clear_error (&error);
  input.address4 = "10.99.0.2/24";
  input.interface = "";
  g_assert_false (nm_wstun_ip_config_build (&input, &out, &error));
}

static void
test_failures (void)
{
  g_assert_cmpint (nm_wstun_failure_for ("auth-failed").nm_reason, ==,
                   NM_VPN_PLUGIN_FAILURE_LOGIN_FAILED);
  g_assert_cmpint (nm_wstun_failure_for ("tls-pin-mismatch").nm_reason, ==,
                   NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
  g_assert_cmpint (nm_wstun_failure_for ("device").nm_reason, ==,
                   NM_VPN_PLUGIN_FAILURE_BAD_IP_CONFIG);
  /* codes added later count as "internal" */
  g_assert_cmpint (nm_wstun_failure_for ("from-the-future").nm_reason, ==,
                   NM_VPN_PLUGIN_FAILURE_CONNECT_FAILED);
  g_assert_nonnull (strstr (nm_wstun_failure_for ("tls-pin-mismatch").advice, "pin"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nm/keyfile/import", test_keyfile_import);
  g_test_add_func ("/nm/keyfile/hostile", test_keyfile_hostile);
  g_test_add_func ("/nm/keyfile/round-trip", test_keyfile_round_trip);
  g_test_add_func ("/nm/keyfile/names", test_keyfile_names);
  g_test_add_func ("/nm/settings", test_settings);
  g_test_add_func ("/nm/ip-config", test_ip_config);
  g_test_add_func ("/nm/failures", test_failures);
  return g_test_run ();
}
