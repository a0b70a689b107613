/* SPDX-License-Identifier: ISC */
/*
 * itest.c - end-to-end tests of a running letterd.
 *
 * usage: itest PORT GROUP [PID]
 *
 * Each group expects the server to have been started with particular flags
 * (tests/integration.sh does that):
 *
 *   http        -p 0 -i 50   the page, HTTP errors and limits, upgrade errors
 *   ws          -p 0 -i 50   subscriptions, ticks, framing and close codes
 *   keepalive   -k 1 -i 50   pings, and dropping a client that never answers
 *   maxclients  -c 2         503 for the third WebSocket client
 *   msglimit    -m 100       the message size limit moved by -m
 *   shutdown    -i 50        SIGTERM to PID: every client gets close 1001
 *   churn       -i 50 -k 1   100 clients come and go in all three ways
 *                            (tests/valgrind.sh runs it under valgrind)
 *
 * Every test states what it sent, what it expected and what came, in one
 * line, when it fails.  Every wait is bounded: a wrong server makes a test
 * fail within seconds, never hang.  WSC_SEED=N in the environment fixes
 * the masking keys and handshake keys the client draws.
 *
 * Most tests return 0 or -1 and leave the reason in why[]; the caller makes
 * one CHECK of it.  That keeps the number of checks fixed, whatever the
 * timing, so "N passed" means the same thing from run to run.
 */
#include "check.h"
#include "why.h"
#include "wsc.h"

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

static int port;
/* The longest wait for an answer that should come at once.  Generous for a
 * loopback server, and raised for the churn group, whose server runs under
 * valgrind at a fraction of its speed. */
static int t_wait = 3000;

/* Connections, responses and messages are large; they live here. */
static struct wsc_conn c1, c2, c3, c4;
static struct wsc_conn hc;   /* http_error()'s, so it leaves c1..c4 alone */
static struct wsc_http resp;
static struct wsc_msg msg;


/* --- connections -------------------------------------------------------- */

static int
dial(struct wsc_conn *c)
{
	return wsc_connect(c, "127.0.0.1", port, t_wait) == 0 ? 0 : wfail(c);
}

static int
dial_ws(struct wsc_conn *c)
{
	if (dial(c) < 0)
		return -1;
	if (wsc_upgrade(c, "/ws", t_wait) < 0) {
		wfail(c);
		wsc_close(c);
		return -1;
	}
	return 0;
}

/* --- messages of the letters protocol ----------------------------------- */

static const char need_sub[] = "You need to subscribe before un-subscribing";


/* 1 if m is `{"L": "You need to subscribe before un-subscribing"}`. */
static int
is_need_sub(const struct wsc_msg *m, int letter)
{
	char want[96];

	snprintf(want, sizeof want, "{\"%c\": \"%s\"}", letter, need_sub);
	return m->opcode == WSC_OP_TEXT && m->len == strlen(want) &&
	    memcmp(m->data, want, m->len) == 0;
}

/* 1 if m is `{"error": "<reason>"}` with a short plain reason. */
static int
is_error(const struct wsc_msg *m)
{
	const char *d = (const char *)m->data;
	size_t i;

	if (m->opcode != WSC_OP_TEXT || m->len < 14 ||
	    strncmp(d, "{\"error\": \"", 11) != 0 ||
	    strcmp(d + m->len - 2, "\"}") != 0)
		return 0;
	for (i = 11; i < m->len - 2; i++)
		if (d[i] == '"' || d[i] == '\\' || (unsigned char)d[i] < 0x20)
			return 0;
	return 1;
}

static size_t
command(char *out, size_t cap, const char *action, int letter)
{
	return (size_t)snprintf(out, cap,
	    "{\"action\": \"%s\", \"letter\": \"%c\"}", action, letter);
}

static int
send_cmd(struct wsc_conn *c, const char *action, int letter)
{
	char buf[64];

	command(buf, sizeof buf, action, letter);
	return wsc_send_text(c, buf, t_wait) == 0 ? 0 : wfail(c);
}

static int
recv_msg(struct wsc_conn *c, const char *waiting_for)
{
	if (wsc_recv(c, &msg, t_wait) < 0)
		return whyf("expected %s: %s", waiting_for, c->err);
	return 0;
}

/* Milliseconds left before deadline, for a wait that must not pass it. */
static int
until(long long deadline)
{
	long long d = deadline - wsc_now_ms();

	return d > 0 ? (int)d : 0;
}

/* The next message must be a value of letter. */
static int
expect_value(struct wsc_conn *c, int letter, int *value)
{
	char what[32];

	snprintf(what, sizeof what, "a value of %c", letter);
	if (recv_msg(c, what) < 0)
		return -1;
	if (wsc_value(&msg, value) != letter)
		return whyf("expected {\"%c\": NNNN}, got %s", letter,
		    wsc_show(&msg));
	return 0;
}

/* Reads values until one of `letter` has come: afterwards the client
 * stands between two ticks' groups if letter is its last subscription. */
static int
drain_to(struct wsc_conn *c, int letter)
{
	long long deadline = wsc_now_ms() + t_wait;

	for (;;) {
		if (wsc_recv(c, &msg, until(deadline)) < 0)
			return whyf("expected a value of %c within %d ms: %s",
			    letter, t_wait, c->err);
		if (wsc_value(&msg, NULL) == 0)
			return whyf("expected only values, got %s", wsc_show(&msg));
		if (wsc_value(&msg, NULL) == letter)
			return 0;
	}
}

/* Reads ngroups ticks' worth of values, each group exactly the letters in
 * `letters`, in that order (docs/protocol.md 4.3: A..Z order within a
 * tick).  The client must stand at a group boundary.
 * vals[g * strlen(letters) + i] receives the values, if vals is not NULL. */
static int
read_groups(struct wsc_conn *c, const char *letters, int ngroups, int *vals)
{
	int nl = (int)strlen(letters), g, i, v;

	for (g = 0; g < ngroups; g++)
		for (i = 0; i < nl; i++) {
			if (wsc_recv(c, &msg, t_wait) < 0)
				return whyf("tick %d of %d: expected a value "
				    "of %c: %s", g + 1, ngroups, letters[i],
				    c->err);
			if (wsc_value(&msg, &v) != letters[i])
				return whyf("tick %d of %d: expected a value "
				    "of %c (each tick: %s), got %s", g + 1,
				    ngroups, letters[i], letters, wsc_show(&msg));
			if (vals)
				vals[g * nl + i] = v;
		}
	return 0;
}

/* Reads until the marker `{"L": "You need to subscribe..."}`; everything
 * before it must be values.  Commands are answered in order, so once the
 * marker has come every command sent before it has taken effect. */
static int
read_to_marker(struct wsc_conn *c, int marker)
{
	long long deadline = wsc_now_ms() + t_wait;

	for (;;) {
		if (wsc_recv(c, &msg, until(deadline)) < 0)
			return whyf("expected {\"%c\": \"%s\"} within %d ms: "
			    "%s", marker, need_sub, t_wait, c->err);
		if (is_need_sub(&msg, marker))
			return 0;
		if (wsc_value(&msg, NULL) == 0)
			return whyf("expected values, then {\"%c\": \"%s\"}; "
			    "got %s", marker, need_sub, wsc_show(&msg));
	}
}

/* Sends a ping and expects its pong as the very next frame. */
static int
ping_pong(struct wsc_conn *c, const void *payload, size_t n)
{
	struct wsc_frame f;
	char q[300];

	wsc_quote(q, sizeof q, payload, n);
	if (wsc_send_frame(c, WSC_FIN | WSC_OP_PING, payload, n, t_wait) < 0)
		return wfail(c);
	if (wsc_next_frame(c, &f, t_wait) < 0)
		return whyf("ping %s: expected a pong: %s", q, c->err);
	if (f.opcode != WSC_OP_PONG || f.len != n ||
	    memcmp(f.payload, payload, n) != 0) {
		char g[300];

		return whyf("ping %s: expected a pong with the same payload, "
		    "got opcode 0x%x with %s", q, f.opcode,
		    wsc_quote(g, sizeof g, f.payload, f.len));
	}
	return 0;
}

/* --- HTTP --------------------------------------------------------------- */

/* What docs/protocol.md 2.3 asks of every error response: Connection:
 * close and a short text/plain body. */
static int
check_error_response(const struct wsc_http *r, int status)
{
	const char *ct = wsc_http_field(r, "Content-Type");
	const char *cn = wsc_http_field(r, "Connection");

	if (r->status != status)
		return whyf("expected status %d, got %d (body \"%.80s\")",
		    status, r->status, r->body ? r->body : "");
	if (!wsc_http_has_token(r, "Connection", "close"))
		return whyf("%d without \"Connection: close\" (got %s)",
		    status, cn ? cn : "none");
	if (ct == NULL || strncasecmp(ct, "text/plain", 10) != 0)
		return whyf("%d: expected a text/plain body, got Content-Type "
		    "%s", status, ct ? ct : "none");
	if (r->body_len == 0)
		return whyf("%d with an empty body", status);
	return 0;
}

/*
 * Sends n bytes of req on a fresh connection and expects an error response
 * with `status`, followed by the server closing the connection.  The
 * server may answer (a 414, say) before it has read all we send, and close;
 * so a failed send is not yet a failure: the response decides.  The
 * response stays in resp for further checks.
 */
static int
http_error(const void *req, size_t n, int status)
{
	struct wsc_conn *c = &hc;
	int rc;

	wsc_http_free(&resp);
	if (dial(c) < 0)
		return -1;
	(void)wsc_send(c, req, n, t_wait);
	rc = wsc_http_read(c, &resp, 0, t_wait);
	if (rc < 0)
		rc = whyf("expected %d: %s", status, c->err);
	else if ((rc = check_error_response(&resp, status)) == 0 &&
	    wsc_expect_eof(c, t_wait) < 0)
		rc = whyf("after the %d response: %s", status, c->err);
	wsc_close(c);
	return rc;
}

static int
http_error_str(const char *req, int status)
{
	return http_error(req, strlen(req), status);
}

/* The page's response: 200, the right type, a length, kept alive.  (The
 * reader has already made sure the body has exactly that length.) */
static int
check_page(const struct wsc_http *r)
{
	const char *ct = wsc_http_field(r, "Content-Type");

	if (r->status != 200)
		return whyf("expected 200, got %d", r->status);
	if (ct == NULL || strcmp(ct, "text/html; charset=utf-8") != 0)
		return whyf("expected Content-Type \"text/html; "
		    "charset=utf-8\", got \"%s\"", ct ? ct : "none");
	if (r->content_length <= 0)
		return whyf("expected a Content-Length, got %s",
		    wsc_http_field(r, "Content-Length") ? "0" : "none");
	if (wsc_http_has_token(r, "Connection", "close"))
		return whyf("a 200 to HTTP/1.1 with \"Connection: close\"");
	return 0;
}

/* The page itself: the elements of the first and the last letter. */
static int
check_page_content(const struct wsc_http *r)
{
	static char page[65536];
	size_t n;
	FILE *f = popen("./mkpage -t < index.html", "r");

	/* The page is compiled in: it must be index.html as mkpage strips it
	 * of comments and indentation, byte for byte. */
	if (!f)
		return whyf("cannot run ./mkpage -t to compare");
	n = fread(page, 1, sizeof(page), f);
	if (pclose(f) != 0)
		return whyf("./mkpage -t < index.html failed");
	if (r->body == NULL || r->body_len != n ||
	    memcmp(r->body, page, n) != 0)
		return whyf("the page is not index.html as mkpage -t gives it "
		    "(%ld bytes, mkpage %zu)", r->content_length, n);
	if (strstr(page, "'letter-'") == NULL || strstr(page, "'value-'") == NULL)
		return whyf("the page has no letter-X / value-X ids");
	return 0;
}

static const char get_root[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
static const char head_root[] = "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n";

/* GET / and then HEAD / on the same connection; HEAD must have the same
 * headers and no body, which the GET after it proves: body bytes would be
 * read as the start of its response. */
static void
test_get_and_head(void)
{
	struct wsc_conn *c = &c1;
	long length = -1;
	int rc;

	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && (rc = wsc_http_request(c, get_root, &resp,
	    t_wait)) < 0)
		wfail(c);
	if (rc == 0 && (rc = check_page(&resp)) == 0 &&
	    (rc = wsc_expect_silence(c, 100)) < 0)
		whyf("after the page's %ld bytes: %s", resp.content_length,
		    c->err);
	CHECK(rc == 0, "GET /: %s", why);
	CHECK(rc < 0 || check_page_content(&resp) == 0, "GET /: %s", why);
	length = resp.content_length;
	if (rc < 0)
		whyf("not run: the GET / before it failed");

	wsc_http_free(&resp);
	if (rc == 0 && (rc = wsc_http_request(c, head_root, &resp,
	    t_wait)) < 0)
		wfail(c);
	if (rc == 0 && (rc = check_page(&resp)) == 0 &&
	    resp.content_length != length)
		rc = whyf("HEAD says Content-Length %ld, GET said %ld",
		    resp.content_length, length);
	if (rc == 0 && (rc = wsc_expect_silence(c, 100)) < 0)
		whyf("expected no body after HEAD: %s", c->err);
	CHECK(rc == 0, "HEAD /: %s", why);
	if (rc < 0)
		whyf("not run: a request before it failed");

	wsc_http_free(&resp);
	if (rc == 0 && (rc = wsc_http_request(c, get_root, &resp,
	    t_wait)) < 0)
		wfail(c);
	if (rc == 0)
		rc = check_page(&resp);
	CHECK(rc == 0, "keep-alive: GET / after GET / and HEAD / on one "
	    "connection: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* The request one byte per write: the parser must resume anywhere. */
static void
test_byte_at_a_time(void)
{
	struct wsc_conn *c = &c1;
	int rc;

	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && (rc = wsc_send_slowly(c, get_root, strlen(get_root), 1,
	    1, t_wait)) < 0)
		wfail(c);
	if (rc == 0 && (rc = wsc_http_read(c, &resp, 0, t_wait)) < 0)
		wfail(c);
	if (rc == 0)
		rc = check_page(&resp);
	CHECK(rc == 0, "GET / one byte at a time: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* GET /, HEAD / and GET /nope in one write: three responses in order, the
 * last an error that ends the connection. */
static void
test_pipelined(void)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n"
	    "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n";
	struct wsc_conn *c = &c1;
	int rc;

	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && (rc = wsc_send(c, req, strlen(req), t_wait)) < 0)
		wfail(c);
	if (rc == 0 && (rc = wsc_http_read(c, &resp, 0, t_wait)) < 0)
		whyf("first response: %s", c->err);
	if (rc == 0 && (rc = check_page(&resp)) < 0)
		whyctx("first response (GET /) should be the page");
	wsc_http_free(&resp);
	if (rc == 0 && (rc = wsc_http_read(c, &resp, 1, t_wait)) < 0)
		whyf("second response: %s", c->err);
	if (rc == 0 && (rc = check_page(&resp)) < 0)
		whyctx("second response (HEAD /)");
	wsc_http_free(&resp);
	if (rc == 0 && (rc = wsc_http_read(c, &resp, 0, t_wait)) < 0)
		whyf("third response: %s", c->err);
	if (rc == 0 && (rc = check_error_response(&resp, 404)) < 0)
		whyctx("third response (GET /nope)");
	if (rc == 0 && (rc = wsc_expect_eof(c, t_wait)) < 0)
		wfail(c);
	CHECK(rc == 0, "three pipelined requests in one write: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* HTTP/1.0 without keep-alive: the response, then the end. */
static void
test_http10(void)
{
	struct wsc_conn *c = &c1;
	int rc;

	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && (rc = wsc_http_request(c, "GET / HTTP/1.0\r\n\r\n",
	    &resp, t_wait)) < 0)
		wfail(c);
	if (rc == 0 && resp.status != 200)
		rc = whyf("expected 200, got %d", resp.status);
	if (rc == 0 && (rc = wsc_expect_eof(c, t_wait)) < 0)
		wfail(c);
	CHECK(rc == 0, "GET / HTTP/1.0: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* A GET / with `nfields` header fields in all, Host among them, each
 * padded with `pad` bytes of value; returns a malloc'ed request. */
static char *
many_fields(int nfields, size_t pad, size_t *len)
{
	size_t cap = 64 + (size_t)nfields * (pad + 32), n;
	char *req = malloc(cap);
	int i;

	if (req == NULL)
		return NULL;
	n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: t\r\n");
	for (i = 1; i < nfields; i++) {
		n += (size_t)sprintf(req + n, "X-Field-%d: ", i);
		memset(req + n, 'v', pad);
		n += pad;
		n += (size_t)sprintf(req + n, "\r\n");
	}
	n += (size_t)sprintf(req + n, "\r\n");
	*len = n;
	return req;
}

/* A request whose request line is exactly `linelen` bytes long. */
static char *
long_line(size_t linelen, size_t *len)
{
	static const char tail[] = " HTTP/1.1\r\nHost: t\r\n\r\n";
	char *req = malloc(linelen + sizeof tail);

	if (req == NULL)
		return NULL;
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', linelen - 5 - 9);
	memcpy(req + linelen - 9, tail, sizeof tail);
	*len = strlen(req);
	return req;
}

static void
test_limits(void)
{
	struct wsc_conn *c = &c1;
	size_t n;
	char *req;
	int rc;

	req = long_line(10000, &n);
	CHECK(req && http_error(req, n, 414) == 0, "request line of 10000 "
	    "bytes: %s", why);
	free(req);
	req = long_line(8000, &n);
	CHECK(req && http_error(req, n, 404) == 0, "request line of 8000 "
	    "bytes (an unknown path, not too long): %s", why);
	free(req);

	req = many_fields(65, 8, &n);
	CHECK(req && http_error(req, n, 431) == 0, "65 header fields: %s",
	    why);
	free(req);
	req = many_fields(20, 1000, &n);
	CHECK(req && http_error(req, n, 431) == 0, "20 header fields in %zu "
	    "bytes: %s", n, why);
	free(req);

	/* 64 fields, Host included, is the most that is allowed. */
	req = many_fields(64, 8, &n);
	wsc_http_free(&resp);
	rc = req ? dial(c) : whyf("out of memory");
	if (rc == 0 && (rc = wsc_send(c, req, n, t_wait)) < 0)
		wfail(c);
	if (rc == 0 && (rc = wsc_http_read(c, &resp, 0, t_wait)) < 0)
		wfail(c);
	if (rc == 0)
		rc = check_page(&resp);
	CHECK(rc == 0, "63 header fields plus Host: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
	free(req);
}

static void
test_http_errors(void)
{
	static const char junk[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03"
	    "\x03 GET / HTTP/1.1\r\nHost: t\r\n\r\n";
	static const struct {
		const char *name, *req;
		int status;
	} cases[] = {
		{ "GET /nope", "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404 },
		{ "GET /static/x without -r",
		  "GET /static/x HTTP/1.1\r\nHost: t\r\n\r\n", 404 },
		{ "method G(T", "G(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
		{ "method BREW", "BREW / HTTP/1.1\r\nHost: t\r\n\r\n", 405 },
		{ "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400 },
		{ "two Host fields",
		  "GET / HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n", 400 },
		{ "Content-Length: -1",
		  "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
		  400 },
		{ "huge Content-Length", "GET / HTTP/1.1\r\nHost: t\r\n"
		  "Content-Length: 99999999999999999999999\r\n\r\n", 400 },
		{ "repeated Content-Length", "GET / HTTP/1.1\r\nHost: t\r\n"
		  "Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 400 },
		{ "GET /ws without upgrade fields",
		  "GET /ws HTTP/1.1\r\nHost: t\r\n\r\n", 400 },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(http_error_str(cases[i].req, cases[i].status) == 0,
		    "%s: %s", cases[i].name, why);

	rc = http_error_str("POST / HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 0\r\n\r\n", 405);
	if (rc == 0 && wsc_http_field(&resp, "Allow") == NULL)
		rc = whyf("405 without an Allow field");
	else if (rc == 0 && (!wsc_http_has_token(&resp, "Allow", "GET") ||
	    !wsc_http_has_token(&resp, "Allow", "HEAD")))
		rc = whyf("expected Allow to list GET and HEAD, got \"%s\"",
		    wsc_http_field(&resp, "Allow"));
	CHECK(rc == 0, "POST /: %s", why);

	CHECK(http_error(junk, sizeof junk - 1, 400) == 0, "leading binary "
	    "junk (a TLS ClientHello's first bytes): %s", why);
}

/* RFC 9112 2.2: empty lines before the request line are skipped. */
static void
test_leading_crlf(void)
{
	struct wsc_conn *c = &c1;
	int rc;

	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && (rc = wsc_http_request(c, "\r\n\r\nGET / HTTP/1.1\r\n"
	    "Host: t\r\n\r\n", &resp, t_wait)) < 0)
		wfail(c);
	if (rc == 0)
		rc = check_page(&resp);
	CHECK(rc == 0, "CRLF CRLF before GET /: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* --- the opening handshake ---------------------------------------------- */

static void
test_upgrade_errors(void)
{
	static const struct {
		const char *name, *key;
	} keys[] = {
		{ "a key of 23 characters", "dGhlIHNhbXBsZSBub25jZQ=" },
		{ "a key of 25 characters", "dGhlIHNhbXBsZSBub25jZQ==A" },
		{ "a key of 24 characters decoding to 18 bytes",
		  "AAAAAAAAAAAAAAAAAAAAAAAA" },
		{ "a key of 24 characters that are not base64",
		  "dGhlIHNhbXBsZSBub25j!!==" },
	};
	static const char head[] = "GET /ws HTTP/1.1\r\nHost: t\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n";
	char req[512], key[25];
	size_t i;
	int rc;

	snprintf(req, sizeof req, "%sSec-WebSocket-Version: 13\r\n\r\n", head);
	CHECK(http_error_str(req, 400) == 0, "upgrade without "
	    "Sec-WebSocket-Key: %s", why);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(req, sizeof req, "%sSec-WebSocket-Version: 13\r\n"
		    "Sec-WebSocket-Key: %s\r\n\r\n", head, keys[i].key);
		CHECK(http_error_str(req, 400) == 0, "upgrade with %s: %s",
		    keys[i].name, why);
	}

	wsc_key(key);
	snprintf(req, sizeof req, "%sSec-WebSocket-Version: 8\r\n"
	    "Sec-WebSocket-Key: %s\r\n\r\n", head, key);
	rc = http_error_str(req, 426);
	if (rc == 0 && !wsc_http_has_token(&resp, "Sec-WebSocket-Version",
	    "13"))
		rc = whyf("426 without \"Sec-WebSocket-Version: 13\" (got "
		    "%s)", wsc_http_field(&resp, "Sec-WebSocket-Version") ?
		    wsc_http_field(&resp, "Sec-WebSocket-Version") : "none");
	CHECK(rc == 0, "upgrade with Sec-WebSocket-Version 8: %s", why);
}

/* Upgrade requests that differ from the usual in what RFC 6455 4.2.1 and
 * docs/protocol.md 2.2 and 3.1 allow; each must give a working WebSocket. */
static void
test_upgrade_variants(void)
{
	static const struct {
		const char *name, *head;
	} cases[] = {
		{ "/ws with \"Connection: keep-alive, Upgrade\" and "
		  "\"Upgrade: WebSocket\"",
		  "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: WebSocket\r\n"
		  "Connection: keep-alive, Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\n" },
		{ "/ with \"Connection: keep-alive, Upgrade\" and "
		  "\"Upgrade: WebSocket\"",
		  "GET / HTTP/1.1\r\nHost: t\r\nUpgrade: WebSocket\r\n"
		  "Connection: keep-alive, Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\n" },
		{ "/ with lower-case names and upper-case values",
		  "GET / HTTP/1.1\r\nhost: t\r\nupgrade: WEBSOCKET\r\n"
		  "connection: UPGRADE\r\nsec-websocket-version: 13\r\n" },
		{ "/ws offering permessage-deflate and subprotocols",
		  "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
		  "Sec-WebSocket-Extensions: permessage-deflate; "
		  "client_max_window_bits\r\n"
		  "Sec-WebSocket-Protocol: chat, superchat\r\n" },
	};
	struct wsc_conn *c = &c1;
	const char *v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		wsc_http_free(&resp);
		rc = dial(c);
		if (rc == 0 && (rc = wsc_upgrade_raw(c, cases[i].head, NULL, 0,
		    &resp, t_wait)) < 0)
			wfail(c);
		/* RFC 6455 4.2.2: a server that negotiates nothing sends
		 * neither field. */
		if (rc == 0 && (v = wsc_http_field(&resp,
		    "Sec-WebSocket-Extensions")) != NULL)
			rc = whyf("101 with Sec-WebSocket-Extensions: %s", v);
		if (rc == 0 && (v = wsc_http_field(&resp,
		    "Sec-WebSocket-Protocol")) != NULL)
			rc = whyf("101 with Sec-WebSocket-Protocol: %s", v);
		if (rc == 0)
			rc = ping_pong(c, "hello", 5);
		CHECK(rc == 0, "upgrade on %s: %s", cases[i].name, why);
		wsc_http_free(&resp);
		wsc_close(c);
	}
}

/* RFC 6455 4.1: the client may send frames right after its request, so
 * they can arrive in the same segment; the server must keep those bytes. */
static void
test_frame_with_upgrade(void)
{
	static const char head[] = "GET /ws HTTP/1.1\r\nHost: t\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\n";
	struct wsc_conn *c = &c1;
	uint8_t frame[64];
	char cmd[64];
	size_t n;
	int rc;

	n = command(cmd, sizeof cmd, "subscribe", 'a');
	n = wsc_frame(frame, sizeof frame, WSC_FIN | WSC_OP_TEXT, 1, cmd, n);
	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && (rc = wsc_upgrade_raw(c, head, frame, n, &resp,
	    t_wait)) < 0)
		wfail(c);
	if (rc == 0)
		rc = expect_value(c, 'A', NULL);
	CHECK(rc == 0, "a subscribe frame in the same write as the upgrade "
	    "request: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

static void
group_http(void)
{
	test_get_and_head();
	test_byte_at_a_time();
	test_pipelined();
	test_http10();
	test_leading_crlf();
	test_http_errors();
	test_limits();
	test_upgrade_errors();
	test_upgrade_variants();
	test_frame_with_upgrade();
}

/* --- subscriptions and ticks -------------------------------------------- */

/* c1: subscribe A; the answer is a value at once, then one per tick. */
static void
test_first_value_and_rate(void)
{
	long long end;
	int rc, count = 0, v;

	rc = dial_ws(&c1);
	if (rc == 0)
		rc = send_cmd(&c1, "subscribe", 'a');
	if (rc == 0)
		rc = expect_value(&c1, 'A', NULL);
	CHECK(rc == 0, "subscribe to \"a\": %s", why);
	if (rc < 0)
		return;

	/* -i 50 gives 20 ticks a second; the bounds leave room for a busy
	 * machine but not for a wrong interval or a value per letter per
	 * subscriber sent twice. */
	end = wsc_now_ms() + 1000;
	while (rc == 0 && wsc_now_ms() < end) {
		rc = wsc_recv(&c1, &msg, (int)(end - wsc_now_ms()));
		if (rc == WSC_TIMEOUT)
			break;
		if (rc < 0)
			rc = wfail(&c1);
		else if (wsc_value(&msg, &v) != 'A')
			rc = whyf("expected only values of A, got %s",
			    wsc_show(&msg));
		else
			count++;
	}
	if (rc == WSC_TIMEOUT)
		rc = 0;
	if (rc == 0 && (count < 10 || count > 30))
		rc = whyf("expected about 20 values of A in 1 s at -i 50, got "
		    "%d", count);
	CHECK(rc == 0, "ticks of A: %s", why);
	printf("%d values of A in 1000 ms at -i 50\n", count);
}

/* c1 adds B and C: every tick is then A, B, C in that order. */
static int last_a;   /* c1's latest A value, as test_same_values needs */

static int
test_order(void)
{
	int vals[20 * 3], rc;

	rc = send_cmd(&c1, "subscribe", 'b');
	if (rc == 0)
		rc = send_cmd(&c1, "subscribe", 'c');
	if (rc == 0)
		rc = drain_to(&c1, 'C');
	if (rc == 0)
		rc = read_groups(&c1, "ABC", 20, vals);
	CHECK(rc == 0, "20 ticks to A, B and C: %s", why);
	last_a = vals[19 * 3];
	return rc;
}

/* c2 subscribes to A and Z.  The A values it receives from then on are
 * those c1 receives: find c2's ten in c1's sequence.  Its first value (the
 * answer to subscribing) is the current one, so it appears in c1's sequence
 * too, at or before that place (the chance of a false match of ten random
 * values is nil). */
static int c2_last_a;

static void
test_same_values(void)
{
	int c1a[64], c2v[10 * 2], vals[3], n1 = 0, first, i, k, g, rc,
	    found = -1;

	c1a[n1++] = last_a;
	rc = dial_ws(&c2);
	if (rc == 0)
		rc = send_cmd(&c2, "subscribe", 'a');
	if (rc == 0)
		rc = expect_value(&c2, 'A', &first);
	if (rc == 0)
		rc = send_cmd(&c2, "subscribe", 'z');
	if (rc == 0)
		rc = drain_to(&c2, 'Z');
	if (rc == 0)
		rc = read_groups(&c2, "AZ", 10, c2v);
	CHECK(rc == 0, "second client, subscribed to A and Z: %s", why);
	if (rc < 0)
		return;
	c2_last_a = c2v[9 * 2];

	/* Read c1 tick by tick until its A values end with c2's ten.  c1
	 * is behind by the ticks c2 has read, a dozen or so; 60 is plenty. */
	for (g = 0; rc == 0 && found < 0 && g < 60; g++) {
		rc = read_groups(&c1, "ABC", 1, vals);
		c1a[n1++] = vals[0];
		for (k = 0; n1 >= 10 && k < 10; k++)
			if (c1a[n1 - 10 + k] != c2v[k * 2])
				break;
		if (n1 >= 10 && k == 10)
			found = n1 - 10;
	}
	if (rc == 0 && found < 0)
		rc = whyf("c2's ten A values (%d %d %d ...) never came to c1 "
		    "in 60 ticks", c2v[0], c2v[2], c2v[4]);
	CHECK(rc == 0, "two subscribers of A get the same values: %s", why);
	if (rc < 0)
		return;
	for (i = found; i >= 0 && c1a[i] != first; i--)
		;
	CHECK(i >= 0, "the answer to subscribing, %d, is not among c1's "
	    "current or earlier values (%d ... %d)", first, c1a[0],
	    c1a[found]);
}

/*
 * c2 subscribes to A again: it gets the current A value once more, in
 * between two ticks' groups, and c1 gets nothing extra.  c2's stream is
 * pairs (A, Z) with one lone A; its value is the latest A c2 had.  c1's
 * stream stays exact groups of A, B, C across the same time.
 */
static void
test_resubscribe(void)
{
	int seq[64], n = 0, zs = 0, as = 0, i, v, l, extra = -1, prev, rc;

	rc = send_cmd(&c2, "subscribe", 'a');
	while (rc == 0 && zs < 4 && n < 64) {
		if ((rc = recv_msg(&c2, "values of A and Z")) < 0)
			break;
		l = wsc_value(&msg, &v);
		if (l != 'A' && l != 'Z') {
			rc = whyf("expected values of A and Z, got %s",
			    wsc_show(&msg));
			break;
		}
		seq[n++] = l == 'A' ? v : -1;
		if (l == 'A')
			as++;
		else
			zs++;
	}
	if (rc == 0 && as != zs + 1)
		rc = whyf("expected one more A than Z in 4 ticks after "
		    "subscribing again, got %d A and %d Z", as, zs);
	/* The lone A is the first of two A in a row, or the first message. */
	for (i = 0; rc == 0 && i + 1 < n; i++)
		if (seq[i] >= 0 && seq[i + 1] >= 0) {
			extra = i;
			break;
		}
	if (rc == 0 && extra >= 0) {
		for (prev = c2_last_a, i = 0; i < extra; i++)
			if (seq[i] >= 0)
				prev = seq[i];
		if (seq[extra] != prev)
			rc = whyf("subscribing again sent %d, but the current "
			    "value was %d", seq[extra], prev);
	}
	CHECK(rc == 0, "subscribing again: %s", why);
	rc = read_groups(&c1, "ABC", 8, NULL);
	CHECK(rc == 0, "the other subscriber gets nothing extra: %s", why);
}

/* c1 drops B; the marker (an unsubscribe that is answered) tells when the
 * server has taken the command in, and from then on ticks are A, C. */
static void
test_unsubscribe(void)
{
	int rc;

	rc = send_cmd(&c1, "unsubscribe", 'b');
	if (rc == 0)
		rc = send_cmd(&c1, "unsubscribe", 'q');
	if (rc == 0)
		rc = read_to_marker(&c1, 'Q');
	if (rc == 0)
		rc = read_groups(&c1, "AC", 10, NULL);
	CHECK(rc == 0, "unsubscribe from B: %s", why);
	wsc_close(&c1);
	wsc_close(&c2);
}

/* A fresh client sends text and expects exactly `want` back. */
static int
fresh_expect(const char *text, const char *want)
{
	int rc = dial_ws(&c3);

	if (rc == 0 && (rc = wsc_send_text(&c3, text, t_wait)) < 0)
		wfail(&c3);
	if (rc == 0 && (rc = wsc_expect_text(&c3, want, t_wait)) < 0)
		wfail(&c3);
	return rc;
}

static void
test_not_subscribed(void)
{
	char want[96];
	int rc;

	snprintf(want, sizeof want, "{\"A\": \"%s\"}", need_sub);
	rc = fresh_expect("{\"action\": \"unsubscribe\", \"letter\": \"a\"}",
	    want);
	CHECK(rc == 0, "unsubscribe from a letter not subscribed: %s", why);
	wsc_close(&c3);
}

/* Text that is not a valid command: an error message, and the connection
 * still serves the next command. */
static void
test_bad_commands(void)
{
	static const char *const bad[] = {
		"not json",
		"",
		"{\"action\": \"subscribe\", \"letter\": \"a\"",
		"{\"action\": \"subscribe\", \"letter\": \"a\"} x",
		"[\"subscribe\", \"a\"]",
		"{\"action\": \"subscribe\"}",
		"{\"letter\": \"a\"}",
		"{\"action\": \"jump\", \"letter\": \"a\"}",
		"{\"action\": \"subscribe\", \"letter\": \"1\"}",
		"{\"action\": \"subscribe\", \"letter\": \"AB\"}",
		"{\"action\": \"subscribe\", \"letter\": \"\"}",
		"{\"action\": \"subscribe\", \"letter\": 65}",
		"{\"action\": \"subscribe\", \"letter\": \"\xc3\xa9\"}",
		"{\"action\": \"subscribe\", \"letter\": \"\\u00e9\"}",
	};
	char q[120];
	size_t i;
	int rc;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rc = dial_ws(&c3);
		if (rc == 0 && (rc = wsc_send_text(&c3, bad[i], t_wait)) < 0)
			wfail(&c3);
		if (rc == 0 && (rc = recv_msg(&c3, "{\"error\": ...}")) == 0 &&
		    !is_error(&msg))
			rc = whyf("expected {\"error\": \"<reason>\"}, got %s",
			    wsc_show(&msg));
		if (rc == 0 && (rc = send_cmd(&c3, "subscribe", 'x')) == 0 &&
		    (rc = expect_value(&c3, 'X', NULL)) < 0)
			whyctx("subscribing after the error");
		CHECK(rc == 0, "command %s: %s", wsc_quote(q, sizeof q, bad[i],
		    strlen(bad[i])), why);
		wsc_close(&c3);
	}
}

/* Valid JSON in other clothes: escapes, whitespace, order, extra keys. */
static void
test_command_variants(void)
{
	static const struct {
		const char *text;
		int letter;
	} ok[] = {
		{ "{\"action\": \"subscribe\", \"letter\": \"\\u0041\"}", 'A' },
		{ " \t\r\n{ \"letter\" :\n\"b\" ,\t\"action\"\r\n: "
		  "\"subscribe\" } \n", 'B' },
		{ "{\"x\": {\"y\": [1, 2.5e-3, {\"z\": null}], "
		  "\"w\": \"}\\\"\"}, \"action\": \"subscribe\", \"n\": -0.5, "
		  "\"t\": true, \"f\": false, \"letter\": \"c\"}", 'C' },
		{ "{\"\\u0061ction\": \"\\u0073ubscribe\", \"letter\": \"d\"}",
		  'D' },
		{ "{\"action\":\"subscribe\",\"letter\":\"E\"}", 'E' },
		{ "{\"action\": \"subscribe\", \"letter\": \"\\u0066\", "
		  "\"note\": \"caf\xc3\xa9 \\ud83d\\ude00\"}", 'F' },
	};
	char q[120];
	size_t i;
	int rc;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		rc = dial_ws(&c3);
		if (rc == 0 && (rc = wsc_send_text(&c3, ok[i].text,
		    t_wait)) < 0)
			wfail(&c3);
		if (rc == 0)
			rc = expect_value(&c3, ok[i].letter, NULL);
		CHECK(rc == 0, "command %s: %s", wsc_quote(q, sizeof q,
		    ok[i].text, strlen(ok[i].text)), why);
		wsc_close(&c3);
	}
}

/* --- framing ------------------------------------------------------------ */

/* A command in three fragments, a ping after the first: the pong comes
 * before the rest is even sent (RFC 6455 5.4: control frames may be
 * injected in the middle of a fragmented message, and answered there). */
static void
test_fragments_and_ping(void)
{
	static const char p1[] = "{\"action\": \"sub", p2[] = "scribe\", \"le",
	    p3[] = "tter\": \"g\"}";
	int rc = dial_ws(&c3);

	if (rc == 0 && (wsc_send_frame(&c3, WSC_OP_TEXT, p1, strlen(p1),
	    t_wait) < 0))
		rc = wfail(&c3);
	if (rc == 0 && (rc = ping_pong(&c3, "between", 7)) < 0)
		whyctx("ping after the first fragment");
	if (rc == 0 && (wsc_send_frame(&c3, WSC_OP_CONT, p2, strlen(p2),
	    t_wait) < 0 || wsc_send_frame(&c3, WSC_FIN | WSC_OP_CONT, p3,
	    strlen(p3), t_wait) < 0))
		rc = wfail(&c3);
	if (rc == 0)
		rc = expect_value(&c3, 'G', NULL);
	CHECK(rc == 0, "a command in three fragments with a ping between: "
	    "%s", why);
	wsc_close(&c3);
}

/* Twenty frames in one write; each gets its answer, in order. */
static void
test_many_frames(void)
{
	uint8_t buf[2048];
	char cmd[64];
	size_t n = 0, k;
	int i, rc;

	for (i = 0; i < 20; i++) {
		k = command(cmd, sizeof cmd, "unsubscribe",
		    (i & 1 ? 'a' : 'A') + i);
		n += wsc_frame(buf + n, sizeof buf - n, WSC_FIN | WSC_OP_TEXT,
		    1, cmd, k);
	}
	k = command(cmd, sizeof cmd, "subscribe", 'u');
	n += wsc_frame(buf + n, sizeof buf - n, WSC_FIN | WSC_OP_TEXT, 1, cmd,
	    k);

	rc = dial_ws(&c3);
	if (rc == 0 && wsc_send(&c3, buf, n, t_wait) < 0)
		rc = wfail(&c3);
	for (i = 0; rc == 0 && i < 20; i++)
		if ((rc = recv_msg(&c3, "an answer")) == 0 &&
		    !is_need_sub(&msg, 'A' + i))
			rc = whyf("answer %d: expected {\"%c\": \"%s\"}, got "
			    "%s", i + 1, 'A' + i, need_sub, wsc_show(&msg));
	if (rc == 0)
		rc = expect_value(&c3, 'U', NULL);
	CHECK(rc == 0, "21 commands in one write: %s", why);
	wsc_close(&c3);
}

static void
test_frame_byte_at_a_time(void)
{
	uint8_t frame[64];
	char cmd[64];
	size_t n;
	int rc;

	n = command(cmd, sizeof cmd, "subscribe", 'v');
	n = wsc_frame(frame, sizeof frame, WSC_FIN | WSC_OP_TEXT, 1, cmd, n);
	rc = dial_ws(&c3);
	if (rc == 0 && wsc_send_slowly(&c3, frame, n, 1, 1, t_wait) < 0)
		rc = wfail(&c3);
	if (rc == 0)
		rc = expect_value(&c3, 'V', NULL);
	CHECK(rc == 0, "a frame one byte per write: %s", why);
	wsc_close(&c3);
}

static void
test_pings(void)
{
	uint8_t big[125];
	int rc;

	wsc_random(big, sizeof big);
	rc = dial_ws(&c3);
	if (rc == 0)
		rc = ping_pong(&c3, "", 0);
	CHECK(rc == 0, "ping without payload: %s", why);
	if (rc == 0)
		rc = ping_pong(&c3, big, sizeof big);
	CHECK(rc == 0, "ping with 125 bytes: %s", why);

	/* RFC 6455 5.5.3: an unsolicited pong needs no answer. */
	if (rc == 0 && (wsc_send_frame(&c3, WSC_FIN | WSC_OP_PONG, "x", 1,
	    t_wait) < 0 || wsc_send_frame(&c3, WSC_FIN | WSC_OP_PONG, big,
	    sizeof big, t_wait) < 0 || send_cmd(&c3, "unsubscribe", 'w') < 0))
		rc = wfail(&c3);
	if (rc == 0 && (rc = recv_msg(&c3, "an answer")) == 0 &&
	    !is_need_sub(&msg, 'W'))
		rc = whyf("expected {\"W\": \"%s\"} after two pongs, got %s",
		    need_sub, wsc_show(&msg));
	CHECK(rc == 0, "unsolicited pongs are ignored: %s", why);
	wsc_close(&c3);
}

/* --- closing and protocol errors ---------------------------------------- */

/* Sends n bytes of raw frames on a fresh WebSocket and expects close
 * `code`, then the end of the connection. */
static int
expect_close_after(const void *bytes, size_t n, int code)
{
	int rc = dial_ws(&c3);

	if (rc == 0 && wsc_send(&c3, bytes, n, t_wait) < 0)
		rc = wfail(&c3);
	if (rc == 0 && wsc_expect_close(&c3, code, t_wait) < 0)
		rc = wfail(&c3);
	wsc_close(&c3);
	return rc;
}

/* The same for one frame, masked, with the given first byte. */
static int
frame_then_close(unsigned first_byte, const void *payload, size_t n,
                 int code)
{
	uint8_t buf[4200];
	size_t len;

	len = wsc_frame(buf, sizeof buf, first_byte, 1, payload, n);
	return expect_close_after(buf, len, code);
}

static int
close_code_then(int sent, int code)
{
	uint8_t p[2];

	p[0] = (uint8_t)(sent >> 8);
	p[1] = (uint8_t)sent;
	return frame_then_close(WSC_FIN | WSC_OP_CLOSE, p, 2, code);
}

static void
test_close_codes(void)
{
	/* RFC 6455 7.4.1-7.4.2: the codes a close frame may carry. */
	static const int valid[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
	    1010, 1011, 3000, 3999, 4000, 4999 };
	static const int invalid[] = { 0, 999, 1004, 1005, 1006, 1015, 1016,
	    1100, 2000, 2999, 5000, 65535 };
	size_t i;

	for (i = 0; i < sizeof valid / sizeof valid[0]; i++)
		CHECK(close_code_then(valid[i], valid[i]) == 0, "close %d is "
		    "echoed: %s", valid[i], why);
	CHECK(frame_then_close(WSC_FIN | WSC_OP_CLOSE, "", 0, 1000) == 0,
	    "close without payload is answered with 1000: %s", why);
	CHECK(frame_then_close(WSC_FIN | WSC_OP_CLOSE, "\x03\xe8" "bye", 5,
	    1000) == 0, "close 1000 with reason \"bye\": %s", why);
	for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
		CHECK(close_code_then(invalid[i], 1002) == 0, "close %d is "
		    "invalid: %s", invalid[i], why);
	CHECK(frame_then_close(WSC_FIN | WSC_OP_CLOSE, "\x03", 1, 1002) == 0,
	    "close with a 1-byte payload: %s", why);
	CHECK(frame_then_close(WSC_FIN | WSC_OP_CLOSE, "\x03\xe8" "a\xff", 4,
	    1007) == 0, "close reason that is not UTF-8: %s", why);
}

static void
test_framing_errors(void)
{
	static const unsigned rsv[] = { WSC_RSV1, WSC_RSV2, WSC_RSV3 };
	static const unsigned ops[] = { 0x3, 0x7, 0xB, 0xF };
	uint8_t buf[512], big[126];
	char cmd[64];
	size_t n, k, i;

	k = command(cmd, sizeof cmd, "subscribe", 'a');
	n = wsc_frame(buf, sizeof buf, WSC_FIN | WSC_OP_TEXT, 0, cmd, k);
	CHECK(expect_close_after(buf, n, 1002) == 0, "unmasked frame: %s",
	    why);
	for (i = 0; i < 3; i++)
		CHECK(frame_then_close(WSC_FIN | rsv[i] | WSC_OP_TEXT, cmd, k,
		    1002) == 0, "text frame with RSV bit 0x%02x: %s", rsv[i],
		    why);
	for (i = 0; i < 4; i++)
		CHECK(frame_then_close(WSC_FIN | ops[i], "abc", 3, 1002) == 0,
		    "opcode 0x%x: %s", ops[i], why);
	CHECK(frame_then_close(WSC_OP_PING, "abc", 3, 1002) == 0,
	    "ping without FIN: %s", why);
	memset(big, 'p', sizeof big);
	CHECK(frame_then_close(WSC_FIN | WSC_OP_PING, big, 126, 1002) == 0,
	    "ping with 126 bytes: %s", why);
	CHECK(frame_then_close(WSC_FIN | WSC_OP_CONT, "abc", 3, 1002) == 0,
	    "continuation with nothing to continue: %s", why);

	n = wsc_frame(buf, sizeof buf, WSC_OP_TEXT, 1, "{\"action\"", 9);
	n += wsc_frame(buf + n, sizeof buf - n, WSC_FIN | WSC_OP_TEXT, 1, cmd,
	    k);
	CHECK(expect_close_after(buf, n, 1002) == 0, "a new text message "
	    "inside a fragmented one: %s", why);

	/* RFC 6455 5.2: "the most significant bit MUST be 0". */
	n = wsc_frame_ex(buf, sizeof buf, WSC_FIN | WSC_OP_TEXT, 1, WSC_LEN_64,
	    0x8000000000000010ull, NULL, 0);
	CHECK(expect_close_after(buf, n, 1002) == 0, "64-bit length with "
	    "the top bit set: %s", why);

	CHECK(frame_then_close(WSC_FIN | WSC_OP_BINARY, "abc", 3, 1003) == 0,
	    "binary message: %s", why);
}

static void
test_utf8(void)
{
	static const uint8_t early[10] = { '{', '"', 'x', '"', ':', '"', 0xC0,
	    0xAF, 'a', 'b' };
	static const char f1[] = "{\"x\": \"ab\xe2\x82", f2[] = "(\"}";
	static const char g1[] = "{\"action\": \"subscribe\", \"letter\": "
	    "\"g\", \"x\": \"\xe2\x82", g2[] = "\xac\"}";
	uint8_t buf[64];
	size_t n;
	int rc;

	CHECK(frame_then_close(WSC_FIN | WSC_OP_TEXT, "{\"a\xff\"}", 6,
	    1007) == 0, "text that is not UTF-8: %s", why);

	/* RFC 6455 8.1 asks to fail fast: the 0xC0 is enough, the other 190
	 * bytes the header announces are never sent. */
	n = wsc_frame_ex(buf, sizeof buf, WSC_FIN | WSC_OP_TEXT, 1,
	    WSC_LEN_SHORTEST, 200, early, sizeof early);
	CHECK(expect_close_after(buf, n, 1007) == 0, "200-byte text frame "
	    "with C0 AF in its first 10 bytes, the rest never sent: %s", why);

	/* E2 82 is a valid beginning; 28 cannot continue it.  The ping in
	 * between shows the server did not judge the first fragment alone. */
	rc = dial_ws(&c3);
	if (rc == 0 && wsc_send_frame(&c3, WSC_OP_TEXT, f1, strlen(f1),
	    t_wait) < 0)
		rc = wfail(&c3);
	if (rc == 0 && (rc = ping_pong(&c3, "ok?", 3)) < 0)
		whyctx("a fragment ending in E2 82 must not fail yet");
	if (rc == 0 && wsc_send_frame(&c3, WSC_FIN | WSC_OP_CONT, f2,
	    strlen(f2), t_wait) < 0)
		rc = wfail(&c3);
	if (rc == 0 && wsc_expect_close(&c3, 1007, t_wait) < 0)
		rc = wfail(&c3);
	CHECK(rc == 0, "invalid UTF-8 across fragments (E2 82 | 28): %s",
	    why);
	wsc_close(&c3);

	/* The euro sign, E2 82 AC, split the same way, is fine. */
	rc = dial_ws(&c3);
	if (rc == 0 && (wsc_send_frame(&c3, WSC_OP_TEXT, g1, strlen(g1),
	    t_wait) < 0 || wsc_send_frame(&c3, WSC_FIN | WSC_OP_CONT, g2,
	    strlen(g2), t_wait) < 0))
		rc = wfail(&c3);
	if (rc == 0)
		rc = expect_value(&c3, 'G', NULL);
	CHECK(rc == 0, "a character split across fragments (E2 82 | AC): %s",
	    why);
	wsc_close(&c3);
}

/* A subscribe to letter padded with spaces (JSON whitespace) to n bytes,
 * the spaces before the command or after it.  Not NUL-terminated. */
static char *
padded_command(int letter, size_t n, int spaces_first)
{
	char cmd[64], *p;
	size_t k = command(cmd, sizeof cmd, "subscribe", letter);

	if (n < k || (p = malloc(n)) == NULL)
		return NULL;
	memset(p, ' ', n);
	memcpy(spaces_first ? p + n - k : p, cmd, k);
	return p;
}

/* The size limit, `limit` bytes (-m), tested at its edge. */
static void
test_size_limit(size_t limit)
{
	size_t cap = limit + 64, n, half = limit / 2;
	uint8_t *buf = malloc(cap);
	char *fits = padded_command('h', limit, 0);
	char *over = padded_command('h', limit + 1, 1);
	int rc;

	if (buf == NULL || fits == NULL || over == NULL) {
		CHECK(0, "out of memory");
		goto out;
	}
	n = wsc_frame(buf, cap, WSC_FIN | WSC_OP_TEXT, 1, fits, limit);
	rc = dial_ws(&c3);
	if (rc == 0 && wsc_send(&c3, buf, n, t_wait) < 0)
		rc = wfail(&c3);
	if (rc == 0)
		rc = expect_value(&c3, 'H', NULL);
	CHECK(rc == 0, "a %zu-byte message: %s", limit, why);
	wsc_close(&c3);

	/* limit + 1 announced, nothing sent: the header alone decides. */
	n = wsc_frame_ex(buf, cap, WSC_FIN | WSC_OP_TEXT, 1, WSC_LEN_SHORTEST,
	    limit + 1, NULL, 0);
	CHECK(expect_close_after(buf, n, 1009) == 0, "a frame header "
	    "announcing %zu bytes, and no payload: %s", limit + 1, why);

	n = wsc_frame(buf, cap, WSC_FIN | WSC_OP_TEXT, 1, over, limit + 1);
	CHECK(expect_close_after(buf, n, 1009) == 0, "a %zu-byte message: %s",
	    limit + 1, why);

	/* Spaces first, so that each fragment is a valid beginning and only
	 * the sum is too big. */
	n = wsc_frame(buf, cap, WSC_OP_TEXT, 1, over, half);
	n += wsc_frame(buf + n, cap - n, WSC_FIN | WSC_OP_CONT, 1, over + half,
	    limit + 1 - half);
	CHECK(expect_close_after(buf, n, 1009) == 0, "fragments of %zu and "
	    "%zu bytes: %s", half, limit + 1 - half, why);
out:
	free(buf);
	free(fits);
	free(over);
}

static void
group_ws(void)
{
	test_first_value_and_rate();
	if (c1.fd != -1 && test_order() == 0) {
		test_same_values();
		if (c2.fd != -1)
			test_resubscribe();
		test_unsubscribe();
	}
	wsc_close(&c1);
	wsc_close(&c2);
	test_not_subscribed();
	test_bad_commands();
	test_command_variants();
	test_fragments_and_ping();
	test_many_frames();
	test_frame_byte_at_a_time();
	test_pings();
	test_close_codes();
	test_framing_errors();
	test_utf8();
	test_size_limit(4096);
}

/* --- keepalive (-k 1) --------------------------------------------------- */

/* c1 answers pings and must stay; c2 does not and must be dropped. */
static void
group_keepalive(void)
{
	long long t0, end, dropped = -1;
	struct wsc_frame f;
	int rc1, rc2, rc;

	rc1 = dial_ws(&c1);
	CHECK(rc1 == 0, "client that answers pings: %s", why);
	rc2 = dial_ws(&c2);
	CHECK(rc2 == 0, "client that never answers: %s", why);
	if (rc1 < 0 || rc2 < 0)
		return;
	c1.auto_pong = 1;
	t0 = wsc_now_ms();
	end = t0 + 3500;
	while (rc1 == 0 && wsc_now_ms() < end) {
		rc = wsc_next_frame(&c1, &f, 20);
		if (rc == WSC_TIMEOUT)
			rc = 0;
		else if (rc == 0 && f.opcode != WSC_OP_PING)
			rc = whyf("expected only pings, got opcode 0x%x",
			    f.opcode);
		else if (rc < 0)
			wfail(&c1);
		rc1 = rc;

		/* c2 reads without answering, until a close or the end. */
		while (dropped < 0 && (rc = wsc_next_frame(&c2, &f, 5)) !=
		    WSC_TIMEOUT) {
			if (rc == WSC_CLOSED || (rc == 0 &&
			    f.opcode == WSC_OP_CLOSE))
				dropped = wsc_now_ms() - t0;
			else if (rc < 0) {
				dropped = wsc_now_ms() - t0;
				CHECK(0, "silent client: %s", c2.err);
			}
		}
	}
	/* Still there, and still served? */
	if (rc1 == 0 && (rc1 = send_cmd(&c1, "unsubscribe", 'k')) == 0 &&
	    (rc1 = recv_msg(&c1, "an answer")) == 0 &&
	    !is_need_sub(&msg, 'K'))
		rc1 = whyf("expected {\"K\": \"%s\"}, got %s", need_sub,
		    wsc_show(&msg));
	CHECK(rc1 == 0, "a client that answers pings stays for 3.5 s at "
	    "-k 1: %s", why);
	CHECK(c1.pings >= 2, "expected at least 2 pings in 3.5 s at -k 1, "
	    "got %lu", c1.pings);
	CHECK(dropped >= 0 && dropped <= 3000, "a client that never answers "
	    "pings must be dropped within 3 s at -k 1: %s %lld ms (%lu pings)",
	    dropped < 0 ? "still there after" : "dropped after",
	    dropped < 0 ? wsc_now_ms() - t0 : dropped, c2.pings);
	printf("%lu pings in 3.5 s; the silent client was %s "
	    "after %lld ms\n", c1.pings, dropped < 0 ? "still there" :
	    "dropped", dropped < 0 ? wsc_now_ms() - t0 : dropped);
	wsc_close(&c1);
	wsc_close(&c2);
}

/* --- max clients (-c 2) ------------------------------------------------- */

static void
group_maxclients(void)
{
	char key[25], req[256];
	long long end;
	int rc, tries = 0;

	rc = dial_ws(&c1);
	CHECK(rc == 0, "first client: %s", why);
	rc = dial_ws(&c2);
	CHECK(rc == 0, "second client: %s", why);

	wsc_key(key);
	snprintf(req, sizeof req, "GET /ws HTTP/1.1\r\nHost: t\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n", key);
	rc = http_error_str(req, 503);
	if (rc == 0 && wsc_http_field(&resp, "Retry-After") == NULL)
		rc = whyf("503 without Retry-After");
	CHECK(rc == 0, "third client at -c 2: %s", why);

	/* The first leaves with a close handshake; once the server has
	 * closed its end, its place is free.  Retries cover the moment
	 * between the server's close and its bookkeeping, if any. */
	rc = c1.fd == -1 ? whyf("it never connected") : 0;
	if (rc == 0 && (wsc_send_close(&c1, 1000, NULL, t_wait) < 0 ||
	    wsc_expect_close(&c1, 1000, t_wait) < 0))
		rc = wfail(&c1);
	CHECK(rc == 0, "first client leaves: %s", why);
	wsc_close(&c1);
	end = wsc_now_ms() + 1000;
	for (;;) {
		tries++;
		if ((rc = dial_ws(&c4)) == 0 || wsc_now_ms() >= end)
			break;
		wsc_sleep_ms(20);
	}
	if (rc == 0 && (rc = send_cmd(&c4, "subscribe", 'm')) == 0)
		rc = expect_value(&c4, 'M', NULL);
	CHECK(rc == 0, "a new client after one left (%d tries): %s", tries,
	    why);
	wsc_close(&c2);
	wsc_close(&c4);
}

/* --- shutdown: SIGTERM to the server ------------------------------------ */

static void
group_shutdown(pid_t pid)
{
	struct wsc_conn *cs[3] = { &c1, &c2, &c3 };
	long long t0, ms;
	int i, rc;

	for (i = 0; i < 3; i++) {
		rc = dial_ws(cs[i]);
		if (rc == 0)
			rc = send_cmd(cs[i], "subscribe", 's');
		if (rc == 0)
			rc = expect_value(cs[i], 'S', NULL);
		CHECK(rc == 0, "client %d subscribes: %s", i + 1, why);
	}
	if (kill(pid, SIGTERM) == -1) {
		CHECK(0, "kill(%ld, SIGTERM) failed", (long)pid);
		return;
	}
	t0 = wsc_now_ms();
	/* The clients are read one after another, but the kernel keeps what
	 * the server sent to each, so each time is an upper bound. */
	for (i = 0; i < 3; i++) {
		if (cs[i]->fd == -1)
			continue;
		rc = wsc_expect_close(cs[i], 1001, 3000);
		ms = wsc_now_ms() - t0;
		CHECK(rc == 0, "client %d: %s", i + 1, cs[i]->err);
		CHECK(ms <= 1000, "client %d: close 1001 and the end of the "
		    "connection took %lld ms, expected at most 1000", i + 1,
		    ms);
		printf("client %d had close 1001 and the end of the "
		    "connection %lld ms after SIGTERM\n", i + 1, ms);
		wsc_close(cs[i]);
	}
}

/* --- churn: clients come and go in every way ---------------------------- */

/*
 * A hundred clients at once, driven from one poll loop: each connection is
 * a small state machine, and every connection is read whenever it is
 * readable.  Reading them one after another would not do: the server may
 * ping every second (-k 1), and a client left unread for two seconds while
 * the others are served would rightly be dropped.
 */
#define CHURN 100

enum churn_state {
	CH_UPGRADE,     /* request sent, waiting for 101 */
	CH_SUBSCRIBE,   /* 5 subscribes and a marker sent */
	CH_UNSUBSCRIBE, /* 2 unsubscribes and a marker sent */
	CH_IDLE,        /* receiving values of the three letters left */
	CH_STEADY,      /* ... and two of each have come */
	CH_CLOSING,     /* close 1000 sent, waiting for the server's */
	CH_CLOSED,      /* close 1000 received, waiting for the end */
	CH_GONE         /* done, or failed */
};

static const char *const churn_names[] = { "upgrading", "subscribing",
	"unsubscribing", "idle", "steady", "closing", "waiting for the end",
	"gone" };

static struct churn_client {
	struct wsc_conn c;
	enum churn_state state;
	int seen[26];     /* values received per letter while subscribing */
} churn[CHURN];

/* Client i's letters: k = 0..4 are its five, 5 and 6 two it never takes
 * (their unsubscribe answers are its markers). */
static int
churn_letter(int i, int k)
{
	return 'A' + (i * 7 + k * 5) % 26;
}

/* Sends `action` for letters from..to-1 and the marker k, in one write. */
static int
churn_send(int i, const char *action, int from, int to, int marker)
{
	uint8_t buf[512];
	char cmd[64];
	size_t n = 0, k;
	int j;

	for (j = from; j < to; j++) {
		k = command(cmd, sizeof cmd, action, churn_letter(i, j) + 32);
		n += wsc_frame(buf + n, sizeof buf - n, WSC_FIN | WSC_OP_TEXT,
		    1, cmd, k);
	}
	k = command(cmd, sizeof cmd, "unsubscribe", churn_letter(i, marker));
	n += wsc_frame(buf + n, sizeof buf - n, WSC_FIN | WSC_OP_TEXT, 1, cmd,
	    k);
	return wsc_send(&churn[i].c, buf, n, t_wait) == 0 ? 0 :
	    wfail(&churn[i].c);
}

/* One text frame of the server's, as a message for wsc_value() and co. */
static void
frame_to_msg(const struct wsc_frame *f)
{
	msg.opcode = f->opcode;
	msg.code = -1;
	msg.len = f->len < WSC_MSG_MAX ? f->len : WSC_MSG_MAX;
	memcpy(msg.data, f->payload, msg.len);
	msg.data[msg.len] = '\0';
}

/* Handles one frame for client i in its present state. */
static int
churn_frame(int i, const struct wsc_frame *f)
{
	struct churn_client *k = &churn[i];
	int j, l;

	if (f->opcode == WSC_OP_PING || f->opcode == WSC_OP_PONG)
		return 0;
	if (f->opcode == WSC_OP_CLOSE) {
		int code = f->len >= 2 ? f->payload[0] << 8 | f->payload[1] :
		    -1;

		if (k->state != CH_CLOSING)
			return whyf("unexpected close %d while %s", code,
			    churn_names[k->state]);
		if (code != 1000)
			return whyf("expected close 1000, got close %d", code);
		k->state = CH_CLOSED;
		return 0;
	}
	if (k->state == CH_CLOSED)
		return whyf("a frame after the close frame");
	if (f->opcode != WSC_OP_TEXT || !f->fin)
		return whyf("expected a whole text message, got opcode 0x%x "
		    "fin %u", f->opcode, f->fin);
	frame_to_msg(f);
	if ((l = wsc_value(&msg, NULL)) != 0) {
		k->seen[l - 'A']++;
		if (k->state != CH_IDLE)
			return 0;
		/* After the marker, a dropped letter must not come again. */
		if (l == churn_letter(i, 0) || l == churn_letter(i, 1))
			return whyf("a value of %c after unsubscribing from it",
			    l);
		for (j = 2; j < 5; j++)
			if (k->seen[churn_letter(i, j) - 'A'] < 2)
				return 0;
		k->state = CH_STEADY;
		return 0;
	}
	if (k->state == CH_SUBSCRIBE && is_need_sub(&msg, churn_letter(i, 5))) {
		/* The marker is answered after the five subscribes, so
		 * their five values have come. */
		for (j = 0; j < 5; j++)
			if (k->seen[churn_letter(i, j) - 'A'] == 0)
				return whyf("no value of %c before the answer "
				    "to the next command", churn_letter(i, j));
		k->state = CH_UNSUBSCRIBE;
		return churn_send(i, "unsubscribe", 0, 2, 6);
	}
	if (k->state == CH_UNSUBSCRIBE &&
	    is_need_sub(&msg, churn_letter(i, 6))) {
		memset(k->seen, 0, sizeof k->seen);
		k->state = CH_IDLE;
		return 0;
	}
	return whyf("unexpected %s while %s", wsc_show(&msg),
	    churn_names[k->state]);
}

/* Handles all that has come for client i, without waiting. */
static int
churn_input(int i)
{
	struct churn_client *k = &churn[i];
	struct wsc_frame f;
	int rc;

	if (k->state == CH_UPGRADE) {
		rc = wsc_upgrade_recv(&k->c, &resp, 0);
		wsc_http_free(&resp);
		if (rc == WSC_TIMEOUT)
			return 0;
		if (rc < 0)
			return wfail(&k->c);
		k->state = CH_SUBSCRIBE;
		if (churn_send(i, "subscribe", 0, 5, 5) < 0)
			return -1;
	}
	for (;;) {
		rc = wsc_next_frame(&k->c, &f, 0);
		if (rc == WSC_TIMEOUT)
			return 0;
		if (rc == WSC_CLOSED && k->state == CH_CLOSED) {
			k->state = CH_GONE;
			return 0;
		}
		if (rc < 0)
			return whyf("while %s: %s", churn_names[k->state],
			    k->c.err);
		if (churn_frame(i, &f) < 0)
			return -1;
	}
}

/*
 * Runs the loop until every client still there has reached state `until`
 * (or gone further).  The deadline moves on with every step a client makes,
 * so a slow server (valgrind) passes as long as it keeps moving.  Returns
 * the number of clients that failed; the first failure is a check.
 */
static int
churn_run(enum churn_state until, const char *phase)
{
	static struct pollfd pfd[CHURN];
	static int who[CHURN];
	long long deadline = wsc_now_ms() + t_wait;
	enum churn_state before;
	int i, n, waiting, failed = 0, rc;

	for (;;) {
		waiting = n = 0;
		for (i = 0; i < CHURN; i++) {
			if (churn[i].c.fd == -1)
				continue;
			if (churn[i].state < until)
				waiting++;
			pfd[n].fd = churn[i].c.fd;
			pfd[n].events = POLLIN;
			who[n++] = i;
		}
		if (waiting == 0)
			return failed;
		if (wsc_now_ms() >= deadline) {
			for (i = 0; churn[i].c.fd == -1 ||
			    churn[i].state >= until; i++)
				;
			CHECK(0, "%s: %d clients made no progress for %d ms; "
			    "client %d is still %s", phase, waiting, t_wait, i,
			    churn_names[churn[i].state]);
			return failed + waiting;
		}
		if (poll(pfd, (nfds_t)n, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			before = churn[who[i]].state;
			rc = churn_input(who[i]);
			if (rc < 0) {
				if (failed++ == 0)
					CHECK(0, "%s: client %d: %s", phase,
					    who[i], why);
				wsc_close(&churn[who[i]].c);
			}
			if (rc < 0 || churn[who[i]].state != before)
				deadline = wsc_now_ms() + t_wait;
			if (churn[who[i]].state == CH_GONE)
				wsc_close(&churn[who[i]].c);
		}
	}
}

static void
group_churn(void)
{
	int i, up = 0, failed, closing = 0, rc;

	t_wait = 10000;
	for (i = 0; i < CHURN; i++) {
		churn[i].state = CH_UPGRADE;
		memset(churn[i].seen, 0, sizeof churn[i].seen);
		if (dial(&churn[i].c) < 0 ||
		    wsc_upgrade_send(&churn[i].c, "/ws", t_wait) < 0) {
			if (up == i)
				CHECK(0, "churn client %d: %s", i,
				    churn[i].c.err);
			wsc_close(&churn[i].c);
			continue;
		}
		churn[i].c.auto_pong = 1;
		up++;
	}
	CHECK(up == CHURN, "%d of %d clients connected", up, CHURN);

	/* Upgrade, subscribe to five letters, unsubscribe from two, see
	 * two ticks of the other three. */
	failed = churn_run(CH_STEADY, "upgrade, subscribe, unsubscribe");
	CHECK(failed == 0, "%d of %d clients upgraded, subscribed, "
	    "unsubscribed and received the rest", up - failed, up);

	/* Leave: a third with the close handshake, a third by closing the
	 * socket, a third by reset. */
	for (i = 0; i < CHURN; i++) {
		if (churn[i].c.fd == -1)
			continue;
		if (i % 3 == 0) {
			closing++;
			churn[i].state = CH_CLOSING;
			if (wsc_send_close(&churn[i].c, 1000, "bye",
			    t_wait) < 0)
				wsc_close(&churn[i].c);
		} else if (i % 3 == 1) {
			wsc_close(&churn[i].c);
		} else {
			wsc_abort(&churn[i].c);
		}
	}
	failed = churn_run(CH_GONE, "close handshakes");
	CHECK(failed == 0 && closing == (CHURN + 2) / 3, "%d of %d close "
	    "handshakes completed", closing - failed, (CHURN + 2) / 3);

	/* The server still serves. */
	rc = dial_ws(&c1);
	c1.auto_pong = 1;
	if (rc == 0)
		rc = send_cmd(&c1, "subscribe", 'a');
	if (rc == 0)
		rc = expect_value(&c1, 'A', NULL);
	CHECK(rc == 0, "a new client after the churn: %s", why);
	wsc_close(&c1);
}

/* ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	const char *group;

	if (argc < 3 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: itest PORT GROUP [PID]\n"
		    "groups: http ws keepalive maxclients msglimit "
		    "shutdown PID churn\n");
		return 2;
	}
	group = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Writes to a closed connection must be errors, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	c1.fd = c2.fd = c3.fd = c4.fd = hc.fd = -1;
	if (getenv("WSC_SEED") != NULL)
		wsc_seed(strtoull(getenv("WSC_SEED"), NULL, 10));

	if (strcmp(group, "http") == 0)
		group_http();
	else if (strcmp(group, "ws") == 0)
		group_ws();
	else if (strcmp(group, "keepalive") == 0)
		group_keepalive();
	else if (strcmp(group, "maxclients") == 0)
		group_maxclients();
	else if (strcmp(group, "msglimit") == 0)
		test_size_limit(100);
	else if (strcmp(group, "shutdown") == 0 && argc > 3 &&
	    atol(argv[3]) > 0)
		group_shutdown((pid_t)atol(argv[3]));
	else if (strcmp(group, "churn") == 0)
		group_churn();
	else {
		fprintf(stderr, "itest: unknown group \"%s\" (shutdown needs "
		    "a PID)\n", group);
		return 2;
	}
	wsc_http_free(&resp);
	return CHECK_DONE();
}
