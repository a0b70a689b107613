/* SPDX-License-Identifier: ISC */
/*
 * utf8_ref.h - a reference UTF-8 checker for the fuzz targets: slow,
 * simple, and written from the definitions rather than from utf8.c's
 * table, so that the two can be held against each other.
 */
#ifndef LETTERD_UTF8_REF_H
#define LETTERD_UTF8_REF_H

#include <stddef.h>
#include <stdint.h>

enum utf8_ref_verdict {
	UTF8_REF_OK,       /* whole code points only: valid text */
	UTF8_REF_PARTIAL,  /* valid so far, but ends inside a code point */
	UTF8_REF_BAD       /* can never be valid, whatever follows */
};

/* Judges s[0..n).  For UTF8_REF_BAD, *bad (if bad is not NULL) is the
 * index of the first byte after which s[0..*bad] is no longer the start of
 * any valid UTF-8 text: the byte at which a validator that fails "as early
 * as possible" (RFC 6455 8.1) must fail.  If ends is not NULL, ends[i] is
 * set to 1 when a code point ends with byte i, else 0 (for i before the
 * first bad byte; the rest is left alone). */
int utf8_ref_check(const uint8_t *s, size_t n, size_t *bad, uint8_t *ends);

#endif
