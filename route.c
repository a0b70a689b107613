/* SPDX-License-Identifier: ISC */
/*
 * route.c - HTTP requests on a connection: parse, route, respond.
 *
 * conn.c hands this file the bytes of every accepted connection.  A
 * request head is parsed with http_parse() (http.c) and routed by its
 * path: the built-in page, a static file under -r, /metrics under -M, or
 * the WebSocket upgrade, after which the connection belongs to pubsub.c.
 * Responses are queued, never written here; a static file is read into
 * the queue a piece at a time, as the socket takes it (route_owed).
 *
 * Keep-alive: after a response the connection waits for the next request,
 * with HTTP_DEADLINE_MS to complete it (docs/protocol.md 2.4).  Every error
 * answers with Connection: close and ends the connection once it is out.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config.h"
#include "format.h"
#include "http.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "pubsub.h"
#include "route.h"
#include "ws.h"

/* index.html, made into page.c by mkpage: GET / (docs/protocol.md 7) */
extern const unsigned char page_html[];
extern const size_t page_html_len;

/* All zero, so that it lives in .bss: with one non-zero member the whole
 * struct, PATH_MAX bytes of root included, would be stored in the binary. */
struct route_opts route_opts;

/* Answers with an error and closes after it (docs/protocol.md 2.3: every
 * error response has Connection: close).  r is the request as far as it
 * was parsed: a response to HEAD has no content (RFC 9110 9.3.2). */
static void
route_fail_why(struct conn *c, const struct http_req *r, int status,
               const char *extra, const char *why)
{
	char buf[768];
	size_t n = http_error(buf, sizeof(buf), status, extra, why, r->method != HTTP_HEAD);

	log_info("fd %d: HTTP %d%s%s", c->fd, status, why ? ": " : "", why ? why : "");
	if (conn_queue(c, buf, n) == 0)
		conn_closing(c);
}

static void
route_fail(struct conn *c, const struct http_req *r, int status, const char *extra)
{
	route_fail_why(c, r, status, extra, NULL);
}

/* A response is queued: the next request has HTTP_DEADLINE_MS again, and
 * a body that came with this one is skipped first. */
static void
route_done(struct conn *c, const struct http_req *r)
{
	if (!r->keep_alive) {
		conn_closing(c);
		return;
	}
	c->u.http.body_left = r->content_length;
	conn_set_deadline(c, loop_now() + HTTP_DEADLINE_MS);
}

/* A 200 whose body is in memory and is never cached: the page and
 * /metrics.  A response to HEAD has the head only (RFC 9110 9.3.2). */
static void
route_send(struct conn *c, const struct http_req *r, const char *type,
           const void *body, size_t n)
{
	char head[512];
	size_t h = http_head(head, sizeof(head), 200, type, n, r->keep_alive,
	    "Cache-Control: no-cache\r\n");

	if (conn_queue(c, head, h) < 0)
		return;
	if (r->method == HTTP_GET && conn_queue(c, body, n) < 0)
		return;
	route_done(c, r);
}

/* Opens /static/NAME under -r DIR; a descriptor, or -1 for a 404.
 * http_static_name refuses "..", empty and encoded separators; realpath
 * then resolves every symlink, and the result must still lie under the
 * resolved root, so a link out of DIR is a 404 like a missing file.  (A
 * directory swapped for a link between realpath and open is not caught:
 * O_NOFOLLOW covers only the last component; docs/protocol.md 2.5.) */
static int
route_open_static(const struct http_req *r, char *rel, size_t cap, struct stat *st)
{
	char full[PATH_MAX], real[PATH_MAX];
	int fd;

	if (!route_opts.has_root ||
	    http_static_name(r->path + 8, r->path_len - 8, rel, cap) < 0 ||
	    format(full, sizeof(full), "%s/%s", route_opts.root, rel) >= sizeof(full) ||
	    !realpath(full, real) || strncmp(real, route_opts.root, route_opts.root_len) ||
	    real[route_opts.root_len] != '/')
		return -1;
	/* O_NONBLOCK: opening a FIFO would wait for a writer, and the whole
	 * server with it; on a regular file it changes nothing */
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* GET /static/NAME: the head now, the file through route_owed as the
 * socket takes it. */
static void
route_static(struct conn *c, const struct http_req *r)
{
	char rel[PATH_MAX], head[512];
	struct stat st;
	int fd = route_open_static(r, rel, sizeof(rel), &st);
	size_t n;

	if (fd < 0) {
		route_fail(c, r, 404, NULL);
		return;
	}
	n = http_head(head, sizeof(head), 200, http_mime(rel), (uint64_t)st.st_size,
	    r->keep_alive, NULL);
	if (conn_queue(c, head, n) < 0 || r->method != HTTP_GET || st.st_size == 0) {
		close(fd);
	} else {
		/* the file goes out through route_owed, and no request
		 * behind this one is read until it has */
		c->u.http.file_fd = fd;
		c->u.http.file_left = (uint64_t)st.st_size;
		c->flags |= F_BUSY;
	}
	if (c->state == CONN_OPEN)
		route_done(c, r);
}

/* GET /metrics (-M): the counters in the Prometheus text format. */
static void
route_metrics(struct conn *c, const struct http_req *r)
{
	char body[8192];
	size_t n = metrics_render(body, sizeof(body), conn_count(), pubsub_clients(),
	    pubsub_subscribers());

	route_send(c, r, "text/plain; version=0.0.4; charset=utf-8", body, n);
}

/* RFC 6455 4.2: the opening handshake, server side, checked in the order
 * docs/protocol.md 3.1 gives. */
static void
route_upgrade(struct conn *c, const struct http_req *r)
{
	char accept[WS_ACCEPT_LEN + 1], extra[160], head[256];
	size_t n;

	if (r->method != HTTP_GET) {
		route_fail(c, r, r->method == HTTP_HEAD ? 400 : 405,
		    r->method == HTTP_HEAD ? NULL : "Allow: GET, HEAD\r\n");
		return;
	}
	/* 4.2.1: HTTP/1.1 or higher, Connection includes "Upgrade" */
	if (r->minor < 1 || !r->conn_upgrade) {
		route_fail(c, r, 400, NULL);
		return;
	}
	/* 4.2.2: another version gets 426 and the version we speak */
	if (!r->ws_version || r->ws_version_len != 2 || memcmp(r->ws_version, "13", 2)) {
		route_fail(c, r, 426, "Sec-WebSocket-Version: 13\r\n");
		return;
	}
	if (r->ws_key_count != 1 || ws_accept(r->ws_key, r->ws_key_len, accept) < 0) {
		route_fail(c, r, 400, NULL);
		return;
	}
	/* docs/protocol.md 3.6: a page from elsewhere may not drive letterd */
	if (!origin_check(&route_opts.origins, r->origin_count, r->origin,
	    r->origin_len, r->host, r->host_len)) {
		metrics.origin_refused++;
		route_fail_why(c, r, 403, NULL, "this page's origin may not open a "
		    "WebSocket here; start letterd with -o ORIGIN to allow it");
		return;
	}
	if (pubsub_full()) {
		metrics.refused_full++;
		route_fail(c, r, 503, "Retry-After: 1\r\n");
		return;
	}
	/* No Sec-WebSocket-Extensions or -Protocol: none is negotiated. */
	format(extra, sizeof(extra), "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n", accept);
	n = http_head(head, sizeof(head), 101, NULL, 0, 1, extra);
	if (conn_queue(c, head, n) == 0)
		pubsub_join(c);
}

static int
route_is(const struct http_req *r, const char *path)
{
	return r->path_len == strlen(path) && !memcmp(r->path, path, r->path_len);
}

/* RFC 9110 9.3.1-9.3.2: GET and HEAD everywhere; the path decides. */
static void
route_request(struct conn *c, const struct http_req *r)
{
	if (r->up_websocket && (route_is(r, "/") || route_is(r, "/ws")))
		route_upgrade(c, r);
	else if (r->up_websocket)
		route_fail(c, r, 404, NULL);
	else if (r->method == HTTP_OTHER)
		route_fail(c, r, 405, "Allow: GET, HEAD\r\n");
	else if (route_is(r, "/"))
		route_send(c, r, "text/html; charset=utf-8", page_html, page_html_len);
	else if (r->path_len > 8 && !memcmp(r->path, "/static/", 8))
		route_static(c, r);
	else if (route_opts.metrics && route_is(r, "/metrics"))
		route_metrics(c, r);
	else if (route_is(r, "/ws"))
		route_fail(c, r, 400, NULL);    /* RFC 6455 4.2.1: not a handshake */
	else
		route_fail(c, r, 404, NULL);
}

/* The protocol's input: a body to skip, or a request head.  Returns the
 * bytes consumed, 0 if a head is incomplete. */
static size_t
route_input(struct conn *c, uint8_t *p, size_t n)
{
	struct http_req r;
	size_t skip;
	long len;

	if (c->u.http.body_left) {
		/* docs/protocol.md 2.2: a GET may carry a body; it is read
		 * and discarded, so that keep-alive stays in step */
		skip = n < c->u.http.body_left ? n : (size_t)c->u.http.body_left;
		c->u.http.body_left -= skip;
		return skip;
	}
	/* RFC 9112 2.2: empty lines before a request line are ignored */
	if (!c->u.http.scan && (skip = http_skip_empty((char *)p, n)))
		return skip;
	if ((len = http_parse((char *)p, n, &c->u.http.scan, &r)) == 0)
		return 0;
	c->u.http.scan = 0;
	if (len < 0) {
		route_fail(c, &r, (int)-len, NULL);
		return n;
	}
	route_request(c, &r);
	return (size_t)len;
}

/* The queue is empty: the next piece of a static file goes into it. */
static int
route_owed(struct conn *c)
{
	uint8_t buf[FILE_CHUNK];
	size_t want;
	ssize_t n;

	if (!(c->flags & F_BUSY))
		return 0;
	want = c->u.http.file_left < sizeof(buf) ? (size_t)c->u.http.file_left : sizeof(buf);
	if ((n = read(c->u.http.file_fd, buf, want)) <= 0) {
		/* shrank under us: the promised length cannot be kept */
		conn_close(c, DROP_IO_ERROR, "static file read failed");
		return -1;
	}
	if (!(c->u.http.file_left -= (uint64_t)n)) {
		close(c->u.http.file_fd);
		c->u.http.file_fd = -1;
		c->flags &= ~F_BUSY;
	}
	/* the socket took the last piece: the time a response may take runs
	 * from here, so a large file to a reader that keeps reading is never
	 * cut off, while one that stops is (docs/protocol.md 2.4) */
	conn_set_deadline(c, loop_now() + HTTP_DEADLINE_MS);
	return conn_queue(c, buf, (size_t)n) < 0 ? -1 : 0;
}

/* A new connection has HTTP_DEADLINE_MS for its first request: the
 * slowloris defence (docs/protocol.md 2.4). */
static void
route_opened(struct conn *c)
{
	c->u.http.file_fd = -1;
	conn_set_deadline(c, loop_now() + HTTP_DEADLINE_MS);
	log_info("fd %d: connected", c->fd);
}

/* The request did not come in time: closed without an answer. */
static void
route_expired(struct conn *c)
{
	conn_close(c, DROP_REQUEST_TIMEOUT, "request timeout");
}

/* A static file still being sent goes with the connection. */
static void
route_closed(struct conn *c, const char *why)
{
	(void)why;
	if (c->flags & F_BUSY)
		close(c->u.http.file_fd);
}

const struct conn_ops route_ops = {
	.name = "http",
	.input = route_input,
	.owed = route_owed,
	.opened = route_opened,
	.expired = route_expired,
	.closed = route_closed,
};
