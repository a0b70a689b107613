/* SPDX-License-Identifier: ISC */
/*
 * wsc.c - the test client described in wsc.h.
 *
 * The file follows the life of a connection: time and randomness, the
 * socket (connect, send, fill the input buffer), HTTP responses, the
 * opening handshake, building client frames, and parsing server frames.
 *
 * Input is kept in one buffer per connection.  wsc_fill() appends to it and
 * the parsers consume from its front; bytes that belong to what comes next
 * (the first frame after a 101 response, the second of two pipelined
 * responses) simply stay there for the next parser.  That is the same
 * discipline the server must follow, so the tests exercise it from both
 * ends.
 */
#include "wsc.h"

#include "base64.h"
#include "sha1.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* RFC 6455 4.2.2: the GUID appended to the key before hashing. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* --- error messages ----------------------------------------------------- */

/* Sets c->err and returns rc, so that a failure is one line: return
 * failf(c, WSC_ERROR, "expected ..., got ...", ...). */
static int
failf(struct wsc_conn *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return rc;
}

/* Puts context in front of the message a lower layer left, so that a
 * timeout deep in wsc_fill() reads "expected close 1002: nothing came
 * within 2000 ms" rather than just the second half. */
static int
wrapf(struct wsc_conn *c, int rc, const char *fmt, ...)
{
	char inner[WSC_ERR_CAP];
	size_t n;
	va_list ap;

	memcpy(inner, c->err, sizeof inner);
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	n = strlen(c->err);
	snprintf(c->err + n, sizeof c->err - n, ": %s", inner);
	return rc;
}

char *
wsc_quote(char *out, size_t cap, const void *s, size_t n)
{
	const uint8_t *p = s;
	size_t i, o = 0;

	if (cap < 8) {
		if (cap)
			out[0] = '\0';
		return out;
	}
	out[o++] = '"';
	for (i = 0; i < n; i++) {
		/* Room for the longest escape, "...", the quote and NUL. */
		if (o + 4 + 3 + 2 > cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (p[i] == '"' || p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)p[i];
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i];
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", p[i]);
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

long long
wsc_sample(const char *body, const char *name)
{
	const char *p = body;
	size_t n = strlen(name);

	while (p && *p) {
		if (!strncmp(p, name, n) && p[n] == ' ')
			return atoll(p + n + 1);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

long long
wsc_metric(const char *host, int port, const char *name)
{
	static struct wsc_conn c;
	static struct wsc_http r;
	char req[256];
	long long v = -1;

	r.body = NULL;
	if (wsc_connect(&c, host, port, 2000) < 0)
		return -1;
	snprintf(req, sizeof req, "GET /metrics HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Connection: close\r\n\r\n", host, port);
	if (wsc_http_request(&c, req, &r, 2000) == 0 && r.status == 200 && r.body)
		v = wsc_sample(r.body, name);
	wsc_http_free(&r);
	wsc_close(&c);
	return v;
}

const char *
wsc_show(const struct wsc_msg *m)
{
	static char buf[2][256];
	static int turn;
	char q[200], *out = buf[turn++ & 1];

	wsc_quote(q, sizeof q, m->data, m->len);
	if (m->opcode == WSC_OP_TEXT)
		snprintf(out, sizeof buf[0], "text %s", q);
	else if (m->opcode == WSC_OP_CLOSE)
		snprintf(out, sizeof buf[0], "close %d %s", m->code, q);
	else
		snprintf(out, sizeof buf[0], "opcode 0x%x of %zu bytes",
		    m->opcode, m->len);
	return out;
}

/* --- time and randomness ------------------------------------------------ */

long long
wsc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What is left of a deadline, as poll() wants it: never negative. */
static int
left(long long deadline)
{
	long long d = deadline - wsc_now_ms();

	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

void
wsc_sleep_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * xorshift64* (Vigna).  RFC 6455 10.3 wants masking keys that a script in a
 * browser cannot predict, to protect intermediaries from cache poisoning.
 * A test client has no such adversary: what the tests need is merely that
 * the keys vary from frame to frame, so that a server that ignores or
 * misapplies the mask is caught.  A seeded PRNG does that and, given the
 * same seed, lets a failing run be repeated.
 */
static uint64_t rng_state;

void
wsc_seed(uint64_t seed)
{
	rng_state = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static uint64_t
rng_next(void)
{
	uint64_t x;

	if (rng_state == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		wsc_seed(((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
		    ((uint64_t)getpid() << 16));
	}
	x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

void
wsc_random(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(rng_next() >> 56);
}

/* --- the socket --------------------------------------------------------- */

int wsc_rcvbuf;

/* Waits until fd is ready for events: 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	struct pollfd pfd;
	int n;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left(deadline));
		if (n > 0)
			return 1; /* or POLLERR/POLLHUP: the next call says */
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int
wsc_connect(struct wsc_conn *c, const char *host, int port, int timeout_ms)
{
	struct addrinfo hints, *ai = NULL;
	char service[16];
	int fd = -1, one = 1, soerr = 0, rc;
	socklen_t len = sizeof soerr;

	c->fd = -1;
	c->auto_pong = c->close_sent = c->eof = c->reset = 0;
	c->pings = 0;
	c->in_off = c->in_len = 0;
	c->err[0] = '\0';
	c->accept[0] = '\0';
	/* RFC 3986 3.2.2: an IPv6 literal goes in brackets in Host. */
	snprintf(c->authority, sizeof c->authority,
	    strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(service, sizeof service, "%d", port);
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc != 0)
		return failf(c, WSC_ERROR, "address %s: %s", host,
		    gai_strerror(rc));

	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd == -1) {
		rc = failf(c, WSC_ERROR, "socket: %s", strerror(errno));
		goto out;
	}
	/* Non-blocking for good: every wait goes through poll() with a
	 * deadline.  TCP_NODELAY so that writes we make separately (a request
	 * one byte at a time) leave as separate segments instead of being
	 * coalesced by Nagle's algorithm. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1 ||
	    (wsc_rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF,
	    &wsc_rcvbuf, sizeof wsc_rcvbuf) == -1)) {
		rc = failf(c, WSC_ERROR, "socket options: %s", strerror(errno));
		goto out;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			rc = failf(c, WSC_ERROR, "connect to %s: %s",
			    c->authority, strerror(errno));
			goto out;
		}
		rc = wait_fd(fd, POLLOUT, timeout_ms);
		if (rc <= 0) {
			rc = failf(c, rc ? WSC_ERROR : WSC_TIMEOUT,
			    "connect to %s: %s", c->authority,
			    rc ? strerror(errno) : "timed out");
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			soerr = errno;
		if (soerr != 0) {
			rc = failf(c, WSC_ERROR, "connect to %s: %s",
			    c->authority, strerror(soerr));
			goto out;
		}
	}
	c->fd = fd;
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

int
wsc_connect_unix(struct wsc_conn *c, const char *path, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	struct sockaddr_un sa;
	int fd;

	c->fd = -1;
	c->auto_pong = c->close_sent = c->eof = c->reset = 0;
	c->pings = 0;
	c->in_off = c->in_len = 0;
	c->err[0] = '\0';
	c->accept[0] = '\0';
	snprintf(c->authority, sizeof c->authority, "unix:%s", path);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return failf(c, WSC_ERROR, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd == -1)
		return failf(c, WSC_ERROR, "socket: %s", strerror(errno));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		close(fd);
		return failf(c, WSC_ERROR, "socket options: %s",
		    strerror(errno));
	}
	/* A non-blocking connect to a UNIX socket completes at once or, if
	 * the listener's backlog is full, fails with EAGAIN: try again. */
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		if ((errno != EAGAIN && errno != EINTR) ||
		    wsc_now_ms() >= deadline) {
			failf(c, WSC_ERROR, "connect to %s: %s", path,
			    errno == EAGAIN ? "backlog full until the timeout" :
			    strerror(errno));
			close(fd);
			return WSC_ERROR;
		}
		wsc_sleep_ms(5);
	}
	c->fd = fd;
	return 0;
}

void
wsc_close(struct wsc_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

void
wsc_abort(struct wsc_conn *c)
{
	struct linger lg;

	if (c->fd == -1)
		return;
	/* l_onoff 1 with l_linger 0: close() discards unsent data and the
	 * kernel answers with RST, which is what a crashed or killed client
	 * looks like to the server. */
	lg.l_onoff = 1;
	lg.l_linger = 0;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	wsc_close(c);
}

int
wsc_send(struct wsc_conn *c, const void *buf, size_t n, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	const uint8_t *p = buf;
	ssize_t k;
	int rc;

	if (c->fd == -1)
		return failf(c, WSC_ERROR, "send: not connected");
	while (n > 0) {
		/* MSG_NOSIGNAL: a peer that has gone is an error to report,
		 * not a SIGPIPE that kills the test. */
		k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = wait_fd(c->fd, POLLOUT, left(deadline));
			if (rc == 0)
				return failf(c, WSC_TIMEOUT, "send: the server "
				    "took no data for %d ms (%zu bytes left)",
				    timeout_ms, n);
			if (rc < 0)
				return failf(c, WSC_ERROR, "poll: %s",
				    strerror(errno));
			continue;
		}
		if (errno == EPIPE || errno == ECONNRESET)
			return failf(c, WSC_CLOSED, "send: the server closed "
			    "the connection (%s)", strerror(errno));
		return failf(c, WSC_ERROR, "send: %s", strerror(errno));
	}
	return 0;
}

int
wsc_send_slowly(struct wsc_conn *c, const void *buf, size_t n, size_t chunk,
                int gap_ms, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	const uint8_t *p = buf;
	size_t k;
	int rc;

	if (chunk == 0)
		chunk = 1;
	while (n > 0) {
		k = n < chunk ? n : chunk;
		rc = wsc_send(c, p, k, left(deadline));
		if (rc < 0)
			return rc;
		p += k;
		n -= k;
		if (n > 0 && gap_ms > 0)
			wsc_sleep_ms(gap_ms);
	}
	return 0;
}

int
wsc_fill(struct wsc_conn *c, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	ssize_t k;
	int rc;

	if (c->fd == -1)
		return failf(c, WSC_ERROR, "read: not connected");
	if (c->eof)
		return failf(c, WSC_CLOSED, "the server had already %s the "
		    "connection", c->reset ? "reset" : "closed");
	/* Consumed bytes are dropped only here, so that what a parser has
	 * just returned (a frame's payload) stays valid until the next read. */
	if (c->in_off > 0) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (c->in_len == sizeof c->in)
		return failf(c, WSC_ERROR, "read: input buffer full (%zu "
		    "bytes unparsed)", c->in_len);
	for (;;) {
		k = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
		if (k > 0) {
			c->in_len += (size_t)k;
			return (int)k;
		}
		if (k == 0) {
			c->eof = 1;
			return failf(c, WSC_CLOSED, "the server closed the "
			    "connection");
		}
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET) {
			c->eof = c->reset = 1;
			return failf(c, WSC_CLOSED, "the server reset the "
			    "connection");
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return failf(c, WSC_ERROR, "read: %s", strerror(errno));
		rc = wait_fd(c->fd, POLLIN, left(deadline));
		if (rc == 0)
			return failf(c, WSC_TIMEOUT, "nothing came within %d "
			    "ms", timeout_ms);
		if (rc < 0)
			return failf(c, WSC_ERROR, "poll: %s", strerror(errno));
	}
}

/* Describes unexpected input still in the buffer, for an error message. */
static int
fail_unexpected(struct wsc_conn *c, const char *what)
{
	char q[160];
	size_t n = c->in_len - c->in_off;

	return failf(c, WSC_ERROR, "%s, but %zu more bytes came: %s", what, n,
	    wsc_quote(q, sizeof q, c->in + c->in_off, n));
}

int
wsc_expect_eof(struct wsc_conn *c, int timeout_ms)
{
	int rc;

	if (c->in_len > c->in_off)
		return fail_unexpected(c, "expected the connection to end");
	if (c->eof)
		return 0;
	rc = wsc_fill(c, timeout_ms);
	if (rc == WSC_CLOSED)
		return 0;
	if (rc > 0)
		return fail_unexpected(c, "expected the connection to end");
	if (rc == WSC_TIMEOUT)
		return failf(c, rc, "expected the server to close the "
		    "connection; it was still open after %d ms", timeout_ms);
	return rc;
}

int
wsc_expect_silence(struct wsc_conn *c, int ms)
{
	int rc;

	if (c->in_len > c->in_off)
		return fail_unexpected(c, "expected silence");
	rc = wsc_fill(c, ms);
	if (rc == WSC_TIMEOUT)
		return 0;
	if (rc > 0)
		return fail_unexpected(c, "expected silence");
	return wrapf(c, rc, "expected silence for %d ms", ms);
}

int
wsc_read_line(struct wsc_conn *c, char *out, size_t cap, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	const uint8_t *p, *lf;
	size_t n, k;
	int rc;

	for (;;) {
		p = c->in + c->in_off;
		n = c->in_len - c->in_off;
		if ((lf = memchr(p, '\n', n)) != NULL) {
			n = (size_t)(lf - p);
			k = cap && n >= cap ? cap - 1 : n;
			if (cap) {
				memcpy(out, p, k);
				out[k] = '\0';
			}
			c->in_off += n + 1;
			return n > INT_MAX ? INT_MAX : (int)n;
		}
		rc = wsc_fill(c, left(deadline));
		if (rc < 0)
			return wrapf(c, rc, "expected a line (%zu bytes of it "
			    "so far)", c->in_len - c->in_off);
	}
}

/* --- HTTP responses (RFC 9112) ------------------------------------------ */

/* Finds the blank line that ends a head; returns the head's length with
 * the blank line, or 0 if it has not all arrived yet. */
static size_t
head_length(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

static int
is_tchar(int ch)
{
	/* RFC 9110 5.6.2: the characters of a token. */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Splits r->head in place: status line, then "name: value" fields.  Our
 * server must produce well-formed heads, so anything loose (bare LF, space
 * before the colon, obsolete line folding) is an error here. */
static int
parse_head(struct wsc_conn *c, struct wsc_http *r)
{
	char q[96];
	char *p = r->head, *eol, *colon, *v, *end;

	eol = strstr(p, "\r\n");
	if (strncmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' ||
	    p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' ||
	    p[10] > '9' || p[11] < '0' || p[11] > '9' || p[12] != ' ')
		return failf(c, WSC_ERROR, "malformed status line %s",
		    wsc_quote(q, sizeof q, p, (size_t)(eol - p)));
	r->minor = p[7] - '0';
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	for (v = p + 13; v < eol; v++)
		if (*v == '\r' || *v == '\n')
			return failf(c, WSC_ERROR, "bare CR or LF in the "
			    "status line");

	for (p = eol + 2; *p != '\r'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		for (v = p; v < eol; v++)
			if (*v == '\n' || *v == '\r')
				return failf(c, WSC_ERROR, "bare CR or LF in "
				    "header line %s", wsc_quote(q, sizeof q, p,
				    (size_t)(eol - p)));
		for (colon = p; colon < eol && is_tchar(*colon); colon++)
			;
		if (colon == p || colon == eol || *colon != ':')
			return failf(c, WSC_ERROR, "malformed header line %s",
			    wsc_quote(q, sizeof q, p, (size_t)(eol - p)));
		if (r->nfields == WSC_HTTP_FIELDS)
			return failf(c, WSC_ERROR, "more than %d header fields",
			    WSC_HTTP_FIELDS);
		/* RFC 9110 5.5: optional whitespace around the value. */
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		end = eol;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*colon = '\0';
		*end = '\0';
		r->field[r->nfields].name = p;
		r->field[r->nfields].value = v;
		r->nfields++;
	}
	return 0;
}

/* Content-Length (RFC 9110 8.6): digits only, at most once. */
static int
parse_length(struct wsc_conn *c, struct wsc_http *r)
{
	const char *v = wsc_http_field(r, "Content-Length"), *s;
	long n = 0;

	r->content_length = -1;
	if (v == NULL)
		return 0;
	if (wsc_http_count(r, "Content-Length") != 1)
		return failf(c, WSC_ERROR, "the response has %d Content-Length "
		    "fields", wsc_http_count(r, "Content-Length"));
	for (s = v; *s; s++) {
		if (*s < '0' || *s > '9' || n > WSC_HTTP_BODY_MAX)
			return failf(c, WSC_ERROR, "bad or huge Content-Length "
			    "\"%s\"", v);
		n = n * 10 + (*s - '0');
	}
	if (s == v || n > WSC_HTTP_BODY_MAX)
		return failf(c, WSC_ERROR, "bad or huge Content-Length \"%s\"",
		    v);
	r->content_length = n;
	return 0;
}

/* Reads the body: content_length bytes, or up to the end of the
 * connection if there is no length (RFC 9112 6.3, rule 8). */
static int
read_body(struct wsc_conn *c, struct wsc_http *r, long long deadline)
{
	int to_eof = r->content_length < 0;
	size_t want = to_eof ? (size_t)WSC_HTTP_BODY_MAX :
	    (size_t)r->content_length;
	size_t cap = to_eof ? 4096 : want + 1, take;
	char *grown;
	int rc;

	r->body = malloc(cap);
	if (r->body == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	for (;;) {
		take = c->in_len - c->in_off;
		if (take > want - r->body_len)
			take = want - r->body_len;
		if (r->body_len + take + 1 > cap) {
			while (r->body_len + take + 1 > cap)
				cap *= 2;
			grown = realloc(r->body, cap);
			if (grown == NULL)
				return failf(c, WSC_ERROR, "out of memory");
			r->body = grown;
		}
		memcpy(r->body + r->body_len, c->in + c->in_off, take);
		r->body_len += take;
		c->in_off += take;
		r->body[r->body_len] = '\0';
		if (r->body_len == want)
			return to_eof ? failf(c, WSC_ERROR, "body without "
			    "Content-Length over %ld bytes",
			    WSC_HTTP_BODY_MAX) : 0;
		rc = wsc_fill(c, left(deadline));
		if (rc == WSC_CLOSED && to_eof)
			return 0;
		if (rc < 0)
			return wrapf(c, rc, "reading a %d body (%zu of %s "
			    "bytes came)", r->status, r->body_len, to_eof ?
			    "an unknown number of" : wsc_http_field(r,
			    "Content-Length"));
	}
}

int
wsc_http_read(struct wsc_conn *c, struct wsc_http *r, int after_head,
              int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	char q[200];
	size_t n;
	int rc;

	r->status = r->minor = r->nfields = 0;
	r->content_length = -1;
	r->body = NULL;
	r->body_len = 0;
	r->head[0] = '\0';

	while ((n = head_length(c->in + c->in_off, c->in_len - c->in_off))
	    == 0) {
		if (c->in_len - c->in_off > WSC_HTTP_HEAD_MAX)
			return failf(c, WSC_ERROR, "response head over %d "
			    "bytes", WSC_HTTP_HEAD_MAX);
		rc = wsc_fill(c, left(deadline));
		if (rc < 0)
			return wrapf(c, rc, "expected a response (%zu bytes "
			    "came: %s)", c->in_len - c->in_off, wsc_quote(q,
			    sizeof q, c->in + c->in_off,
			    c->in_len - c->in_off));
	}
	if (n > WSC_HTTP_HEAD_MAX)
		return failf(c, WSC_ERROR, "response head over %d bytes",
		    WSC_HTTP_HEAD_MAX);
	if (memchr(c->in + c->in_off, '\0', n) != NULL)
		return failf(c, WSC_ERROR, "NUL byte in the response head");
	memcpy(r->head, c->in + c->in_off, n);
	r->head[n] = '\0';
	c->in_off += n;

	if ((rc = parse_head(c, r)) < 0 || (rc = parse_length(c, r)) < 0)
		return rc;
	if (wsc_http_field(r, "Transfer-Encoding") != NULL)
		return failf(c, WSC_ERROR, "Transfer-Encoding in a response "
		    "(letterd never needs it; this client cannot read it)");
	/* RFC 9112 6.3 rule 1: no body after HEAD, 1xx, 204 and 304. */
	if (after_head || r->status / 100 == 1 || r->status == 204 ||
	    r->status == 304)
		return 0;
	return read_body(c, r, deadline);
}

int
wsc_http_request(struct wsc_conn *c, const char *req, struct wsc_http *r,
                 int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	int rc;

	r->body = NULL;
	rc = wsc_send(c, req, strlen(req), timeout_ms);
	if (rc < 0)
		return rc;
	return wsc_http_read(c, r, strncmp(req, "HEAD ", 5) == 0,
	    left(deadline));
}

void
wsc_http_free(struct wsc_http *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

const char *
wsc_http_field(const struct wsc_http *r, const char *name)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (strcasecmp(r->field[i].name, name) == 0)
			return r->field[i].value;
	return NULL;
}

int
wsc_http_count(const struct wsc_http *r, const char *name)
{
	int i, n = 0;

	for (i = 0; i < r->nfields; i++)
		if (strcasecmp(r->field[i].name, name) == 0)
			n++;
	return n;
}

int
wsc_http_has_token(const struct wsc_http *r, const char *name,
                   const char *token)
{
	size_t tl = strlen(token), n;
	const char *p, *e;
	int i;

	/* A list may be split over several field lines (RFC 9110 5.3). */
	for (i = 0; i < r->nfields; i++) {
		if (strcasecmp(r->field[i].name, name) != 0)
			continue;
		for (p = r->field[i].value; *p; p = *e ? e + 1 : e) {
			while (*p == ' ' || *p == '\t')
				p++;
			e = strchr(p, ',');
			if (e == NULL)
				e = p + strlen(p);
			n = (size_t)(e - p);
			while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
				n--;
			if (n == tl && strncasecmp(p, token, tl) == 0)
				return 1;
		}
	}
	return 0;
}

/* --- the opening handshake ---------------------------------------------- */

void
wsc_key(char key[25])
{
	uint8_t nonce[16];

	/* RFC 6455 4.1: a randomly selected 16-byte nonce, base64-encoded. */
	wsc_random(nonce, sizeof nonce);
	base64_encode(nonce, sizeof nonce, key);
}

void
wsc_accept_for(const char *key, char accept[29])
{
	struct sha1_ctx sc;
	uint8_t digest[SHA1_LEN];

	sha1_init(&sc);
	sha1_update(&sc, key, strlen(key));
	sha1_update(&sc, ws_guid, sizeof ws_guid - 1);
	sha1_final(&sc, digest);
	base64_encode(digest, sizeof digest, accept);
}

/* RFC 6455 4.1, the client's checks of the server's handshake. */
int
wsc_upgrade_recv(struct wsc_conn *c, struct wsc_http *r, int timeout_ms)
{
	const char *got;
	char q[160];
	int rc;

	rc = wsc_http_read(c, r, 0, timeout_ms);
	if (rc < 0)
		return rc == WSC_TIMEOUT && timeout_ms == 0 ? rc :
		    wrapf(c, rc, "upgrade");
	if (r->status != 101)
		return failf(c, WSC_ERROR, "upgrade: expected 101, got %d "
		    "(body %s)", r->status, wsc_quote(q, sizeof q, r->body ?
		    r->body : "", r->body_len));
	if (!wsc_http_has_token(r, "Upgrade", "websocket"))
		return failf(c, WSC_ERROR, "upgrade: 101 without "
		    "\"Upgrade: websocket\"");
	if (!wsc_http_has_token(r, "Connection", "upgrade"))
		return failf(c, WSC_ERROR, "upgrade: 101 without "
		    "\"Connection: Upgrade\"");
	got = wsc_http_field(r, "Sec-WebSocket-Accept");
	if (got == NULL || wsc_http_count(r, "Sec-WebSocket-Accept") != 1 ||
	    strcmp(got, c->accept) != 0)
		return failf(c, WSC_ERROR, "upgrade: expected "
		    "Sec-WebSocket-Accept %s, got %s (%d fields)", c->accept,
		    got ? got : "none", wsc_http_count(r,
		    "Sec-WebSocket-Accept"));
	return 0;
}

/* Sends head + a fresh key + the blank line + tail, in one write. */
static int
send_upgrade(struct wsc_conn *c, const char *head, const void *tail,
             size_t tail_n, int timeout_ms)
{
	size_t hl = strlen(head), n;
	char key[25], *req;
	int rc;

	wsc_key(key);
	wsc_accept_for(key, c->accept);
	req = malloc(hl + 64 + tail_n);
	if (req == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	memcpy(req, head, hl);
	n = hl + (size_t)sprintf(req + hl, "Sec-WebSocket-Key: %s\r\n\r\n",
	    key);
	if (tail_n > 0)
		memcpy(req + n, tail, tail_n);
	rc = wsc_send(c, req, n + tail_n, timeout_ms);
	free(req);
	return rc < 0 ? wrapf(c, rc, "sending the upgrade request") : 0;
}

int
wsc_upgrade_raw(struct wsc_conn *c, const char *head, const void *tail,
                size_t tail_n, struct wsc_http *r, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	int rc;

	r->body = NULL;
	rc = send_upgrade(c, head, tail, tail_n, timeout_ms);
	return rc < 0 ? rc : wsc_upgrade_recv(c, r, left(deadline));
}

int
wsc_upgrade_send(struct wsc_conn *c, const char *path, int timeout_ms)
{
	char head[512];

	snprintf(head, sizeof head, "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\n", path, c->authority);
	return send_upgrade(c, head, NULL, 0, timeout_ms);
}

int
wsc_upgrade_extra(struct wsc_conn *c, const char *path, const char *extra,
                  struct wsc_http *r, int timeout_ms)
{
	size_t cap = strlen(path) + (extra ? strlen(extra) : 0) + 256;
	char *head;
	int rc;

	r->body = NULL;
	if ((head = malloc(cap)) == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	snprintf(head, cap, "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s", path, c->authority,
	    extra ? extra : "");
	rc = wsc_upgrade_raw(c, head, NULL, 0, r, timeout_ms);
	free(head);
	return rc;
}

int
wsc_upgrade(struct wsc_conn *c, const char *path, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	struct wsc_http *r;
	int rc;

	/* struct wsc_http is too big for the stack of a deep call chain. */
	r = malloc(sizeof *r);
	if (r == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	r->body = NULL;
	rc = wsc_upgrade_send(c, path, timeout_ms);
	if (rc == 0)
		rc = wsc_upgrade_recv(c, r, left(deadline));
	wsc_http_free(r);
	free(r);
	return rc;
}

/* --- building client frames (RFC 6455 5.2) ------------------------------ */

size_t
wsc_frame_header(uint8_t *out, unsigned first_byte, const uint8_t key[4],
                 uint64_t len, enum wsc_len_form form)
{
	uint8_t mask_bit = key ? 0x80 : 0;
	size_t n = 0;
	int i;

	out[n++] = (uint8_t)first_byte;
	if (form == WSC_LEN_SHORTEST && len < 126) {
		out[n++] = (uint8_t)(mask_bit | len);
	} else if (form == WSC_LEN_16 ||
	    (form == WSC_LEN_SHORTEST && len <= 0xFFFF)) {
		/* A forced 16-bit form keeps only the low 16 bits. */
		out[n++] = mask_bit | 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		/* Written as given, top bit included, so that tests can
		 * send the lengths 5.2 forbids. */
		out[n++] = mask_bit | 127;
		for (i = 7; i >= 0; i--)
			out[n++] = (uint8_t)(len >> (8 * i));
	}
	if (key) {
		memcpy(out + n, key, 4);
		n += 4;
	}
	return n;
}

void
wsc_mask(uint8_t *p, size_t n, const uint8_t key[4], uint64_t at)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] ^= key[(at + i) & 3];
}

size_t
wsc_frame_ex(uint8_t *out, size_t cap, unsigned first_byte, int masked,
             enum wsc_len_form form, uint64_t announced, const void *payload,
             size_t n)
{
	uint8_t key[4], head[14];
	size_t hl;

	/* A fresh key for every frame (RFC 6455 5.3). */
	wsc_random(key, sizeof key);
	hl = wsc_frame_header(head, first_byte, masked ? key : NULL, announced,
	    form);
	if (cap < hl || cap - hl < n)
		return 0;
	memcpy(out, head, hl);
	if (n > 0)
		memcpy(out + hl, payload, n);
	if (masked)
		wsc_mask(out + hl, n, key, 0);
	return hl + n;
}

size_t
wsc_frame(uint8_t *out, size_t cap, unsigned first_byte, int masked,
          const void *payload, size_t n)
{
	return wsc_frame_ex(out, cap, first_byte, masked, WSC_LEN_SHORTEST, n,
	    payload, n);
}

int
wsc_send_frame(struct wsc_conn *c, unsigned first_byte, const void *payload,
               size_t n, int timeout_ms)
{
	uint8_t small[512], *buf = small;
	size_t len;
	int rc;

	/* Commands, pings and closes fit on the stack; only the tests of
	 * large messages pay for malloc. */
	if (n + 14 > sizeof small && (buf = malloc(n + 14)) == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	len = wsc_frame(buf, n + 14, first_byte, 1, payload, n);
	rc = wsc_send(c, buf, len, timeout_ms);
	if (buf != small)
		free(buf);
	if (rc == 0 && (first_byte & 0x0F) == WSC_OP_CLOSE)
		c->close_sent = 1;
	return rc;
}

int
wsc_send_text(struct wsc_conn *c, const char *text, int timeout_ms)
{
	return wsc_send_frame(c, WSC_FIN | WSC_OP_TEXT, text, strlen(text),
	    timeout_ms);
}

int
wsc_send_close(struct wsc_conn *c, int code, const char *reason,
               int timeout_ms)
{
	uint8_t p[512];
	size_t n = 0, rl = reason ? strlen(reason) : 0;

	/* RFC 6455 5.5.1: an optional 2-byte code, then an optional reason. */
	if (code >= 0) {
		if (rl > sizeof p - 2)
			rl = sizeof p - 2;
		p[n++] = (uint8_t)(code >> 8);
		p[n++] = (uint8_t)code;
		memcpy(p + n, reason ? reason : "", rl);
		n += rl;
	}
	return wsc_send_frame(c, WSC_FIN | WSC_OP_CLOSE, p, n, timeout_ms);
}

/* --- reading server frames ---------------------------------------------- */

/*
 * Parses one frame from the front of the input buffer.  Returns 1 and fills
 * *f, 0 if the frame has not all arrived, or WSC_ERROR if the server broke
 * a rule of RFC 6455 5.2-5.5.  Everything is checked before the length is
 * used, and the 64-bit length before any arithmetic on it.
 */
static int
parse_frame(struct wsc_conn *c, struct wsc_frame *f)
{
	const uint8_t *p = c->in + c->in_off;
	size_t avail = c->in_len - c->in_off, hl = 2;
	unsigned b0, b1, op;
	uint64_t len;
	int i;

	if (avail < 2)
		return 0;
	b0 = p[0];
	b1 = p[1];
	op = b0 & 0x0F;
	if (b0 & 0x70)
		return failf(c, WSC_ERROR, "server frame with reserved bits "
		    "0x%02x set (no extension was negotiated)", b0 & 0x70);
	if (op != WSC_OP_CONT && op != WSC_OP_TEXT && op != WSC_OP_BINARY &&
	    op != WSC_OP_CLOSE && op != WSC_OP_PING && op != WSC_OP_PONG)
		return failf(c, WSC_ERROR, "server frame with reserved opcode "
		    "0x%x", op);
	if (b1 & 0x80)
		return failf(c, WSC_ERROR, "server frame is masked (RFC 6455 "
		    "5.1: a server MUST NOT mask)");
	len = b1 & 0x7F;
	if (len == 126) {
		if (avail < 4)
			return 0;
		len = (uint64_t)p[2] << 8 | p[3];
		hl = 4;
		if (len < 126)
			return failf(c, WSC_ERROR, "server frame length %u in "
			    "16 bits (5.2: the minimal form is required)",
			    (unsigned)len);
	} else if (len == 127) {
		if (avail < 10)
			return 0;
		if (p[2] & 0x80)
			return failf(c, WSC_ERROR, "server frame length with "
			    "its top bit set");
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | p[i];
		hl = 10;
		if (len <= 0xFFFF)
			return failf(c, WSC_ERROR, "server frame length %u in "
			    "64 bits (5.2: the minimal form is required)",
			    (unsigned)len);
	}
	if ((op & 0x8) && (!(b0 & WSC_FIN) || len > 125))
		return failf(c, WSC_ERROR, "server control frame 0x%x %s",
		    op, len > 125 ? "over 125 bytes" : "without FIN");
	if (len > WSC_FRAME_MAX)
		return failf(c, WSC_ERROR, "server frame of %llu bytes, over "
		    "this client's %d", (unsigned long long)len,
		    WSC_FRAME_MAX);
	if (avail - hl < len)
		return 0;
	f->fin = (b0 & WSC_FIN) != 0;
	f->opcode = op;
	f->len = (size_t)len;
	f->payload = p + hl;
	c->in_off += hl + (size_t)len;
	return 1;
}

int
wsc_next_frame(struct wsc_conn *c, struct wsc_frame *f, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	uint8_t copy[125];
	int rc;

	while ((rc = parse_frame(c, f)) == 0) {
		rc = wsc_fill(c, left(deadline));
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (f->opcode == WSC_OP_PING) {
		c->pings++;
		/* RFC 6455 5.5.2: a pong carries the ping's payload.  Copied
		 * first: sending must not depend on the input buffer.  Once
		 * we have sent a close we send nothing more (5.5.1). */
		if (c->auto_pong && !c->close_sent) {
			memcpy(copy, f->payload, f->len);
			rc = wsc_send_frame(c, WSC_FIN | WSC_OP_PONG, copy,
			    f->len, left(deadline));
			if (rc < 0)
				return wrapf(c, rc, "answering a ping");
		}
	}
	return 0;
}

static int
append(struct wsc_conn *c, struct wsc_msg *m, const struct wsc_frame *f)
{
	if (f->len > WSC_MSG_MAX - m->len)
		return failf(c, WSC_ERROR, "server message over %d bytes",
		    WSC_MSG_MAX);
	memcpy(m->data + m->len, f->payload, f->len);
	m->len += f->len;
	m->data[m->len] = '\0';
	return 0;
}

int
wsc_recv(struct wsc_conn *c, struct wsc_msg *m, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	struct wsc_frame f;
	int open = 0, rc;

	m->opcode = 0;
	m->code = -1;
	m->len = 0;
	m->data[0] = '\0';
	for (;;) {
		rc = wsc_next_frame(c, &f, left(deadline));
		if (rc < 0)
			return rc;
		switch (f.opcode) {
		case WSC_OP_PING:
		case WSC_OP_PONG:
			continue;
		case WSC_OP_CLOSE:
			/* A close may come between fragments; it ends the
			 * message that was being assembled. */
			if (f.len == 1)
				return failf(c, WSC_ERROR, "server close frame "
				    "with a 1-byte payload (5.5.1)");
			m->opcode = WSC_OP_CLOSE;
			m->len = 0;
			if (f.len >= 2) {
				m->code = f.payload[0] << 8 | f.payload[1];
				f.payload += 2;
				f.len -= 2;
			}
			return append(c, m, &f);
		case WSC_OP_TEXT:
		case WSC_OP_BINARY:
			if (open)
				return failf(c, WSC_ERROR, "server started a "
				    "message inside a fragmented one (5.4)");
			m->opcode = f.opcode;
			open = 1;
			break;
		default: /* WSC_OP_CONT */
			if (!open)
				return failf(c, WSC_ERROR, "server "
				    "continuation frame with nothing to "
				    "continue (5.4)");
			break;
		}
		if ((rc = append(c, m, &f)) < 0)
			return rc;
		if (f.fin)
			return 0;
	}
}

/* One line that says what a message was, for "expected X, got Y". */
static const char *
describe(char *out, size_t cap, const struct wsc_msg *m)
{
	char q[200];

	wsc_quote(q, sizeof q, m->data, m->len);
	if (m->opcode == WSC_OP_TEXT)
		snprintf(out, cap, "text %s", q);
	else if (m->opcode == WSC_OP_BINARY)
		snprintf(out, cap, "a binary message of %zu bytes", m->len);
	else if (m->code < 0)
		snprintf(out, cap, "a close frame without a code");
	else
		snprintf(out, cap, "close %d (reason %s)", m->code, q);
	return out;
}

int
wsc_expect_text(struct wsc_conn *c, const char *expected, int timeout_ms)
{
	struct wsc_msg *m;
	char q[200], d[256];
	size_t n = strlen(expected);
	int rc;

	m = malloc(sizeof *m);
	if (m == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	wsc_quote(q, sizeof q, expected, n);
	rc = wsc_recv(c, m, timeout_ms);
	if (rc < 0)
		rc = wrapf(c, rc, "expected text %s", q);
	else if (m->opcode != WSC_OP_TEXT || m->len != n ||
	    memcmp(m->data, expected, n) != 0)
		rc = failf(c, WSC_ERROR, "expected text %s, got %s", q,
		    describe(d, sizeof d, m));
	free(m);
	return rc;
}

int
wsc_expect_close(struct wsc_conn *c, int code, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	struct wsc_msg *m;
	char d[256];
	int rc, skipped = 0;

	m = malloc(sizeof *m);
	if (m == NULL)
		return failf(c, WSC_ERROR, "out of memory");
	for (;;) {
		rc = wsc_recv(c, m, left(deadline));
		if (rc < 0) {
			rc = wrapf(c, rc, "expected close %d (after %d text "
			    "messages)", code, skipped);
			goto out;
		}
		if (m->opcode != WSC_OP_TEXT)
			break;
		skipped++;
	}
	if (m->opcode != WSC_OP_CLOSE || m->code != code) {
		rc = failf(c, WSC_ERROR, "expected close %d, got %s", code,
		    describe(d, sizeof d, m));
		goto out;
	}
	/* RFC 6455 5.5.1: answer a close we did not start by echoing it.  The
	 * server may already have closed; that is fine, errors are ignored. */
	if (!c->close_sent)
		(void)wsc_send_close(c, code, NULL, left(deadline));
	rc = wsc_expect_eof(c, left(deadline));
	if (rc < 0)
		rc = wrapf(c, rc, "after close %d", code);
out:
	free(m);
	return rc;
}

/* If m is a value message, exactly `{"L": NNNN}` with NNNN in 1000..9999,
 * returns L and stores the value; otherwise returns 0. */
int
wsc_value(const struct wsc_msg *m, int *value)
{
	const uint8_t *d = m->data;
	int i, v = 0;

	if (m->opcode != WSC_OP_TEXT || m->len != 11 || d[0] != '{' ||
	    d[1] != '"' || d[2] < 'A' || d[2] > 'Z' || d[3] != '"' ||
	    d[4] != ':' || d[5] != ' ' || d[6] < '1' || d[6] > '9' ||
	    d[10] != '}')
		return 0;
	for (i = 6; i < 10; i++) {
		if (d[i] < '0' || d[i] > '9')
			return 0;
		v = v * 10 + (d[i] - '0');
	}
	if (value)
		*value = v;
	return d[2];
}
