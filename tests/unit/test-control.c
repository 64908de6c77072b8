/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the JSON control messages of wstun.v1 (hello, config, error) */
#include "config.h"

#include <string.h>

#include "wstun-control.h"
#include "wstun-error.h"

static WstunControl *
parse_ok (const char *json)
{
  g_autoptr (GError) error = NULL;
  WstunControl *control = wstun_control_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  g_assert_nonnull (control);
  return control;
}

/* Asserts that @data is refused with a protocol error whose message
 * contains @needle (when not NULL). */
static void
assert_refused_len (const char *data, gsize len, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) control = wstun_control_parse (data, len, &error);

  if (control != NULL)
    g_error ("accepted: %.*s", (int) MIN (len, 200), data);
  g_assert_error (error, WSTUN_ERROR, WSTUN_ERROR_PROTOCOL);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("error “%s” does not mention “%s” (input %.*s)", error->message, needle,
             (int) MIN (len, 200), data);
}

static void
assert_refused (const char *json, const char *needle)
{
  assert_refused_len (json, strlen (json), needle);
}

/* Builds a config message around @members (a JSON fragment starting with a
 * comma, or ""). */
static char *
config_with (const char *members)
{
  return g_strdup_printf ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500%s}",
                          members);
}

/* ---- hello ------------------------------------------------------------ */

static void
test_hello_parse (void)
{
  g_autoptr (WstunControl) c =
    parse_ok ("{\"type\":\"hello\",\"version\":1,\"software\":\"wstun/0.1.0\","
              "\"capabilities\":[\"batch\",\"vnet-hdr\"],\"address4\":\"10.99.0.7\","
              "\"address6\":\"fd00:99::7\",\"resume\":\"r-123\"}");

  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_HELLO);
  g_assert_cmpstr (c->type_name, ==, "hello");
  g_assert_cmpuint (c->hello.version, ==, 1);
  g_assert_cmpstr (c->hello.software, ==, "wstun/0.1.0");
  g_assert_nonnull (c->hello.capabilities);
  g_assert_cmpuint (g_strv_length (c->hello.capabilities), ==, 2);
  g_assert_cmpstr (c->hello.capabilities[0], ==, "batch");
  g_assert_cmpstr (c->hello.capabilities[1], ==, "vnet-hdr");
  g_assert_cmpstr (c->hello.address4, ==, "10.99.0.7");
  g_assert_cmpstr (c->hello.address6, ==, "fd00:99::7");
  g_assert_cmpstr (c->hello.resume, ==, "r-123");
  /* the other kinds stay empty */
  g_assert_null (c->config.address4);
  g_assert_null (c->error.code);
}

static void
test_hello_minimal (void)
{
  g_autoptr (WstunControl) c = parse_ok ("{\"type\":\"hello\",\"version\":1}");

  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_HELLO);
  g_assert_cmpuint (c->hello.version, ==, 1);
  g_assert_null (c->hello.software);
  g_assert_nonnull (c->hello.capabilities);
  g_assert_cmpuint (g_strv_length (c->hello.capabilities), ==, 0);
  g_assert_null (c->hello.address4);
  g_assert_null (c->hello.address6);
  g_assert_null (c->hello.resume);
}

static void
test_hello_null_members (void)
{
  /* null stands for an absent optional member */
  g_autoptr (WstunControl) c =
    parse_ok ("{\"type\":\"hello\",\"version\":2,\"software\":null,\"capabilities\":null,"
              "\"address4\":null,\"address6\":null,\"resume\":null}");

  g_assert_cmpuint (c->hello.version, ==, 2); /* a later version still parses */
  g_assert_null (c->hello.software);
  g_assert_nonnull (c->hello.capabilities);
  g_assert_cmpuint (g_strv_length (c->hello.capabilities), ==, 0);
  g_assert_null (c->hello.address4);
}

static void
test_hello_round_trip (void)
{
  char *caps[] = { "batch", "vnet-hdr", "x-\"quoted\"\n", NULL };
  WstunHello in = {
    .version = 7,
    .software = "wstun/0.1.0 \"test\" it's \u00e9",
    .capabilities = caps,
    .address4 = "10.99.0.42",
    .address6 = "fd00:99::42",
    .resume = "abc/def+ghi==",
  };
  g_autofree char *json = wstun_hello_to_json (&in);
  g_autoptr (WstunControl) c = parse_ok (json);

  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_HELLO);
  g_assert_cmpuint (c->hello.version, ==, 7);
  g_assert_cmpstr (c->hello.software, ==, in.software);
  g_assert_cmpstrv (c->hello.capabilities, caps);
  g_assert_cmpstr (c->hello.address4, ==, in.address4);
  g_assert_cmpstr (c->hello.address6, ==, in.address6);
  g_assert_cmpstr (c->hello.resume, ==, in.resume);
}

static void
test_hello_round_trip_minimal (void)
{
  WstunHello in = { .version = WSTUN_PROTOCOL_VERSION };
  g_autofree char *json = wstun_hello_to_json (&in);
  g_autoptr (WstunControl) c = parse_ok (json);

  /* optional members are left out, not written as null or "" */
  g_assert_null (strstr (json, "software"));
  g_assert_null (strstr (json, "address4"));
  g_assert_null (strstr (json, "resume"));
  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_HELLO);
  g_assert_cmpuint (c->hello.version, ==, WSTUN_PROTOCOL_VERSION);
  g_assert_null (c->hello.software);
  g_assert_cmpuint (g_strv_length (c->hello.capabilities), ==, 0);
  g_assert_null (c->hello.address4);
  g_assert_null (c->hello.address6);
  g_assert_null (c->hello.resume);
}

/* ---- config ----------------------------------------------------------- */

static void
test_config_parse (void)
{
  g_autoptr (WstunControl) c =
    parse_ok ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"address6\":\"fd00:99::2/64\","
              "\"mtu\":65000,\"routes\":[\"10.99.0.0/24\",\"192.168.7.0/24\",\"fd00:99::/64\"],"
              "\"dns\":[\"10.99.0.1\",\"fd00:99::1\"],\"resume\":\"res-1\",\"keepalive\":25}");

  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_CONFIG);
  g_assert_cmpstr (c->type_name, ==, "config");
  g_assert_cmpstr (c->config.address4, ==, "10.99.0.2/24");
  g_assert_cmpstr (c->config.address6, ==, "fd00:99::2/64");
  g_assert_cmpuint (c->config.mtu, ==, 65000);
  g_assert_cmpuint (g_strv_length (c->config.routes), ==, 3);
  g_assert_cmpstr (c->config.routes[0], ==, "10.99.0.0/24");
  g_assert_cmpstr (c->config.routes[1], ==, "192.168.7.0/24");
  g_assert_cmpstr (c->config.routes[2], ==, "fd00:99::/64");
  g_assert_cmpuint (g_strv_length (c->config.dns), ==, 2);
  g_assert_cmpstr (c->config.dns[0], ==, "10.99.0.1");
  g_assert_cmpstr (c->config.dns[1], ==, "fd00:99::1");
  g_assert_cmpstr (c->config.resume, ==, "res-1");
  g_assert_cmpuint (c->config.keepalive, ==, 25);
  g_assert_null (c->hello.software);
  g_assert_null (c->hello.capabilities);
}

/* addresses arrive in any spelling inet_pton() takes, and leave in one:
 * what a relay pushes is bounded by the address's own length wherever it
 * is shown (D-Bus properties, NetworkManager) */
static void
test_config_canonical (void)
{
  g_autofree char *zeros = g_strnfill (900, '0');
  g_autofree char *text = g_strdup_printf (
    "{\"type\":\"config\",\"address4\":\"10.99.0.2/%s24\",\"address6\":"
    "\"FD00:0099:0000::0002/064\",\"mtu\":1500,\"routes\":[\"192.168.7.0/%s24\","
    "\"0000:0000:0000:0000:0000:ffff:192.0.2.0/120\"],\"dns\":[\"FD00:0:0:0:0:0:0:1\"]}",
    zeros, zeros);
  g_autoptr (WstunControl) c = parse_ok (text);

  g_assert_cmpstr (c->config.address4, ==, "10.99.0.2/24");
  g_assert_cmpstr (c->config.address6, ==, "fd00:99::2/64");
  g_assert_cmpstr (c->config.routes[0], ==, "192.168.7.0/24");
  g_assert_cmpstr (c->config.routes[1], ==, "::ffff:192.0.2.0/120");
  g_assert_cmpstr (c->config.dns[0], ==, "fd00::1");
}

static void
test_config_single_family (void)
{
  g_autoptr (WstunControl) c4 =
    parse_ok ("{\"type\":\"config\",\"address4\":\"10.99.0.9/24\",\"mtu\":576}");
  g_autoptr (WstunControl) c6 =
    parse_ok ("{\"type\":\"config\",\"address6\":\"fd00:99::9/64\",\"mtu\":1280}");

  g_assert_cmpstr (c4->config.address4, ==, "10.99.0.9/24");
  g_assert_null (c4->config.address6);
  g_assert_cmpuint (c4->config.mtu, ==, 576);
  g_assert_nonnull (c4->config.routes);
  g_assert_cmpuint (g_strv_length (c4->config.routes), ==, 0);
  g_assert_nonnull (c4->config.dns);
  g_assert_cmpuint (g_strv_length (c4->config.dns), ==, 0);
  g_assert_null (c4->config.resume);
  g_assert_cmpuint (c4->config.keepalive, ==, 0);

  g_assert_null (c6->config.address4);
  g_assert_cmpstr (c6->config.address6, ==, "fd00:99::9/64");
  g_assert_cmpuint (c6->config.mtu, ==, 1280);
}

static void
test_config_round_trip (void)
{
  char *routes[] = { "10.99.0.0/24", "0.0.0.0/0", "::/0", "fd00:1:2::/48", NULL };
  char *dns[] = { "10.99.0.1", "2001:db8::53", NULL };
  char *capabilities[] = { WSTUN_CAPABILITY_OFFLOAD, NULL };
  WstunConfig in = {
    .address4 = "10.99.0.17/24",
    .address6 = "fd00:99::11/64",
    .mtu = 65535,
    .routes = routes,
    .dns = dns,
    .resume = "resume-\u00fc",
    .keepalive = 3600,
    .capabilities = capabilities,
  };
  g_autofree char *json = wstun_config_to_json (&in);
  g_autoptr (WstunControl) c = parse_ok (json);

  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_CONFIG);
  g_assert_cmpstr (c->config.address4, ==, in.address4);
  g_assert_cmpstr (c->config.address6, ==, in.address6);
  g_assert_cmpuint (c->config.mtu, ==, 65535);
  g_assert_cmpstrv (c->config.routes, routes);
  g_assert_cmpstrv (c->config.dns, dns);
  g_assert_cmpstr (c->config.resume, ==, in.resume);
  g_assert_cmpuint (c->config.keepalive, ==, 3600);
  g_assert_cmpstrv (c->config.capabilities, capabilities);
}

static void
test_config_round_trip_minimal (void)
{
  WstunConfig in = { .address4 = "10.99.0.3/24", .mtu = 1500 };
  g_autofree char *json = wstun_config_to_json (&in);
  g_autoptr (WstunControl) c = parse_ok (json);

  g_assert_null (strstr (json, "address6"));
  g_assert_null (strstr (json, "resume"));
  /* none: the member is left out, so older clients never see it */
  g_assert_null (strstr (json, "capabilities"));
  g_assert_cmpuint (g_strv_length (c->config.capabilities), ==, 0);
  g_assert_cmpstr (c->config.address4, ==, "10.99.0.3/24");
  g_assert_null (c->config.address6);
  g_assert_cmpuint (c->config.mtu, ==, 1500);
  g_assert_cmpuint (g_strv_length (c->config.routes), ==, 0);
  g_assert_cmpuint (g_strv_length (c->config.dns), ==, 0);
  g_assert_null (c->config.resume);
  g_assert_cmpuint (c->config.keepalive, ==, 0);
}

static void
test_config_clear (void)
{
  g_autoptr (WstunControl) c =
    parse_ok ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,"
              "\"routes\":[\"10.0.0.0/8\"],\"dns\":[\"10.0.0.1\"],\"resume\":\"x\"}");
  WstunHello hello = { .version = 1, .software = g_strdup ("s") };

  wstun_config_clear (&c->config);
  g_assert_null (c->config.address4);
  g_assert_null (c->config.routes);
  g_assert_null (c->config.dns);
  g_assert_null (c->config.resume);
  /* clearing twice is harmless, and the free afterwards too */
  wstun_config_clear (&c->config);

  wstun_hello_clear (&hello);
  g_assert_null (hello.software);
  wstun_hello_clear (&hello);
}

/* ---- error ------------------------------------------------------------ */

static void
test_error_parse (void)
{
  g_autoptr (WstunControl) c = parse_ok (
    "{\"type\":\"error\",\"code\":\"address-in-use\",\"message\":\"Address 10.99.0.5 is taken\"}");

  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_ERROR);
  g_assert_cmpstr (c->type_name, ==, "error");
  g_assert_cmpstr (c->error.code, ==, WSTUN_ERR_ADDRESS_IN_USE);
  g_assert_cmpstr (c->error.message, ==, "Address 10.99.0.5 is taken");
}

static void
test_error_round_trip (void)
{
  static const char *const codes[] = {
    WSTUN_ERR_BAD_MESSAGE,    WSTUN_ERR_UNAUTHORIZED,        WSTUN_ERR_HELLO_TIMEOUT,
    WSTUN_ERR_ADDRESS_IN_USE, WSTUN_ERR_ADDRESS_UNAVAILABLE, WSTUN_ERR_UNSUPPORTED_VERSION,
    WSTUN_ERR_POOL_EXHAUSTED,
  };
  const char *message = "Line 1\nLine \"2\"\t\\ \u00e9\u4e2d </script>";

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++) {
    g_autofree char *json = wstun_error_message_to_json (codes[i], message);
    g_autoptr (WstunControl) c = parse_ok (json);

    g_assert_cmpint (c->type, ==, WSTUN_CONTROL_ERROR);
    g_assert_cmpstr (c->error.code, ==, codes[i]);
    g_assert_cmpstr (c->error.message, ==, message);
  }
}

/* ---- forward compatibility -------------------------------------------- */

static void
test_unknown_type (void)
{
  const char *inputs[] = {
    "{\"type\":\"pong\"}",
    /* members of other types are not checked for an unknown type */
    "{\"type\":\"stats\",\"version\":\"x\",\"mtu\":-5,\"routes\":7,\"nested\":{\"a\":[1,2]}}",
    /* type names are case-sensitive */
    "{\"type\":\"Hello\"}",
    "{\"type\":\"\"}",
  };
  const char *names[] = { "pong", "stats", "Hello", "" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++) {
    g_autoptr (WstunControl) c = parse_ok (inputs[i]);

    g_assert_cmpint (c->type, ==, WSTUN_CONTROL_UNKNOWN);
    g_assert_cmpstr (c->type_name, ==, names[i]);
  }
}

static void
test_extra_fields (void)
{
  g_autoptr (WstunControl) h =
    parse_ok ("{\"future\":{\"a\":[1,{\"b\":null}]},\"type\":\"hello\",\"version\":1,"
              "\"flag\":true,\"ratio\":0.5,\"list\":[\"x\",2]}");
  g_autoptr (WstunControl) c =
    parse_ok ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,"
              "\"mss-clamp\":1400,\"bandwidth\":{\"up\":1,\"down\":2},\"x\":\"y\"}");
  g_autoptr (WstunControl) e =
    parse_ok ("{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\",\"retry-after\":30}");

  g_assert_cmpint (h->type, ==, WSTUN_CONTROL_HELLO);
  g_assert_cmpuint (h->hello.version, ==, 1);
  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_CONFIG);
  g_assert_cmpuint (c->config.mtu, ==, 1500);
  g_assert_cmpint (e->type, ==, WSTUN_CONTROL_ERROR);
  g_assert_cmpstr (e->error.code, ==, "c");
  g_assert_cmpstr (e->error.message, ==, "m");
}

/* ---- missing and mistyped fields -------------------------------------- */

static void
test_missing_fields (void)
{
  assert_refused ("{\"type\":\"hello\"}", "“version”");
  assert_refused ("{\"type\":\"hello\",\"version\":null}", "“version”");
  assert_refused ("{\"type\":\"hello\",\"software\":\"x\",\"capabilities\":[]}", "“version”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\"}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":null}", "“mtu”");
  assert_refused ("{\"type\":\"error\",\"message\":\"m\"}", "“code”");
  assert_refused ("{\"type\":\"error\",\"code\":\"c\"}", "“message”");
  assert_refused ("{\"type\":\"error\",\"code\":null,\"message\":\"m\"}", "“code”");
  assert_refused ("{\"type\":\"error\"}", "“code”");
  assert_refused ("{}", "“type”");
  assert_refused ("{\"version\":1,\"mtu\":1500}", "“type”");
  assert_refused ("{\"type\":null}", "“type”");
}

static void
test_mistyped_fields (void)
{
  static const struct {
    const char *json;
    const char *field;
  } cases[] = {
    /* type */
    { "{\"type\":5}", "“type”" },
    { "{\"type\":[\"hello\"]}", "“type”" },
    { "{\"type\":{\"name\":\"hello\"}}", "“type”" },
    { "{\"type\":true}", "“type”" },
    /* hello */
    { "{\"type\":\"hello\",\"version\":\"1\"}", "“version”" },
    { "{\"type\":\"hello\",\"version\":1.0}", "“version”" },
    { "{\"type\":\"hello\",\"version\":1.5}", "“version”" },
    { "{\"type\":\"hello\",\"version\":true}", "“version”" },
    { "{\"type\":\"hello\",\"version\":[1]}", "“version”" },
    { "{\"type\":\"hello\",\"version\":{}}", "“version”" },
    { "{\"type\":\"hello\",\"version\":1,\"software\":5}", "“software”" },
    { "{\"type\":\"hello\",\"version\":1,\"software\":[\"x\"]}", "“software”" },
    { "{\"type\":\"hello\",\"version\":1,\"capabilities\":\"batch\"}", "“capabilities”" },
    { "{\"type\":\"hello\",\"version\":1,\"capabilities\":[1]}", "“capabilities”" },
    { "{\"type\":\"hello\",\"version\":1,\"capabilities\":[\"a\",2]}", "“capabilities”" },
    { "{\"type\":\"hello\",\"version\":1,\"capabilities\":[null]}", "“capabilities”" },
    { "{\"type\":\"hello\",\"version\":1,\"capabilities\":[[\"a\"]]}", "“capabilities”" },
    { "{\"type\":\"hello\",\"version\":1,\"capabilities\":{\"a\":1}}", "“capabilities”" },
    { "{\"type\":\"hello\",\"version\":1,\"address4\":\"fd00:99::7\"}", "“address4”" },
    { "{\"type\":\"hello\",\"version\":1,\"address4\":\"10.99.0.7/24\"}", "“address4”" },
    { "{\"type\":\"hello\",\"version\":1,\"address4\":\"10.99.0.256\"}", "“address4”" },
    { "{\"type\":\"hello\",\"version\":1,\"address4\":\"relay.example\"}", "“address4”" },
    { "{\"type\":\"hello\",\"version\":1,\"address4\":\"\"}", "“address4”" },
    { "{\"type\":\"hello\",\"version\":1,\"address4\":167968519}", "“address4”" },
    { "{\"type\":\"hello\",\"version\":1,\"address6\":\"10.99.0.7\"}", "“address6”" },
    { "{\"type\":\"hello\",\"version\":1,\"address6\":\"fd00:99::7/64\"}", "“address6”" },
    { "{\"type\":\"hello\",\"version\":1,\"address6\":\"fd00:99:::7\"}", "“address6”" },
    { "{\"type\":\"hello\",\"version\":1,\"resume\":12}", "“resume”" },
    /* config */
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500.5}", "“mtu”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500.0}", "“mtu”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1.5e3}", "“mtu”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":\"1500\"}", "“mtu”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":false}", "“mtu”" },
    { "{\"type\":\"config\",\"address4\":5,\"mtu\":1500}", "“address4”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2\",\"mtu\":1500}", "“address4”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/\",\"mtu\":1500}", "“address4”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/33\",\"mtu\":1500}", "“address4”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/x\",\"mtu\":1500}", "“address4”" },
    { "{\"type\":\"config\",\"address4\":\"fd00:99::2/64\",\"mtu\":1500}", "“address4”" },
    { "{\"type\":\"config\",\"address6\":\"10.99.0.2/24\",\"mtu\":1500}", "“address6”" },
    { "{\"type\":\"config\",\"address6\":\"fd00:99::2\",\"mtu\":1500}", "“address6”" },
    { "{\"type\":\"config\",\"address6\":\"fd00:99::2/129\",\"mtu\":1500}", "“address6”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"address6\":[],\"mtu\":1500}",
      "“address6”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":\"10.0.0.0/8\"}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":{}}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":[8]}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":[null]}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,"
      "\"routes\":[\"10.0.0.0/8\",[\"10.1.0.0/16\"]]}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":[\"10.0.0.0\"]}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,"
      "\"routes\":[\"10.0.0.0/8\",\"fd00::\"]}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":[\"default\"]}",
      "“routes”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"dns\":\"10.0.0.1\"}",
      "“dns”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"dns\":[\"dns.example\"]}",
      "“dns”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"dns\":[\"10.0.0.1/32\"]}",
      "“dns”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"dns\":[10]}", "“dns”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"resume\":true}",
      "“resume”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"keepalive\":\"25\"}",
      "“keepalive”" },
    { "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"keepalive\":2.5}",
      "“keepalive”" },
    /* error */
    { "{\"type\":\"error\",\"code\":400,\"message\":\"m\"}", "“code”" },
    { "{\"type\":\"error\",\"code\":\"c\",\"message\":[\"m\"]}", "“message”" },
    { "{\"type\":\"error\",\"code\":\"c\",\"message\":false}", "“message”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_refused (cases[i].json, cases[i].field);
}

/* json-glib's scanner reads more than JSON: hexadecimal and octal numbers,
 * integers beyond 64 bits (wrapped), barewords. Each must be refused as
 * invalid JSON before a field check sees a converted value. */
static void
test_strict_json (void)
{
  const char *values[] = {
    "0x5dc", /* hexadecimal */
    "0X5DC",
    "01500", /* octal to json-glib, invalid in JSON */
    "00",
    "+1500", /* JSON has no unary plus */
    ".5",    /* a fraction needs its integer part */
    "1500.", /* and digits after the point */
    "1e",    /* an exponent needs digits */
    "1e+",
    "1500x",                /* a number runs into a word */
    "1500 1500",            /* two values */
    "18446744073709553116", /* 2^64 + 1500: must not wrap into range */
    "9223372036854777308",  /* 2^63 + 1500 */
    "-",
    "--1",
    "NaN",
    "Infinity",
    "-Infinity",
    "True",
    "tru",
    "truex",
    "nul",
    "NULL",
    "undefined",
    "mtu",
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++) {
    g_autofree char *json =
      g_strdup_printf ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":%s}", values[i]);

    assert_refused (json, "not valid JSON");
  }
  /* a bareword key */
  assert_refused ("{type:\"hello\",\"version\":1}", "not valid JSON");
  assert_refused ("{\"type\":\"hello\",version:1}", "not valid JSON");
  /* JSON's own number forms still parse; a fraction or exponent is not an integer */
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":-0}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1.5E+3}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":15e2}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"dns\":null,"
                  "\"routes\":[],\"keepalive\":false}",
                  "“keepalive”");
  wstun_control_free (
    parse_ok ("{ \"type\" : \"config\" ,\n\t\"address4\":\"10.99.0.2/24\",\r\n\"mtu\":1500 , "
              "\"dns\":null }"));
  wstun_control_free (parse_ok ("{\"type\":\"hello\",\"version\":1,\"x\":[true,false,null,-1.5e-3,"
                                "0,0.0,123456789012345678]}"));
}

static void
test_out_of_range (void)
{
  g_autofree char *ok_keepalive_max = config_with (",\"keepalive\":3600");
  g_autofree char *ok_keepalive_zero = config_with (",\"keepalive\":0");
  g_autofree char *bad_keepalive = config_with (",\"keepalive\":3601");
  g_autofree char *negative_keepalive = config_with (",\"keepalive\":-1");
  g_autofree char *huge_keepalive = config_with (",\"keepalive\":4294967296");
  g_autoptr (WstunControl) c = NULL;

  /* mtu: WSTUN_MTU_MIN .. WSTUN_MTU_MAX */
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":100}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":575}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":0}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":-1500}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":65536}", "“mtu”");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":70000}", "“mtu”");
  /* 2^32 + 1500 must not wrap into range */
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":4294968796}",
                  "“mtu”");
  c = parse_ok ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":65535}");
  g_assert_cmpuint (c->config.mtu, ==, 65535);
  g_clear_pointer (&c, wstun_control_free);

  /* IPv6 needs 1280 */
  assert_refused ("{\"type\":\"config\",\"address6\":\"fd00:99::2/64\",\"mtu\":1279}", "1280");
  assert_refused ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"address6\":\"fd00:99::2/"
                  "64\",\"mtu\":576}",
                  "1280");
  c = parse_ok ("{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1279}");
  g_assert_cmpuint (c->config.mtu, ==, 1279);
  g_clear_pointer (&c, wstun_control_free);

  /* keepalive: 0 (off) .. 3600 */
  assert_refused (bad_keepalive, "“keepalive”");
  assert_refused (negative_keepalive, "“keepalive”");
  assert_refused (huge_keepalive, "“keepalive”");
  c = parse_ok (ok_keepalive_max);
  g_assert_cmpuint (c->config.keepalive, ==, 3600);
  g_clear_pointer (&c, wstun_control_free);
  c = parse_ok (ok_keepalive_zero);
  g_assert_cmpuint (c->config.keepalive, ==, 0);
  g_clear_pointer (&c, wstun_control_free);

  /* version: 1 .. G_MAXINT32 */
  assert_refused ("{\"type\":\"hello\",\"version\":0}", "“version”");
  assert_refused ("{\"type\":\"hello\",\"version\":-1}", "“version”");
  assert_refused ("{\"type\":\"hello\",\"version\":2147483648}", "“version”");
  assert_refused ("{\"type\":\"hello\",\"version\":4294967297}", "“version”");
  c = parse_ok ("{\"type\":\"hello\",\"version\":2147483647}");
  g_assert_cmpuint (c->hello.version, ==, 2147483647u);
}

static void
test_config_no_address (void)
{
  assert_refused ("{\"type\":\"config\",\"mtu\":1500}", "neither");
  assert_refused ("{\"type\":\"config\",\"mtu\":1500,\"address4\":null,\"address6\":null}",
                  "neither");
  assert_refused ("{\"type\":\"config\",\"mtu\":1500,\"routes\":[\"10.0.0.0/8\"]}", "neither");
}

/* ---- not a message at all --------------------------------------------- */

static void
test_not_object (void)
{
  const char *inputs[] = {
    "[]", "[{\"type\":\"hello\",\"version\":1}]", "\"hello\"", "42", "-1.5", "true", "null",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    assert_refused (inputs[i], "not a JSON object");
}

static void
test_invalid_json (void)
{
  const char *inputs[] = {
    "{",
    "}",
    "{\"type\":\"hello\",\"version\":1",
    "{\"type\":\"hello\",\"version\":1,}",
    "{\"type\":\"hello\" \"version\":1}",
    "{\"type\":\"hello\",\"version\":1} trailing",
    "{type:\"hello\"}",
    "{\"type\":\"hello\",\"version\":NaN}",
    "{\"type\":\"hello\",\"version\":+1}",
    "{\"type\":\"hel",
    "\xff\xfe{}",
    "{\"type\":\"\xc3\x28\"}",
    "hello",
    /* json-glib extensions that strict JSON does not have */
    "{'type':'error','code':'c','message':'m'}",
    "{\"type\":\"error\",\"code\":'c',\"message\":\"m\"}",
    "/* c */ {\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"}",
    "{\"type\":\"error\",/**/\"code\":\"c\",\"message\":\"m\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    assert_refused (inputs[i], NULL);
}

static void
test_empty (void)
{
  assert_refused_len ("", 0, NULL);
  assert_refused_len (NULL, 0, NULL);
  assert_refused ("   \n\t ", NULL);
  /* only the first @len bytes count */
  assert_refused_len ("{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"}", 0, NULL);
  assert_refused_len ("{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"}", 20, NULL);
}

static void
test_embedded_nul (void)
{
  static const char after[] = "{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"}\0garbage";
  static const char inside[] = "{\"type\":\"error\",\"code\":\"c\0d\",\"message\":\"m\"}";
  static const char before[] = "\0{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"}";
  static const char at_end[] = "{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"}\0";

  assert_refused_len (after, sizeof after - 1, NULL);
  assert_refused_len (inside, sizeof inside - 1, NULL);
  assert_refused_len (before, sizeof before - 1, NULL);
  assert_refused_len (at_end, sizeof at_end - 1, NULL);
}

/* A valid error message padded with spaces to exactly @size bytes. */
static GString *
padded_message (gsize size)
{
  GString *s = g_string_new ("{\"type\":\"error\",\"code\":\"c\",\"message\":\"m\"");

  while (s->len < size - 1)
    g_string_append_c (s, ' ');
  g_string_append_c (s, '}');
  g_assert_cmpuint (s->len, ==, size);
  return s;
}

static void
test_too_large (void)
{
  g_autoptr (GString) max = padded_message (WSTUN_CONTROL_MAX_SIZE);
  g_autoptr (GString) over = padded_message (WSTUN_CONTROL_MAX_SIZE + 1);
  g_autoptr (GString) huge = padded_message (4 * WSTUN_CONTROL_MAX_SIZE);
  g_autoptr (GError) error = NULL;
  g_autoptr (WstunControl) c = wstun_control_parse (max->str, max->len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (c);
  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_ERROR);
  assert_refused_len (over->str, over->len, "larger");
  assert_refused_len (huge->str, huge->len, "larger");
}

static char *
nested (guint depth, const char *open, const char *close, const char *middle)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, middle);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static void
test_too_deep (void)
{
  g_autofree char *open_only = g_strnfill (10000, '[');
  g_autofree char *objects_only = g_strnfill (10000, '{');
  g_autofree char *arrays = nested (10000, "[", "]", "1");
  g_autofree char *open_inside = g_strdup_printf ("{\"type\":\"x\",\"a\":%s", open_only);
  g_autofree char *arrays_inside = g_strdup_printf ("{\"type\":\"x\",\"a\":%s}", arrays);
  g_autofree char *objects = nested (5000, "{\"a\":", "}", "1");
  g_autofree char *inner_max = nested (WSTUN_CONTROL_MAX_DEPTH - 1, "[", "]", "");
  g_autofree char *inner_over = nested (WSTUN_CONTROL_MAX_DEPTH, "[", "]", "");
  g_autofree char *at_max = g_strdup_printf ("{\"type\":\"x\",\"a\":%s}", inner_max);
  g_autofree char *over_max = g_strdup_printf ("{\"type\":\"x\",\"a\":%s}", inner_over);
  g_autofree char *brackets = g_strnfill (5000, '[');
  g_autofree char *in_string =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"software\":\"%.1000s\"}", brackets);
  g_autofree char *escaped = g_strdup_printf (
    "{\"type\":\"hello\",\"version\":1,\"software\":\"\\\"\\\\%.1000s\"}", brackets);
  g_autoptr (WstunControl) c = NULL;

  /* a document that is no object is refused before its depth counts */
  assert_refused (open_only, "not a JSON object");
  assert_refused (open_inside, "nested");
  /* an object where a member name belongs */
  assert_refused (objects_only, "member name is not a string");
  assert_refused (arrays, "not a JSON object");
  assert_refused (arrays_inside, "nested");
  assert_refused (objects, "nested");
  assert_refused (over_max, "nested");

  /* exactly WSTUN_CONTROL_MAX_DEPTH levels, the outer object included */
  c = parse_ok (at_max);
  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_UNKNOWN);
  g_clear_pointer (&c, wstun_control_free);

  /* brackets inside strings are not nesting, escaped quotes do not end them */
  c = parse_ok (in_string);
  g_assert_cmpuint (strlen (c->hello.software), ==, 1000);
  g_clear_pointer (&c, wstun_control_free);
  c = parse_ok (escaped);
  g_assert_true (g_str_has_prefix (c->hello.software, "\"\\[[["));
  g_clear_pointer (&c, wstun_control_free);
}

static void
test_too_deep_hidden (void)
{
  /* as deep as the size limit allows, and never closed */
  g_autofree char *deep = g_strnfill (WSTUN_CONTROL_MAX_SIZE - 64, '[');
  g_autofree char *balanced = nested (20000, "[", "]", "");
  /* json-glib also reads single-quoted strings and C comments; a double
   * quote inside one must not hide the nesting that follows */
  g_autofree char *sq_value = g_strdup_printf ("{\"type\":\"x\",\"a\":['\"',%s", deep);
  g_autofree char *sq_name = g_strdup_printf ("{\"type\":\"x\",'\"':%s}", balanced);
  g_autofree char *comment = g_strdup_printf ("{\"type\":\"x\", /* \" */ \"a\":%s}", balanced);
  g_autofree char *comment_deep = g_strdup_printf ("{\"type\":\"x\", /* \" */ \"a\":%s", deep);

  assert_refused (sq_value, NULL);
  assert_refused (sq_name, NULL);
  assert_refused (comment, NULL);
  assert_refused (comment_deep, NULL);
}

static void
test_too_many_entries (void)
{
  g_autoptr (GString) routes = g_string_new (NULL);
  g_autoptr (GString) caps = g_string_new (NULL);
  g_autoptr (GString) dns = g_string_new (NULL);
  g_autofree char *max_json = NULL;
  g_autofree char *over_json = NULL;
  g_autofree char *caps_max = NULL;
  g_autofree char *caps_over = NULL;
  g_autofree char *dns_over = NULL;
  g_autoptr (WstunControl) c = NULL;

  for (guint i = 0; i < WSTUN_CONTROL_MAX_LIST; i++) {
    g_string_append_printf (routes, "%s\"10.%u.%u.0/24\"", i ? "," : "", i / 256, i % 256);
    g_string_append_printf (caps, "%s\"cap%u\"", i ? "," : "", i);
  }
  for (guint i = 0; i <= WSTUN_CONTROL_MAX_LIST; i++)
    g_string_append_printf (dns, "%s\"10.%u.%u.1\"", i ? "," : "", i / 256, i % 256);
  max_json = g_strdup_printf (
    "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":[%s]}",
    routes->str);
  caps_max =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"capabilities\":[%s]}", caps->str);
  g_string_append (routes, ",\"10.255.0.0/24\"");
  g_string_append (caps, ",\"one-more\"");
  over_json = g_strdup_printf (
    "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"routes\":[%s]}",
    routes->str);
  caps_over =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"capabilities\":[%s]}", caps->str);

  dns_over = g_strdup_printf (
    "{\"type\":\"config\",\"address4\":\"10.99.0.2/24\",\"mtu\":1500,\"dns\":[%s]}", dns->str);

  c = parse_ok (max_json);
  g_assert_cmpuint (g_strv_length (c->config.routes), ==, WSTUN_CONTROL_MAX_LIST);
  g_assert_cmpstr (c->config.routes[WSTUN_CONTROL_MAX_LIST - 1], ==, "10.0.255.0/24");
  g_clear_pointer (&c, wstun_control_free);
  c = parse_ok (caps_max);
  g_assert_cmpuint (g_strv_length (c->hello.capabilities), ==, WSTUN_CONTROL_MAX_LIST);
  g_clear_pointer (&c, wstun_control_free);

  assert_refused (over_json, "“routes” has more than 256 entries");
  assert_refused (caps_over, "“capabilities” has more than 256 entries");
  assert_refused (dns_over, "“dns” has more than 256 entries");
}

static void
test_overlong_strings (void)
{
  g_autofree char *max = g_strnfill (WSTUN_CONTROL_MAX_STRING, 'a');
  g_autofree char *over = g_strnfill (WSTUN_CONTROL_MAX_STRING + 1, 'a');
  g_autofree char *sw_max =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"software\":\"%s\"}", max);
  g_autofree char *sw_over =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"software\":\"%s\"}", over);
  g_autofree char *resume_over =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"resume\":\"%s\"}", over);
  g_autofree char *cap_over =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"capabilities\":[\"x\",\"%s\"]}", over);
  g_autofree char *type_over = g_strdup_printf ("{\"type\":\"%s\"}", over);
  g_autofree char *msg_over =
    g_strdup_printf ("{\"type\":\"error\",\"code\":\"c\",\"message\":\"%s\"}", over);
  g_autofree char *code_over =
    g_strdup_printf ("{\"type\":\"error\",\"code\":\"%s\",\"message\":\"m\"}", over);
  g_autofree char *route_over_member = g_strdup_printf (",\"routes\":[\"%s\"]", over);
  g_autofree char *route_over = config_with (route_over_member);
  g_autoptr (WstunControl) c = NULL;

  c = parse_ok (sw_max);
  g_assert_cmpuint (strlen (c->hello.software), ==, WSTUN_CONTROL_MAX_STRING);
  g_clear_pointer (&c, wstun_control_free);

  assert_refused (sw_over, "“software”");
  assert_refused (resume_over, "“resume”");
  assert_refused (cap_over, "“capabilities”");
  assert_refused (type_over, "“type”");
  assert_refused (msg_over, "“message”");
  assert_refused (code_over, "“code”");
  assert_refused (route_over, "“routes”");
}

/* PROTOCOL.md 3, decision: the limits hold for every member of every
 * message, also those a receiver ignores (unknown members, unknown types) */
static void
test_limits_on_unknown_members (void)
{
  g_autofree char *over = g_strnfill (WSTUN_CONTROL_MAX_STRING + 1, 'a');
  g_autofree char *max = g_strnfill (WSTUN_CONTROL_MAX_STRING, 'a');
  g_autoptr (GString) list_max = g_string_new (NULL);
  g_autoptr (GString) members_max = g_string_new ("{\"type\":\"x\"");
  g_autofree char *s = NULL;
  g_autofree char *list_over = NULL;
  g_autofree char *members_over = NULL;
  g_autoptr (WstunControl) c = NULL;

  /* strings: a value, an entry, a member name, in known and unknown types */
  s = g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"x-note\":\"%s\"}", over);
  assert_refused (s, "“x-note” is longer than 1024 bytes");
  g_free (s);
  s = g_strdup_printf ("{\"type\":\"future\",\"x\":[\"%s\"]}", over);
  assert_refused (s, "an entry of “x” is longer than 1024 bytes");
  g_free (s);
  s = g_strdup_printf ("{\"type\":\"future\",\"x\":{\"y\":[[\"%s\"]]}}", over);
  assert_refused (s, "an entry of “y”");
  g_free (s);
  s = g_strdup_printf ("{\"type\":\"future\",\"%s\":1}", over);
  assert_refused (s, "a member name is longer than 1024 bytes");
  g_free (s);
  s = g_strdup_printf ("{\"type\":\"%s\"}", over);
  assert_refused (s, "“type”");
  g_free (s);
  /* the limit is on the decoded bytes: 1024 characters written as escapes
   * pass, one more does not */
  {
    g_autoptr (GString) escaped = g_string_new ("{\"type\":\"future\",\"x\":\"");

    for (guint i = 0; i < WSTUN_CONTROL_MAX_STRING / 2; i++)
      g_string_append (escaped, "\\u00e9"); /* two bytes in UTF-8 */
    g_string_append (escaped, "\"}");
    c = parse_ok (escaped->str);
    g_assert_cmpint (c->type, ==, WSTUN_CONTROL_UNKNOWN);
    g_clear_pointer (&c, wstun_control_free);
    g_string_insert (escaped, strlen ("{\"type\":\"future\",\"x\":\""), "a");
    assert_refused (escaped->str, "“x” is longer than 1024 bytes");
  }
  s = g_strdup_printf ("{\"type\":\"future\",\"%s\":\"%s\"}", max, max);
  c = parse_ok (s);
  g_clear_pointer (&c, wstun_control_free);

  /* lists: arrays and objects, wherever they are */
  for (guint i = 0; i < WSTUN_CONTROL_MAX_LIST; i++)
    g_string_append_printf (list_max, "%s%u", i ? "," : "", i);
  g_free (s);
  s = g_strdup_printf ("{\"type\":\"future\",\"x\":[%s]}", list_max->str);
  c = parse_ok (s);
  g_clear_pointer (&c, wstun_control_free);
  list_over = g_strdup_printf ("{\"type\":\"future\",\"x\":[%s,0]}", list_max->str);
  assert_refused (list_over, "“x” has more than 256 entries");
  g_free (s);
  s = g_strdup_printf ("{\"type\":\"hello\",\"version\":1,\"x\":{\"y\":[[%s,0]]}}", list_max->str);
  assert_refused (s, "“y” has more than 256 entries");
  for (guint i = 1; i < WSTUN_CONTROL_MAX_LIST; i++)
    g_string_append_printf (members_max, ",\"m%u\":%u", i, i);
  g_string_append_c (members_max, '}');
  c = parse_ok (members_max->str);
  g_assert_cmpint (c->type, ==, WSTUN_CONTROL_UNKNOWN);
  g_clear_pointer (&c, wstun_control_free);
  members_over =
    g_strdup_printf ("%.*s,\"one-more\":0}", (int) members_max->len - 1, members_max->str);
  assert_refused (members_over, "an object has more than 256 members");
}

/* PROTOCOL.md 3, decision: a member name twice in one object is malformed
 * (json-glib would keep the last one silently) */
static void
test_duplicate_members (void)
{
  static const char *const refused[] = {
    "{\"type\":\"hello\",\"version\":1,\"version\":2}",
    "{\"type\":\"config\",\"type\":\"hello\",\"version\":1}",
    "{\"type\":\"hello\",\"type\":\"hello\",\"version\":1}",
    /* the same name, spelled with an escape */
    "{\"type\":\"hello\",\"version\":1,\"vers\\u0069on\":1}",
    "{\"\\u0074ype\":\"config\",\"type\":\"hello\",\"version\":1}",
    "{\"type\":\"future\",\"x\":{\"a\":1,\"b\":2,\"a\":3}}",
    "{\"type\":\"future\",\"x\":[{\"a\":1},{\"a\":1,\"a\":1}]}",
    "{\"type\":\"hello\",\"version\":1,\"\":1,\"\":2}",
  };
  static const char *const accepted[] = {
    /* equal names in different objects, or at other levels */
    "{\"type\":\"future\",\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}",
    "{\"type\":\"future\",\"x\":[{\"a\":1},{\"a\":1}]}",
    /* names that differ only in case differ */
    "{\"type\":\"hello\",\"version\":1,\"Version\":2}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    assert_refused (refused[i], "appears more than once");
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++) {
    g_autoptr (WstunControl) c = parse_ok (accepted[i]);
    g_assert_nonnull (c);
  }
}

/* U+0000 would end the C string the value becomes, and a raw control
 * character is not JSON */
static void
test_nul_and_controls_in_strings (void)
{
  static const char raw_tab[] = "{\"type\":\"hello\",\"version\":1,\"software\":\"a\tb\"}";
  static const char raw_nl[] = "{\"type\":\"hello\",\"version\":1,\"software\":\"a\nb\"}";
  g_autoptr (WstunControl) c = NULL;

  assert_refused ("{\"type\":\"hello\",\"version\":1,\"software\":\"a\\u0000b\"}", "U+0000");
  assert_refused ("{\"type\":\"hello\",\"version\":1,\"x\\u0000\":1}", "U+0000");
  assert_refused (raw_tab, "control character");
  assert_refused (raw_nl, "control character");
  /* escaped, they are fine */
  c = parse_ok ("{\"type\":\"hello\",\"version\":1,\"software\":\"a\\tb\\u0001\"}");
  g_assert_cmpstr (c->hello.software, ==, "a\tb\001");
}

/* what json-glib may accept and strict JSON does not */
static void
test_lenient_grammar (void)
{
  assert_refused ("{\"type\":\"hello\",\"version\":1 \"software\":\"x\"}", NULL);
  assert_refused ("{\"type\":\"hello\",\"version\":1,}", NULL);
  assert_refused ("{\"type\":\"hello\",,\"version\":1}", NULL);
  assert_refused ("{type:\"hello\",\"version\":1}", NULL);
  assert_refused ("{\"type\":\"hello\",true:1,\"version\":1}", "member name is not a string");
  assert_refused ("{\"type\":\"hello\",\"version\":1,\"x\":[1,2,]}", NULL);
  assert_refused ("{\"type\":\"hello\",\"version\":1]", NULL);
  assert_refused ("{\"type\":\"hello\",\"version\":1", NULL);
  assert_refused ("{\"type\":\"hello\",\"version\":\"1}", "not closed");
  assert_refused ("{\"type\":\"hello\",\"version\":1}\xff", "UTF-8");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/control/hello/parse", test_hello_parse);
  g_test_add_func ("/control/hello/minimal", test_hello_minimal);
  g_test_add_func ("/control/hello/null-members", test_hello_null_members);
  g_test_add_func ("/control/hello/round-trip", test_hello_round_trip);
  g_test_add_func ("/control/hello/round-trip-minimal", test_hello_round_trip_minimal);
  g_test_add_func ("/control/config/parse", test_config_parse);
  g_test_add_func ("/control/config/canonical", test_config_canonical);
  g_test_add_func ("/control/config/single-family", test_config_single_family);
  g_test_add_func ("/control/config/round-trip", test_config_round_trip);
  g_test_add_func ("/control/config/round-trip-minimal", test_config_round_trip_minimal);
  g_test_add_func ("/control/config/clear", test_config_clear);
  g_test_add_func ("/control/config/no-address", test_config_no_address);
  g_test_add_func ("/control/error/parse", test_error_parse);
  g_test_add_func ("/control/error/round-trip", test_error_round_trip);
  g_test_add_func ("/control/unknown-type", test_unknown_type);
  g_test_add_func ("/control/extra-fields", test_extra_fields);
  g_test_add_func ("/control/refuse/missing-fields", test_missing_fields);
  g_test_add_func ("/control/refuse/mistyped-fields", test_mistyped_fields);
  g_test_add_func ("/control/refuse/out-of-range", test_out_of_range);
  g_test_add_func ("/control/refuse/not-object", test_not_object);
  g_test_add_func ("/control/refuse/invalid-json", test_invalid_json);
  g_test_add_func ("/control/refuse/empty", test_empty);
  g_test_add_func ("/control/refuse/embedded-nul", test_embedded_nul);
  g_test_add_func ("/control/refuse/too-large", test_too_large);
  g_test_add_func ("/control/refuse/strict-json", test_strict_json);
  g_test_add_func ("/control/refuse/too-deep", test_too_deep);
  g_test_add_func ("/control/refuse/too-deep-hidden", test_too_deep_hidden);
  g_test_add_func ("/control/refuse/too-many-entries", test_too_many_entries);
  g_test_add_func ("/control/refuse/overlong-strings", test_overlong_strings);
  g_test_add_func ("/control/refuse/limits-on-unknown-members", test_limits_on_unknown_members);
  g_test_add_func ("/control/refuse/duplicate-members", test_duplicate_members);
  g_test_add_func ("/control/refuse/nul-and-controls", test_nul_and_controls_in_strings);
  g_test_add_func ("/control/refuse/lenient-grammar", test_lenient_grammar);
  return g_test_run ();
}
