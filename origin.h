/* SPDX-License-Identifier: ISC */
/*
 * origin.h - which web pages may open a WebSocket to letterd: the Origin
 * check of the upgrade (RFC 6455 10.2, RFC 6454), against cross-site
 * WebSocket hijacking (CWE-1385).
 *
 * A browser lets any page open a WebSocket to any server, and says which
 * page did in the Origin header; only the server can refuse.  letterd
 * takes an upgrade with no Origin (not a browser), and one whose Origin is
 * the same host and port as its Host header, or one given with -o.
 *
 * Every function is pure: it works on (bytes, length), allocates nothing
 * and keeps no state but the policy the caller owns.
 */
#ifndef LETTERD_ORIGIN_H
#define LETTERD_ORIGIN_H

#include <stddef.h>

/* The longest Origin value, Host value or -o argument taken, in bytes;
 * anything longer is refused.  A browser's Origin is scheme, host and
 * port, and a DNS name has at most 253 bytes. */
#define ORIGIN_MAX_LEN     256
/* The most -o values ("*" aside). */
#define ORIGIN_MAX_ALLOWED 16
/* The longest host an origin of ORIGIN_MAX_LEN bytes has: "http://" and
 * the host. */
#define ORIGIN_HOST_MAX    (ORIGIN_MAX_LEN - 7)

/* An origin, normalized: lowercase host, the port always explicit. */
struct origin {
	size_t host_len;
	unsigned short port;         /* 1..65535; the default one filled in */
	unsigned char https;         /* the scheme: 0 http, 1 https */
	char host[ORIGIN_HOST_MAX];  /* a name, dotted IPv4 or [IPv6]; no NUL */
};

/* What the upgrade route allows.  A zeroed policy (a static object) is
 * the default: the same origin only. */
struct origin_policy {
	int any;                     /* -o '*': every Origin */
	int n;                       /* allowed[0..n) */
	struct origin allowed[ORIGIN_MAX_ALLOWED];
};

/* Parses s[0..n), a serialized origin (RFC 6454 6.2, 7.1; RFC 6455
 * 10.2): scheme "://" host [ ":" port ], scheme http or https in any case,
 * host a name of letters, digits, '-' and '.', a dotted IPv4 address or
 * a bracketed IPv6 address, port 1..65535 in decimal without a leading
 * zero.  Nothing else: no path (not even "/"), query, fragment, userinfo,
 * percent-encoding, space or byte outside visible ASCII; not "null"; not
 * empty nor over ORIGIN_MAX_LEN bytes.  Fills *o and returns 0, or -1. */
int origin_parse(const char *s, size_t n, struct origin *o);

/* host [ ":" port ] (RFC 3986 3.2.2-3.2.3, RFC 9110 7.2), all of s[0..n),
 * with the host and port syntax of origin_parse: sets *hlen to the host's
 * length (brackets included) and *port to the port, 0 when there is none.
 * Returns 0, or -1.  The Host field is checked with it, and so is the
 * authority of the relay's ws:// URL. */
int origin_authority(const char *s, size_t n, size_t *hlen, unsigned *port);

/* Adds the -o argument arg (a C string) to p: "*" allows every origin,
 * an origin as origin_parse takes it allows that one.  Returns 0; -1 if
 * arg is malformed; -2 if p has ORIGIN_MAX_ALLOWED origins already.  The
 * caller makes either a usage error (exit 2). */
int origin_allow(struct origin_policy *p, const char *arg);

/* The verdict on one upgrade: 1 to accept it, 0 to refuse it (403).
 * count is the number of Origin fields the request had, value[0..len)
 * the value of the last one, host[0..hlen) the Host field's value (host
 * NULL if there was none); values as http_parse leaves them, without
 * their surrounding whitespace.  p NULL is the default policy.
 *
 * Accepted: no Origin at all (count 0), whatever the Host; anything with
 * -o '*'.  Otherwise the request needs exactly one Origin that
 * origin_parse takes and a valid Host (RFC 9110 7.2: uri-host [ ":" port
 * ], the host and port syntax of origin_parse), and then it is accepted
 * if the Origin equals an -o origin (scheme, host and port), or if its
 * host and port equal the Host's, compared without case, a port left out
 * being the default of the Origin's scheme on both sides (http 80, https
 * 443).  Everything else is refused. */
int origin_check(const struct origin_policy *p, int count, const char *value,
                 size_t len, const char *host, size_t hlen);

#endif
