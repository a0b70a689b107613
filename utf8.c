/* SPDX-License-Identifier: ISC */
/*
 * utf8.c - incremental UTF-8 validation (RFC 3629).
 *
 * RFC 6455 8.1 wants a text message refused as soon as its bytes cannot be
 * UTF-8, and those bytes arrive in frames and reads split anywhere.  So the
 * validator is a byte-at-a-time state machine whose whole memory is one
 * uint32_t that the connection keeps between calls.
 *
 * The grammar of RFC 3629 section 4 says that after a lead byte the FIRST
 * continuation byte has a narrower range in five cases (that is how it
 * excludes overlongs, surrogates and code points above U+10FFFF), and every
 * later continuation byte is 80..BF.  So all we need to remember inside a
 * code point is how many continuation bytes are still owed and the range
 * the next one must fall in:
 *
 *     state = need << 16 | lo << 8 | hi      need 1..3, lo..hi within 80..BF
 *
 * need >= 1 makes such a state at least 0x10000, never UTF8_OK (0) or
 * UTF8_BAD (1).  No code point is ever assembled: only ranges are checked.
 */
#include "utf8.h"

#define UTF8_STATE(need, lo, hi) \
	((uint32_t)(need) << 16 | (uint32_t)(lo) << 8 | (uint32_t)(hi))

/* The state after lead byte b: the table of RFC 3629 4, row by row. */
static uint32_t
utf8_lead(uint8_t b)
{
	if (b < 0x80)
		return UTF8_OK;                          /* ASCII */
	if (b < 0xC2)
		return UTF8_BAD;   /* 80..BF continuation; C0, C1 only overlong */
	if (b < 0xE0)
		return UTF8_STATE(1, 0x80, 0xBF);
	if (b == 0xE0)
		return UTF8_STATE(2, 0xA0, 0xBF);   /* below A0: overlong */
	if (b == 0xED)
		return UTF8_STATE(2, 0x80, 0x9F);   /* above 9F: D800..DFFF */
	if (b < 0xF0)
		return UTF8_STATE(2, 0x80, 0xBF);
	if (b == 0xF0)
		return UTF8_STATE(3, 0x90, 0xBF);   /* below 90: overlong */
	if (b < 0xF4)
		return UTF8_STATE(3, 0x80, 0xBF);
	if (b == 0xF4)
		return UTF8_STATE(3, 0x80, 0x8F);   /* above 8F: > U+10FFFF */
	return UTF8_BAD;   /* F5..FF: would start a code point > U+10FFFF */
}

/* st must be UTF8_OK or a value this function returned. */
uint32_t
utf8_feed(uint32_t st, const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && st != UTF8_BAD; i++) {
		uint32_t need = st >> 16, lo = st >> 8 & 0xFF, hi = st & 0xFF;

		if (st == UTF8_OK)
			st = utf8_lead(s[i]);
		else if (s[i] < lo || s[i] > hi)
			st = UTF8_BAD;  /* includes a new lead byte or ASCII */
		else if (need == 1)
			st = UTF8_OK;
		else
			st = UTF8_STATE(need - 1, 0x80, 0xBF);
	}
	return st;
}
