/* SPDX-License-Identifier: ISC */
/*
 * base64.c - base64 with the RFC 4648 section 4 alphabet.
 *
 * letterd encodes one thing, the 20-byte Sec-WebSocket-Accept digest, and
 * decodes one thing, the client's Sec-WebSocket-Key, which must be 16 bytes
 * once decoded (RFC 6455 4.2.1 item 5).  The decoder is strict on purpose:
 * a key is either the canonical encoding of 16 bytes or it is refused, so
 * there is exactly one spelling of each key and no "lenient" corner where
 * two implementations disagree (RFC 4648 3.3 and 3.5 allow this choice).
 */
#include <limits.h>
#include <string.h>

#include "base64.h"

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Each 3 input bytes become 4 characters of 6 bits each (RFC 4648 4).  A
 * last group of 1 or 2 bytes is zero-filled on the right and the characters
 * that carry no input bits are written as '='. */
size_t
base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		size_t left = n - i;
		uint32_t v = (uint32_t)in[i] << 16;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = left > 1 ? base64_alphabet[v >> 6 & 63] : '=';
		out[o++] = left > 2 ? base64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* The value of one alphabet character, or -1.  A search of the alphabet
 * rather than a 256-entry table: keys are 24 characters long, and this way
 * the alphabet is written down once.  memchr, not strchr, so that a NUL in
 * the input is not found as the string's terminator; 64, not sizeof,
 * for the same reason. */
static int
base64_value(char ch)
{
	const char *p = memchr(base64_alphabet, ch, 64);

	return p ? (int)(p - base64_alphabet) : -1;
}

long
base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	size_t i, j, o = 0;

	/* RFC 4648 3.3: no characters outside the alphabet, whitespace
	 * included; with padding required the length is a multiple of 4.
	 * The second test keeps the byte count representable as a long. */
	if (n % 4 != 0 || n / 4 > LONG_MAX / 3)
		return -1;
	for (i = 0; i < n; i += 4) {
		uint32_t v = 0;
		unsigned pad = 0, k;

		for (j = 0; j < 4; j++) {
			int d = base64_value(in[i + j]);

			/* '=' may only fill the third and fourth places of
			 * the last group, and nothing but '=' may follow it. */
			if (in[i + j] == '=' && i + 4 == n && j >= 2) {
				pad++;
				d = 0;
			} else if (d < 0 || pad > 0) {
				return -1;
			}
			v = v << 6 | (uint32_t)d;
		}
		/* RFC 4648 3.5: the bits below the last whole byte must be
		 * zero, else "Zh==" and "Zg==" would both mean "f". */
		if (v & (((uint32_t)1 << 8 * pad) - 1))
			return -1;
		if (cap - o < 3 - pad)
			return -1;
		for (k = 0; k < 3 - pad; k++)
			out[o++] = (uint8_t)(v >> (16 - 8 * k));
	}
	return (long)o;
}
