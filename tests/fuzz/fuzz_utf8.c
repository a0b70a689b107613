/* SPDX-License-Identifier: ISC */
/*
 * fuzz_utf8.c - differential fuzzing of the UTF-8 validator (utf8.c)
 * against the reference checker (utf8_ref.c).
 *
 * Input: byte 0 seeds the splits; the rest is the text.
 *
 * Two implementations written differently -- a table of byte ranges in a
 * packed state, and a decoder that reasons about intervals of code points
 * -- must agree on every input, on four things:
 *
 *   1. the verdict: valid, valid-but-cut-inside-a-code-point, or invalid;
 *   2. fed one byte at a time, the validator turns UTF8_BAD exactly at the
 *      byte where the reference says the text stopped being the start of
 *      anything valid (RFC 6455 8.1: fail as soon as possible -- not
 *      earlier, which would refuse valid text, and not later);
 *   3. until then, the validator is in UTF8_OK exactly after the bytes
 *      that end a code point, the only places a message may end;
 *   4. fed in random pieces, each in its own exact-size block, it ends in
 *      the same state as fed whole, turns bad in the piece that holds the
 *      bad byte, and stays bad (UTF8_BAD is sticky).
 *
 * The validator is used the way ws.c uses it: its state is carried from
 * piece to piece, a piece may be empty, and no piece is NUL-terminated.
 */
#include "fuzz.h"
#include "utf8.h"
#include "utf8_ref.h"

/* Which class a validator state belongs to, in the reference's terms. */
static int
utf8_class(uint32_t st)
{
	return st == UTF8_OK ? UTF8_REF_OK : st == UTF8_BAD ? UTF8_REF_BAD :
	    UTF8_REF_PARTIAL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *s = data + 1;
	size_t n = size ? size - 1 : 0, bad = (size_t)-1, first = (size_t)-1, i;
	uint8_t *ends;
	uint32_t st, whole;
	struct fuzz_rng rng;
	int ref;

	if (size == 0)
		return 0;
	ends = fuzz_zalloc(n);
	ref = utf8_ref_check(s, n, &bad, ends);
	FUZZ_CHECK(ref != UTF8_REF_BAD || bad < n, "reference bad index %zu of %zu", bad, n);

	/* 1-3: one byte at a time, each in its own 1-byte block. */
	st = UTF8_OK;
	for (i = 0; i < n; i++) {
		uint8_t *b = fuzz_dup(s + i, 1);

		st = utf8_feed(st, b, 1);
		free(b);
		if (st == UTF8_BAD) {
			first = i;
			break;
		}
		FUZZ_CHECK((st == UTF8_OK) == (ends[i] == 1),
		    "after byte %zu (0x%02x): state 0x%x but the reference says a code "
		    "point %s there", i, s[i], (unsigned)st, ends[i] ? "ends" : "does not end");
	}
	free(ends);
	FUZZ_CHECK(utf8_class(st) == ref, "validator says %d, reference says %d",
	    utf8_class(st), ref);
	if (ref == UTF8_REF_BAD)
		FUZZ_CHECK(first == bad, "validator fails at byte %zu, reference at %zu",
		    first, bad);

	/* 4: whole, then in pieces. */
	whole = utf8_feed(UTF8_OK, s, n);
	FUZZ_CHECK(utf8_class(whole) == ref, "fed whole: %d, reference %d",
	    utf8_class(whole), ref);
	if (whole != UTF8_BAD)
		FUZZ_CHECK(whole == st, "whole 0x%x, byte by byte 0x%x",
		    (unsigned)whole, (unsigned)st);
	fuzz_rng_init(&rng, data[0]);
	st = UTF8_OK;
	for (i = 0; i < n || i == 0;) {
		size_t k = n - i ? fuzz_rng_piece(&rng, n - i) : 0;
		uint8_t *p;
		uint32_t before = st;

		/* now and then an empty piece, as a frame with no payload */
		if (fuzz_rng_next(&rng) % 8 == 0)
			k = 0;
		p = fuzz_dup(s + i, k);
		st = utf8_feed(st, p, k);
		free(p);
		if (k == 0)
			FUZZ_CHECK(st == before, "an empty piece changed 0x%x to 0x%x",
			    (unsigned)before, (unsigned)st);
		if (st == UTF8_BAD && before != UTF8_BAD)
			FUZZ_CHECK(ref == UTF8_REF_BAD && bad >= i && bad < i + k,
			    "turned bad in the piece [%zu, %zu); reference bad at %zu",
			    i, i + k, bad);
		if (before == UTF8_BAD)
			FUZZ_CHECK(st == UTF8_BAD, "UTF8_BAD is not sticky");
		i += k;
		if (n == 0)
			break;
	}
	FUZZ_CHECK(st == whole, "in pieces 0x%x, whole 0x%x", (unsigned)st, (unsigned)whole);
	return 0;
}
