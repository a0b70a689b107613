/* SPDX-License-Identifier: ISC */
/*
 * load.c - a load client for letterd: many WebSocket subscribers in one
 * thread, and the figures that say how the server copes with them.
 *
 *   load -p PORT [-h 127.0.0.1] [-n CLIENTS] [-l LETTERS] [-S] [-D] [-C]
 *        [-w WARMUP_SECS] [-t SECS] [-s SERVER_PID] [-U] [-f 8]
 *        [-F FEED_SOCKET] [-M]
 *
 * Built from the top of the tree, with the server's own SHA-1 and base64
 * (the handshake's accept key is the only thing they are used for):
 *
 *   cc -std=c99 -O2 -Wall -Wextra -pedantic -D_GNU_SOURCE -I. \
 *      -o bench/load bench/load.c sha1.c base64.c
 *
 * A run has three timed phases in one event loop:
 *   connect  N connections, at most LOAD_INFLIGHT handshakes at a time;
 *            each subscribes to the letters of -l once its 101 is checked;
 *   warm-up  -w seconds in which everything runs and nothing is measured;
 *   window   -t seconds measured: messages and bytes received, this
 *            process's CPU time, and with -s the server's CPU time and RSS,
 *            all taken as differences between the window's two edges.
 * Every wait is bounded by the next phase edge and by one global deadline,
 * start + w + t + LOAD_SLACK_S; passing it is an error (exit 2), so a
 * server that stops answering makes the run fail instead of hang.
 *
 * Variants, for bench/run.sh's scenarios:
 *   -l ""    subscribe to nothing: idle, upgraded connections, for the
 *            server's memory and wake-ups per connection (the window is
 *            then a hold: -t is how long the connections are held);
 *   -S       spread: client i subscribes to one letter, the (i mod L)-th
 *            of -l, instead of to all of them;
 *   -D       defer: nobody subscribes until every connection is open (or
 *            failed).  A server busy fanning out ticks to the clients
 *            already subscribed answers each handshake only between two
 *            fan-outs, so connecting thousands of clients one subscriber
 *            at a time can take longer than the whole run; with -D the
 *            connect phase meets an idle server, and the warm-up absorbs
 *            the burst of subscriptions;
 *   -C       connect rate: the window is the connect phase itself, from
 *            the first connect() until every client has its first value
 *            (the answer to its first subscribe); no warm-up, no hold;
 *   -U       sends SIGUSR1 to -s's pid at both edges of the window, so that
 *            bench/malloc_count.so records its counts there;
 *   -F PATH  feed: a writer process (forked before the first connect, so
 *            that it holds none of the clients' sockets) connects to
 *            letterd's feed socket (letterd -s PATH) and, from the end of
 *            the connect phase to the end of the window, writes lines
 *            "X NNNN\n" as fast as blocking writes go: A..Z in turn, the
 *            k-th line of a letter with the value 1000 + (k mod 9000), so
 *            that every client can check that each letter's values come
 *            in order and count the ones it never got (conflated);
 *   -M       reads letterd's /metrics (letterd -M) at both edges of the
 *            window: letterd_feed_updates_total and
 *            letterd_messages_sent_total, as rates over the window.
 * With -s, the server's RSS is also read once before the first connect(),
 * and its context switches (/proc/PID/status) at the window's edges.
 *
 * Shortcut named honestly: the event loop is Linux epoll, used directly.
 * letterd itself keeps epoll behind a small interface with a poll()
 * fallback because it must run anywhere; a benchmark reads Linux's /proc
 * anyway, so one backend in plain sight is the clearer choice here.  Like
 * the server, it is level-triggered and asks for EPOLLOUT only when the
 * kernel has refused output.
 *
 * What it checks, beyond counting (docs/protocol.md 4.3): every text
 * message must be a value, {"X": NNNN}, byte for byte, with X one of the
 * letters subscribed to and NNNN in 1000..9999.  Anything else -- an error
 * reply, a fragmented or binary message -- is counted as malformed, and a
 * run with any malformed message fails (exit 1).  Frames that break RFC 6455
 * (a masked server frame, reserved bits, an unknown opcode) end that
 * connection, which then counts as dropped.
 *
 * Exit status: 0 when all N clients were still connected at the end of the
 * window and nothing was malformed; 1 when either check failed; 2 for a
 * usage or set-up error or a passed deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "base64.h"
#include "sha1.h"

/* ---- Limits ------------------------------------------------------------
 * Each connection's memory is fixed and inline, so that ten thousand of
 * them are one calloc and the receive path allocates nothing. */

/* Handshakes (connect to verified 101) in flight at once: enough to keep
 * the server's accept queue busy, few enough not to overflow it (letterd
 * listens with a backlog of 1024) or look like a SYN flood. */
#define LOAD_INFLIGHT      64
/* A handshake that has not completed in this time has failed. */
#define LOAD_HANDSHAKE_MS  5000
/* Slack on top of w + t for connecting and reporting: the global deadline. */
#define LOAD_SLACK_S       10
/* letterd's 101 response is about 130 bytes; anything near this is wrong. */
#define LOAD_HEAD_MAX      512
/* Largest server frame payload accepted.  letterd sends values (11 bytes),
 * short replies and control frames (at most 125 bytes, RFC 6455 5.5), all
 * with a 7-bit length; a bigger frame is an error, not something to buffer. */
#define LOAD_FRAME_MAX     256
/* Unparsed input kept between reads: one incomplete response head or one
 * incomplete frame (header up to 10 bytes, RFC 6455 5.2). */
#define LOAD_CARRY         (LOAD_HEAD_MAX > LOAD_FRAME_MAX + 10 ? \
                            LOAD_HEAD_MAX : LOAD_FRAME_MAX + 10)
/* Output: the upgrade request (~200 bytes) leaves before the subscribes
 * (26 frames of 44 bytes) are queued; room is left for a few pongs. */
#define LOAD_OUT_CAP       1536
/* One read(2) lands here, after the connection's carried bytes. */
#define LOAD_READ_BUF      65536
#define LOAD_EVENTS        256
#define LOAD_MAX_CLIENTS   100000

#define NS_PER_MS          INT64_C(1000000)
#define NS_PER_S           INT64_C(1000000000)

/* RFC 6455 4.2.2: the GUID appended to the key before hashing. */
static const char load_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* ---- Options ---------------------------------------------------------- */

static long opt_port = -1;
static const char *opt_host = "127.0.0.1";
static long opt_clients = 1000;
static const char *opt_letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static long opt_warmup = 2;
static long opt_secs = 10;
static long opt_pid = -1;
static long opt_from = 8;
static int opt_spread;                 /* -S: one letter per client, in turn */
static int opt_defer;                  /* -D: subscribe once all are open */
static int opt_connect;                /* -C: measure the connect phase */
static int opt_usr1;                   /* -U: SIGUSR1 to -s at the edges */
static const char *opt_feed;           /* -F: letterd's feed socket */
static int opt_metrics;                /* -M: read /metrics at the edges */

static int nletters;
static char letters[27];               /* opt_letters, upper case, no repeats */

/* ---- Connections ------------------------------------------------------ */

enum lc_state {
	LC_IDLE,        /* not started */
	LC_CONNECTING,  /* connect() in progress */
	LC_UPGRADE,     /* request queued or sent, waiting for the 101 */
	LC_OPEN,        /* WebSocket open, subscribed, counting */
	LC_DEAD         /* failed or closed; fd is -1 */
};

struct lc {
	int fd;                 /* -1 when none */
	uint8_t state;          /* enum lc_state */
	uint8_t opened;         /* reached LC_OPEN once */
	uint32_t letters;       /* bit i: this client subscribes to 'A' + i */
	uint16_t carry_len;     /* bytes in carry */
	uint16_t out_off;       /* out[out_off .. out_len) is still to send */
	uint16_t out_len;
	uint32_t events;        /* EPOLL* registered */
	int64_t deadline;       /* handshake deadline, ns */
	uint64_t msgs;          /* text messages received */
	uint64_t mark;          /* msgs at the window's start */
	uint16_t last[26];      /* -F: the last value of each letter, 0: none */
	char accept[BASE64_LEN(SHA1_LEN) + 1]; /* the accept value we expect */
	uint8_t carry[LOAD_CARRY];
	uint8_t out[LOAD_OUT_CAP];
};

static struct lc *conns;
static int ep = -1;
static struct sockaddr_storage dst;
static socklen_t dst_len;
static int spread;                     /* bind sources 127.0.0.1..F */
static char authority[64];             /* Host header */
static uint8_t rbuf[LOAD_READ_BUF];

static int64_t now;                    /* monotonic ns of this turn */
static int64_t deadline_all;           /* the global deadline */
static const char *phase = "starting";
static char srv_comm[32];              /* the name of -s's process */
static long srv_rss_before = -1;       /* its VmRSS before we connected, kB */

/* Counters over the whole run; the window takes differences. */
static uint64_t g_msgs, g_bytes, g_malformed, g_pings;
static uint64_t g_skipped;             /* -F: values a client never got */
static uint64_t g_disorder;            /* -F: a value repeated or gone back */
static long g_started, g_inflight, g_open, g_failed, g_dropped;
static long g_waiting;                 /* open, subscribed, no value yet */
static char first_failure[160];        /* why the first connection failed */
static char first_malformed[64];       /* the first malformed message */

/* ---- Time, randomness, errors ----------------------------------------- */

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static double
cpu_of(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	    (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static int feed_stop(void);

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	feed_stop();
	fflush(stdout);
	va_start(ap, fmt);
	fputs("load: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

/*
 * xorshift64* (Vigna) seeded from /dev/urandom.  The keys and masks only
 * have to differ between connections and frames; RFC 6455 10.3 asks for
 * unpredictable masks to protect proxies from a hostile script, and a
 * benchmark on loopback has neither.
 */
static uint64_t rng_state;

static void
rng_seed(void)
{
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, &rng_state, sizeof(rng_state)) != (ssize_t)sizeof(rng_state))
		rng_state = (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32);
	if (fd >= 0)
		close(fd);
	if (!rng_state)
		rng_state = UINT64_C(0x9E3779B97F4A7C15);
}

static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545F4914F6CDD1D);
}

/* ---- Event registration ----------------------------------------------- */

static void
lc_watch(struct lc *c, uint32_t events)
{
	struct epoll_event e;

	if (events == c->events)
		return;
	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.u32 = (uint32_t)(c - conns);
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->events = events;
}

/* Ends a connection.  A handshake that ends here has failed; an open
 * connection has been dropped.  Either way the first reason is kept. */
static void
lc_fail(struct lc *c, const char *fmt, ...)
{
	va_list ap;

	if (c->state == LC_DEAD)
		return;
	if (!first_failure[0]) {
		int n = snprintf(first_failure, sizeof(first_failure),
		    "client %ld, %s: ", (long)(c - conns), phase);

		va_start(ap, fmt);
		if (n > 0 && (size_t)n < sizeof(first_failure))
			vsnprintf(first_failure + n, sizeof(first_failure) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (c->state == LC_OPEN) {
		g_open--;
		g_dropped++;
		if (c->letters && !c->msgs)
			g_waiting--;
	} else {
		g_inflight--;
		g_failed++;
	}
	if (c->fd >= 0)
		close(c->fd);       /* also leaves the epoll set */
	c->fd = -1;
	c->state = LC_DEAD;
}

/* ---- Output ----------------------------------------------------------- */

/* Writes what is queued; arms EPOLLOUT only if the kernel refused some. */
static void
lc_flush(struct lc *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, (size_t)(c->out_len - c->out_off),
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			lc_watch(c, EPOLLIN | EPOLLOUT);
			return;
		}
		if (n < 0) {
			lc_fail(c, "send: %s", strerror(errno));
			return;
		}
		c->out_off = (uint16_t)(c->out_off + n);
	}
	c->out_off = c->out_len = 0;
	lc_watch(c, EPOLLIN);
}

/* Room for n more bytes at out + out_len, or NULL (and the connection
 * fails): a server that makes us owe more than LOAD_OUT_CAP is pinging
 * faster than it reads its pongs. */
static uint8_t *
lc_room(struct lc *c, size_t n)
{
	if (c->out_len + n > LOAD_OUT_CAP && c->out_off) {
		memmove(c->out, c->out + c->out_off, (size_t)(c->out_len - c->out_off));
		c->out_len = (uint16_t)(c->out_len - c->out_off);
		c->out_off = 0;
	}
	if (c->out_len + n > LOAD_OUT_CAP) {
		lc_fail(c, "output buffer full (%d bytes unsent)", c->out_len);
		return NULL;
	}
	return c->out + c->out_len;
}

/* Queues one final, masked client frame (RFC 6455 5.2, 5.3) with a payload
 * of at most 125 bytes, so the 7-bit length always suffices. */
static int
lc_frame(struct lc *c, int opcode, const void *payload, size_t n)
{
	const uint8_t *p = payload;
	uint8_t *f = lc_room(c, 6 + n);
	uint32_t mask = (uint32_t)(rng_next() >> 32);
	size_t i;

	if (!f)
		return -1;
	f[0] = (uint8_t)(0x80 | opcode);
	f[1] = (uint8_t)(0x80 | n);
	f[2] = (uint8_t)(mask >> 24);
	f[3] = (uint8_t)(mask >> 16);
	f[4] = (uint8_t)(mask >> 8);
	f[5] = (uint8_t)mask;
	for (i = 0; i < n; i++)
		f[6 + i] = (uint8_t)(p[i] ^ f[2 + (i & 3)]);
	c->out_len = (uint16_t)(c->out_len + 6 + n);
	return 0;
}

/* ---- Opening handshake (RFC 6455 4.1) ---------------------------------- */

static void
lc_start(struct lc *c)
{
	struct epoll_event e;
	struct sockaddr_in src;
	int one = 1;

	c->state = LC_CONNECTING;
	c->deadline = now + LOAD_HANDSHAKE_MS * NS_PER_MS;
	g_inflight++;
	c->fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		lc_fail(c, "socket: %s", strerror(errno));
		return;
	}
	/* Small frames, sent when we have them. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (spread) {
		/* One loopback source address per client in turn.  A
		 * connection is its 4-tuple, so the ephemeral port range
		 * (RFC 6056; 28,232 ports by Linux's default) bounds the
		 * connections from one source address to one server port;
		 * every further source address adds a range.  With
		 * IP_BIND_ADDRESS_NO_PORT the port is picked at connect(),
		 * knowing the destination, instead of reserved by bind(). */
#ifdef IP_BIND_ADDRESS_NO_PORT
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(UINT32_C(0x7f000001) + (uint32_t)((c - conns) % opt_from));
		if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			lc_fail(c, "bind to 127.0.0.%ld: %s",
			    1 + (long)((c - conns) % opt_from), strerror(errno));
			return;
		}
	}
	memset(&e, 0, sizeof(e));
	e.events = EPOLLOUT;
	e.data.u32 = (uint32_t)(c - conns);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0) {
		lc_fail(c, "epoll_ctl: %s", strerror(errno));
		return;
	}
	c->events = EPOLLOUT;
	/* Done or not, EPOLLOUT says when to look at SO_ERROR. */
	if (connect(c->fd, (struct sockaddr *)&dst, dst_len) < 0 && errno != EINPROGRESS)
		lc_fail(c, "connect: %s", strerror(errno));
}

/* The socket is connected: queue the upgrade request with a fresh key and
 * remember the accept value the server must answer with (4.2.2). */
static void
lc_connected(struct lc *c)
{
	uint8_t key[16], digest[SHA1_LEN];
	char key64[BASE64_LEN(16) + 1];
	struct sha1_ctx sha;
	int err = 0, n;
	socklen_t len = sizeof(err);
	size_t i;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		lc_fail(c, "connect: %s", strerror(err));
		return;
	}
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(rng_next() >> 56);
	base64_encode(key, sizeof(key), key64);
	sha1_init(&sha);
	sha1_update(&sha, key64, strlen(key64));
	sha1_update(&sha, load_guid, sizeof(load_guid) - 1);
	sha1_final(&sha, digest);
	base64_encode(digest, sizeof(digest), c->accept);

	n = snprintf((char *)c->out, LOAD_OUT_CAP,
	    "GET /ws HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n", authority, key64);
	c->out_off = 0;
	c->out_len = (uint16_t)n;
	c->state = LC_UPGRADE;
	lc_flush(c);
}

/* Does the comma-separated list v (n bytes) hold token tok, ignoring case? */
static int
has_token(const char *v, size_t n, const char *tok)
{
	size_t i = 0, j, k = strlen(tok);

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (j = i; j < n && v[j] != ','; j++)
			;
		while (j > i && (v[j - 1] == ' ' || v[j - 1] == '\t'))
			j--;
		if (j - i == k && !strncasecmp(v + i, tok, k))
			return 1;
		for (i = j; i < n && v[i] != ','; i++)
			;
	}
	return 0;
}

static void lc_subscribe(struct lc *c);

/*
 * The response head, once complete: RFC 6455 4.1 says the client fails
 * the connection unless the status is 101, Upgrade is "websocket",
 * Connection holds "Upgrade", and Sec-WebSocket-Accept is the hash of our
 * key.  We asked for no extension or subprotocol, so one coming back is a
 * failure too.  Returns the head's length, 0 if it is not complete yet.
 */
static size_t
lc_upgrade(struct lc *c, const uint8_t *buf, size_t n)
{
	const char *p = (const char *)buf, *end = NULL, *line, *eol, *colon, *v;
	int accepts = 0, upgrade = 0, connection = 0, extra = 0;
	size_t i, vn;

	for (i = 0; i + 4 <= n; i++)
		if (!memcmp(p + i, "\r\n\r\n", 4)) {
			end = p + i + 2;        /* the empty line */
			break;
		}
	if (!end) {
		if (n >= LOAD_HEAD_MAX)
			lc_fail(c, "response head over %d bytes", LOAD_HEAD_MAX);
		return 0;
	}
	eol = memchr(p, '\r', (size_t)(end - p));
	if (eol - p < 12 || memcmp(p, "HTTP/1.1 101", 12) || (eol - p > 12 && p[12] != ' ')) {
		lc_fail(c, "expected HTTP/1.1 101, got \"%.*s\"",
		    (int)(eol - p > 60 ? 60 : eol - p), p);
		return 0;
	}
	for (line = eol + 2; line < end; line = eol + 2) {
		/* a bare CR right before the empty line leaves no CR here */
		if (!(eol = memchr(line, '\r', (size_t)(end - line))))
			break;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (!colon)
			continue;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (vn = (size_t)(eol - v); vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'); vn--)
			;
#define NAME_IS(s) ((size_t)(colon - line) == sizeof(s) - 1 && \
                    !strncasecmp(line, s, sizeof(s) - 1))
		if (NAME_IS("Sec-WebSocket-Accept")) {
			accepts++;
			if (vn != strlen(c->accept) || memcmp(v, c->accept, vn)) {
				lc_fail(c, "Sec-WebSocket-Accept \"%.*s\", expected \"%s\"",
				    (int)(vn > 40 ? 40 : vn), v, c->accept);
				return 0;
			}
		} else if (NAME_IS("Upgrade")) {
			upgrade = vn == 9 && !strncasecmp(v, "websocket", 9);
		} else if (NAME_IS("Connection")) {
			connection = has_token(v, vn, "upgrade");
		} else if (NAME_IS("Sec-WebSocket-Extensions") ||
		    NAME_IS("Sec-WebSocket-Protocol")) {
			extra = 1;
		}
#undef NAME_IS
	}
	if (accepts != 1 || !upgrade || !connection || extra) {
		lc_fail(c, "bad 101: %d accept header(s), upgrade %s, connection %s%s",
		    accepts, upgrade ? "ok" : "missing", connection ? "ok" : "missing",
		    extra ? ", unrequested extension or protocol" : "");
		return 0;
	}
	c->state = LC_OPEN;
	c->opened = 1;
	g_inflight--;
	g_open++;
	if (c->letters)
		g_waiting++;
	if (!opt_defer)
		lc_subscribe(c);
	return (size_t)(end + 2 - p);
}

/* One subscribe frame per letter of the client's set, A..Z; with -l ""
 * the set is empty and the connection stays idle. */
static void
lc_subscribe(struct lc *c)
{
	char msg[64];
	int i, n;

	for (i = 0; i < 26; i++) {
		if (!(c->letters >> i & 1))
			continue;
		n = snprintf(msg, sizeof(msg),
		    "{\"action\": \"subscribe\", \"letter\": \"%c\"}", 'A' + i);
		if (lc_frame(c, 0x1, msg, (size_t)n) < 0)
			return;
	}
}

/* ---- Server frames (RFC 6455 5.2) ------------------------------------- */

/*
 * -F: the writer gives the k-th value of a letter as 1000 + (k mod 9000),
 * so the step from one value of a letter to the next that a client gets
 * is 1 when it missed none, 1 + the values it missed (conflated: letterd
 * sends a client that cannot keep up only the latest), and 0 or "more than
 * half the cycle" when a value came twice or went back -- letterd never
 * does that, and it fails the run.  A client skipping 4,500 values of a
 * letter at once would be read as going back; in a window of seconds that
 * is a client starved for thousands of turns, a failure either way.
 */
static void
lc_order(struct lc *c, int letter, const uint8_t *d)
{
	unsigned v = (unsigned)(d[0] - '0') * 1000 + (unsigned)(d[1] - '0') * 100 +
	    (unsigned)(d[2] - '0') * 10 + (unsigned)(d[3] - '0');
	unsigned last = c->last[letter], step;

	c->last[letter] = (uint16_t)v;
	if (!last)
		return;
	step = (v + 9000 - last) % 9000;
	if (step == 0 || step > 4500)
		g_disorder++;
	else
		g_skipped += step - 1;
}

/* One text message.  A value is exactly {"X": NNNN}: 11 bytes. */
static void
lc_message(struct lc *c, const uint8_t *p, size_t n)
{
	if (!c->msgs++ && c->letters)
		g_waiting--;
	g_msgs++;
	if (n == 11 && p[0] == '{' && p[1] == '"' &&
	    p[2] >= 'A' && p[2] <= 'Z' && (c->letters >> (p[2] - 'A') & 1) &&
	    p[3] == '"' && p[4] == ':' && p[5] == ' ' &&
	    p[6] >= '1' && p[6] <= '9' && p[7] >= '0' && p[7] <= '9' &&
	    p[8] >= '0' && p[8] <= '9' && p[9] >= '0' && p[9] <= '9' &&
	    p[10] == '}') {
		if (opt_feed)
			lc_order(c, p[2] - 'A', p + 6);
		return;
	}
	if (!g_malformed++)
		snprintf(first_malformed, sizeof(first_malformed), "%.*s",
		    (int)(n > 48 ? 48 : n), (const char *)p);
}

/* A data frame that is not a whole text message: counted as a message,
 * and as a malformed one. */
static void
lc_unexpected(struct lc *c, unsigned op, int fin)
{
	if (!c->msgs++ && c->letters)
		g_waiting--;
	g_msgs++;
	if (!g_malformed++)
		snprintf(first_malformed, sizeof(first_malformed),
		    "(a frame with opcode %u, fin %d)", op, fin);
}

/* Parses as many whole frames as buf holds; returns the bytes consumed.
 * The rest (an incomplete frame) is carried to the next read. */
static size_t
lc_frames(struct lc *c, const uint8_t *buf, size_t n)
{
	size_t off = 0, hdr;
	uint64_t len;
	const uint8_t *f;
	unsigned op;

	while (c->state == LC_OPEN && n - off >= 2) {
		f = buf + off;
		/* The common case first: FIN, text, unmasked, 11 bytes. */
		if (f[0] == 0x81 && f[1] == 11) {
			if (n - off < 13)
				break;
			lc_message(c, f + 2, 11);
			off += 13;
			continue;
		}
		if (f[1] & 0x80) {
			lc_fail(c, "masked server frame (RFC 6455 5.1)");
			break;
		}
		if (f[0] & 0x70) {
			lc_fail(c, "reserved bits set: 0x%02x", f[0]);
			break;
		}
		len = f[1] & 0x7f;
		hdr = 2;
		if (len == 126) {
			if (n - off < 4)
				break;
			len = (uint64_t)f[2] << 8 | f[3];
			hdr = 4;
		} else if (len == 127) {
			int i;

			if (n - off < 10)
				break;
			for (len = 0, i = 2; i < 10; i++)
				len = len << 8 | f[i];
			hdr = 10;
		}
		/* Checked before any arithmetic with len. */
		if (len > LOAD_FRAME_MAX) {
			lc_fail(c, "server frame of %llu bytes (we take %d)",
			    (unsigned long long)len, LOAD_FRAME_MAX);
			break;
		}
		if (n - off < hdr + len)
			break;
		op = f[0] & 0x0f;
		switch (op) {
		case 0x1:       /* text */
			if (f[0] & 0x80) {
				lc_message(c, f + hdr, (size_t)len);
				break;
			}
			/* letterd never fragments: a first fragment is as
			 * unexpected as a continuation, and counted alike */
			lc_unexpected(c, op, f[0] >> 7);
			break;
		case 0x0:       /* continuation */
		case 0x2:       /* binary */
			lc_unexpected(c, op, f[0] >> 7);
			break;
		case 0x9:       /* ping: a pong with the same payload, 5.5.3 */
			if (!(f[0] & 0x80) || len > 125) {
				lc_fail(c, "fragmented or oversized ping");
				break;
			}
			g_pings++;
			lc_frame(c, 0xA, f + hdr, (size_t)len);
			break;
		case 0xA:       /* pong: unsolicited, ignored (5.5.3) */
			break;
		case 0x8: {     /* close: echo the code, then go (5.5.1) */
			int code = len >= 2 ? f[hdr] << 8 | f[hdr + 1] : 1000;
			uint8_t echo[2];

			echo[0] = (uint8_t)(code >> 8);
			echo[1] = (uint8_t)code;
			if (lc_frame(c, 0x8, echo, 2) == 0)
				lc_flush(c);
			lc_fail(c, "server closed with code %d", code);
			break;
		}
		default:
			lc_fail(c, "unknown opcode %u", op);
			break;
		}
		if (c->state != LC_OPEN)
			break;
		off += hdr + (size_t)len;
	}
	g_bytes += off;
	return off;
}

/* ---- Input ------------------------------------------------------------ */

/* One read per readiness event (level-triggered: a busy socket comes back
 * in the next batch, so one client cannot hold the loop). */
static void
lc_read(struct lc *c)
{
	size_t have = c->carry_len, used = 0;
	ssize_t n;

	memcpy(rbuf, c->carry, have);
	n = read(c->fd, rbuf + have, sizeof(rbuf) - have);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		lc_fail(c, n ? strerror(errno) : "the server closed the connection");
		return;
	}
	have += (size_t)n;
	if (c->state == LC_UPGRADE)
		used = lc_upgrade(c, rbuf, have);
	if (c->state == LC_OPEN)
		used += lc_frames(c, rbuf + used, have - used);
	if (c->state == LC_DEAD)
		return;
	/* Bounded: an incomplete head is under LOAD_HEAD_MAX and an
	 * incomplete frame under LOAD_FRAME_MAX + 10, both checked above. */
	c->carry_len = (uint16_t)(have - used);
	memcpy(c->carry, rbuf + used, c->carry_len);
	if (c->out_len > c->out_off)
		lc_flush(c);
}

/* ---- The loop --------------------------------------------------------- */

/* Waits for events until `until` at the latest and handles one batch. */
static void
loop_once(int64_t until)
{
	struct epoll_event ev[LOAD_EVENTS];
	int64_t wait_ns;
	int i, n, ms;

	if (now >= deadline_all)
		die(2, "global deadline (w + t + %d s) passed while %s: %ld of %ld "
		    "clients open", LOAD_SLACK_S, phase, g_open, opt_clients);
	if (until > deadline_all)
		until = deadline_all;
	wait_ns = until - now;
	ms = wait_ns <= 0 ? 0 : (int)((wait_ns + NS_PER_MS - 1) / NS_PER_MS);
	n = epoll_wait(ep, ev, LOAD_EVENTS, ms);
	if (n < 0 && errno != EINTR)
		die(2, "epoll_wait: %s", strerror(errno));
	now = mono_ns();
	for (i = 0; i < n; i++) {
		struct lc *c = &conns[ev[i].data.u32];
		uint32_t e = ev[i].events;

		/* A connection that failed earlier in this batch is LC_DEAD;
		 * events are keyed by index, never by fd, so a reused fd
		 * cannot be mistaken for it. */
		if (c->state == LC_CONNECTING) {
			if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				lc_connected(c);
			continue;
		}
		if ((e & (EPOLLIN | EPOLLERR | EPOLLHUP)) &&
		    (c->state == LC_UPGRADE || c->state == LC_OPEN))
			lc_read(c);
		if ((e & EPOLLOUT) && c->state != LC_DEAD && c->out_len > c->out_off)
			lc_flush(c);
	}
}

/* Opens every connection, LOAD_INFLIGHT at a time; returns when each has
 * either completed its handshake or failed. */
static void
phase_connect(void)
{
	int64_t next_scan = now;
	long lo = 0, i;

	phase = "connecting";
	while (g_started < opt_clients || g_inflight > 0) {
		while (g_inflight < LOAD_INFLIGHT && g_started < opt_clients)
			lc_start(&conns[g_started++]);
		if (now >= next_scan) {
			/* Handshake deadlines.  Connections start in order, so
			 * everything below lo has settled. */
			while (lo < g_started && conns[lo].state >= LC_OPEN)
				lo++;
			for (i = lo; i < g_started; i++)
				if (conns[i].state < LC_OPEN && conns[i].deadline <= now)
					lc_fail(&conns[i], "handshake timed out after %d ms",
					    LOAD_HANDSHAKE_MS);
			next_scan = now + 100 * NS_PER_MS;
			continue;
		}
		loop_once(next_scan);
	}
}

/* Runs until `until`, printing a line per second when `progress` is set. */
static void
phase_run(const char *name, int64_t until, int progress)
{
	int64_t next = now + NS_PER_S, last = now;
	uint64_t msgs = g_msgs, bytes = g_bytes;

	phase = name;
	while (now < until) {
		loop_once(progress && next < until ? next : until);
		if (progress && now >= next && now < until) {
			double s = (double)(now - last) / NS_PER_S;

			printf("  %-7s %6.1f s  %12.0f msgs/s  %8.2f MB/s  %ld open\n",
			    name, (double)(now - (until - opt_secs * NS_PER_S)) / NS_PER_S,
			    (double)(g_msgs - msgs) / s, (double)(g_bytes - bytes) / s / 1e6,
			    g_open);
			fflush(stdout);
			msgs = g_msgs;
			bytes = g_bytes;
			last = now;
			next += NS_PER_S;
		}
	}
}

/* ---- The server, seen through /proc ----------------------------------- */

/* User and system CPU time of pid in seconds (proc(5): fields 14 and 15
 * of stat, counted after the parenthesised name, which may hold spaces).
 * Returns 0, or -1 if pid's stat cannot be read. */
static int
proc_cpu(long pid, double *user, double *sys)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	double tck = (double)sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return -1;
	/* p + 2 is field 3 (state); skip to field 14 */
	for (p += 2, i = 3; i < 14 && p; i++)
		if ((p = strchr(p, ' ')))
			p++;
	if (!p || sscanf(p, "%llu %llu", &ut, &st) != 2 || tck <= 0)
		return -1;
	*user = (double)ut / tck;
	*sys = (double)st / tck;
	return 0;
}

/* Time pid has spent on a CPU, in seconds, from the scheduler's own
 * nanosecond count (the first field of /proc/PID/schedstat, kernels with
 * CONFIG_SCHED_INFO); -1 without it.  /proc/PID/stat's utime and stime
 * come in clock ticks (10 ms at USER_HZ 100): fine over a busy window,
 * too coarse for a server that is idle or a connect phase of 0.2 s. */
static double
proc_runtime(long pid)
{
	char path[64];
	unsigned long long ns;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%ld/schedstat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fscanf(f, "%llu", &ns);
	fclose(f);
	return n == 1 ? (double)ns / 1e9 : -1;
}

/* The machine's CPU time by kind, from the first line of /proc/stat
 * (proc(5)): user, nice, system, idle, iowait, irq, softirq, steal, in
 * clock ticks summed over all CPUs.  On loopback the receiving half of
 * TCP runs largely in softirq context, which is charged to no process: this
 * is where that cost shows.  Returns 0, or -1. */
static int
proc_machine(unsigned long long t[8])
{
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
	    &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]);
	fclose(f);
	return n == 8 ? 0 : -1;
}

/* The name of pid (proc(5): comm), so that a wrong -s -- the pid of a
 * shell that started the server, say -- shows in the report. */
static void
proc_comm(long pid, char *out, size_t cap)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	out[0] = '\0';
	if ((f = fopen(path, "r"))) {
		if (fgets(out, (int)cap, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

/* From /proc/PID/status (proc(5)): VmRSS in kB, and the voluntary and
 * involuntary context switches.  A voluntary switch is the process giving
 * up the CPU -- for a server, sleeping in epoll_wait -- so its count over
 * a window is how often the server woke.  Each is -1 when unreadable. */
static void
proc_status(long pid, long *rss_kb, long *vcsw, long *nvcsw)
{
	char path[64], line[256];
	FILE *f;

	*rss_kb = *vcsw = *nvcsw = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kb = strtol(line + 6, NULL, 10);
		else if (!strncmp(line, "voluntary_ctxt_switches:", 24))
			*vcsw = strtol(line + 24, NULL, 10);
		else if (!strncmp(line, "nonvoluntary_ctxt_switches:", 27))
			*nvcsw = strtol(line + 27, NULL, 10);
	}
	fclose(f);
}

/* ---- The feed writer (-F) --------------------------------------------- */

#define FEED_LINE 7                    /* "A 1234\n" */

/* Lines the writer has written: a page shared with it.  Only the writer
 * stores to it, a whole round of 26 lines at a time; an aligned 64-bit
 * load is not torn on the machines this runs on (a benchmark's shortcut,
 * where C11 would use an atomic). */
static volatile uint64_t *feed_lines;
static pid_t feed_pid = -1;            /* the writer; -1 when none */
static int feed_go = -1;               /* the go pipe's write end */
static int feed_status = -1;           /* its wait status once reaped */

/*
 * The writer: waits for the go byte (end of file: the parent is gone),
 * then writes rounds of 26 lines, A..Z, the k-th round's value being
 * 1000 + (k mod 9000), with blocking sends until it is stopped.  alarm()
 * bounds it should the parent die without stopping it.  It shares the
 * parent's memory only through feed_lines, and never returns.
 */
static void
feed_child(int fd, int go, unsigned life_s)
{
	char buf[26 * FEED_LINE], byte;
	unsigned k, v;
	size_t off;
	ssize_t n;
	int i;

	if (read(go, &byte, 1) != 1)
		_exit(0);
	alarm(life_s);
	for (k = 0;; k++) {
		v = 1000 + k % 9000;
		for (i = 0; i < 26; i++) {
			char *l = buf + i * FEED_LINE;

			l[0] = (char)('A' + i);
			l[1] = ' ';
			l[2] = (char)('0' + v / 1000);
			l[3] = (char)('0' + v / 100 % 10);
			l[4] = (char)('0' + v / 10 % 10);
			l[5] = (char)('0' + v % 10);
			l[6] = '\n';
		}
		for (off = 0; off < sizeof(buf); off += (size_t)n) {
			n = send(fd, buf + off, sizeof(buf) - off, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				fprintf(stderr, "load: feed writer: send: %s\n",
				    n ? strerror(errno) : "nothing sent");
				_exit(3);
			}
		}
		*feed_lines += 26;
	}
}

/* Connects to the feed socket here, so that a wrong path fails at once,
 * and forks the writer before any client socket exists. */
static void
feed_fork(void)
{
	struct sockaddr_un a;
	int fd, p[2];
	void *m;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(opt_feed) >= sizeof(a.sun_path))
		die(2, "-F %s: longer than a socket path may be", opt_feed);
	strcpy(a.sun_path, opt_feed);
	m = mmap(NULL, sizeof(*feed_lines), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die(2, "mmap: %s", strerror(errno));
	feed_lines = m;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die(2, "-F %s: %s", opt_feed, strerror(errno));
	if (pipe(p) < 0)
		die(2, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	if ((feed_pid = fork()) < 0)
		die(2, "fork: %s", strerror(errno));
	if (feed_pid == 0) {
		close(p[1]);
		if (ep >= 0)
			close(ep);
		feed_child(fd, p[0], (unsigned)(opt_warmup + opt_secs + LOAD_SLACK_S));
	}
	close(fd);
	close(p[0]);
	feed_go = p[1];
}

/* The writer starts writing. */
static void
feed_start(void)
{
	char byte = 'g';

	if (feed_go >= 0 && write(feed_go, &byte, 1) != 1)
		die(2, "feed writer: cannot start it: %s", strerror(errno));
}

/* Stops the writer by its pid (SIGTERM, SIGKILL after 1 s) and reaps it.
 * Returns 0 when it was still writing until then, -1 when it had ended
 * by itself (its reason is on standard error) or there is none. */
static int
feed_stop(void)
{
	pid_t pid = feed_pid;
	int i, st = 0;

	if (pid <= 0)
		return -1;
	feed_pid = -1;
	if (feed_go >= 0)
		close(feed_go);
	feed_go = -1;
	if (waitpid(pid, &st, WNOHANG) == pid) {
		feed_status = st;
		return -1;
	}
	kill(pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	if (i == 100) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	feed_status = st;
	return 0;
}

/* ---- letterd's own counters (-M) -------------------------------------- */

struct mx {
	int64_t ns;             /* when they were read; -1: not read */
	double feed_updates;    /* letterd_feed_updates_total, -1 if absent */
	double messages;        /* letterd_messages_sent_total, -1 if absent */
};

static struct mx mx_a = { -1, -1, -1 }, mx_b = { -1, -1, -1 };

static double
mx_value(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

/* GET /metrics over a blocking connection with a 5 s timeout each way:
 * letterd answers between two fan-outs.  m->ns is the middle of the
 * exchange. */
static void
mx_take(struct mx *m)
{
	static char buf[65536];
	struct timeval tv = { 5, 0 };
	char req[256];
	size_t have = 0;
	ssize_t n;
	int64_t t0 = mono_ns();
	int fd, len;

	if ((fd = socket(dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die(2, "-M: socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&dst, dst_len) < 0)
		die(2, "-M: connect: %s", strerror(errno));
	len = snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", authority);
	if (send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		die(2, "-M: send: %s", strerror(errno));
	while (have < sizeof(buf) - 1 &&
	    (n = read(fd, buf + have, sizeof(buf) - 1 - have)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(2, "-M: reading /metrics: %s", strerror(errno));
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	if (strncmp(buf, "HTTP/1.1 200", 12))
		die(2, "-M: GET /metrics: \"%.40s\" (is letterd running with -M?)", buf);
	m->ns = t0 + (mono_ns() - t0) / 2;
	m->feed_updates = mx_value(buf, "letterd_feed_updates_total");
	m->messages = mx_value(buf, "letterd_messages_sent_total");
}

/* ---- The window's edges and the report -------------------------------- */

struct edge {
	int64_t ns;
	uint64_t msgs, bytes;
	double self_cpu;     /* seconds */
	double srv_user;     /* seconds; both -1 without -s */
	double srv_sys;
	double srv_run;      /* seconds on a CPU (schedstat), -1 if unknown */
	long srv_rss;        /* kB, -1 without -s */
	long srv_vcsw;       /* context switches, -1 without -s */
	long srv_nvcsw;
	int have_machine;    /* machine[] was read */
	unsigned long long machine[8]; /* /proc/stat "cpu" line */
	uint64_t skipped;    /* -F: the clients' order check */
	uint64_t disorder;
	uint64_t feed_lines; /* -F: lines the writer wrote */
	double wr_user;      /* -F: the writer's CPU, seconds (stat), -1 */
	double wr_sys;
	double wr_run;       /* the same from schedstat, -1 if unknown */
};

static void
edge_take(struct edge *e)
{
	struct rusage ru;

	e->ns = now;
	e->msgs = g_msgs;
	e->bytes = g_bytes;
	getrusage(RUSAGE_SELF, &ru);
	e->self_cpu = cpu_of(&ru);
	e->srv_user = e->srv_sys = e->srv_run = -1;
	if (opt_pid > 0) {
		proc_cpu(opt_pid, &e->srv_user, &e->srv_sys);
		e->srv_run = proc_runtime(opt_pid);
	}
	e->srv_rss = e->srv_vcsw = e->srv_nvcsw = -1;
	if (opt_pid > 0)
		proc_status(opt_pid, &e->srv_rss, &e->srv_vcsw, &e->srv_nvcsw);
	e->have_machine = proc_machine(e->machine) == 0;
	e->skipped = g_skipped;
	e->disorder = g_disorder;
	e->feed_lines = feed_lines ? *feed_lines : 0;
	e->wr_user = e->wr_sys = e->wr_run = -1;
	if (feed_pid > 0) {
		proc_cpu((long)feed_pid, &e->wr_user, &e->wr_sys);
		e->wr_run = proc_runtime((long)feed_pid);
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
report(const struct edge *a, const struct edge *b)
{
	double secs = (double)(b->ns - a->ns) / NS_PER_S;
	double msgs = (double)(b->msgs - a->msgs), mps = msgs / secs;
	double bps = (double)(b->bytes - a->bytes) / secs;
	double self = (b->self_cpu - a->self_cpu) / secs * 100;
	uint64_t *per = malloc(sizeof(*per) * (size_t)opt_clients);
	long i, k = 0, zero = 0;
	char us[32] = "na", rss[32] = "na", cpu_s[32] = "na", vcsw[32] = "na";
	char nvcsw[32] = "na", rss0[32] = "na", rss1[32] = "na", busy_s[32] = "na";
	char other_s[32] = "na", cps[32] = "na", us_conn[32] = "na";
	char f_lps[32] = "na", f_lines[32] = "na", f_cpu[32] = "na", f_skip[32] = "na";
	char f_dis[32] = "na", m_ups[32] = "na", m_upd[32] = "na", m_mps[32] = "na";
	double wr = 0;       /* the writer's CPU in the window (stat), s */
	int feed_bad = 0;

	if (!per)
		die(2, "out of memory");
	for (i = 0; i < opt_clients; i++)
		if (conns[i].opened) {
			per[k] = conns[i].msgs - conns[i].mark;
			zero += per[k] == 0;
			k++;
		}
	qsort(per, (size_t)k, sizeof(*per), cmp_u64);

	if (opt_connect) {
		/* -C: the window is the connect phase; its rate is of
		 * connections that completed handshake, subscribe and first
		 * value. */
		long done = g_open;

		snprintf(cps, sizeof(cps), "%.0f", (double)done / secs);
		printf("connect: %ld clients connected, upgraded, subscribed and served "
		    "their first value in %.3f s: %.0f connections/s\n", done, secs,
		    (double)done / secs);
	}
	printf("window: %.2f s, %ld clients open at its end (%ld dropped, %ld never connected)\n",
	    secs, g_open, g_dropped, g_failed + (opt_clients - g_started));
	printf("received: %.0f messages (%.0f msgs/s), %.0f bytes (%.2f MB/s)\n",
	    msgs, mps, bps * secs, bps / 1e6);
	if (k)
		printf("per client in the window: min %llu, median %llu, max %llu "
		    "messages; %ld received none\n", (unsigned long long)per[0],
		    (unsigned long long)per[k / 2], (unsigned long long)per[k - 1], zero);
	if (opt_pid > 0) {
		if (a->srv_user >= 0 && b->srv_user >= 0) {
			double user = b->srv_user - a->srv_user, sys = b->srv_sys - a->srv_sys;
			double cpu = user + sys;
			int precise = a->srv_run >= 0 && b->srv_run >= 0;

			/* the total from schedstat when there is one; the
			 * split between user and system from stat either way */
			if (precise)
				cpu = b->srv_run - a->srv_run;
			printf("server pid %ld (%s): %.4f s CPU in %.2f s (%.0f%% of a core, "
			    "from %s; user %.2f s, system %.2f s), %.3f us per message\n",
			    opt_pid, srv_comm, cpu, secs, cpu / secs * 100,
			    precise ? "schedstat" : "stat", user, sys,
			    msgs > 0 ? cpu * 1e6 / msgs : 0.0);
			if (msgs > 0)
				snprintf(us, sizeof(us), "%.3f", cpu * 1e6 / msgs);
			snprintf(cpu_s, sizeof(cpu_s), "%.6f", cpu);
			if (opt_connect && g_open > 0) {
				snprintf(us_conn, sizeof(us_conn), "%.1f",
				    cpu * 1e6 / (double)g_open);
				printf("server CPU per connection: %s us\n", us_conn);
			}
		} else {
			printf("server pid %ld: /proc/%ld/stat unreadable\n", opt_pid, opt_pid);
		}
		printf("server RSS: %ld kB before the first connect, %ld kB at the window's "
		    "start, %ld kB at its end\n", srv_rss_before, a->srv_rss, b->srv_rss);
		if (b->srv_rss >= 0)
			snprintf(rss, sizeof(rss), "%ld", b->srv_rss);
		if (a->srv_rss >= 0)
			snprintf(rss1, sizeof(rss1), "%ld", a->srv_rss);
		if (srv_rss_before >= 0)
			snprintf(rss0, sizeof(rss0), "%ld", srv_rss_before);
		if (srv_rss_before >= 0 && b->srv_rss >= 0 && g_open > 0)
			printf("server RSS per open connection: %.0f bytes "
			    "((end - before) / %ld)\n",
			    (double)(b->srv_rss - srv_rss_before) * 1024 / (double)g_open,
			    g_open);
		if (a->srv_vcsw >= 0 && b->srv_vcsw >= 0) {
			snprintf(vcsw, sizeof(vcsw), "%ld", b->srv_vcsw - a->srv_vcsw);
			snprintf(nvcsw, sizeof(nvcsw), "%ld", b->srv_nvcsw - a->srv_nvcsw);
			printf("server context switches in the window: %s voluntary "
			    "(its wake-ups), %s involuntary\n", vcsw, nvcsw);
		}
	}
	if (opt_feed) {
		double lines = (double)(b->feed_lines - a->feed_lines);
		double run = -1;

		if (a->wr_user >= 0 && b->wr_user >= 0)
			wr = b->wr_user + b->wr_sys - a->wr_user - a->wr_sys;
		run = a->wr_run >= 0 && b->wr_run >= 0 ? b->wr_run - a->wr_run : wr;
		snprintf(f_lines, sizeof(f_lines), "%.0f", lines);
		snprintf(f_lps, sizeof(f_lps), "%.0f", lines / secs);
		snprintf(f_cpu, sizeof(f_cpu), "%.1f", run / secs * 100);
		snprintf(f_skip, sizeof(f_skip), "%llu",
		    (unsigned long long)(b->skipped - a->skipped));
		snprintf(f_dis, sizeof(f_dis), "%llu", (unsigned long long)g_disorder);
		printf("feed: the writer wrote %.0f lines in the window (%.0f lines/s), "
		    "%.3f s CPU (%.1f%% of a core)\n", lines, lines / secs, run,
		    run / secs * 100);
		printf("feed: the clients missed %s values in the window (conflated: "
		    "%.5f per value received); %s came repeated or out of order "
		    "(whole run)\n", f_skip, msgs > 0 ?
		    (double)(b->skipped - a->skipped) / msgs : 0.0, f_dis);
		if (feed_status >= 0 && !(WIFSIGNALED(feed_status) &&
		    (WTERMSIG(feed_status) == SIGTERM || WTERMSIG(feed_status) == SIGKILL))) {
			printf("feed: the writer ended before the window did (wait status %d)\n",
			    feed_status);
			feed_bad = 1;
		}
		if (lines <= 0) {
			printf("feed: nothing was written in the window\n");
			feed_bad = 1;
		}
		feed_bad |= g_disorder > 0;
	}
	if (opt_metrics && mx_a.ns >= 0 && mx_b.ns > mx_a.ns) {
		double ms = (double)(mx_b.ns - mx_a.ns) / NS_PER_S;

		if (mx_a.feed_updates >= 0 && mx_b.feed_updates >= 0) {
			snprintf(m_upd, sizeof(m_upd), "%.0f", mx_b.feed_updates - mx_a.feed_updates);
			snprintf(m_ups, sizeof(m_ups), "%.0f",
			    (mx_b.feed_updates - mx_a.feed_updates) / ms);
		}
		if (mx_a.messages >= 0 && mx_b.messages >= 0)
			snprintf(m_mps, sizeof(m_mps), "%.0f",
			    (mx_b.messages - mx_a.messages) / ms);
		printf("letterd's /metrics over %.2f s: %s feed updates/s "
		    "(letterd_feed_updates_total), %s values sent/s "
		    "(letterd_messages_sent_total; received %.0f/s)\n", ms, m_ups, m_mps, mps);
	}
	if (a->have_machine && b->have_machine) {
		/* In CPUs (seconds of CPU per second).  With tick-based
		 * accounting, softirq time is charged to whichever process it
		 * interrupted, so it is mostly inside the server's and our
		 * figures already; "other" is what is busy and is neither of
		 * us: another workload on the machine, which makes every
		 * figure above suspect. */
		double d[8], tck = (double)sysconf(_SC_CLK_TCK), busy, srv = 0, other;
		int j;

		for (j = 0; j < 8; j++)
			d[j] = (double)(b->machine[j] - a->machine[j]) / tck / secs;
		busy = d[0] + d[1] + d[2] + d[5] + d[6] + d[7];
		/* stat's ticks here, like the machine's own figures */
		if (a->srv_user >= 0 && b->srv_user >= 0)
			srv = (b->srv_user + b->srv_sys - a->srv_user - a->srv_sys) / secs;
		other = busy - srv - (b->self_cpu - a->self_cpu) / secs - wr / secs;
		snprintf(busy_s, sizeof(busy_s), "%.2f", busy);
		snprintf(other_s, sizeof(other_s), "%.2f", other > 0 ? other : 0.0);
		printf("machine: %.2f of %ld CPUs busy (softirq %.2f of them): server %.2f, "
		    "client %.2f%s, other %.2f%s\n", busy, sysconf(_SC_NPROCESSORS_ONLN),
		    d[6], srv, (b->self_cpu - a->self_cpu) / secs + wr / secs,
		    opt_feed ? " (writer included)" : "",
		    other > 0 ? other : 0.0, other > 0.2 ?
		    " -- something else is using the CPU" : "");
	}
	printf("client: %.2f s CPU (%.0f%% of a core)%s\n", b->self_cpu - a->self_cpu,
	    self, self > 90 ? " -- the client is saturated: the figures are its "
	    "limit, not necessarily the server's" : "");
	printf("pings answered (whole run): %llu\n", (unsigned long long)g_pings);
	printf("malformed messages: %llu%s%s%s\n", (unsigned long long)g_malformed,
	    g_malformed ? ", the first: \"" : "", first_malformed,
	    g_malformed ? "\"" : "");
	if (first_failure[0])
		printf("first failure: %s\n", first_failure);
	printf("RESULT clients=%ld connected=%ld msgs_per_sec=%.0f bytes_per_sec=%.0f "
	    "server_cpu_us_per_msg=%s server_rss_kb=%s client_cpu_pct=%.1f malformed=%llu "
	    "window_s=%.3f msgs=%.0f server_cpu_s=%s server_rss_before_kb=%s "
	    "server_rss_start_kb=%s server_vcsw=%s server_nvcsw=%s machine_busy=%s "
	    "machine_other=%s conns_per_sec=%s server_cpu_us_per_conn=%s "
	    "feed_lines=%s feed_lines_per_sec=%s writer_cpu_pct=%s skipped=%s "
	    "out_of_order=%s feed_updates=%s feed_updates_per_sec=%s "
	    "server_msgs_per_sec=%s\n",
	    opt_clients, g_open, mps, bps, us, rss, self, (unsigned long long)g_malformed,
	    secs, msgs, cpu_s, rss0, rss1, vcsw, nvcsw, busy_s, other_s, cps, us_conn,
	    f_lines, f_lps, f_cpu, f_skip, f_dis, m_upd, m_ups, m_mps);
	free(per);
	return g_open < opt_clients || g_malformed || feed_bad ? 1 : 0;
}

/* ---- Start-up --------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: load -p PORT [-h HOST] [-n CLIENTS] [-l LETTERS] [-S] [-D] [-C]\n"
	    "            [-w WARMUP_SECS] [-t SECS] [-s SERVER_PID] [-U] [-f SOURCES]\n"
	    "            [-F FEED_SOCKET] [-M]\n"
	    "  -p port     letterd's port\n"
	    "  -h host     its address, IPv4 or IPv6 literal (default 127.0.0.1)\n"
	    "  -n clients  WebSocket connections (default 1000)\n"
	    "  -l letters  letters each client subscribes to (default A..Z;\n"
	    "              \"\" = none: idle connections)\n"
	    "  -S          spread: client i subscribes only to the (i mod L)-th of -l\n"
	    "  -D          defer subscribing until every client is connected\n"
	    "  -C          measure the connect phase: connect, upgrade, subscribe,\n"
	    "              first value (no warm-up, no window; -t bounds it)\n"
	    "  -w secs     warm-up before measuring (default 2)\n"
	    "  -t secs     measured window (default 10)\n"
	    "  -s pid      the server's pid: report its CPU, RSS and context\n"
	    "              switches from /proc\n"
	    "  -U          send SIGUSR1 to -s's pid at both edges of the window\n"
	    "              (for bench/malloc_count.so; it kills a server without it)\n"
	    "  -f n        spread sources over 127.0.0.1..127.0.0.n (default 8;\n"
	    "              only when HOST is in 127/8)\n"
	    "  -F path     feed: a writer process writes \"X NNNN\" lines, A..Z with\n"
	    "              increasing values, to letterd's feed socket (letterd -s\n"
	    "              path) as fast as it can, from the end of the connect phase\n"
	    "              to the end of the window; the clients check the order\n"
	    "  -M          read letterd's /metrics (letterd -M) at the window's edges\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "load: bad value '%s' (%ld..%ld)\n", s, min, max);
		usage();
	}
	return v;
}

static void
options(int argc, char **argv)
{
	const char *s;
	int ch;

	while ((ch = getopt(argc, argv, "p:h:n:l:w:t:s:f:F:SDCUM")) != -1) {
		switch (ch) {
		case 'p': opt_port = number(optarg, 1, 65535); break;
		case 'h': opt_host = optarg; break;
		case 'n': opt_clients = number(optarg, 1, LOAD_MAX_CLIENTS); break;
		case 'l': opt_letters = optarg; break;
		case 'w': opt_warmup = number(optarg, 0, 3600); break;
		case 't': opt_secs = number(optarg, 1, 3600); break;
		case 's': opt_pid = number(optarg, 1, LONG_MAX); break;
		case 'f': opt_from = number(optarg, 1, 254); break;
		case 'S': opt_spread = 1; break;
		case 'D': opt_defer = 1; break;
		case 'C': opt_connect = 1; break;
		case 'U': opt_usr1 = 1; break;
		case 'F': opt_feed = optarg; break;
		case 'M': opt_metrics = 1; break;
		default: usage();
		}
	}
	if (optind != argc || opt_port < 0)
		usage();
	for (s = opt_letters; *s; s++) {
		int up = *s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s;

		if (up < 'A' || up > 'Z') {
			fprintf(stderr, "load: -l %s: letters A..Z only\n", opt_letters);
			usage();
		}
		if (!memchr(letters, up, (size_t)nletters))
			letters[nletters++] = (char)up;
	}
	/* -l "" is allowed: idle clients.  -C waits for a first value, so
	 * it needs something to subscribe to; -U needs a server to signal;
	 * -F and -M belong to a window, which -C does not have. */
	if ((opt_connect && !nletters) || (opt_connect && opt_defer) ||
	    (opt_usr1 && opt_pid < 0) || (opt_connect && (opt_feed || opt_metrics)))
		usage();
}

static void
setup(void)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&dst;
	struct rlimit rl;
	double user, sys;

	memset(&dst, 0, sizeof(dst));
	if (inet_pton(AF_INET, opt_host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)opt_port);
		dst_len = sizeof(*v4);
		/* Source spreading needs a loopback destination: 127.0.0.x
		 * cannot reach anything else. */
		spread = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
		snprintf(authority, sizeof(authority), "%s:%ld", opt_host, opt_port);
	} else if (inet_pton(AF_INET6, opt_host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)opt_port);
		dst_len = sizeof(*v6);
		snprintf(authority, sizeof(authority), "[%s]:%ld", opt_host, opt_port);
	} else {
		die(2, "-h %s: not an IPv4 or IPv6 literal", opt_host);
	}

	/* One descriptor per client, plus stdio, epoll and /proc reads:
	 * take all the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die(2, "getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)opt_clients + 16 > rl.rlim_cur)
		die(2, "-n %ld needs %ld descriptors; RLIMIT_NOFILE allows %llu",
		    opt_clients, opt_clients + 16, (unsigned long long)rl.rlim_cur);

	if (opt_pid > 0 && proc_cpu(opt_pid, &user, &sys) < 0)
		die(2, "-s %ld: cannot read /proc/%ld/stat", opt_pid, opt_pid);
	if (opt_pid > 0) {
		proc_comm(opt_pid, srv_comm, sizeof(srv_comm));
		if (strcmp(srv_comm, "letterd") && strcmp(srv_comm, "ceiling"))
			fprintf(stderr, "load: warning: -s %ld is \"%s\", not letterd\n",
			    opt_pid, srv_comm);
	}
	if (!(conns = calloc((size_t)opt_clients, sizeof(*conns))))
		die(2, "out of memory for %ld clients", opt_clients);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die(2, "epoll_create1: %s", strerror(errno));
	rng_seed();
	if (opt_feed)
		feed_fork();
}

int
main(int argc, char **argv)
{
	struct edge a, b;
	int64_t t0;
	long i;

	options(argc, argv);
	setup();
	for (i = 0; i < opt_clients; i++) {
		uint32_t m = 0;
		int j;

		conns[i].fd = -1;
		if (opt_spread && nletters)
			m = UINT32_C(1) << (letters[i % nletters] - 'A');
		else
			for (j = 0; j < nletters; j++)
				m |= UINT32_C(1) << (letters[j] - 'A');
		conns[i].letters = m;
	}
	if (opt_pid > 0) {
		long v, nv;

		proc_status(opt_pid, &srv_rss_before, &v, &nv);
	}
	now = t0 = mono_ns();
	deadline_all = now + (opt_warmup + opt_secs + LOAD_SLACK_S) * NS_PER_S;
	if (opt_connect)
		deadline_all = now + (opt_secs + LOAD_SLACK_S) * NS_PER_S;

	if (spread)
		printf("connecting %ld clients to %s from 127.0.0.1..127.0.0.%ld, "
		    "%d letters each\n", opt_clients, authority, opt_from,
		    opt_spread && nletters ? 1 : nletters);
	else
		printf("connecting %ld clients to %s, %d letters each\n",
		    opt_clients, authority, opt_spread && nletters ? 1 : nletters);
	fflush(stdout);
	if (opt_connect) {
		/* The window is the connect phase: from before the first
		 * connect() until the last client has its first value. */
		edge_take(&a);
		phase_connect();
		phase = "waiting for first values";
		while (g_waiting > 0)
			loop_once(deadline_all);
		edge_take(&b);
		return report(&a, &b);
	}
	phase_connect();
	printf("connected %ld of %ld in %.2f s (%ld failed, %ld dropped since)\n",
	    g_open, opt_clients, (double)(now - t0) / NS_PER_S, g_failed, g_dropped);
	if (first_failure[0])
		printf("first failure: %s\n", first_failure);
	fflush(stdout);
	if (!g_open)
		die(1, "no client is open");
	if (opt_defer) {
		/* -D: everyone subscribes now; the warm-up absorbs it */
		for (i = 0; i < opt_clients; i++)
			if (conns[i].state == LC_OPEN) {
				lc_subscribe(&conns[i]);
				if (conns[i].state == LC_OPEN)
					lc_flush(&conns[i]);
			}
	}

	if (opt_feed) {
		printf("feed: the writer starts writing to %s\n", opt_feed);
		feed_start();
	}
	if (opt_warmup) {
		printf("warm-up %ld s\n", opt_warmup);
		fflush(stdout);
		phase_run("warm-up", now + opt_warmup * NS_PER_S, 0);
	}
	/* letterd's counters are read outside the two SIGUSR1s, so that
	 * the request is not in malloc_count.so's window */
	if (opt_metrics)
		mx_take(&mx_a);
	now = mono_ns();
	for (i = 0; i < opt_clients; i++)
		conns[i].mark = conns[i].msgs;
	edge_take(&a);
	if (opt_usr1)
		kill((pid_t)opt_pid, SIGUSR1);
	printf("measuring %ld s\n", opt_secs);
	fflush(stdout);
	phase_run("window", now + opt_secs * NS_PER_S, 1);
	if (opt_usr1)
		kill((pid_t)opt_pid, SIGUSR1);
	edge_take(&b);
	if (opt_metrics)
		mx_take(&mx_b);
	feed_stop();
	return report(&a, &b);
}
