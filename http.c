/* SPDX-License-Identifier: ISC */
/*
 * http.c - the HTTP/1.1 side of letterd: parse a request head, write
 * response heads, and turn /static/NAME into a path that stays in its root.
 *
 * The parser follows picohttpparser's shape: a pure function over the bytes
 * received so far that says "complete, N bytes", "need more" or "invalid".
 * It waits for the whole head (up to the empty line) before it looks at the
 * fields, but it judges what it can early: the request line's length (414),
 * the header section's length (431) and the first bytes of the method, so
 * that binary junk gets its 400 at once instead of after the 10 s deadline.
 * Only the fields letterd acts on are kept; the rest are checked for syntax
 * and counted.
 */
#include <string.h>
#include <time.h>

#include "config.h"
#include "format.h"
#include "http.h"

/* RFC 9110 5.6.2: tchar, the characters of a method or field name. */
static int
http_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
http_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII case-insensitive equality of s[0..n) and the literal lit. */
static int
http_ieq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lit[i] || http_lower((unsigned char)s[i]) != http_lower((unsigned char)lit[i]))
			return 0;
	return lit[n] == '\0';
}

size_t
http_skip_empty(const char *buf, size_t len)
{
	size_t i = 0;

	for (;;) {
		if (i < len && buf[i] == '\n')
			i++;
		else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

int
http_has_token(const char *v, size_t n, const char *tok)
{
	size_t i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		/* RFC 9110 7.8: protocol-name [ "/" protocol-version ] */
		if (memchr(v + s, '/', e - s))
			e = s + (size_t)((const char *)memchr(v + s, '/', e - s) - (v + s));
		if (e > s && http_ieq(v + s, e - s, tok))
			return 1;
	}
	return 0;
}

/* Looks for the empty line that ends the head, resuming at *scan.  Returns
 * the offset just past it, or 0 (and moves *scan on) if it is not there. */
static size_t
http_head_end(const char *buf, size_t len, size_t *scan)
{
	size_t i;

	for (i = *scan; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
		if (i + 2 >= len)
			break;          /* the empty line may yet follow this LF */
	}
	*scan = i;
	return 0;
}

/* Methods are case-sensitive (RFC 9110 9.1). */
static int
http_method(const char *p, size_t m)
{
	if (m == 3 && !memcmp(p, "GET", 3))
		return HTTP_GET;
	if (m == 4 && !memcmp(p, "HEAD", 4))
		return HTTP_HEAD;
	return HTTP_OTHER;
}

/* The request line: method SP request-target SP HTTP-version (RFC 9112 3).
 * Exactly one space between the parts; we do not take the lenient forms. */
static long
http_request_line(const char *p, size_t n, struct http_req *r)
{
	size_t m = 0, t, path_len;
	const char *target;

	while (m < n && http_tchar((unsigned char)p[m]))
		m++;
	if (m == 0 || m == n || p[m] != ' ')
		return -400;
	r->method = http_method(p, m);
	target = p + m + 1;
	for (t = 0; m + 1 + t < n && target[t] > ' ' && target[t] < 0x7f; t++)
		;
	if (t == 0 || m + 1 + t + 1 + 8 != n || target[t] != ' ')
		return -400;
	p = target + t + 1;
	if (memcmp(p, "HTTP/", 5) || p[5] < '0' || p[5] > '9' || p[6] != '.' ||
	    p[7] < '0' || p[7] > '9')
		return -400;
	if (p[5] != '1')
		return -505;
	r->minor = p[7] - '0';
	r->keep_alive = r->minor >= 1;

	/* RFC 9112 3.2: origin-form, absolute-form (which a server MUST
	 * accept) and asterisk-form; authority-form is for CONNECT only. */
	if ((t > 7 && http_ieq(target, 7, "http://")) ||
	    (t > 8 && http_ieq(target, 8, "https://"))) {
		const char *host = target + (target[4] == ':' ? 7 : 8), *a = host;

		while (a < target + t && *a != '/' && *a != '?')
			a++;
		/* RFC 9110 4.2.1: an http URI with an empty host is invalid;
		 * 4.2.4: userinfo in one is to be treated as an error. */
		if (a == host || *host == ':' || memchr(host, '@', (size_t)(a - host)))
			return -400;
		t -= (size_t)(a - target);
		target = a;
	} else if (target[0] != '/' && !(t == 1 && target[0] == '*')) {
		return -400;
	}
	/* the path ends at the query; RFC 9112 3.2.1: an empty path is "/",
	 * which only the absolute form can have */
	for (path_len = 0; path_len < t && target[path_len] != '?'; path_len++)
		;
	r->path = path_len ? target : "/";
	r->path_len = path_len ? path_len : 1;
	return 0;
}

/* Hands a field's name p[0..n) and value v[0..vn) to what is parsed. */
typedef long http_field_fn(void *ctx, const char *p, size_t n, const char *v,
                           size_t vn);

/* What a field line is to the request: the few fields letterd acts on are
 * kept, the rest were only checked for syntax.  n is the name's length,
 * v[0..vn) the value without its surrounding whitespace. */
static long
http_req_field(void *ctx, const char *p, size_t n, const char *v, size_t vn)
{
	struct http_req *r = ctx;
	uint64_t cl = 0;
	size_t i;

	if (http_ieq(p, n, "host")) {
		/* RFC 9112 3.2: more than one Host is a 400 */
		if (r->has_host++)
			return -400;
		r->host = v;
		r->host_len = vn;
	} else if (http_ieq(p, n, "content-length")) {
		/* RFC 9112 6.3: a repeated or invalid length is unrecoverable;
		 * digits are summed with a ceiling so that nothing overflows. */
		if (r->content_length != UINT64_MAX || vn == 0)
			return -400;
		for (i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -400;
			cl = cl * 10 + (uint64_t)(v[i] - '0');
			if (cl > HTTP_MAX_BODY)
				return -400;
		}
		r->content_length = cl;
	} else if (http_ieq(p, n, "transfer-encoding")) {
		return -501;    /* RFC 9112 6.1: we take no body in a coding */
	} else if (http_ieq(p, n, "connection")) {
		/* "close" wins over "keep-alive", on any Connection line */
		r->conn_close |= http_has_token(v, vn, "close");
		r->keep_alive |= http_has_token(v, vn, "keep-alive");
		r->conn_upgrade |= http_has_token(v, vn, "upgrade");
	} else if (http_ieq(p, n, "upgrade")) {
		r->up_websocket |= http_has_token(v, vn, "websocket");
	} else if (http_ieq(p, n, "sec-websocket-key")) {
		r->ws_key = v;
		r->ws_key_len = vn;
		r->ws_key_count++;
	} else if (http_ieq(p, n, "sec-websocket-version")) {
		r->ws_version = v;
		r->ws_version_len = vn;
	} else if (http_ieq(p, n, "origin")) {
		/* RFC 6454 7.3: a request carries at most one; the policy
		 * refuses a second (docs/protocol.md 3.6) */
		r->origin = v;
		r->origin_len = vn;
		r->origin_count++;
	}
	return 0;
}

/* The same for a 101 response that the relay receives: RFC 6455 4.1 lists
 * what a client must check in it. */
static long
http_resp_field(void *ctx, const char *p, size_t n, const char *v, size_t vn)
{
	struct http_resp *r = ctx;

	if (http_ieq(p, n, "connection"))
		r->conn_upgrade |= http_has_token(v, vn, "upgrade");
	else if (http_ieq(p, n, "upgrade"))
		r->up_websocket |= http_has_token(v, vn, "websocket");
	else if (http_ieq(p, n, "sec-websocket-accept")) {
		r->ws_accept = v;
		r->ws_accept_len = vn;
		r->ws_accept_count++;
	} else if (http_ieq(p, n, "sec-websocket-extensions"))
		r->ws_extensions = 1;
	else if (http_ieq(p, n, "sec-websocket-protocol"))
		r->ws_protocol = 1;
	return 0;
}

/* One field line: name ":" OWS value OWS (RFC 9112 5); checks its syntax,
 * counts it and hands name and value to fn. */
static long
http_field(const char *p, size_t n, int *fields, http_field_fn *fn, void *ctx)
{
	size_t i = 0, v, e, k;

	/* RFC 9112 5.2: obsolete line folding is refused; RFC 9112 5.1: no
	 * whitespace between the name and the colon. */
	while (i < n && http_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i == n || p[i] != ':')
		return -400;
	for (v = i + 1; v < n && (p[v] == ' ' || p[v] == '\t'); v++)
		;
	for (e = n; e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'); e--)
		;
	/* RFC 9110 5.5: no CTL other than HTAB, so no NUL or bare CR */
	for (k = v; k < e; k++)
		if (((unsigned char)p[k] < ' ' && p[k] != '\t') || p[k] == 0x7f)
			return -400;
	if (++*fields > HTTP_MAX_FIELDS)
		return -431;
	return fn(ctx, p, i, p + v, e - v);
}

/* Splits off one line ending in LF; a CR is allowed only right before the
 * LF (RFC 9112 2.2: a bare CR is invalid).  Returns the line's length
 * without its ending, or -1 for a bare CR. */
static long
http_line(const char *p, const char *end, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	const char *cr = memchr(p, '\r', (size_t)(lf - p));

	*next = lf + 1;
	if (cr && cr != lf - 1)
		return -1;
	return cr ? cr - p : lf - p;
}

/* The field lines of a complete head, from p to the empty line at end. */
static long
http_fields(const char *p, const char *end, int *fields, http_field_fn *fn,
            void *ctx)
{
	const char *next;
	long n, err;

	for (; p < end; p = next) {
		if ((n = http_line(p, end, &next)) < 0)
			return -400;
		if (n == 0)
			break;             /* the empty line */
		if ((err = http_field(p, (size_t)n, fields, fn, ctx)) < 0)
			return err;
	}
	return 0;
}

/* Judges the start of a request before its head is complete: junk fails
 * at once, and the method is known even when the rest of the request turns
 * out bad, so that an error answering HEAD goes without a body.  Returns 0
 * to go on, or minus a status. */
static long
http_early(const char *buf, size_t len, const char *lf, struct http_req *r)
{
	size_t first = lf ? (size_t)(lf - buf) + 1 : len, i;

	for (i = 0; i < first && i < 64 && buf[i] != ' '; i++)
		if (!http_tchar((unsigned char)buf[i]) && buf[i] != '\r' && buf[i] != '\n')
			return -400;
	if (i > 0 && i < first && buf[i] == ' ')
		r->method = http_method(buf, i);
	/* RFC 9112 3: the line, without its CRLF, may be HTTP_MAX_LINE long */
	if (!lf)
		return len >= HTTP_MAX_LINE + 2 ? -414 : 0;
	if (first - 1 - (first >= 2 && buf[first - 2] == '\r') > HTTP_MAX_LINE)
		return -414;
	return 0;
}

/* See http.h.  Early checks first (the method, 414), then, once the head
 * is complete, the request line and the fields. */
long
http_parse(const char *buf, size_t len, size_t *scan, struct http_req *r)
{
	const char *lf, *next;
	size_t head, first;
	long n, err;

	memset(r, 0, sizeof(*r));
	r->content_length = UINT64_MAX;   /* "absent" until a field says */
	lf = memchr(buf, '\n', len < HTTP_MAX_LINE + 2 ? len : HTTP_MAX_LINE + 2);
	first = lf ? (size_t)(lf - buf) + 1 : len;
	if ((err = http_early(buf, len, lf, r)) < 0 || !lf)
		return err;

	if (!(head = http_head_end(buf, len, scan)))
		return len - first > HTTP_MAX_HEADERS ? -431 : 0;
	if (head - first > HTTP_MAX_HEADERS)
		return -431;
	if ((n = http_line(buf, buf + head, &next)) < 0)
		return -400;
	if ((err = http_request_line(buf, (size_t)n, r)) < 0 ||
	    (err = http_fields(next, buf + head, &r->fields, http_req_field, r)) < 0)
		return err;
	if (r->content_length == UINT64_MAX)
		r->content_length = 0;
	if (r->minor >= 1 && !r->has_host)
		return -400;           /* RFC 9112 3.2 */
	if (r->conn_close)
		r->keep_alive = 0;     /* RFC 9112 9.3 */
	return (long)head;
}

/* The status line: HTTP-version SP 3DIGIT SP [ reason-phrase ] (RFC 9112
 * 4).  A missing SP before an empty reason is taken too, as clients do. */
static long
http_status_line(const char *p, size_t n, struct http_resp *r)
{
	size_t i;

	if (n < 12 || memcmp(p, "HTTP/1.", 7) || p[7] < '0' || p[7] > '9' ||
	    p[8] != ' ' || (n > 12 && p[12] != ' '))
		return -400;
	for (i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return -400;
	for (i = 13; i < n; i++)        /* RFC 9112 4: HTAB, SP, VCHAR, obs-text */
		if ((unsigned char)p[i] < ' ' && p[i] != '\t')
			return -400;
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	return 0;
}

long
http_parse_response(const char *buf, size_t len, size_t *scan,
                    struct http_resp *r)
{
	const char *next;
	size_t head;
	long n, err;

	memset(r, 0, sizeof(*r));
	if (!(head = http_head_end(buf, len, scan)))
		return len > HTTP_MAX_LINE + HTTP_MAX_HEADERS ? -431 : 0;
	if (head > HTTP_MAX_LINE + HTTP_MAX_HEADERS)
		return -431;
	if ((n = http_line(buf, buf + head, &next)) < 0 ||
	    http_status_line(buf, (size_t)n, r) < 0)
		return -400;
	err = http_fields(next, buf + head, &r->fields, http_resp_field, r);
	return err < 0 ? err : (long)head;
}

/* RFC 9110 15: the reason phrases, for the statuses letterd sends. */
const char *
http_reason(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default:  return "Error";
	}
}

/* RFC 9110 6.6.1: an origin server with a clock sends Date.  It only
 * changes once a second, so it is formatted once a second. */
static const char *
http_date(void)
{
	static const char wday[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char mon[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	static time_t last = -1;
	static char date[40];
	time_t now = time(NULL);
	struct tm tm;

	if (now != last && gmtime_r(&now, &tm)) {
		/* RFC 9110 5.6.7: IMF-fixdate, English names whatever the
		 * locale.  Not strftime: it would link the time-zone code
		 * into a static binary for nothing. */
		format(date, sizeof(date), "%s, %02d %s %d %02d:%02d:%02d GMT",
		    wday[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		last = now;
	}
	return date;
}

/* RFC 9110 6.6.1 and 8.6: every response but the 101 says when, who and
 * how long; the 101 of RFC 6455 4.2.2 has only the handshake's fields. */
size_t
http_head(char *out, size_t cap, int status, const char *ctype, uint64_t clen,
          int keep_alive, const char *extra)
{
	size_t n;

	if (status == 101)
		n = format(out, cap, "HTTP/1.1 101 %s\r\n%s\r\n",
		    http_reason(status), extra ? extra : "");
	else
		n = format(out, cap,
		    "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: letterd\r\n"
		    "%s%s%sContent-Length: %llu\r\nConnection: %s\r\n%s\r\n",
		    status, http_reason(status), http_date(),
		    ctype ? "Content-Type: " : "", ctype ? ctype : "",
		    ctype ? "\r\n" : "", (unsigned long long)clen,
		    keep_alive ? "keep-alive" : "close", extra ? extra : "");
	return n >= cap ? 0 : n;
}

size_t
http_error(char *out, size_t cap, int status, const char *extra, const char *why,
           int body)
{
	char text[256];
	size_t h, b;

	b = format(text, sizeof(text), why ? "%d %s: %s\n" : "%d %s\n", status,
	    http_reason(status), why);
	if (b >= sizeof(text))
		return 0;
	h = http_head(out, cap, status, "text/plain; charset=utf-8", b, 0, extra);
	if (!body)
		return h;
	if (!h || h + b >= cap)
		return 0;
	memcpy(out + h, text, b);
	return h + b;
}

static int
http_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = http_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
http_static_name(const char *name, size_t n, char *out, size_t cap)
{
	size_t i, o = 0, seg = 0;

	if (!cap)
		return -1;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)name[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = http_hex((unsigned char)name[i + 1]);
			lo = http_hex((unsigned char)name[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		/* NUL would cut the path short; a backslash is a separator
		 * to some systems and never needed in a name here. */
		if (c < ' ' || c == '\\' || c == 0x7f || o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	/* Every segment must be a plain name: none empty (this refuses a
	 * leading '/', "//" and a trailing '/'), none "." or "..". */
	for (i = 0; i <= o; i++) {
		if (i < o && out[i] != '/')
			continue;
		if (i == seg || (i - seg == 1 && out[seg] == '.') ||
		    (i - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'))
			return -1;
		seg = i + 1;
	}
	return 0;
}

const char *
http_mime(const char *name)
{
	static const char *const types[][2] = {
		{ "html", "text/html; charset=utf-8" },
		{ "htm", "text/html; charset=utf-8" },
		{ "css", "text/css; charset=utf-8" },
		{ "js", "text/javascript; charset=utf-8" },
		{ "mjs", "text/javascript; charset=utf-8" },
		{ "json", "application/json" },
		{ "map", "application/json" },
		{ "txt", "text/plain; charset=utf-8" },
		{ "xml", "application/xml" },
		{ "svg", "image/svg+xml" },
		{ "png", "image/png" },
		{ "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },
		{ "webp", "image/webp" },
		{ "ico", "image/vnd.microsoft.icon" },
		{ "woff", "font/woff" },
		{ "woff2", "font/woff2" },
		{ "wasm", "application/wasm" },
		{ "pdf", "application/pdf" },
	};
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	size_t i;

	if (dot && (!slash || dot > slash))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (http_ieq(dot + 1, strlen(dot + 1), types[i][0]))
				return types[i][1];
	return "application/octet-stream";
}
