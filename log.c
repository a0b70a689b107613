/* SPDX-License-Identifier: ISC */
/*
 * log.c - letterd's only output besides the "listening" line: stderr.
 *
 * A supervisor (systemd, procd, a terminal) already timestamps and stores
 * what a daemon writes to stderr, so there is no log file, no syslog and no
 * timestamp here.  Each message is formatted into one buffer and written
 * with one call, so that lines from two sources never interleave.
 */
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "log.h"

int log_verbose;

static void
log_line(const char *fmt, va_list ap)
{
	char line[512];
	size_t n = 9 + vformat(line + 9, sizeof(line) - 10, fmt, ap);

	memcpy(line, "letterd: ", 9);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;      /* cut long lines, keep the newline */
	line[n++] = '\n';
	if (write(2, line, n) < 0) {
		/* nowhere left to say it */
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}
