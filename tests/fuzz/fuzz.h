/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h - what every fuzz target of letterd shares: the entry point's
 * prototype, a check that aborts, exact-size copies and a tiny generator
 * of "random" numbers that is really a function of the input.
 *
 * A target is one function, LLVMFuzzerTestOneInput(data, size), which
 * libFuzzer calls millions of times with inputs it mutates, and which
 * replay.c calls once per file of the corpus and of regress/.  It must be
 * a pure function of its input: the same bytes take the same path every
 * time, or a crash found once cannot be replayed.  That is why the
 * "random" splits below are drawn from a generator seeded by input bytes
 * and never from the clock.
 *
 * A finding is anything that kills the process: a sanitizer report, or a
 * FUZZ_CHECK that fails and calls abort().  libFuzzer then saves the input
 * as crash-<sha1>; run.sh copies it to regress/<target>/, and from then on
 * replay.sh runs it on every test run.
 *
 * The helpers are static inline so that a target that does not use one
 * gets no "defined but not used" warning.
 */
#ifndef LETTERD_FUZZ_H
#define LETTERD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry point; replay.c calls the same one. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test.  The message says which one, with
 * the values that broke it; abort() is what libFuzzer and replay.c count
 * as a crash.  (assert() would do the same, but vanishes under NDEBUG.) */
#define FUZZ_CHECK(cond, ...) do {                                      \
	if (!(cond)) {                                                  \
		fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ",       \
		    __FILE__, __LINE__, #cond);                         \
		fprintf(stderr, __VA_ARGS__);                           \
		fputc('\n', stderr);                                    \
		abort();                                                \
	}                                                               \
} while (0)

/* A heap block of exactly n bytes holding p[0..n).  AddressSanitizer
 * guards the bytes right after a block, so code that reads or writes one
 * byte past the end of what it was given is caught at once: the cheap
 * form of picohttpparser's guard page.  (malloc(0) may return NULL, hence
 * the 1: the block is still "n bytes" to the code under test.) */
static inline uint8_t *
fuzz_dup(const void *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (!q) {
		fputs("fuzz: out of memory\n", stderr);
		abort();
	}
	if (n)
		memcpy(q, p, n);
	return q;
}

/* A zeroed heap block of exactly n bytes. */
static inline uint8_t *
fuzz_zalloc(size_t n)
{
	uint8_t *q = calloc(n ? n : 1, 1);

	if (!q) {
		fputs("fuzz: out of memory\n", stderr);
		abort();
	}
	return q;
}

/* xorshift32 (Marsaglia, 2003): enough to spread split points around.
 * Its state must never be 0, so the seed is forced odd. */
struct fuzz_rng {
	uint32_t s;
};

static inline void
fuzz_rng_init(struct fuzz_rng *r, uint32_t seed)
{
	r->s = seed * 2654435761u | 1u;
}

static inline uint32_t
fuzz_rng_next(struct fuzz_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 17;
	r->s ^= r->s << 5;
	return r->s;
}

/* A piece size for splitting an input: mostly tiny pieces, which is
 * where parsers that resume go wrong, sometimes medium ones, and now and
 * then "everything that is left". */
static inline size_t
fuzz_rng_piece(struct fuzz_rng *r, size_t left)
{
	uint32_t x = fuzz_rng_next(r);
	size_t n;

	switch (x & 3) {
	case 0:  n = 1; break;
	case 1:  n = 1 + (x >> 8) % 8; break;
	case 2:  n = 1 + (x >> 8) % 200; break;
	default: n = (x >> 8) % 4 ? 1 + (x >> 10) % 32 : left; break;
	}
	return n < left ? n : left;
}

#endif
