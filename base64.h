/* SPDX-License-Identifier: ISC */
/* base64.h - RFC 4648 section 4 base64, the alphabet with '+' and '/'. */
#ifndef LETTERD_BASE64_H
#define LETTERD_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Length of the encoding of n bytes, padding included, without a NUL. */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes BASE64_LEN(n) characters and a NUL to out; returns BASE64_LEN(n). */
size_t base64_encode(const uint8_t *in, size_t n, char *out);

/* Strict decoding: n must be a multiple of 4, '=' only as the last one or
 * two characters, no whitespace, and the unused bits before the padding
 * must be zero (RFC 4648 3.5: canonical encoding).  Writes at most cap
 * bytes; returns the number of bytes decoded, or -1 if the input is not
 * canonical base64 or does not fit. */
long base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
