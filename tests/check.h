/* SPDX-License-Identifier: ISC */
/*
 * check.h - the smallest test harness that does the job.
 *
 * CHECK(cond, fmt, ...) counts one test; a failure prints where and why.
 * CHECK_DONE() prints "N passed, M failed" and yields the exit status, so
 * test.sh can add up every program's line.
 */
#ifndef LETTERD_CHECK_H
#define LETTERD_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond, ...) do {                                          \
	if (cond) {                                                    \
		check_passed++;                                        \
	} else {                                                       \
		check_failed++;                                        \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
		fprintf(stderr, __VA_ARGS__);                          \
		fputc('\n', stderr);                                   \
	}                                                              \
} while (0)

#define CHECK_DONE() (printf("%d passed, %d failed\n", check_passed,   \
	check_failed), check_failed ? 1 : 0)

/* An exact-size heap block, so that AddressSanitizer catches a read one
 * byte past the input (malloc(0) may return NULL, hence the 1). */
static inline uint8_t *
test_alloc(size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (q == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	return q;
}

/* An exact-size heap copy of p[0..n). */
static inline uint8_t *
test_dup(const void *p, size_t n)
{
	uint8_t *q = test_alloc(n);

	if (n)
		memcpy(q, p, n);
	return q;
}

#endif
