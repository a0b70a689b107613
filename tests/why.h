/* SPDX-License-Identifier: ISC */
/*
 * why.h - the reason a test step failed, for the CHECK that reports it,
 * shared by the end-to-end test programs.  A step returns whyf(...) (that
 * is, -1 with why[] filled) and the caller's CHECK prints why.
 */
#ifndef LETTERD_WHY_H
#define LETTERD_WHY_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wsc.h"

static char why[1024];

static inline int
whyf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return -1;
}

/* Puts context in front of the reason already in why[]. */
static inline int
whyctx(const char *fmt, ...)
{
	char inner[sizeof why];
	size_t n;
	va_list ap;

	memcpy(inner, why, sizeof inner);
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	n = strlen(why);
	snprintf(why + n, sizeof why - n, ": %s", inner);
	return -1;
}

/* The connection's own error as the reason. */
static inline int
wfail(const struct wsc_conn *c)
{
	return whyf("%s", c->err);
}

/* "figure: ..." lines carry the measurements a suite prints. */
static inline void
figure(const char *fmt, ...)
{
	va_list ap;

	fputs("figure: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#endif
