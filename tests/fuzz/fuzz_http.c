/* SPDX-License-Identifier: ISC */
/*
 * fuzz_http.c - the HTTP request parser, http_parse(), the two helpers
 * that take request bytes apart further, http_has_token() and
 * http_static_name(), and the Origin policy of the upgrade (origin.c).
 *
 * Input: byte 0 says how many step bytes follow (1 to 8, from its low 3
 * bits); the rest is the stream of bytes a client sends.
 *
 * The stream is parsed as conn.c parses a connection's input: empty lines
 * are skipped between requests (RFC 9112 2.2, http_skip_empty, only while
 * scan is 0); the bytes received so far are offered again and again with
 * `scan` carried from call to call, the received prefix growing by steps
 * taken in turn from the step bytes (a step byte b adds b + 1 bytes; 0 is
 * a client that sends one byte at a time); a complete request is cut off
 * the front, its body skipped, and the next one parsed, until an error or
 * a request that closes the connection.  Each prefix is copied to a block
 * of exactly its size, so a look past the bytes received is caught.
 *
 * For each verdict (a length, or an error) the fuzzer checks:
 *   - a length is at most what was offered, and ends the head: the head
 *     ends with the FIRST empty line (LF LF or LF CR LF), found here by
 *     a naive search;
 *   - an error is one of the documented statuses;
 *   - the request's slices (path, key, version) lie within the head, or
 *     the path is "/" itself (the absolute-form with an empty path, RFC
 *     9112 3.2.1, which the parser points at a literal);
 *   - the fields obey their own rules (method, version, limits...);
 *   - the same verdict and the same request come out of one call on the
 *     same prefix with a fresh scan, and of one call on everything that is
 *     left: resuming may make the parser faster, never make it say
 *     something else.
 *
 * http_has_token and http_static_name are held against reference
 * versions written here from the RFCs, on the value of every line that
 * has a colon and on the path of every /static/ request (as conn.c calls
 * it), and on random slices of the input.
 *
 * The Origin policy is held against a reference written here from
 * origin.h's rules (ref_origin_parse, ref_origin_check), on the Origin
 * and Host fields of the input's lines, on random slices, and on slices
 * made the host of an http:// or https:// Origin and the Host at once.
 * Besides the same verdict and the same normalized origin, it checks:
 * -o '*' and a request without Origin are accepted; two Origin fields
 * are not; the case of either value never changes the verdict; a parsed
 * origin, written back as scheme://host:port (and as a browser writes
 * it, without a default port), parses to itself, is accepted on its own
 * Host, and with itself as -o is accepted on any valid Host; an -o list
 * never refuses what the default accepted.
 */
#include <ctype.h>
#include <limits.h>

#include "config.h"
#include "fuzz.h"
#include "http.h"
#include "origin.h"

/* ---- References ----------------------------------------------------- */

static int
ref_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 9110 5.6.1: #element is a comma-separated list with optional
 * whitespace (OWS: SP / HTAB) around the commas; empty elements are
 * ignored.  7.8: an Upgrade element is protocol-name ["/" version].
 * Tokens compare case-insensitively in ASCII. */
static int
ref_has_token(const char *v, size_t n, const char *tok)
{
	size_t s = 0, e, i, t = strlen(tok);

	while (s <= n) {
		for (e = s; e < n && v[e] != ','; e++)
			;
		/* element v[s..e): trim OWS, then cut at '/' */
		{
			size_t a = s, b = e;

			while (a < b && (v[a] == ' ' || v[a] == '\t'))
				a++;
			while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
				b--;
			for (i = a; i < b; i++)
				if (v[i] == '/') {
					b = i;
					break;
				}
			if (b > a && b - a == t) {
				for (i = 0; i < t; i++)
					if (ref_lower((unsigned char)v[a + i]) !=
					    ref_lower((unsigned char)tok[i]))
						break;
				if (i == t)
					return 1;
			}
		}
		s = e + 1;
	}
	return 0;
}

static int
ref_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* http.h's promise, in three plain passes: percent-decode (RFC 3986
 * 2.1), refuse control bytes, DEL and backslash, then refuse an empty,
 * "." or ".." segment; and it must fit in cap with its NUL. */
static int
ref_static_name(const char *name, size_t n, char *out, size_t cap)
{
	char *d = (char *)fuzz_zalloc(n + 1);
	size_t i, k = 0, seg;
	int ok = 1;

	for (i = 0; i < n && ok; i++) {
		if (name[i] != '%') {
			d[k++] = name[i];
		} else if (i + 2 < n && ref_hex((unsigned char)name[i + 1]) >= 0 &&
		    ref_hex((unsigned char)name[i + 2]) >= 0) {
			d[k++] = (char)(ref_hex((unsigned char)name[i + 1]) * 16 +
			    ref_hex((unsigned char)name[i + 2]));
			i += 2;
		} else {
			ok = 0;
		}
	}
	for (i = 0; i < k && ok; i++)
		if ((unsigned char)d[i] < 0x20 || d[i] == 0x7f || d[i] == '\\')
			ok = 0;
	for (seg = 0, i = 0; i <= k && ok; i++) {
		if (i < k && d[i] != '/')
			continue;
		if (i - seg == 0 || (i - seg == 1 && d[seg] == '.') ||
		    (i - seg == 2 && d[seg] == '.' && d[seg + 1] == '.'))
			ok = 0;
		seg = i + 1;
	}
	if (ok && k + 1 > cap)
		ok = 0;
	if (ok) {
		memcpy(out, d, k);
		out[k] = '\0';
	}
	free(d);
	return ok ? 0 : -1;
}

/* ---- The helpers, against their references -------------------------- */

static void
check_token(const char *v, size_t n, const char *tok)
{
	uint8_t *copy = fuzz_dup(v, n);
	int got = http_has_token((const char *)copy, n, tok), want = ref_has_token(v, n, tok);

	FUZZ_CHECK(got == want, "http_has_token(\"%.*s\", \"%s\") = %d, reference %d",
	    (int)n, v, tok, got, want);
	free(copy);
}

/* Every token letterd looks for, and the value's own first element (its
 * protocol-name part), which must then be found. */
static void
check_tokens(const char *v, size_t n)
{
	static const char *const toks[] = { "close", "keep-alive", "upgrade", "websocket" };
	char tok[32];
	size_t i, a, b;

	for (i = 0; i < sizeof(toks) / sizeof(toks[0]); i++)
		check_token(v, n, toks[i]);
	for (a = 0; a < n && (v[a] == ' ' || v[a] == '\t' || v[a] == ','); a++)
		;
	for (b = a; b < n && v[b] != ','; b++)
		;
	while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
		b--;
	for (i = a; i < b && v[i] != '/'; i++)
		;
	b = i;
	if (b - a >= sizeof(tok) || memchr(v + a, '\0', b - a))
		return;
	memcpy(tok, v + a, b - a);
	tok[b - a] = '\0';
	check_token(v, n, tok);
	if (b > a)
		FUZZ_CHECK(http_has_token(v, n, tok), "the first element \"%s\" of \"%.*s\" "
		    "is not found", tok, (int)n, v);
}

static void
check_static(const char *name, size_t n, size_t cap)
{
	uint8_t *in = fuzz_dup(name, n);
	char *got = (char *)fuzz_zalloc(cap), *want = (char *)fuzz_zalloc(cap);
	int rg = http_static_name((const char *)in, n, got, cap);
	int rw = ref_static_name(name, n, want, cap);
	size_t i;

	FUZZ_CHECK(rg == rw, "http_static_name(\"%.*s\", cap %zu) = %d, reference %d",
	    (int)n, name, cap, rg, rw);
	if (rg == 0) {
		FUZZ_CHECK(!strcmp(got, want), "http_static_name(\"%.*s\") gave \"%s\", "
		    "reference \"%s\"", (int)n, name, got, want);
		/* and what conn.c relies on, directly */
		FUZZ_CHECK(got[0] != '/' && !strstr(got, "//"), "a leading or empty segment");
		for (i = 0; got[i]; i++)
			FUZZ_CHECK((unsigned char)got[i] >= 0x20 && got[i] != 0x7f &&
			    got[i] != '\\', "byte 0x%02x in a name", (unsigned char)got[i]);
	}
	free(in);
	free(got);
	free(want);
}

/* ---- The Origin policy, against a reference --------------------------- */

/* A second reading of origin.h's rules, written apart from origin.c and
 * the other way round: filter the alphabet first, then cut the value at
 * "://", the authority at its LAST ':', a name into labels at '.', an
 * IPv6 address at its "::" and its ':', an IPv4 address at its '.'. */
struct ref_origin {
	int https;
	unsigned port;
	size_t hlen;
	char host[ORIGIN_MAX_LEN];
};

/* 1 if v[0..n) is 1 to 4 hex digits (an h16 of RFC 3986 3.2.2). */
static int
ref_h16(const char *v, size_t n)
{
	size_t i;

	if (n < 1 || n > 4)
		return 0;
	for (i = 0; i < n; i++)
		if (ref_hex((unsigned char)v[i]) < 0)
			return 0;
	return 1;
}

/* 1 if v[0..n) is a dec-octet "0".."255" without a leading zero. */
static int
ref_octet(const char *v, size_t n)
{
	size_t i;
	unsigned x = 0;

	if (n < 1 || n > 3 || (n > 1 && v[0] == '0'))
		return 0;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	return x <= 255;
}

static int
ref_ipv4(const char *v, size_t n)
{
	size_t i, s = 0, parts = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != '.')
			continue;
		if (++parts > 4 || !ref_octet(v + s, i - s))
			return 0;
		s = i + 1;
	}
	return parts == 4;
}

/* The groups of a ':'-separated run of h16 (an empty run has none);
 * when last, its last piece may be an IPv4 address, worth two.  -1 if
 * a piece is neither. */
static int
ref_groups(const char *v, size_t n, int last)
{
	size_t i, s = 0;
	int groups = 0;

	if (n == 0)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != ':')
			continue;
		if (ref_h16(v + s, i - s))
			groups++;
		else if (last && i == n && ref_ipv4(v + s, i - s))
			groups += 2;
		else
			return -1;
		s = i + 1;
	}
	return groups;
}

static int
ref_ipv6(const char *v, size_t n)
{
	size_t i, gap = n;
	int a, b;

	for (i = 0; i + 1 < n; i++)
		if (v[i] == ':' && v[i + 1] == ':') {
			if (gap != n)
				return 0;    /* a second "::", or ":::" */
			gap = i;
		}
	if (gap == n)
		return ref_groups(v, n, 1) == 8;
	a = ref_groups(v, gap, 0);
	b = ref_groups(v + gap + 2, n - gap - 2, 1);
	return a >= 0 && b >= 0 && a + b <= 7;
}

static int
ref_name(const char *v, size_t n)
{
	size_t i, s = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != '.')
			continue;
		/* an empty label only as the last, after a trailing dot */
		if (i == s && !(i == n && n > 0))
			return 0;
		s = i + 1;
	}
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)v[i]) || v[i] == '-' || v[i] == '.'))
			return 0;
	return 1;
}

/* host [ ":" port ]; port 0 when there is none. */
static int
ref_authority(const char *v, size_t n, size_t *hlen, unsigned *port)
{
	size_t i, colon = n;
	unsigned x = 0;

	for (i = 0; i < n; i++)
		if (v[i] == ':')
			colon = i;
	if (n > 0 && v[0] == '[') {
		/* the port's ':' must come right after the ']' */
		if (colon != n && (colon == 0 || v[colon - 1] != ']'))
			colon = n;
		if (colon < 2 || v[colon - 1] != ']' || !ref_ipv6(v + 1, colon - 2))
			return 0;
	} else {
		for (i = 0; i < colon; i++)
			if (v[i] == ':' || v[i] == '[' || v[i] == ']')
				return 0;
		if (!ref_name(v, colon))
			return 0;
	}
	*hlen = colon;
	*port = 0;
	if (colon == n)
		return 1;
	if (n - colon - 1 < 1 || n - colon - 1 > 5 || v[colon + 1] == '0')
		return 0;
	for (i = colon + 1; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	if (x < 1 || x > 65535)
		return 0;
	*port = x;
	return 1;
}

static int
ref_ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ref_lower((unsigned char)a[i]) != ref_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Visible ASCII of an origin's alphabet only. */
static int
ref_alphabet(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && !memchr("-.:/[]", v[i], 6))
			return 0;
	return 1;
}

static int
ref_origin_parse(const char *v, size_t n, struct ref_origin *o)
{
	size_t s, i;

	if (n == 0 || n > ORIGIN_MAX_LEN || !ref_alphabet(v, n))
		return 0;
	for (s = 0; s + 3 <= n && memcmp(v + s, "://", 3); s++)
		;
	if (s + 3 > n)
		return 0;
	if (s == 4 && ref_ieq(v, "http", 4))
		o->https = 0;
	else if (s == 5 && ref_ieq(v, "https", 5))
		o->https = 1;
	else
		return 0;
	v += s + 3;
	n -= s + 3;
	if (memchr(v, '/', n) || !ref_authority(v, n, &o->hlen, &o->port))
		return 0;
	if (o->port == 0)
		o->port = o->https ? 443 : 80;
	for (i = 0; i < o->hlen; i++)
		o->host[i] = (char)ref_lower((unsigned char)v[i]);
	return 1;
}

/* The verdict origin.h promises, with at most one -o origin (allow). */
static int
ref_origin_check(int any, const struct ref_origin *allow, int count, const char *v,
                 size_t vn, const char *h, size_t hn)
{
	struct ref_origin o;
	size_t hl;
	unsigned port;

	if (count == 0 || any)
		return 1;
	if (count != 1 || !ref_origin_parse(v, vn, &o))
		return 0;
	if (!h || hn > ORIGIN_MAX_LEN || !ref_alphabet(h, hn) || !ref_authority(h, hn, &hl, &port))
		return 0;
	if (allow && allow->https == o.https && allow->port == o.port &&
	    allow->hlen == o.hlen && !memcmp(allow->host, o.host, o.hlen))
		return 1;
	if (port == 0)
		port = o.https ? 443 : 80;
	return hl == o.hlen && port == o.port && ref_ieq(h, o.host, hl);
}

/* origin_check on exact-size copies (v or h NULL stay NULL). */
static int
origin_copy(const struct origin_policy *p, int count, const char *v, size_t vn,
            const char *h, size_t hn)
{
	uint8_t *vc = v ? fuzz_dup(v, vn) : NULL, *hc = h ? fuzz_dup(h, hn) : NULL;
	int r = origin_check(p, count, (const char *)vc, vn, (const char *)hc, hn);

	free(vc);
	free(hc);
	return r;
}

/* out = v with its ASCII letters upper (up) or lower case. */
static char *
recase(const char *v, size_t n, int up)
{
	char *out = (char *)fuzz_zalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (char)(up ? toupper((unsigned char)v[i]) : tolower((unsigned char)v[i]));
	return out;
}

/* Writes o to out as scheme://host:port and a NUL, the port written
 * when port_too is set or when it is not the scheme's default (as RFC
 * 6454 6.2 writes it).  Returns the length. */
static size_t
origin_write(const struct origin *o, int port_too, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s://%.*s", o->https ? "https" : "http",
	    (int)o->host_len, o->host);

	if (port_too || o->port != (o->https ? 443 : 80))
		n += snprintf(out + n, cap - (size_t)n, ":%u", (unsigned)o->port);
	return (size_t)n;
}

/* One Origin (count fields, the last v[0..vn)) and one Host h[0..hn), h
 * NULL if absent, through origin_check and origin_parse. */
static void
check_origin(int count, const char *v, size_t vn, const char *h, size_t hn)
{
	static const struct origin_policy any = { 1, 0, { { 0, 0, 0, { 0 } } } };
	struct origin_policy p;
	struct ref_origin ro;
	struct origin o, o2;
	char buf[2 * ORIGIN_MAX_LEN], host[2 * ORIGIN_MAX_LEN];
	int got, want, parsed, refparsed, i;
	uint8_t *copy;

	got = origin_copy(NULL, count, v, vn, h, hn);
	want = ref_origin_check(0, NULL, count, v, vn, h, hn);
	FUZZ_CHECK(got == want, "origin_check(%d, \"%.*s\", Host \"%.*s\") = %d, reference %d",
	    count, (int)vn, v, (int)hn, h ? h : "", got, want);
	FUZZ_CHECK(origin_copy(&any, count, v, vn, h, hn) == 1, "refused under -o '*'");
	FUZZ_CHECK(origin_copy(NULL, 0, v, vn, h, hn) == 1, "refused without an Origin");
	FUZZ_CHECK(count == 1 || count == 0 || got == 0, "%d Origin fields taken", count);
	/* case, on both sides, does not matter */
	for (i = 0; i < 2; i++) {
		char *cv = recase(v, vn, i), *ch = h ? recase(h, hn, !i) : NULL;

		FUZZ_CHECK(origin_copy(NULL, count, cv, vn, ch, hn) == got,
		    "the verdict on \"%.*s\", Host \"%.*s\" depends on case",
		    (int)vn, v, (int)hn, h ? h : "");
		free(cv);
		free(ch);
	}

	copy = fuzz_dup(v, vn);
	parsed = origin_parse((const char *)copy, vn, &o) == 0;
	free(copy);
	refparsed = ref_origin_parse(v, vn, &ro);
	FUZZ_CHECK(parsed == refparsed, "origin_parse(\"%.*s\") = %d, reference %d",
	    (int)vn, v, parsed, refparsed);
	/* The value as an -o argument: "*", or what origin_parse takes; on
	 * a full list the same, but -2 where it would have been added. */
	if (!memchr(v, '\0', vn)) {
		int star = vn == 1 && v[0] == '*', r;

		copy = fuzz_zalloc(vn + 1);
		memcpy(copy, v, vn);
		memset(&p, 0, sizeof(p));
		r = origin_allow(&p, (const char *)copy);
		FUZZ_CHECK(r == (star || parsed ? 0 : -1) && p.any == star && p.n == parsed,
		    "origin_allow(\"%s\") = %d", (const char *)copy, r);
		p.any = 0;
		p.n = ORIGIN_MAX_ALLOWED;
		r = origin_allow(&p, (const char *)copy);
		FUZZ_CHECK(r == (star ? 0 : parsed ? -2 : -1) && p.n == ORIGIN_MAX_ALLOWED,
		    "origin_allow(\"%s\") on a full list = %d", (const char *)copy, r);
		free(copy);
	}
	if (!parsed)
		return;
	FUZZ_CHECK(o.https == ro.https && o.port == ro.port && o.host_len == ro.hlen &&
	    !memcmp(o.host, ro.host, o.host_len), "origin_parse(\"%.*s\") gave %d %u \"%.*s\", "
	    "reference %d %u \"%.*s\"", (int)vn, v, o.https, (unsigned)o.port,
	    (int)o.host_len, o.host, ro.https, ro.port, (int)ro.hlen, ro.host);
	FUZZ_CHECK(o.port >= 1 && o.host_len >= 1 && o.host_len <= ORIGIN_HOST_MAX,
	    "a bad normalized origin");
	for (i = 0; i < (int)o.host_len; i++)
		FUZZ_CHECK(!isupper((unsigned char)o.host[i]), "upper case in \"%.*s\"",
		    (int)o.host_len, o.host);

	/* Round trips: the normalized origin, written with its port or as
	 * a browser writes it, parses to itself... */
	for (i = 0; i < 2; i++) {
		size_t n = origin_write(&o, i, buf, sizeof(buf));

		copy = fuzz_dup(buf, n);
		FUZZ_CHECK(n <= ORIGIN_MAX_LEN + 6, "%zu bytes written", n);
		if (n <= ORIGIN_MAX_LEN) {
			FUZZ_CHECK(origin_parse((const char *)copy, n, &o2) == 0 &&
			    o2.https == o.https && o2.port == o.port && o2.host_len == o.host_len &&
			    !memcmp(o2.host, o.host, o.host_len), "\"%s\" from \"%.*s\" does not "
			    "parse to itself", buf, (int)vn, v);
		}
		free(copy);
	}
	/* ...and it is the same origin as its own Host, written with its
	 * port, or without when that is the default... */
	{
		int m = snprintf(host, sizeof(host), "%.*s:%u", (int)o.host_len, o.host,
		    (unsigned)o.port);

		FUZZ_CHECK(origin_copy(NULL, 1, v, vn, host, (size_t)m) == 1,
		    "\"%.*s\" refused on its own Host \"%s\"", (int)vn, v, host);
		if (o.port == (o.https ? 443 : 80))
			FUZZ_CHECK(origin_copy(NULL, 1, v, vn, host, o.host_len) == 1,
			    "\"%.*s\" refused on its own Host \"%.*s\"", (int)vn, v,
			    (int)o.host_len, host);
	}
	/* ...and -o with it lets it in on any valid Host, and keeps in
	 * whatever the default let in. */
	memset(&p, 0, sizeof(p));
	origin_write(&o, 1, buf, sizeof(buf));
	if (strlen(buf) <= ORIGIN_MAX_LEN) {
		FUZZ_CHECK(origin_allow(&p, buf) == 0, "-o %s refused", buf);
		FUZZ_CHECK(origin_copy(&p, 1, v, vn, "x", 1) == 1,
		    "\"%.*s\" refused with -o %s", (int)vn, v, buf);
		FUZZ_CHECK(origin_copy(&p, count, v, vn, h, hn) >= got, "-o %s refuses more",
		    buf);
		FUZZ_CHECK(origin_copy(&p, count, v, vn, h, hn) ==
		    ref_origin_check(0, &ro, count, v, vn, h, hn), "-o %s against the reference",
		    buf);
	}
}

/* A field's name is name (any case): then *v, *vn is its value without
 * the OWS around it, as http_parse sees it. */
static int
field_is(const uint8_t *line, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t k = strlen(name), a, b;

	if (n <= k || line[k] != ':' || !ref_ieq((const char *)line, name, k))
		return 0;
	for (a = k + 1; a < n && (line[a] == ' ' || line[a] == '\t'); a++)
		;
	for (b = n; b > a && (line[b - 1] == ' ' || line[b - 1] == '\t'); b--)
		;
	*v = (const char *)line + a;
	*vn = b - a;
	return 1;
}

/* The Origin policy on the Origin and Host fields of the input's lines,
 * as the upgrade route would call it (the count of Origin fields, the
 * last one's value, the Host), and on slices: slice against slice, and a
 * slice as the host of an http:// or https:// Origin against itself as
 * the Host, which reaches the "same origin" answers far more often. */
static void
check_origins(const uint8_t *s, size_t n, struct fuzz_rng *rng)
{
	const char *ov = "", *hv = NULL, *v;
	size_t i, on = 0, hn = 0, vn;
	int count = 0;
	char buf[2 * ORIGIN_MAX_LEN];

	for (i = 0; i < n && i < 4096;) {
		const uint8_t *lf = memchr(s + i, '\n', n - i);
		size_t eol = lf ? (size_t)(lf - s) : n, e = eol;

		if (e > i && s[e - 1] == '\r')
			e--;
		if (field_is(s + i, e - i, "origin", &v, &vn)) {
			count++;
			ov = v;
			on = vn;
		} else if (field_is(s + i, e - i, "host", &v, &vn)) {
			hv = v;
			hn = vn;
		}
		i = eol + 1;
	}
	if (count || hv)
		check_origin(count, ov, on, hv, hn);
	for (i = 0; i < 4 && n; i++) {
		size_t a = fuzz_rng_next(rng) % n, b = a + fuzz_rng_next(rng) % (n - a + 1);
		size_t c = fuzz_rng_next(rng) % n, d = c + fuzz_rng_next(rng) % (n - c + 1);
		uint32_t x = fuzz_rng_next(rng);
		size_t k;

		check_origin((int)(x % 3), (const char *)s + a, b - a,
		    x & 4 ? (const char *)s + c : NULL, x & 4 ? d - c : 0);
		if (b - a > ORIGIN_MAX_LEN)
			b = a + ORIGIN_MAX_LEN;
		k = x & 8 ? 8 : 7;
		memcpy(buf, x & 8 ? "https://" : "http://", k);
		memcpy(buf + k, s + a, b - a);
		check_origin(1, buf, k + b - a, (const char *)s + a, b - a);
	}
}

/* ---- The parser ------------------------------------------------------ */

/* Where the first empty line ends, by the most naive search: the offset
 * just past LF LF or LF CR LF, or 0. */
static size_t
naive_head_end(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* 1 if the slice [s, s + n) lies within [base, base + len). */
static int
within(const char *s, size_t n, const uint8_t *base, size_t len)
{
	uintptr_t a = (uintptr_t)s, b = (uintptr_t)base;

	return a >= b && a - b <= len && n <= len - (a - b);
}

/* Checks one verdict r of http_parse on p[0..n) and the request it
 * filled.  end is naive_head_end() of all the bytes of the stream from p
 * on, of which p[0..n) is a prefix (computed once per request, so that
 * checking every prefix does not cost O(n^2)). */
static void
check_verdict(long r, const struct http_req *q, const uint8_t *p, size_t n, size_t end)
{
	size_t line;

	if (r < 0) {
		FUZZ_CHECK(r == -400 || r == -414 || r == -431 || r == -501 || r == -505,
		    "error %ld", r);
		return;
	}
	if (r == 0) {
		FUZZ_CHECK(end == 0 || end > n, "need more, but the head ends at %zu of %zu",
		    end, n);
		return;
	}
	FUZZ_CHECK((size_t)r <= n, "length %ld of %zu bytes", r, n);
	FUZZ_CHECK((size_t)r == end, "length %ld, but the first empty line ends at %zu",
	    r, end);
	line = (size_t)((const uint8_t *)memchr(p, '\n', n) - p);
	FUZZ_CHECK(line - (line && p[line - 1] == '\r') <= HTTP_MAX_LINE,
	    "a request line of %zu bytes", line);
	FUZZ_CHECK((size_t)r - line - 1 <= HTTP_MAX_HEADERS, "%zu bytes of fields",
	    (size_t)r - line - 1);

	FUZZ_CHECK(q->method == (n >= 4 && !memcmp(p, "GET ", 4) ? HTTP_GET :
	    n >= 5 && !memcmp(p, "HEAD ", 5) ? HTTP_HEAD : HTTP_OTHER),
	    "method %d for \"%.*s\"", q->method, 5, (const char *)p);
	FUZZ_CHECK(q->minor >= 0 && q->minor <= 9, "minor %d", q->minor);
	FUZZ_CHECK(q->path && q->path_len >= 1, "no path");
	FUZZ_CHECK(within(q->path, q->path_len, p, (size_t)r) ||
	    (q->path_len == 1 && q->path[0] == '/'), "path outside the head");
	FUZZ_CHECK(q->path[0] == '/' || (q->path_len == 1 && q->path[0] == '*'),
	    "path \"%.*s\"", (int)q->path_len, q->path);
	FUZZ_CHECK(!memchr(q->path, '?', q->path_len), "the query is in the path");
	FUZZ_CHECK(!q->ws_key || within(q->ws_key, q->ws_key_len, p, (size_t)r),
	    "Sec-WebSocket-Key outside the head");
	FUZZ_CHECK(!q->ws_version || within(q->ws_version, q->ws_version_len, p, (size_t)r),
	    "Sec-WebSocket-Version outside the head");
	FUZZ_CHECK((q->ws_key != NULL) == (q->ws_key_count > 0), "key count %d",
	    q->ws_key_count);
	FUZZ_CHECK(q->fields >= 0 && q->fields <= HTTP_MAX_FIELDS, "%d fields", q->fields);
	FUZZ_CHECK(q->ws_key_count <= q->fields && q->has_host <= 1, "field counts");
	FUZZ_CHECK(q->content_length <= HTTP_MAX_BODY, "Content-Length %llu",
	    (unsigned long long)q->content_length);
	FUZZ_CHECK(q->minor >= 1 ? q->has_host == 1 : 1, "HTTP/1.1 without Host");
	FUZZ_CHECK(!q->conn_close || !q->keep_alive, "close and keep-alive");
	FUZZ_CHECK(q->keep_alive == 0 || q->keep_alive == 1, "keep_alive %d", q->keep_alive);
}

/* Two verdicts on the same bytes: same result, same request. */
static void
check_same(long r1, const struct http_req *a, const uint8_t *pa,
           long r2, const struct http_req *b, const uint8_t *pb, const char *how)
{
	FUZZ_CHECK(r1 == r2, "%s: %ld, resumed: %ld", how, r2, r1);
	if (r1 <= 0)
		return;
	FUZZ_CHECK(a->method == b->method && a->minor == b->minor &&
	    a->keep_alive == b->keep_alive && a->conn_close == b->conn_close &&
	    a->conn_upgrade == b->conn_upgrade && a->up_websocket == b->up_websocket &&
	    a->has_host == b->has_host && a->content_length == b->content_length &&
	    a->ws_key_count == b->ws_key_count && a->fields == b->fields &&
	    a->path_len == b->path_len && !memcmp(a->path, b->path, a->path_len) &&
	    (a->ws_key != NULL) == (b->ws_key != NULL) &&
	    (a->ws_version != NULL) == (b->ws_version != NULL),
	    "%s: another request", how);
	FUZZ_CHECK(!a->ws_key || (a->ws_key - (const char *)pa == b->ws_key - (const char *)pb &&
	    a->ws_key_len == b->ws_key_len), "%s: another key", how);
	FUZZ_CHECK(!a->ws_version ||
	    (a->ws_version - (const char *)pa == b->ws_version - (const char *)pb &&
	    a->ws_version_len == b->ws_version_len), "%s: another version", how);
}

/* One call of http_parse on a fresh exact-size copy of s[0..n). */
static long
parse_copy(const uint8_t *s, size_t n, size_t *scan, struct http_req *q, uint8_t **copy)
{
	*copy = fuzz_dup(s, n);
	return http_parse((const char *)*copy, n, scan, q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *steps, *s;
	size_t nsteps, n, base = 0, have, scan = 0, step_i = 0, i, cap;
	size_t end = 0, have_end = (size_t)-1;   /* naive_head_end at base */
	struct fuzz_rng rng;

	if (size < 1)
		return 0;
	nsteps = (size_t)(data[0] & 7) + 1;
	if (size < 1 + nsteps)
		return 0;
	steps = data + 1;
	s = data + 1 + nsteps;
	n = size - 1 - nsteps;

	/* The stream, request after request, as conn.c parses it. */
	have = 0;
	while (base < n) {
		struct http_req q, q2;
		uint8_t *copy, *copy2;
		size_t scan2 = 0;
		long r, r2;

		have += (size_t)steps[step_i++ % nsteps] + 1;
		if (have > n - base)
			have = n - base;
		if (scan == 0) {
			size_t skip = http_skip_empty((const char *)s + base, have);

			FUZZ_CHECK(skip <= have, "skipped %zu of %zu", skip, have);
			if (skip) {
				base += skip;
				have -= skip;
				continue;
			}
		}
		if (have_end != base) {
			end = naive_head_end(s + base, n - base);
			have_end = base;
		}
		r = parse_copy(s + base, have, &scan, &q, &copy);
		FUZZ_CHECK(scan <= have, "scan %zu past %zu bytes", scan, have);
		check_verdict(r, &q, copy, have, end);
		if (r == 0 && have < n - base) {
			free(copy);
			continue;         /* need more, and more is coming */
		}
		/* A verdict, or the end of the stream: the same with a fresh
		 * scan on this prefix, and in one call on all that is left. */
		r2 = parse_copy(s + base, have, &scan2, &q2, &copy2);
		check_same(r, &q, copy, r2, &q2, copy2, "fresh scan");
		free(copy2);
		scan2 = 0;
		r2 = parse_copy(s + base, n - base, &scan2, &q2, &copy2);
		check_verdict(r2, &q2, copy2, n - base, end);
		check_same(r, &q, copy, r2, &q2, copy2, "all at once");
		free(copy2);

		if (r > 0 && q.path_len > 8 && !memcmp(q.path, "/static/", 8))
			check_static(q.path + 8, q.path_len - 8, PATH_MAX);
		free(copy);
		if (r <= 0)
			break;            /* an error closes the connection */
		scan = 0;
		base += (size_t)r;
		have = 0;
		if (!q.keep_alive)
			break;
		/* conn.c skips a body it did not ask for */
		base += q.content_length < n - base ? (size_t)q.content_length : n - base;
	}

	/* The helpers on every line's value (after its first colon). */
	for (i = 0; i < n && i < 4096;) {
		const uint8_t *lf = memchr(s + i, '\n', n - i), *colon;
		size_t eol = lf ? (size_t)(lf - s) : n;

		colon = memchr(s + i, ':', eol - i);
		if (colon)
			check_tokens((const char *)colon + 1, eol - (size_t)(colon + 1 - s));
		i = eol + 1;
	}
	/* ...and on a few random slices, with a random room for the name. */
	fuzz_rng_init(&rng, (uint32_t)data[0] << 8 | (uint32_t)n);
	for (i = 0; i < 4 && n; i++) {
		size_t a = fuzz_rng_next(&rng) % n, b = a + fuzz_rng_next(&rng) % (n - a + 1);

		check_tokens((const char *)s + a, b - a);
		cap = fuzz_rng_next(&rng) % 4 ? PATH_MAX : fuzz_rng_next(&rng) % 16;
		check_static((const char *)s + a, b - a, cap);
	}
	check_origins(s, n, &rng);
	return 0;
}
