/* SPDX-License-Identifier: ISC */
/*
 * hostile.c - fault tests of a running letterd: a peer that vanishes
 * without a word, frames that announce absurd sizes, noise instead of
 * frames, requests that break every HTTP limit, and a deep pipeline.
 *
 * usage: hostile PORT SCENARIO [PID]
 *
 *   halfopen   -k 1 -i 50   a client that reads but never answers a ping is
 *                           dropped within two keepalive intervals; one
 *                           that answers stays
 *   bigframes  -i 50, PID   lying and huge frame lengths, 10 MB of noise,
 *                           control frames of 125 and 126 bytes; the
 *                           server's RSS (PID's) must not follow the sizes
 *   limits     (defaults)   every HTTP limit, each on a fresh connection
 *                           with a valid request pipelined behind the bad
 *                           one, which must never be answered
 *   pipeline   (defaults)   50 GET / in one write
 *
 * tests/itest.c's http and ws groups already check *what* the answer to
 * most bad inputs is.  Here the questions are *when* it comes and what
 * follows it: every case is timed against a bound, prints what it measured
 * as "figure: WHAT: VALUE", and after every error the connection must end
 * with nothing more answered -- a server that left the connection half
 * parsed would answer the request behind the bad one.
 *
 * HOSTILE_SCALE=N in the environment multiplies every time bound and
 * timeout (tests/hostile.sh sets 10 when the server runs under valgrind).
 * HOSTILE_SEED=N changes the noise of the bigframes scenario.  As in
 * itest.c, the number of checks of a scenario does not depend on what
 * fails, so "N passed" means the same from run to run.
 */
#include "check.h"
#include "why.h"
#include "wsc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static int port;
/* Every time bound is multiplied by this (HOSTILE_SCALE).  Only bounds
 * on the server's speed scale; the keepalive interval is the server's
 * clock, and the lower bound on a drop stays as it is. */
static int scale = 1;
#define MS(x) ((x) * scale)
/* The longest wait for anything that should come at once. */
static int t_wait = 3000;

/* Connections and responses are large; they live here. */
static struct wsc_conn c1, c2;
static struct wsc_http resp;
static struct wsc_msg msg;

/* The monotonic clock in milliseconds with a fraction: a loopback answer
 * takes well under one, and "0 ms" would say nothing. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
until(long long deadline)
{
	long long d = deadline - wsc_now_ms();

	return d > 0 ? (int)d : 0;
}

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

/* 1 if m is a value message {"L": NNNN} of letter (any letter if 0). */
static int
is_value(const struct wsc_msg *m, int letter)
{
	const uint8_t *d = m->data;

	return m->opcode == WSC_OP_TEXT && m->len == 11 &&
	    memcmp(d, "{\"", 2) == 0 && d[2] >= 'A' && d[2] <= 'Z' &&
	    (letter == 0 || d[2] == letter) && memcmp(d + 3, "\": ", 3) == 0 &&
	    d[6] >= '1' && d[6] <= '9' && d[10] == '}';
}

/* Subscribes to letter; its value must be the very next message. */
static int
subscribe(struct wsc_conn *c, int letter)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "{\"action\": \"subscribe\", "
	    "\"letter\": \"%c\"}", letter);
	if (wsc_send_text(c, cmd, t_wait) < 0)
		return wfail(c);
	if (wsc_recv(c, &msg, t_wait) < 0)
		return whyf("expected the value of %c: %s", letter, c->err);
	if (!is_value(&msg, letter))
		return whyf("expected {\"%c\": NNNN}, got %.60s", letter,
		    (const char *)msg.data);
	return 0;
}

/* --- halfopen: the peer that vanished ------------------------------------ */

/*
 * c1 is the peer that vanished: it keeps reading (its subscription keeps
 * the server's writes succeeding, so only the missing pong can betray it)
 * but never answers a ping.  At -k 1 it must be gone about one interval
 * after the ping it ignored, and no later than 2.5 s after it; it must also
 * not be dropped before it has had a fair chance to answer (half an
 * interval).  c2 answers every ping over the same time and must still be
 * connected and served at the end, after at least three keepalive rounds.
 */
static void
scenario_halfopen(void)
{
	struct wsc_conn *a = &c1, *b = &c2;
	struct wsc_frame f;
	long long t_up, now, last_ping = -1, dropped = -1, ref, cap, stay;
	unsigned long a_values = 0, b_values = 0;
	int rca, rcb, rc, a_close = -1;
	char how[64], a_err[WSC_ERR_CAP + 16] = "";

	rca = dial_ws(a);
	t_up = wsc_now_ms();
	if (rca == 0)
		rca = subscribe(a, 'A');
	CHECK(rca == 0, "silent client: upgrade and subscribe: %s", why);
	rcb = dial_ws(b);
	if (rcb == 0)
		rcb = subscribe(b, 'B');
	CHECK(rcb == 0, "answering client: upgrade and subscribe: %s", why);
	if (rca < 0 || rcb < 0) {
		CHECK(0, "not run: a client did not connect");
		CHECK(0, "not run: a client did not connect");
		CHECK(0, "not run: a client did not connect");
		return;
	}
	b->auto_pong = 1;

	/* The first ping comes within an interval of the upgrade, the drop
	 * an interval later; 2.5 s after a ping is the bound.  c2 stays
	 * for at least 3.2 s: three keepalive rounds at -k 1. */
	cap = t_up + 1000 + MS(2500) + 300;
	stay = t_up + 3200;
	rcb = 0;
	for (;;) {
		now = wsc_now_ms();
		if (now >= stay && (dropped != -1 || now >= cap))
			break;
		/* c1: everything, never a pong, until it is dropped. */
		while (dropped == -1) {
			rc = wsc_next_frame(a, &f, 5);
			if (rc == WSC_TIMEOUT)
				break;
			if (rc == WSC_CLOSED) {
				dropped = wsc_now_ms();
			} else if (rc < 0) {
				/* Broken frames are not a drop: reported
				 * below as a failure of the drop check. */
				snprintf(a_err, sizeof a_err, "; %.400s", a->err);
				dropped = -2;
			} else if (f.opcode == WSC_OP_PING) {
				last_ping = wsc_now_ms();
			} else if (f.opcode == WSC_OP_CLOSE) {
				dropped = wsc_now_ms();
				a_close = f.len >= 2 ? f.payload[0] << 8 |
				    f.payload[1] : 0;
			} else if (f.opcode == WSC_OP_TEXT) {
				a_values++;
			}
		}
		/* c2: pongs go out by themselves; values are counted. */
		while (rcb == 0) {
			rc = wsc_next_frame(b, &f, 5);
			if (rc == WSC_TIMEOUT)
				break;
			if (rc < 0)
				rcb = whyf("after %lld ms: %s", wsc_now_ms() -
				    t_up, b->err);
			else if (f.opcode == WSC_OP_CLOSE)
				rcb = whyf("after %lld ms: a close frame",
				    wsc_now_ms() - t_up);
			else if (f.opcode == WSC_OP_TEXT)
				b_values++;
		}
	}

	/* A close frame before the end is allowed; the end must follow. */
	if (a_close >= 0 && wsc_expect_eof(a, MS(1000)) < 0) {
		snprintf(a_err, sizeof a_err, "; after close %d: %.400s", a_close,
		    a->err);
		dropped = -2;
	}
	if (a_close >= 0)
		snprintf(how, sizeof how, "close %d, then TCP close", a_close);
	else
		snprintf(how, sizeof how, "TCP close");
	ref = last_ping >= 0 ? last_ping : t_up;
	if (dropped < 0)
		figure("silent client dropped: no, %s %lld ms after its "
		    "upgrade (%lu pings seen)%s", dropped == -1 ? "still there" :
		    "failed", wsc_now_ms() - t_up, a->pings, a_err);
	else
		figure("silent client dropped after its last ping: %lld ms "
		    "(%s; %lld ms after its upgrade, %lu pings seen, %lu "
		    "values read)", dropped - ref, how, dropped - t_up,
		    a->pings, a_values);
	CHECK(dropped >= 0 && dropped - ref <= MS(2500), "a client that "
	    "reads but never pongs must be dropped within 2.5 s of the ping "
	    "it ignored (at -k 1): %s %lld ms after %s%s", dropped < 0 ?
	    "still there" : "dropped", (dropped < 0 ? wsc_now_ms() : dropped) -
	    ref, last_ping >= 0 ? "its last ping" : "its upgrade (no ping "
	    "came)", a_err);
	CHECK(dropped < 0 || (last_ping >= 0 && dropped - last_ping >= 500),
	    "a client must have half an interval to answer a ping before it "
	    "is dropped: dropped %lld ms after %s", dropped - ref,
	    last_ping >= 0 ? "its last ping" : "its upgrade, never pinged");

	/* Still there, and still served? */
	if (rcb == 0) {
		if (wsc_send_text(b, "{\"action\": \"unsubscribe\", "
		    "\"letter\": \"k\"}", t_wait) < 0)
			rcb = wfail(b);
		while (rcb == 0 && (rc = wsc_recv(b, &msg, t_wait)) == 0 &&
		    is_value(&msg, 'B'))
			b_values++;
		if (rcb == 0 && rc < 0)
			rcb = whyf("expected an answer: %s", b->err);
		else if (rcb == 0 && strcmp((const char *)msg.data, "{\"K\": "
		    "\"You need to subscribe before un-subscribing\"}") != 0)
			rcb = whyf("expected the answer to unsubscribe K, got "
			    "%.80s", (const char *)msg.data);
	}
	figure("answering client: %lu pings answered, %lu values in %lld "
	    "ms, %s", b->pings, b_values, wsc_now_ms() - t_up, rcb == 0 ?
	    "still connected" : "lost");
	CHECK(rcb == 0 && b->pings >= 2 && b_values > 0, "a client that "
	    "answers pings must stay connected and served at -k 1 (%lu pings "
	    "answered, %lu values): %s", b->pings, b_values, rcb == 0 ? "ok" :
	    why);
	wsc_close(a);
	wsc_close(b);
}

/* --- bigframes: sizes that lie ------------------------------------------- */

/* The server's VmRSS and VmHWM (peak) in KiB from /proc/PID/status;
 * -1 where it cannot be read (not Linux). */
static void
rss_kib(long pid, long *rss, long *hwm)
{
	char path[64], line[256];
	FILE *f;

	*rss = *hwm = -1;
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = atol(line + 6);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = atol(line + 6);
	}
	fclose(f);
}

/*
 * Waits for the server's close frame, skipping text (a tick value or an
 * error reply that was queued first); *ms is the time from t0 to it.  Then
 * the TCP close must follow with nothing more: our echo of the close is
 * sent only if we had not sent a close ourselves (RFC 6455 5.5.1).
 */
static int
expect_close_at(struct wsc_conn *c, int code, double t0, double *ms)
{
	long long deadline = wsc_now_ms() + t_wait;

	*ms = -1;
	for (;;) {
		if (wsc_recv(c, &msg, until(deadline)) < 0)
			return whyf("expected close %d: %s", code, c->err);
		if (msg.opcode != WSC_OP_TEXT)
			break;
	}
	*ms = now_ms() - t0;
	if (msg.opcode != WSC_OP_CLOSE || msg.code != code)
		return whyf("expected close %d, got %s %d", code,
		    msg.opcode == WSC_OP_CLOSE ? "close" : "opcode",
		    msg.opcode == WSC_OP_CLOSE ? msg.code : (int)msg.opcode);
	if (!c->close_sent)
		(void)wsc_send_close(c, code, NULL, until(deadline));
	if (wsc_expect_eof(c, until(deadline)) < 0)
		return whyf("after close %d: %s", code, c->err);
	return 0;
}

/* Sends n bytes on a fresh WebSocket and expects close `code` within 1 s. */
static void
frame_case(const char *name, const void *bytes, size_t n, int code)
{
	struct wsc_conn *c = &c1;
	double t0, ms = -1;
	int rc;

	rc = dial_ws(c);
	t0 = now_ms();
	if (rc == 0 && wsc_send(c, bytes, n, t_wait) < 0)
		rc = wfail(c);
	/* Having sent a close, we must not send another (5.5.1). */
	c->close_sent = n > 0 && (((const uint8_t *)bytes)[0] & 0x0F) ==
	    WSC_OP_CLOSE;
	if (rc == 0)
		rc = expect_close_at(c, code, t0, &ms);
	figure("%s: close %d after %.2f ms", name, code, ms);
	CHECK(rc == 0, "%s: %s", name, why);
	CHECK(rc < 0 || ms <= MS(1000), "%s: close %d took %.1f ms, over "
	    "%d", name, code, ms, MS(1000));
	wsc_close(c);
}

/* The noise is its own PRNG (xorshift64*, as in wsc.c), so that the
 * stream depends on the seed only and not on how many keys wsc drew. */
static uint64_t noise_state;

static void
noise(uint8_t *p, size_t n)
{
	size_t i;
	uint64_t x = noise_state;

	for (i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (uint8_t)((x * 0x2545F4914F6CDD1Dull) >> 56);
	}
	noise_state = x;
}

/* What close code the first frame header of the noise must get, when its
 * first two bytes decide it (ws.c judges them before anything else);
 * 0 when the payload decides (text: 1007 or 1009; a control frame is
 * answered and the next header decides). */
static int
noise_code(const uint8_t *p)
{
	unsigned op = p[0] & 0x0F, len7 = p[1] & 0x7F;

	if ((p[0] & 0x70) || !(p[1] & 0x80))
		return 1002;
	if (op == WSC_OP_BINARY)
		return 1003;
	if (op == WSC_OP_CLOSE || op == WSC_OP_PING || op == WSC_OP_PONG)
		return (p[0] & WSC_FIN) && len7 <= 125 ? 0 : 1002;
	if (op != WSC_OP_TEXT)
		return 1002;   /* a continuation, or a reserved opcode */
	return 0;
}

/*
 * 10 MB of noise right after the handshake, as fast as the server takes
 * it.  The server must close (with the code the first bytes call for),
 * and we stop sending at its close frame; if all 10 MB go in without one,
 * the server is reading noise as payload and the test fails.
 */
static void
noise_case(void)
{
	enum { TOTAL = 10 << 20, CHUNK = 65536 };
	static uint8_t buf[CHUNK];
	struct wsc_conn *c = &c1;
	struct wsc_frame f;
	struct pollfd pfd;
	long long deadline;
	double t0, ms = -1, eof_ms = -1;
	size_t sent = 0, off = 0, len = 0;
	uint8_t first[2];
	int rc, code = -1, want, others = 0;
	ssize_t k;

	rc = dial_ws(c);
	noise(buf, CHUNK);
	len = CHUNK;
	memcpy(first, buf, 2);
	want = noise_code(first);
	t0 = now_ms();
	deadline = wsc_now_ms() + MS(5000);
	while (rc == 0 && code < 0) {
		if (wsc_now_ms() >= deadline) {
			rc = whyf("no close within %d ms (%zu bytes sent)",
			    MS(5000), sent);
			break;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN | (sent < TOTAL ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, 50) < 0 && errno != EINTR) {
			rc = whyf("poll: %s", strerror(errno));
			break;
		}
		if ((pfd.revents & POLLOUT) && sent < TOTAL) {
			if (off == len) {
				noise(buf, CHUNK);
				off = 0;
				len = TOTAL - sent < CHUNK ? TOTAL - sent :
				    CHUNK;
			}
			k = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
			if (k > 0) {
				off += (size_t)k;
				sent += (size_t)k;
			} else if (k < 0 && errno != EAGAIN &&
			    errno != EWOULDBLOCK && errno != EINTR) {
				/* Gone without a close frame?  The read
				 * below says what came before. */
				pfd.revents |= POLLIN;
			}
		}
		if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		while ((rc = wsc_next_frame(c, &f, 0)) == 0) {
			if (f.opcode == WSC_OP_CLOSE) {
				code = f.len >= 2 ? f.payload[0] << 8 |
				    f.payload[1] : 0;
				ms = now_ms() - t0;
				break;
			}
			others++;  /* a pong or an error reply: noise can be */
		}
		if (rc == WSC_TIMEOUT)
			rc = 0;
		else if (rc < 0)
			rc = whyf("%s (%zu bytes sent)", c->err, sent);
	}
	/* The close frame, then the end: the server shuts its side at once. */
	if (rc == 0 && wsc_expect_eof(c, t_wait) < 0)
		rc = whyf("after close %d: %s", code, c->err);
	if (rc == 0)
		eof_ms = now_ms() - t0;
	figure("10 MB of noise (first bytes 0x%02x 0x%02x, %s): close %d "
	    "after %.2f ms and %zu bytes sent, TCP close after %.2f ms, %d "
	    "other frames", first[0], first[1], want ? "the header decides" :
	    "the payload decides", code, ms, sent, eof_ms, others);
	CHECK(rc == 0, "10 MB of noise: %s", why);
	CHECK(rc < 0 || (want ? code == want : (code == 1002 || code == 1003 ||
	    code == 1007 || code == 1009)), "10 MB of noise starting 0x%02x "
	    "0x%02x: expected close %s, got %d", first[0], first[1],
	    want == 1002 ? "1002" : want == 1003 ? "1003" :
	    "1002, 1003, 1007 or 1009", code);
	CHECK(rc < 0 || ms <= MS(1000), "10 MB of noise: the close took %.1f "
	    "ms, over %d", ms, MS(1000));
	wsc_close(c);
}

/* A ping of 125 bytes, the most a control frame may carry: its pong. */
static void
ping125_case(void)
{
	struct wsc_conn *c = &c1;
	struct wsc_frame f;
	uint8_t payload[125];
	double t0, ms = -1, close_ms;
	int rc;

	wsc_random(payload, sizeof payload);
	rc = dial_ws(c);
	t0 = now_ms();
	if (rc == 0 && wsc_send_frame(c, WSC_FIN | WSC_OP_PING, payload,
	    sizeof payload, t_wait) < 0)
		rc = wfail(c);
	if (rc == 0 && wsc_next_frame(c, &f, t_wait) < 0)
		rc = whyf("expected a pong: %s", c->err);
	if (rc == 0) {
		ms = now_ms() - t0;
		if (f.opcode != WSC_OP_PONG || f.len != sizeof payload ||
		    memcmp(f.payload, payload, sizeof payload) != 0)
			rc = whyf("expected a pong with the same 125 bytes, "
			    "got opcode 0x%x with %zu bytes", f.opcode, f.len);
	}
	/* And the connection goes on: a normal close ends it. */
	if (rc == 0 && wsc_send_close(c, 1000, NULL, t_wait) < 0)
		rc = wfail(c);
	if (rc == 0)
		rc = expect_close_at(c, 1000, now_ms(), &close_ms);
	figure("ping of 125 bytes: pong after %.2f ms", ms);
	CHECK(rc == 0, "ping of 125 bytes: %s", why);
	CHECK(rc < 0 || ms <= MS(1000), "ping of 125 bytes: the pong took "
	    "%.1f ms, over %d", ms, MS(1000));
	wsc_close(c);
}

static void
scenario_bigframes(long pid)
{
	static uint8_t buf[512];
	uint8_t payload[126];
	long rss0, hwm0, rss1, hwm1;
	size_t n, i;

	/* One connection first, so that what any connection costs once
	 * (the first malloc arenas) is in the baseline. */
	if (dial_ws(&c1) == 0) {
		(void)wsc_send_close(&c1, 1000, NULL, t_wait);
		(void)wsc_expect_close(&c1, 1000, t_wait);
	}
	wsc_close(&c1);
	rss_kib(pid, &rss0, &hwm0);

	/* 2^63-1 bytes of text: 1009 from the header, nothing allocated. */
	n = wsc_frame_ex(buf, sizeof buf, WSC_FIN | WSC_OP_TEXT, 1, WSC_LEN_64,
	    UINT64_C(0x7FFFFFFFFFFFFFFF), NULL, 0);
	frame_case("text frame announcing 2^63-1 bytes", buf, n, 1009);

	/* RFC 6455 5.2: the top bit of a 64-bit length must be 0.  Text,
	 * so that a server that judges the size first says 1009 instead. */
	n = wsc_frame_ex(buf, sizeof buf, WSC_FIN | WSC_OP_TEXT, 1, WSC_LEN_64,
	    UINT64_C(0x8000000000000010), NULL, 0);
	frame_case("text frame whose 64-bit length has its top bit set", buf,
	    n, 1002);

	noise_case();
	ping125_case();

	/* 126 bytes of ping in the 16-bit length form: over 5.5's 125. */
	wsc_random(payload, sizeof payload);
	n = wsc_frame_ex(buf, sizeof buf, WSC_FIN | WSC_OP_PING, 1, WSC_LEN_16,
	    126, payload, 126);
	frame_case("ping of 126 bytes", buf, n, 1002);

	/* A close of 125 bytes: 1000 and a reason of 123 bytes of UTF-8,
	 * two-byte characters (U+00E9) and one ASCII byte. */
	payload[0] = 1000 >> 8;
	payload[1] = 1000 & 0xFF;
	for (i = 2; i + 1 < 125; i += 2) {
		payload[i] = 0xC3;
		payload[i + 1] = 0xA9;
	}
	payload[124] = '!';
	n = wsc_frame(buf, sizeof buf, WSC_FIN | WSC_OP_CLOSE, 1, payload,
	    125);
	frame_case("close of 125 bytes (1000 + 123 bytes of UTF-8)", buf, n,
	    1000);

	/* The same with one more byte: 126, in the 16-bit form. */
	payload[124] = 0xC3;
	payload[125] = 0xA9;
	n = wsc_frame_ex(buf, sizeof buf, WSC_FIN | WSC_OP_CLOSE, 1,
	    WSC_LEN_16, 126, payload, 126);
	frame_case("close of 126 bytes", buf, n, 1002);

	rss_kib(pid, &rss1, &hwm1);
	figure("server memory across bigframes: VmRSS %ld -> %ld KiB, VmHWM "
	    "%ld -> %ld KiB", rss0, rss1, hwm0, hwm1);
	CHECK(rss0 > 0 && hwm0 > 0 && rss1 > 0 && hwm1 > 0, "could not read "
	    "/proc/%ld/status", pid);
	CHECK(rss1 - rss0 <= 1024 && hwm1 - hwm0 <= 1024, "the server's "
	    "memory grew by more than 1 MiB: VmRSS %+ld KiB, peak %+ld KiB",
	    rss1 - rss0, hwm1 - hwm0);
}

/* --- limits: HTTP errors, timed ------------------------------------------ */

/* The request that follows each bad one in the same write. */
static const char valid_get[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

/* Reads the error response to a request sent at t0; it must be `status`
 * with Connection: close, come within bound_ms, and be the last thing on
 * the connection: the TCP close follows, no second response. */
static int
expect_error(struct wsc_conn *c, const char *name, int status,
             double t0, int bound_ms)
{
	double ms, eof_ms = -1;
	int rc = 0;

	wsc_http_free(&resp);
	if (wsc_http_read(c, &resp, 0, t_wait) < 0)
		rc = whyf("expected %d: %s", status, c->err);
	ms = now_ms() - t0;
	if (rc == 0 && resp.status != status)
		rc = whyf("expected %d, got %d", status, resp.status);
	if (rc == 0 && !wsc_http_has_token(&resp, "Connection", "close"))
		rc = whyf("%d without Connection: close (got %s)", status,
		    wsc_http_field(&resp, "Connection") ?
		    wsc_http_field(&resp, "Connection") : "none");
	if (rc == 0 && wsc_expect_eof(c, t_wait) < 0)
		rc = whyf("after the %d: %s", status, c->err);
	if (rc == 0)
		eof_ms = now_ms() - t0;
	figure("%s: %d after %.2f ms, TCP close after %.2f ms", name,
	    resp.status, ms, eof_ms);
	CHECK(rc == 0, "%s: %s", name, why);
	CHECK(rc < 0 || (ms <= bound_ms && eof_ms <= bound_ms), "%s: the %d "
	    "took %.1f ms and the close %.1f ms; the bound is %d", name, status,
	    ms, eof_ms, bound_ms);
	wsc_http_free(&resp);
	return rc;
}

/* Sends n bytes of bad and a valid GET in one write, on a fresh
 * connection; the bad one must get `status` and the GET nothing. */
static void
bad_case(const char *name, const void *bad, size_t n, int status,
         int bound_ms)
{
	struct wsc_conn *c = &c1;
	size_t g = sizeof valid_get - 1;
	double t0;
	char *req;

	if ((req = malloc(n + g)) == NULL || dial(c) < 0) {
		CHECK(0, "%s: %s", name, req ? why : "out of memory");
		CHECK(0, "%s: not run", name);
		free(req);
		return;
	}
	memcpy(req, bad, n);
	memcpy(req + n, valid_get, g);
	t0 = now_ms();
	/* The server may answer before it has read it all and stop
	 * reading: a failed send is not yet a failure, the answer says. */
	(void)wsc_send(c, req, n + g, t_wait);
	expect_error(c, name, status, t0, bound_ms);
	wsc_close(c);
	free(req);
}

static void
bad_str(const char *name, const char *bad, int status)
{
	bad_case(name, bad, strlen(bad), status, MS(500));
}

/*
 * Sends a head that never ends in pieces of 1 KiB, 20 ms apart.  Before
 * `limit` bytes are in (the first count at which the server can know the
 * limit is passed) nothing may come back; once they are, we send nothing
 * more, and the answer must come by itself -- not at the line's or the
 * head's end, which never comes, nor when some buffer fills.
 */
static void
slow_case(const char *name, const char *head, size_t n, size_t limit,
          int status)
{
	enum { PIECE = 1024 };
	struct wsc_conn *c = &c1;
	double t_cross = -1;
	size_t sent = 0, k;
	int rc = WSC_TIMEOUT;

	if (dial(c) < 0) {
		CHECK(0, "%s: %s", name, why);
		CHECK(0, "%s: not run", name);
		CHECK(0, "%s: not run", name);
		return;
	}
	while (sent < limit && sent < n && rc == WSC_TIMEOUT) {
		k = n - sent < PIECE ? n - sent : PIECE;
		if (wsc_send(c, head + sent, k, t_wait) < 0)
			break;   /* the answer, read below, says why */
		sent += k;
		if (sent >= limit)
			t_cross = now_ms();
		else
			rc = wsc_fill(c, MS(20));
	}
	if (rc == WSC_TIMEOUT && sent >= limit)
		rc = wsc_fill(c, MS(500));
	figure("%s: %s %zu bytes (the limit is passed at byte %zu)", name,
	    rc > 0 || rc == WSC_CLOSED ? "the answer came after" :
	    "no answer after", sent, limit);
	CHECK(sent >= limit || rc == WSC_TIMEOUT, "%s: an answer came after "
	    "only %zu bytes, before the limit (%zu) was passed", name, sent,
	    limit);
	CHECK(sent < limit || rc > 0 || rc == WSC_CLOSED, "%s: no answer "
	    "within %d ms of passing the limit, with the head unfinished (%zu "
	    "bytes sent in pieces of %d)", name, MS(500), sent, PIECE);
	expect_error(c, name, status, t_cross < 0 ? now_ms() : t_cross,
	    MS(500));
	wsc_close(c);
}

/* A GET whose request line, without its CRLF, is linelen bytes. */
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
	*len = linelen + sizeof tail - 1;
	return req;
}

/* A GET / head with Host and nfields - 1 more fields of `pad` bytes of
 * value; with the empty line if `end`. */
static char *
many_fields(int nfields, size_t pad, int end, size_t *len)
{
	size_t cap = 64 + (size_t)nfields * (pad + 32), n;
	char *req = malloc(cap);
	int i;

	if (req == NULL)
		return NULL;
	n = (size_t)sprintf(req, "GET / HTTP/1.1\r\nHost: t\r\n");
	for (i = 1; i < nfields; i++) {
		n += (size_t)sprintf(req + n, "X-Field-%02d: ", i);
		memset(req + n, 'v', pad);
		n += pad;
		n += (size_t)sprintf(req + n, "\r\n");
	}
	if (end)
		n += (size_t)sprintf(req + n, "\r\n");
	*len = n;
	return req;
}

/* "\r\n\r\n" and nothing more: RFC 9112 2.2 says to skip empty lines, so
 * the server must wait, silently and with the connection open; then a
 * request on the same connection is answered as if they had not been. */
static void
empty_lines_case(void)
{
	struct wsc_conn *c = &c1;
	int rc;

	wsc_http_free(&resp);
	rc = dial(c);
	if (rc == 0 && wsc_send(c, "\r\n\r\n", 4, t_wait) < 0)
		rc = wfail(c);
	if (rc == 0 && wsc_expect_silence(c, 300) < 0)
		rc = whyf("after \"\\r\\n\\r\\n\": %s", c->err);
	figure("\"\\r\\n\\r\\n\" and nothing more: %s for 300 ms",
	    rc == 0 ? "silent and open" : "not silent");
	CHECK(rc == 0, "\"\\r\\n\\r\\n\" and nothing more: %s", why);
	if (rc == 0 && wsc_http_request(c, valid_get, &resp, t_wait) < 0)
		rc = whyf("a GET / after the empty lines: %s", c->err);
	if (rc == 0 && resp.status != 200)
		rc = whyf("a GET / after the empty lines: expected 200, got %d",
		    resp.status);
	CHECK(rc == 0, "GET / after \"\\r\\n\\r\\n\" and 300 ms: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);
}

static void
scenario_limits(void)
{
	static const struct {
		const char *name, *req;
	} bad400[] = {
		{ "method \"GE T\"", "GE T / HTTP/1.1\r\nHost: t\r\n\r\n" },
		{ "method \"G@T\"", "G@T / HTTP/1.1\r\nHost: t\r\n\r\n" },
		{ "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n" },
		{ "a bare CR in a header line",
		  "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n" },
		{ "Content-Length: -1",
		  "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n" },
		{ "Content-Length: 99999999999999999999",
		  "GET / HTTP/1.1\r\nHost: t\r\n"
		  "Content-Length: 99999999999999999999\r\n\r\n" },
		{ "two Content-Length fields", "GET / HTTP/1.1\r\nHost: t\r\n"
		  "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx" },
		{ "Content-Length: 1, 1",
		  "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1, 1\r\n\r\nx" },
	};
	uint8_t junk[300];
	size_t n, i;
	char *req;

	/* 414: one byte over the limit, in one write... */
	req = long_line(8193, &n);
	if (req)
		bad_case("request line of 8193 bytes", req, n, 414, MS(500));
	free(req);
	/* ... and the limit itself, which is not too long (an unknown
	 * path, so a 404, which also closes). */
	req = long_line(8192, &n);
	if (req)
		bad_case("request line of 8192 bytes (the limit)", req, n,
		    404, MS(500));
	free(req);
	/* ... and slowly, a line of 16 KiB that never ends: the 414 must
	 * come once 8192 bytes and a CRLF's room are in. */
	req = long_line(16384, &n);
	if (req)
		slow_case("request line sent in 1 KiB pieces, never ended",
		    req, 16384, 8192 + 2, 414);
	free(req);

	/* 431: 65 fields; then over 16 KiB of fields, whole... */
	req = many_fields(65, 8, 1, &n);
	if (req)
		bad_case("65 header fields", req, n, 431, MS(500));
	free(req);
	req = many_fields(18, 1000, 1, &n);
	if (req)
		bad_case("header section of 18 fields in over 16 KiB", req, n,
		    431, MS(500));
	free(req);
	/* ... and slowly, a head that never ends: the 431 must come once
	 * the fields pass 16384 bytes, before the empty line. */
	req = many_fields(30, 1000, 0, &n);
	if (req)
		slow_case("header section sent in 1 KiB pieces, never ended",
		    req, n, 16 + 16384 + 1, 431);
	free(req);

	for (i = 0; i < sizeof bad400 / sizeof bad400[0]; i++)
		bad_str(bad400[i].name, bad400[i].req, 400);

	/* Binary junk: the first bytes of a TLS ClientHello (record 0x16,
	 * version 3.1, a length with a NUL in it), then noise. */
	wsc_random(junk, sizeof junk);
	memcpy(junk, "\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03", 11);
	bad_case("binary junk (a TLS ClientHello)", junk, sizeof junk, 400,
	    MS(100));

	empty_lines_case();
}

/* --- pipeline ------------------------------------------------------------ */

enum { DEPTH = 50 };

/* Sends DEPTH GET / and then `after` in one write, on a fresh connection,
 * and reads DEPTH pages, each by its Content-Length (a response cut short
 * or doubled would shift every one after it).  Returns 0 or -1 (why[]);
 * *ms is the time to the last page. */
static int
pipeline_pages(struct wsc_conn *c, const char *after, double *ms,
               int *got, size_t *total, long *length)
{
	static char reqs[DEPTH * sizeof valid_get + 256];
	size_t g = sizeof valid_get - 1, n = DEPTH * g;
	double t0;
	int i, rc;

	*ms = -1;
	*got = 0;
	*total = 0;
	*length = -1;
	for (i = 0; i < DEPTH; i++)
		memcpy(reqs + (size_t)i * g, valid_get, g);
	memcpy(reqs + n, after, strlen(after));
	n += strlen(after);
	if ((rc = dial(c)) < 0)
		return rc;
	t0 = now_ms();
	if (wsc_send(c, reqs, n, t_wait) < 0)
		return wfail(c);
	for (i = 0; rc == 0 && i < DEPTH; i++) {
		wsc_http_free(&resp);
		if (wsc_http_read(c, &resp, 0, t_wait) < 0)
			rc = whyf("response %d of %d: %s", i + 1, DEPTH,
			    c->err);
		else if (resp.status != 200)
			rc = whyf("response %d of %d: expected 200, got %d",
			    i + 1, DEPTH, resp.status);
		else if (resp.content_length <= 0 || (*length >= 0 &&
		    resp.content_length != *length))
			rc = whyf("response %d of %d: Content-Length %ld, the "
			    "first said %ld", i + 1, DEPTH,
			    resp.content_length, *length);
		else if (wsc_http_has_token(&resp, "Connection", "close"))
			rc = whyf("response %d of %d: Connection: close", i + 1,
			    DEPTH);
		else
			++*got;
		*length = resp.content_length;
		*total += resp.body_len;
	}
	*ms = now_ms() - t0;
	wsc_http_free(&resp);
	return rc;
}

/*
 * 50 GET / in one write: 50 whole pages, nothing more, and the connection
 * then serves the next request.  Then the same 50 with a bad request and
 * a GET / behind them: the bad one is parsed only after 50 pages have
 * drained (it waits in the server's input while the output is backed
 * up), and must still get its 400 and end the connection, the GET unread.
 */
static void
scenario_pipeline(void)
{
	struct wsc_conn *c = &c1;
	double ms, t0;
	size_t total;
	long length;
	int rc, got;

	rc = pipeline_pages(c, "", &ms, &got, &total, &length);
	if (rc == 0 && wsc_expect_silence(c, 100) < 0)
		rc = whyf("after %d responses: %s", DEPTH, c->err);
	figure("%d pipelined GET /: %d responses, %zu bytes of body, in %.2f "
	    "ms", DEPTH, got, total, ms);
	CHECK(rc == 0, "%d pipelined GET / in one write: %s", DEPTH, why);
	CHECK(rc < 0 || ms <= MS(2000), "%d pipelined GET /: %.1f ms, over "
	    "%d", DEPTH, ms, MS(2000));

	wsc_http_free(&resp);
	if (rc == 0 && wsc_http_request(c, valid_get, &resp, t_wait) < 0)
		rc = whyf("the request after: %s", c->err);
	if (rc == 0 && (resp.status != 200 || resp.content_length != length))
		rc = whyf("the request after: %d with %ld bytes", resp.status,
		    resp.content_length);
	CHECK(rc == 0, "GET / after the pipeline, same connection: %s", why);
	wsc_http_free(&resp);
	wsc_close(c);

	t0 = now_ms();
	rc = pipeline_pages(c, "G@T / HTTP/1.1\r\nHost: t\r\n\r\n" "GET / "
	    "HTTP/1.1\r\nHost: t\r\n\r\n", &ms, &got, &total, &length);
	CHECK(rc == 0, "%d pipelined GET / before a bad request: %s", DEPTH,
	    why);
	if (rc == 0) {
		expect_error(c, "a bad request behind 50 pipelined GET /", 400,
		    t0, MS(2000));
	} else {
		CHECK(0, "the bad request behind them: not run");
		CHECK(0, "the bad request behind them: not run");
	}
	wsc_close(c);
}

/* ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	const char *s;
	long pid = argc > 3 ? atol(argv[3]) : 0;

	if (argc < 3 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: hostile PORT SCENARIO [PID]\n"
		    "scenarios: halfopen bigframes PID limits pipeline\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	c1.fd = c2.fd = -1;
	if ((s = getenv("HOSTILE_SCALE")) != NULL && atoi(s) > 0)
		scale = atoi(s);
	t_wait = MS(3000);
	/* 364: the noise starts with a masked text frame of 95 bytes,
	 * so its payload, not its header, decides (1007). */
	noise_state = 364;
	if ((s = getenv("HOSTILE_SEED")) != NULL && strtoull(s, NULL, 10))
		noise_state = strtoull(s, NULL, 10);
	wsc_seed(noise_state ^ 0x9E3779B97F4A7C15ull);

	if (strcmp(argv[2], "halfopen") == 0)
		scenario_halfopen();
	else if (strcmp(argv[2], "bigframes") == 0 && pid > 0)
		scenario_bigframes(pid);
	else if (strcmp(argv[2], "limits") == 0)
		scenario_limits();
	else if (strcmp(argv[2], "pipeline") == 0)
		scenario_pipeline();
	else {
		fprintf(stderr, "hostile: unknown scenario \"%s\" (bigframes "
		    "needs a PID)\n", argv[2]);
		return 2;
	}
	wsc_http_free(&resp);
	return CHECK_DONE();
}
