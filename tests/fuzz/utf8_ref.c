/* SPDX-License-Identifier: ISC */
/*
 * utf8_ref.c - the reference UTF-8 checker of the fuzz targets.
 *
 * utf8.c is fast and clever: it encodes RFC 3629's table of byte ranges
 * (section 4) in a three-field state.  This file is deliberately neither.
 * It decodes one code point at a time from the definitions of RFC 3629
 * section 3, with every range spelled out:
 *
 *   - the lead byte says how many bytes the code point has (1 to 4), by
 *     its high bits: 0xxxxxxx, 110xxxxx, 1110xxxx, 11110xxx; anything else
 *     (10xxxxxx, 11111xxx) cannot start one;
 *   - every other byte is 10xxxxxx and brings 6 more bits;
 *   - the value must be one that needs exactly that many bytes (shortest
 *     form: U+0000..7F, U+0080..7FF, U+0800..FFFF, U+10000..10FFFF), and
 *     must not be a surrogate, U+D800..DFFF.
 *
 * The one subtle point is WHEN to give up.  A validator that fails as early
 * as possible (RFC 6455 8.1) fails at the first byte after which no
 * continuation could make the text valid.  In the middle of a code point
 * that is easy to decide by brute reasoning instead of a table: the bytes
 * still to come can only add low bits, anything from all-zero to all-one,
 * so the finished value lies in the interval [v << b, (v << b) | (2^b - 1)]
 * where v holds the bits seen so far and b = 6 * (bytes to come).  The
 * prefix can still be completed exactly when that interval meets the
 * allowed values for its length.  (An interval meets "a range minus the
 * surrogates" unless its part inside the range lies wholly among the
 * surrogates.)
 *
 * It is O(n), allocates nothing and never looks past s[n - 1].
 */
#include "utf8_ref.h"

/* RFC 3629 3: the values a code point of 1..4 bytes may have. */
static const uint32_t utf8_ref_lo[5] = { 0, 0x0, 0x80, 0x800, 0x10000 };
static const uint32_t utf8_ref_hi[5] = { 0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF };

/* 1 if some value in [mn, mx] is a valid code point of len bytes. */
static int
utf8_ref_possible(uint32_t mn, uint32_t mx, int len)
{
	uint32_t lo = mn > utf8_ref_lo[len] ? mn : utf8_ref_lo[len];
	uint32_t hi = mx < utf8_ref_hi[len] ? mx : utf8_ref_hi[len];

	if (lo > hi)
		return 0;       /* overlong, or beyond U+10FFFF */
	if (lo >= 0xD800 && hi <= 0xDFFF)
		return 0;       /* nothing but surrogates */
	return 1;
}

int
utf8_ref_check(const uint8_t *s, size_t n, size_t *bad, uint8_t *ends)
{
	size_t i = 0;

	while (i < n) {
		uint8_t b = s[i];
		uint32_t v;
		int len, k;

		if (b <= 0x7F) {                  /* 0xxxxxxx */
			len = 1;
			v = b;
		} else if ((b & 0xE0) == 0xC0) {  /* 110xxxxx */
			len = 2;
			v = b & 0x1F;
		} else if ((b & 0xF0) == 0xE0) {  /* 1110xxxx */
			len = 3;
			v = b & 0x0F;
		} else if ((b & 0xF8) == 0xF0) {  /* 11110xxx */
			len = 4;
			v = b & 0x07;
		} else {                          /* 10xxxxxx or 11111xxx */
			if (bad)
				*bad = i;
			return UTF8_REF_BAD;
		}
		/* k bytes of this code point are in v; judge, then take the
		 * next one. */
		for (k = 1;; k++) {
			int free_bits = 6 * (len - k);
			uint32_t mn = v << free_bits;
			uint32_t mx = mn | ((UINT32_C(1) << free_bits) - 1);

			if (!utf8_ref_possible(mn, mx, len)) {
				if (bad)
					*bad = i + (size_t)k - 1;
				return UTF8_REF_BAD;
			}
			if (ends)
				ends[i + (size_t)k - 1] = (uint8_t)(k == len);
			if (k == len)
				break;
			if (i + (size_t)k == n)
				return UTF8_REF_PARTIAL;
			b = s[i + (size_t)k];
			if ((b & 0xC0) != 0x80) {         /* not 10xxxxxx */
				if (bad)
					*bad = i + (size_t)k;
				return UTF8_REF_BAD;
			}
			v = v << 6 | (b & 0x3F);
		}
		i += (size_t)len;
	}
	return UTF8_REF_OK;
}
