/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-spki.c: libFuzzer harness for the certificate walk of pin-sha256
 *
 * The input is a relay's DER certificate, which arrives from the network
 * before it is trusted. On success wstun_pin_find_spki() promises a
 * SubjectPublicKeyInfo SEQUENCE lying wholly inside the input, whose own
 * length field accounts for exactly its size.
 */
#include "config.h"

#include "fuzz.h"
#include "wstun-pin.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const guint8 *spki = NULL;
  gsize spki_len = 0, header, len;

  if (!wstun_pin_find_spki (data, size, &spki, &spki_len))
    return 0;
  g_assert_true (spki >= data && spki_len >= 2 && spki + spki_len <= data + size);
  g_assert_cmpuint (spki[0], ==, 0x30);
  if (spki[1] < 0x80) {
    header = 2;
    len = spki[1];
  } else {
    header = 2 + (spki[1] & 0x7f);
    g_assert_cmpuint (header, <=, spki_len);
    len = 0;
    for (gsize i = 2; i < header; i++)
      len = (len << 8) | spki[i];
  }
  g_assert_cmpuint (header + len, ==, spki_len);
  return 0;
}
