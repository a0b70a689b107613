/* SPDX-License-Identifier: ISC */
/*
 * unit_format.c - format() against the C library's snprintf, which it
 * stands in for: the same text and the same return value for every
 * conversion letterd uses, at every buffer size from 0 up; and format_ip()
 * against inet_ntop.
 */
#include <arpa/inet.h>
#include <limits.h>

#include "check.h"
#include "format.h"

/* Formats with both at every cap from 0 to beyond the text, into
 * exact-size blocks (AddressSanitizer sees a write past cap). */
#define SAME(...) do {                                                  \
	char want[256], *got;                                           \
	int w = snprintf(want, sizeof want, __VA_ARGS__);               \
	size_t cap, n;                                                  \
	int bad = 0;                                                    \
	for (cap = 0; cap <= (size_t)w + 2; cap++) {                    \
		got = (char *)test_alloc(cap);                          \
		n = format(got, cap, __VA_ARGS__);                      \
		if (n != (size_t)w || (cap && (strncmp(got, want, cap - 1) || \
		    got[n < cap ? n : cap - 1] != '\0')))               \
			bad++;                                          \
		free(got);                                              \
	}                                                               \
	CHECK(!bad, "format(%s) differs from snprintf's \"%s\" at %d caps", \
	      #__VA_ARGS__, want, bad);                                 \
} while (0)

static void test_format(void)
{
	SAME("plain text");
	SAME("%s and %s", "one", "two");
	SAME("%d %d %d", 0, -1, INT_MAX);
	SAME("%d", INT_MIN);
	SAME("%ld %lu", LONG_MIN, ULONG_MAX);
	SAME("%lld %llu", LLONG_MIN, ULLONG_MAX);
	SAME("%zu", (size_t)123456789);
	SAME("%u %x", 4000000000u, 0xdeadbeefu);
	SAME("%02d:%02d:%02d", 1, 23, 7);
	SAME("%06lld", 42LL);
	SAME("%06lld", -42LL);
	SAME("%5d|%d", 42, 7);
	SAME("%c%c", 'A', 'z');
	SAME("%.*s|%.*s", 3, "abcdef", 0, "xyz");
	SAME("100%%");
	SAME("%s", "");
	SAME("HTTP/1.1 %d %s\r\nContent-Length: %llu\r\n", 404, "Not Found", 13ULL);
}

static void test_format_ip(void)
{
	static const char *const v6[] = {
		"::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:1:0:0:1",
		"2001:0:0:1:0:0:0:1", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8",
		"1:0:3:4:5:6:7:8", "0:0:1:0:0:0:0:1", "::ffff:1.2.3.4",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:0:0:2:0:0:0:3",
	};
	static const char *const v4[] = { "0.0.0.0", "127.0.0.1", "255.255.255.255" };
	unsigned char a[16];
	char want[64], got[64];
	size_t i;

	for (i = 0; i < sizeof v6 / sizeof v6[0]; i++) {
		inet_pton(AF_INET6, v6[i], a);
		inet_ntop(AF_INET6, a, want, sizeof want);
		CHECK(format_ip(got, sizeof got, 1, a) == strlen(want) && !strcmp(got, want),
		      "format_ip(%s) = %s, inet_ntop says %s", v6[i], got, want);
	}
	for (i = 0; i < sizeof v4 / sizeof v4[0]; i++) {
		inet_pton(AF_INET, v4[i], a);
		CHECK(format_ip(got, sizeof got, 0, a) == strlen(v4[i]) &&
		      !strcmp(got, v4[i]), "format_ip(%s) = %s", v4[i], got);
	}
}

int main(void)
{
	test_format();
	test_format_ip();
	return CHECK_DONE();
}
