/* SPDX-License-Identifier: ISC */
/*
 * ceiling.c - the limit of the syscalls: what letterd's work costs when it
 * is done by the simplest loop that can do it, measured on the same machine
 * at the same moment as letterd itself (bench/README.md, "The ceiling").
 *
 *   ceiling [-b 127.0.0.1] [-p PORT] [-i MS]
 *
 * Built from the top of the tree, with letterd's own SHA-1 and base64:
 *
 *   cc -std=c99 -O2 -Wall -Wextra -pedantic -D_GNU_SOURCE -I. \
 *      -o bench/ceiling bench/ceiling.c sha1.c base64.c
 *
 * It does what bench/load needs from a server and nothing more:
 *   - accepts (TCP_NODELAY, like letterd), reads one upgrade request and
 *     answers 101 with the accept key (RFC 6455 4.2.2);
 *   - reads the client's masked frames just far enough to learn which
 *     letters it subscribes to, and answers a subscribe with that letter's
 *     current frame (docs/protocol.md 4.3 asks for it, and without it the
 *     connect scenario, S4, would wait for a tick instead of measuring a
 *     reply);
 *   - every -i ms (a periodic timerfd) draws 26 values, encodes the 26
 *     frames once, and makes ONE write() per subscribed client of its
 *     frames, back to back.
 * The first line it prints has the shape of letterd's,
 * "ceiling listening on http://127.0.0.1:PORT/", so bench/run.sh starts
 * both alike.
 *
 * The shortcuts are the point, and each one is named where it is taken:
 *   - the request head must arrive in one read(), and only the
 *     Sec-WebSocket-Key header is looked at: no HTTP parser, no checks;
 *   - "JSON" is a strstr() for "letter" and a look at the next quoted
 *     character; "unsubscribe" anywhere in the message means unsubscribe;
 *   - a client frame must be under 126 + 4 bytes of payload and fit a
 *     64-byte carry when it is split across reads; anything else closes
 *     the connection;
 *   - no pong, no close echo, no error replies, no keepalive, no limits:
 *     a close frame or EOF just closes the socket;
 *   - no queue and no conflation: when the kernel takes only part of a
 *     tick's write, the rest is DROPPED.  The one thing kept is the tail
 *     of a frame the kernel cut in two (at most 12 bytes), sent before
 *     the next write, because a stream with half a frame in it is not a
 *     WebSocket stream any more and the client would count garbage;
 *   - Linux only (epoll, timerfd, accept4): it is a yardstick, not a server.
 * Whatever letterd costs above this is the price of its design --
 * HTTP, RFC 6455 validation, the pending list, conflation -- and the
 * ratio in bench/RESULTS.md says how much that is.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "base64.h"
#include "sha1.h"

#define CEIL_LETTERS   26
#define CEIL_FRAME     13          /* {"A": 1234} with its 2-byte header */
#define CEIL_CARRY     64          /* a client frame split across reads */
#define CEIL_TAIL      (CEIL_FRAME - 1)
#define CEIL_READ      16384
#define CEIL_EVENTS    256
#define CEIL_BURST     64          /* accepts per turn, as letterd */
#define CEIL_BACKLOG   1024        /* listen backlog, as letterd */
#define CEIL_MAX_FDS   65536       /* table size, as letterd's MAX_FDS */

static const char ceil_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

enum { CL_FREE, CL_HTTP, CL_WS };

/* One connection, indexed by its fd: 88 bytes, inline, no allocation. */
struct cl {
	uint32_t subs;              /* bit i: subscribed to 'A' + i */
	int ix;                     /* place in clients[] once upgraded */
	uint8_t state;
	uint8_t carry_len;
	uint8_t tail_len;
	uint8_t carry[CEIL_CARRY];  /* incomplete client frame */
	uint8_t tail[CEIL_TAIL];    /* rest of a server frame cut by the kernel */
};

static struct cl *cls;
static int cls_max;
static int *clients;                /* fds of the upgraded clients, dense */
static int nclients;
static int ep = -1;
static uint8_t frames[CEIL_LETTERS * CEIL_FRAME];
static uint8_t rbuf[CEIL_CARRY + CEIL_READ];
static uint64_t rng;

static void
die(const char *what)
{
	fprintf(stderr, "ceiling: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- The values: the same 26 frames letterd's state.c encodes -------- */

static uint64_t
rng_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

static void
draw_frames(void)
{
	int i;

	for (i = 0; i < CEIL_LETTERS; i++) {
		uint8_t *f = frames + i * CEIL_FRAME;
		int v = 1000 + (int)(rng_next() % 9000);   /* bias: irrelevant here */

		f[0] = 0x81;
		f[1] = 11;
		memcpy(f + 2, "{\"A\": ", 6);
		f[4] = (uint8_t)('A' + i);
		f[8] = (uint8_t)('0' + v / 1000);
		f[9] = (uint8_t)('0' + v / 100 % 10);
		f[10] = (uint8_t)('0' + v / 10 % 10);
		f[11] = (uint8_t)('0' + v % 10);
		f[12] = '}';
	}
}

/* ---- Connections ------------------------------------------------------ */

static void
cl_close(int fd)
{
	struct cl *c = &cls[fd];

	if (c->state == CL_WS) {
		clients[c->ix] = clients[--nclients];
		cls[clients[c->ix]].ix = c->ix;
	}
	c->state = CL_FREE;
	close(fd);             /* also leaves the epoll set */
}

/*
 * One write() of n bytes of whole frames, after the tail of a frame cut
 * last time.  What the kernel does not take is dropped, except the rest of
 * a frame it cut (see the top of the file).  Frames always start at 0 of
 * p, so the cut point is found by counting from the tail's end.
 */
static void
cl_send(int fd, const uint8_t *p, size_t n)
{
	struct cl *c = &cls[fd];
	uint8_t buf[CEIL_TAIL + CEIL_LETTERS * CEIL_FRAME * 2];
	const uint8_t *out = p;
	size_t len = n, t = c->tail_len, cut;
	ssize_t w;

	if (t) {
		if (n > sizeof(buf) - t)
			n = (sizeof(buf) - t) / CEIL_FRAME * CEIL_FRAME;
		memcpy(buf, c->tail, t);
		memcpy(buf + t, p, n);
		out = buf;
		len = t + n;
	}
	w = write(fd, out, len);
	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			cl_close(fd);
		return;                 /* all dropped; an old tail stays */
	}
	if ((size_t)w < t) {            /* not even the old tail went */
		memmove(c->tail, c->tail + w, t - (size_t)w);
		c->tail_len = (uint8_t)(t - (size_t)w);
		return;
	}
	c->tail_len = 0;
	cut = ((size_t)w - t) % CEIL_FRAME;
	if (cut && (size_t)w < len) {   /* a frame cut in two: keep its rest */
		memcpy(c->tail, out + w, CEIL_FRAME - cut);
		c->tail_len = (uint8_t)(CEIL_FRAME - cut);
	}
}

/* The head must be in this one read (a shortcut, see the top); the key is
 * the only header looked at. */
static void
cl_http(int fd, const uint8_t *p, size_t n)
{
	struct cl *c = &cls[fd];
	const char *s = (const char *)p, *end = NULL, *line, *key = NULL, *eol;
	uint8_t digest[SHA1_LEN];
	char accept[BASE64_LEN(SHA1_LEN) + 1], resp[160];
	struct sha1_ctx sha;
	size_t i, klen = 0;
	int m;

	for (i = 0; i + 4 <= n; i++)
		if (!memcmp(s + i, "\r\n\r\n", 4)) {
			end = s + i + 2;
			break;
		}
	for (line = s; end && line < end; line = eol + 2) {
		if (!(eol = memchr(line, '\r', (size_t)(end - line))))
			break;
		if (eol - line > 18 && !strncasecmp(line, "Sec-WebSocket-Key:", 18)) {
			for (key = line + 18; *key == ' '; key++)
				;
			klen = (size_t)(eol - key);
		}
	}
	if (!key || klen != 24) {
		cl_close(fd);
		return;
	}
	sha1_init(&sha);
	sha1_update(&sha, key, klen);
	sha1_update(&sha, ceil_guid, sizeof(ceil_guid) - 1);
	sha1_final(&sha, digest);
	base64_encode(digest, SHA1_LEN, accept);
	m = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (write(fd, resp, (size_t)m) != m) {
		cl_close(fd);
		return;
	}
	c->state = CL_WS;
	c->ix = nclients;
	clients[nclients++] = fd;
}

/* A text message, unmasked, NUL-terminated: strstr is the JSON parser
 * (a shortcut, see the top).  Returns the letter subscribed to, or -1. */
static int
cl_command(struct cl *c, char *msg)
{
	char *q = strstr(msg, "\"letter\"");
	int l;

	if (!q || !(q = strchr(q + 8, '"')))
		return -1;
	l = q[1] >= 'a' && q[1] <= 'z' ? q[1] - 'a' : q[1] - 'A';
	if (l < 0 || l >= CEIL_LETTERS)
		return -1;
	if (strstr(msg, "unsubscribe")) {
		c->subs &= ~(UINT32_C(1) << l);
		return -1;
	}
	c->subs |= UINT32_C(1) << l;
	return l;
}

/* Client frames in p[0..n): the subscribes' replies go out in one write.
 * Returns the bytes consumed, or -1 when the connection was closed. */
static long
cl_frames(int fd, uint8_t *p, size_t n)
{
	struct cl *c = &cls[fd];
	uint8_t reply[CEIL_LETTERS * CEIL_FRAME * 2];
	size_t off = 0, rn = 0, len, hdr, i;
	char msg[130];
	int l;

	while (n - off >= 2) {
		uint8_t *f = p + off;

		len = f[1] & 0x7f;
		if (!(f[1] & 0x80) || len > 125) {     /* unmasked, or too big */
			cl_close(fd);
			return -1;
		}
		hdr = 6;
		if (n - off < hdr + len)
			break;
		if ((f[0] & 0x0f) == 0x8) {            /* close: just close */
			cl_close(fd);
			return -1;
		}
		if ((f[0] & 0x0f) == 0x1) {
			for (i = 0; i < len; i++)
				msg[i] = (char)(f[hdr + i] ^ f[2 + (i & 3)]);
			msg[len] = '\0';
			l = cl_command(c, msg);
			if (l >= 0 && rn + CEIL_FRAME <= sizeof(reply)) {
				memcpy(reply + rn, frames + l * CEIL_FRAME, CEIL_FRAME);
				rn += CEIL_FRAME;
			}
		}
		off += hdr + len;      /* pings, pongs, binary: ignored */
	}
	if (rn)
		cl_send(fd, reply, rn);
	return cls[fd].state == CL_FREE ? -1 : (long)off;
}

static void
cl_read(int fd)
{
	struct cl *c = &cls[fd];
	size_t have = c->carry_len;
	ssize_t n;
	long used;

	memcpy(rbuf, c->carry, have);
	n = read(fd, rbuf + have, CEIL_READ);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		cl_close(fd);
		return;
	}
	have += (size_t)n;
	if (c->state == CL_HTTP) {
		cl_http(fd, rbuf, have);
		return;                /* nothing follows a head before its 101 */
	}
	if ((used = cl_frames(fd, rbuf, have)) < 0)
		return;
	if (have - (size_t)used > CEIL_CARRY) {
		cl_close(fd);
		return;
	}
	c->carry_len = (uint8_t)(have - (size_t)used);
	memcpy(c->carry, rbuf + used, c->carry_len);
}

static void
accept_some(int lfd)
{
	struct epoll_event e;
	int i, fd, one = 1;

	for (i = 0; i < CEIL_BURST; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;        /* EAGAIN, or EMFILE: the ceiling has no reserve fd */
		if (fd >= cls_max) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		memset(&cls[fd], 0, sizeof(cls[fd]));
		cls[fd].state = CL_HTTP;
		memset(&e, 0, sizeof(e));
		e.events = EPOLLIN;
		e.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0)
			cl_close(fd);
	}
}

/* ---- The tick: 26 frames once, one write per subscribed client -------- */

static void
tick(void)
{
	uint8_t buf[CEIL_LETTERS * CEIL_FRAME];
	int i, j, k;

	draw_frames();
	for (k = nclients - 1; k >= 0; k--) {     /* cl_send may remove one */
		int fd = clients[k];
		uint32_t s = cls[fd].subs;
		size_t n = 0;

		if (!s)
			continue;
		/* A run of letters is already contiguous in frames[]; any
		 * other set is gathered first. */
		for (i = 0; i < CEIL_LETTERS && !(s >> i & 1); i++)
			;
		for (j = i; j < CEIL_LETTERS && s >> j & 1; j++)
			;
		if (!(s >> j)) {
			cl_send(fd, frames + i * CEIL_FRAME, (size_t)(j - i) * CEIL_FRAME);
			continue;
		}
		for (i = 0; i < CEIL_LETTERS; i++)
			if (s >> i & 1) {
				memcpy(buf + n, frames + i * CEIL_FRAME, CEIL_FRAME);
				n += CEIL_FRAME;
			}
		cl_send(fd, buf, n);
	}
}

/* ---- Start-up --------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: ceiling [-b IPv4 address] [-p port] [-i ms]\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct epoll_event e, ev[CEIL_EVENTS];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct itimerspec its;
	struct rlimit rl;
	const char *addr = "127.0.0.1";
	long port = 8000, ms = 1000;
	int ch, lfd, tfd, i, n, one = 1;
	uint64_t x;

	while ((ch = getopt(argc, argv, "b:p:i:")) != -1) {
		switch (ch) {
		case 'b': addr = optarg; break;
		case 'p': port = number(optarg, 0, 65535); break;
		case 'i': ms = number(optarg, 1, 86400000); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);

	/* Every client is a descriptor: take all the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	cls_max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CEIL_MAX_FDS ?
	    CEIL_MAX_FDS : (int)rl.rlim_cur;
	cls = calloc((size_t)cls_max, sizeof(*cls));
	clients = calloc((size_t)cls_max, sizeof(*clients));
	if (!cls || !clients)
		die("calloc");

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, CEIL_BACKLOG) < 0)
		die("bind/listen");
	getsockname(lfd, (struct sockaddr *)&sa, &sl);

	rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ UINT64_C(0x9E3779B97F4A7C15);
	draw_frames();
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
		die("timerfd_create");
	its.it_value.tv_sec = its.it_interval.tv_sec = ms / 1000;
	its.it_value.tv_nsec = its.it_interval.tv_nsec = ms % 1000 * 1000000L;
	timerfd_settime(tfd, 0, &its, NULL);
	memset(&e, 0, sizeof(e));
	e.events = EPOLLIN;
	e.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e);
	e.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e);

	printf("ceiling listening on http://%s:%u/\n", addr, ntohs(sa.sin_port));
	fflush(stdout);

	for (;;) {
		n = epoll_wait(ep, ev, CEIL_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == lfd) {
				accept_some(lfd);
			} else if (fd == tfd) {
				/* missed expirations are skipped, not burst, as
				 * letterd does */
				if (read(tfd, &x, sizeof(x)) == (ssize_t)sizeof(x))
					tick();
			} else if (cls[fd].state != CL_FREE) {
				/* A fd closed earlier in this batch is FREE.  One
				 * accepted again in the same batch gets the old
				 * connection's stale event: level-triggered and
				 * non-blocking, that is one read of EAGAIN. */
				cl_read(fd);
			}
		}
	}
}
