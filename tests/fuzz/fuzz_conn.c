/* SPDX-License-Identifier: ISC */
/*
 * fuzz_conn.c - the whole server: the bytes a client sends go in through
 * a real socket and the real event loop, and every byte the server writes
 * back is checked.
 *
 * What runs is what letterd runs.  Each input gets a fresh world --
 * loop_init, conn_init, pubsub_init, state_init(1) -- and a
 * socketpair(AF_UNIX, SOCK_STREAM): the server's end is handed to
 * conn_adopt() for route_ops as if accept() had returned it, and the
 * fuzzer holds the other end, the client's.  The client's bytes are
 * written in chunks; after each chunk the server gets turns of main.c's
 * loop: conn_flush_pending(), then loop_once(), which calls the handlers
 * of what the loop reports and the timers that are due.  (The events
 * come from the loop rather than from a bare read, so that a connection
 * that stopped watching its input -- its output backed up, or closing --
 * is not read, exactly as in letterd.)  Turns repeat until the loop has
 * nothing to do, the client reading everything written in between.  Time
 * is played by hand with loop_set_now().
 *
 * With the top bit of the flags, the fuzzer plays a relay's upstream
 * instead: the server's end of the first socketpair becomes the relay's
 * upstream connection (relay_start), the data is what the upstream sends
 * (after a valid 101 for the relay's key, unless the data starts with
 * "HTTP/" and brings its own head), and a second connection is a local
 * client subscribed to every letter.  What the relay writes upstream is
 * checked as a strict server would: its opening handshake, then client
 * frames only (masked, FIN set, subscribe commands, pongs, a close).
 *
 * Input: the data, then two trailing bytes: flags, and a seed for the
 * chunk sizes and the timing of events.  (Trailing, so that a seed can
 * start with a real request and the fuzzer reaches the frame code at
 * once; conn.dict holds the words of the protocol.)
 *
 * The client's end collects a transcript per connection, and the checker
 * parses it as a strict client would: HTTP/1.1 responses (status line
 * with its standard reason, header fields, Content-Length and exactly that
 * body -- none after HEAD --, Connection: close on every error and nothing
 * after it, a /metrics body whose gauges add up); after a 101, only server
 * frames (FIN set, no RSV bit, not masked, a known opcode, the shortest
 * length form, control frames of at most 125 bytes, a close frame with a
 * code the server may send and nothing after it, text that is valid UTF-8
 * and one of the messages of docs/protocol.md 4).  The transcript must end at a
 * boundary: nothing the server promised is cut short.
 *
 * The flags byte can ask for more of the server's life: ticks, keepalive
 * pings and deadlines between chunks, a client that stops reading for a
 * while (with a tiny socket buffer, so that the server's writes are cut
 * short and its backlog and conflation are exercised), three clients at
 * once, -m 16, -M, -c 2.  Unless events, several connections or -M are
 * asked for, the input is also sent in one piece to a second, fresh
 * server, and the two transcripts must be the same byte for byte (the Date
 * values aside): how TCP happens to cut a client's bytes must never change
 * what the server answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "pubsub.h"
#include "relay.h"
#include "route.h"
#include "state.h"
#include "utf8_ref.h"
#include "ws.h"

/* index.html, made into page.c by mkpage */
extern const unsigned char page_html[];
extern const size_t page_html_len;

/* The flags byte. */
#define FZ_EVENTS  0x01  /* between chunks: ticks, pings, deadlines, slow reading */
#define FZ_SMALL   0x02  /* -m 16 instead of the default 4096 */
#define FZ_NOEOF   0x04  /* the client never half-closes at the end */
#define FZ_METRICS 0x08  /* -M: GET /metrics is served */
#define FZ_MULTI   0x10  /* three clients, each upgraded first; data = frames */
#define FZ_FULL    0x20  /* with FZ_MULTI: -c 2, so the third gets 503 */
#define FZ_TIGHT   0x40  /* the server's socket buffer as small as can be */
#define FZ_RELAY   0x80  /* peer 0 is the relay's upstream, peer 1 a client */

#define FZ_PEERS   3
#define FZ_MAXFD   1024

/* A valid handshake (RFC 6455 1.3's sample key) for FZ_MULTI. */
static const char fz_upgrade[] =
    "GET /ws HTTP/1.1\r\nHost: fuzz\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

/* A growing byte string. */
struct fz_bytes {
	uint8_t *p;
	size_t n, cap;
};

/* The client's end of one connection: what it sent and what it read. */
struct fz_peer {
	int fd;
	struct fz_bytes sent, got;
	int dropped;   /* the server may have dropped it (see fz_event) */
};

struct fz_world {
	struct fz_peer peer[FZ_PEERS];
	int npeers;
	int deaf;      /* the clients do not read for now: a slow client */
	int relay;     /* FZ_RELAY: peer 0 is the upstream */
};

/* ---- Driving the server ---------------------------------------------- */

static void
fz_put(struct fz_bytes *b, const uint8_t *p, size_t n)
{
	if (b->n + n > b->cap) {
		while (b->n + n > b->cap)
			b->cap = b->cap ? 2 * b->cap : 4096;
		b->p = realloc(b->p, b->cap);
		FUZZ_CHECK(b->p != NULL, "out of memory");
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Reads all the server has written to p so far. */
static void
fz_drain(struct fz_peer *p)
{
	uint8_t buf[65536];
	ssize_t r;

	for (;;) {
		r = read(p->fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;   /* EAGAIN: all for now; 0: the server closed */
		fz_put(&p->got, buf, (size_t)r);
	}
}

/* Turns of main.c's loop until it has nothing to do.  A server that keeps
 * finding work without any new input is spinning: that is a finding. */
static void
fz_pump(struct fz_world *w)
{
	int turns, i;

	for (turns = 0;; turns++) {
		FUZZ_CHECK(turns < 100000, "the server never goes idle");
		conn_flush_pending();
		for (i = 0; i < w->npeers && !w->deaf; i++)
			fz_drain(&w->peer[i]);
		/* under the hand-played clock loop_once polls, never sleeps;
		 * a timer due now (resuming held input) is work too */
		if (loop_once() == 0)
			return;
	}
}

/* The client sends p[0..n).  The socket buffer is far larger than any
 * input, so a write that cannot go through means the server stopped
 * reading: because its output is backed up (so the client starts reading
 * again), or for good. */
static void
fz_send(struct fz_world *w, struct fz_peer *p, const uint8_t *s, size_t n)
{
	int stalls = 0;
	ssize_t r;

	while (n > 0) {
		r = send(p->fd, s, n, MSG_NOSIGNAL);
		if (r > 0) {
			fz_put(&p->sent, s, (size_t)r);
			s += r;
			n -= (size_t)r;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			FUZZ_CHECK(++stalls < 1000, "the server stopped reading");
			w->deaf = 0;
			fz_pump(w);
		} else if (!(r < 0 && errno == EINTR)) {
			return;   /* EPIPE: the server has closed the connection */
		}
	}
}

/* Between two chunks, what time brings: a tick, a keepalive round, a
 * deadline passing, or the client going deaf (not reading: a slow
 * client, whose backlog the server must bound) or hearing again.  When
 * the server drops a connection for a ping or a deadline, whatever it
 * still held for it is lost, as when a TCP connection is cut. */
static void
fz_event(struct fz_world *w, uint32_t r)
{
	int before = conn_count(), i;

	switch (r % 16) {
	case 0:
	case 1:
		if (!(w->relay))
			pubsub_tick();  /* new values for the subscribers */
		break;
	case 2:
		conn_keepalive();       /* ping; drop who missed the last one */
		break;
	case 3:
		loop_set_now(loop_now() + HTTP_DEADLINE_MS);  /* time passes */
		break;
	case 4:
		w->deaf = 1;
		break;
	case 5:
		w->deaf = 0;
		break;
	}
	/* deadlines are timers now: they fire in the pump, so the count is
	 * compared after it */
	fz_pump(w);
	if (conn_count() < before)
		for (i = 0; i < w->npeers; i++)
			w->peer[i].dropped = 1;
}

/* FZ_RELAY: the relay has connected; answer its handshake as a server
 * would (RFC 6455 4.2.2), unless the data brings its own response head,
 * then let a local client subscribe to every letter. */
static void
fz_relay_start(struct fz_world *w, const uint8_t *data, size_t n)
{
	static const char key_field[] = "Sec-WebSocket-Key: ";
	char accept[WS_ACCEPT_LEN + 1], head[256], cmd[64];
	const uint8_t *k = NULL;
	size_t i;
	int len, l;

	fz_pump(w);
	for (i = 0; i + sizeof(key_field) - 1 + 24 <= w->peer[0].got.n && !k; i++)
		if (!memcmp(w->peer[0].got.p + i, key_field, sizeof(key_field) - 1))
			k = w->peer[0].got.p + i + sizeof(key_field) - 1;
	FUZZ_CHECK(k && ws_accept((const char *)k, 24, accept) == 0,
	    "the relay sent no valid Sec-WebSocket-Key");
	if (n < 5 || memcmp(data, "HTTP/", 5)) {
		len = snprintf(head, sizeof(head), "HTTP/1.1 101 Switching Protocols\r\n"
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
		fz_send(w, &w->peer[0], (const uint8_t *)head, (size_t)len);
	}
	fz_send(w, &w->peer[1], (const uint8_t *)fz_upgrade, sizeof(fz_upgrade) - 1);
	for (l = 0; l < STATE_LETTERS; l++) {
		uint8_t frame[80], mask[4] = { 1, 2, 3, (uint8_t)l };

		len = snprintf(cmd, sizeof(cmd), "{\"action\": \"subscribe\", \"letter\": \"%c\"}",
		    'a' + l);
		fz_send(w, &w->peer[1], frame, ws_client_frame(frame, WS_OP_TEXT, cmd,
		    (size_t)len, mask));
	}
	fz_pump(w);
}

/* One whole run: a fresh server, the input sent in chunks (or whole),
 * events between chunks if asked, and at the end the client's EOF and
 * the server's teardown. */
static void
fz_run(struct fz_world *w, const uint8_t *data, size_t n, int flags, uint32_t seed,
       int whole)
{
	struct fuzz_rng rng;
	size_t off = 0, k;
	int i, sv[2];

	/* the options and metrics are letterd's globals: set them all,
	 * every time, so that no run depends on the one before. */
	memset(&metrics, 0, sizeof(metrics));
	pubsub_opts.max_msg = flags & FZ_SMALL ? 16 : DEFAULT_MAX_MSG;
	pubsub_opts.max_clients = flags & FZ_MULTI && flags & FZ_FULL ? 2 : 0;
	log_verbose = 0;
	route_opts.metrics = !!(flags & FZ_METRICS);
	route_opts.has_root = 0;
	FUZZ_CHECK(loop_init(FZ_MAXFD) == 0, "loop_init: %s", strerror(errno));
	loop_set_now(0);
	FUZZ_CHECK(conn_init(FZ_MAXFD) == 0, "conn_init failed");
	FUZZ_CHECK(pubsub_init(FZ_MAXFD) == 0, "pubsub_init failed");
	state_init(1);

	memset(w, 0, sizeof(*w));
	w->relay = !!(flags & FZ_RELAY);
	w->npeers = w->relay ? 2 : flags & FZ_MULTI ? FZ_PEERS : 1;
	for (i = 0; i < w->npeers; i++) {
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair: %s",
		    strerror(errno));
		FUZZ_CHECK(sv[0] < FZ_MAXFD, "fd %d", sv[0]);
		fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
		if (flags & FZ_TIGHT) {
			/* the kernel rounds this up to its minimum, a few KB:
			 * writes that take part of what they are given, and
			 * EAGAIN as soon as the client stops reading */
			int one = 1;

			setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
		}
		w->peer[i].fd = sv[1];
		if (w->relay && i == 0) {
			/* a port nothing listens on, for the retries */
			FUZZ_CHECK(relay_init("ws://127.0.0.1:9/ws") == 0, "relay_init");
			FUZZ_CHECK(relay_start(sv[0]) == 0, "relay_start failed");
		} else {
			struct conn *c = conn_adopt(sv[0], &route_ops, 0);

			FUZZ_CHECK(c != NULL, "conn_adopt failed");
			route_ops.opened(c);
		}
	}
	if (w->relay)
		fz_relay_start(w, data, n);
	else if (flags & FZ_MULTI) {
		for (i = 0; i < w->npeers; i++) {
			fz_send(w, &w->peer[i], (const uint8_t *)fz_upgrade, sizeof(fz_upgrade) - 1);
			fz_pump(w);
		}
	}

	fuzz_rng_init(&rng, seed);
	while (off < n && conn_count() > 0) {
		struct fz_peer *p = &w->peer[w->relay ? 0 :
		    fuzz_rng_next(&rng) % (uint32_t)w->npeers];

		k = whole ? n - off : fuzz_rng_piece(&rng, n - off);
		fz_send(w, p, data + off, k);
		off += k;
		fz_pump(w);
		if (flags & FZ_EVENTS)
			fz_event(w, fuzz_rng_next(&rng));
	}
	w->deaf = 0;
	fz_pump(w);
	if (!(flags & FZ_NOEOF)) {
		for (i = 0; i < w->npeers; i++)
			shutdown(w->peer[i].fd, SHUT_WR);
		fz_pump(w);
	}
	if (flags & FZ_EVENTS) {
		loop_set_now(loop_now() + HTTP_DEADLINE_MS + LINGER_MS);
		fz_event(w, 3);
	}
	if (w->relay)
		relay_stop();
	conn_free_all();
	pubsub_free();
	loop_free();
	for (i = 0; i < w->npeers; i++) {
		fz_drain(&w->peer[i]);
		close(w->peer[i].fd);
	}
}

/* ---- Checking what the server wrote ---------------------------------- */

/* The statuses letterd sends, with RFC 9110's reason phrases. */
static const struct {
	int status;
	const char *reason;
} fz_statuses[] = {
	{ 101, "Switching Protocols" }, { 200, "OK" }, { 400, "Bad Request" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 408, "Request Timeout" }, { 414, "URI Too Long" },
	{ 426, "Upgrade Required" }, { 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
};

/* json.h's reasons: what {"error": "..."} may say. */
static const char *const fz_whys[] = {
	"invalid JSON", "nesting too deep", "expected a JSON object",
	"missing action", "action must be subscribe or unsubscribe",
	"missing letter", "letter must be one of A-Z",
};

static int
fz_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive: is the field name p[0..n) the literal name? */
static int
fz_is(const uint8_t *p, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!name[i] || fz_lower(p[i]) != fz_lower((unsigned char)name[i]))
			return 0;
	return name[n] == '\0';
}

static int
fz_same(const uint8_t *p, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(p, lit, n);
}

/* A JSON number (RFC 8259 6) of at most STATE_VALUE_MAX bytes, which is
 * what a value may be (docs/protocol.md 4.3). */
static int
fz_number(const uint8_t *p, size_t n)
{
	size_t i = 0, d;

	if (n == 0 || n > STATE_VALUE_MAX)
		return 0;
	if (p[i] == '-')
		i++;
	if (i < n && p[i] == '0')
		i++;
	else if (i < n && p[i] >= '1' && p[i] <= '9')
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && p[i] == '.') {
		for (d = ++i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		if (++i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		for (d = i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* A text message the server may send (docs/protocol.md 4). */
static int
fz_known_text(const uint8_t *p, size_t n)
{
	static const char unsub[] = "\": \"You need to subscribe before un-subscribing\"}";
	static const char err[] = "{\"error\": \"";
	size_t i;

	/* {"A": 1234}, or any number a relay's upstream sends */
	if (n > 7 && !memcmp(p, "{\"", 2) && p[2] >= 'A' && p[2] <= 'Z' &&
	    !memcmp(p + 3, "\": ", 3) && p[n - 1] == '}' && fz_number(p + 6, n - 7))
		return 1;
	/* the answer to a ping */
	if (fz_same(p, n, "{\"pong\": true}"))
		return 1;
	/* {"A": "You need to subscribe before un-subscribing"} */
	if (n == 3 + sizeof(unsub) - 1 && !memcmp(p, "{\"", 2) && p[2] >= 'A' &&
	    p[2] <= 'Z' && !memcmp(p + 3, unsub, sizeof(unsub) - 1))
		return 1;
	/* {"error": "<why>"} */
	if (n > sizeof(err) + 1 && !memcmp(p, err, sizeof(err) - 1) &&
	    !memcmp(p + n - 2, "\"}", 2))
		for (i = 0; i < sizeof(fz_whys) / sizeof(fz_whys[0]); i++)
			if (fz_same(p + sizeof(err) - 1, n - sizeof(err) - 1, fz_whys[i]))
				return 1;
	return 0;
}

/* The transcript ends inside a frame or a response: a bug -- the server
 * closed without finishing what it started -- unless it dropped the
 * connection for a missed ping or deadline, when what it held is lost
 * with the connection.  Then the check ends here (returns n). */
static int fz_cut_ok;

#define FZ_WHOLE(cond, ...) do {                                       \
	if (!(cond)) {                                                  \
		if (fz_cut_ok)                                          \
			return n;                                       \
		FUZZ_CHECK(cond, __VA_ARGS__);                          \
	}                                                               \
} while (0)

/* One server frame at t[pos..n); returns the position after it. */
static size_t
fz_check_frame(const uint8_t *t, size_t n, size_t pos, int *closed)
{
	size_t h = 2, i;
	uint64_t len;
	int op, code;

	FZ_WHOLE(n - pos >= 2, "a frame header cut short at %zu", pos);
	op = t[pos] & 0x0f;
	FUZZ_CHECK(t[pos] & 0x80, "a fragment (FIN clear) at %zu", pos);
	FUZZ_CHECK(!(t[pos] & 0x70), "RSV bits 0x%02x at %zu", t[pos] & 0x70, pos);
	FUZZ_CHECK(op == WS_OP_TEXT || op == WS_OP_CLOSE || op == WS_OP_PING ||
	    op == WS_OP_PONG, "opcode %d at %zu", op, pos);
	FUZZ_CHECK(!(t[pos + 1] & 0x80), "a masked server frame at %zu (RFC 6455 5.1)", pos);
	len = t[pos + 1] & 0x7f;
	if (len == 126) {
		h = 4;
		FZ_WHOLE(n - pos >= h, "a frame header cut short at %zu", pos);
		len = (uint64_t)t[pos + 2] << 8 | t[pos + 3];
		FUZZ_CHECK(len >= 126, "length %llu not in the shortest form",
		    (unsigned long long)len);
	} else if (len == 127) {
		h = 10;
		FZ_WHOLE(n - pos >= h, "a frame header cut short at %zu", pos);
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | t[pos + 2 + i];
		FUZZ_CHECK(len > 0xffff && len >> 63 == 0, "64-bit length %llu",
		    (unsigned long long)len);
	}
	FUZZ_CHECK(op < WS_OP_CLOSE || len <= WS_CONTROL_MAX,
	    "a control frame of %llu bytes", (unsigned long long)len);
	FZ_WHOLE(len <= n - pos - h, "a frame of %llu bytes cut short at %zu",
	    (unsigned long long)len, pos);
	pos += h;
	switch (op) {
	case WS_OP_CLOSE:
		FUZZ_CHECK(len == 2, "a close frame of %llu bytes", (unsigned long long)len);
		/* the server's own codes (ws.h), or the client's code echoed
		 * back (RFC 6455 5.5.1); never one of the codes 7.4.1 keeps off
		 * the wire (1004-1006, 1015) */
		code = t[pos] << 8 | t[pos + 1];
		FUZZ_CHECK((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
		    (code >= 3000 && code <= 4999), "close code %d", code);
		*closed = 1;
		break;
	case WS_OP_TEXT:
		FUZZ_CHECK(utf8_ref_check(t + pos, (size_t)len, NULL, NULL) == UTF8_REF_OK,
		    "a text frame that is not UTF-8 at %zu", pos);
		FUZZ_CHECK(fz_known_text(t + pos, (size_t)len), "unknown text message "
		    "\"%.*s\"", (int)len, (const char *)t + pos);
		break;
	}
	return pos + (size_t)len;
}

/* The number after the last space of a line, or -1. */
static long
fz_sample(const uint8_t *p, size_t n)
{
	size_t i = n;
	long v = 0;

	while (i > 0 && p[i - 1] != ' ')
		i--;
	if (i == n || i == 0)
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || v > 1000000000L)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* A /metrics body (Prometheus text format 0.0.4): lines of "# HELP",
 * "# TYPE" or "name{labels} value", ending in LF.  The gauges must add
 * up: no more connections than the fuzzer opened, no more clients than
 * connections, no letter with more subscribers than there are clients.
 * (The gauges come from counters conn.c keeps across connections, so one
 * that is not brought back down on close shows here sooner or later.) */
static void
fz_check_metrics(const uint8_t *p, size_t n)
{
	long conns = -1, clients = -1, subs = 0, v;
	size_t i = 0, e;

	FUZZ_CHECK(n > 0 && p[n - 1] == '\n', "a metrics body that does not end a line");
	for (i = 0; i < n; i = e + 1) {
		for (e = i; p[e] != '\n'; e++)
			FUZZ_CHECK(p[e] >= 0x20 && p[e] < 0x7f, "byte 0x%02x in /metrics", p[e]);
		if (e - i >= 7 && (!memcmp(p + i, "# HELP ", 7) || !memcmp(p + i, "# TYPE ", 7)))
			continue;
		FUZZ_CHECK(e > i && p[i] >= 'a' && p[i] <= 'z' && memchr(p + i, ' ', e - i),
		    "metrics line \"%.*s\"", (int)(e - i), (const char *)p + i);
		v = fz_sample(p + i, e - i);
		if (e - i > 20 && !memcmp(p + i, "letterd_connections ", 20))
			conns = v;
		else if (e - i > 16 && !memcmp(p + i, "letterd_clients ", 16))
			clients = v;
		else if (e - i > 20 && !memcmp(p + i, "letterd_subscribers{", 20) &&
		    subs >= 0 && (v < 0 || v > subs))
			subs = v;   /* the largest, or -1 for one that is not a count */
	}
	FUZZ_CHECK(conns >= 1 && conns <= FZ_PEERS, "letterd_connections %ld", conns);
	FUZZ_CHECK(clients >= 0 && clients <= conns, "letterd_clients %ld of %ld connections",
	    clients, conns);
	FUZZ_CHECK(subs >= 0 && subs <= clients, "letterd_subscribers %ld of %ld clients",
	    subs, clients);
}

/* One HTTP response at t[pos..n) to a request that was HEAD or not;
 * returns the position after it.  The Date value is overwritten with X's
 * so that transcripts compare. */
static size_t
fz_check_response(uint8_t *t, size_t n, size_t pos, int head, int *ws, int *closed)
{
	char body[64];
	size_t end, line, i, k, clen = 0, rest;
	int status, ncl = 0, nconn = 0, ndate = 0, conn_close = 0, upgrade = 0;
	int conn_upgrade = 0, accept = 0, html = 0, prom = 0;

	/* the head: up to the first CRLF CRLF */
	for (end = pos; end + 4 <= n && memcmp(t + end, "\r\n\r\n", 4); end++)
		;
	FZ_WHOLE(end + 4 <= n, "a response head cut short at %zu", pos);
	end += 4;

	/* HTTP/1.1 SP 3DIGIT SP reason CRLF (RFC 9112 4) */
	for (line = pos; t[line] != '\r'; line++)
		;
	FUZZ_CHECK(line - pos >= 13 && !memcmp(t + pos, "HTTP/1.1 ", 9) &&
	    t[pos + 9] >= '1' && t[pos + 9] <= '5' && t[pos + 10] >= '0' &&
	    t[pos + 10] <= '9' && t[pos + 11] >= '0' && t[pos + 11] <= '9' &&
	    t[pos + 12] == ' ', "status line \"%.*s\"", (int)(line - pos),
	    (const char *)t + pos);
	status = (t[pos + 9] - '0') * 100 + (t[pos + 10] - '0') * 10 + t[pos + 11] - '0';
	for (i = 0; i < sizeof(fz_statuses) / sizeof(fz_statuses[0]); i++)
		if (fz_statuses[i].status == status)
			break;
	FUZZ_CHECK(i < sizeof(fz_statuses) / sizeof(fz_statuses[0]) &&
	    fz_same(t + pos + 13, line - pos - 13, fz_statuses[i].reason),
	    "status line \"%.*s\"", (int)(line - pos), (const char *)t + pos);

	/* field lines: name ":" SP value CRLF, all printable ASCII */
	for (pos = line + 2; pos < end - 2; pos = line + 2) {
		size_t colon;
		const uint8_t *v;
		size_t vn;

		for (line = pos; t[line] != '\r'; line++)
			FUZZ_CHECK(t[line] >= 0x20 && t[line] < 0x7f, "byte 0x%02x in a field",
			    t[line]);
		FUZZ_CHECK(t[line + 1] == '\n', "a bare CR in the head");
		for (colon = pos; colon < line && t[colon] != ':'; colon++)
			FUZZ_CHECK(t[colon] > ' ', "a field name with a space");
		FUZZ_CHECK(colon > pos && colon + 1 < line && t[colon + 1] == ' ',
		    "field line \"%.*s\"", (int)(line - pos), (const char *)t + pos);
		v = t + colon + 2;
		vn = line - colon - 2;
		if (fz_is(t + pos, colon - pos, "content-length")) {
			ncl++;
			FUZZ_CHECK(vn > 0 && vn < 12, "Content-Length \"%.*s\"", (int)vn,
			    (const char *)v);
			for (clen = 0, k = 0; k < vn; k++) {
				FUZZ_CHECK(v[k] >= '0' && v[k] <= '9', "Content-Length \"%.*s\"",
				    (int)vn, (const char *)v);
				clen = clen * 10 + (size_t)(v[k] - '0');
			}
		} else if (fz_is(t + pos, colon - pos, "connection")) {
			nconn++;
			conn_close = fz_same(v, vn, "close");
			conn_upgrade = fz_same(v, vn, "Upgrade");
			FUZZ_CHECK(conn_close || conn_upgrade || fz_same(v, vn, "keep-alive"),
			    "Connection: %.*s", (int)vn, (const char *)v);
		} else if (fz_is(t + pos, colon - pos, "upgrade")) {
			upgrade = fz_same(v, vn, "websocket");
		} else if (fz_is(t + pos, colon - pos, "sec-websocket-accept")) {
			accept = vn == WS_ACCEPT_LEN && v[vn - 1] == '=';
		} else if (fz_is(t + pos, colon - pos, "content-type")) {
			html = fz_same(v, vn, "text/html; charset=utf-8");
			prom = fz_same(v, vn, "text/plain; version=0.0.4; charset=utf-8");
		} else if (fz_is(t + pos, colon - pos, "date")) {
			/* IMF-fixdate, RFC 9110 5.6.7: Sun, 06 Nov 1994 08:49:37 GMT */
			ndate++;
			FUZZ_CHECK(vn == 29 && v[3] == ',' && !memcmp(v + 25, " GMT", 4),
			    "Date: %.*s", (int)vn, (const char *)v);
			memset(t + colon + 2, 'X', vn);
		}
	}
	FUZZ_CHECK(nconn == 1, "%d Connection fields", nconn);

	if (status == 101) {
		FUZZ_CHECK(upgrade && conn_upgrade && accept && ncl == 0,
		    "a 101 without the handshake's fields (RFC 6455 4.2.2)");
		*ws = 1;
		return end;
	}
	FUZZ_CHECK(ncl == 1, "%d Content-Length fields", ncl);
	FUZZ_CHECK(ndate == 1, "%d Date fields", ndate);
	FUZZ_CHECK(status < 400 || conn_close, "a %d without Connection: close", status);

	/* The body: exactly Content-Length bytes -- except in a response to
	 * HEAD, which has none whatever its fields say (RFC 9110 9.3.2, RFC
	 * 9112 6.3): a client reads the next response right after the head. */
	rest = n - end;
	if (head) {
		FUZZ_CHECK(rest == 0 || (rest >= 9 && !memcmp(t + end, "HTTP/1.1 ", 9)),
		    "a %d to HEAD is followed by %zu bytes that are not a response "
		    "(a body?)", status, rest);
		FUZZ_CHECK(!(conn_close && rest), "a %d to HEAD with Connection: close is "
		    "followed by %zu bytes (a body?)", status, rest);
	} else {
		FZ_WHOLE(rest >= clen, "a body of %zu bytes cut short at %zu", clen, end);
		if (status >= 400) {
			snprintf(body, sizeof(body), "%d %s\n", status, fz_statuses[i].reason);
			FUZZ_CHECK(fz_same(t + end, clen, body), "the body of a %d", status);
		} else if (html) {
			FUZZ_CHECK(clen == page_html_len && !memcmp(t + end, page_html, clen),
			    "a text/html body that is not the page");
		} else if (prom) {
			fz_check_metrics(t + end, clen);
		}
		end += clen;
	}
	if (status == 200 && html)
		FUZZ_CHECK(clen == page_html_len, "the page announced as %zu bytes, it has %zu",
		    clen, (size_t)page_html_len);
	if (conn_close)
		*closed = 1;
	return end;
}

/*
 * Which response answers a HEAD?  Responses come in the order of the
 * requests, and a server keeps a connection open (keep-alive) only after a
 * request it fully understood, whose extent is then plain: empty lines
 * before it (RFC 9112 2.2), the head up to the first empty line, and
 * Content-Length bytes of body.  So a naive walk over what the client
 * sent finds the request behind each response; after an error the
 * connection closes and the walk stops.
 */
struct fz_reqs {
	const uint8_t *p;
	size_t n, pos;
};

/* Skips the empty lines before a request; 1 if its method is HEAD. */
static int
fz_req_is_head(struct fz_reqs *r)
{
	for (;;) {
		if (r->pos < r->n && r->p[r->pos] == '\n')
			r->pos++;
		else if (r->n - r->pos >= 2 && !memcmp(r->p + r->pos, "\r\n", 2))
			r->pos += 2;
		else
			break;
	}
	return r->n - r->pos >= 5 && !memcmp(r->p + r->pos, "HEAD ", 5);
}

/* Steps over a request the server answered and kept the connection for. */
static void
fz_req_skip(struct fz_reqs *r)
{
	size_t i, end = 0, cl = 0;

	for (i = r->pos; i < r->n && !end; i++) {
		if (r->p[i] != '\n')
			continue;
		if (i + 1 < r->n && r->p[i + 1] == '\n')
			end = i + 2;
		else if (i + 2 < r->n && r->p[i + 1] == '\r' && r->p[i + 2] == '\n')
			end = i + 3;
	}
	FUZZ_CHECK(end, "a keep-alive response to an incomplete request");
	/* a line "Content-Length:" OWS digits (the server took it, so it
	 * is well-formed and there is one) */
	for (i = r->pos; i + 16 < end; i++) {
		if (r->p[i] != '\n' || !fz_is(r->p + i + 1, 15, "content-length:"))
			continue;
		for (i += 16; r->p[i] == ' ' || r->p[i] == '\t'; i++)
			;
		for (; r->p[i] >= '0' && r->p[i] <= '9'; i++)
			cl = cl * 10 + (size_t)(r->p[i] - '0');
		break;
	}
	r->pos = cl < r->n - end ? end + cl : r->n;
}

/* What the relay wrote upstream: its opening handshake (RFC 6455 4.1),
 * then client frames only -- masked, final, subscribe commands, pings,
 * pongs of at most 125 bytes and one close at the end (5.1, 5.5). */
static void
fz_check_upstream(struct fz_peer *p)
{
	static const char sub[] = "{\"action\": \"subscribe\", \"letter\": \"";
	const uint8_t *t = p->got.p;
	size_t n = p->got.n, pos = 0, len, i;
	uint8_t pay[WS_CONTROL_MAX + 64];
	int op, closed = 0;

	for (; pos + 4 <= n && memcmp(t + pos, "\r\n\r\n", 4); pos++)
		;
	FUZZ_CHECK(pos + 4 <= n && n >= 18 && !memcmp(t, "GET /ws HTTP/1.1\r\n", 18),
	    "the relay's request head");
	for (pos += 4; pos < n; pos += len) {
		FUZZ_CHECK(!closed, "%zu bytes after the relay's close", n - pos);
		if (n - pos < 6 && p->dropped)
			return;
		FUZZ_CHECK(n - pos >= 6, "a client frame header cut short at %zu", pos);
		op = t[pos] & 0x0f;
		len = t[pos + 1] & 0x7f;
		FUZZ_CHECK((t[pos] & 0xf0) == 0x80 && (t[pos + 1] & 0x80) && len < 126,
		    "a client frame that is not final, masked and short at %zu", pos);
		FUZZ_CHECK(op == WS_OP_TEXT || op == WS_OP_PING || op == WS_OP_PONG ||
		    op == WS_OP_CLOSE, "opcode %d from the relay", op);
		if (n - pos - 6 < len && p->dropped)
			return;
		FUZZ_CHECK(n - pos - 6 >= len, "a client frame cut short at %zu", pos);
		for (i = 0; i < len; i++)
			pay[i] = t[pos + 6 + i] ^ t[pos + 2 + (i & 3)];
		if (op == WS_OP_TEXT)
			FUZZ_CHECK(len == sizeof(sub) + 2 && !memcmp(pay, sub, sizeof(sub) - 1) &&
			    pay[len - 3] >= 'A' && pay[len - 3] <= 'Z' &&
			    !memcmp(pay + len - 2, "\"}", 2), "the relay sent \"%.*s\"",
			    (int)len, (const char *)pay);
		if (op == WS_OP_CLOSE) {
			FUZZ_CHECK(len == 2, "a close of %zu bytes from the relay", len);
			closed = 1;
		}
		len += 6;
	}
}

/* A whole transcript: responses, then after a 101, frames. */
static void
fz_check(struct fz_peer *p)
{
	struct fz_reqs reqs = { NULL, 0, 0 };
	size_t pos = 0;
	int ws = 0, closed = 0;

	reqs.p = p->sent.p;
	reqs.n = p->sent.n;
	fz_cut_ok = p->dropped;
	while (pos < p->got.n) {
		FUZZ_CHECK(!closed, "%zu bytes after the server's last word", p->got.n - pos);
		if (ws) {
			pos = fz_check_frame(p->got.p, p->got.n, pos, &closed);
		} else {
			pos = fz_check_response(p->got.p, p->got.n, pos, fz_req_is_head(&reqs),
			    &ws, &closed);
			if (!ws && !closed)
				fz_req_skip(&reqs);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready, dump;
	struct fz_world a, b;
	size_t n = size >= 2 ? size - 2 : size;
	int flags = size >= 2 ? data[size - 2] : 0, i;
	uint32_t seed = size >= 2 ? data[size - 1] : 0;

	if (!ready) {
		/* as main.c does: a vanished peer gives EPIPE, not death */
		signal(SIGPIPE, SIG_IGN);
		dump = getenv("FUZZ_CONN_DUMP") != NULL;
		ready = 1;
	}
	fz_run(&a, data, n, flags, seed, 0);
	for (i = 0; i < a.npeers; i++) {
		if (dump) {
			/* FUZZ_CONN_DUMP=1 ./replay_conn FILE: see what came back */
			fprintf(stderr, "---- connection %d: %zu bytes\n", i, a.peer[i].got.n);
			fwrite(a.peer[i].got.p, 1, a.peer[i].got.n, stderr);
			fputs("\n---- end\n", stderr);
		}
		if (a.relay && i == 0)
			fz_check_upstream(&a.peer[0]);
		else
			fz_check(&a.peer[i]);
	}
	/* (/metrics tells how many bytes went out so far, which does depend
	 * on the chunking) */
	if (!(flags & (FZ_EVENTS | FZ_MULTI | FZ_METRICS | FZ_RELAY))) {
		fz_run(&b, data, n, flags, seed, 1);
		fz_check(&b.peer[0]);
		FUZZ_CHECK(a.peer[0].got.n == b.peer[0].got.n && (!a.peer[0].got.n ||
		    !memcmp(a.peer[0].got.p, b.peer[0].got.p, a.peer[0].got.n)),
		    "the answer depends on how the input was cut: %zu bytes in pieces, "
		    "%zu in one", a.peer[0].got.n, b.peer[0].got.n);
		free(b.peer[0].got.p);
		free(b.peer[0].sent.p);
	}
	for (i = 0; i < a.npeers; i++) {
		free(a.peer[i].got.p);
		free(a.peer[i].sent.p);
	}
	return 0;
}
