/*
 * check.h - the smallest test harness that does the job.
 *
 * CHECK(cond, fmt, ...) counts one test; a failure prints where and why.
 * CHECK_DONE() prints "N passed, M failed" and yields the exit status, so
 * test.sh can add up every program's line.
 */
#ifndef LETTERD_CHECK_H
#define LETTERD_CHECK_H

#include <stdio.h>

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

#endif
