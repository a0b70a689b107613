/* SPDX-License-Identifier: ISC */
/*
 * unit_origin.c - tests of origin.c: the Origin policy of the WebSocket
 * upgrade.
 *
 * The heart is a table of Origin/Host pairs with the verdict each must
 * get under the default policy (the same origin only), group by group:
 * case, default ports, IPv6, look-alike hosts, schemes, and every form of
 * value that is refused.  Each pair is also run with its letters all
 * upper case and all lower case (the verdict must not change) and under
 * -o '*' (which must accept it).  Then the -o lists: what they add, how
 * they are normalized, which values are a usage error.  Then sweeps: every
 * byte that is not part of an origin's grammar, at every position; every
 * prefix of every value; the length limit on both sides of 256.
 *
 * Every value is copied into a heap block of its exact size first, so that
 * a read past its end is caught by -fsanitize=address.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "origin.h"

#define COUNT(a) (sizeof a / sizeof a[0])

/* ---- Helpers ------------------------------------------------------------ */

/* origin_check on exact-size copies; s NULL stays NULL. */
static int check_copy(const struct origin_policy *p, int count, const char *v,
                      size_t vn, const char *h, size_t hn)
{
	uint8_t *vc = v ? test_dup(v, vn) : NULL, *hc = h ? test_dup(h, hn) : NULL;
	int r = origin_check(p, count, (const char *)vc, vn, (const char *)hc, hn);

	free(vc);
	free(hc);
	return r;
}

static int check_str(const struct origin_policy *p, int count, const char *v,
                     const char *h)
{
	return check_copy(p, count, v, v ? strlen(v) : 0, h, h ? strlen(h) : 0);
}

/* origin_parse on an exact-size copy. */
static int parse_copy(const char *s, size_t n, struct origin *o)
{
	uint8_t *c = test_dup(s, n);
	int r = origin_parse((const char *)c, n, o);

	free(c);
	return r;
}

/* A copy of s with every ASCII letter made upper (up) or lower case, in
 * out (room for ORIGIN_MAX_LEN * 2 bytes). */
static size_t recase(const char *s, size_t n, char *out, int up)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		else if (!up && c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		out[i] = c;
	}
	return n;
}

/* ---- The default policy: same origin only ------------------------------- */

struct pair {
	int count;              /* Origin fields in the request */
	const char *origin;     /* the (last) Origin value */
	const char *host;       /* the Host value, NULL if absent */
	int want;               /* 1 accepted, 0 refused */
};

static const struct pair pairs[] = {
	/* The same origin, as a browser sends it. */
	{ 1, "http://localhost:8000", "localhost:8000", 1 },
	{ 1, "http://127.0.0.1:8000", "127.0.0.1:8000", 1 },
	{ 1, "http://example.com", "example.com", 1 },
	{ 1, "http://a", "a", 1 },
	{ 1, "http://xn--bcher-kva.example", "xn--bcher-kva.example", 1 },

	/* Scheme and host compare without case (RFC 3986 3.1, 3.2.2). */
	{ 1, "HTTP://EXAMPLE.COM", "example.com", 1 },
	{ 1, "http://Example.Com:8000", "EXAMPLE.com:8000", 1 },
	{ 1, "HtTpS://example.com", "Example.COM", 1 },
	{ 1, "http://LOCALHOST:8000", "localhost:8000", 1 },

	/* A port left out is the scheme's default, on either side: http
	 * 80, https 443, explicit or not. */
	{ 1, "http://example.com:80", "example.com", 1 },
	{ 1, "http://example.com", "example.com:80", 1 },
	{ 1, "http://example.com:80", "example.com:80", 1 },
	{ 1, "https://example.com:443", "example.com", 1 },
	{ 1, "https://example.com", "example.com:443", 1 },
	{ 1, "https://example.com:443", "example.com:443", 1 },
	{ 1, "http://example.com", "example.com:8000", 0 },
	{ 1, "http://example.com:8000", "example.com", 0 },

	/* Host has no scheme: the Origin's scheme gives both defaults, and
	 * a scheme is never compared with anything (a TLS proxy may be in
	 * front).  So https://h against h is 443 against 443. */
	{ 1, "https://example.com", "example.com", 1 },
	{ 1, "https://example.com", "example.com:80", 0 },
	{ 1, "http://example.com", "example.com:443", 0 },
	{ 1, "https://example.com:80", "example.com:80", 1 },
	{ 1, "http://example.com:443", "example.com:443", 1 },
	{ 1, "https://example.com:8443", "example.com:8443", 1 },

	/* Another port is another origin. */
	{ 1, "http://localhost:8001", "localhost:8000", 0 },
	{ 1, "http://localhost", "localhost:8080", 0 },
	{ 1, "http://localhost:65535", "localhost:65535", 1 },
	{ 1, "http://localhost:1", "localhost:1", 1 },

	/* Ports: decimal 1..65535, no sign, no leading zero, not empty. */
	{ 1, "http://localhost:080", "localhost:80", 0 },
	{ 1, "http://localhost:80", "localhost:080", 0 },
	{ 1, "http://localhost:08000", "localhost:08000", 0 },
	{ 1, "http://localhost:0", "localhost:0", 0 },
	{ 1, "http://localhost:65536", "localhost:65536", 0 },
	{ 1, "http://localhost:99999", "localhost:99999", 0 },
	{ 1, "http://localhost:100000", "localhost:100000", 0 },
	{ 1, "http://localhost:", "localhost:", 0 },
	{ 1, "http://localhost", "localhost:", 0 },
	{ 1, "http://localhost:+80", "localhost:80", 0 },
	{ 1, "http://localhost:-80", "localhost:80", 0 },
	{ 1, "http://localhost:8000:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000", "localhost:8000:8000", 0 },
	{ 1, "http://localhost:0x50", "localhost:80", 0 },

	/* Look-alike hosts: a host must be equal, never a prefix, suffix
	 * or part of the other. */
	{ 1, "http://127.0.0.1.evil.example:8000", "127.0.0.1:8000", 0 },
	{ 1, "http://evil127.0.0.1:8000", "127.0.0.1:8000", 0 },
	{ 1, "http://127.0.0.1:8000", "127.0.0.1.evil.example:8000", 0 },
	{ 1, "http://example.com.evil", "example.com", 0 },
	{ 1, "http://evil.example.com", "example.com", 0 },
	{ 1, "http://evilexample.com", "example.com", 0 },
	{ 1, "http://example.co", "example.com", 0 },
	{ 1, "http://example.comm", "example.com", 0 },

	/* Nothing is resolved or canonicalized: other spellings of one
	 * address are other hosts (refused, the safe side). */
	{ 1, "http://localhost:8000", "127.0.0.1:8000", 0 },
	{ 1, "http://127.1:8000", "127.0.0.1:8000", 0 },
	{ 1, "http://127.000.000.001:8000", "127.0.0.1:8000", 0 },
	{ 1, "http://2130706433:8000", "127.0.0.1:8000", 0 },

	/* A trailing dot is part of the host as written: example.com. and
	 * example.com differ; each matches itself. */
	{ 1, "http://example.com.", "example.com", 0 },
	{ 1, "http://example.com", "example.com.", 0 },
	{ 1, "http://example.com.", "example.com.", 1 },
	{ 1, "http://example.com.:8000", "example.com.:8000", 1 },
	/* ...but an empty label anywhere else is malformed. */
	{ 1, "http://example..com", "example..com", 0 },
	{ 1, "http://.example.com", ".example.com", 0 },
	{ 1, "http://example.com..", "example.com..", 0 },
	{ 1, "http://.", ".", 0 },
	{ 1, "http://-", "-", 1 },

	/* IPv6 literals: bracketed on both sides, hex digits in any case,
	 * the text compared as given ([::1] and [0:0::1] differ). */
	{ 1, "http://[::1]:8000", "[::1]:8000", 1 },
	{ 1, "http://[::1]", "[::1]", 1 },
	{ 1, "http://[::1]", "[::1]:80", 1 },
	{ 1, "https://[::1]", "[::1]", 1 },
	{ 1, "http://[::1]:8000", "[::1]", 0 },
	{ 1, "http://[::1]:8000", "[::1]:8001", 0 },
	{ 1, "http://[2001:DB8::A]:8000", "[2001:db8::a]:8000", 1 },
	{ 1, "http://[2001:db8::a]:8000", "[2001:DB8::A]:8000", 1 },
	{ 1, "http://[::1]:8000", "[0:0::1]:8000", 0 },
	{ 1, "http://[::1]:8000", "[0:0:0:0:0:0:0:1]:8000", 0 },
	{ 1, "http://[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7:8]", 1 },
	{ 1, "http://[::ffff:127.0.0.1]:8000", "[::ffff:127.0.0.1]:8000", 1 },
	{ 1, "http://[::ffff:127.0.0.1]:8000", "127.0.0.1:8000", 0 },
	{ 1, "http://[::1]:8000", "::1:8000", 0 },
	{ 1, "http://::1:8000", "[::1]:8000", 0 },
	/* ...and only valid IPv6 (RFC 3986 3.2.2): no zone, no IPvFuture. */
	{ 1, "http://[::1%25lo]:8000", "[::1%25lo]:8000", 0 },
	{ 1, "http://[fe80::1%lo]", "[fe80::1%lo]", 0 },
	{ 1, "http://[1:2:3:4:5:6:7:8:9]", "[1:2:3:4:5:6:7:8:9]", 0 },
	{ 1, "http://[1:2:3:4:5:6:7]", "[1:2:3:4:5:6:7]", 0 },
	{ 1, "http://[1::2::3]", "[1::2::3]", 0 },
	{ 1, "http://[12345::1]", "[12345::1]", 0 },
	{ 1, "http://[::1", "[::1", 0 },
	{ 1, "http://[]", "[]", 0 },
	{ 1, "http://[v1.x]", "[v1.x]", 0 },
	{ 1, "http://[::1]x", "[::1]x", 0 },
	{ 1, "http://[127.0.0.1]", "[127.0.0.1]", 0 },
	{ 1, "http://[::256.0.0.1]", "[::256.0.0.1]", 0 },

	/* Only http and https origins can match. */
	{ 1, "ws://localhost:8000", "localhost:8000", 0 },
	{ 1, "wss://localhost:8000", "localhost:8000", 0 },
	{ 1, "ftp://localhost:8000", "localhost:8000", 0 },
	{ 1, "file://", "localhost", 0 },
	{ 1, "httpx://localhost:8000", "localhost:8000", 0 },
	{ 1, "chrome-extension://abcdef", "abcdef", 0 },
	/* ...written as scheme "://", nothing shorter. */
	{ 1, "http:/localhost:8000", "localhost:8000", 0 },
	{ 1, "http:localhost:8000", "localhost:8000", 0 },
	{ 1, "//localhost:8000", "localhost:8000", 0 },
	{ 1, "localhost:8000", "localhost:8000", 0 },
	{ 1, "http://", "localhost", 0 },
	{ 1, "http://:8000", "localhost:8000", 0 },

	/* The opaque origin and the empty value (RFC 6454 7.1). */
	{ 1, "null", "localhost:8000", 0 },
	{ 1, "NULL", "localhost:8000", 0 },
	{ 1, "", "localhost:8000", 0 },
	{ 1, "", "", 0 },

	/* A path, even "/"; a query; a fragment. */
	{ 1, "http://localhost:8000/", "localhost:8000", 0 },
	{ 1, "http://localhost/", "localhost", 0 },
	{ 1, "http://localhost:8000/ws", "localhost:8000", 0 },
	{ 1, "http://localhost:8000?", "localhost:8000", 0 },
	{ 1, "http://localhost:8000?x=1", "localhost:8000", 0 },
	{ 1, "http://localhost:8000#", "localhost:8000", 0 },
	{ 1, "http://localhost:8000\\", "localhost:8000", 0 },

	/* Userinfo, either way round. */
	{ 1, "http://user@localhost:8000", "localhost:8000", 0 },
	{ 1, "http://user:pass@localhost:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000@evil.example", "localhost:8000", 0 },
	{ 1, "http://@localhost:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000", "user@localhost:8000", 0 },

	/* Percent-encoding, in the host or anywhere. */
	{ 1, "http://%6cocalhost:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000", "%6cocalhost:8000", 0 },
	{ 1, "http://%6cocalhost:8000", "%6cocalhost:8000", 0 },
	{ 1, "http://localhost%2e:8000", "localhost.:8000", 0 },
	{ 1, "http://localhost:%38000", "localhost:8000", 0 },

	/* Whitespace: leading, trailing, inside; an origin-list of two
	 * (RFC 6454 7.1) is refused with it. */
	{ 1, " http://localhost:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000 ", "localhost:8000", 0 },
	{ 1, "http://local host:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000\t", "localhost:8000", 0 },
	{ 1, "\thttp://localhost:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000 http://localhost:8000", "localhost:8000", 0 },
	{ 1, "http://localhost:8000", " localhost:8000", 0 },
	{ 1, "http://localhost:8000", "localhost:8000 ", 0 },
	{ 1, "http://localhost:8000", "localhost :8000", 0 },

	/* Control bytes, DEL, and bytes outside ASCII (an IDN host is sent
	 * in its xn-- form, above). */
	{ 1, "http://localhost\001:8000", "localhost\001:8000", 0 },
	{ 1, "http://localhost:8000\r\n", "localhost:8000", 0 },
	{ 1, "http://localhost\177:8000", "localhost:8000", 0 },
	{ 1, "http://b\303\274cher.example", "b\303\274cher.example", 0 },
	{ 1, "http://localhost:8000", "localhost\377:8000", 0 },

	/* Other bytes a reg-name may have in RFC 3986 but a DNS name may
	 * not: '_', '~', sub-delims. */
	{ 1, "http://local_host:8000", "local_host:8000", 0 },
	{ 1, "http://local~host:8000", "local~host:8000", 0 },
	{ 1, "http://local!host:8000", "local!host:8000", 0 },
	{ 1, "http://*", "*", 0 },

	/* Two Origin fields (RFC 6454 7.3: a browser sends one), even two
	 * good ones; a nonsense count too. */
	{ 2, "http://localhost:8000", "localhost:8000", 0 },
	{ 3, "http://localhost:8000", "localhost:8000", 0 },
	{ -1, "http://localhost:8000", "localhost:8000", 0 },

	/* No Origin: not a browser, accepted whatever the Host. */
	{ 0, NULL, "localhost:8000", 1 },
	{ 0, NULL, NULL, 1 },
	{ 0, NULL, "not a host", 1 },
	{ 0, "garbage", "localhost:8000", 1 },

	/* An Origin with a missing or invalid Host. */
	{ 1, "http://localhost:8000", NULL, 0 },
	{ 1, "http://localhost:8000", "", 0 },
	{ 1, "http://localhost:8000", "localhost:8000/", 0 },
	{ 1, "http://localhost:8000", "http://localhost:8000", 0 },
	{ 1, "http://localhost:8000", "[localhost]:8000", 0 },
	{ 1, "http://localhost", "localhost:0", 0 },
};

static void test_pairs(void)
{
	static const struct origin_policy any = { 1, 0, { { 0, 0, 0, { 0 } } } };
	char up[2][ORIGIN_MAX_LEN * 2], lo[2][ORIGIN_MAX_LEN * 2];
	size_t i;

	for (i = 0; i < COUNT(pairs); i++) {
		const struct pair *t = &pairs[i];
		size_t vn = t->origin ? strlen(t->origin) : 0;
		size_t hn = t->host ? strlen(t->host) : 0;
		int got = check_copy(NULL, t->count, t->origin, vn, t->host, hn);
		struct origin_policy zero;

		CHECK(got == t->want, "Origin \"%s\" (%d), Host \"%s\": %d, want %d",
		      t->origin ? t->origin : "(none)", t->count,
		      t->host ? t->host : "(none)", got, t->want);
		/* a zeroed policy is the NULL one */
		memset(&zero, 0, sizeof zero);
		CHECK(check_copy(&zero, t->count, t->origin, vn, t->host, hn) == got,
		      "Origin \"%s\": a zeroed policy differs from NULL",
		      t->origin ? t->origin : "(none)");
		/* case never matters, on either side */
		if (t->origin) {
			recase(t->origin, vn, up[0], 1);
			recase(t->origin, vn, lo[0], 0);
		}
		if (t->host) {
			recase(t->host, hn, up[1], 1);
			recase(t->host, hn, lo[1], 0);
		}
		CHECK(check_copy(NULL, t->count, t->origin ? up[0] : NULL, vn,
		                 t->host ? lo[1] : NULL, hn) == got &&
		      check_copy(NULL, t->count, t->origin ? lo[0] : NULL, vn,
		                 t->host ? up[1] : NULL, hn) == got,
		      "Origin \"%s\", Host \"%s\": the verdict depends on case",
		      t->origin ? t->origin : "(none)", t->host ? t->host : "(none)");
		/* -o '*' takes everything */
		CHECK(check_copy(&any, t->count, t->origin, vn, t->host, hn) == 1,
		      "Origin \"%s\": refused under -o '*'", t->origin ? t->origin : "(none)");
	}
}

/* ---- origin_parse: what an origin normalizes to -------------------------- */

struct parsed {
	const char *in;
	int https;
	unsigned port;
	const char *host;
};

static const struct parsed parsed[] = {
	{ "http://example.com", 0, 80, "example.com" },
	{ "HTTP://Example.COM:80", 0, 80, "example.com" },
	{ "https://example.com", 1, 443, "example.com" },
	{ "HTTPS://EXAMPLE.COM:443", 1, 443, "example.com" },
	{ "https://example.com:80", 1, 80, "example.com" },
	{ "http://example.com:443", 0, 443, "example.com" },
	{ "http://localhost:8000", 0, 8000, "localhost" },
	{ "http://127.0.0.1:65535", 0, 65535, "127.0.0.1" },
	{ "http://[::1]", 0, 80, "[::1]" },
	{ "http://[2001:DB8::A]:1", 0, 1, "[2001:db8::a]" },
	{ "http://[::]", 0, 80, "[::]" },
	{ "http://[::FFFF:1.2.3.4]:9", 0, 9, "[::ffff:1.2.3.4]" },
	{ "http://[1:2:3:4:5:6:1.2.3.4]", 0, 80, "[1:2:3:4:5:6:1.2.3.4]" },
	{ "http://[1:2:3:4:5:6:7::]", 0, 80, "[1:2:3:4:5:6:7::]" },
	{ "http://[::2:3:4:5:6:7:8]", 0, 80, "[::2:3:4:5:6:7:8]" },
	{ "http://Example.com.", 0, 80, "example.com." },
	{ "http://x-1.a-b.c", 0, 80, "x-1.a-b.c" },
};

/* What must not parse, beyond the pairs above. */
static const char *const unparsed[] = {
	"http://[1:2:3:4:5:6:7:8::]", "http://[::1:2:3:4:5:6:7:8]",
	"http://[1:2:3:4:5:6:7:1.2.3.4]", "http://[:1::]", "http://[1::2:]",
	"http://[1:::2]", "http://[::01.2.3.4]", "http://[::1.2.3]",
	"http://[::1.2.3.4.5]", "http://[::1.2.3.4:1]", "http://[::g]",
	"http://[::1]]", "http://[[::1]]", "http://::", "http://[::1]:",
	"http://[::1]/", "http://a]", "http://a[", "https://", "https:/x",
	"http//x", "http:///x", "http://x:8000:", "http://x::8000",
	"http://[:12:3]", "http://[::1]x80", "http://[::1.2.2555]",
	"http://[::1.2.3.4294967297]",
	"http://[1:2:3:4:5:6:7:8]:", "http://[::1]:080",
};

static void test_parse(void)
{
	struct origin o;
	size_t i;

	for (i = 0; i < COUNT(parsed); i++) {
		const struct parsed *t = &parsed[i];
		int r;

		memset(&o, 0x55, sizeof o);
		r = parse_copy(t->in, strlen(t->in), &o);
		CHECK(r == 0 && o.https == t->https && o.port == t->port &&
		      o.host_len == strlen(t->host) && !memcmp(o.host, t->host, o.host_len),
		      "origin_parse(\"%s\") = %d: https %d, port %u, host \"%.*s\"",
		      t->in, r, o.https, (unsigned)o.port,
		      r == 0 ? (int)o.host_len : 0, o.host);
	}
	for (i = 0; i < COUNT(unparsed); i++)
		CHECK(parse_copy(unparsed[i], strlen(unparsed[i]), &o) == -1,
		      "origin_parse(\"%s\") took it", unparsed[i]);
	CHECK(origin_parse(NULL, 0, &o) == -1 && origin_parse(NULL, 5, &o) == -1,
	      "origin_parse(NULL)");
}

/* ---- -o: the allowed list ------------------------------------------------ */

struct allowed_case {
	int count;
	const char *origin;
	const char *host;
	int want;
};

static void test_allow_list(void)
{
	static const char *const args[] = {
		"http://app.example.com", "HTTPS://Example.COM:8443",
		"http://[::1]:9000", "HTTP://Example.COM:80", "http://localhost:8000",
	};
	static const struct allowed_case cases[] = {
		/* an -o origin, on any valid Host */
		{ 1, "http://app.example.com", "localhost:8000", 1 },
		{ 1, "http://app.example.com:80", "localhost:8000", 1 },
		{ 1, "HTTP://APP.EXAMPLE.COM", "127.0.0.1", 1 },
		/* exactly it: scheme, host and port */
		{ 1, "https://app.example.com", "localhost:8000", 0 },
		{ 1, "http://app.example.com:8080", "localhost:8000", 0 },
		{ 1, "http://example.com.app", "localhost:8000", 0 },
		{ 1, "http://app.example.com.", "localhost:8000", 0 },
		/* normalized the same way on both sides */
		{ 1, "https://example.com:8443", "127.0.0.1:8000", 1 },
		{ 1, "HTTPS://EXAMPLE.com:8443", "127.0.0.1:8000", 1 },
		{ 1, "http://example.com:8443", "127.0.0.1:8000", 0 },
		{ 1, "https://example.com", "127.0.0.1:8000", 0 },
		{ 1, "http://example.com", "127.0.0.1:8000", 1 },
		{ 1, "http://example.com:80", "127.0.0.1:8000", 1 },
		{ 1, "http://[::1]:9000", "localhost", 1 },
		{ 1, "http://[0::1]:9000", "localhost", 0 },
		/* the same origin stays allowed */
		{ 1, "http://other.example:81", "other.example:81", 1 },
		/* everything else stays refused */
		{ 1, "http://evil.example", "localhost:8000", 0 },
		{ 1, "null", "localhost:8000", 0 },
		{ 1, "http://app.example.com/", "localhost:8000", 0 },
		{ 2, "http://app.example.com", "localhost:8000", 0 },
		/* the Host must still be valid */
		{ 1, "http://app.example.com", NULL, 0 },
		{ 1, "http://app.example.com", "bad host", 0 },
		{ 1, "http://app.example.com", "", 0 },
		/* no Origin */
		{ 0, NULL, NULL, 1 },
	};
	struct origin_policy p;
	size_t i;

	memset(&p, 0, sizeof p);
	for (i = 0; i < COUNT(args); i++)
		CHECK(origin_allow(&p, args[i]) == 0, "-o %s refused", args[i]);
	CHECK(p.n == (int)COUNT(args) && !p.any, "the policy has %d origins", p.n);
	for (i = 0; i < COUNT(cases); i++) {
		const struct allowed_case *t = &cases[i];
		int got = check_str(&p, t->count, t->origin, t->host);

		CHECK(got == t->want, "-o list: Origin \"%s\" (%d), Host \"%s\": %d, want %d",
		      t->origin ? t->origin : "(none)", t->count,
		      t->host ? t->host : "(none)", got, t->want);
	}
}

/* -o '*': every origin, even null, garbage and two of them; any Host. */
static void test_allow_any(void)
{
	static const char *const junk[] = {
		"null", "", "garbage", "http://evil.example", "ftp://x/y?z",
		"http://user@x", " http://x ", "\001\002", "\377",
	};
	struct origin_policy p;
	size_t i;

	memset(&p, 0, sizeof p);
	CHECK(origin_allow(&p, "http://a.example") == 0 && origin_allow(&p, "*") == 0 &&
	      p.any && p.n == 1, "-o '*' after an origin");
	for (i = 0; i < COUNT(junk); i++) {
		CHECK(check_str(&p, 1, junk[i], "localhost:8000") == 1,
		      "-o '*': Origin \"%s\" refused", junk[i]);
		CHECK(check_str(&p, 2, junk[i], NULL) == 1,
		      "-o '*': two Origins \"%s\", no Host, refused", junk[i]);
		CHECK(check_str(&p, 1, junk[i], "bad host") == 1,
		      "-o '*': Origin \"%s\" with a bad Host refused", junk[i]);
	}
	CHECK(check_copy(&p, 1, NULL, 0, NULL, 0) == 1, "-o '*': a NULL value");
}

/* Malformed -o values are -1 and leave the policy as it was; a 17th
 * origin is -2; "*" is never too many. */
static void test_allow_bad(void)
{
	static const char *const bad[] = {
		"example.com", "ftp://x", "http://x/", "http://x:0", "http://x:65536",
		"", "null", "http://", "http://x:080", " http://x", "http://x ",
		"**", "*/", " *", "* ", "http://*", "http://user@x", "ws://x",
		"http://x/path", "http://x?q", "http://x#f", "http://%78",
		"http://[::1", "http://x:", "//x", "http:x", "http://x_y",
	};
	char arg[64];
	struct origin_policy p;
	size_t i;

	memset(&p, 0, sizeof p);
	for (i = 0; i < COUNT(bad); i++)
		CHECK(origin_allow(&p, bad[i]) == -1, "-o \"%s\" taken", bad[i]);
	CHECK(origin_allow(&p, NULL) == -1, "-o NULL taken");
	CHECK(p.n == 0 && !p.any, "a malformed -o changed the policy");

	for (i = 0; i < ORIGIN_MAX_ALLOWED; i++) {
		snprintf(arg, sizeof arg, "http://h%zu.example:%zu", i, 1000 + i);
		CHECK(origin_allow(&p, arg) == 0, "-o %s refused", arg);
	}
	CHECK(origin_allow(&p, "http://one-too-many.example") == -2 &&
	      p.n == ORIGIN_MAX_ALLOWED, "a 17th -o");
	CHECK(origin_allow(&p, "http://one-too-many/") == -1, "a 17th malformed -o");
	CHECK(check_str(&p, 1, "http://h15.example:1015", "x") == 1 &&
	      check_str(&p, 1, "http://h0.example:1000", "x") == 1 &&
	      check_str(&p, 1, "http://one-too-many.example", "x") == 0,
	      "the first 16 -o are all in force, the 17th is not");
	CHECK(origin_allow(&p, "*") == 0 && p.any, "-o '*' after 16 origins");
}

/* ---- Sweeps -------------------------------------------------------------- */

/* Every byte outside an origin's alphabet (letters, digits, '-', '.',
 * ':', '/', '[', ']'), put at every position of good origins and Hosts,
 * makes them refused: controls, space, DEL, non-ASCII, '%', '@', ... */
static void test_bytes(void)
{
	static const char *const good[] = {
		"http://localhost:8000", "https://[::1]:8000", "http://a.b",
	};
	static const char *const hosts[] = { "localhost:8000", "[::1]:8000", "a.b" };
	char buf[64];
	size_t g, at, n, bad = 0, tried = 0;
	int b, first = -1;

	for (g = 0; g < COUNT(good); g++) {
		n = strlen(good[g]);
		for (b = 0; b < 256; b++) {
			if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
			    (b >= '0' && b <= '9') || (b != 0 && strchr("-.:/[]", b)))
				continue;
			for (at = 0; at <= n; at++) {
				struct origin o;
				size_t hn = strlen(hosts[g]);

				memcpy(buf, good[g], at);
				buf[at] = (char)b;
				memcpy(buf + at + 1, good[g] + at, n - at);
				tried++;
				if (parse_copy(buf, n + 1, &o) != -1 ||
				    check_copy(NULL, 1, buf, n + 1, hosts[g], hn) != 0) {
					if (!bad++)
						first = b;
				}
				if (at <= hn) {
					memcpy(buf, hosts[g], at);
					buf[at] = (char)b;
					memcpy(buf + at + 1, hosts[g] + at, hn - at);
					tried++;
					if (check_copy(NULL, 1, good[g], n, buf, hn + 1) != 0 &&
					    !bad++)
						first = b;
				}
			}
		}
		CHECK(check_str(NULL, 1, good[g], hosts[g]) == 1, "%s on %s", good[g],
		      hosts[g]);
	}
	CHECK(bad == 0, "%zu of %zu values with a foreign byte taken (first: 0x%02x)",
	      bad, tried, first);
}

/* Every prefix of every value above, as an Origin and as a Host, parsed
 * from an exact-size copy: no crash, no read past the end, and a prefix
 * that parses has a valid normalized form. */
static void test_prefixes(void)
{
	size_t i, k, n, odd = 0, runs = 0;
	struct origin o;

	for (i = 0; i < COUNT(pairs) + COUNT(parsed) + COUNT(unparsed); i++) {
		const char *s = i < COUNT(pairs) ? pairs[i].origin :
		    i < COUNT(pairs) + COUNT(parsed) ? parsed[i - COUNT(pairs)].in :
		    unparsed[i - COUNT(pairs) - COUNT(parsed)];

		if (!s)
			continue;
		n = strlen(s);
		for (k = 0; k <= n; k++) {
			runs++;
			if (parse_copy(s, k, &o) == 0 &&
			    (o.port == 0 || o.host_len == 0 || o.host_len > ORIGIN_HOST_MAX))
				odd++;
			(void)check_copy(NULL, 1, s, k, s, k);
			(void)check_copy(NULL, 1, "http://a", 8, s, k);
		}
	}
	CHECK(odd == 0, "%zu of %zu prefixes parsed to a bad origin", odd, runs);
}

/* 256 bytes is the limit, for the Origin and the Host alike. */
static void test_length(void)
{
	char v[ORIGIN_MAX_LEN + 2], h[ORIGIN_MAX_LEN + 2];
	struct origin_policy p;
	struct origin o;
	size_t hn;

	/* "http://" and 249 bytes: 256 */
	memcpy(v, "http://", 7);
	memset(v + 7, 'a', ORIGIN_HOST_MAX);
	memset(h, 'a', ORIGIN_HOST_MAX);
	hn = ORIGIN_HOST_MAX;
	CHECK(parse_copy(v, ORIGIN_MAX_LEN, &o) == 0 && o.host_len == ORIGIN_HOST_MAX,
	      "a 256-byte origin refused");
	CHECK(check_copy(NULL, 1, v, ORIGIN_MAX_LEN, h, hn) == 1,
	      "a 256-byte origin on its Host refused");
	/* one more byte of host: 257 */
	v[ORIGIN_MAX_LEN] = 'a';
	h[hn] = 'a';
	CHECK(parse_copy(v, ORIGIN_MAX_LEN + 1, &o) == -1, "a 257-byte origin taken");
	CHECK(check_copy(NULL, 1, v, ORIGIN_MAX_LEN + 1, h, hn + 1) == 0,
	      "a 257-byte origin on its Host taken");
	/* "https://" and 248 bytes: 256 */
	memcpy(v, "https://", 8);
	CHECK(parse_copy(v, ORIGIN_MAX_LEN, &o) == 0 && o.https &&
	      o.host_len == ORIGIN_HOST_MAX - 1, "a 256-byte https origin refused");
	CHECK(check_copy(NULL, 1, v, ORIGIN_MAX_LEN, h, ORIGIN_HOST_MAX - 1) == 1,
	      "a 256-byte https origin on its Host refused");
	CHECK(parse_copy(v, ORIGIN_MAX_LEN + 1, &o) == -1, "a 257-byte https origin taken");

	/* A Host over 256 bytes is refused, even for an -o origin; one of
	 * 256 is judged on its syntax. */
	memset(&p, 0, sizeof p);
	CHECK(origin_allow(&p, "http://app.example") == 0, "-o http://app.example");
	memset(h, 'a', sizeof h);
	CHECK(check_copy(&p, 1, "http://app.example", 18, h, ORIGIN_MAX_LEN) == 1,
	      "a 256-byte Host refused");
	CHECK(check_copy(&p, 1, "http://app.example", 18, h, ORIGIN_MAX_LEN + 1) == 0,
	      "a 257-byte Host taken");
	/* and an -o argument over 256 bytes is malformed */
	memcpy(v, "http://", 7);
	memset(v + 7, 'b', ORIGIN_HOST_MAX + 1);
	v[ORIGIN_MAX_LEN + 1] = '\0';
	CHECK(origin_allow(&p, v) == -1, "a 257-byte -o taken");
	v[ORIGIN_MAX_LEN] = '\0';
	CHECK(origin_allow(&p, v) == 0, "a 256-byte -o refused");
}

/* A NUL inside a value is a byte like any other control byte: refused,
 * and what follows it is not ignored. */
static void test_nul(void)
{
	CHECK(check_copy(NULL, 1, "http://localhost\0:8000", 22, "localhost:8000", 14) == 0,
	      "a NUL in the Origin");
	CHECK(check_copy(NULL, 1, "http://localhost:8000", 21, "localhost:8000\0", 15) == 0,
	      "a NUL at the end of the Host");
	CHECK(check_copy(NULL, 1, "http://localhost:8000\0evil", 26, "localhost:8000", 14) == 0,
	      "an Origin with a NUL and more");
}

int main(void)
{
	test_pairs();
	test_parse();
	test_allow_list();
	test_allow_any();
	test_allow_bad();
	test_bytes();
	test_prefixes();
	test_length();
	test_nul();
	printf("%zu Origin/Host pairs in the table\n", COUNT(pairs));
	return CHECK_DONE();
}
