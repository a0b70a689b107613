/* SPDX-License-Identifier: ISC */
/*
 * stest.c - /static/NAME against a running `letterd -r DIR`.
 *
 * usage: stest PORT [NAME PID]
 *
 * integration.sh makes DIR and its neighbours (see static_tree there):
 *   DIR/hello.txt         "hello, static\n"
 *   DIR/sub/style.css     "body{}\n"
 *   DIR/inside-link       a symlink to hello.txt (inside DIR: served)
 *   DIR/out-link          a symlink to ../secret.txt (outside: 404)
 *   DIR/out-dir           a symlink to .. (outside: 404)
 *   DIR/../secret.txt     "SECRET-OUTSIDE-DIR\n", which must never be served
 *   DIR/fifo              a FIFO no one writes to: 404, and it must not
 *                         block the server
 *   DIR/big.bin           BIG_LEN bytes, for a slow reader
 *
 * Every traversal attempt must get 404 (or 400 where the request itself is
 * malformed) and no response may ever carry the secret.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"
#include "wsc.h"

#define T_WAIT 3000
#define BIG_LEN (10 * 1024 * 1024)

static int port;
static struct wsc_conn conn;
static struct wsc_http resp;

/* Sends "METHOD target" on a fresh connection; returns the status or -1. */
static int
request(const char *method, const char *target)
{
	static char req[12000];
	int rc;

	wsc_http_free(&resp);
	if (wsc_connect(&conn, "127.0.0.1", port, T_WAIT) < 0)
		return -1;
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\n\r\n",
	    method, target);
	rc = wsc_http_request(&conn, req, &resp, T_WAIT);
	wsc_close(&conn);
	return rc < 0 ? -1 : resp.status;
}

static int
leaked(void)
{
	return resp.body && strstr(resp.body, "SECRET-OUTSIDE") != NULL;
}

static void
expect_file(const char *target, const char *body, const char *ctype)
{
	const char *ct;
	int st = request("GET", target);

	CHECK(st == 200, "GET %s: status %d, expected 200", target, st);
	CHECK(resp.body && resp.body_len == strlen(body) &&
	    !memcmp(resp.body, body, resp.body_len), "GET %s: wrong body", target);
	ct = wsc_http_field(&resp, "Content-Type");
	CHECK(ct && !strcmp(ct, ctype), "GET %s: Content-Type %s, expected %s",
	    target, ct ? ct : "(none)", ctype);
}

/* GET /static/big.bin with Connection: close, read at about 2 MB/s
 * through a small receive buffer.  The kernel takes up to 4 MB into the
 * server's send buffer at once (tcp_wmem), so the server writes its last
 * piece about 3 s after the start: more than the 2 s a closing connection
 * gets to finish, which must count from the last piece the socket took,
 * not from the response's start.  Returns the bytes received (head and
 * body). */
static long
slow_read(void)
{
	static const char req[] = "GET /static/big.bin HTTP/1.1\r\nHost: t\r\n"
	    "Connection: close\r\n\r\n";
	struct sockaddr_in sa;
	struct pollfd pf;
	char buf[16384];
	long total = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 16384, i;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		close(fd);
		return -1;
	}
	pf.fd = fd;
	pf.events = POLLIN;
	/* at most 16 KiB per 8 ms, for at most 20 s */
	for (i = 0; i < 2500; i++) {
		if (poll(&pf, 1, 1000) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		total += n;
		wsc_sleep_ms(8);
	}
	close(fd);
	return total;
}

int
main(int argc, char **argv)
{
	/* Each of these must be refused without a byte from outside DIR. */
	static const char *const attacks[] = {
		"/static/../secret.txt",
		"/static/../../etc/passwd",
		"/static/sub/../../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E/secret.txt",
		"/static/.%2e/secret.txt",
		"/static/%2e./secret.txt",
		"/static/..%2fsecret.txt",
		"/static/%2e%2e%2fsecret.txt",
		"/static/sub%2f..%2f..%2fsecret.txt",
		"/static/%252e%252e/secret.txt",
		"/static/%252e%252e%252fsecret.txt",
		"/static/..\\secret.txt",
		"/static/..%5csecret.txt",
		"/static/%5c..%5csecret.txt",
		"/static/hello.txt%00.png",
		"/static/..%00/secret.txt",
		"/static/%c0%ae%c0%ae/secret.txt",
		"/static/%c0%ae%c0%ae%c0%afsecret.txt",
		"/static/%e0%80%ae%e0%80%ae/secret.txt",
		"/static//etc/passwd",
		"/static/%2fetc%2fpasswd",
		"/static/out-link",
		"/static/out-dir/secret.txt",
		"/static/./hello.txt",
		"/static/sub/./../hello.txt",
		"/static/sub/",
		"/static/sub",
		"/static/",
		"/static/.",
		"/static/..",
		"/static/%",
		"/static/%2",
		"/static/%zz",
		"/static/hello.txt/",
		"/static/nope.txt",
		"/static/...",
		"/static/.../secret.txt",
		"/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"/../secret.txt",
		"/static/../static/../secret.txt",
		"http://t/static/../secret.txt",
	};
	static char longpath[9000];
	size_t i;
	int st;

	/* tests/lib.sh's group also passes a name and the server's PID */
	if (argc < 2) {
		fprintf(stderr, "usage: stest PORT [NAME PID]\n");
		return 2;
	}
	port = atoi(argv[1]);

	expect_file("/static/hello.txt", "hello, static\n", "text/plain; charset=utf-8");
	expect_file("/static/sub/style.css", "body{}\n", "text/css; charset=utf-8");
	expect_file("/static/inside-link", "hello, static\n", "application/octet-stream");
	expect_file("/static/hell%6f.txt", "hello, static\n", "text/plain; charset=utf-8");
	expect_file("/static/hello.txt?v=1", "hello, static\n", "text/plain; charset=utf-8");
	st = request("HEAD", "/static/hello.txt");
	CHECK(st == 200 && resp.content_length == 14 && resp.body_len == 0,
	    "HEAD /static/hello.txt: %d, length %ld, body %zu", st,
	    resp.content_length, resp.body_len);

	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		st = request("GET", attacks[i]);
		CHECK(st == 404 || st == 400, "GET %s: status %d, expected 404",
		    attacks[i], st);
		CHECK(!leaked(), "GET %s: the secret came back", attacks[i]);
	}
	/* RFC 9110 9.3.2: an error answering HEAD has no content either;
	 * after its head the server closes, so any byte more is a body. */
	wsc_http_free(&resp);
	if (wsc_connect(&conn, "127.0.0.1", port, T_WAIT) == 0) {
		st = wsc_http_request(&conn, "HEAD /static/nope.txt HTTP/1.1\r\n"
		    "Host: t\r\n\r\n", &resp, T_WAIT) < 0 ? -1 : resp.status;
		CHECK(st == 404 && resp.content_length > 0 &&
		    wsc_expect_eof(&conn, T_WAIT) == 0,
		    "HEAD of a missing file: %d, then %s", st,
		    conn.err[0] ? conn.err : "a body");
		wsc_close(&conn);
	}

	/* A FIFO is not a regular file: 404, at once, without waiting for a
	 * writer (an open that blocks would stop the whole server). */
	st = request("GET", "/static/fifo");
	CHECK(st == 404, "GET /static/fifo: %d, expected 404", st);
	expect_file("/static/hello.txt", "hello, static\n", "text/plain; charset=utf-8");

	/* A large file to a slow reader arrives whole, however long it takes
	 * while the reader keeps reading. */
	{
		long got = slow_read(), head = 0;

		if (got > BIG_LEN)
			head = got - BIG_LEN;
		CHECK(got > BIG_LEN && head < 400, "a 10 MiB file read slowly: %ld bytes "
		    "of %d and a head", got, BIG_LEN);
	}

	/* Without -M there is no /metrics. */
	st = request("GET", "/metrics");
	CHECK(st == 404, "GET /metrics without -M: %d, expected 404", st);

	/* A very long path: 414 if the line is too long, else 404. */
	memset(longpath, 'a', sizeof(longpath) - 1);
	memcpy(longpath, "/static/", 8);
	st = request("GET", longpath);
	CHECK(st == 414, "GET of a 9000-byte path: %d, expected 414", st);
	longpath[5000] = '\0';
	for (i = 8; i + 3 < 5000; i += 3)
		memcpy(longpath + i, "../", 3);
	st = request("GET", longpath);
	CHECK(st == 404 && !leaked(), "GET of ../ x 1664: %d, expected 404", st);
	wsc_http_free(&resp);
	return CHECK_DONE();
}
