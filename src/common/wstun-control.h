/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wstun-control.h: the JSON control messages of wstun.v1 (text frames) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WSTUN_PROTOCOL_VERSION 1
#define WSTUN_SUBPROTOCOL      "wstun.v1"
/* Capability: data frames may carry offload records (PROTOCOL.md 4.2) */
#define WSTUN_CAPABILITY_OFFLOAD "offload"
/* A control message larger than this is refused before parsing. */
#define WSTUN_CONTROL_MAX_SIZE   (64 * 1024)
#define WSTUN_CONTROL_MAX_LIST   256
#define WSTUN_CONTROL_MAX_DEPTH  16
#define WSTUN_CONTROL_MAX_STRING 1024
#define WSTUN_MTU_MIN            576
#define WSTUN_MTU_MIN_IPV6       1280
#define WSTUN_MTU_MAX            65535

/* Stable error codes carried in "error" messages, each with its close code. */
#define WSTUN_ERR_BAD_MESSAGE         "bad-message"         /* 4400 */
#define WSTUN_ERR_UNAUTHORIZED        "unauthorized"        /* 4401 */
#define WSTUN_ERR_HELLO_TIMEOUT       "hello-timeout"       /* 4408 */
#define WSTUN_ERR_ADDRESS_IN_USE      "address-in-use"      /* 4409 */
#define WSTUN_ERR_ADDRESS_UNAVAILABLE "address-unavailable" /* 4422 */
#define WSTUN_ERR_UNSUPPORTED_VERSION "unsupported-version" /* 4426 */
#define WSTUN_ERR_POOL_EXHAUSTED      "pool-exhausted"      /* 4503 */
#define WSTUN_ERR_REPLACED            "replaced"            /* 4410 */
#define WSTUN_ERR_CLUSTER_UNAVAILABLE "cluster-unavailable" /* 4502 */
#define WSTUN_ERR_INTERNAL            "internal-error"      /* 1011 */

typedef enum {
  WSTUN_CLOSE_BAD_MESSAGE = 4400,
  WSTUN_CLOSE_UNAUTHORIZED = 4401,
  WSTUN_CLOSE_HELLO_TIMEOUT = 4408,
  WSTUN_CLOSE_ADDRESS_IN_USE = 4409,
  WSTUN_CLOSE_ADDRESS_UNAVAILABLE = 4422,
  WSTUN_CLOSE_UNSUPPORTED_VERSION = 4426,
  WSTUN_CLOSE_POOL_EXHAUSTED = 4503,
  /* a relay of a cluster cannot reach its etcd: it admits no new client
   * (one that resumes a session it holds gets in); try another relay */
  WSTUN_CLOSE_CLUSTER_UNAVAILABLE = 4502,
  WSTUN_CLOSE_REPLACED = 4410, /* another connection resumed the session */
  /* either side, without an error message: nothing was received for three
   * keepalive intervals */
  WSTUN_CLOSE_PEER_TIMEOUT = 4504,
} WstunCloseCode;

typedef enum {
  WSTUN_CONTROL_UNKNOWN, /* a type this version does not know: ignore it */
  WSTUN_CONTROL_HELLO,
  WSTUN_CONTROL_CONFIG,
  WSTUN_CONTROL_ERROR,
} WstunControlType;

typedef struct {
  guint version;
  char *software;     /* optional, e.g. "wstun/0.1.0" */
  GStrv capabilities; /* never NULL after parsing */
  char *address4;     /* optional wish, plain address */
  char *address6;
  char *resume; /* optional resume id from an earlier config */
} WstunHello;

typedef struct {
  char *address4; /* CIDR, optional */
  char *address6; /* CIDR, optional */
  guint mtu;
  GStrv routes; /* CIDR list, never NULL after parsing */
  GStrv dns;    /* addresses, never NULL after parsing */
  char *resume;
  guint keepalive;    /* seconds, 0 = off */
  GStrv capabilities; /* of the hello's, those the relay uses; never NULL after parsing */
} WstunConfig;

typedef struct {
  char *code;
  char *message;
} WstunErrorMessage;

typedef struct {
  WstunControlType type;
  char *type_name;
  WstunHello hello;
  WstunConfig config;
  WstunErrorMessage error;
} WstunControl;

WstunControl *wstun_control_parse (const char *data, gsize len, GError **error);
void wstun_control_free (WstunControl *control);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WstunControl, wstun_control_free)

void wstun_hello_clear (WstunHello *hello);
void wstun_config_clear (WstunConfig *config);

char *wstun_hello_to_json (const WstunHello *hello);
char *wstun_config_to_json (const WstunConfig *config);
char *wstun_error_message_to_json (const char *code, const char *message);

G_END_DECLS
