/* SPDX-License-Identifier: ISC */
/*
 * unit_http.c - tests of http.c: the request parser, and the helpers
 * around it (empty lines, token lists, /static/ names, MIME types, error
 * responses).
 *
 * http_parse is called again and again on whatever a connection has
 * received so far, with a `scan` offset kept in between (conn_http in
 * main.c).  So every input here is fed the way the slowest client sends
 * it: one byte more per call, with `scan` carried from call to call just
 * as the connection carries it, empty lines skipped only between requests
 * (when scan is 0), and consumed requests cut off the front.  Every answer
 * is checked: "need more" until the byte that completes the head -- or
 * decides the error -- arrives, then the head's length or the error, and
 * the same error for every longer prefix.  Each prefix is also parsed on
 * its own with a fresh scan and must get the same answer: scan may make
 * the parser faster, never make it say something else.
 *
 * Where the bytes live: each prefix is copied so that its last byte is the
 * last readable byte before a PROT_NONE page, the guard-page trick of
 * picohttpparser's test.c, so that a look one byte too far faults in any
 * build, sanitizers or not.  If no such page can be had, the copy goes to
 * a malloc'd block of exactly its size, which -fsanitize=address watches.
 *
 * Loops that run thousands of cases count their failures and make one
 * CHECK that reports the first, so that the total stays readable.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "http.h"

/* A string literal and its length, NUL bytes inside it included. */
#define LIT(s) s, sizeof s - 1
#define COUNT(a) (sizeof a / sizeof a[0])

/* ---- Inputs against a guard page --------------------------------------- */

/* More than the longest input below (3 * HTTP_MAX_LINE). */
#define FENCE_ROOM ((size_t)64 * 1024)

static char *fence_end;   /* first byte of the PROT_NONE page, or NULL */
static char *heap_copy;   /* the fallback's current block */

static void fence_init(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t room, pg;
	char *m;
	int fd;

	if (page <= 0)
		return;
	pg = (size_t)page;
	room = (FENCE_ROOM + pg - 1) / pg * pg;
	/* MAP_ANONYMOUS is not in POSIX.1-2008; a private mapping of
	 * /dev/zero is the portable way to ask for zeroed pages. */
	if ((fd = open("/dev/zero", O_RDWR)) < 0)
		return;
	m = mmap(NULL, room + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return;
	if (mprotect(m + room, pg, PROT_NONE) != 0) {
		munmap(m, room + pg);
		return;
	}
	fence_end = m + room;
}

/* A copy of p[0..n) that ends where readable memory ends.  It is valid
 * until the next call, so results that point into it must be copied. */
static const char *place(const void *p, size_t n)
{
	free(heap_copy);
	heap_copy = NULL;
	if (fence_end && n <= FENCE_ROOM) {
		memmove(fence_end - n, p, n);
		return fence_end - n;
	}
	if ((heap_copy = malloc(n ? n : 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	if (n)
		memcpy(heap_copy, p, n);
	/* for n == 0 the end of a 1-byte block: reading it is still caught */
	return n ? heap_copy : heap_copy + 1;
}

/* A heap block the caller owns (for the generated long inputs). */
static char *text_alloc(size_t n)
{
	return (char *)test_alloc(n);
}

/* ---- Feeding a request the way a connection does ----------------------- */

/* One answer of http_parse that was not "need more".  The request's
 * pointers point into a copy that place() will overwrite, so what they
 * point at is copied here and they are cleared. */
struct http_got {
	long res;              /* head length, or -status */
	size_t at;             /* where in the input this request began */
	size_t when;           /* how many input bytes had arrived */
	struct http_req req;
	char path[64], key[64], version[16];
	int key_set, version_set;
};

static void http_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (s != NULL && n)
		memcpy(dst, s, n);
	dst[s != NULL ? n : 0] = '\0';
}

static void http_keep(struct http_got *g, long res, size_t at, size_t when,
                      const struct http_req *req)
{
	memset(g, 0, sizeof *g);
	g->res = res;
	g->at = at;
	g->when = when;
	if (res <= 0)
		return;
	g->req = *req;
	http_copy(g->path, sizeof g->path, req->path, req->path_len);
	http_copy(g->key, sizeof g->key, req->ws_key, req->ws_key_len);
	http_copy(g->version, sizeof g->version, req->ws_version,
	          req->ws_version_len);
	g->key_set = req->ws_key != NULL;
	g->version_set = req->ws_version != NULL;
	g->req.path = g->req.ws_key = g->req.ws_version = NULL;
}

/* Feeds in[0..n) one byte more per round, as described at the top: every
 * prefix length k from 0 to n, the bytes not yet consumed handed to
 * http_parse with the scan of the round before.  Stores each answer that
 * is not "need more" (at most max), stops at the first error, and returns
 * how many answers it stored. */
static size_t http_trickle(const char *in, size_t n, struct http_got *got,
                           size_t max)
{
	size_t k, off = 0, scan = 0, ngot = 0;

	for (k = 0; k <= n; k++) {
		for (;;) {
			const char *p = place(in + off, k - off);
			struct http_req req;
			long r;

			if (scan == 0) {
				size_t skip = http_skip_empty(p, k - off);

				if (skip) {
					off += skip;
					continue;
				}
			}
			r = http_parse(p, k - off, &scan, &req);
			if (r == 0)
				break;
			if (ngot == max)
				return ngot;    /* more requests than expected */
			http_keep(&got[ngot++], r, off, k, &req);
			if (r < 0 || (size_t)r > k - off)
				return ngot;    /* an error, or a length past the data */
			off += (size_t)r;
			scan = 0;
		}
	}
	return ngot;
}

/* Each prefix of in[at..n) parsed on its own, with a fresh scan, must get
 * what the trickle got: 0 before `when`, then `res`.  Returns the first
 * prefix length that does not, or SIZE_MAX if all agree.  A fresh parse
 * costs O(k), so inputs of several KiB are sampled every 61 bytes, plus
 * the prefixes next to `when` and the whole. */
static size_t http_fresh(const char *in, size_t at, size_t n, size_t when,
                         long res)
{
	size_t k, scan, step = n - at > 2048 ? 61 : 1;
	struct http_req req;

	for (k = at; k <= n; k++) {
		if (k % step && k + 1 != when && k != when && k != n)
			continue;
		scan = 0;
		if (http_parse(place(in + at, k - at), k - at, &scan, &req)
		    != (k < when ? 0 : res))
			return k;
	}
	return SIZE_MAX;
}

/* ---- Requests the parser must take ------------------------------------ */

/* What a valid request must parse to.  key and version NULL: absent. */
struct http_want {
	int method, minor;
	const char *path;
	int keep_alive, upgrade, websocket;
	const char *key, *version;
	uint64_t clen;
};

static const struct http_ok {
	const char *name, *in;
	size_t n;
	struct http_want w;
} http_oks[] = {
	{ "GET", LIT("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },
	{ "HEAD with headers",
	  LIT("HEAD /index.html HTTP/1.1\r\nHost: example.com:8000\r\n"
	      "Accept: */*\r\nUser-Agent: curl/8.0\r\n\r\n"),
	  { HTTP_HEAD, 1, "/index.html", 1, 0, 0, NULL, NULL, 0 } },
	/* RFC 9112 2.2: a recipient MAY take a bare LF as a line end */
	{ "LF only", LIT("GET /a HTTP/1.1\nHost: a\nX-Y: z\n\n"),
	  { HTTP_GET, 1, "/a", 1, 0, 0, NULL, NULL, 0 } },
	{ "CRLF and LF mixed", LIT("GET /a HTTP/1.1\nHost: a\r\nX: y\n\r\n"),
	  { HTTP_GET, 1, "/a", 1, 0, 0, NULL, NULL, 0 } },
	{ "empty lines before (RFC 9112 2.2)",
	  LIT("\r\n\n\r\nGET /ws HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 1, "/ws", 1, 0, 0, NULL, NULL, 0 } },
	{ "query removed", LIT("GET /ws?x=1&y=/.. HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 1, "/ws", 1, 0, 0, NULL, NULL, 0 } },
	{ "query only", LIT("GET /?x HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },

	/* RFC 9112 3.2.2: a server MUST accept the absolute-form */
	{ "absolute-form",
	  LIT("GET http://example.com/ws?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	  { HTTP_GET, 1, "/ws", 1, 0, 0, NULL, NULL, 0 } },
	{ "absolute-form, https and a port",
	  LIT("GET https://a.b:8000/static/x.css HTTP/1.1\r\nHost: a.b\r\n\r\n"),
	  { HTTP_GET, 1, "/static/x.css", 1, 0, 0, NULL, NULL, 0 } },
	{ "absolute-form, scheme in capitals",
	  LIT("GET HTTP://A.B/C HTTP/1.1\r\nHost: a.b\r\n\r\n"),
	  { HTTP_GET, 1, "/C", 1, 0, 0, NULL, NULL, 0 } },
	/* RFC 9112 3.2.1: an empty path is sent as "/" */
	{ "absolute-form, empty path",
	  LIT("GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },
	{ "absolute-form, empty path and a query",
	  LIT("GET http://a.b?x=/y HTTP/1.1\r\nHost: a.b\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },
	{ "absolute-form, one-letter host, empty path",
	  LIT("GET http://a HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },

	{ "asterisk-form", LIT("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_OTHER, 1, "*", 1, 0, 0, NULL, NULL, 0 } },
	{ "another method, with a body length",
	  LIT("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"),
	  { HTTP_OTHER, 1, "/x", 1, 0, 0, NULL, NULL, 5 } },
	/* RFC 9110 9.1: methods are case-sensitive; "get" is a token */
	{ "lower-case get is another method",
	  LIT("get / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { HTTP_OTHER, 1, "/", 1, 0, 0, NULL, NULL, 0 } },

	/* keep-alive: the version's default, then Connection (RFC 9112 9.3) */
	{ "1.0 defaults to close, needs no Host", LIT("GET / HTTP/1.0\r\n\r\n"),
	  { HTTP_GET, 0, "/", 0, 0, 0, NULL, NULL, 0 } },
	{ "1.0 keep-alive",
	  LIT("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	  { HTTP_GET, 0, "/", 1, 0, 0, NULL, NULL, 0 } },
	{ "1.1 close", LIT("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
	  { HTTP_GET, 1, "/", 0, 0, 0, NULL, NULL, 0 } },
	{ "1.1 CLOSE", LIT("GET / HTTP/1.1\r\nConnection: CLOSE\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 1, "/", 0, 0, 0, NULL, NULL, 0 } },
	{ "close wins in a list",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n"),
	  { HTTP_GET, 1, "/", 0, 0, 0, NULL, NULL, 0 } },
	/* RFC 9110 5.3: two Connection lines are one list, and RFC 9112
	 * 9.6: a "close" in it means the connection closes */
	{ "close wins across Connection lines",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
	      "Connection: keep-alive\r\n\r\n"),
	  { HTTP_GET, 1, "/", 0, 0, 0, NULL, NULL, 0 } },
	{ "HTTP/1.2 is HTTP/1.x", LIT("GET / HTTP/1.2\r\nHost: a\r\n\r\n"),
	  { HTTP_GET, 2, "/", 1, 0, 0, NULL, NULL, 0 } },

	/* RFC 6455 1.3, the handshake of the RFC itself */
	{ "RFC 6455 handshake",
	  LIT("GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"
	      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	      "Origin: http://example.com\r\n"
	      "Sec-WebSocket-Protocol: chat, superchat\r\n"
	      "Sec-WebSocket-Version: 13\r\n\r\n"),
	  { HTTP_GET, 1, "/chat", 1, 1, 1, "dGhlIHNhbXBsZSBub25jZQ==", "13", 0 } },
	/* what Firefox sends: token lists, another case */
	{ "Firefox-style token lists",
	  LIT("GET /ws HTTP/1.1\r\nHost: localhost:8000\r\n"
	      "Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n"
	      "Sec-WebSocket-Version: 13\r\n"
	      "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\r\n"),
	  { HTTP_GET, 1, "/ws", 1, 1, 1, "x3JJHMbDL1EzLkh9GBhXDw==", "13", 0 } },
	/* RFC 9112 5: OWS around the value is not part of it */
	{ "lower-case names, tabs, trailing OWS",
	  LIT("GET / HTTP/1.1\r\nhost:a\r\nupgrade:\twebsocket \r\n"
	      "connection:\tUPGRADE\t\r\n"
	      "sec-websocket-key:  x3JJHMbDL1EzLkh9GBhXDw== \t\r\n"
	      "sec-websocket-version:13 \r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 1, 1, "x3JJHMbDL1EzLkh9GBhXDw==", "13", 0 } },
	{ "Upgrade list with a version (RFC 9110 7.8)",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c, websocket/13\r\n"
	      "Connection: HTTP2-Settings,upgrade\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 1, 1, NULL, NULL, 0 } },
	{ "near misses are not the tokens",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websockets, web socket\r\n"
	      "Connection: upgrades, x-upgrade\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },
	{ "empty key and version are present, not absent",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key:\r\n"
	      "Sec-WebSocket-Version: \r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, "", "", 0 } },

	{ "Content-Length 0", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },
	{ "Content-Length at the limit",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\ncontent-length:  65536 \r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, HTTP_MAX_BODY } },
	{ "Content-Length with leading zeros",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000000000000007\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 7 } },
	/* RFC 9110 5.5: obs-text is allowed in values; empty values too */
	{ "obs-text and empty values",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\xC3\xA9\r\nX-Empty:\r\n\r\n"),
	  { HTTP_GET, 1, "/", 1, 0, 0, NULL, NULL, 0 } },
};

/* Compares what was parsed with what was wanted; returns 1 if equal and
 * says what differs otherwise. */
static int http_same(const char *name, const struct http_got *g,
                     const struct http_want *w)
{
	const struct http_req *r = &g->req;
	size_t plen = strlen(w->path);
	int ok = r->method == w->method && r->minor == w->minor &&
	    r->path_len == plen && memcmp(g->path, w->path, plen) == 0 &&
	    r->keep_alive == w->keep_alive && r->conn_upgrade == w->upgrade &&
	    r->up_websocket == w->websocket && r->content_length == w->clen &&
	    g->key_set == (w->key != NULL) &&
	    (!w->key || strcmp(g->key, w->key) == 0) &&
	    g->version_set == (w->version != NULL) &&
	    (!w->version || strcmp(g->version, w->version) == 0);

	if (!ok)
		fprintf(stderr, "%s: method %d minor %d path \"%s\" (%zu) "
		        "keep-alive %d upgrade %d websocket %d key %s\"%s\" "
		        "version %s\"%s\" length %llu\n", name, r->method,
		        r->minor, g->path, r->path_len, r->keep_alive,
		        r->conn_upgrade, r->up_websocket,
		        g->key_set ? "" : "(none) ", g->key,
		        g->version_set ? "" : "(none) ", g->version,
		        (unsigned long long)r->content_length);
	return ok;
}

/* A valid single request: the trickle finds exactly one head, ending at
 * the last byte and not a byte before; every fresh parse agrees; and the
 * fields are what the table says (w may be NULL for generated inputs). */
static void http_run_ok(const char *name, const char *in, size_t n,
                        const struct http_want *w, struct http_got *out)
{
	struct http_got got[2];
	size_t ngot = http_trickle(in, n, got, 2), at, bad;

	CHECK(ngot == 1 && got[0].res > 0 &&
	      got[0].at + (size_t)got[0].res == n && got[0].when == n,
	      "%s: %zu answers, first %ld at byte %zu after %zu bytes of %zu",
	      name, ngot, ngot ? got[0].res : 0L, ngot ? got[0].at : 0,
	      ngot ? got[0].when : 0, n);
	if (ngot != 1 || got[0].res <= 0)
		return;
	at = got[0].at;
	bad = http_fresh(in, at, n, n, (long)(n - at));
	CHECK(bad == SIZE_MAX, "%s: fresh parse of %zu bytes disagrees",
	      name, bad);
	if (w != NULL)
		CHECK(http_same(name, &got[0], w), "%s: fields differ", name);
	if (out != NULL)
		*out = got[0];
}

static void test_http_ok(void)
{
	size_t i;

	for (i = 0; i < COUNT(http_oks); i++)
		http_run_ok(http_oks[i].name, http_oks[i].in, http_oks[i].n,
		            &http_oks[i].w, NULL);
}

/* Two requests in one stream (pipelining, RFC 9112 9.3.2) with an empty
 * line between them, which RFC 9112 2.2 says to ignore: each must be
 * found when its own last byte arrives, and the second's offset must be
 * right after the first and the empty line. */
static void test_http_pipelined(void)
{
	static const char a[] = "GET /a?1 HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char b[] = "\r\nHEAD /b HTTP/1.1\nHost: x\nConnection: close\n\n";
	static const struct http_want wa = { HTTP_GET, 1, "/a", 1, 0, 0, NULL, NULL, 0 };
	static const struct http_want wb = { HTTP_HEAD, 1, "/b", 0, 0, 0, NULL, NULL, 0 };
	size_t na = sizeof a - 1, n = na + sizeof b - 1, ngot;
	char *in = text_alloc(n);
	struct http_got got[3];

	memcpy(in, a, na);
	memcpy(in + na, b, sizeof b - 1);
	ngot = http_trickle(in, n, got, 3);
	CHECK(ngot == 2, "pipelined: %zu answers", ngot);
	if (ngot >= 1)
		CHECK(got[0].res == (long)na && got[0].at == 0 && got[0].when == na &&
		      http_same("pipelined 1st", &got[0], &wa),
		      "pipelined 1st: %ld at %zu after %zu bytes", got[0].res,
		      got[0].at, got[0].when);
	if (ngot >= 2)
		CHECK(got[1].at == na + 2 && got[1].res == (long)(n - na - 2) &&
		      got[1].when == n && http_same("pipelined 2nd", &got[1], &wb),
		      "pipelined 2nd: %ld at %zu after %zu bytes", got[1].res,
		      got[1].at, got[1].when);
	free(in);
}

/* STYLE.md 4: the bytes after the empty line belong to the first
 * WebSocket frame; the head's length must not swallow any of them, however
 * many of them have arrived. */
static void test_http_then_frame(void)
{
	static const char req[] =
		"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
		"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
	size_t head = sizeof req - 1 - 11, k, bad = 0;
	struct http_req r;

	for (k = head; k <= sizeof req - 1; k++) {
		size_t scan = 0;

		if (http_parse(place(req, k), k, &scan, &r) != (long)head && bad++ == 0)
			fprintf(stderr, "head then frame: wrong at %zu bytes\n", k);
	}
	CHECK(bad == 0, "head then frame: %zu prefixes wrong", bad);
}

/* ---- Requests the parser must refuse ----------------------------------- */

static const struct http_bad {
	const char *name, *in;
	size_t n;
	int status;
	size_t by;   /* the error must be out once this many bytes are in (0: at the end) */
} http_bads[] = {
	/* the method is the first thing on the line, so junk fails at once
	 * instead of at the 10 s deadline */
	{ "invalid method token", LIT("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 2 },
	{ "method with '@'", LIT("GE@ / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 3 },
	{ "method then NUL", LIT("GET\0/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 4 },
	{ "tab after the method", LIT("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 4 },
	{ "TLS ClientHello",
	  LIT("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), 400, 1 },
	{ "NUL bytes", LIT("\0\0\0\0\0\0\0\0\n\n"), 400, 1 },
	{ "high bytes", LIT("\xff\xfe\xfd\r\n\r\n"), 400, 1 },
	{ "a WebSocket frame instead", LIT("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), 400, 1 },

	{ "space first", LIT(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "two spaces", LIT("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "no version", LIT("GET /\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "no target", LIT("GET HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "trailing space", LIT("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400, 0 },
	{ "lower-case version", LIT("GET / http/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "version 1.x", LIT("GET / HTTP/1.x\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "version 1.10", LIT("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "version 11", LIT("GET / HTTP/11\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "relative target", LIT("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "DEL in the target", LIT("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	/* RFC 9110 4.2.1: an "http" URI with an empty host MUST be rejected */
	{ "absolute-form, empty host", LIT("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "absolute-form, only a port", LIT("GET http://:80/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "absolute-form, nothing after //", LIT("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "absolute-form, userinfo and no host", LIT("GET http://u@/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "absolute-form, userinfo, port, no host", LIT("GET https://u:p@:443/x HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },

	/* RFC 9112 2.2: a bare CR is invalid anywhere */
	{ "bare CR in the request line", LIT("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"), 400, 0 },
	{ "bare CR in a value", LIT("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400, 0 },
	{ "bare CR as a line end", LIT("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400, 0 },
	{ "bare CR before the empty line", LIT("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n"), 400, 0 },
	/* RFC 9112 5.2: obs-fold is refused */
	{ "obs-fold", LIT("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n"), 400, 0 },
	{ "obs-fold with a tab", LIT("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n"), 400, 0 },
	/* RFC 9112 2.2: whitespace between the start line and the first field */
	{ "space before the first field", LIT("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400, 0 },
	/* RFC 9112 5.1: no whitespace between the name and the colon */
	{ "space before colon", LIT("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400, 0 },
	{ "tab before colon", LIT("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), 400, 0 },
	{ "no colon", LIT("GET / HTTP/1.1\r\nHost a\r\n\r\n"), 400, 0 },
	{ "empty name", LIT("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"), 400, 0 },
	{ "NUL in a name", LIT("GET / HTTP/1.1\r\nHost: a\r\nX\0: b\r\n\r\n"), 400, 0 },
	{ "NUL in a value", LIT("GET / HTTP/1.1\r\nHost: a\r\nX: b\0c\r\n\r\n"), 400, 0 },
	{ "DEL in a value", LIT("GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n"), 400, 0 },
	{ "escape in a value", LIT("GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n"), 400, 0 },

	/* RFC 9112 3.2 */
	{ "1.1 without Host", LIT("GET / HTTP/1.1\r\nX: a\r\n\r\n"), 400, 0 },
	{ "1.1, nothing but the line", LIT("GET / HTTP/1.1\n\n"), 400, 0 },
	{ "two Host", LIT("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n"), 400, 0 },
	/* RFC 9112 6.3: an invalid Content-Length is unrecoverable */
	{ "Content-Length -1", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), 400, 0 },
	{ "Content-Length +5", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"), 400, 0 },
	{ "Content-Length huge",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), 400, 0 },
	{ "Content-Length 2^64",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n"), 400, 0 },
	{ "Content-Length over the limit",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n"), 400, 0 },
	{ "Content-Length repeated",
	  LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 400, 0 },
	{ "Content-Length 5, 5", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"), 400, 0 },
	{ "Content-Length empty", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"), 400, 0 },
	{ "Content-Length hex", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n"), 400, 0 },
	{ "Content-Length 5 5", LIT("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n"), 400, 0 },
	/* RFC 9112 6.1: we take no bodies in a transfer coding */
	{ "Transfer-Encoding", LIT("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), 501, 0 },
	{ "transfer-encoding identity", LIT("GET / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: identity\r\n\r\n"), 501, 0 },

	{ "HTTP/2.0", LIT("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505, 0 },
	{ "HTTP/0.9", LIT("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505, 0 },
	{ "HTTP/3.0", LIT("GET / HTTP/3.0\r\nHost: a\r\n\r\n"), 505, 0 },
	{ "HTTP/2 preface", LIT("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505, 0 },
};

/* An invalid input: the trickle stops at the error, reported by `by`
 * bytes if that is given, and every longer prefix parsed afresh gets the
 * same error, every shorter one "need more". */
static void http_run_bad(const char *name, const char *in, size_t n,
                         int status, size_t by)
{
	struct http_got got[2];
	size_t ngot = http_trickle(in, n, got, 2), bad;

	CHECK(ngot == 1 && got[0].res == -status && got[0].when <= n &&
	      (by == 0 || got[0].when <= by),
	      "%s: %zu answers, first %ld after %zu of %zu bytes, want -%d by %zu",
	      name, ngot, ngot ? got[0].res : 0L, ngot ? got[0].when : 0, n,
	      status, by ? by : n);
	if (ngot != 1 || got[0].res >= 0)
		return;
	bad = http_fresh(in, got[0].at, n, got[0].when, got[0].res);
	CHECK(bad == SIZE_MAX, "%s: fresh parse of %zu bytes disagrees",
	      name, bad);
}

static void test_http_bad(void)
{
	size_t i;

	for (i = 0; i < COUNT(http_bads); i++)
		http_run_bad(http_bads[i].name, http_bads[i].in, http_bads[i].n,
		             http_bads[i].status, http_bads[i].by);
}

/* ---- Limits ------------------------------------------------------------ */

/* "GET /aaa...a HTTP/1.1" of exactly len bytes (len >= 14), each line
 * ended by eol, with a Host field if host.  *n gets the length. */
static char *http_long_line(size_t len, const char *eol, int host, size_t *n)
{
	size_t e = strlen(eol), k = 0;
	char *s = text_alloc(len + 16 + 3 * e);

	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', len - 14);
	memcpy(s + len - 9, " HTTP/1.1", 9);
	k = len;
	memcpy(s + k, eol, e);
	k += e;
	if (host) {
		memcpy(s + k, "Host: a", 7);
		k += 7;
		memcpy(s + k, eol, e);
		k += e;
	}
	memcpy(s + k, eol, e);
	*n = k + e;
	return s;
}

/* RFC 9112 3: the request line without its line end may be HTTP_MAX_LINE
 * long; one more is 414, known as soon as the line is that long, without
 * waiting for its end (which a slowloris client never sends). */
static void test_http_line_limit(void)
{
	static const char *const eols[] = { "\r\n", "\n" };
	struct http_got g;
	size_t e, n;
	char *s;

	for (e = 0; e < COUNT(eols); e++) {
		s = http_long_line(HTTP_MAX_LINE, eols[e], 1, &n);
		memset(&g, 0, sizeof g);
		http_run_ok(e ? "line of HTTP_MAX_LINE, LF" : "line of HTTP_MAX_LINE, CRLF",
		            s, n, NULL, &g);
		CHECK(g.req.path_len == HTTP_MAX_LINE - 13,
		      "line of HTTP_MAX_LINE: path of %zu bytes", g.req.path_len);
		free(s);

		/* with CRLF, the LF is byte HTTP_MAX_LINE + 2: the error must
		 * come before it */
		s = http_long_line(HTTP_MAX_LINE + 1, eols[e], 1, &n);
		http_run_bad(e ? "line of HTTP_MAX_LINE + 1, LF" :
		             "line of HTTP_MAX_LINE + 1, CRLF", s, n, 414,
		             HTTP_MAX_LINE + 2);
		free(s);
	}

	/* a line that never ends */
	s = http_long_line(3 * HTTP_MAX_LINE, "\r\n", 1, &n);
	http_run_bad("line of 3 * HTTP_MAX_LINE", s, 3 * HTTP_MAX_LINE - 1, 414,
	             HTTP_MAX_LINE + 2);
	/* nothing but token characters: a method that never ends */
	memset(s, 'A', 3 * HTTP_MAX_LINE);
	http_run_bad("method of 3 * HTTP_MAX_LINE", s, 3 * HTTP_MAX_LINE, 414,
	             HTTP_MAX_LINE + 2);
	free(s);
}

/* RFC 6585 5: a header section over HTTP_MAX_HEADERS bytes is 431, also
 * while it is still arriving.  The section counted here is every byte
 * after the request line, the empty line that ends it included. */
static void test_http_header_limit(void)
{
	static const char line[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t l = sizeof line - 1, first = 16, v, n;
	char *s = text_alloc(l + 3 * HTTP_MAX_HEADERS);

	/* section = "Host: a\r\n" + "X: " + v + "\r\n" + "\r\n" = 16 + v */
	for (v = HTTP_MAX_HEADERS - 16; v <= HTTP_MAX_HEADERS - 15; v++) {
		memcpy(s, line, l);
		memset(s + l, 'v', v);
		memcpy(s + l + v, "\r\n\r\n", 4);
		n = l + v + 4;
		if (16 + v <= HTTP_MAX_HEADERS)
			http_run_ok("header section of HTTP_MAX_HEADERS", s, n,
			            NULL, NULL);
		else
			http_run_bad("header section of HTTP_MAX_HEADERS + 1",
			             s, n, 431, 0);
	}

	/* a field that never ends: 431 once the section is too long */
	memcpy(s, line, l);
	memset(s + l, 'v', 2 * HTTP_MAX_HEADERS);
	http_run_bad("header section that never ends", s, l + 2 * HTTP_MAX_HEADERS,
	             431, first + HTTP_MAX_HEADERS + 1);
	free(s);
}

/* HTTP_MAX_FIELDS fields are taken (Host among them), one more is 431. */
static void test_http_field_limit(void)
{
	static const char line[] = "GET / HTTP/1.1\r\nHost: a\r\n";
	char *s = text_alloc(sizeof line + 16 * HTTP_MAX_FIELDS);
	struct http_got g;
	int count, i;
	size_t n;

	for (count = HTTP_MAX_FIELDS; count <= HTTP_MAX_FIELDS + 1; count++) {
		n = sizeof line - 1;
		memcpy(s, line, n);
		for (i = 1; i < count; i++)
			n += (size_t)sprintf(s + n, "X-%02d: v\r\n", i);
		memcpy(s + n, "\r\n", 2);
		n += 2;
		if (count == HTTP_MAX_FIELDS) {
			memset(&g, 0, sizeof g);
			http_run_ok("HTTP_MAX_FIELDS fields", s, n, NULL, &g);
			CHECK(g.req.fields == HTTP_MAX_FIELDS,
			      "HTTP_MAX_FIELDS fields: counted %d", g.req.fields);
		} else {
			http_run_bad("HTTP_MAX_FIELDS + 1 fields", s, n, 431, 0);
		}
	}
	free(s);
}

/* Two Sec-WebSocket-Key lines are counted, so that the handshake can
 * refuse them (RFC 6455 4.2.1: exactly one key). */
static void test_http_key_count(void)
{
	static const char in[] =
		"GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: a\r\n"
		"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
	struct http_got g;

	memset(&g, 0, sizeof g);
	http_run_ok("two keys", LIT(in), NULL, &g);
	CHECK(g.req.ws_key_count == 2 && g.req.has_host == 1,
	      "two keys: counted %d", g.req.ws_key_count);
}

/* ---- http_skip_empty --------------------------------------------------- */

static void test_http_skip_empty(void)
{
	static const struct { const char *in; size_t n, want; } t[] = {
		{ LIT(""), 0 },
		{ LIT("\n"), 1 },
		{ LIT("\r\n"), 2 },
		{ LIT("\r"), 0 },           /* may yet be CRLF: wait */
		{ LIT("\r\r\n"), 0 },       /* a bare CR is not an empty line */
		{ LIT("\r\n\r\nGET"), 4 },
		{ LIT("\n\r\n\nGET"), 4 },
		{ LIT("\r\n\r"), 2 },
		{ LIT("GET / HTTP/1.1\r\n"), 0 },
		{ LIT(" \r\n"), 0 },        /* a space makes the line not empty */
		{ LIT("\t\n"), 0 },
	};
	size_t i, got;

	for (i = 0; i < COUNT(t); i++) {
		got = http_skip_empty(place(t[i].in, t[i].n), t[i].n);
		CHECK(got == t[i].want, "http_skip_empty case %zu: %zu, want %zu",
		      i, got, t[i].want);
	}
}

/* ---- http_has_token ---------------------------------------------------- */

static void test_http_has_token(void)
{
	static const struct { const char *v; size_t n; const char *tok; int want; } t[] = {
		{ LIT("Upgrade"), "upgrade", 1 },
		{ LIT("keep-alive, Upgrade"), "upgrade", 1 },
		{ LIT("keep-alive, Upgrade"), "keep-alive", 1 },
		{ LIT("keep-alive,Upgrade"), "upgrade", 1 },
		{ LIT(" ,\t, upgrade\t, "), "upgrade", 1 },
		{ LIT("WebSocket"), "websocket", 1 },
		{ LIT("WEBSOCKET"), "websocket", 1 },
		{ LIT("h2c, websocket/13"), "websocket", 1 },
		{ LIT("websocket/"), "websocket", 1 },
		{ LIT(""), "upgrade", 0 },
		{ LIT(", ,"), "upgrade", 0 },
		{ LIT("upgrad"), "upgrade", 0 },
		{ LIT("upgrades"), "upgrade", 0 },
		{ LIT("x-upgrade"), "upgrade", 0 },
		{ LIT("up grade"), "upgrade", 0 },
		{ LIT("/websocket"), "websocket", 0 },
		{ LIT("x/websocket"), "websocket", 0 },
		{ LIT("close"), "keep-alive", 0 },
		/* only v[0..n) counts: "upgradeX" cut to 7 is "upgrade" ... */
		{ "upgradeX", 7, "upgrade", 1 },
		/* ... and "upgrade" cut to 6 is not */
		{ "upgrade", 6, "upgrade", 0 },
	};
	size_t i;
	int got;

	for (i = 0; i < COUNT(t); i++) {
		got = http_has_token(place(t[i].v, t[i].n), t[i].n, t[i].tok);
		CHECK(got == t[i].want, "http_has_token(\"%.*s\", \"%s\"): %d",
		      (int)t[i].n, t[i].v, t[i].tok, got);
	}
}

/* ---- http_static_name -------------------------------------------------- */

/* A name and what it must decode to, NULL if it must be refused.  The
 * output goes to a block of exactly strlen(want) + 1 bytes: a name that
 * just fits must be taken, and a write past it is caught. */
static const struct { const char *in; size_t n; const char *want; size_t wn; }
http_names[] = {
	{ LIT("index.html"), LIT("index.html") },
	{ LIT("css/site.css"), LIT("css/site.css") },
	{ LIT("%41%62c"), LIT("Abc") },
	{ LIT("sp%20ace"), LIT("sp ace") },
	{ LIT("..."), LIT("...") },             /* a plain name */
	{ LIT("a..b"), LIT("a..b") },
	{ LIT(".hidden"), LIT(".hidden") },
	/* an encoded '/' decodes to a separator; allowed, as every segment
	 * is still a plain name */
	{ LIT("a%2fb"), LIT("a/b") },
	/* overlong UTF-8 for '.' is two bytes that are not '.': allowed,
	 * and can never become ".." (nothing decodes UTF-8 afterwards) */
	{ LIT("%c0%ae%c0%ae"), LIT("\xc0\xae\xc0\xae") },
	{ LIT("caf\xc3\xa9"), LIT("caf\xc3\xa9") },

	{ LIT(".."), NULL, 0 },
	{ LIT("a/../b"), NULL, 0 },
	{ LIT("a/.."), NULL, 0 },
	{ LIT("../a"), NULL, 0 },
	{ LIT("%2e%2e"), NULL, 0 },
	{ LIT("%2E%2e/x"), NULL, 0 },
	{ LIT(".%2e"), NULL, 0 },
	{ LIT("a/%2e%2e/b"), NULL, 0 },
	{ LIT("%2e%2e%2fetc%2fpasswd"), NULL, 0 },
	{ LIT("."), NULL, 0 },
	{ LIT("%2e"), NULL, 0 },
	{ LIT("./x"), NULL, 0 },
	{ LIT("a/./b"), NULL, 0 },
	{ LIT("%2f"), NULL, 0 },
	{ LIT("a%2f"), NULL, 0 },
	{ LIT("%2fetc%2fpasswd"), NULL, 0 },
	{ LIT("/etc/passwd"), NULL, 0 },
	{ LIT("//x"), NULL, 0 },
	{ LIT("a//b"), NULL, 0 },
	{ LIT("x/"), NULL, 0 },
	{ LIT(""), NULL, 0 },
	{ LIT("%00"), NULL, 0 },
	{ LIT("a%00.html"), NULL, 0 },
	{ LIT("a\0b"), NULL, 0 },
	{ LIT("%0a"), NULL, 0 },
	{ LIT("%7f"), NULL, 0 },
	{ LIT("%5c"), NULL, 0 },
	{ LIT("%5C..%5Cx"), NULL, 0 },
	{ LIT("a\\b"), NULL, 0 },
	{ LIT("..\\x"), NULL, 0 },
	{ LIT("%"), NULL, 0 },
	{ LIT("%4"), NULL, 0 },
	{ LIT("a%"), NULL, 0 },
	{ LIT("a%4"), NULL, 0 },
	{ LIT("%zz"), NULL, 0 },
	{ LIT("%g0"), NULL, 0 },
	{ LIT("%%41"), NULL, 0 },
};

static void test_http_static_name(void)
{
	size_t i, cap;
	char *out, box[2];
	int r;

	for (i = 0; i < COUNT(http_names); i++) {
		const char *in = http_names[i].in, *want = http_names[i].want;
		size_t n = http_names[i].n, wn = http_names[i].wn;

		cap = want ? wn + 1 : 64;
		out = text_alloc(cap);
		r = http_static_name(place(in, n), n, out, cap);
		if (want)
			CHECK(r == 0 && memcmp(out, want, wn) == 0 && out[wn] == '\0',
			      "http_static_name(\"%.*s\"): %d", (int)n, in, r);
		else
			CHECK(r == -1, "http_static_name(\"%.*s\") not refused: %d",
			      (int)n, in, r);
		free(out);

		/* one byte less than it needs: refused, nothing written past */
		if (want) {
			out = text_alloc(wn);
			r = http_static_name(place(in, n), n, out, wn);
			CHECK(r == -1, "http_static_name(\"%.*s\") into %zu bytes: %d",
			      (int)n, in, wn, r);
			free(out);
		}
	}

	/* cap 0 means no room even for the NUL: nothing may be written */
	box[0] = box[1] = 'X';
	r = http_static_name("", 0, box, 0);
	CHECK(r == -1 && box[0] == 'X', "http_static_name(\"\", cap 0): %d, "
	      "wrote %s", r, box[0] == 'X' ? "nothing" : "out[0]");
	box[0] = 'X';
	r = http_static_name("a", 1, box, 0);
	CHECK(r == -1 && box[0] == 'X', "http_static_name(\"a\", cap 0): %d", r);
}

/* ---- http_mime --------------------------------------------------------- */

static void test_http_mime(void)
{
	static const struct { const char *name, *want; } t[] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "a/b.HTM", "text/html; charset=utf-8" },
		{ "site.css", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "app.mjs", "text/javascript; charset=utf-8" },
		{ "d.json", "application/json" },
		{ "logo.svg", "image/svg+xml" },
		{ "x.PNG", "image/png" },
		{ "x.jpeg", "image/jpeg" },
		{ "favicon.ico", "image/vnd.microsoft.icon" },
		{ "f.woff2", "font/woff2" },
		{ "m.wasm", "application/wasm" },
		{ "archive.tar.gz", "application/octet-stream" },
		{ "README", "application/octet-stream" },
		{ "a.", "application/octet-stream" },
		{ "a.html5", "application/octet-stream" },
		{ "a.ht", "application/octet-stream" },
		/* the dot belongs to a directory, not to the file */
		{ "dir.html/file", "application/octet-stream" },
		{ ".html", "text/html; charset=utf-8" },
	};
	size_t i;
	const char *got;

	for (i = 0; i < COUNT(t); i++) {
		got = http_mime(t[i].name);
		CHECK(strcmp(got, t[i].want) == 0, "http_mime(\"%s\"): %s",
		      t[i].name, got);
	}
}

/* ---- Response heads ---------------------------------------------------- */

/* A field line of head h[0..n): its value, or NULL.  name includes the
 * CRLF before it, so that only whole names match. */
static const char *http_find(const char *h, const char *name)
{
	const char *p = strstr(h, name);

	return p ? p + strlen(name) : NULL;
}

/* Every error response: the status line, Connection: close, a text/plain
 * body of exactly the Content-Length, the extra lines, and cap respected
 * (0 when it does not fit, nothing written past it). */
static void test_http_error(void)
{
	static const int st[] = { 400, 404, 405, 408, 414, 426, 431, 500, 501,
	                          503, 505 };
	char out[1024], line[64];
	size_t i, n, cap;

	for (i = 0; i < COUNT(st); i++) {
		const char *extra = st[i] == 426 ? "Sec-WebSocket-Version: 13\r\n" : NULL;
		const char *end, *cl;
		unsigned long clen = 0;
		size_t body = 0, bad = 0;

		memset(out, 0, sizeof out);
		n = http_error(out, sizeof out - 1, st[i], extra, NULL, 1);
		snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", st[i],
		         http_reason(st[i]));
		end = strstr(out, "\r\n\r\n");
		cl = http_find(out, "\r\nContent-Length: ");
		if (end)
			body = n - (size_t)(end + 4 - out);
		if (cl)
			clen = strtoul(cl, NULL, 10);
		CHECK(n > 0 && strncmp(out, line, strlen(line)) == 0 && end &&
		      http_find(out, "\r\nConnection: close\r\n") &&
		      http_find(out, "\r\nContent-Type: text/plain") &&
		      http_find(out, "\r\nDate: ") && cl && clen == body &&
		      body > 0 && out[n - 1] == '\n' &&
		      (!extra || http_find(out, "\r\nSec-WebSocket-Version: 13\r\n\r\n")),
		      "http_error(%d): %zu bytes:\n%s", st[i], n, out);

		/* every cap that is too small gives 0 and writes within it;
		 * len + 1 (room for snprintf's NUL) is enough */
		for (cap = 0; cap <= n; cap++) {
			char *o = text_alloc(cap);

			if (http_error(o, cap, st[i], extra, NULL, 1) != 0 && cap < n)
				bad++;
			free(o);
		}
		{
			char *o = text_alloc(n + 1);

			if (http_error(o, n + 1, st[i], extra, NULL, 1) != n)
				bad++;
			free(o);
		}
		CHECK(bad == 0, "http_error(%d): %zu caps misjudged", st[i], bad);
		/* for HEAD: the same head, Content-Length included, no body */
		{
			char h[512];
			size_t hn = http_error(h, sizeof h, st[i], extra, NULL, 0);

			CHECK(hn > 0 && hn + body == n && !memcmp(h, line, strlen(line)) &&
			      !memcmp(h + hn - 4, "\r\n\r\n", 4),
			      "http_error(%d) for HEAD: %zu bytes", st[i], hn);
		}
	}
	CHECK(strcmp(http_reason(414), "URI Too Long") == 0 &&
	      strcmp(http_reason(431), "Request Header Fields Too Large") == 0 &&
	      strcmp(http_reason(299), "Error") == 0, "http_reason");
}

/* The two other shapes of head: 101 has no Date, length or Connection
 * of ours (the extra lines carry the handshake), and 200 keeps alive. */
static void test_http_head(void)
{
	char out[512];
	size_t n;

	n = http_head(out, sizeof out, 101, NULL, 0, 1,
	              "Upgrade: websocket\r\nConnection: Upgrade\r\n");
	CHECK(n == strlen(out) && strcmp(out, "HTTP/1.1 101 Switching Protocols\r\n"
	      "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n") == 0,
	      "http_head 101:\n%s", out);
	n = http_head(out, sizeof out, 200, "text/css; charset=utf-8", 1234, 1, NULL);
	CHECK(n == strlen(out) && strncmp(out, "HTTP/1.1 200 OK\r\n", 17) == 0 &&
	      http_find(out, "\r\nContent-Type: text/css; charset=utf-8\r\n") &&
	      http_find(out, "\r\nContent-Length: 1234\r\n") &&
	      http_find(out, "\r\nConnection: keep-alive\r\n\r\n"),
	      "http_head 200:\n%s", out);
	n = http_head(out, sizeof out, 200, NULL, 0, 0, NULL);
	CHECK(n == strlen(out) && !strstr(out, "Content-Type") &&
	      http_find(out, "\r\nContent-Length: 0\r\n"),
	      "http_head without a type:\n%s", out);
}

/* ---- http_parse_response: the 101 a relay reads ------------------------ */

/* A response head: what it must parse to, or the error it must get. */
static const struct http_resp_case {
	const char *name, *in;
	size_t n;
	long res;              /* head length (0: the whole input), or -status */
	int status, upgrade, conn, extensions, protocol;
	const char *accept;
} http_resps[] = {
	{ "101", LIT("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	  "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
	  0, 101, 1, 1, 0, 0, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" },
	/* RFC 9110 5.1: field names in any case; 7.8 and 5.6.1: token lists */
	{ "lower case, lists", LIT("HTTP/1.1 101 \r\nupgrade: WebSocket\r\n"
	  "connection: keep-alive, upgrade\r\nsec-websocket-accept:x\r\n\r\n"),
	  0, 101, 1, 1, 0, 0, "x" },
	/* RFC 9112 4: the reason phrase may be empty, its SP missing */
	{ "no reason", LIT("HTTP/1.1 101\r\n\r\n"), 0, 101, 0, 0, 0, 0, NULL },
	{ "LF only", LIT("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 0, 200, 0, 0, 0, 0, NULL },
	{ "HTTP/1.0", LIT("HTTP/1.0 404 Not Found\r\n\r\n"), 0, 404, 0, 0, 0, 0, NULL },
	{ "extensions", LIT("HTTP/1.1 101 x\r\nSec-WebSocket-Extensions: "
	  "permessage-deflate\r\nSec-WebSocket-Protocol: chat\r\n\r\n"),
	  0, 101, 0, 0, 1, 1, NULL },
	{ "frames after", LIT("HTTP/1.1 101 x\r\n\r\n\x81\x02hi"), 18, 101, 0, 0, 0, 0, NULL },
	{ "HTTP/2", LIT("HTTP/2 101 x\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
	{ "two digits", LIT("HTTP/1.1 10 x\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
	{ "letters", LIT("HTTP/1.1 1O1 x\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
	{ "no space", LIT("HTTP/1.1 101x\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
	{ "a NUL in the reason", LIT("HTTP/1.1 101 a\0b\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
	{ "a bare CR", LIT("HTTP/1.1 101 x\r\nUpgrade: a\rb\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
	{ "a space before the colon", LIT("HTTP/1.1 101 x\r\nUpgrade : websocket\r\n\r\n"),
	  -400, 0, 0, 0, 0, 0, NULL },
	{ "obs-fold", LIT("HTTP/1.1 101 x\r\nUpgrade: a\r\n websocket\r\n\r\n"),
	  -400, 0, 0, 0, 0, 0, NULL },
	{ "junk", LIT("SSH-2.0-OpenSSH\r\n\r\n"), -400, 0, 0, 0, 0, 0, NULL },
};

/* Each case fed a byte more at a time, as a connection would with the
 * scan offset carried over, and every prefix on its own: "need more"
 * until the head is complete, then the same answer. */
static void test_http_response(void)
{
	struct http_resp r;
	size_t i, k, scan, end;
	long res, want;
	char big[HTTP_MAX_LINE + HTTP_MAX_HEADERS + 64];

	for (i = 0; i < sizeof http_resps / sizeof http_resps[0]; i++) {
		const struct http_resp_case *t = &http_resps[i];

		want = t->res == 0 ? (long)t->n : t->res;
		end = t->res > 0 ? (size_t)t->res : t->n;
		for (scan = 0, k = 0; k <= t->n; k++) {
			res = http_parse_response(place(t->in, k), k, &scan, &r);
			if (res != (k < end ? 0 : want))
				break;
			if (res != 0)
				scan = 0;
		}
		CHECK(k > t->n, "response \"%s\": prefix %zu gives %ld", t->name, k,
		      http_parse_response(place(t->in, k), k, &(size_t){ 0 }, &r));
		scan = 0;
		res = http_parse_response(place(t->in, t->n), t->n, &scan, &r);
		if (want < 0)
			continue;
		CHECK(r.status == t->status && r.up_websocket == t->upgrade &&
		      r.conn_upgrade == t->conn && r.ws_extensions == t->extensions &&
		      r.ws_protocol == t->protocol, "response \"%s\": status %d, "
		      "upgrade %d, connection %d, ext %d, proto %d", t->name, r.status,
		      r.up_websocket, r.conn_upgrade, r.ws_extensions, r.ws_protocol);
		CHECK(t->accept ? r.ws_accept_count == 1 &&
		      r.ws_accept_len == strlen(t->accept) : r.ws_accept == NULL,
		      "response \"%s\": Sec-WebSocket-Accept", t->name);
	}

	/* a head that never ends is refused once it is too long to be one */
	memcpy(big, "HTTP/1.1 101 x\r\n", 16);
	for (k = 16; k < sizeof big; k++)
		big[k] = k % 40 == 39 ? '\n' : 'a';
	scan = 0;
	CHECK(http_parse_response(place(big, sizeof big), sizeof big, &scan, &r) == -431,
	      "an endless response head is not refused");
}

int main(void)
{
	fence_init();
	if (!fence_end)
		fprintf(stderr, "unit_http: no guard page, using malloc'd copies\n");
	test_http_ok();
	test_http_pipelined();
	test_http_then_frame();
	test_http_bad();
	test_http_line_limit();
	test_http_header_limit();
	test_http_field_limit();
	test_http_key_count();
	test_http_skip_empty();
	test_http_has_token();
	test_http_static_name();
	test_http_mime();
	test_http_error();
	test_http_head();
	test_http_response();
	free(heap_copy);
	return CHECK_DONE();
}
