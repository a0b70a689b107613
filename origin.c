/* SPDX-License-Identifier: ISC */
/*
 * origin.c - the Origin policy of the WebSocket upgrade (RFC 6455 10.2).
 *
 * A browser sends the page's origin with every WebSocket handshake
 * (RFC 6455 4.1, item 8) and does not stop a page on one site from
 * opening a WebSocket to another: the server must look.  Without a look,
 * any page a user visits could talk to a letterd on their machine or
 * their network (cross-site WebSocket hijacking, CWE-1385).
 *
 * The rule is strict on purpose.  A browser serializes an origin one way
 * (RFC 6454 6.2): lowercase scheme and host, "://", and ":port" only when
 * it is not the scheme's default.  We take a little more than that -- any
 * case, an explicit default port -- and refuse everything else that could
 * make two spellings of one origin disagree, or two origins look alike:
 * a path, userinfo, percent-encoding, whitespace, non-ASCII bytes, a
 * leading zero in a port.  Nothing is resolved or canonicalized beyond
 * case: "localhost" and "127.0.0.1", or "[::1]" and "[0:0::1]", are
 * different hosts here.  Each of those refusals errs on the safe side: a
 * page is turned away, never let in.
 *
 * Hosts are compared as text, so a host is judged for its syntax only:
 * a reg-name of letters, digits, '-' and '.' (which covers a dotted IPv4
 * address; "127.1" is then just another name), or an IPv6 address in
 * brackets, checked against the grammar of RFC 3986 3.2.2.
 */
#include <string.h>

#include "origin.h"

/* ASCII lower case; other bytes as they are (no locale: a host is ASCII). */
static int
origin_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII case-insensitive equality of a[0..n) and b[0..n). */
static int
origin_ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (origin_lower((unsigned char)a[i]) != origin_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* RFC 5234 B.1: DIGIT. */
static int
origin_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5234 B.1: HEXDIG, in either case (RFC 3986 2.1 makes them equal). */
static int
origin_hex(int c)
{
	return origin_digit(c) || (origin_lower(c) >= 'a' && origin_lower(c) <= 'f');
}

/* RFC 3986 3.2.2: a reg-name, narrowed to the letters, digits, '-' and
 * '.' of a DNS name (RFC 1123 2.1); so no '%' (percent-encoding), no '_',
 * no sub-delims.  No empty label: not ".", "..", ".a" or "a..b".  One
 * trailing dot is allowed, "example.com.", the fully qualified form a
 * browser keeps as typed; it is compared as written, so it is another
 * host than "example.com" (refused, the safe side). */
static int
origin_regname(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (origin_digit(c) || (origin_lower(c) >= 'a' && origin_lower(c) <= 'z') ||
		    c == '-') {
			label++;
		} else {
			return -1;
		}
	}
	return 0;
}

/* A decimal number at the start of s[0..n), as an IPv4 address and a port
 * write it: at most max digits, no leading zero ("0" alone is a number).
 * Sets *v and returns the digits taken: 0 if none, or if they start with
 * a zero and go on. */
static size_t
origin_decimal(const char *s, size_t n, size_t max, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n && i < max && origin_digit((unsigned char)s[i]); i++)
		*v = *v * 10 + (unsigned)(s[i] - '0');
	return i > 1 && s[0] == '0' ? 0 : i;
}

/* RFC 3986 3.2.2: IPv4address, four dec-octets 0..255 without a leading
 * zero, s[0..n) being all of it. */
static int
origin_ipv4(const char *s, size_t n)
{
	size_t i = 0, k;
	unsigned v;
	int part;

	for (part = 0; part < 4; part++) {
		if (part > 0 && (i == n || s[i++] != '.'))
			return -1;
		if ((k = origin_decimal(s + i, n - i, 3, &v)) == 0 || v > 255)
			return -1;
		i += k;
	}
	return i == n ? 0 : -1;
}

/* RFC 3986 3.2.2: IPv6address, the text between the brackets: eight
 * groups of 1 to 4 hex digits separated by ':', where one "::" stands
 * for one or more groups of zeros, and the last two groups may be a
 * dotted IPv4 address.  No zone ("%25eth0", RFC 6874: no '%' at all) and
 * no IPvFuture ("v1.x"). */
static int
origin_ipv6(const char *s, size_t n)
{
	size_t i = 0, groups = 0, run;
	int gap = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
	}
	while (i < n) {
		for (run = 0; i + run < n && origin_hex((unsigned char)s[i + run]); run++)
			;
		if (i + run < n && s[i + run] == '.') {
			/* ls32 as an IPv4address: the end, worth two groups */
			if (origin_ipv4(s + i, n - i) < 0)
				return -1;
			groups += 2;
			break;
		}
		if (run == 0 || run > 4 || ++groups > 8)
			return -1;
		i += run;
		if (i == n)
			break;
		if (s[i] != ':')
			return -1;
		if (i + 1 < n && s[i + 1] == ':') {
			if (gap)
				return -1;
			gap = 1;
			i += 2;
		} else if (++i == n) {
			return -1;        /* a ':' at the end */
		}
	}
	return gap ? (groups <= 7 ? 0 : -1) : (groups == 8 ? 0 : -1);
}

/* RFC 3986 3.2.3: port = *DIGIT, narrowed to what a browser sends: 1 to
 * 5 digits, no leading zero (RFC 6454 6.2 writes the port as a decimal
 * integer; no client writes ":080"), a value 1..65535 (0 is no port one
 * can connect to). */
static int
origin_port(const char *s, size_t n, unsigned *port)
{
	if (origin_decimal(s, n, 5, port) != n || *port < 1 || *port > 65535)
		return -1;
	return 0;
}

/* See origin.h.  An empty port ("h:") is refused: RFC 3986 3.2.3 allows
 * it, but no browser sends it. */
int
origin_authority(const char *s, size_t n, size_t *hlen, unsigned *port)
{
	const char *end;
	size_t h;

	if (n > 0 && s[0] == '[') {
		end = memchr(s, ']', n);
		if (!end || origin_ipv6(s + 1, (size_t)(end - s) - 1) < 0)
			return -1;
		h = (size_t)(end - s) + 1;
	} else {
		end = memchr(s, ':', n);
		h = end ? (size_t)(end - s) : n;
		if (origin_regname(s, h) < 0)
			return -1;
	}
	*hlen = h;
	*port = 0;
	if (h == n)
		return 0;
	if (s[h] != ':')
		return -1;        /* after ']', anything but ':' */
	return origin_port(s + h + 1, n - h - 1, port);
}

/* See origin.h.  The host is kept in lower case and the default port
 * written in, so that two origins are equal when their bytes are. */
int
origin_parse(const char *s, size_t n, struct origin *o)
{
	size_t skip, h, i;
	unsigned port;

	if (s == NULL || n == 0 || n > ORIGIN_MAX_LEN)
		return -1;
	/* RFC 3986 3.1: the scheme is case-insensitive; RFC 6454 4: only
	 * http and https make an origin a server could share ("null", the
	 * opaque origin of a sandbox or a file, does not even parse). */
	if (n > 7 && origin_ieq(s, "http://", 7))
		skip = 7;
	else if (n > 8 && origin_ieq(s, "https://", 8))
		skip = 8;
	else
		return -1;
	/* The authority is all that is left: a '/', '?', '#', '@', '%' or
	 * any byte but a letter, digit, '-', '.', ':', '[' or ']' fails
	 * its grammar. */
	if (origin_authority(s + skip, n - skip, &h, &port) < 0)
		return -1;
	o->https = skip == 8;
	o->port = (unsigned short)(port ? port : o->https ? 443 : 80);
	o->host_len = h;
	for (i = 0; i < h; i++)
		o->host[i] = (char)origin_lower((unsigned char)s[skip + i]);
	return 0;
}

/* See origin.h.  A malformed value is checked before the room left, so
 * that it is reported as what it is even when the list is full. */
int
origin_allow(struct origin_policy *p, const char *arg)
{
	struct origin o;

	if (arg == NULL)
		return -1;
	if (strcmp(arg, "*") == 0) {
		p->any = 1;
		return 0;
	}
	if (origin_parse(arg, strlen(arg), &o) < 0)
		return -1;
	if (p->n >= ORIGIN_MAX_ALLOWED)
		return -2;
	p->allowed[p->n++] = o;
	return 0;
}

/* Same scheme, host and port; both normalized, so exact. */
static int
origin_same(const struct origin *a, const struct origin *b)
{
	return a->https == b->https && a->port == b->port && a->host_len == b->host_len &&
	    memcmp(a->host, b->host, a->host_len) == 0;
}

/* See origin.h: no Origin, -o '*', an -o origin, or the same origin. */
int
origin_check(const struct origin_policy *p, int count, const char *value,
             size_t len, const char *host, size_t hlen)
{
	struct origin o;
	size_t h;
	unsigned port;
	int i;

	/* RFC 6455 4.1: only a browser must send Origin, and a browser
	 * always does; a request without one cannot be a hijacking page.
	 * -o '*' lets every page in. */
	if (count == 0 || (p != NULL && p->any))
		return 1;
	/* RFC 6454 7.3: a user agent sends at most one Origin field. */
	if (count != 1 || origin_parse(value, len, &o) < 0)
		return 0;
	/* RFC 9112 3.2: a request with an invalid Host is a bad request,
	 * whatever its Origin. */
	if (host == NULL || hlen > ORIGIN_MAX_LEN || origin_authority(host, hlen, &h, &port) < 0)
		return 0;
	for (i = 0; p != NULL && i < p->n; i++)
		if (origin_same(&o, &p->allowed[i]))
			return 1;
	/* The same origin.  Host carries no scheme (and behind a TLS proxy
	 * letterd could not know its own), so the Origin's scheme gives both
	 * default ports: "https://h" and Host "h" are 443 and 443. */
	if (port == 0)
		port = o.https ? 443 : 80;
	return h == o.host_len && port == o.port && origin_ieq(host, o.host, h);
}
