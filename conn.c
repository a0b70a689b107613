/*
 * conn.c - every connection from accept to close.
 *
 * A connection is in one of a few states (enum conn_state); the bytes read
 * from it are handed to the code for that state, which says how many it
 * consumed.  Bytes it could not consume yet -- half a request, or input
 * held back while the client's output is backed up -- are kept in c->in,
 * allocated only while there are such bytes.
 *
 * Nothing is written from the middle of processing: answers are queued on
 * the connection (conn_queue) and the connection is put on the pending
 * list; conn_flush_pending() writes them all before the loop sleeps again,
 * and the loop is asked for a write event only when the kernel refuses
 * more (redis does the same).
 *
 * Tick values do not go through the output queue at all.  Each client has
 * a bitmap of the letters it still owes ("dirty"); the tick ORs in its
 * subscriptions, and flushing writes those letters' frames, straight from
 * the 26 frames state.c encoded once, with one writev.  A client whose
 * socket is full keeps at most one pending value per letter -- the latest --
 * whatever it misses (conflation), so a slow reader costs a bitmap, not a
 * queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "config.h"
#include "conn.h"
#include "http.h"
#include "json.h"
#include "loop.h"
#include "metrics.h"
#include "state.h"
#include "ws.h"

/* index.html, made into page.c by mkpage */
extern const unsigned char page_html[];
extern const size_t page_html_len;

/* All zero, so that it lives in .bss: with one non-zero member the whole
 * struct, PATH_MAX bytes of root included, is stored in the binary.
 * main() sets max_msg before it reads the options. */
struct conn_opts conn_opts;
int64_t conn_now;

enum conn_state {
	CONN_FREE,      /* no connection on this fd */
	CONN_HTTP,      /* reading a request head */
	CONN_BODY,      /* discarding the body of a request we answered */
	CONN_WS,        /* a WebSocket client */
	CONN_CLOSING,   /* last response or close frame queued; no more input */
	CONN_LINGER     /* all sent, write side shut; draining until EOF */
};

#define F_WANT_WRITE 0x01  /* the kernel refused output: wait for POLLOUT */
#define F_PENDING    0x02  /* on the pending list, to be flushed */
#define F_PINGED     0x04  /* a keepalive ping is unanswered */
#define F_FILE       0x08  /* a static file is being sent (u.h.file_fd) */
#define F_OWE_PING   0x10  /* a keepalive ping is to be written */

/* Input not consumed yet: half a request or frame, or input held back
 * while the output is backed up.  IN_CAP bytes, only while needed. */
struct in {
	size_t len;
	uint8_t data[IN_CAP];
};

/* Output that is not a tick value, in order, grown as needed. */
struct out {
	size_t off, len, cap;
	uint8_t data[];
};

/* One connection, 96 bytes on LP64: every idle client costs this, its
 * slots in clients[] and pending[], and nothing else (issue 5's budget is
 * 128 bytes).  Buffers hang off it only while they hold something, and the
 * HTTP and WebSocket parts share their memory. */
struct conn {
	int fd;
	uint8_t state;          /* enum conn_state */
	uint8_t flags;          /* F_* */
	uint8_t mask;           /* LOOP_* events the loop watches */
	uint32_t subs;          /* bit i: subscribed to letter 'A' + i */
	uint32_t dirty;         /* bit i: owes the latest value of 'A' + i */
	int client_ix;          /* place in clients[], -1 if not a client */
	int pending_ix;         /* place in pending[] while F_PENDING */
	int64_t deadline;       /* request, closing or linger deadline; -1 */
	struct in *in;          /* input not consumed yet, or NULL */
	struct out *out;        /* queued output, or NULL */
	union {
		struct {        /* before the upgrade */
			size_t scan;          /* http_parse's resume point */
			int file_fd;          /* with F_FILE: a static file */
			uint64_t body_left;   /* CONN_BODY: bytes to skip */
			uint64_t file_left;   /* with F_FILE: bytes to send */
		} h;
		struct ws_rx rx;        /* CONN_WS: the frame parser */
	} u;
};

/* A compile-time check of the promise above (C99 has no static_assert):
 * the array size goes negative, and the build fails, if it is broken. */
typedef char conn_size_check[sizeof(struct conn) <= 96 || sizeof(void *) > 8 ? 1 : -1];

/* The connections, indexed by fd: no allocation per connection, and the
 * pages of the array are only touched as descriptors are used. */
static struct conn *conns;
static int conns_max;             /* size of conns[] */
static int conns_hi;              /* conns[] above this are all free */
static int nconns;
static int *clients;              /* fds of the WebSocket clients, dense */
static int nclients;
static int *pending;              /* fds to flush before sleeping, dense */
static int npending;
static int64_t next_deadline = -1; /* earliest c->deadline, or -1 */
static int ndeadlines;            /* connections with a deadline */
static int subscribers[STATE_LETTERS]; /* clients per letter, for /metrics */
static int reserve_fd = -1;       /* spare descriptor for EMFILE */
static uint8_t rbuf[READ_CHUNK];  /* every read lands here first */

static void conn_process_stash(struct conn *c);

void
conn_log(const char *fmt, ...)
{
	va_list ap;

	if (!conn_opts.verbose)
		return;
	va_start(ap, fmt);
	fputs("letterd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void
conn_set_deadline(struct conn *c, int64_t when)
{
	/* when no connection has a deadline, none is due: an idle server
	 * with only WebSocket clients wakes for its ticks alone */
	if (c->deadline < 0 && when >= 0)
		ndeadlines++;
	else if (c->deadline >= 0 && when < 0 && --ndeadlines == 0)
		next_deadline = -1;
	c->deadline = when;
	if (when >= 0 && (next_deadline < 0 || when < next_deadline))
		next_deadline = when;
}

/* Asks the loop for the events this connection needs now.  Input is not
 * read while a file is being sent or the output backlog is over OUT_HIGH:
 * a client that does not read its answers stops being read itself. */
static void
conn_watch(struct conn *c)
{
	int busy = (c->flags & F_FILE) || (c->out && c->out->len - c->out->off > OUT_HIGH);
	int mask = 0;

	if (c->state != CONN_CLOSING && !busy)
		mask |= LOOP_READ;
	if (c->flags & F_WANT_WRITE)
		mask |= LOOP_WRITE;
	if (mask != c->mask && loop_mod(c->fd, mask) == 0)
		c->mask = (uint8_t)mask;
}

static void
conn_pending_add(struct conn *c)
{
	if (c->flags & F_PENDING)
		return;
	c->flags |= F_PENDING;
	c->pending_ix = npending;
	pending[npending++] = c->fd;
}

static void
conn_pending_remove(struct conn *c)
{
	if (!(c->flags & F_PENDING))
		return;
	pending[c->pending_ix] = pending[--npending];
	conns[pending[c->pending_ix]].pending_ix = c->pending_ix;
	c->flags &= ~F_PENDING;
}

static void
conn_close(struct conn *c, int drop, const char *why)
{
	int i;

	if (why)
		conn_log("fd %d: closed: %s", c->fd, why);
	if (drop >= 0)
		metrics.dropped[drop]++;
	conn_pending_remove(c);
	conn_set_deadline(c, -1);
	/* all of a client's subscriptions go with it */
	for (i = 0; i < STATE_LETTERS; i++)
		if (c->subs >> i & 1)
			subscribers[i]--;
	if (c->client_ix >= 0) {
		clients[c->client_ix] = clients[--nclients];
		conns[clients[c->client_ix]].client_ix = c->client_ix;
		c->client_ix = -1;
	}
	loop_del(c->fd);
	close(c->fd);
	if (c->flags & F_FILE)
		close(c->u.h.file_fd);
	if (c->state == CONN_WS)
		ws_rx_free(&c->u.rx);
	nconns--;
	free(c->in);
	free(c->out);
	c->in = NULL;
	c->out = NULL;
	c->state = CONN_FREE;
}

/* Queues n bytes of output; 0, or -1 (and the connection is closed) when
 * memory runs out. */
static int
conn_queue(struct conn *c, const void *p, size_t n)
{
	struct out *o = c->out;

	if (!o || o->len + n > o->cap) {
		size_t cap = o ? o->cap : 512, used = o ? o->len - o->off : 0;

		while (cap < used + n)
			cap *= 2;
		if (!o || cap > o->cap) {
			if (!(o = realloc(o, sizeof(*o) + cap))) {
				conn_close(c, DROP_NO_MEMORY, "out of memory");
				return -1;
			}
			if (!c->out)
				o->off = o->len = 0;
			o->cap = cap;
		}
		/* slide what is left to the front */
		memmove(o->data, o->data + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
		c->out = o;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	conn_pending_add(c);
	return 0;
}

/* Queues a WebSocket frame with a payload of at most WS_CONTROL_MAX. */
static int
conn_frame(struct conn *c, int op, const void *p, size_t n)
{
	uint8_t f[WS_HEADER_MAX + WS_CONTROL_MAX];
	size_t h = ws_header(f, op, n);

	memcpy(f + h, p, n);
	return conn_queue(c, f, h + n);
}

/* Queues a close frame with code and moves to CONN_CLOSING: once it is
 * sent we shut our side and wait for the peer's close (RFC 6455 7.1.1). */
static void
conn_ws_close(struct conn *c, int code)
{
	uint8_t p[2];

	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (conn_frame(c, WS_OP_CLOSE, p, 2) < 0)
		return;
	/* the parser is done with: its memory goes now, and the union
	 * becomes the (empty) HTTP part again */
	ws_rx_free(&c->u.rx);
	memset(&c->u, 0, sizeof(c->u));
	c->state = CONN_CLOSING;
	conn_set_deadline(c, conn_now + LINGER_MS);
	conn_watch(c);
}

/* Writes the owed tick values of a client with one writev.  Returns 0 when
 * all went out, 1 when the kernel took only part (the rest stays dirty, and
 * a frame cut in the middle has its tail queued), -1 on error. */
static int
conn_send_values(struct conn *c)
{
	const uint8_t *f = state_frames();
	struct iovec iov[STATE_LETTERS / 2 + 1];
	uint32_t d = c->dirty & c->subs;
	int i, j, k = 0;
	ssize_t n;

	c->dirty = d;
	if (!d)
		return 0;
	for (i = 0; i < STATE_LETTERS; i = j) {
		for (; i < STATE_LETTERS && !(d >> i & 1); i++)
			;
		for (j = i; j < STATE_LETTERS && d >> j & 1; j++)
			;
		if (j > i) {
			iov[k].iov_base = (void *)(f + i * STATE_FRAME_LEN);
			iov[k].iov_len = (size_t)(j - i) * STATE_FRAME_LEN;
			k++;
		}
	}
	n = writev(c->fd, iov, k);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 1 : -1;
	metrics.bytes += (uint64_t)n;
	for (i = 0; i < STATE_LETTERS && n > 0; i++) {
		if (!(d >> i & 1))
			continue;
		c->dirty &= ~(UINT32_C(1) << i);
		metrics.messages++;
		if (n < STATE_FRAME_LEN) {
			/* the kernel cut this frame: its tail must go next */
			if (conn_queue(c, f + i * STATE_FRAME_LEN + n,
			    (size_t)(STATE_FRAME_LEN - n)) < 0)
				return -1;
			break;
		}
		n -= STATE_FRAME_LEN;
	}
	return c->dirty || c->out ? 1 : 0;
}

/* RFC 6455 5.5.2: the keepalive ping, encoded once. */
static const uint8_t conn_ping[] = { 0x89, 7, 'l', 'e', 't', 't', 'e', 'r', 'd' };

/* Writes a frame that lives elsewhere (not in the output queue); a tail
 * the kernel did not take is queued.  0 done, 1 would block, -1 closed. */
static int
conn_write_static(struct conn *c, const uint8_t *p, size_t len)
{
	ssize_t n = write(c->fd, p, len);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 1;
	if (n < 0) {
		conn_close(c, DROP_IO_ERROR, strerror(errno));
		return -1;
	}
	metrics.bytes += (uint64_t)n;
	if ((size_t)n < len && conn_queue(c, p + n, len - (size_t)n) < 0)
		return -1;
	return 0;
}

/* Moves the next piece of a static file into the output queue. */
static int
conn_fill_file(struct conn *c)
{
	uint8_t buf[FILE_CHUNK];
	size_t want = c->u.h.file_left < sizeof(buf) ? (size_t)c->u.h.file_left : sizeof(buf);
	ssize_t n = read(c->u.h.file_fd, buf, want);

	if (n <= 0) {
		/* shrank under us: the promised length cannot be kept */
		conn_close(c, DROP_IO_ERROR, "static file read failed");
		return -1;
	}
	c->u.h.file_left -= (uint64_t)n;
	if (!c->u.h.file_left) {
		close(c->u.h.file_fd);
		c->flags &= ~F_FILE;
	}
	return conn_queue(c, buf, (size_t)n);
}

/* Writes what is queued: output first, then file pieces, then tick values.
 * Returns -1 if the connection was closed. */
static int
conn_flush(struct conn *c)
{
	struct out *o;
	ssize_t n;
	int r;

	conn_pending_remove(c);
	for (;;) {
		if ((o = c->out) && o->off < o->len) {
			n = write(c->fd, o->data + o->off, o->len - o->off);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				goto blocked;
			if (n < 0) {
				conn_close(c, DROP_IO_ERROR, strerror(errno));
				return -1;
			}
			o->off += (size_t)n;
			metrics.bytes += (uint64_t)n;
			if (o->off < o->len)
				goto blocked;
		}
		if (c->out) {
			/* drained: an idle connection keeps no buffer */
			free(c->out);
			c->out = NULL;
		}
		if (c->flags & F_FILE) {
			if (conn_fill_file(c) < 0)
				return -1;
			continue;
		}
		if ((c->flags & F_OWE_PING) && c->state == CONN_WS) {
			if ((r = conn_write_static(c, conn_ping, sizeof(conn_ping))) < 0)
				return -1;
			if (r)
				goto blocked;
			c->flags &= ~F_OWE_PING;
			continue;       /* a cut frame's tail may be queued */
		}
		if (c->state == CONN_WS && c->dirty) {
			if ((r = conn_send_values(c)) < 0) {
				if (c->state != CONN_FREE)  /* not already */
					conn_close(c, DROP_IO_ERROR, strerror(errno));
				return -1;
			}
			if (r)
				goto blocked;
		}
		break;
	}
	c->flags &= ~F_WANT_WRITE;
	if (c->state == CONN_CLOSING) {
		/* Everything is out: shut our side, then read until the peer
		 * closes too, so our last bytes are not lost to a reset. */
		shutdown(c->fd, SHUT_WR);
		c->state = CONN_LINGER;
		conn_set_deadline(c, conn_now + LINGER_MS);
	} else if (c->in) {
		conn_process_stash(c);
		if (c->state == CONN_FREE)
			return -1;
	}
	conn_watch(c);
	return 0;
blocked:
	c->flags |= F_WANT_WRITE;
	conn_watch(c);
	return 0;
}

void
conn_flush_pending(void)
{
	while (npending > 0)
		conn_flush(&conns[pending[npending - 1]]);
}

/* ---- HTTP ------------------------------------------------------------- */

/* Answers with an error and closes after it (PROTOCOL.md: every error
 * response has Connection: close).  r is the request as far as it was
 * parsed: a response to HEAD has no content (RFC 9110 9.3.2). */
static void
conn_http_fail(struct conn *c, const struct http_req *r, int status,
               const char *extra)
{
	char buf[512];
	size_t n = http_error(buf, sizeof(buf), status, extra,
	    r->method != HTTP_HEAD);

	conn_log("fd %d: HTTP %d", c->fd, status);
	if (conn_queue(c, buf, n) < 0)
		return;
	c->state = CONN_CLOSING;
	conn_set_deadline(c, conn_now + LINGER_MS);
}

/* A response went out: the next request has HTTP_DEADLINE_MS again. */
static void
conn_http_done(struct conn *c, const struct http_req *r)
{
	if (!r->keep_alive) {
		c->state = CONN_CLOSING;
		conn_set_deadline(c, conn_now + LINGER_MS);
		return;
	}
	if (r->content_length) {
		c->state = CONN_BODY;
		c->u.h.body_left = r->content_length;
	}
	conn_set_deadline(c, conn_now + HTTP_DEADLINE_MS);
}

static void
conn_http_page(struct conn *c, const struct http_req *r)
{
	char head[512];
	size_t n = http_head(head, sizeof(head), 200, "text/html; charset=utf-8",
	    page_html_len, r->keep_alive, "Cache-Control: no-cache\r\n");

	if (conn_queue(c, head, n) < 0)
		return;
	if (r->method == HTTP_GET && conn_queue(c, page_html, page_html_len) < 0)
		return;
	conn_http_done(c, r);
}

/* /static/NAME under -r DIR.  http_static_name refuses "..", empty and
 * encoded separators; realpath then resolves every symlink, and the result
 * must still lie under the resolved root, so a link out of DIR is a 404
 * like a missing file.  (A link swapped in between realpath and open is
 * not caught: O_NOFOLLOW covers only the last component.) */
static void
conn_http_static(struct conn *c, const struct http_req *r)
{
	char rel[PATH_MAX], full[PATH_MAX], real[PATH_MAX], head[512];
	struct stat st;
	size_t n;
	int fd;

	if (!conn_opts.has_root ||
	    http_static_name(r->path + 8, r->path_len - 8, rel, sizeof(rel)) < 0 ||
	    snprintf(full, sizeof(full), "%s/%s", conn_opts.root, rel) >= (int)sizeof(full) ||
	    !realpath(full, real) || strncmp(real, conn_opts.root, conn_opts.root_len) ||
	    real[conn_opts.root_len] != '/') {
		conn_http_fail(c, r, 404, NULL);
		return;
	}
	fd = open(real, O_RDONLY | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		conn_http_fail(c, r, 404, NULL);
		return;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	n = http_head(head, sizeof(head), 200, http_mime(rel),
	    (uint64_t)st.st_size, r->keep_alive, NULL);
	if (conn_queue(c, head, n) < 0) {
		close(fd);
		return;
	}
	if (r->method == HTTP_GET && st.st_size > 0) {
		c->u.h.file_fd = fd;
		c->flags |= F_FILE;
		c->u.h.file_left = (uint64_t)st.st_size;
	} else {
		close(fd);
	}
	conn_http_done(c, r);
}

/* GET /metrics (-M): the counters in the Prometheus text format. */
static void
conn_http_metrics(struct conn *c, const struct http_req *r)
{
	char body[8192], head[512];
	size_t n = metrics_render(body, sizeof(body), nconns, nclients, subscribers);
	size_t h = http_head(head, sizeof(head), 200,
	    "text/plain; version=0.0.4; charset=utf-8", n, r->keep_alive,
	    "Cache-Control: no-cache\r\n");

	if (conn_queue(c, head, h) < 0)
		return;
	if (r->method == HTTP_GET && conn_queue(c, body, n) < 0)
		return;
	conn_http_done(c, r);
}

/* RFC 6455 4.2: the opening handshake, server side. */
static void
conn_http_upgrade(struct conn *c, const struct http_req *r)
{
	char accept[WS_ACCEPT_LEN + 1], extra[160], head[256];
	size_t n;

	if (!(r->path_len == 1 && r->path[0] == '/') &&
	    !(r->path_len == 3 && !memcmp(r->path, "/ws", 3))) {
		conn_http_fail(c, r, 404, NULL);
		return;
	}
	if (r->method != HTTP_GET) {
		conn_http_fail(c, r, r->method == HTTP_HEAD ? 400 : 405,
		    r->method == HTTP_HEAD ? NULL : "Allow: GET, HEAD\r\n");
		return;
	}
	/* 4.2.1: HTTP/1.1 or higher, Connection includes "Upgrade" */
	if (r->minor < 1 || !r->conn_upgrade) {
		conn_http_fail(c, r, 400, NULL);
		return;
	}
	/* 4.2.2: another version gets 426 and the version we speak */
	if (!r->ws_version || r->ws_version_len != 2 || memcmp(r->ws_version, "13", 2)) {
		conn_http_fail(c, r, 426, "Sec-WebSocket-Version: 13\r\n");
		return;
	}
	if (r->ws_key_count != 1 || ws_accept(r->ws_key, r->ws_key_len, accept) < 0) {
		conn_http_fail(c, r, 400, NULL);
		return;
	}
	if (conn_opts.max_clients && nclients >= conn_opts.max_clients) {
		metrics.refused_full++;
		conn_http_fail(c, r, 503, "Retry-After: 1\r\n");
		return;
	}
	/* No Sec-WebSocket-Extensions or -Protocol: none is negotiated. */
	snprintf(extra, sizeof(extra), "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n", accept);
	n = http_head(head, sizeof(head), 101, NULL, 0, 1, extra);
	if (conn_queue(c, head, n) < 0)
		return;
	c->state = CONN_WS;
	conn_set_deadline(c, -1);
	ws_rx_init(&c->u.rx, 0);
	c->client_ix = nclients;
	clients[nclients++] = c->fd;
	metrics.upgrades++;
	conn_log("fd %d: WebSocket client (%d)", c->fd, nclients);
}

static void
conn_http_request(struct conn *c, const struct http_req *r)
{
	if (r->up_websocket) {
		conn_http_upgrade(c, r);
	} else if (r->method == HTTP_OTHER) {
		conn_http_fail(c, r, 405, "Allow: GET, HEAD\r\n");
	} else if (r->path_len == 1 && r->path[0] == '/') {
		conn_http_page(c, r);
	} else if (r->path_len > 8 && !memcmp(r->path, "/static/", 8)) {
		conn_http_static(c, r);
	} else if (conn_opts.metrics && r->path_len == 8 &&
	    !memcmp(r->path, "/metrics", 8)) {
		conn_http_metrics(c, r);
	} else if (r->path_len == 3 && !memcmp(r->path, "/ws", 3)) {
		conn_http_fail(c, r, 400, NULL);    /* RFC 6455 4.2.1: not a handshake */
	} else {
		conn_http_fail(c, r, 404, NULL);
	}
}

/* CONN_HTTP: returns the bytes consumed, 0 if a request is incomplete. */
static size_t
conn_http(struct conn *c, uint8_t *p, size_t n)
{
	struct http_req r;
	size_t skip = c->u.h.scan ? 0 : http_skip_empty((char *)p, n);
	long len;

	if (skip)
		return skip;
	len = http_parse((char *)p, n, &c->u.h.scan, &r);
	if (len == 0)
		return 0;
	c->u.h.scan = 0;
	if (len < 0) {
		conn_http_fail(c, &r, (int)-len, NULL);
		return n;
	}
	conn_http_request(c, &r);
	return (size_t)len;
}

/* ---- WebSocket -------------------------------------------------------- */

static void
conn_ws_reply(struct conn *c, const char *fmt, ...)
{
	char msg[WS_CONTROL_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(msg))
		conn_frame(c, WS_OP_TEXT, msg, (size_t)n);
}

/* One text message: a command (PROTOCOL.md "Messages"). */
static void
conn_ws_command(struct conn *c, const uint8_t *p, size_t n)
{
	struct json_command cmd;
	const char *why;
	uint32_t bit;
	int i;

	if (json_command((const char *)p, n, &cmd, &why) < 0) {
		conn_ws_reply(c, "{\"error\": \"%s\"}", why);
		metrics.replies++;
		return;
	}
	i = cmd.letter - 'A';
	bit = UINT32_C(1) << i;
	if (cmd.action == JSON_SUBSCRIBE) {
		/* the current value at once, in order with other replies;
		 * it is also what a dirty bit would have sent */
		if (!(c->subs & bit))
			subscribers[i]++;
		c->subs |= bit;
		c->dirty &= ~bit;
		/* a relay that has no value yet sends it when it comes */
		if (state_known(i)) {
			conn_queue(c, state_frames() + i * STATE_FRAME_LEN,
			    STATE_FRAME_LEN);
			metrics.messages++;
		}
	} else if (c->subs & bit) {
		subscribers[i]--;
		c->subs &= ~bit;
		c->dirty &= ~bit;
	} else {
		conn_ws_reply(c, "{\"%c\": \"You need to subscribe before un-subscribing\"}",
		    cmd.letter);
		metrics.replies++;
	}
}

/* CONN_WS: feeds the frame parser and acts on one event. */
static size_t
conn_ws(struct conn *c, uint8_t *p, size_t n)
{
	struct ws_ev ev;
	size_t used = ws_feed(&c->u.rx, p, n, conn_opts.max_msg, &ev);

	switch (ev.type) {
	case WS_TEXT:
		conn_ws_command(c, ev.data, ev.len);
		break;
	case WS_PING:
		conn_frame(c, WS_OP_PONG, ev.data, ev.len);  /* RFC 6455 5.5.3 */
		break;
	case WS_PONG:
		c->flags &= ~F_PINGED;
		break;
	case WS_CLOSE:
		conn_log("fd %d: close %d from client", c->fd, ev.code);
		conn_ws_close(c, ev.code);                    /* RFC 6455 5.5.1 */
		break;
	case WS_FAIL:
		metrics_protocol_error(ev.code);
		conn_log("fd %d: protocol error, close %d", c->fd, ev.code);
		conn_ws_close(c, ev.code);                    /* RFC 6455 7.1.7 */
		break;
	}
	return used;
}

/* ---- Input ------------------------------------------------------------ */

/* Hands bytes to the current state until they are used up or the state
 * cannot take more now.  Returns the bytes consumed; the caller keeps the
 * rest.  Stops when the connection closed. */
static size_t
conn_process(struct conn *c, uint8_t *p, size_t n)
{
	size_t off = 0, used;

	while (off < n && c->state != CONN_FREE) {
		if ((c->flags & F_FILE) || (c->out && c->out->len - c->out->off > OUT_HIGH))
			break;      /* busy: the rest waits for the output */
		switch (c->state) {
		case CONN_HTTP:
			used = conn_http(c, p + off, n - off);
			break;
		case CONN_BODY:
			used = n - off < c->u.h.body_left ? n - off : (size_t)c->u.h.body_left;
			if (!(c->u.h.body_left -= used))
				c->state = CONN_HTTP;
			break;
		case CONN_WS:
			used = conn_ws(c, p + off, n - off);
			break;
		default:
			return n;   /* closing: input is discarded */
		}
		if (!used)
			break;
		off += used;
	}
	return off;
}

/* Keeps the unconsumed tail of p in c->in (p may be inside c->in). */
static int
conn_stash(struct conn *c, const uint8_t *p, size_t n)
{
	if (!n) {
		free(c->in);
		c->in = NULL;
		return 0;
	}
	if (!c->in && !(c->in = malloc(sizeof(*c->in)))) {
		conn_close(c, DROP_NO_MEMORY, "out of memory");
		return -1;
	}
	memmove(c->in->data, p, n);
	c->in->len = n;
	return 0;
}

static void
conn_process_stash(struct conn *c)
{
	size_t used = conn_process(c, c->in->data, c->in->len);

	if (c->state != CONN_FREE)
		conn_stash(c, c->in->data + used, c->in->len - used);
}

static void
conn_read(struct conn *c)
{
	uint8_t *p = rbuf;
	size_t have = 0, used;
	ssize_t n;

	if (c->state == CONN_LINGER) {
		n = read(c->fd, rbuf, sizeof(rbuf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			conn_close(c, -1, NULL);
		return;
	}
	if (c->in) {
		/* a partial request or frame is waiting: read after it */
		if (c->in->len == IN_CAP) {
			conn_close(c, DROP_IO_ERROR, "input buffer full");
			return;
		}
		p = c->in->data;
		have = c->in->len;
		n = read(c->fd, p + have, IN_CAP - have);
	} else {
		n = read(c->fd, rbuf, sizeof(rbuf));
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c, n ? DROP_IO_ERROR : -1, n ? strerror(errno) : "peer closed");
		return;
	}
	have += (size_t)n;
	used = conn_process(c, p, have);
	if (c->state != CONN_FREE && conn_stash(c, p + used, have - used) == 0)
		conn_watch(c);
}

/* ---- Accepting -------------------------------------------------------- */

int
conn_adopt(int fd)
{
	struct conn *c;
	int one = 1;

	if (fd >= conns_max) {
		close(fd);
		return -1;
	}
	c = &conns[fd];
	memset(c, 0, sizeof(*c));
	c->deadline = -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* small frames are latency-bound: send them at once (fails
	 * harmlessly on a socket that is not TCP) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->state = CONN_HTTP;
	c->client_ix = -1;
	c->mask = LOOP_READ;
	if (loop_add(fd, LOOP_READ) < 0) {
		close(fd);
		c->state = CONN_FREE;
		return -1;
	}
	if (fd > conns_hi)
		conns_hi = fd;
	nconns++;
	metrics.accepted++;
	conn_set_deadline(c, conn_now + HTTP_DEADLINE_MS);
	conn_log("fd %d: connected", fd);
	return 0;
}

int
conn_accept(int listen_fd)
{
	int fd, i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept(listen_fd, NULL, NULL);
		if (fd >= 0) {
			conn_adopt(fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of descriptors.  Give back the spare one, take
			 * the waiting connection and close it, so that the
			 * listening socket stops being ready instead of
			 * waking us in a loop. */
			if (reserve_fd < 0)
				return -1;      /* no spare: the caller pauses */
			close(reserve_fd);
			fd = accept(listen_fd, NULL, NULL);
			if (fd >= 0)
				close(fd);
			reserve_fd = open("/dev/null", O_RDONLY);
			metrics.dropped[DROP_FD_LIMIT]++;
			conn_log("out of file descriptors: refused a connection");
			continue;
		}
		if (errno == ECONNABORTED || errno == EINTR || errno == EPROTO)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			conn_log("accept: %s", strerror(errno));
		return 0;
	}
	return 0;
}

/* ---- Timers ----------------------------------------------------------- */

static int
conn_popcount(uint32_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Every tick: new values, and every subscriber owes its letters. */
void
conn_tick(void)
{
	int i;

	state_tick();
	for (i = 0; i < nclients; i++) {
		struct conn *c = &conns[clients[i]];

		if (c->subs) {
			/* an owed value not sent yet is replaced: conflated */
			metrics.conflated += conn_popcount(c->dirty & c->subs);
			c->dirty |= c->subs;
			if (!(c->flags & F_WANT_WRITE))
				conn_pending_add(c);
		}
	}
}

void
conn_publish(int letter)
{
	uint32_t bit = UINT32_C(1) << letter;
	int i;

	for (i = 0; i < nclients; i++) {
		struct conn *c = &conns[clients[i]];

		if (c->subs & bit) {
			if (c->dirty & bit)
				metrics.conflated++;
			c->dirty |= bit;
			if (!(c->flags & F_WANT_WRITE))
				conn_pending_add(c);
		}
	}
}

/* Closes connections past their deadline and finds the next one. */
void
conn_housekeeping(void)
{
	int fd;

	next_deadline = -1;
	for (fd = 0; fd <= conns_hi; fd++) {
		struct conn *c = &conns[fd];

		if (c->state == CONN_FREE || c->deadline < 0)
			continue;
		if (c->deadline <= conn_now)
			conn_close(c, c->state == CONN_HTTP || c->state == CONN_BODY ?
			    DROP_REQUEST_TIMEOUT : DROP_CLOSING_TIMEOUT,
			    c->state == CONN_HTTP || c->state == CONN_BODY ?
			    "request timeout" : "closing timeout");
		else if (next_deadline < 0 || c->deadline < next_deadline)
			next_deadline = c->deadline;
	}
	while (conns_hi > 0 && conns[conns_hi].state == CONN_FREE)
		conns_hi--;
}

/* RFC 6455 5.5.2: a ping to every client; one that did not answer the
 * previous ping is gone. */
void
conn_keepalive(void)
{
	int i;

	for (i = nclients - 1; i >= 0; i--) {
		struct conn *c = &conns[clients[i]];

		if (c->state != CONN_WS)
			continue;
		if (c->flags & F_PINGED) {
			conn_close(c, DROP_PING_TIMEOUT, "no answer to ping");
			continue;
		}
		/* written like tick values, from one pre-encoded frame and
		 * without a buffer, when the client's output is flushed */
		c->flags |= F_PINGED | F_OWE_PING;
		if (!(c->flags & F_WANT_WRITE))
			conn_pending_add(c);
	}
}

/* SIGINT/SIGTERM: close 1001 to every client; other connections go now. */
void
conn_shutdown(void)
{
	int fd;

	for (fd = 0; fd <= conns_hi; fd++) {
		struct conn *c = &conns[fd];

		if (c->state == CONN_FREE)
			continue;
		if (c->state == CONN_WS)
			conn_ws_close(c, WS_GOING_AWAY);
		else if (c->state != CONN_CLOSING && c->state != CONN_LINGER)
			conn_close(c, -1, NULL);
	}
}


int64_t
conn_deadline(void)
{
	return next_deadline;
}

int
conn_count(void)
{
	return nconns;
}

void
conn_event(int fd, int mask)
{
	struct conn *c;

	/* A connection closed earlier in this batch is CONN_FREE; its
	 * fd cannot have been reused yet, since main accepts only after the
	 * batch is done. */
	if (fd < 0 || fd >= conns_max || (c = &conns[fd])->state == CONN_FREE)
		return;
	if (mask & LOOP_READ)
		conn_read(c);
	if ((mask & LOOP_WRITE) && c->state != CONN_FREE)
		conn_flush(c);
}

int
conn_init(int maxfd)
{
	conns_max = maxfd;
	conns = calloc((size_t)maxfd, sizeof(*conns));
	clients = calloc((size_t)maxfd, sizeof(*clients));
	pending = calloc((size_t)maxfd, sizeof(*pending));
	reserve_fd = open("/dev/null", O_RDONLY);
	return conns && clients && pending ? 0 : -1;
}

void
conn_free_all(void)
{
	int fd;

	for (fd = 0; fd <= conns_hi && conns; fd++)
		if (conns[fd].state != CONN_FREE)
			conn_close(&conns[fd], -1, NULL);
	free(conns);
	free(clients);
	free(pending);
	conns = NULL;
	clients = pending = NULL;
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
}
