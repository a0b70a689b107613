/* SPDX-License-Identifier: ISC */
/*
 * rtest.c - the relay mode's test client, and a fake upstream.
 *
 *   rtest conform -p PORT -i MS
 *       the protocol's messages, as any server of it must send them; run
 *       against letterd, a relay of it, and tests/origin.py, so that the
 *       Python origin is known to be a faithful one
 *   rtest chain -o ORIGIN -r RELAY [-r RELAY2 ...] -n N -t MS -i MS
 *               [-M PORT:LO-HI ...] [-U]
 *       N clients on the relay(s) and one reference client on the origin,
 *       all subscribed to the 26 letters; every client's sequence of each
 *       letter must be a contiguous piece of the reference's: the same
 *       values, in the same order, none missing.  -M checks that PORT's
 *       /metrics says letterd_clients in LO..HI while the N clients are
 *       connected (before the reference client connects); -U that the
 *       origin's letterd_upgrades_total did not move while they connected
 *   rtest watch -r PORT [-r PORT ...] -n N -t MS [-g MS] [-R MS] [-x TEXT ...]
 *       N clients held for MS; prints "ready" once each has a value.
 *       SIGUSR1 marks a moment (the test restarted the origin then).
 *       Checks: nobody was disconnected, values flowed at the end, the
 *       largest gap between two values is under -g, values resumed within
 *       -R of the mark, every client received each TEXT (-x, up to four)
 *   rtest latency -p PORT -p PORT [-p PORT] -l LETTER -c COUNT -i MS
 *       one client per port on one letter; COUNT values paired by content;
 *       prints the distribution of each hop's added delivery time
 *   rtest fake -m MODE,MODE,... [-P PATH] [-t MS]
 *       a fake upstream for a relay: one mode per connection, the last
 *       one repeating; see the comment above cmd_fake() for the modes
 *   rtest http -p PORT -P PATH -s STATUS [-x TEXT]
 *       one GET; the status, and TEXT in the body
 *
 * Every check prints a line, "ok: ..." or "FAIL ...", and each command ends
 * with check.h's "N passed, M failed".  Every wait has a deadline.
 *
 * Many clients are served by one poll() loop (pump()): wsc.c's calls with
 * a timeout of 0 read what has come and parse every whole frame in it,
 * keeping a partial one for the next turn.
 *
 * Time is CLOCK_MONOTONIC in microseconds, taken when a read returns, so a
 * value's arrival time is the moment this process could first see it.
 */
#include "wsc.h"
#include "check.h"

#include "base64.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define NLET        26
#define MAX_CLIENTS 1024
#define MAX_PORTS   8
#define HEAD_SLACK  16    /* values a relay client may have before the reference's first */

/* A check that also says when it passed, so a run reads as a list. */
#define T(cond, ...) do {                                              \
	int t_ok_ = (cond) != 0;                                       \
	CHECK(t_ok_, __VA_ARGS__);                                     \
	if (t_ok_) {                                                   \
		printf("ok: ");                                        \
		printf(__VA_ARGS__);                                   \
		putchar('\n');                                         \
	}                                                              \
	fflush(stdout);                                                \
} while (0)

static const char *host = "127.0.0.1";

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "rtest: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* --- sequences and clients ---------------------------------------------- */

struct seq {
	int *v;
	long long *t;
	size_t n, cap;
};

struct client {
	struct wsc_conn c;
	int port;
	int open;                 /* connected and not yet closed or dropped */
	int dropped;              /* the server (or an error) ended it */
	char why[WSC_ERR_CAP + 32];
	struct seq s[NLET];
	unsigned long values, others;
	char other[128];          /* the first message that was not a value */
	long long last_us;        /* arrival of the latest value */
	long long gap_us;         /* largest gap between two values */
	long long gap_end_us;
	long long resumed_us;     /* first value after the mark, -1 */
	int seen_x;
};

static struct client *cl;
static int ncl;
static const char *want_x;    /* -x: messages every client must see */
static const char *want_xs[4];
static int nwant_x;
static volatile sig_atomic_t mark_flag;
static long long mark_us = -1;

static void
on_usr1(int sig)
{
	(void)sig;
	mark_flag = 1;
}

static void
seq_push(struct seq *s, int v, long long t)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		s->t = realloc(s->t, s->cap * sizeof *s->t);
		if (!s->v || !s->t)
			die("out of memory");
	}
	s->v[s->n] = v;
	s->t[s->n] = t;
	s->n++;
}

static void
seq_clear(struct client *k)
{
	int i;

	for (i = 0; i < NLET; i++)
		k->s[i].n = 0;
}

/* {"X": NNNN}, byte for byte, NNNN in 1000..9999 (docs/protocol.md 4.3). */
static int
parse_value(const uint8_t *p, size_t n, int *letter, int *value)
{
	int i, v = 0;

	if (n != 11 || p[0] != '{' || p[1] != '"' || p[2] < 'A' || p[2] > 'Z' ||
	    p[3] != '"' || p[4] != ':' || p[5] != ' ' || p[10] != '}' ||
	    p[6] < '1' || p[6] > '9')
		return -1;
	for (i = 6; i < 10; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*letter = p[2] - 'A';
	*value = v;
	return 0;
}

/* Connects, upgrades on path and subscribes to each letter of `letters`. */
static int
client_open_path(struct client *k, int port, const char *path, const char *letters)
{
	char cmd[64];
	int rc;

	k->port = port;
	k->resumed_us = -1;
	rc = wsc_connect(&k->c, host, port, 3000);
	if (rc == 0)
		rc = wsc_upgrade(&k->c, path, 3000);
	for (; rc == 0 && *letters; letters++) {
		snprintf(cmd, sizeof cmd, "{\"action\": \"subscribe\", \"letter\": \"%c\"}",
		    *letters);
		rc = wsc_send_text(&k->c, cmd, 3000);
	}
	if (rc < 0) {
		snprintf(k->why, sizeof k->why, "port %d: %s", port, k->c.err);
		wsc_close(&k->c);
		k->dropped = 1;
		return rc;
	}
	k->c.auto_pong = 1;
	k->open = 1;
	return 0;
}

static int
client_open(struct client *k, int port, const char *letters)
{
	return client_open_path(k, port, "/ws", letters);
}

static void
client_drop(struct client *k, const char *why)
{
	if (!k->open)
		return;
	snprintf(k->why, sizeof k->why, "%s", why);
	k->open = 0;
	k->dropped = 1;
	wsc_close(&k->c);
}

/* Reads everything that has arrived for k, stamping it with t. */
static void
client_read(struct client *k, long long t)
{
	static struct wsc_msg m;
	int rc, letter, value;

	while (k->open && (rc = wsc_recv(&k->c, &m, 0)) == 0) {
		if (m.opcode == WSC_OP_CLOSE) {
			char why[64];

			snprintf(why, sizeof why, "the server sent close %d", m.code);
			client_drop(k, why);
			return;
		}
		if (nwant_x && m.opcode == WSC_OP_TEXT) {
			int x;

			for (x = 0; x < nwant_x; x++)
				if (!strcmp((char *)m.data, want_xs[x]))
					k->seen_x |= 1 << x;
		}
		if (m.opcode != WSC_OP_TEXT || parse_value(m.data, m.len, &letter, &value) < 0) {
			if (!k->others++)
				wsc_quote(k->other, sizeof k->other, m.data, m.len);
			continue;
		}
		k->values++;
		seq_push(&k->s[letter], value, t);
		if (mark_us >= 0 && k->resumed_us < 0 && t > mark_us)
			k->resumed_us = t - mark_us;
		if (k->last_us > 0 && t - k->last_us > k->gap_us) {
			k->gap_us = t - k->last_us;
			k->gap_end_us = t;
		}
		k->last_us = t;
	}
	if (k->open && rc != WSC_TIMEOUT)
		client_drop(k, k->c.err);
}

/* Serves clients [from, to) until `until` or until done() says so. */
static void
pump(int from, int to, long long until, int (*done)(void))
{
	static struct pollfd pf[MAX_CLIENTS];
	static int who[MAX_CLIENTS];
	int i, n, rc;
	long long t;

	for (;;) {
		if (done && done())
			return;
		t = now_us();
		if (t >= until)
			return;
		for (n = 0, i = from; i < to; i++) {
			if (!cl[i].open)
				continue;
			pf[n].fd = cl[i].c.fd;
			pf[n].events = POLLIN;
			who[n++] = i;
		}
		rc = poll(pf, (nfds_t)n, (int)((until - t + 999) / 1000));
		if (mark_flag && mark_us < 0) {
			mark_us = now_us();
			printf("mark\n");
			fflush(stdout);
		}
		if (rc < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (n == 0 && rc == 0)
			return;
		for (i = 0; rc > 0 && i < n; i++)
			if (pf[i].revents)
				client_read(&cl[who[i]], now_us());
	}
}

/* Why the first client that failed failed. */
static const char *
first_why(void)
{
	int i;

	for (i = 0; i < ncl; i++)
		if (cl[i].dropped)
			return cl[i].why;
	return "";
}

static void
clients_alloc(int n)
{
	if (n > MAX_CLIENTS)
		die("at most %d clients", MAX_CLIENTS);
	cl = calloc((size_t)n, sizeof *cl);
	if (!cl)
		die("out of memory");
	ncl = n;
}

/* done() for pump: every open client in [0, ncl) has every letter. */
static int every_from, every_to;
static int
every_has_all(void)
{
	int i, j;

	for (i = every_from; i < every_to; i++)
		for (j = 0; j < NLET; j++)
			if (cl[i].open && cl[i].s[j].n == 0)
				return 0;
	return 1;
}

/* --- metrics ------------------------------------------------------------ */

/* The value of a metric without labels on PORT's /metrics, or -1. */
static long
metric(int port, const char *name)
{
	return (long)wsc_metric(host, port, name);
}

/* Waits up to 2 s for lo <= metric <= hi (a client that just left may
 * still be closing); returns the last value read. */
static long
metric_wait(int port, const char *name, long lo, long hi)
{
	long long until = now_us() + 2000000;
	long v;

	for (;;) {
		v = metric(port, name);
		if ((v >= lo && v <= hi) || now_us() >= until)
			return v;
		/* keep the clients read meanwhile */
		pump(0, ncl, now_us() + 50000, NULL);
	}
}

/* --- comparing sequences ------------------------------------------------- */

/*
 * Is S a contiguous piece of R?  S may start with up to HEAD_SLACK values
 * that came before R's first one (the relay's clients were subscribed
 * before the reference); after those, every value of S must be the next
 * one of R.  Returns the number of values compared, or -1.
 */
static long
contained(const struct seq *S, const struct seq *R, size_t *skipped)
{
	size_t k, j, m;

	for (k = 0; k <= HEAD_SLACK && k < S->n; k++) {
		m = S->n - k;
		for (j = 0; j < R->n && m <= R->n - j; j++) {
			if (k > 0 && j > 0)
				break;     /* skipping values of S is only for R's start */
			if (!memcmp(S->v + k, R->v + j, m * sizeof(int))) {
				*skipped = k;
				return (long)m;
			}
		}
	}
	return -1;
}

/* Where do two sequences of one letter line up?  The shift d such that
 * A[i] == B[i + d] for the most i, |d| <= 40; *matches gets that count,
 * *overlap how many i had a partner at all. */
static int
best_shift(const struct seq *A, const struct seq *B, size_t *matches, size_t *overlap)
{
	int d, best = 0;
	size_t i, m, o;

	*matches = *overlap = 0;
	for (d = -40; d <= 40; d++) {
		for (i = 0, m = o = 0; i < A->n; i++) {
			long j = (long)i + d;

			if (j < 0 || (size_t)j >= B->n)
				continue;
			o++;
			m += A->v[i] == B->v[j];
		}
		if (m > *matches) {
			*matches = m;
			*overlap = o;
			best = d;
		}
	}
	return best;
}

/* --- options -------------------------------------------------------------- */

struct range { int port; long lo, hi; };

static struct {
	int port[MAX_PORTS], nport;   /* -p */
	int relay[MAX_PORTS], nrelay; /* -r */
	int origin;                   /* -o */
	int n;                        /* -n */
	long t_ms;                    /* -t */
	long interval;                /* -i */
	long gap_ms, resume_ms;       /* -g, -R */
	long count;                   /* -c */
	int letter;                   /* -l */
	int status;                   /* -s */
	int upgrades;                 /* -U */
	const char *modes, *path;     /* -m, -P */
	struct range m[MAX_PORTS];    /* -M */
	int nm;
} o;

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		die("bad number %s", s);
	return v;
}

static void
options(int argc, char **argv)
{
	int ch;

	o.n = 1;
	o.t_ms = 2000;
	o.interval = 50;
	o.count = 1000;
	o.path = "/ws";
	o.letter = 'A';
	while ((ch = getopt(argc, argv, "c:g:i:l:m:n:o:p:r:s:t:x:M:P:R:U")) != -1) {
		switch (ch) {
		case 'c': o.count = num(optarg, 1, 1000000); break;
		case 'g': o.gap_ms = num(optarg, 1, 600000); break;
		case 'i': o.interval = num(optarg, 1, 86400000); break;
		case 'l':
			if (strlen(optarg) != 1 || *optarg < 'A' || *optarg > 'Z')
				die("-l wants one letter A..Z");
			o.letter = *optarg;
			break;
		case 'm': o.modes = optarg; break;
		case 'n': o.n = (int)num(optarg, 1, MAX_CLIENTS - 1); break;
		case 'o': o.origin = (int)num(optarg, 1, 65535); break;
		case 'p':
			if (o.nport == MAX_PORTS)
				die("too many -p");
			o.port[o.nport++] = (int)num(optarg, 1, 65535);
			break;
		case 'r':
			if (o.nrelay == MAX_PORTS)
				die("too many -r");
			o.relay[o.nrelay++] = (int)num(optarg, 1, 65535);
			break;
		case 's': o.status = (int)num(optarg, 100, 599); break;
		case 't': o.t_ms = num(optarg, 1, 600000); break;
		case 'x':
			if (nwant_x == 4)
				die("at most four -x");
			want_x = want_xs[nwant_x++] = optarg;
			break;
		case 'M':
			if (o.nm == MAX_PORTS ||
			    sscanf(optarg, "%d:%ld-%ld", &o.m[o.nm].port, &o.m[o.nm].lo,
			    &o.m[o.nm].hi) != 3)
				die("-M PORT:LO-HI");
			o.nm++;
			break;
		case 'P': o.path = optarg; break;
		case 'R': o.resume_ms = num(optarg, 1, 600000); break;
		case 'U': o.upgrades = 1; break;
		default: die("unknown option");
		}
	}
}

/* --- conform: the protocol's messages ---------------------------------------- */

/* Reads messages until one that is not a value; values are skipped and
 * their letters must be in `allowed` (a bitmask).  0 and the text in m, or
 * -1 with a reason in why. */
static int
next_reply(struct wsc_conn *c, struct wsc_msg *m, uint32_t allowed, int ms,
           char *why, size_t cap)
{
	long long until = now_us() + (long long)ms * 1000;
	int letter, value, rc;

	for (;;) {
		long long left = (until - now_us()) / 1000;

		rc = wsc_recv(c, m, left > 0 ? (int)left : 0);
		if (rc < 0) {
			snprintf(why, cap, "%s", c->err);
			return -1;
		}
		if (m->opcode != WSC_OP_TEXT) {
			snprintf(why, cap, "opcode %u instead of text", m->opcode);
			return -1;
		}
		if (parse_value(m->data, m->len, &letter, &value) < 0)
			return 0;
		if (!(allowed >> letter & 1)) {
			snprintf(why, cap, "a value of %c, not subscribed", 'A' + letter);
			return -1;
		}
	}
}

/* The next value message (replies are a failure); letter and value out. */
static int
next_value(struct wsc_conn *c, struct wsc_msg *m, int ms, int *letter, int *value,
           long long *t, char *why, size_t cap)
{
	if (wsc_recv(c, m, ms) < 0) {
		snprintf(why, cap, "%s", c->err);
		return -1;
	}
	*t = now_us();
	if (m->opcode != WSC_OP_TEXT || parse_value(m->data, m->len, letter, value) < 0) {
		char q[160];

		snprintf(why, cap, "not a value: %s", wsc_quote(q, sizeof q, m->data, m->len));
		return -1;
	}
	return 0;
}

static int
is_error_reply(const struct wsc_msg *m)
{
	size_t i;

	if (m->len < 14 || strncmp((const char *)m->data, "{\"error\": \"", 11) ||
	    strcmp((const char *)m->data + m->len - 2, "\"}"))
		return 0;
	for (i = 11; i < m->len - 2; i++)
		if (m->data[i] == '"' || m->data[i] == '\\' || m->data[i] < 0x20)
			return 0;
	return m->len > 13;
}

#define BIT(ch) (UINT32_C(1) << ((ch) - 'A'))

static int
cmd_conform(void)
{
	static struct wsc_conn c1, c2, c3;
	static struct wsc_msg m;
	static struct wsc_http r;
	static const char *bad[] = {
		"{\"action\": \"subscribe\"}",
		"hello",
		"[1, 2]",
		"{\"action\": \"dance\", \"letter\": \"a\"}",
		"{\"action\": \"subscribe\", \"letter\": \"1\"}",
		"{\"action\": \"subscribe\", \"letter\": \"ab\"}",
		"{\"action\": \"subscribe\", \"letter\": \"\xc3\xa9\"}",
		"{\"letter\": \"a\"}",
		"{\"action\": \"subscribe\", \"letter\": 1}",
	};
	char why[WSC_ERR_CAP], q[200];
	int port = o.port[0], letter, value, i, rc, alt, distinct, leftover;
	int bvals[8], nb = 0, c1b[64], nc1b = 0, found;
	long long t, ta[16];
	int na = 0;

	if (o.nport != 1)
		die("conform wants one -p");
	printf("conform: port %d, tick %ld ms\n", port, o.interval);
	rc = wsc_connect(&c1, host, port, 3000);
	if (rc == 0)
		rc = wsc_upgrade_send(&c1, "/ws", 3000);
	r.body = NULL;
	if (rc == 0)
		rc = wsc_upgrade_recv(&c1, &r, 3000);
	T(rc == 0 && !wsc_http_field(&r, "Sec-WebSocket-Extensions") &&
	    !wsc_http_field(&r, "Sec-WebSocket-Protocol"),
	    "upgrade on /ws: 101, no extension, no subprotocol%s%s",
	    rc ? " -- " : "", rc ? c1.err : "");
	wsc_http_free(&r);
	if (rc)
		return CHECK_DONE();
	c1.auto_pong = 1;

	/* 1. subscribe a: the current value at once, as "A" */
	wsc_send_text(&c1, "{\"action\": \"subscribe\", \"letter\": \"a\"}", 1000);
	rc = next_value(&c1, &m, 1000, &letter, &value, &t, why, sizeof why);
	T(rc == 0 && letter == 0, "subscribe a: {\"A\": NNNN} at once%s%s",
	    rc ? " -- " : "", rc ? why : "");

	/* 2. subscribe B: its value comes; A's tick values may come first */
	wsc_send_text(&c1, "{\"action\": \"subscribe\", \"letter\": \"B\"}", 1000);
	for (rc = -1, i = 0; i < 8; i++) {
		if (next_value(&c1, &m, 1000, &letter, &value, &t, why, sizeof why) < 0)
			break;
		if (letter == 1) {
			rc = 0;
			break;
		}
		if (letter != 0) {
			snprintf(why, sizeof why, "a value of %c", 'A' + letter);
			break;
		}
	}
	T(rc == 0, "subscribe B: {\"B\": NNNN}%s%s", rc ? " -- " : "", rc ? why : "");

	/* 3. ticks: A then B, every tick, at the tick interval.  A value of A
	 * owed from the tick before the subscription may still come after
	 * B's reply (replies go before owed values): then the second message
	 * is A again, and the first one is dropped. */
	for (alt = 1, distinct = 0, leftover = 0, i = 0; i < 16; i++) {
		if (next_value(&c1, &m, (int)o.interval * 3 + 1000, &letter, &value, &t,
		    why, sizeof why) < 0) {
			alt = 0;
			break;
		}
		if (i == 1 && letter == 0 && !leftover) {
			leftover = 1;
			na = 0;
			i = 0;
		}
		if (letter != i % 2) {
			snprintf(why, sizeof why, "message %d is a value of %c", i, 'A' + letter);
			alt = 0;
			break;
		}
		if (letter == 0) {
			if (na && value != bvals[0])
				distinct = 1;
			if (!na)
				bvals[0] = value;
			ta[na++] = t;
		}
	}
	T(alt, "each tick sends A then B, in A..Z order (16 messages)%s%s",
	    alt ? "" : " -- ", alt ? "" : why);
	if (alt && na > 1) {
		double mean = (double)(ta[na - 1] - ta[0]) / (na - 1) / 1000.0;

		T(mean > o.interval * 0.6 && mean < o.interval * 1.5,
		    "ticks come every %.1f ms (interval %ld ms)", mean, o.interval);
		T(distinct, "values are redrawn each tick");
	}

	/* 4. unsubscribing from a letter not subscribed */
	wsc_send_text(&c1, "{\"action\": \"unsubscribe\", \"letter\": \"c\"}", 1000);
	rc = next_reply(&c1, &m, BIT('A') | BIT('B'), 1000, why, sizeof why);
	{
		int same = rc == 0 && !strcmp((char *)m.data,
		    "{\"C\": \"You need to subscribe before un-subscribing\"}");

		T(same, "unsubscribe c, not subscribed: {\"C\": \"You need to subscribe before un-subscribing\"}%s%s",
		    same ? "" : " -- got ", same ? "" : rc ? why : wsc_quote(q, sizeof q, m.data, m.len));
	}

	/* 5. invalid commands: {"error": "..."}, and the connection stays */
	for (i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
		wsc_send_text(&c1, bad[i], 1000);
		rc = next_reply(&c1, &m, BIT('A') | BIT('B'), 1000, why, sizeof why);
		T(rc == 0 && is_error_reply(&m), "%s gets {\"error\": \"...\"}%s%s",
		    wsc_quote(q, sizeof q, bad[i], strlen(bad[i])),
		    rc ? " -- " : is_error_reply(&m) ? "" : " -- got ",
		    rc ? why : is_error_reply(&m) ? "" : (char *)m.data);
	}

	/* 6. escapes, any key order, unknown keys ignored */
	wsc_send_text(&c1, "{\"letter\": \"\\u0044\", \"x\": [1, {\"y\": null}], "
	    "\"action\": \"subscribe\"}", 1000);
	for (rc = -1, i = 0; i < 8; i++) {
		if (next_value(&c1, &m, 1000, &letter, &value, &t, why, sizeof why) < 0)
			break;
		if (letter == 'D' - 'A') {
			rc = 0;
			break;
		}
	}
	T(rc == 0, "{\"letter\": \"\\u0044\", \"x\": ..., \"action\": \"subscribe\"} subscribes D%s%s",
	    rc ? " -- " : "", rc ? why : "");

	/* 7. unsubscribe A: no reply, and no more A */
	wsc_send_text(&c1, "{\"action\": \"unsubscribe\", \"letter\": \"A\"}", 1000);
	wsc_sleep_ms((int)o.interval * 2 + 20);
	/* drain what was sent before the unsubscribe took effect */
	while (wsc_recv(&c1, &m, 0) == 0)
		if (m.opcode != WSC_OP_TEXT || parse_value(m.data, m.len, &letter, &value) < 0)
			break;
	for (rc = 0, i = 0; i < 6; i++) {
		if (next_value(&c1, &m, (int)o.interval * 3 + 1000, &letter, &value, &t,
		    why, sizeof why) < 0) {
			rc = -1;
			break;
		}
		if (letter != (i % 2 ? 'D' - 'A' : 'B' - 'A')) {
			/* the first may be D if the drain ended between B and D */
			if (i == 0 && letter == 'D' - 'A') {
				i--;
				continue;
			}
			snprintf(why, sizeof why, "message %d is a value of %c", i, 'A' + letter);
			rc = -1;
			break;
		}
	}
	T(rc == 0, "unsubscribe A: no reply, then ticks carry B and D only%s%s",
	    rc ? " -- " : "", rc ? why : "");

	/* 8. a second client sees the same B values as the first */
	rc = wsc_connect(&c2, host, port, 3000);
	if (rc == 0)
		rc = wsc_upgrade(&c2, "/", 3000);
	if (rc == 0)
		rc = wsc_send_text(&c2, "{\"action\": \"subscribe\", \"letter\": \"b\"}", 1000);
	c2.auto_pong = 1;
	for (nb = 0; rc == 0 && nb < 6; nb++)
		rc = next_value(&c2, &m, (int)o.interval * 3 + 1000, &letter, &bvals[nb], &t,
		    why, sizeof why);
	found = 0;
	if (rc == 0) {
		/* c1 has every B since long before c2 subscribed */
		while (nc1b < 64 && next_value(&c1, &m, (int)o.interval * 3 + 1000, &letter,
		    &value, &t, why, sizeof why) == 0) {
			if (letter == 1)
				c1b[nc1b++] = value;
			for (i = 0; i + 5 <= nc1b; i++)
				if (!memcmp(c1b + i, bvals + 1, 5 * sizeof(int)))
					found = 1;
			if (found)
				break;
		}
	}
	T(rc == 0 && found, "/ upgrades too, and a second client's B values are the first's%s%s",
	    rc ? " -- " : "", rc ? (c2.err[0] ? c2.err : why) : "");

	/* 9. the close handshake: 1000 echoed */
	rc = wsc_send_close(&c2, 1000, NULL, 1000);
	if (rc == 0)
		rc = wsc_expect_close(&c2, 1000, 2000);
	T(rc == 0, "close 1000 is echoed, then the connection ends%s%s",
	    rc ? " -- " : "", rc ? c2.err : "");
	wsc_close(&c2);

	/* 10. a message over 4096 bytes: 1009 */
	{
		static char big[4098];

		memset(big, ' ', sizeof big - 1);
		big[0] = '{';
		big[4096] = '}';
		rc = wsc_connect(&c2, host, port, 3000);
		if (rc == 0)
			rc = wsc_upgrade(&c2, "/ws", 3000);
		if (rc == 0)
			rc = wsc_send_text(&c2, big, 1000);
		if (rc == 0)
			rc = wsc_expect_close(&c2, 1009, 2000);
		T(rc == 0, "a 4097-byte message: close 1009%s%s", rc ? " -- " : "",
		    rc ? c2.err : "");
		wsc_close(&c2);
	}

	/* 11. text that is not UTF-8: 1007 */
	rc = wsc_connect(&c2, host, port, 3000);
	if (rc == 0)
		rc = wsc_upgrade(&c2, "/ws", 3000);
	if (rc == 0)
		rc = wsc_send_frame(&c2, WSC_FIN | WSC_OP_TEXT, "{\"\xc3\x28\"}", 6, 1000);
	if (rc == 0)
		rc = wsc_expect_close(&c2, 1007, 2000);
	T(rc == 0, "text that is not UTF-8: close 1007%s%s", rc ? " -- " : "",
	    rc ? c2.err : "");
	wsc_close(&c2);

	/* 12. a binary message: 1003 */
	rc = wsc_send_frame(&c1, WSC_FIN | WSC_OP_BINARY, "\x01\x02", 2, 1000);
	if (rc == 0)
		rc = wsc_expect_close(&c1, 1003, 2000);
	T(rc == 0, "a binary message: close 1003 (tick values before it skipped)%s%s",
	    rc ? " -- " : "", rc ? c1.err : "");
	wsc_close(&c1);

	/* 13. an upgrade on another path: 404 */
	rc = wsc_connect(&c3, host, port, 3000);
	if (rc == 0)
		rc = wsc_upgrade_send(&c3, "/elsewhere", 3000);
	r.body = NULL;
	if (rc == 0)
		rc = wsc_http_read(&c3, &r, 0, 3000);
	T(rc == 0 && r.status == 404, "an upgrade on /elsewhere: 404 (got %d)%s%s",
	    rc == 0 ? r.status : -1, rc ? " -- " : "", rc ? c3.err : "");
	wsc_http_free(&r);
	wsc_close(&c3);
	return CHECK_DONE();
}

/* --- chain: every value, in order, identical to the origin's ---------------- */

static int
cmd_chain(void)
{
	static const char all[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int i, j, opened = 0, bad = 0, reported = 0, ref;
	long up0 = -1, up1, v, minlen = -1, expect;
	unsigned long compared = 0, others = 0;
	long long t0;

	if (!o.origin || !o.nrelay)
		die("chain wants -o and -r");
	clients_alloc(o.n + 1);
	ref = o.n;                      /* the reference client, on the origin */
	if (o.upgrades)
		up0 = metric(o.origin, "letterd_upgrades_total");
	t0 = now_us();
	/* half of them on /, which is an upgrade path too */
	for (i = 0; i < o.n; i++)
		opened += client_open_path(&cl[i], o.relay[i % o.nrelay], i / o.nrelay % 2 ? "/" : "/ws",
		    all) == 0;
	T(opened == o.n, "%d of %d clients connected (on /ws and /) and subscribed to 26 letters on %d relay port(s) in %lld ms%s%s",
	    opened, o.n, o.nrelay, (now_us() - t0) / 1000,
	    opened == o.n ? "" : " -- first failure: ", first_why());
	every_from = 0;
	every_to = o.n;
	pump(0, o.n, now_us() + 5000000, every_has_all);
	T(every_has_all(), "every client has a value of every letter, %lld ms after the first connect",
	    (now_us() - t0) / 1000);
	for (i = 0; i < o.nm; i++) {
		v = metric_wait(o.m[i].port, "letterd_clients", o.m[i].lo, o.m[i].hi);
		T(v >= o.m[i].lo && v <= o.m[i].hi, "port %d: letterd_clients %ld (expected %ld..%ld)",
		    o.m[i].port, v, o.m[i].lo, o.m[i].hi);
	}
	if (o.upgrades) {
		up1 = metric(o.origin, "letterd_upgrades_total");
		T(up0 >= 0 && up1 == up0, "the origin's letterd_upgrades_total stayed %ld while %d clients connected to the relay",
		    up0, o.n);
	}

	/* the reference: subscribed from now on; the relay clients start
	 * recording now too, and may hold a few values older than its first */
	if (client_open(&cl[ref], o.origin, all) < 0) {
		T(0, "reference client on the origin: %s", cl[ref].why);
		return CHECK_DONE();
	}
	for (i = 0; i < o.n; i++)
		seq_clear(&cl[i]);
	pump(0, ncl, now_us() + o.t_ms * 1000, NULL);
	/* stop the relay's clients; the reference reads on, so that it has
	 * every value they had */
	for (i = 0; i < o.n; i++)
		if (cl[i].open) {
			cl[i].open = 0;
			wsc_close(&cl[i].c);
		} else {
			bad++;
		}
	pump(ref, ref + 1, now_us() + 300000, NULL);
	T(bad == 0 && cl[ref].open, "nobody was disconnected during %ld ms%s%s", o.t_ms,
	    bad ? " -- " : "", bad ? "a relay client was" : cl[ref].open ? "" : " -- the reference was");
	for (i = 0; i < o.n && bad == 0; i++)
		if (cl[i].dropped)
			fprintf(stderr, "client %d: %s\n", i, cl[i].why);

	expect = o.t_ms / o.interval / 2;
	for (i = 0; i < o.n; i++) {
		others += cl[i].others;
		for (j = 0; j < NLET; j++) {
			size_t skipped = 0;
			long n = contained(&cl[i].s[j], &cl[ref].s[j], &skipped);

			if (n < expect) {
				if (reported++ < 5) {
					size_t k;

					fprintf(stderr, "FAIL client %d (port %d), letter %c: %zu values, %s\n  relay: ",
					    i, cl[i].port, 'A' + j, cl[i].s[j].n,
					    n < 0 ? "not a contiguous piece of the origin's" : "too few");
					for (k = 0; k < cl[i].s[j].n && k < 40; k++)
						fprintf(stderr, "%d ", cl[i].s[j].v[k]);
					fprintf(stderr, "\n  origin: ");
					for (k = 0; k < cl[ref].s[j].n && k < 40; k++)
						fprintf(stderr, "%d ", cl[ref].s[j].v[k]);
					fputc('\n', stderr);
				}
				bad++;
				continue;
			}
			compared += (unsigned long)n;
			if (minlen < 0 || n < minlen)
				minlen = n;
		}
	}
	T(bad == 0, "%d clients x 26 letters: each sequence is the origin's, in order, none missing "
	    "(%lu values compared, at least %ld per letter; %d sequences wrong)",
	    o.n, compared, minlen, bad);
	T(others == 0, "the relay's clients got nothing but values (%lu other messages%s%s)",
	    others, others ? ", e.g. " : "", others ? cl[0].other : "");
	return CHECK_DONE();
}

/* --- watch: clients held through the test's trouble -------------------------- */

static int
watch_all_have_one(void)
{
	int i;

	for (i = 0; i < ncl; i++)
		if (cl[i].open && cl[i].values == 0)
			return 0;
	return 1;
}

static int
cmd_watch(void)
{
	static const char all[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	struct sigaction sa;
	long long t0, end, gap = 0, gap_end = 0, resumed = -1, last_min = -1;
	int i, opened = 0, dropped = 0, seen_x = 0, gap_who = 0, no_resume = 0;
	unsigned long others = 0;

	if (!o.nrelay)
		die("watch wants -r");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;    /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	clients_alloc(o.n);
	t0 = now_us();
	end = t0 + o.t_ms * 1000;
	for (i = 0; i < o.n; i++)
		opened += client_open(&cl[i], o.relay[i % o.nrelay], all) == 0;
	T(opened == o.n, "watch: %d of %d clients connected%s%s", opened, o.n,
	    opened == o.n ? "" : " -- ", first_why());
	/* "ready" once each has a value, or at once if values are not
	 * expected yet (a fake upstream that starts with trouble) */
	if (!want_x)
		pump(0, ncl, end, watch_all_have_one);
	printf("ready\n");
	fflush(stdout);
	pump(0, ncl, end, NULL);
	end = now_us();
	for (i = 0; i < ncl; i++) {
		struct client *k = &cl[i];

		if (!k->open) {
			if (dropped++ < 3)
				fprintf(stderr, "client %d: %s\n", i, k->why);
			continue;
		}
		others += k->others;
		seen_x += k->seen_x == (1 << nwant_x) - 1;
		if (k->gap_us > gap) {
			gap = k->gap_us;
			gap_end = k->gap_end_us;
			gap_who = i;
		}
		if (k->resumed_us > resumed)
			resumed = k->resumed_us;
		if (mark_us >= 0 && k->resumed_us < 0)
			no_resume++;
		if (last_min < 0 || end - k->last_us > last_min)
			last_min = end - k->last_us;
	}
	T(dropped == 0, "no local client was disconnected in %lld ms (%d of %d dropped)",
	    (end - t0) / 1000, dropped, o.n);
	T(last_min >= 0 && last_min < 1000000,
	    "values still flowing at the end (every client's last value at most %lld ms old)",
	    last_min / 1000);
	if (gap > 0)
		printf("largest gap between two values: %.1f ms (client %d, ended %.1f ms after the start)\n",
		    gap / 1000.0, gap_who, (gap_end - t0) / 1000.0);
	if (o.gap_ms)
		T(gap < o.gap_ms * 1000LL, "the largest gap, %.1f ms, is under %ld ms",
		    gap / 1000.0, o.gap_ms);
	if (o.resume_ms) {
		T(mark_us >= 0, "the restart was signalled (SIGUSR1)");
		if (mark_us >= 0) {
			printf("values resumed %.1f ms after the restart (the slowest of %d clients)\n",
			    resumed / 1000.0, o.n - dropped);
			T(no_resume == 0 && resumed < o.resume_ms * 1000LL,
			    "values resumed within %ld ms of the restart (%.1f ms; %d clients got none)",
			    o.resume_ms, resumed / 1000.0, no_resume);
		}
	}
	for (i = 0; i < nwant_x; i++)
		printf("expected: %s\n", want_xs[i]);
	if (want_x)
		T(seen_x == o.n - dropped, "%d of %d clients received each expected message (%d)",
		    seen_x, o.n - dropped, nwant_x);
	T(others == 0, "the clients got nothing but values (%lu other messages)", others);
	return CHECK_DONE();
}

/* --- latency: the delivery time each relay hop adds ----------------------- */

static int lat_target;
static int
lat_done(void)
{
	int i;

	for (i = 0; i < ncl; i++)
		if ((int)cl[i].s[o.letter - 'A'].n < lat_target)
			return 0;
	return 1;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int
cmd_latency(void)
{
	char letters[2] = { (char)o.letter, 0 };
	int i, h, L = o.letter - 'A';
	long long *d, until;

	if (o.nport < 2)
		die("latency wants two or three -p: origin, relay, relay of the relay");
	clients_alloc(o.nport);
	for (i = 0; i < o.nport; i++)
		if (client_open(&cl[i], o.port[i], letters) < 0)
			die("port %d: %s", o.port[i], cl[i].why);
	/* settle, then measure from a clean start */
	pump(0, ncl, now_us() + 300000, NULL);
	for (i = 0; i < ncl; i++)
		seq_clear(&cl[i]);
	lat_target = (int)o.count + 20;
	until = now_us() + (long long)lat_target * o.interval * 3000 + 5000000;
	pump(0, ncl, until, lat_done);
	T(lat_done(), "%d values of %c on each of %d ports (tick %ld ms)", lat_target,
	    o.letter, ncl, o.interval);
	d = malloc(sizeof *d * (size_t)lat_target);
	for (h = 1; h < ncl && d; h++) {
		struct seq *A = &cl[h - 1].s[L], *B = &cl[h].s[L];
		size_t matches, overlap, n = 0, k;
		int shift = best_shift(A, B, &matches, &overlap);

		for (k = 0; k < A->n; k++) {
			long j = (long)k + shift;

			if (j >= 0 && (size_t)j < B->n && A->v[k] == B->v[j] && n < (size_t)o.count)
				d[n++] = B->t[j] - A->t[k];
		}
		T(matches == overlap && n >= (size_t)o.count,
		    "hop %d (port %d -> %d): %zu of %zu values paired by content", h,
		    o.port[h - 1], o.port[h], matches, overlap);
		if (!n)
			continue;
		qsort(d, n, sizeof *d, cmp_ll);
		printf("hop %d added delivery time over %zu values: min %lld us, median %lld us, "
		    "p90 %lld us, p99 %lld us, max %lld us\n", h, n, d[0], d[n / 2],
		    d[n * 90 / 100], d[n * 99 / 100], d[n - 1]);
		printf("RESULT hop=%d values=%zu min_us=%lld median_us=%lld p90_us=%lld p99_us=%lld max_us=%lld\n",
		    h, n, d[0], d[n / 2], d[n * 90 / 100], d[n * 99 / 100], d[n - 1]);
	}
	if (ncl > 2 && d) {
		/* end to end: the first port's client against the last's */
		struct seq *A = &cl[0].s[L], *B = &cl[ncl - 1].s[L];
		size_t matches, overlap, n = 0, k;
		int shift = best_shift(A, B, &matches, &overlap);

		for (k = 0; k < A->n; k++) {
			long j = (long)k + shift;

			if (j >= 0 && (size_t)j < B->n && A->v[k] == B->v[j] && n < (size_t)o.count)
				d[n++] = B->t[j] - A->t[k];
		}
		if (n) {
			qsort(d, n, sizeof *d, cmp_ll);
			printf("all %d hops: median %lld us, p99 %lld us, max %lld us\n",
			    ncl - 1, d[n / 2], d[n * 99 / 100], d[n - 1]);
		}
	}
	free(d);
	return CHECK_DONE();
}

/* --- fake: an upstream that misbehaves ------------------------------------- */

/*
 * Modes, one per connection (after the list, the last one repeats):
 *   junk       a valid 101, then bytes that are no frame: the relay must
 *              fail the connection with close 1002 and try again
 *   masked     a valid 101, then a masked frame (a server must not mask): 1002
 *   utf8       a valid 101, then a text frame that is not UTF-8: 1007
 *   huge       a valid 101, then a frame header announcing 2^56 + ... bytes: 1009
 *   half       a valid 101, then half a frame, then close
 *   stall      a valid 101, then half a frame, then silence: a relay with
 *              -k 1 must find it mute and drop it
 *   mute       no answer at all to the request: the relay must give up the
 *              attempt (within 10 s) and try again
 *   badaccept  a 101 with a wrong Sec-WebSocket-Accept: refused, nothing sent
 *   no101      200 instead of 101: refused, nothing sent
 *   ext        a valid 101 that also names an extension the relay did not
 *              offer (RFC 6455 4.1: the client must fail it): refused
 *   nul        a valid 101 and, in the same write, a frame with a zero byte
 *              in it (an empty ping, 0x89 0x00): the frame belongs to the
 *              connection, not to the head, so the relay must open, answer
 *              the ping and subscribe; then we close
 * The bytes of every other mode contain no zero byte, so that whether the
 * relay reads them with the head or apart from it cannot change the result.
 *   good       a valid 101 -- in two pieces, header names in lower case,
 *              "Connection: keep-alive, Upgrade", "Upgrade: WebSocket" (all
 *              of which RFC 6455 and RFC 9110 allow) -- a ping in the
 *              same write as the head's end (the pong must echo it), two
 *              messages that are not values (ignored), then every 50 ms
 *              {"A": 2000} .. {"Z": 2025}, B as { "B" :2001 }, Z in two
 *              fragments with a ping between them, and {"C": "999"}, whose
 *              value is a string, not a number; the relay must subscribe to the 26
 *              letters with masked frames
 * Each request must be a proper opening handshake (RFC 6455 4.1) with a
 * fresh key.
 */
static volatile sig_atomic_t fake_stop;

static void
on_term(int sig)
{
	(void)sig;
	fake_stop = 1;
}

/* Does s, folded to lower case, contain word?  (strcasestr is not POSIX.) */
static int
lower_has(const char *s, const char *word)
{
	char low[256];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof low; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	low[i] = '\0';
	return strstr(low, word) != NULL;
}

/* The value of header `name` in the request head h (NUL-terminated). */
static int
head_field(const char *h, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name), k;
	const char *p = h, *v;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			for (v = p + n + 1; *v == ' ' || *v == '\t'; v++)
				;
			for (k = 0; v[k] && v[k] != '\r' && k + 1 < cap; k++)
				out[k] = v[k];
			while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\t'))
				k--;
			out[k] = '\0';
			return 0;
		}
	}
	return -1;
}

/* One client frame from c->in: masked (checked), unmasked into out.
 * 1 with *op and *n, 0 if incomplete, -1 if not masked or too long. */
static int
fake_frame(struct wsc_conn *c, unsigned *op, uint8_t *out, size_t cap, size_t *n, int *masked)
{
	const uint8_t *p = c->in + c->in_off;
	size_t avail = c->in_len - c->in_off, hl = 2;
	uint64_t len;
	uint8_t key[4];

	if (avail < 2)
		return 0;
	*op = p[0] & 0x0F;
	*masked = (p[1] & 0x80) != 0;
	len = p[1] & 0x7F;
	if (len == 126) {
		if (avail < 4)
			return 0;
		len = (uint64_t)p[2] << 8 | p[3];
		hl = 4;
	} else if (len == 127) {
		return -1;
	}
	if (*masked)
		hl += 4;
	if (len > cap || avail < hl + len)
		return len > cap ? -1 : 0;
	if (*masked) {
		memcpy(key, p + hl - 4, 4);
		memcpy(out, p + hl, (size_t)len);
		wsc_mask(out, (size_t)len, key, 0);
	} else {
		memcpy(out, p + hl, (size_t)len);
	}
	*n = (size_t)len;
	c->in_off += hl + (size_t)len;
	return 1;
}

/* Reads the relay's frames until it closes or `ms` pass.  Returns the
 * close code it sent (0 for none), -2 if it did not close in time;
 * counts its subscriptions, checks its masking, answers its pings if
 * `pong`, and notes a pong equal to "fake". */
struct fake_seen { uint32_t subs; int unmasked, pong, pongs, frames, pings; };

static int
fake_read(struct wsc_conn *c, int ms, int pong, struct fake_seen *fs, int send_values)
{
	long long until = now_us() + (long long)ms * 1000, next_values = 0;
	uint8_t pay[256], f[300];
	unsigned op;
	size_t n;
	int rc, masked, code = 0;
	char *q;

	for (;;) {
		while ((rc = fake_frame(c, &op, pay, sizeof pay - 1, &n, &masked)) == 1) {
			fs->frames++;
			fs->unmasked += !masked;
			pay[n] = '\0';
			if (op == WSC_OP_TEXT && strstr((char *)pay, "\"subscribe\"") &&
			    (q = strstr((char *)pay, "\"letter\": \"")) && q[11] >= 'A' && q[11] <= 'Z')
				fs->subs |= UINT32_C(1) << (q[11] - 'A');
			if (op == WSC_OP_PONG && n == 4 && !memcmp(pay, "fake", 4))
				fs->pong = 1;
			if (op == WSC_OP_PONG)
				fs->pongs++;
			if (op == WSC_OP_PING) {
				fs->pings++;
				if (pong) {
					size_t fl = wsc_frame(f, sizeof f, WSC_FIN | WSC_OP_PONG, 0, pay, n);

					wsc_send(c, f, fl, 1000);
				}
			}
			if (op == WSC_OP_CLOSE)
				code = n >= 2 ? pay[0] << 8 | pay[1] : -1;
		}
		if (rc < 0)
			return -3;
		if (send_values && now_us() >= next_values) {
			char msg[16], all[NLET * 16 + 64];
			size_t at = 0;
			int i;

			/* B in other JSON whitespace (the relay's clients must still
			 * get {"B": 2001} byte for byte); Z in two fragments with a
			 * ping between them (RFC 6455 5.4, 5.5); a string where a
			 * number belongs, which is not a value and must go nowhere */
			for (i = 0; i < NLET - 1; i++) {
				int k = snprintf(msg, sizeof msg, i == 1 ? "{ \"%c\" :%d }" :
				    "{\"%c\": %d}", 'A' + i, 2000 + i);

				at += wsc_frame((uint8_t *)all + at, sizeof all - at,
				    WSC_FIN | WSC_OP_TEXT, 0, msg, (size_t)k);
			}
			at += wsc_frame((uint8_t *)all + at, sizeof all - at, WSC_OP_TEXT, 0, "{\"Z\"", 4);
			at += wsc_frame((uint8_t *)all + at, sizeof all - at, WSC_FIN | WSC_OP_PING, 0, "mid", 3);
			at += wsc_frame((uint8_t *)all + at, sizeof all - at, WSC_FIN | WSC_OP_CONT, 0, ": 2025}", 7);
			at += wsc_frame((uint8_t *)all + at, sizeof all - at, WSC_FIN | WSC_OP_TEXT, 0,
			    "{\"C\": \"999\"}", 12);
			if (wsc_send(c, all, at, 1000) < 0)
				return code;
			next_values = now_us() + 50000;
		}
		if (fake_stop)
			return -2;
		{
			long long left = (until - now_us()) / 1000;

			if (left <= 0)
				return -2;
			rc = wsc_fill(c, send_values && left > 50 ? 50 : (int)left);
		}
		if (rc == WSC_CLOSED)
			return code;
		if (rc < 0 && rc != WSC_TIMEOUT)
			return code;
	}
}

static int
cmd_fake(void)
{
	static const char *known[] = { "junk", "masked", "utf8", "huge", "half", "stall",
	    "mute", "badaccept", "no101", "ext", "nul", "good", NULL };
	static struct wsc_conn c;
	struct sigaction sa;
	char modes[512], *mode[32], *save, head[4096], val[256], acc[29], lastkey[64] = "";
	char resp[512];
	int nmode = 0, lfd, fd, one = 1, conn_no = 0, i, rc;
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	long long until;
	uint8_t buf[64], out[64];
	size_t n;

	if (!o.modes)
		die("fake wants -m MODES");
	snprintf(modes, sizeof modes, "%s", o.modes);
	for (save = strtok(modes, ","); save && nmode < 32; save = strtok(NULL, ",")) {
		for (i = 0; known[i] && strcmp(known[i], save); i++)
			;
		if (!known[i])
			die("unknown mode %s", save);
		mode[nmode++] = save;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl) < 0)
		die("listen: %s", strerror(errno));
	printf("fake listening on http://127.0.0.1:%d/\n", ntohs(sin.sin_port));
	fflush(stdout);
	until = now_us() + o.t_ms * 1000;

	while (!fake_stop && now_us() < until) {
		struct pollfd pf = { lfd, POLLIN, 0 };
		const char *m = mode[conn_no < nmode ? conn_no : nmode - 1];
		struct fake_seen fs;
		char key[64], *end;
		long long t0;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		conn_no++;
		memset(&fs, 0, sizeof fs);
		memset(&c, 0, sizeof c);
		c.fd = fd;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		/* the opening handshake, checked */
		end = NULL;
		for (t0 = now_us(); !end && now_us() - t0 < 3000000; ) {
			if (wsc_fill(&c, 500) == WSC_CLOSED)
				break;
			c.in[c.in_len < sizeof c.in ? c.in_len : sizeof c.in - 1] = '\0';
			end = strstr((char *)c.in, "\r\n\r\n");
		}
		if (!end) {
			T(0, "fake: connection %d: no request head", conn_no);
			close(fd);
			continue;
		}
		n = (size_t)(end + 4 - (char *)c.in);
		memcpy(head, c.in, n < sizeof head ? n : sizeof head - 1);
		head[n < sizeof head ? n : sizeof head - 1] = '\0';
		c.in_off = n;
		key[0] = '\0';
		{
			char want[300];
			int okreq;

			snprintf(want, sizeof want, "GET %s HTTP/1.1\r\n", o.path);
			okreq = !strncmp(head, want, strlen(want));
			okreq = okreq && !head_field(head, "Host", val, sizeof val) &&
			    !strncmp(val, "127.0.0.1:", 10);
			okreq = okreq && !head_field(head, "Upgrade", val, sizeof val) &&
			    !strcasecmp(val, "websocket");
			okreq = okreq && !head_field(head, "Connection", val, sizeof val) &&
			    lower_has(val, "upgrade");
			okreq = okreq && !head_field(head, "Sec-WebSocket-Version", val, sizeof val) &&
			    !strcmp(val, "13");
			okreq = okreq && !head_field(head, "Sec-WebSocket-Key", key, sizeof key) &&
			    strlen(key) == 24 && base64_decode(key, 24, buf, sizeof buf) == 16;
			T(okreq, "fake: connection %d (%s): a proper opening handshake for GET %s%s%s",
			    conn_no, m, o.path, okreq ? "" : ", got: ", okreq ? "" : head);
			T(strcmp(key, lastkey) != 0, "fake: connection %d: a fresh Sec-WebSocket-Key", conn_no);
			snprintf(lastkey, sizeof lastkey, "%s", key);
		}
		printf("fake: connection %d: %s\n", conn_no, m);
		fflush(stdout);
		if (!strcmp(m, "mute")) {
			t0 = now_us();
			rc = fake_read(&c, 12000, 0, &fs, 0);
			T(rc != -2 && fs.frames == 0, "fake: mute: the relay gave up a handshake that got no answer, after %lld ms",
			    (now_us() - t0) / 1000);
			close(fd);
			continue;
		}
		wsc_accept_for(key, acc);
		if (!strcmp(m, "badaccept"))
			wsc_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc);
		if (!strcmp(m, "no101"))
			snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
		else if (!strcmp(m, "ext"))
			snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\n"
			    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: %s\r\n"
			    "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n", acc);
		else if (!strcmp(m, "good"))
			snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\n"
			    "upgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n"
			    "sec-websocket-accept: %s\r\nserver: fake\r\n\r\n", acc);
		else
			snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\n"
			    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
		/* junk, nul and good put their first bytes in the same write as
		 * the 101, so the relay meets frames right behind the head; the
		 * others write them separately */
		if (strcmp(m, "junk") && strcmp(m, "good") && strcmp(m, "nul"))
			wsc_send(&c, resp, strlen(resp), 1000);

		if (!strcmp(m, "nul")) {
			n = strlen(resp);
			memcpy(resp + n, "\x89\x00", 2);
			wsc_send(&c, resp, n + 2, 1000);
			rc = fake_read(&c, 1000, 0, &fs, 0);
			T(fs.subs == (UINT32_C(1) << NLET) - 1 && fs.pongs == 1,
			    "fake: nul: a 101 and an empty ping (0x89 0x00) in one write: the relay opened, "
			    "subscribed and answered the ping (%d frames from it, %d pongs, connection %s)",
			    fs.frames, fs.pongs, rc == -2 ? "kept" : "closed by the relay");
			close(fd);
			continue;
		}

		if (!strcmp(m, "junk") || !strcmp(m, "masked") || !strcmp(m, "utf8") ||
		    !strcmp(m, "huge")) {
			int want = !strcmp(m, "utf8") ? 1007 : !strcmp(m, "huge") ? 1009 : 1002;

			if (!strcmp(m, "junk")) {
				n = strlen(resp);
				memcpy(resp + n, "\xff\xfe\xfd junk", 8);
				n += 8;
				wsc_send(&c, resp, n, 1000);
				n = 0;
			}
			else if (!strcmp(m, "masked")) {
				/* a key with the top bits set: no ASCII byte masks to 0 */
				static const uint8_t key[4] = { 0x81, 0x92, 0xa3, 0xb4 };

				n = wsc_frame_header(out, WSC_FIN | WSC_OP_TEXT, key, 11, WSC_LEN_SHORTEST);
				memcpy(out + n, "{\"A\": 1111}", 11);
				wsc_mask(out + n, 11, key, 0);
				n += 11;
			}
			else if (!strcmp(m, "utf8"))
				n = wsc_frame(out, sizeof out, WSC_FIN | WSC_OP_TEXT, 0, "{\"\xc3\x28\"}", 6);
			else
				n = wsc_frame_ex(out, sizeof out, WSC_FIN | WSC_OP_TEXT, 0, WSC_LEN_64,
				    UINT64_C(0x0101010101010101), NULL, 0);
			if (n)
				wsc_send(&c, out, n, 1000);
			rc = fake_read(&c, 3000, 0, &fs, 0);
			T(rc == want, "fake: %s after the 101: the relay failed the connection with close %d (got %d)",
			    m, want, rc);
		} else if (!strcmp(m, "half")) {
			n = wsc_frame(out, sizeof out, WSC_FIN | WSC_OP_TEXT, 0, "{\"A\": 1234}", 11);
			wsc_send(&c, out, n / 2, 1000);
			wsc_sleep_ms(20);
		} else if (!strcmp(m, "stall")) {
			n = wsc_frame(out, sizeof out, WSC_FIN | WSC_OP_TEXT, 0, "{\"A\": 1234}", 11);
			wsc_send(&c, out, n / 2, 1000);
			t0 = now_us();
			rc = fake_read(&c, 5000, 0, &fs, 0);
			T(rc != -2 && fs.pings > 0, "fake: stall: the relay pinged (%d) and dropped a mute upstream after %lld ms",
			    fs.pings, (now_us() - t0) / 1000);
		} else if (!strcmp(m, "badaccept") || !strcmp(m, "no101") || !strcmp(m, "ext")) {
			rc = fake_read(&c, 3000, 0, &fs, 0);
			T(rc != -2 && fs.frames == 0, "fake: %s: the relay refused the handshake and sent nothing (%d frames)",
			    m, fs.frames);
		} else { /* good */
			size_t at = strlen(resp);
			uint8_t all[640];

			memcpy(all, resp, at);
			/* the head's first 40 bytes alone, the rest with frames */
			wsc_send(&c, all, 40, 1000);
			wsc_sleep_ms(30);
			at += wsc_frame(all + at, sizeof all - at, WSC_FIN | WSC_OP_PING, 0, "fake", 4);
			at += wsc_frame(all + at, sizeof all - at, WSC_FIN | WSC_OP_TEXT, 0,
			    "{\"error\": \"ignored\"}", 20);
			at += wsc_frame(all + at, sizeof all - at, WSC_FIN | WSC_OP_TEXT, 0,
			    "{\"A\": \"You need to subscribe before un-subscribing\"}", 51);
			wsc_send(&c, all + 40, at - 40, 1000);
			rc = fake_read(&c, (int)((until - now_us()) / 1000), 1, &fs, 1);
			T(fs.subs == (UINT32_C(1) << NLET) - 1 && fs.unmasked == 0,
			    "fake: good: the relay subscribed to all 26 letters (mask %07lx), every frame masked (%d unmasked of %d)",
			    (unsigned long)fs.subs, fs.unmasked, fs.frames);
			T(fs.pong, "fake: good: the relay answered our ping with a pong echoing it");
		}
		close(fd);
	}
	T(conn_no >= nmode, "fake: the relay came back after each failure (%d connections for %d modes)",
	    conn_no, nmode);
	close(lfd);
	return CHECK_DONE();
}

/* --- http --------------------------------------------------------------- */

static int
cmd_http(void)
{
	static struct wsc_conn c;
	static struct wsc_http r;
	char req[512];
	int rc;

	if (o.nport != 1 || !o.status)
		die("http wants -p PORT -P PATH -s STATUS");
	r.body = NULL;
	rc = wsc_connect(&c, host, o.port[0], 3000);
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n",
	    o.path, host, o.port[0]);
	if (rc == 0)
		rc = wsc_http_request(&c, req, &r, 3000);
	T(rc == 0 && r.status == o.status && (!want_x || (r.body && strstr(r.body, want_x))),
	    "GET %s on port %d: %d%s%s (got %d%s%s)", o.path, o.port[0], o.status,
	    want_x ? " with " : "", want_x ? want_x : "", rc ? -1 : r.status,
	    rc ? ", " : "", rc ? c.err : "");
	wsc_http_free(&r);
	wsc_close(&c);
	return CHECK_DONE();
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		die("usage: rtest conform|chain|watch|latency|fake|http [options]");
	cmd = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	wsc_seed((uint64_t)now_us() ^ (uint64_t)getpid() << 32);
	options(argc - 1, argv + 1);
	if (!strcmp(cmd, "conform"))
		return cmd_conform();
	if (!strcmp(cmd, "chain"))
		return cmd_chain();
	if (!strcmp(cmd, "watch"))
		return cmd_watch();
	if (!strcmp(cmd, "latency"))
		return cmd_latency();
	if (!strcmp(cmd, "fake"))
		return cmd_fake();
	if (!strcmp(cmd, "http"))
		return cmd_http();
	die("unknown command %s", cmd);
	return 2;
}
