/* SPDX-License-Identifier: ISC */
/*
 * format.c - snprintf for integers and strings only.
 *
 * Why not snprintf: in a static musl binary, one call to any of the printf
 * family links the whole of printf's core, floating point included
 * (fmt_fp).  That is kilobytes on a board with little flash, and on a
 * soft-float MIPS router the floating-point code is a trap waiting to be
 * hit.  letterd prints integers and strings, so this is all it needs.
 */
#include <stdint.h>
#include <string.h>

#include "format.h"

/* Appends c at *n when it fits; *n counts every byte, fitting or not. */
static void
format_put(char *out, size_t cap, size_t *n, char c)
{
	if (*n + 1 < cap)
		out[*n] = c;
	(*n)++;
}

/* An unsigned number in base 10 or 16, padded to width with pad. */
static void
format_number(char *out, size_t cap, size_t *n, uintmax_t v, int base,
              int neg, int width, char pad)
{
	char digits[24];
	int k = 0;

	do {
		digits[k++] = "0123456789abcdef"[v % (unsigned)base];
		v /= (unsigned)base;
	} while (v);
	if (neg && pad == '0')
		format_put(out, cap, n, '-');
	for (width -= k + neg; width > 0; width--)
		format_put(out, cap, n, pad);
	if (neg && pad != '0')
		format_put(out, cap, n, '-');
	while (k > 0)
		format_put(out, cap, n, digits[--k]);
}

/* One integer conversion: its length modifier is long (1), long long (2)
 * or size_t (3), and its type is signed or not. */
static void
format_int(char *out, size_t cap, size_t *n, va_list *ap, int len, char conv,
           int width, char pad)
{
	intmax_t s = 0;
	uintmax_t u;

	if (conv == 'd' || conv == 'i') {
		s = len == 2 ? va_arg(*ap, long long) : len == 1 ? va_arg(*ap, long) :
		    len == 3 ? (intmax_t)va_arg(*ap, size_t) : va_arg(*ap, int);
		u = s < 0 ? (uintmax_t)0 - (uintmax_t)s : (uintmax_t)s;
	} else {
		u = len == 2 ? va_arg(*ap, unsigned long long) :
		    len == 1 ? va_arg(*ap, unsigned long) :
		    len == 3 ? va_arg(*ap, size_t) : va_arg(*ap, unsigned);
	}
	format_number(out, cap, n, u, conv == 'x' ? 16 : 10, s < 0, width, pad);
}

/* See format.h.  The flag, width, precision and length are read in the
 * order printf defines them; one conversion letter ends each. */
size_t
vformat(char *out, size_t cap, const char *f, va_list ap0)
{
	size_t n = 0;
	const char *s;
	int width, prec, len;
	char pad;
	va_list ap;

	va_copy(ap, ap0);      /* a va_list may be an array: pass a copy's address */
	for (; *f; f++) {
		if (*f != '%') {
			format_put(out, cap, &n, *f);
			continue;
		}
		pad = *++f == '0' ? '0' : ' ';
		for (width = 0; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (*f - '0');
		prec = -1;
		if (f[0] == '.' && f[1] == '*') {
			prec = va_arg(ap, int);
			f += 2;
		}
		for (len = 0; *f == 'l' || *f == 'z'; f++)
			len = *f == 'z' ? 3 : len + 1;
		if (*f == 's') {
			for (s = va_arg(ap, const char *); *s && prec != 0; s++, prec--)
				format_put(out, cap, &n, *s);
		} else if (*f == 'c') {
			format_put(out, cap, &n, (char)va_arg(ap, int));
		} else if (*f == '%') {
			format_put(out, cap, &n, '%');
		} else {
			format_int(out, cap, &n, &ap, len, *f, width, pad);
		}
	}
	va_end(ap);
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* RFC 5952 4: an IPv6 address in its one canonical text -- lower-case
 * hex without leading zeros, the longest run of two or more zero groups
 * (the first of equal runs) as "::".  inet_ntop would do, but in musl it
 * calls snprintf, which brings back what this file is here to avoid. */
static size_t
format_ipv6(char *out, size_t cap, const unsigned char *a)
{
	size_t n = 0;
	int i, best = -1, bestlen = 1, run;

	for (i = 0; i < 8; i += run ? run : 1) {
		for (run = 0; i + run < 8 && !a[2 * (i + run)] && !a[2 * (i + run) + 1]; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			n += format(out + n, cap > n ? cap - n : 0, "::");
			i += bestlen - 1;
			continue;
		}
		n += format(out + n, cap > n ? cap - n : 0, "%s%x",
		    i && i != best + bestlen ? ":" : "", a[2 * i] << 8 | a[2 * i + 1]);
	}
	return n;
}

size_t
format_ip(char *out, size_t cap, int v6, const void *addr)
{
	static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
	const unsigned char *a = addr;

	/* RFC 5952 5: an IPv4-mapped address ends in dotted decimal */
	if (v6 && !memcmp(a, mapped, 12))
		return format(out, cap, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
	if (v6)
		return format_ipv6(out, cap, a);
	return format(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

size_t
format(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vformat(out, cap, fmt, ap);
	va_end(ap);
	return n;
}
