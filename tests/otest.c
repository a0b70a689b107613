/* SPDX-License-Identifier: ISC */
/*
 * otest.c - the Origin policy of the WebSocket upgrade, end to end, against
 * a running letterd (or nginx in front of one).
 *
 * usage: otest PORT GROUP [PID]
 *
 * Each group expects the server to have been started with particular flags
 * (tests/integration.sh and tests/nginx.sh do that):
 *
 *   default     -i 50        the same origin only: an Origin whose host and
 *                            port are the Host's, compared without case, a
 *                            port left out being the Origin scheme's
 *                            default; no Origin at all; everything else
 *                            refused with the exact 403; GET and HEAD not
 *                            affected
 *   listed      -o http://example.com:8080 -o HTTPS://Letters.Example.COM
 *               -o HTTP://Other.Example:80
 *                            those origins (scheme, host and port) with any
 *                            valid Host, the same origin still, the rest
 *                            refused
 *   any         -o '*'       every Origin and every Host
 *   any-listed  -o http://example.com:8080 -o '*'   the same
 *   counted     -M -c 1      letterd_origin_refused_total, and the order of
 *                            the checks: 426 and 400 before 403, 403 before
 *                            503
 *   logged      -v           a refused upgrade is logged, once; the log is
 *                            the file named by OTEST_LOG (the server's
 *                            stderr)
 *   proxied     PORT is nginx (tests/nginx.sh) in front of relays with the
 *               default policy and "proxy_set_header Host $http_host": a
 *               page of nginx's own address gets values, a foreign one 403
 *
 * Every case is one CHECK, whatever its outcome, and says in one line what
 * was sent, what was expected and what came.  Every wait is bounded.
 */
#include "check.h"
#include "why.h"
#include "wsc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int port;         /* the server's, "{P}" in the cases */
static int other_port;   /* another one, "{Q}" */
static int t_wait = 3000;
/* 0 through a proxy: nginx sends its own Connection field and keeps its
 * side of the connection open after the 403. */
static int direct = 1;

static struct wsc_conn c1, c2;
static struct wsc_conn hc;   /* request()'s, so it leaves c1 and c2 alone */
static struct wsc_http resp;
static struct wsc_msg msg;

/* The body of every refusal (route.c; http_error's "STATUS REASON: why"). */
static const char forbidden[] = "403 Forbidden: this page's origin may not "
    "open a WebSocket here; start letterd with -o ORIGIN to allow it\n";

/* --- building requests -------------------------------------------------- */

/* tmpl with each "{P}" replaced by the port and each "{Q}" by another. */
static const char *
expand(char *out, size_t cap, const char *tmpl)
{
	size_t o = 0;

	while (*tmpl && o + 8 < cap) {
		if (tmpl[0] == '{' && (tmpl[1] == 'P' || tmpl[1] == 'Q') &&
		    tmpl[2] == '}') {
			o += (size_t)snprintf(out + o, cap - o, "%d",
			    tmpl[1] == 'P' ? port : other_port);
			tmpl += 3;
		} else {
			out[o++] = *tmpl++;
		}
	}
	out[o] = '\0';
	return out;
}

/* `Host "...", "Origin: ..." "Origin: ..."`, for a failure line. */
static const char *
req_desc(const char *host, const char *fields)
{
	static char out[700];
	char q[200];
	const char *e;
	size_t o;

	o = (size_t)snprintf(out, sizeof out, "Host %s,", host ? wsc_quote(q,
	    sizeof q, host, strlen(host)) : "(none)");
	if (!*fields)
		snprintf(out + o, sizeof out - o, " no Origin");
	for (; *fields && o < sizeof out; fields = e + 2) {
		if ((e = strstr(fields, "\r\n")) == NULL)
			e = fields + strlen(fields) - 2;
		o += (size_t)snprintf(out + o, sizeof out - o, " %s", wsc_quote(q,
		    sizeof q, fields, (size_t)(e - fields)));
	}
	return out;
}

static int
dial(struct wsc_conn *c)
{
	return wsc_connect(c, "127.0.0.1", port, t_wait) == 0 ? 0 : wfail(c);
}

/*
 * An upgrade of path on a fresh connection, with Host host (NULL: no Host
 * line) and the header lines `fields` (say "Origin: ...\r\n"; "" for
 * none), both expanded, then tail_n bytes of tail in the same write.
 * Returns 101 for a
 * good 101, the status of any other response (left in resp), or -1 with
 * why[] set when no response could be read or a 101 was wrong.
 */
static int
upgrade(struct wsc_conn *c, const char *path, const char *host,
        const char *fields, const void *tail, size_t tail_n)
{
	char head[2048], h[400], f[1024];
	int rc;

	wsc_http_free(&resp);
	resp.status = 0;
	if (host)
		host = expand(h, sizeof h, host);
	fields = expand(f, sizeof f, fields);
	if (dial(c) < 0)
		return -1;
	if (snprintf(head, sizeof head, "GET %s HTTP/1.1\r\n%s%s%s"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s", path, host ? "Host: " : "",
	    host ? host : "", host ? "\r\n" : "", fields) >= (int)sizeof head)
		return whyf("request over %zu bytes", sizeof head);
	rc = wsc_upgrade_raw(c, head, tail, tail_n, &resp, t_wait);
	if (rc == 0)
		return 101;
	if (resp.status <= 0 || resp.status == 101)
		return wfail(c);
	return resp.status;
}

/* --- what must come back ------------------------------------------------ */

/* The refusal, exactly: the status line, a text/plain body that names -o,
 * nothing of a handshake, and (straight to letterd) Connection: close and
 * the end of the connection. */
static int
check_403(struct wsc_conn *c)
{
	const char *ct = wsc_http_field(&resp, "Content-Type");
	char q[200];

	if (resp.status != 403)
		return whyf("expected 403, got %d", resp.status);
	if (strncmp(resp.head, "HTTP/1.1 403 Forbidden\r\n", 24) != 0)
		return whyf("expected the status line \"HTTP/1.1 403 "
		    "Forbidden\", got %s", wsc_quote(q, sizeof q, resp.head,
		    strcspn(resp.head, "\r")));
	if (ct == NULL || strcmp(ct, "text/plain; charset=utf-8") != 0)
		return whyf("403 with Content-Type %s, expected \"text/plain; "
		    "charset=utf-8\"", ct ? ct : "none");
	if (resp.content_length != (long)strlen(forbidden) ||
	    resp.body_len != strlen(forbidden) ||
	    memcmp(resp.body, forbidden, resp.body_len) != 0)
		return whyf("403 body %s (Content-Length %ld), expected %zu "
		    "bytes naming -o ORIGIN", wsc_quote(q, sizeof q,
		    resp.body ? resp.body : "", resp.body_len),
		    resp.content_length, strlen(forbidden));
	if (wsc_http_field(&resp, "Sec-WebSocket-Accept") != NULL ||
	    wsc_http_field(&resp, "Upgrade") != NULL)
		return whyf("403 with a handshake field (Upgrade or "
		    "Sec-WebSocket-Accept)");
	if (!direct)
		return 0;
	if (!wsc_http_has_token(&resp, "Connection", "close"))
		return whyf("403 without \"Connection: close\" (got %s)",
		    wsc_http_field(&resp, "Connection") ?
		    wsc_http_field(&resp, "Connection") : "none");
	if (wsc_expect_eof(c, t_wait) < 0)
		return whyf("after the 403: %s", c->err);
	return 0;
}

/* A WebSocket that works: subscribe to letter, its value comes at once. */
static int
serves(struct wsc_conn *c, int letter)
{
	char cmd[64];
	int i;

	snprintf(cmd, sizeof cmd, "{\"action\": \"subscribe\", \"letter\": "
	    "\"%c\"}", letter);
	if (wsc_send_text(c, cmd, t_wait) < 0)
		return whyf("subscribe after the 101: %s", c->err);
	/* ticks of letters subscribed before (a slow server, under qemu, has
	 * time for some) may come first: up to 50 are passed over */
	for (i = 0; i < 50; i++) {
		if (wsc_recv(c, &msg, t_wait) < 0)
			return whyf("expected a value of %c after the 101: %s",
			    letter - 32, c->err);
		if (!wsc_value(&msg, NULL) || wsc_value(&msg, NULL) == letter - 32)
			break;
	}
	if (wsc_value(&msg, NULL) != letter - 32)
		return whyf("expected {\"%c\": NNNN} after the 101, got %s",
		    letter - 32, wsc_quote((char[160]){0}, 160, msg.data,
		    msg.len));
	return 0;
}

/* One CHECK: the upgrade gets a 101 and a working WebSocket. */
static void
accepted(const char *what, const char *path, const char *host,
         const char *fields)
{
	struct wsc_conn *c = &c1;
	char h[400], f[1024];
	int st, rc;

	if (host)
		host = expand(h, sizeof h, host);
	fields = expand(f, sizeof f, fields);
	st = upgrade(c, path, host, fields, NULL, 0);
	if (st == 101)
		rc = serves(c, 'a');
	else if (st > 0)
		rc = whyf("expected 101, got %d (body %s)", st, wsc_quote(
		    (char[160]){0}, 160, resp.body ? resp.body : "",
		    resp.body_len));
	else
		rc = st;
	CHECK(rc == 0, "%s: accepted? %s on %s: %s", what, req_desc(host,
	    fields), path, why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* One CHECK: the upgrade gets the exact 403, then the end. */
static void
refused(const char *what, const char *path, const char *host,
        const char *fields)
{
	struct wsc_conn *c = &c1;
	char h[400], f[1024];
	int st, rc;

	if (host)
		host = expand(h, sizeof h, host);
	fields = expand(f, sizeof f, fields);
	st = upgrade(c, path, host, fields, NULL, 0);
	if (st == 403)
		rc = check_403(c);
	else if (st > 0)
		rc = whyf("expected 403, got %d", st);
	else
		rc = st;
	CHECK(rc == 0, "%s: refused? %s on %s: %s", what, req_desc(host,
	    fields), path, why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* A case of a table: Host (NULL: none), the Origin lines, the verdict. */
struct ocase {
	const char *what, *host, *fields;
	int ok;
};

static void
run_cases(const struct ocase *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (k[i].ok)
			accepted(k[i].what, "/ws", k[i].host, k[i].fields);
		else
			refused(k[i].what, "/ws", k[i].host, k[i].fields);
	}
}

/*
 * Sends a whole request of the caller's on a fresh connection and reads
 * the response: its status (left in resp), or -1.  For an error status the
 * response must say Connection: close and the connection must end.
 */
static int
request(const char *req)
{
	struct wsc_conn *c = &hc;
	int rc;

	wsc_http_free(&resp);
	if (dial(c) < 0)
		return -1;
	rc = wsc_http_request(c, req, &resp, t_wait);
	if (rc < 0)
		rc = wfail(c);
	else if (resp.status >= 400 && (!wsc_http_has_token(&resp,
	    "Connection", "close") || wsc_expect_eof(c, t_wait) < 0))
		rc = whyf("%d without Connection: close and the end: %s",
		    resp.status, c->err);
	else
		rc = resp.status;
	wsc_close(c);
	return rc;
}

/* An upgrade request with a fresh key, Host 127.0.0.1:PORT, the Origin
 * lines `fields` and `version` lines, for the checks that come first. */
static const char *
raw_upgrade(const char *method, const char *conn, const char *version,
            const char *key_lines, const char *fields)
{
	static char req[1024];
	char key[25], keys[200];

	wsc_key(key);
	if (key_lines == NULL)
		snprintf(keys, sizeof keys, "Sec-WebSocket-Key: %s\r\n", key);
	else
		snprintf(keys, sizeof keys, "%s", key_lines);
	snprintf(req, sizeof req, "%s /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Upgrade: websocket\r\nConnection: %s\r\n%s%s%s\r\n", method, port,
	    conn, version, keys, fields);
	return req;
}

/* --- default: the same origin only -------------------------------------- */

/* A name of n letters: "http://" + it is an origin of n + 7 bytes. */
static char *
long_name(char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = "abcdefghijklmnopqrstuvwxyz"[i % 26];
	out[n] = '\0';
	return out;
}

static void
test_same_origin(void)
{
	static const struct ocase cases[] = {
		/* no Origin: not a browser, whatever the Host */
		{ "no Origin", "127.0.0.1:{P}", "", 1 },
		{ "no Origin, another server's Host", "evil.example:1", "", 1 },
		{ "no Origin, an empty Host", "", "", 1 },
		{ "no Origin, an invalid Host", "a_b", "", 1 },
		/* the same host and port */
		{ "same origin", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}\r\n", 1 },
		{ "same origin by name", "localhost:{P}",
		  "Origin: http://localhost:{P}\r\n", 1 },
		{ "same origin, cases differ", "LOCALHOST:{P}",
		  "Origin: HTTP://LocalHost:{P}\r\n", 1 },
		{ "same origin, cases differ the other way", "LocalHost:{P}",
		  "Origin: http://LOCALHOST:{P}\r\n", 1 },
		{ "https page, same host and port (schemes are not compared)",
		  "127.0.0.1:{P}", "Origin: https://127.0.0.1:{P}\r\n", 1 },
		{ "whitespace around the value", "127.0.0.1:{P}",
		  "Origin:  \t http://127.0.0.1:{P} \t \r\n", 1 },
		{ "a lower-case field name", "127.0.0.1:{P}",
		  "origin: http://127.0.0.1:{P}\r\n", 1 },
		/* default ports: Host has no scheme, the Origin's gives both */
		{ "http, no ports (80 and 80)", "h.example",
		  "Origin: http://h.example\r\n", 1 },
		{ "http, explicit :80 in Origin", "h.example",
		  "Origin: http://h.example:80\r\n", 1 },
		{ "http, explicit :80 in Host", "h.example:80",
		  "Origin: http://h.example\r\n", 1 },
		{ "https, no ports (443 and 443)", "h.example",
		  "Origin: https://h.example\r\n", 1 },
		{ "https, explicit :443 in Host", "h.example:443",
		  "Origin: https://h.example\r\n", 1 },
		{ "https, explicit :443 in Origin", "h.example",
		  "Origin: https://h.example:443\r\n", 1 },
		{ "https on port 80, Host :80", "h.example:80",
		  "Origin: https://h.example:80\r\n", 1 },
		{ "http on port 443, Host :443", "h.example:443",
		  "Origin: http://h.example:443\r\n", 1 },
		{ "https page, Host :80", "h.example:80",
		  "Origin: https://h.example\r\n", 0 },
		{ "http page, Host :443", "h.example:443",
		  "Origin: http://h.example\r\n", 0 },
		{ "no port in Origin (80), the real port in Host",
		  "127.0.0.1:{P}", "Origin: http://127.0.0.1\r\n", 0 },
		{ "the real port in Origin, none in Host (80)", "127.0.0.1",
		  "Origin: http://127.0.0.1:{P}\r\n", 0 },
		/* IPv6 literals, in brackets */
		{ "IPv6 same origin", "[::1]:{P}",
		  "Origin: http://[::1]:{P}\r\n", 1 },
		{ "IPv6 without ports", "[::1]", "Origin: http://[::1]\r\n", 1 },
		{ "IPv6, hex digits in other cases", "[fe80::a:1]:{P}",
		  "Origin: http://[FE80::A:1]:{P}\r\n", 1 },
		{ "IPv6 with an IPv4 tail", "[::ffff:127.0.0.1]:{P}",
		  "Origin: http://[::ffff:127.0.0.1]:{P}\r\n", 1 },
		{ "IPv6 spelled two ways (nothing canonicalized)",
		  "[0:0::1]:{P}", "Origin: http://[::1]:{P}\r\n", 0 },
		{ "IPv6 with a zone", "[fe80::1%25eth0]:{P}",
		  "Origin: http://[fe80::1%25eth0]:{P}\r\n", 0 },
		{ "IPv6 without brackets", "::1", "Origin: http://::1\r\n", 0 },
		/* names */
		{ "a trailing dot on both", "example.com.:{P}",
		  "Origin: http://example.com.:{P}\r\n", 1 },
		{ "a trailing dot in Origin only", "example.com:{P}",
		  "Origin: http://example.com.:{P}\r\n", 0 },
		{ "a trailing dot in Host only", "example.com.:{P}",
		  "Origin: http://example.com:{P}\r\n", 0 },
		{ "an empty label", ".example.com",
		  "Origin: http://.example.com\r\n", 0 },
		{ "an international name in its xn-- form",
		  "xn--bcher-kva.example", "Origin: http://xn--bcher-kva.example\r\n", 1 },
		{ "an international name in UTF-8", "b\xc3\xbc" "cher.example",
		  "Origin: http://b\xc3\xbc" "cher.example\r\n", 0 },
		{ "an underscore in the name", "my_host:{P}",
		  "Origin: http://my_host:{P}\r\n", 0 },
		/* another origin */
		{ "another port", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{Q}\r\n", 0 },
		{ "localhost against 127.0.0.1 (nothing resolved)",
		  "127.0.0.1:{P}", "Origin: http://localhost:{P}\r\n", 0 },
		{ "127.0.0.1 against localhost", "localhost:{P}",
		  "Origin: http://127.0.0.1:{P}\r\n", 0 },
		{ "127.1 against 127.0.0.1", "127.0.0.1:{P}",
		  "Origin: http://127.1:{P}\r\n", 0 },
		{ "a foreign site", "127.0.0.1:{P}",
		  "Origin: http://evil.example\r\n", 0 },
		{ "a foreign site on the same port", "127.0.0.1:{P}",
		  "Origin: http://evil.example:{P}\r\n", 0 },
		{ "a foreign site, lower-case field name", "127.0.0.1:{P}",
		  "origin: https://evil.example\r\n", 0 },
		/* not an origin */
		{ "null", "127.0.0.1:{P}", "Origin: null\r\n", 0 },
		{ "NULL, upper case", "127.0.0.1:{P}", "ORIGIN: NULL\r\n", 0 },
		{ "an empty Origin", "127.0.0.1:{P}", "Origin:\r\n", 0 },
		{ "a path \"/\"", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}/\r\n", 0 },
		{ "a path", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}/ws\r\n", 0 },
		{ "a query", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}?x\r\n", 0 },
		{ "a fragment", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}#x\r\n", 0 },
		{ "userinfo", "127.0.0.1:{P}",
		  "Origin: http://u@127.0.0.1:{P}\r\n", 0 },
		{ "percent-encoding", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.%31:{P}\r\n", 0 },
		{ "a space inside", "127.0.0.1:{P}",
		  "Origin: http:// 127.0.0.1:{P}\r\n", 0 },
		{ "a tab inside", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:\t{P}\r\n", 0 },
		{ "an origin list", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P} http://127.0.0.1:{P}\r\n", 0 },
		{ "two Origin fields, both the same origin", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}\r\n"
		  "Origin: http://127.0.0.1:{P}\r\n", 0 },
		{ "two Origin fields, the last the same origin", "127.0.0.1:{P}",
		  "Origin: http://evil.example\r\n"
		  "origin: http://127.0.0.1:{P}\r\n", 0 },
		{ "no scheme", "127.0.0.1:{P}", "Origin: 127.0.0.1:{P}\r\n", 0 },
		{ "a scheme-relative origin", "127.0.0.1:{P}",
		  "Origin: //127.0.0.1:{P}\r\n", 0 },
		{ "ws://", "127.0.0.1:{P}", "Origin: ws://127.0.0.1:{P}\r\n", 0 },
		{ "wss://", "127.0.0.1:{P}", "Origin: wss://127.0.0.1:{P}\r\n", 0 },
		{ "ftp://", "127.0.0.1:{P}", "Origin: ftp://127.0.0.1:{P}\r\n", 0 },
		{ "file://", "127.0.0.1:{P}", "Origin: file://\r\n", 0 },
		{ "a browser extension", "127.0.0.1:{P}",
		  "Origin: chrome-extension://abcdefghijklmnop\r\n", 0 },
		{ "a leading zero in both ports", "h.example:080",
		  "Origin: http://h.example:080\r\n", 0 },
		{ "an empty port in both", "h.example:",
		  "Origin: http://h.example:\r\n", 0 },
		{ "port 0 in both", "h.example:0",
		  "Origin: http://h.example:0\r\n", 0 },
		{ "port 65536 in both", "h.example:65536",
		  "Origin: http://h.example:65536\r\n", 0 },
		/* the Host must be valid when there is an Origin */
		{ "an empty Host", "", "Origin: http://127.0.0.1:{P}\r\n", 0 },
		{ "an invalid Host (and Origin)", "a_b",
		  "Origin: http://a_b\r\n", 0 },
		{ "a Host with a path", "127.0.0.1:{P}/",
		  "Origin: http://127.0.0.1:{P}\r\n", 0 },
		{ "a Host with userinfo", "u@127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}\r\n", 0 },
	};
	char name[300], host[300], fields[400];

	run_cases(cases, sizeof cases / sizeof cases[0]);

	/* 256 bytes is the longest Origin taken: "http://" and a name of
	 * 249 letters (no DNS label length is checked), matched by its Host */
	long_name(name, 249);
	snprintf(fields, sizeof fields, "Origin: http://%s\r\n", name);
	accepted("an Origin of 256 bytes", "/ws", name, fields);
	long_name(name, 250);
	snprintf(host, sizeof host, "%s", name);
	snprintf(fields, sizeof fields, "Origin: http://%s\r\n", name);
	refused("an Origin of 257 bytes", "/ws", host, fields);
}

/* Missing Host: an HTTP/1.1 request without Host is a 400 before any
 * route (RFC 9112 3.2), and an upgrade needs HTTP/1.1, so a handshake
 * with an Origin and no Host never reaches the policy; it is refused all
 * the same. */
static void
test_no_host(void)
{
	char req[512], key[25];
	int st;

	wsc_key(key);
	snprintf(req, sizeof req, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\nOrigin: http://127.0.0.1:%d\r\n\r\n", key,
	    port);
	st = request(req);
	CHECK(st == 400, "an upgrade with an Origin and no Host: expected 400, "
	    "got %d%s%s", st, st < 0 ? ": " : "", st < 0 ? why : "");
	snprintf(req, sizeof req, "GET /ws HTTP/1.0\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\nOrigin: http://127.0.0.1:%d\r\n\r\n", key,
	    port);
	st = request(req);
	CHECK(st == 400, "an HTTP/1.0 upgrade with an Origin and no Host: "
	    "expected 400, got %d%s%s", st, st < 0 ? ": " : "", st < 0 ? why : "");
}

/* The policy is the upgrade's: the page, HEAD, a 404 and a plain GET /ws
 * are what they were, whatever the Origin. */
static void
test_not_upgrades(void)
{
	static const struct {
		const char *what, *req;
		int status;
	} cases[] = {
		{ "GET / with a foreign Origin",
		  "GET / HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n"
		  "Origin: http://evil.example\r\n\r\n", 200 },
		{ "GET / with Origin null",
		  "GET / HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\nOrigin: null\r\n\r\n",
		  200 },
		{ "GET / with two Origin fields",
		  "GET / HTTP/1.1\r\nHost: t\r\nOrigin: http://a.example\r\n"
		  "Origin: http://b.example\r\n\r\n", 200 },
		{ "HEAD / with a foreign Origin",
		  "HEAD / HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n"
		  "Origin: http://evil.example\r\n\r\n", 200 },
		{ "GET /nope with a foreign Origin",
		  "GET /nope HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n"
		  "Origin: http://evil.example\r\n\r\n", 404 },
		{ "GET /ws without upgrade fields, a foreign Origin",
		  "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n"
		  "Origin: http://evil.example\r\n\r\n", 400 },
		{ "an upgrade of /nope with a foreign Origin (404 first)",
		  "GET /nope HTTP/1.1\r\nHost: 127.0.0.1:{P}\r\n"
		  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Version: 13\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		  "Origin: http://evil.example\r\n\r\n", 404 },
	};
	char req[600];
	size_t i;
	int st;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		st = request(expand(req, sizeof req, cases[i].req));
		if (st == cases[i].status && st == 200 &&
		    strncmp(cases[i].req, "GET", 3) == 0 &&
		    (resp.body == NULL || strstr(resp.body, "</html>") == NULL))
			st = whyf("200 without the page");
		CHECK(st == cases[i].status, "%s: expected %d, got %d%s%s",
		    cases[i].what, cases[i].status, st, st < 0 ? ": " : "",
		    st < 0 ? why : "");
	}
	/* the upgrade on "/" is judged the same as on "/ws" */
	accepted("same origin, on /", "/", "127.0.0.1:{P}",
	    "Origin: http://127.0.0.1:{P}\r\n");
	refused("a foreign site, on /", "/", "127.0.0.1:{P}",
	    "Origin: http://evil.example\r\n");
}

/* A keep-alive connection that ends in a refused upgrade; and a frame
 * sent with a refused upgrade, which must never be read as one. */
static void
test_refusal_ends_connection(void)
{
	struct wsc_conn *c = &c1;
	uint8_t frame[64];
	char req[512];
	size_t n;
	int rc, st;

	wsc_http_free(&resp);
	rc = dial(c);
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Origin: http://evil.example\r\n\r\n", port);
	if (rc == 0 && (rc = wsc_http_request(c, req, &resp, t_wait)) < 0)
		wfail(c);
	if (rc == 0 && resp.status != 200)
		rc = whyf("GET / first: expected 200, got %d", resp.status);
	wsc_http_free(&resp);
	if (rc == 0 && wsc_upgrade_raw(c, "GET /ws HTTP/1.1\r\nHost: t\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n",
	    NULL, 0, &resp, t_wait) == 0)
		rc = whyf("the upgrade after GET / was accepted");
	if (rc == 0 && resp.status <= 0)
		rc = wfail(c);
	if (rc == 0)
		rc = check_403(c);
	CHECK(rc == 0, "GET / then a refused upgrade on one connection: %s",
	    why);
	wsc_http_free(&resp);
	wsc_close(c);

	n = wsc_frame(frame, sizeof frame, WSC_FIN | WSC_OP_TEXT, 1,
	    "{\"action\": \"subscribe\", \"letter\": \"a\"}", 38);
	st = upgrade(c, "/ws", "127.0.0.1:{P}", "Origin: http://evil.example\r\n",
	    frame, n);
	rc = st == 403 ? check_403(c) : st > 0 ? whyf("expected 403, got %d",
	    st) : -1;
	CHECK(rc == 0, "a refused upgrade with a subscribe frame in the same "
	    "write: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

static void
group_default(void)
{
	test_same_origin();
	test_no_host();
	test_not_upgrades();
	test_refusal_ends_connection();
	/* still serving after all of that */
	accepted("the last client", "/ws", "127.0.0.1:{P}",
	    "Origin: http://127.0.0.1:{P}\r\n");
}

/* --- listed: -o ORIGIN -------------------------------------------------- */

static void
group_listed(void)
{
	static const struct ocase cases[] = {
		{ "listed", "127.0.0.1:{P}",
		  "Origin: http://example.com:8080\r\n", 1 },
		{ "listed, Host t", "t", "Origin: http://example.com:8080\r\n", 1 },
		{ "listed, Host an IPv6 address", "[::1]:9",
		  "Origin: http://example.com:8080\r\n", 1 },
		{ "listed, in upper case", "127.0.0.1:{P}",
		  "Origin: HTTP://EXAMPLE.COM:8080\r\n", 1 },
		{ "listed in upper case, sent in lower", "127.0.0.1:{P}",
		  "Origin: https://letters.example.com\r\n", 1 },
		{ "listed without port, sent with :443", "127.0.0.1:{P}",
		  "Origin: https://letters.example.com:443\r\n", 1 },
		{ "listed with :80, sent without", "127.0.0.1:{P}",
		  "Origin: http://other.example\r\n", 1 },
		{ "listed with :80, sent with it", "x.example:1",
		  "Origin: http://other.example:80\r\n", 1 },
		{ "the same origin is still allowed", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}\r\n", 1 },
		{ "no Origin", "127.0.0.1:{P}", "", 1 },
		{ "listed host and port, other scheme", "127.0.0.1:{P}",
		  "Origin: https://example.com:8080\r\n", 0 },
		{ "listed host, default port", "127.0.0.1:{P}",
		  "Origin: http://example.com\r\n", 0 },
		{ "listed host, other port", "127.0.0.1:{P}",
		  "Origin: http://example.com:8081\r\n", 0 },
		{ "a subdomain of a listed host", "127.0.0.1:{P}",
		  "Origin: http://www.example.com:8080\r\n", 0 },
		{ "listed https, sent http", "127.0.0.1:{P}",
		  "Origin: http://letters.example.com\r\n", 0 },
		{ "listed https, other port", "127.0.0.1:{P}",
		  "Origin: https://letters.example.com:8443\r\n", 0 },
		{ "listed http:80, sent https", "127.0.0.1:{P}",
		  "Origin: https://other.example\r\n", 0 },
		{ "listed, with a path", "127.0.0.1:{P}",
		  "Origin: http://example.com:8080/\r\n", 0 },
		{ "listed, an empty Host", "",
		  "Origin: http://example.com:8080\r\n", 0 },
		{ "listed, an invalid Host", "a_b",
		  "Origin: http://example.com:8080\r\n", 0 },
		{ "two Origin fields, both listed", "127.0.0.1:{P}",
		  "Origin: http://example.com:8080\r\n"
		  "Origin: http://example.com:8080\r\n", 0 },
		{ "null", "127.0.0.1:{P}", "Origin: null\r\n", 0 },
		{ "a foreign site", "127.0.0.1:{P}",
		  "Origin: http://evil.example:{P}\r\n", 0 },
	};
	struct wsc_conn *c = &c1;
	int rc;

	run_cases(cases, sizeof cases / sizeof cases[0]);

	/* wsc.c's own upgrade with an extra line, as a browser sends it */
	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && wsc_upgrade_extra(c, "/ws", "Origin: "
	    "https://letters.example.com\r\n", &resp, t_wait) < 0)
		rc = wfail(c);
	if (rc == 0)
		rc = serves(c, 'q');
	CHECK(rc == 0, "wsc_upgrade_extra with a listed Origin: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

/* --- any: -o '*' -------------------------------------------------------- */

static void
group_any(void)
{
	static const struct ocase cases[] = {
		{ "null", "127.0.0.1:{P}", "Origin: null\r\n", 1 },
		{ "an empty Origin", "127.0.0.1:{P}", "Origin:\r\n", 1 },
		{ "garbage", "127.0.0.1:{P}", "Origin: %%% <>\"\r\n", 1 },
		{ "a foreign site", "127.0.0.1:{P}",
		  "Origin: http://evil.example\r\n", 1 },
		{ "a path", "127.0.0.1:{P}",
		  "Origin: http://evil.example/x?y#z\r\n", 1 },
		{ "ws://", "127.0.0.1:{P}", "Origin: ws://evil.example\r\n", 1 },
		{ "two Origin fields", "127.0.0.1:{P}",
		  "Origin: null\r\nOrigin: http://evil.example\r\n", 1 },
		{ "an empty Host", "", "Origin: http://evil.example\r\n", 1 },
		{ "an invalid Host", "a_b", "Origin: null\r\n", 1 },
		{ "the same origin", "127.0.0.1:{P}",
		  "Origin: http://127.0.0.1:{P}\r\n", 1 },
		{ "no Origin", "127.0.0.1:{P}", "", 1 },
	};
	char fields[700], name[600];

	run_cases(cases, sizeof cases / sizeof cases[0]);
	long_name(name, 500);
	snprintf(fields, sizeof fields, "Origin: http://%s\r\n", name);
	accepted("an Origin of 507 bytes", "/ws", "127.0.0.1:{P}", fields);
}

/* --- counted: -M -c 1 --------------------------------------------------- */

/* GET /metrics; the body (valid until the next request) or NULL. */
static const char *
scrape(void)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";

	if (request(req) != 200 || resp.body == NULL)
		return NULL;
	return resp.body;
}

static long long
metric(const char *name)
{
	const char *body = scrape();

	return body ? wsc_sample(body, name) : -2;
}

static void
group_counted(void)
{
	static const char foreign[] = "Origin: http://evil.example\r\n";
	static const char same_tmpl[] = "Origin: http://127.0.0.1:{P}\r\n";
	static const struct {
		const char *what, *method, *conn, *version, *keys;
		int status;
	} first[] = {
		{ "version 8", "GET", "Upgrade", "Sec-WebSocket-Version: 8\r\n",
		  NULL, 426 },
		{ "no version", "GET", "Upgrade", "", NULL, 426 },
		{ "a bad key", "GET", "Upgrade", "Sec-WebSocket-Version: 13\r\n",
		  "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAA\r\n", 400 },
		{ "no key", "GET", "Upgrade", "Sec-WebSocket-Version: 13\r\n",
		  "", 400 },
		{ "two keys", "GET", "Upgrade", "Sec-WebSocket-Version: 13\r\n",
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 400 },
		{ "no Connection: Upgrade", "GET", "keep-alive",
		  "Sec-WebSocket-Version: 13\r\n", NULL, 400 },
		{ "POST", "POST", "Upgrade", "Sec-WebSocket-Version: 13\r\n",
		  NULL, 405 },
	};
	const char *body = scrape();
	char same[128];
	size_t i;
	int st, rc, j;

	expand(same, sizeof same, same_tmpl);
	CHECK(body != NULL, "GET /metrics: %s", why);
	CHECK(body && strstr(body, "# TYPE letterd_origin_refused_total "
	    "counter\n"), "no \"# TYPE letterd_origin_refused_total counter\"");
	CHECK(body && wsc_sample(body, "letterd_origin_refused_total") == 0,
	    "letterd_origin_refused_total at start: %lld, expected 0",
	    body ? wsc_sample(body, "letterd_origin_refused_total") : -2);

	/* the handshake's own checks come first, and are not counted here */
	for (i = 0; i < sizeof first / sizeof first[0]; i++) {
		st = request(raw_upgrade(first[i].method, first[i].conn,
		    first[i].version, first[i].keys, foreign));
		CHECK(st == first[i].status, "%s with a foreign Origin: expected "
		    "%d before the Origin check, got %d%s%s", first[i].what,
		    first[i].status, st, st < 0 ? ": " : "", st < 0 ? why : "");
	}
	CHECK(metric("letterd_origin_refused_total") == 0, "after the "
	    "426/400/405s: letterd_origin_refused_total %lld, expected 0",
	    metric("letterd_origin_refused_total"));

	for (j = 0; j < 3; j++)
		refused("a foreign site", "/ws", "127.0.0.1:{P}", foreign);
	CHECK(metric("letterd_origin_refused_total") == 3, "after 3 refusals: "
	    "letterd_origin_refused_total %lld, expected 3",
	    metric("letterd_origin_refused_total"));

	/* -c 1: c2 takes the only place */
	st = upgrade(&c2, "/ws", "127.0.0.1:{P}", same, NULL, 0);
	rc = st == 101 ? serves(&c2, 'b') : st > 0 ? whyf("expected 101, got "
	    "%d", st) : -1;
	CHECK(rc == 0, "the one client of -c 1, same origin: %s", why);
	wsc_http_free(&resp);
	CHECK(metric("letterd_origin_refused_total") == 3, "an accepted "
	    "upgrade moved letterd_origin_refused_total to %lld",
	    metric("letterd_origin_refused_total"));

	/* full: a foreign page still learns nothing but 403 */
	refused("a foreign site while -c 1 is full (403, not 503)", "/ws",
	    "127.0.0.1:{P}", foreign);
	st = request(raw_upgrade("GET", "Upgrade", "Sec-WebSocket-Version: "
	    "13\r\n", NULL, same));
	CHECK(st == 503, "the same origin while -c 1 is full: expected 503, "
	    "got %d", st);
	st = request(raw_upgrade("GET", "Upgrade", "Sec-WebSocket-Version: "
	    "13\r\n", NULL, ""));
	CHECK(st == 503, "no Origin while -c 1 is full: expected 503, got %d",
	    st);
	body = scrape();
	CHECK(body && wsc_sample(body, "letterd_origin_refused_total") == 4,
	    "letterd_origin_refused_total %lld, expected 4",
	    body ? wsc_sample(body, "letterd_origin_refused_total") : -2);
	CHECK(body && wsc_sample(body, "letterd_refused_full_total") == 2,
	    "letterd_refused_full_total %lld, expected 2 (the 403 is not "
	    "a 503)", body ? wsc_sample(body, "letterd_refused_full_total") : -2);
	CHECK(body && wsc_sample(body, "letterd_upgrades_total") == 1,
	    "letterd_upgrades_total %lld, expected 1",
	    body ? wsc_sample(body, "letterd_upgrades_total") : -2);
	CHECK(body && wsc_sample(body, "letterd_clients") == 1,
	    "letterd_clients %lld, expected 1",
	    body ? wsc_sample(body, "letterd_clients") : -2);

	/* plain requests with an Origin are not counted */
	st = request("GET / HTTP/1.1\r\nHost: t\r\n"
	    "Origin: http://evil.example\r\n\r\n");
	CHECK(st == 200, "GET / with a foreign Origin: %d", st);
	CHECK(metric("letterd_origin_refused_total") == 4, "GET requests "
	    "moved letterd_origin_refused_total to %lld",
	    metric("letterd_origin_refused_total"));

	/* and the client let in is served all along */
	rc = c2.fd == -1 ? whyf("it never connected") : serves(&c2, 'c');
	CHECK(rc == 0, "the client of -c 1 after all that: %s", why);
	wsc_close(&c2);
}

/* --- logged: -v --------------------------------------------------------- */

static const char log_tail[] = ": HTTP 403: this page's origin may not "
    "open a WebSocket here; start letterd with -o ORIGIN to allow it";

/* The lines of the log at path that are "letterd: fd N" + log_tail, and
 * (in *others) the other lines that mention "HTTP 403". */
static int
count_logged(const char *path, int *others)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int n = 0;
	size_t k;
	char *p;

	*others = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "letterd: fd ", 12) == 0) {
			p = line + 12;
			k = strspn(p, "0123456789");
			if (k > 0 && strcmp(p + k, log_tail) == 0) {
				n++;
				continue;
			}
		}
		if (strstr(line, "HTTP 403"))
			++*others;
	}
	fclose(f);
	return n;
}

static void
group_logged(void)
{
	const char *path = getenv("OTEST_LOG");
	long long end;
	int n = -1, others = 0;

	refused("a foreign site", "/ws", "127.0.0.1:{P}",
	    "Origin: http://evil.example\r\n");
	accepted("the same origin", "/ws", "127.0.0.1:{P}",
	    "Origin: http://127.0.0.1:{P}\r\n");
	if (path == NULL) {
		CHECK(0, "OTEST_LOG does not name the server's log");
		return;
	}
	/* the line is written before the 403 goes out; a little slack */
	end = wsc_now_ms() + t_wait;
	while ((n = count_logged(path, &others)) < 1 && wsc_now_ms() < end)
		wsc_sleep_ms(20);
	CHECK(n == 1 && others == 0, "-v: expected one line \"letterd: fd N%s\" "
	    "in %s, found %d (and %d other lines with \"HTTP 403\")", log_tail,
	    path, n, others);
}

/* --- proxied: nginx in front of relays ----------------------------------- */

/* PORT is nginx's; a browser on a page of http://127.0.0.1:PORT sends
 * Host 127.0.0.1:PORT and that Origin, and nginx passes the Host on. */
static void
group_proxied(void)
{
	static const char *paths[] = { "/ws", "/", "/ws", "/" };
	struct wsc_conn *c = &c1;
	char origin[128], head[512];
	int i, k, rc, v;

	direct = 0;
	snprintf(origin, sizeof origin, "Origin: http://127.0.0.1:%d\r\n", port);
	/* four in turn: round robin gives each relay two */
	for (i = 0; i < 4; i++) {
		wsc_http_free(&resp);
		rc = dial(c);
		if (rc == 0 && wsc_upgrade_extra(c, paths[i], origin, &resp,
		    t_wait) < 0)
			rc = wfail(c);
		if (rc == 0)
			rc = serves(c, 'z');
		/* and then the ticks: two more values of Z */
		for (k = 0; rc == 0 && k < 2; k++) {
			if (wsc_recv(c, &msg, t_wait) < 0)
				rc = whyf("tick value %d: %s", k + 1, c->err);
			else if (wsc_value(&msg, &v) != 'Z')
				rc = whyf("tick value %d: got %s", k + 1,
				    wsc_quote((char[160]){0}, 160, msg.data,
				    msg.len));
		}
		CHECK(rc == 0, "a page of nginx's own address (%.*s) on %s, "
		    "client %d: %s", (int)strlen(origin) - 2, origin, paths[i],
		    i + 1, why);
		wsc_http_free(&resp);
		wsc_close(c);
	}
	snprintf(head, sizeof head, "localhost:%d", port);
	snprintf(origin, sizeof origin, "Origin: http://localhost:%d\r\n", port);
	accepted("a page of nginx's address by name", "/ws", head, origin);
	accepted("no Origin through nginx", "/ws", "127.0.0.1:{P}", "");
	refused("a foreign site through nginx", "/ws", "127.0.0.1:{P}",
	    "Origin: http://evil.example\r\n");
	refused("nginx's address by name, Host by number", "/ws",
	    "127.0.0.1:{P}", "Origin: http://localhost:{P}\r\n");
	refused("another port of 127.0.0.1 through nginx", "/ws",
	    "127.0.0.1:{P}", "Origin: http://127.0.0.1:{Q}\r\n");
	refused("null through nginx", "/", "127.0.0.1:{P}", "Origin: null\r\n");
}

/* ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	const char *group;

	if (argc < 3 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: otest PORT GROUP [PID]\n"
		    "groups: default listed any any-listed counted logged "
		    "proxied\n");
		return 2;
	}
	other_port = port == 65535 ? port - 1 : port + 1;
	group = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	c1.fd = c2.fd = hc.fd = -1;
	if (getenv("WSC_SEED") != NULL)
		wsc_seed(strtoull(getenv("WSC_SEED"), NULL, 10));

	if (strcmp(group, "default") == 0)
		group_default();
	else if (strcmp(group, "listed") == 0)
		group_listed();
	else if (strcmp(group, "any") == 0 || strcmp(group, "any-listed") == 0)
		group_any();
	else if (strcmp(group, "counted") == 0)
		group_counted();
	else if (strcmp(group, "logged") == 0)
		group_logged();
	else if (strcmp(group, "proxied") == 0)
		group_proxied();
	else {
		fprintf(stderr, "otest: unknown group \"%s\"\n", group);
		return 2;
	}
	wsc_http_free(&resp);
	return CHECK_DONE();
}
