/* SPDX-License-Identifier: ISC */
/*
 * format.h - the part of snprintf letterd uses, without floating point.
 */
#ifndef LETTERD_FORMAT_H
#define LETTERD_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Like snprintf: writes at most cap - 1 bytes and a NUL (if cap > 0), and
 * returns the length the whole text has, so that a result >= cap means
 * it was cut.  Conversions: %% %c %s %.*s, and %d %i %u %x with the length
 * modifiers l, ll and z, a 0 flag and a field width. */
size_t format(char *out, size_t cap, const char *fmt, ...);
size_t vformat(char *out, size_t cap, const char *fmt, va_list ap);

/* An IPv4 address (4 bytes, v6 0) or an IPv6 one (16 bytes) as text, like
 * inet_ntop; returns the length, as format does. */
size_t format_ip(char *out, size_t cap, int v6, const void *addr);

#endif
