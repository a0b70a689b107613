/* SPDX-License-Identifier: ISC */
/*
 * ftest.c - feed mode's test client: writers on the feed's UNIX-domain
 * socket (plain sockets, through wsc_connect_unix) and subscribers over
 * WebSocket (wsc.c).  tests/feed.sh starts the servers and runs it.
 *
 *   ftest basic -p PORT -s PATH
 *       values of every form reach a subscriber byte for byte; a letter
 *       has no value until one is written (and -i is ignored); subscribing
 *       after a value sends it at once; blank and comment lines are
 *       ignored; every error reason comes back as exactly one line,
 *       "error: REASON (line N)", the connection stays usable and nothing
 *       is published; lines split into single bytes; a line cut short by
 *       the writer closing is dropped, but whole lines before it are not,
 *       even those that wait for a flush; a writer that shuts down its
 *       side gets its replies; the feed counters add up
 *   ftest long -p PORT -s PATH
 *       the 256-byte limit: 256 bytes pass, 257 are one "line too long"
 *       (reported before the LF comes), 100,000 bytes are one error and
 *       the next line is numbered right
 *   ftest writers -p PORT -s PATH
 *       64 writers at once, the 65th gets "error: too many writers" and
 *       EOF, a place that frees up is taken; letterd_feed_writers follows
 *   ftest burst -p PORT -s PATH -P PID [-n LINES] [-R KB] [-W] [-C]
 *       LINES values written as fast as possible; a reader that keeps up
 *       gets every one in order, a stalled reader ends on the last value
 *       of each letter; the server's VmRSS grows by less than KB.  -W
 *       writes each value with 31 digits, so that the stalled reader's
 *       socket fills, and checks that it did; with -C the writer closes
 *       as soon as it has written the last line
 *   ftest flood -p PORT -s PATH -P PID [-n LINES] [-R KB]
 *       a writer sends LINES bad lines and never reads: another client's
 *       ping is answered within 1 s throughout, replies are dropped and
 *       counted, VmRSS stays within KB; then the writer reads and is
 *       served again
 *   ftest relay -p RELAY -o ORIGIN -s PATH
 *       a relay of a feed-driven origin mirrors its values verbatim, and
 *       in order
 *   ftest ping -p PORT -d WHAT
 *       {"action": "ping"} is answered {"pong": true}
 *   ftest expect -p PORT -l LETTERS [-s PATH -w LINE ...] [-r FILE]
 *                [-x TEXT ...] [-c COUNT] [-q MS] -d WHAT
 *       subscribes to LETTERS in that order, writes each LINE (plus an LF)
 *       to PATH, and expects exactly the TEXTs, in order, then (-c) the
 *       values 1, 2, ... COUNT of the first of LETTERS, then nothing for
 *       MS (300) ms: one check.  With -w or -r the letters must have no
 *       value yet: a ping's pong says the subscriptions took effect, then
 *       the lines are written, or FILE is made (for a writer elsewhere)
 *   ftest metric -p PORT -m NAME -e VALUE -d WHAT
 *       /metrics says NAME VALUE within 2 s: one check
 *   ftest listen -s PATH [-b BACKLOG] [-k PENDING] [-r FILE]
 *       a listener that is not letterd: listen(BACKLOG) on PATH, PENDING
 *       connections to itself left waiting (-b 0 -k 1: its queue is
 *       full), FILE made when it is ready; on SIGTERM (or after 60 s) it
 *       accepts what waits, which must include its own: one check
 *
 * Every check prints one line, "ok: ..." or "FAIL: ...: why", and each
 * command ends with check.h's "N passed, M failed".  Measurements are
 * printed on "figure: ..." lines.  Every wait has a deadline.
 */
#include "check.h"
#include "why.h"
#include "wsc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NLET        26
#define MAX_WRITERS 64          /* the limit (FEED_MAX_WRITERS in config.h) */
#define MAX_LIST    16

static int port, origin_port;
static const char *sock_path;
static long server_pid;
static long nlines;
static long rss_bound_kb;
static int wide;                 /* burst -W: 31-digit values */
static int close_after;          /* burst -C: the writer closes at once */
static int quiet_ms = 300;
static const char *what = "";
static const char *letters_opt = "";
static const char *metric_name;
static const char *ready_file;   /* expect -r: made once subscribed */
static long long metric_want = -1;
static const char *texts[MAX_LIST], *wlines[MAX_LIST];
static int ntexts, nwlines;
static long count;               /* expect -c: values 1..count */

/* The longest wait for an answer that should come at once. */
static int t_wait = 3000;

/* Connections and messages are large: they live here. */
static struct wsc_conn s1, s2, s3;
static struct wsc_conn wr[MAX_WRITERS + 2];
static struct wsc_msg msg;

static const char all_letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* --- checks ------------------------------------------------------------- */

/* One check, one line: "ok: WHAT" or "FAIL: WHAT: why". */
static void
report(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		check_passed++;
	else
		check_failed++;
	fputs(ok ? "ok: " : "FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(": %s", why[0] ? why : "(no reason recorded)");
	putchar('\n');
	fflush(stdout);
	why[0] = '\0';
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ftest: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static int
until(long long deadline)
{
	long long d = deadline - wsc_now_ms();

	return d > 0 ? (d > INT_MAX ? INT_MAX : (int)d) : 0;
}


/* --- subscribers (WebSocket) ------------------------------------------- */

static int
sub_cmd(struct wsc_conn *c, const char *action, int letter)
{
	char buf[64];

	snprintf(buf, sizeof buf, "{\"action\": \"%s\", \"letter\": \"%c\"}",
	    action, letter);
	return wsc_send_text(c, buf, t_wait) == 0 ? 0 : wfail(c);
}

/* A client of /ws on p, subscribed to letters in that order. */
static int
sub_open_on(struct wsc_conn *c, int p, const char *letters)
{
	if (wsc_connect(c, "127.0.0.1", p, t_wait) < 0 ||
	    wsc_upgrade(c, "/ws", t_wait) < 0) {
		whyf("client on port %d: %s", p, c->err);
		wsc_close(c);
		return -1;
	}
	c->auto_pong = 1;
	for (; *letters; letters++)
		if (sub_cmd(c, "subscribe", *letters) < 0)
			return -1;
	return 0;
}

static int
sub_open(struct wsc_conn *c, const char *letters)
{
	return sub_open_on(c, port, letters);
}

static int
expect_text(struct wsc_conn *c, const char *text, int ms)
{
	return wsc_expect_text(c, text, ms) == 0 ? 0 : wfail(c);
}

/* The next message must be {"L": num}. */
static int
expect_value(struct wsc_conn *c, int letter, const char *num)
{
	char want[96];

	snprintf(want, sizeof want, "{\"%c\": %s}", letter, num);
	return expect_text(c, want, t_wait);
}

static int
silent(struct wsc_conn *c, int ms, const char *who)
{
	return wsc_expect_silence(c, ms) == 0 ? 0 :
	    whyf("%s: %s", who, c->err);
}

/* {"L": NUM}: the letter, and NUM's bytes in *num, *n; 0 if m is not a
 * value message of that form. */
static int
value_of(const struct wsc_msg *m, const char **num, size_t *n)
{
	const char *d = (const char *)m->data;

	if (m->opcode != WSC_OP_TEXT || m->len < 8 || d[0] != '{' ||
	    d[1] != '"' || d[2] < 'A' || d[2] > 'Z' || d[3] != '"' ||
	    d[4] != ':' || d[5] != ' ' || d[m->len - 1] != '}')
		return 0;
	*num = d + 6;
	*n = m->len - 7;
	return d[2];
}

/* A value message with an integer: the letter (0 if not one) and *v.
 * With -W the integer is written as 1 and 30 digits, 1000...00042 for 42. */
static int
int_value_of(const struct wsc_msg *m, long *v)
{
	const char *num;
	char buf[40], *end;
	size_t n;
	int l = value_of(m, &num, &n);

	if (wide && n == 31 && num[0] == '1') {
		num++;
		n--;
	}
	if (!l || n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, num, n);
	buf[n] = '\0';
	*v = strtol(buf, &end, 10);
	return *end ? 0 : l;
}

/* --- writers (the feed's UNIX socket) ------------------------------------ */

static long wline[MAX_WRITERS + 2];   /* lines each writer has sent */

static int
w_open(int i)
{
	wline[i] = 0;
	if (wsc_connect_unix(&wr[i], sock_path, t_wait) < 0)
		return whyf("writer %d: %s", i, wr[i].err);
	return 0;
}

/* Counts the LFs in p[0..n), the lines the writer has sent. */
static void
w_count(int i, const char *p, size_t n)
{
	for (; n; n--)
		wline[i] += *p++ == '\n';
}

static int
w_put(int i, const void *p, size_t n)
{
	if (wsc_send(&wr[i], p, n, t_wait) < 0)
		return whyf("writer %d: %s", i, wr[i].err);
	w_count(i, p, n);
	return 0;
}

static int
w_puts(int i, const char *s)
{
	return w_put(i, s, strlen(s));
}

/* The next reply must be exactly "error: WHY (line N)" and an LF. */
static int
w_reply(int i, const char *reason, long line)
{
	char want[160], got[300], q[320];
	int n;

	snprintf(want, sizeof want, "error: %s (line %ld)", reason, line);
	n = wsc_read_line(&wr[i], got, sizeof got, t_wait);
	if (n < 0)
		return whyf("writer %d: expected \"%s\": %s", i, want,
		    wr[i].err);
	if ((size_t)n != strlen(want) || strcmp(got, want) != 0)
		return whyf("writer %d: expected \"%s\", got %s", i, want,
		    wsc_quote(q, sizeof q, got, strlen(got)));
	return 0;
}

/* The writer's last line must have been answered with WHY. */
static int
w_reply_last(int i, const char *reason)
{
	return w_reply(i, reason, wline[i]);
}

/* --- /metrics and /proc ----------------------------------------------- */

/* The value of an unlabelled metric on port p, or -1. */
static long long
metric_on(int p, const char *name)
{
	return wsc_metric("127.0.0.1", p, name);
}

static long long
metric(const char *name)
{
	return metric_on(port, name);
}

/* 0 if PORT's /metrics has each of the lines; -1 with the first missing
 * one in why. */
static int
metrics_have(const char *const *lines, int n)
{
	static struct wsc_conn c;
	static struct wsc_http r;
	char req[256];
	const char *p;
	int i, rc = 0;

	r.body = NULL;
	if (wsc_connect(&c, "127.0.0.1", port, 2000) < 0)
		return whyf("/metrics: %s", c.err);
	snprintf(req, sizeof req, "GET /metrics HTTP/1.1\r\nHost: "
	    "127.0.0.1:%d\r\nConnection: close\r\n\r\n", port);
	if (wsc_http_request(&c, req, &r, 2000) < 0 || r.status != 200 ||
	    !r.body)
		rc = whyf("/metrics: %s (status %d)", c.err, r.status);
	for (i = 0; rc == 0 && i < n; i++) {
		size_t k = strlen(lines[i]);

		for (p = r.body; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 :
		    NULL)
			if (!strncmp(p, lines[i], k) && (p[k] == '\n' ||
			    p[k] == '\0'))
				break;
		if (!p)
			rc = whyf("/metrics has no line \"%s\"", lines[i]);
	}
	wsc_http_free(&r);
	wsc_close(&c);
	return rc;
}

/* Waits up to 2 s for NAME to say want (a writer that just left may still
 * be closing); 0, or -1 with the last value in why. */
static int
metric_is(const char *name, long long want)
{
	long long deadline = wsc_now_ms() + 2000, v;

	for (;;) {
		v = metric(name);
		if (v == want)
			return 0;
		if (wsc_now_ms() >= deadline)
			return whyf("/metrics: %s is %lld, expected %lld", name,
			    v, want);
		wsc_sleep_ms(20);
	}
}

/* A field of /proc/PID/status in kB ("VmRSS", "VmHWM"), or -1. */
static long
proc_kb(const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", server_pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* --- basic: forms, subscriptions, ignored lines, errors ------------------ */

struct form {
	const char *line, *want;
};

/* Every form of a number the line protocol takes; each must reach the
 * subscriber exactly as written, after {"L": . */
static const struct form forms[] = {
	{ "A 1234\n", "{\"A\": 1234}" },
	{ "N -7\n", "{\"N\": -7}" },
	{ "Z 0\n", "{\"Z\": 0}" },
	{ "M -0\n", "{\"M\": -0}" },
	{ "E 6.02e23\n", "{\"E\": 6.02e23}" },
	{ "S 1E-3\n", "{\"S\": 1E-3}" },
	{ "P 1e+5\n", "{\"P\": 1e+5}" },
	{ "Q -0.0e-0\n", "{\"Q\": -0.0e-0}" },
	{ "R 1e999\n", "{\"R\": 1e999}" },
	{ "U 9007199254740993\n", "{\"U\": 9007199254740993}" },
	{ "h -7\n", "{\"H\": -7}" },
	{ "z 3.25\n", "{\"Z\": 3.25}" },
	{ " \t B \t 42 \t \n", "{\"B\": 42}" },
	{ "C 5\r\n", "{\"C\": 5}" },
	{ "\tD\t-1.5E+10\t\r\n", "{\"D\": -1.5E+10}" },
	{ "K 12345678901234567890123456789012\n",
	  "{\"K\": 12345678901234567890123456789012}" },
	{ "L -1234567890123456789012345678901\n",
	  "{\"L\": -1234567890123456789012345678901}" },
	{ "O 1.234567890123456789012345678e-9\n",
	  "{\"O\": 1.234567890123456789012345678e-9}" },
};

struct bad {
	const char *line;
	size_t n;
	const char *why;
};

#define BAD(s, w) { s, sizeof(s) - 1, w }
static const char inv[] = "invalid number";
static const char ctl[] = "control or non-ASCII byte";

/* Every example of LINE-DOCS.md's table of reasons, and then some.  Most
 * are on letter A, which holds a value: any of them published would show
 * on a subscriber of every letter. */
static const struct bad bads[] = {
	BAD("A 01\n", inv),
	BAD("A +1\n", inv),
	BAD("A .5\n", inv),
	BAD("A 1.\n", inv),
	BAD("A NaN\n", inv),
	BAD("A Infinity\n", inv),
	BAD("A 0x10\n", inv),
	BAD("A \"1\"\n", inv),
	BAD("A 1e\n", inv),
	BAD("A -\n", inv),
	BAD("A 1,5\n", inv),
	BAD("A 1_000\n", inv),
	BAD("A B\n", inv),
	BAD("A 1.5.2\n", inv),
	BAD("A 1#note\n", inv),
	BAD("A 1 2\n", "unexpected text after the number"),
	BAD("A 1 B 2\n", "unexpected text after the number"),
	BAD("A 1 # note\n", "unexpected text after the number"),
	BAD("A 1\0\n", ctl),
	BAD("A 1\x80\n", ctl),
	BAD("A 1\xff\n", ctl),
	BAD("\xc3\xa9 1\n", ctl),
	BAD("A\v1\n", ctl),
	BAD("A\f1\n", ctl),
	BAD("A 1\x7f\n", ctl),
	BAD("12\0\n", ctl),
	BAD("A 123456789012345678901234567890123\n",
	    "number longer than 32 bytes"),
	BAD("A -0.000000000000000000000000000001\n",
	    "number longer than 32 bytes"),
	BAD("A\r1\n", "stray carriage return"),
	BAD("\rA 1\n", "stray carriage return"),
	BAD("A 1\r\r\n", "stray carriage return"),
	BAD("D 4\rE 5\n", "stray carriage return"),
	BAD("12\n", "expected a letter"),
	BAD("-1\n", "expected a letter"),
	BAD("\"A\" 1\n", "expected a letter"),
	BAD("= 1\n", "expected a letter"),
	BAD("_ 1\n", "expected a letter"),
	BAD("AB 1\n", "more than one letter"),
	BAD("TEMP 21.5\n", "more than one letter"),
	BAD("A1234\n", "expected a space or tab after the letter"),
	BAD("A=1\n", "expected a space or tab after the letter"),
	BAD("A:1\n", "expected a space or tab after the letter"),
	BAD("A-1\n", "expected a space or tab after the letter"),
	BAD("A\n", "expected a number"),
	BAD("A   \n", "expected a number"),
	BAD("A \t \r\n", "expected a number"),
};

/* Lines that are ignored: no reply, nothing published, but counted. */
static const struct bad ignored[] = {
	BAD("\n", NULL),
	BAD("   \n", NULL),
	BAD("\t \t\n", NULL),
	BAD("\r\n", NULL),
	BAD("  \t\r\n", NULL),
	BAD("# a comment\n", NULL),
	BAD("  \t# indented\n", NULL),
	BAD("#A 1\n", NULL),
	BAD("# any byte but LF: \0 \x01 \r \x7f \x80 \xff \xc3\xa9\n", NULL),
	BAD("#\r\n", NULL),
};

static int
basic_first_value(void)
{
	/* -i 10 was given: a tick would have sent values by now */
	if (sub_open(&s1, all_letters) < 0 ||
	    silent(&s1, quiet_ms, "a subscriber of A..Z before any value") < 0)
		return -1;
	if (w_open(0) < 0 || w_puts(0, "T 21.5\n") < 0)
		return -1;
	return expect_value(&s1, 'T', "21.5");
}

static int
basic_form(const struct form *f)
{
	if (w_puts(0, f->line) < 0)
		return -1;
	return expect_text(&s1, f->want, t_wait);
}

/* Subscribing after a value: the value at once; a letter without one:
 * nothing, then its first value when it comes. */
static int
basic_late_subscriber(void)
{
	long long t0;

	if (sub_open(&s2, "") < 0)
		return -1;
	t0 = wsc_now_ms();
	if (sub_cmd(&s2, "subscribe", 'T') < 0 ||
	    expect_value(&s2, 'T', "21.5") < 0)
		return -1;
	if (wsc_now_ms() - t0 > 500)
		return whyf("the current value came after %lld ms",
		    wsc_now_ms() - t0);
	/* lower case in the command; the values in subscription order */
	if (sub_cmd(&s2, "subscribe", 'e') < 0 ||
	    sub_cmd(&s2, "subscribe", 'H') < 0 ||
	    expect_value(&s2, 'E', "6.02e23") < 0 ||
	    expect_value(&s2, 'H', "-7") < 0)
		return -1;
	if (sub_cmd(&s2, "subscribe", 'Y') < 0 ||
	    silent(&s2, quiet_ms, "subscribed to Y, which has no value") < 0)
		return -1;
	if (w_puts(0, "Y 1\n") < 0 || expect_value(&s2, 'Y', "1") < 0 ||
	    expect_value(&s1, 'Y', "1") < 0)
		return -1;
	return 0;
}

static int
basic_ignored(void)
{
	size_t i;

	for (i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		if (w_put(0, ignored[i].line, ignored[i].n) < 0)
			return -1;
	/* The reply to this one is the next: no line above got one. */
	if (w_puts(0, "!\n") < 0 || w_reply_last(0, "expected a letter") < 0)
		return -1;
	return silent(&s1, 100, "a subscriber of A..Z after ignored lines");
}

static int
basic_bad(const struct bad *b)
{
	if (w_put(0, b->line, b->n) < 0)
		return -1;
	return w_reply_last(0, b->why);
}

/* One line sent a byte at a time (the server reads it in pieces). */
static int
basic_bytewise(void)
{
	static const char good[] = "T 22.5\n", bad[] = "A 0x10\n";

	if (wsc_send_slowly(&wr[0], good, sizeof good - 1, 1, 2, t_wait) < 0)
		return wfail(&wr[0]);
	w_count(0, good, sizeof good - 1);
	if (expect_value(&s1, 'T', "22.5") < 0)
		return -1;
	if (wsc_send_slowly(&wr[0], bad, sizeof bad - 1, 1, 2, t_wait) < 0)
		return wfail(&wr[0]);
	w_count(0, bad, sizeof bad - 1);
	return w_reply_last(0, inv);
}

static int
cmd_basic(void)
{
	long updates = 0, errors = 0;
	size_t i;
	int rc;

	rc = basic_first_value();
	report(rc == 0, "no value before one is written (A..Z silent for %d "
	    "ms, -i ignored); then \"T 21.5\" -> {\"T\": 21.5}", quiet_ms);
	if (rc < 0)
		return CHECK_DONE();
	updates++;
	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char q[100];

		rc = basic_form(&forms[i]);
		updates += rc == 0;
		report(rc == 0, "%s -> %s",
		    wsc_quote(q, sizeof q, forms[i].line,
		    strlen(forms[i].line)), forms[i].want);
	}
	rc = basic_late_subscriber();
	updates++;
	report(rc == 0, "a late subscriber gets the current values at once, "
	    "in its order; a letter without a value sends nothing until its "
	    "first");
	rc = basic_ignored();
	errors++;
	report(rc == 0, "%zu blank and comment lines (with NUL, CR, 0x80 in "
	    "comments) get no reply, publish nothing, and are counted",
	    sizeof ignored / sizeof ignored[0]);
	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		char q[100];

		rc = basic_bad(&bads[i]);
		errors++;
		report(rc == 0, "%s -> \"error: %s (line %ld)\"",
		    wsc_quote(q, sizeof q, bads[i].line, bads[i].n),
		    bads[i].why, wline[0]);
	}
	rc = silent(&wr[0], 100, "the writer after its errors");
	report(rc == 0, "exactly one reply line per bad line");
	rc = silent(&s1, 100, "a subscriber of A..Z during the bad lines");
	if (rc == 0 && w_puts(0, "A 99\n") == 0)
		rc = expect_value(&s1, 'A', "99");
	else
		rc = -1;
	updates++;
	report(rc == 0, "nothing was published for a bad line, and the writer's "
	    "next value goes through");
	rc = basic_bytewise();
	updates++;
	errors++;
	report(rc == 0, "lines sent a byte at a time: \"T 22.5\" published, "
	    "\"A 0x10\" answered with its line number (%ld)", wline[0]);

	/* several lines in one write */
	rc = w_puts(0, "F 1\nG 2\n#\nG 3\n");
	if (rc == 0)
		rc = expect_value(&s1, 'F', "1");
	if (rc == 0)
		rc = expect_value(&s1, 'G', "2");
	if (rc == 0)
		rc = expect_value(&s1, 'G', "3");
	updates += 3;
	report(rc == 0, "three values in one write, two of one letter: each "
	    "reaches the subscriber, in order");

	/* a second writer numbers its own lines */
	rc = w_open(1);
	if (rc == 0)
		rc = w_puts(1, "#\n\nJ 7\nJ x\n");
	if (rc == 0)
		rc = w_reply_last(1, inv);
	if (rc == 0)
		rc = expect_value(&s1, 'J', "7");
	if (rc == 0)
		rc = w_puts(0, "!\n");
	if (rc == 0)
		rc = w_reply_last(0, "expected a letter");
	updates++;
	errors += 2;
	report(rc == 0, "a second writer's lines are numbered from 1 (\"J x\" "
	    "is its line 4), the first writer's go on (line %ld)", wline[0]);

	/* a line cut short by the writer closing is dropped */
	rc = w_open(2);
	if (rc == 0)
		rc = w_puts(2, "V 5\nV 6");
	if (rc == 0)
		wsc_close(&wr[2]);
	if (rc == 0)
		rc = expect_value(&s1, 'V', "5");
	if (rc == 0)
		rc = silent(&s1, quiet_ms, "after \"V 6\" without its LF");
	updates++;
	errors++;               /* "line cut short at end of input" */
	report(rc == 0, "\"V 5\\nV 6\" then close: V 5 published, the cut "
	    "line \"V 6\" dropped");

	/* a writer that shuts its side and waits: it gets its replies, then
	 * the end */
	rc = w_open(3);
	if (rc == 0)
		rc = w_puts(3, "X 1\nX 01\nX 2\n");
	if (rc == 0 && shutdown(wr[3].fd, SHUT_WR) < 0)
		rc = whyf("shutdown: %s", strerror(errno));
	if (rc == 0)
		rc = w_reply(3, inv, 2);
	if (rc == 0 && wsc_expect_eof(&wr[3], t_wait) < 0)
		rc = whyf("after its reply: %s", wr[3].err);
	if (rc == 0)
		rc = expect_value(&s1, 'X', "1");
	if (rc == 0)
		rc = expect_value(&s1, 'X', "2");
	wsc_close(&wr[3]);
	updates += 2;
	errors++;
	report(rc == 0, "a writer that shuts down its side after \"X 1\", "
	    "\"X 01\", \"X 2\" gets \"error: invalid number (line 2)\" then "
	    "EOF; X 1 and X 2 are published");

	{
		static const char *const types[] = {
			"# TYPE letterd_feed_writers gauge",
			"# TYPE letterd_feed_updates_total counter",
			"# TYPE letterd_feed_errors_total counter",
			"# TYPE letterd_feed_replies_dropped_total counter",
		};

		rc = metrics_have(types, 4);
		report(rc == 0, "/metrics: letterd_feed_writers is a gauge, the "
		    "three others counters");
	}
	rc = metric_is("letterd_feed_updates_total", updates);
	report(rc == 0, "letterd_feed_updates_total = %ld, the values written",
	    updates);
	rc = metric_is("letterd_feed_errors_total", errors);
	report(rc == 0, "letterd_feed_errors_total = %ld, the bad lines and "
	    "the one cut short", errors);
	rc = metric_is("letterd_feed_writers", 2);
	report(rc == 0, "letterd_feed_writers = 2 with two writers connected");
	wsc_close(&wr[0]);
	wsc_close(&wr[1]);
	rc = metric_is("letterd_feed_writers", 0);
	report(rc == 0, "letterd_feed_writers = 0 once they have gone");
	rc = metric_is("letterd_feed_replies_dropped_total", 0);
	report(rc == 0, "letterd_feed_replies_dropped_total = 0 (the writers "
	    "read their replies)");
	/* A writer that writes two values of one letter and goes at once:
	 * the second waits for the first to be flushed, and must not be
	 * lost to the writer's close meanwhile (nor counted as an error). */
	rc = w_open(2);
	if (rc == 0)
		rc = w_puts(2, "W 1\nW 2\n");
	if (rc == 0)
		wsc_close(&wr[2]);
	if (rc == 0)
		rc = expect_value(&s1, 'W', "1");
	if (rc == 0)
		rc = expect_value(&s1, 'W', "2");
	if (rc == 0)
		rc = silent(&s1, 100, "after W 1, W 2");
	if (rc == 0)
		rc = metric_is("letterd_feed_updates_total", updates + 2);
	if (rc == 0)
		rc = metric_is("letterd_feed_errors_total", errors);
	report(rc == 0, "\"W 1\\nW 2\\n\" then close at once: both values "
	    "are published, in order, and no error is counted");
	wsc_close(&s1);
	wsc_close(&s2);
	return CHECK_DONE();
}

/* --- long: the 256-byte limit ------------------------------------------- */

/* letter, then blanks up to n bytes with the number at the end (before
 * the CR, with crlf), then LF: a line of n bytes before its LF. */
static char *
padded(int letter, const char *num, size_t n, int crlf)
{
	static char buf[512];
	size_t k = strlen(num), pad = n - 1 - k - (crlf ? 1 : 0);

	buf[0] = (char)letter;
	memset(buf + 1, ' ', pad);
	memcpy(buf + 1 + pad, num, k);
	if (crlf)
		buf[n - 1] = '\r';
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return buf;
}

static int
long_at_once(void)
{
	static const char tail[] = " and more, up to the LF\n";
	char line[258];

	/* 257 bytes without an LF: the error comes before the LF */
	memset(line, '7', sizeof line);
	line[0] = 'D';
	line[1] = ' ';
	if (w_put(0, line, 257) < 0)
		return -1;
	if (w_reply(0, "line too long", wline[0] + 1) < 0)
		return whyctx("after 257 bytes without an LF");
	if (w_puts(0, tail) < 0)
		return -1;
	return silent(&wr[0], 100, "the writer after the LF of its long line");
}

static int
long_huge(size_t n, size_t chunk)
{
	char *line = malloc(n + 1);
	int rc;

	if (!line)
		die("out of memory");
	memset(line, '1', n);
	line[0] = 'E';
	line[1] = ' ';
	line[n] = '\n';
	if (chunk)
		rc = wsc_send_slowly(&wr[0], line, n + 1, chunk, 1, 20000);
	else
		rc = wsc_send(&wr[0], line, n + 1, 20000);
	free(line);
	if (rc < 0)
		return wfail(&wr[0]);
	wline[0]++;
	if (w_reply_last(0, "line too long") < 0)
		return -1;
	if (w_puts(0, "E 5\n!\n") < 0 || expect_value(&s1, 'E', "5") < 0 ||
	    w_reply_last(0, "expected a letter") < 0)
		return -1;
	return 0;
}

static int
cmd_long(void)
{
	char comment[300];
	int rc;

	if (sub_open(&s1, "ABCDEFG") < 0 || w_open(0) < 0) {
		report(0, "a subscriber and a writer");
		return CHECK_DONE();
	}
	rc = w_puts(0, padded('A', "7", 256, 0));
	if (rc == 0)
		rc = expect_value(&s1, 'A', "7");
	report(rc == 0, "a 256-byte line (\"A\", 254 blanks, \"7\") is a value");
	rc = w_puts(0, padded('B', "8", 256, 1));
	if (rc == 0)
		rc = expect_value(&s1, 'B', "8");
	report(rc == 0, "a 256-byte line whose 256th byte is the CR of its "
	    "CRLF is a value");
	memset(comment, 'x', sizeof comment);
	comment[0] = '#';
	comment[256] = '\n';
	rc = w_put(0, comment, 257);
	if (rc == 0)
		rc = w_puts(0, "!\n");
	if (rc == 0)
		rc = w_reply_last(0, "expected a letter");
	report(rc == 0, "a 256-byte comment is ignored");
	rc = w_puts(0, padded('C', "9", 257, 0));
	if (rc == 0)
		rc = w_reply_last(0, "line too long");
	report(rc == 0, "a 257-byte line is \"error: line too long (line %ld)\"",
	    wline[0]);
	rc = w_puts(0, padded('C', "9", 257, 1));
	if (rc == 0)
		rc = w_reply_last(0, "line too long");
	report(rc == 0, "a 257-byte line counting the CR of its CRLF is too "
	    "long (line %ld)", wline[0]);
	comment[256] = 'x';
	comment[257] = '\n';
	rc = w_put(0, comment, 258);
	if (rc == 0)
		rc = w_reply_last(0, "line too long");
	report(rc == 0, "a 257-byte comment is too long (line %ld)", wline[0]);
	rc = long_at_once();
	report(rc == 0, "257 bytes without an LF are answered at once, before "
	    "the LF, and the rest of the line gets nothing more");
	rc = long_huge(100000, 0);
	report(rc == 0, "a 100,000-byte line in one write is one error; \"E 5\" "
	    "after it is published and the next line is number %ld",
	    wline[0]);
	rc = long_huge(100000, 997);
	report(rc == 0, "a 100,000-byte line in 997-byte pieces is one error; "
	    "the next lines likewise (line %ld)", wline[0]);
	rc = silent(&wr[0], 200, "the writer after its long lines");
	report(rc == 0, "no second reply for any long line");
	rc = silent(&s1, 100, "the subscriber of A..G");
	report(rc == 0, "nothing of a long line was published (C 9, D 777..., "
	    "E 111...)");
	/* letterd_feed_errors_total so far: 6 too long and 3 "!" */
	rc = metric_is("letterd_feed_errors_total", 9);
	report(rc == 0, "letterd_feed_errors_total = 9 (6 lines too long, 3 "
	    "others)");

	/* a line too long that the writer's close cuts short: one error */
	rc = w_open(1);
	if (rc == 0) {
		memset(comment, '5', sizeof comment);
		comment[0] = 'F';
		comment[1] = ' ';
		rc = w_put(1, comment, sizeof comment);
	}
	if (rc == 0)
		rc = w_reply(1, "line too long", 1);
	if (rc == 0) {
		wsc_close(&wr[1]);
		rc = metric_is("letterd_feed_writers", 1);
	}
	if (rc == 0)
		rc = metric_is("letterd_feed_errors_total", 10);
	report(rc == 0, "300 bytes without an LF, then close: one error in "
	    "all (letterd_feed_errors_total 10)");
	/* an unfinished line behind a value */
	rc = w_open(1);
	if (rc == 0)
		rc = w_puts(1, "G 1\nG 2");
	if (rc == 0) {
		wsc_close(&wr[1]);
		rc = expect_value(&s1, 'G', "1");
	}
	if (rc == 0)
		rc = metric_is("letterd_feed_errors_total", 11);
	if (rc == 0)
		rc = silent(&s1, quiet_ms, "after \"G 2\" without an LF");
	report(rc == 0, "\"G 1\\nG 2\" then close: G 1 published, \"G 2\" "
	    "dropped as one error (letterd_feed_errors_total 11)");
	rc = metric_is("letterd_feed_updates_total", 5);
	report(rc == 0, "letterd_feed_updates_total = 5 (A, B, E, E, G)");
	wsc_close(&wr[0]);
	wsc_close(&s1);
	return CHECK_DONE();
}

/* --- writers: the 64-writer limit ----------------------------------------- */

/* Connects writer i, which must be refused: exactly "error: too many
 * writers\n", then the end.  It tries to publish Z 65 first. */
static int
writer_refused(int i)
{
	static const char want[] = "error: too many writers\n";
	struct wsc_conn *c = &wr[i];
	long long deadline = wsc_now_ms() + t_wait;
	char q[200];
	int rc;

	if (w_open(i) < 0)
		return -1;
	(void)wsc_send(c, "Z 65\n", 5, t_wait);   /* may find it closed */
	while ((rc = wsc_fill(c, until(deadline))) > 0)
		;
	wsc_close(c);
	if (rc != WSC_CLOSED)
		return whyf("expected the end after \"%s\": %s (got %s)",
		    "error: too many writers", c->err,
		    wsc_quote(q, sizeof q, c->in + c->in_off,
		    c->in_len - c->in_off));
	if (c->in_len - c->in_off != sizeof want - 1 ||
	    memcmp(c->in + c->in_off, want, sizeof want - 1) != 0)
		return whyf("expected exactly \"error: too many writers\\n\" "
		    "then the end, got %s", wsc_quote(q, sizeof q,
		    c->in + c->in_off, c->in_len - c->in_off));
	return 0;
}

static int
writers_publish(int from, int to)
{
	char line[32], num[16];
	int i;

	for (i = from; i < to; i++) {
		snprintf(num, sizeof num, "%d", 1000 + i);
		snprintf(line, sizeof line, "%c %s\n", 'A' + i % NLET, num);
		if (w_puts(i, line) < 0)
			return -1;
		if (expect_value(&s1, 'A' + i % NLET, num) < 0)
			return whyctx("writer %d's \"%c %s\"", i,
			    'A' + i % NLET, num);
	}
	return 0;
}

static int
cmd_writers(void)
{
	int i, rc = 0;

	if (sub_open(&s1, all_letters) < 0) {
		report(0, "a subscriber");
		return CHECK_DONE();
	}
	for (i = 0; i < MAX_WRITERS && rc == 0; i++)
		rc = w_open(i);
	if (rc == 0)
		rc = metric_is("letterd_feed_writers", MAX_WRITERS);
	report(rc == 0, "%d writers connected at once (letterd_feed_writers %d)",
	    MAX_WRITERS, MAX_WRITERS);
	if (rc < 0)
		return CHECK_DONE();
	rc = writers_publish(0, MAX_WRITERS);
	report(rc == 0, "each of the %d publishes a value, which reaches the "
	    "subscriber", MAX_WRITERS);
	for (i = 0; i < MAX_WRITERS && rc == 0; i++)
		if ((rc = w_puts(i, "!\n")) == 0)
			rc = w_reply(i, "expected a letter", 2);
	report(rc == 0, "each of the %d is answered for its own line 2, and "
	    "only for it", MAX_WRITERS);
	rc = writer_refused(MAX_WRITERS);
	report(rc == 0, "the %dth writer gets exactly \"error: too many "
	    "writers\\n\" and EOF", MAX_WRITERS + 1);
	rc = silent(&s1, quiet_ms, "after the refused writer's \"Z 65\"");
	if (rc == 0)
		rc = metric_is("letterd_feed_writers", MAX_WRITERS);
	report(rc == 0, "its \"Z 65\" was not published, and "
	    "letterd_feed_writers is still %d", MAX_WRITERS);
	wsc_close(&wr[0]);
	rc = metric_is("letterd_feed_writers", MAX_WRITERS - 1);
	report(rc == 0, "one writer leaves: letterd_feed_writers %d",
	    MAX_WRITERS - 1);
	rc = w_open(0);
	if (rc == 0)
		rc = writers_publish(0, 1);
	if (rc == 0)
		rc = metric_is("letterd_feed_writers", MAX_WRITERS);
	report(rc == 0, "a new writer takes its place and publishes "
	    "(letterd_feed_writers %d)", MAX_WRITERS);
	rc = writer_refused(MAX_WRITERS + 1);
	report(rc == 0, "the next one over is refused again");
	for (i = 0; i < MAX_WRITERS; i++)
		wsc_close(&wr[i]);
	rc = metric_is("letterd_feed_writers", 0);
	report(rc == 0, "all gone: letterd_feed_writers 0");
	rc = metric_is("letterd_feed_updates_total", MAX_WRITERS + 1);
	report(rc == 0, "letterd_feed_updates_total = %d", MAX_WRITERS + 1);
	wsc_close(&s1);
	return CHECK_DONE();
}

/* --- burst: every value to a reader that keeps up ------------------------ */

struct tally {
	long got;              /* values received */
	long next[NLET];       /* the value each letter must have next */
	long last[NLET];       /* the last value of each letter */
	long back;             /* values that came before a lower one of
	                          another letter: order across letters */
	long hi;
	char bad[256];         /* the first thing wrong */
};

/* A reader that must see every value: each letter's values are L, L+26,
 * L+52, ... with none missing. */
static void
tally_every(struct tally *t, const struct wsc_msg *m)
{
	long v;
	int l = int_value_of(m, &v);

	if (!l) {
		if (!t->bad[0])
			snprintf(t->bad, sizeof t->bad, "not a value: %s",
			    wsc_show(m));
		return;
	}
	l -= 'A';
	if (v != t->next[l] && !t->bad[0])
		snprintf(t->bad, sizeof t->bad, "%c: expected %ld, got %ld "
		    "(after %ld values)", 'A' + l, t->next[l], v, t->got);
	t->next[l] = v + NLET;
	t->last[l] = v;
	t->back += v < t->hi;
	if (v > t->hi)
		t->hi = v;
	t->got++;
}

/* A reader that may miss values, but must see each letter's in order. */
static void
tally_latest(struct tally *t, const struct wsc_msg *m)
{
	long v;
	int l = int_value_of(m, &v);

	if (!l) {
		if (!t->bad[0])
			snprintf(t->bad, sizeof t->bad, "not a value: %s",
			    wsc_show(m));
		return;
	}
	l -= 'A';
	if ((v <= t->last[l] || v % NLET != l) && !t->bad[0])
		snprintf(t->bad, sizeof t->bad, "%c: %ld after %ld", 'A' + l,
		    v, t->last[l]);
	t->last[l] = v;
	t->got++;
}

static void
tally_init(struct tally *t)
{
	int l;

	memset(t, 0, sizeof *t);
	t->hi = -1;
	for (l = 0; l < NLET; l++) {
		t->next[l] = l;
		t->last[l] = -1;
	}
}

/* Reads every whole message that has come, without waiting. */
static int
drain(struct wsc_conn *c, struct tally *t,
      void (*fn)(struct tally *, const struct wsc_msg *))
{
	int rc;

	while ((rc = wsc_recv(c, &msg, 0)) == 0)
		fn(t, &msg);
	if (rc != WSC_TIMEOUT)
		return whyf("%s", c->err);
	return 0;
}

/* The last value of letter l in 0..n-1 stepping by 26, or -1. */
static long
final_of(long n, int l)
{
	return l < n ? l + (n - 1 - l) / NLET * NLET : -1;
}

static int
all_final(const struct tally *t, long n)
{
	int l;

	for (l = 0; l < NLET; l++)
		if (t->last[l] != final_of(n, l))
			return 0;
	return 1;
}

static int
cmd_burst(void)
{
	static struct tally keep, stall;
	struct pollfd pfd[2];
	char *buf, line[32];
	size_t len = 0, off = 0;
	long i, rss0, rss1, hwm0, hwm1, growth;
	long long t0, t_written = 0, t_kept = 0, deadline, moved;
	long had;
	int rcvbuf = 4096, rc, l;

	if (nlines <= 0)
		nlines = 20000;
	if (rss_bound_kb <= 0)
		rss_bound_kb = 2048;
	if (!(buf = malloc((size_t)nlines * 40)))
		die("out of memory");
	/* the keeping-up reader, the stalled one with a small receive buffer
	 * (so that its socket fills soon), and the writer */
	rc = sub_open(&s1, all_letters);
	wsc_rcvbuf = rcvbuf;
	if (rc == 0)
		rc = sub_open(&s2, all_letters);
	wsc_rcvbuf = 0;
	if (rc == 0)
		rc = w_open(0);
	/* one value per letter first, so that the baseline has the frames
	 * and buffers a first value makes */
	for (l = 0; l < NLET && rc == 0; l++) {
		snprintf(line, sizeof line, "%c -1\n", 'A' + l);
		rc = w_puts(0, line);
	}
	for (l = 0; l < NLET && rc == 0; l++)
		if ((rc = expect_value(&s1, 'A' + l, "-1")) == 0)
			rc = expect_value(&s2, 'A' + l, "-1");
	report(rc == 0, "two subscribers of A..Z and a writer; a first value "
	    "of every letter reaches both");
	if (rc < 0)
		return CHECK_DONE();
	wsc_sleep_ms(100);
	rss0 = proc_kb("VmRSS");
	hwm0 = proc_kb("VmHWM");

	for (i = 0; i < nlines; i++)
		len += (size_t)sprintf(buf + len, wide ? "%c 1%030ld\n" :
		    "%c %ld\n", 'A' + (int)(i % NLET), i);
	tally_init(&keep);
	tally_init(&stall);
	t0 = wsc_now_ms();
	deadline = t0 + 30000;
	moved = t0;
	rc = 0;
	/* until every value has come, 30 s at most, or 2 s without one */
	while (rc == 0 && (off < len || keep.got < nlines) &&
	    wsc_now_ms() < deadline && wsc_now_ms() - moved < 2000) {
		had = keep.got;
		pfd[0].fd = off < len ? wr[0].fd : -1;
		pfd[0].events = POLLOUT;
		pfd[1].fd = s1.fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 100) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (off < len && (pfd[0].revents & (POLLOUT | POLLERR |
		    POLLHUP))) {
			ssize_t k = send(wr[0].fd, buf + off, len - off,
			    MSG_NOSIGNAL);

			if (k > 0)
				off += (size_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EINTR)
				rc = whyf("the writer: %s", strerror(errno));
			if (off == len) {
				t_written = wsc_now_ms();
				if (close_after)
					wsc_close(&wr[0]);
			}
		}
		if (pfd[1].revents && drain(&s1, &keep, tally_every) < 0)
			rc = whyctx("the reader that keeps up");
		if (keep.got > had || off < len)
			moved = wsc_now_ms();
		if (keep.got == nlines && !t_kept)
			t_kept = wsc_now_ms();
	}
	figure("burst: %ld lines (%zu bytes) written in %lld ms; the reader "
	    "that keeps up had them all after %lld ms (%.0f values/s)",
	    nlines, len, t_written ? t_written - t0 : -1,
	    t_kept ? t_kept - t0 : -1,
	    t_kept ? nlines * 1000.0 / (double)(t_kept - t0 + 1) : 0.0);
	report(rc == 0 && off == len, "the writer wrote all %ld lines "
	    "(%zu of %zu bytes) within 30 s", nlines, off, len);
	if (!why[0] && keep.bad[0])
		whyf("%s", keep.bad);
	if (!why[0] && keep.got != nlines)
		whyf("%ld values came, of %ld", keep.got, nlines);
	report(keep.got == nlines && !keep.bad[0], "the reader that keeps up "
	    "got all %ld values, each letter's in order, none missing",
	    nlines);
	figure("burst: %ld values came before a lower value of another "
	    "letter (letters are written in A..Z order within a flush)",
	    keep.back);

	/* now the stalled reader reads what it has */
	deadline = wsc_now_ms() + 10000;
	moved = wsc_now_ms();
	rc = 0;
	while (rc == 0 && !all_final(&stall, nlines) &&
	    wsc_now_ms() < deadline && wsc_now_ms() - moved < 2000) {
		had = stall.got;
		pfd[0].fd = s2.fd;
		pfd[0].events = POLLIN;
		if (poll(pfd, 1, 100) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (pfd[0].revents && drain(&s2, &stall, tally_latest) < 0)
			rc = whyctx("the stalled reader");
		if (stall.got > had)
			moved = wsc_now_ms();
	}
	if (rc == 0)
		rc = silent(&s2, 200, "the stalled reader after the last values");
	if (rc == 0 && stall.bad[0])
		rc = whyf("%s", stall.bad);
	if (rc == 0 && !all_final(&stall, nlines)) {
		for (l = 0; l < NLET && stall.last[l] == final_of(nlines, l); l++)
			;
		rc = whyf("%c ended on %ld, not %ld", 'A' + l, stall.last[l],
		    final_of(nlines, l));
	}
	figure("burst: the stalled reader (SO_RCVBUF %d) got %ld of the %ld "
	    "values; %ld never came to it (a later value of the letter "
	    "replaces one its full socket could not take)", rcvbuf, stall.got,
	    nlines, nlines - stall.got);
	report(rc == 0, "the stalled reader ends on the last value of every "
	    "letter, each letter's values in order, no repeat");
	if (wide) {
		whyf("it got all %ld: its socket never filled", nlines);
		report(stall.got < nlines, "the stalled reader's socket filled, "
		    "so it was sent only the latest values (%ld of %ld)",
		    stall.got, nlines);
	}

	rss1 = proc_kb("VmRSS");
	hwm1 = proc_kb("VmHWM");
	growth = rss1 - rss0;
	figure("burst: server VmRSS %ld kB before, %ld kB after (%+ld kB); "
	    "VmHWM %ld kB before, %ld kB after", rss0, rss1, growth, hwm0,
	    hwm1);
	if (rss0 < 0 || rss1 < 0)
		whyf("cannot read /proc/%ld/status", server_pid);
	else
		whyf("VmRSS grew by %ld kB", growth);
	report(rss0 >= 0 && rss1 >= 0 && growth < rss_bound_kb &&
	    hwm1 - hwm0 < rss_bound_kb, "the server's VmRSS and VmHWM grew by "
	    "less than %ld kB over the burst", rss_bound_kb);
	rc = metric_is("letterd_feed_updates_total", nlines + NLET);
	report(rc == 0, "letterd_feed_updates_total = %ld", nlines + NLET);
	rc = metric_is("letterd_feed_errors_total", 0);
	report(rc == 0, "letterd_feed_errors_total = 0");
	free(buf);
	wsc_close(&wr[0]);
	wsc_close(&s1);
	wsc_close(&s2);
	return CHECK_DONE();
}

/* --- flood: a writer that never reads its replies ------------------------- */

static int
cmd_flood(void)
{
	/* 32 bytes a line, each "expected a letter" */
	static const char bad[] = "= this line is not a value ....\n";
	static const char pong[] = "{\"pong\": true}";
	struct pollfd pfd[2];
	char *buf, got[200], want[200];
	size_t len, off = 0, bl = sizeof bad - 1;
	long i, rss0, rss1, pings = 0, replies = 0, next_line = 1, bytes = 0;
	long long t0, t_written = 0, t_done = 0, deadline, sent_at = 0;
	long long worst = 0, dropped, errors, checked = 0;
	int rc = 0, n;

	if (nlines <= 0)
		nlines = 100000;
	if (rss_bound_kb <= 0)
		rss_bound_kb = 2048;
	len = (size_t)nlines * bl;
	if (!(buf = malloc(len)))
		die("out of memory");
	for (i = 0; i < nlines; i++)
		memcpy(buf + (size_t)i * bl, bad, bl);
	rc = sub_open(&s1, "Z");
	if (rc == 0)
		rc = sub_open(&s2, "");
	if (rc == 0)
		rc = w_open(0);
	report(rc == 0, "a subscriber of Z, a client that pings, a writer");
	if (rc < 0)
		return CHECK_DONE();
	rss0 = proc_kb("VmRSS");

	/* The flood, written as fast as the server takes it, until the
	 * server has judged every line (letterd_feed_errors_total, every
	 * 10 ms once it is all written); meanwhile a ping as soon as the last
	 * was answered, and each pong must come within 1 s. */
	t0 = wsc_now_ms();
	deadline = t0 + 30000;
	while (rc == 0 && !t_done && wsc_now_ms() < deadline) {
		if (!sent_at) {
			if (wsc_send_text(&s2, "{\"action\": \"ping\"}",
			    t_wait) < 0) {
				rc = whyf("ping: %s", s2.err);
				break;
			}
			sent_at = wsc_now_ms();
			pings++;
		}
		pfd[0].fd = wr[0].fd;
		pfd[0].events = off < len ? POLLOUT : 0;
		pfd[1].fd = s2.fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 5) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (off < len && (pfd[0].revents & (POLLOUT | POLLERR |
		    POLLHUP))) {
			ssize_t k = send(wr[0].fd, buf + off, len - off,
			    MSG_NOSIGNAL);

			if (k > 0)
				off += (size_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EINTR)
				rc = whyf("the writer: %s", strerror(errno));
			if (off == len)
				t_written = wsc_now_ms();
		}
		if (pfd[1].revents) {
			int r = wsc_recv(&s2, &msg, 0);

			if (r == 0) {
				if (msg.opcode != WSC_OP_TEXT ||
				    msg.len != sizeof pong - 1 ||
				    memcmp(msg.data, pong, msg.len)) {
					rc = whyf("expected {\"pong\": true}, "
					    "got %s", wsc_show(&msg));
					break;
				}
				if (wsc_now_ms() - sent_at > worst)
					worst = wsc_now_ms() - sent_at;
				sent_at = 0;
			} else if (r != WSC_TIMEOUT) {
				rc = whyf("the pinging client: %s", s2.err);
			}
		}
		if (sent_at && wsc_now_ms() - sent_at > 1000)
			rc = whyf("ping %ld unanswered after 1000 ms", pings);
		if (off == len && wsc_now_ms() - checked >= 10) {
			checked = wsc_now_ms();
			if (metric("letterd_feed_errors_total") == nlines)
				t_done = wsc_now_ms();
		}
	}
	if (rc == 0 && !t_done)
		rc = whyf("letterd_feed_errors_total did not reach %ld within "
		    "30 s", nlines);
	figure("flood: %ld bad lines (%zu bytes) written in %lld ms, never "
	    "read; the server had judged them all after %lld ms; %ld pings "
	    "meanwhile, slowest pong %lld ms", nlines, len,
	    t_written ? t_written - t0 : -1, t_done ? t_done - t0 : -1,
	    pings, worst);
	report(rc == 0 && off == len && pings > 0, "the flood is written "
	    "and judged (%zu of %zu bytes) and every ping meanwhile (%ld) got "
	    "{\"pong\": true} within 1 s", off, len, pings);
	rc = metric_is("letterd_feed_errors_total", nlines);
	report(rc == 0, "letterd_feed_errors_total reaches %ld", nlines);
	dropped = metric("letterd_feed_replies_dropped_total");
	rss1 = proc_kb("VmRSS");
	figure("flood: letterd_feed_replies_dropped_total %lld; server VmRSS "
	    "%ld kB before, %ld kB after (%+ld kB)", dropped, rss0, rss1,
	    rss1 - rss0);
	whyf("letterd_feed_replies_dropped_total is %lld", dropped);
	report(dropped > 0, "replies the writer did not read were dropped and "
	    "counted");
	whyf("VmRSS %ld kB before, %ld kB after", rss0, rss1);
	report(rss0 > 0 && rss1 > 0 && rss1 - rss0 < rss_bound_kb, "the "
	    "server's VmRSS grew by less than %ld kB", rss_bound_kb);
	rc = wsc_send_text(&s2, "{\"action\": \"ping\"}", t_wait) == 0 ?
	    expect_text(&s2, "{\"pong\": true}", 1000) : wfail(&s2);
	report(rc == 0, "a ping after the flood is answered within 1 s");

	/* Now the writer reads: whole replies, numbered in order, and as
	 * many as letterd did not drop. */
	rc = 0;
	while ((n = wsc_read_line(&wr[0], got, sizeof got, 300)) >= 0) {
		long line;
		char tail;

		if (sscanf(got, "error: expected a letter (line %ld%c", &line,
		    &tail) != 2 || tail != ')' ||
		    strlen(got) != (size_t)snprintf(want, sizeof want,
		    "error: expected a letter (line %ld)", line) ||
		    line < next_line || line > nlines) {
			rc = whyf("reply %ld: unexpected \"%s\"", replies + 1,
			    got);
			break;
		}
		next_line = line + 1;
		replies++;
		bytes += n + 1;
	}
	if (rc == 0 && (n != WSC_TIMEOUT || wr[0].in_len != wr[0].in_off))
		rc = whyf("after %ld replies: %s", replies, wr[0].err);
	figure("flood: the writer then read %ld replies (%ld bytes), the last "
	    "for line %ld; %lld were dropped", replies, bytes,
	    next_line - 1, dropped);
	if (rc == 0 && replies + dropped != nlines)
		rc = whyf("%ld replies read + %lld dropped != %ld bad lines",
		    replies, dropped, nlines);
	report(rc == 0, "the replies it reads are whole lines in line order, "
	    "and read + dropped = %ld", nlines);
	rc = w_puts(0, "Z 1\n1\n");
	if (rc == 0)
		rc = expect_value(&s1, 'Z', "1");
	if (rc == 0)
		rc = w_reply(0, "expected a letter", nlines + 2);
	report(rc == 0, "the writer is served again: \"Z 1\" published, the "
	    "next bad line answered as line %ld", nlines + 2);
	errors = metric("letterd_feed_errors_total");
	whyf("letterd_feed_errors_total %lld", errors);
	report(errors == nlines + 1, "letterd_feed_errors_total = %ld",
	    nlines + 1);
	free(buf);
	wsc_close(&wr[0]);
	wsc_close(&s1);
	wsc_close(&s2);
	return CHECK_DONE();
}

/* --- relay: a relay of a feed-driven origin -------------------------------- */

static int
cmd_relay(void)
{
	static const struct form rforms[] = {
		{ "T 21.5\n", "{\"T\": 21.5}" },
		{ "N -7\n", "{\"N\": -7}" },
		{ "E 6.02e23\n", "{\"E\": 6.02e23}" },
		{ "F -0\n", "{\"F\": -0}" },
		{ "G 1E+5\n", "{\"G\": 1E+5}" },
		{ "H 1e999\n", "{\"H\": 1e999}" },
		{ "I -0.0e-0\n", "{\"I\": -0.0e-0}" },
		{ "J -1234567890123456789012345678901\n",
		  "{\"J\": -1234567890123456789012345678901}" },
		{ "k 0.000001\n", "{\"K\": 0.000001}" },
	};
	char *buf, line[32];
	size_t i, len = 0;
	long v, burst = 500;
	long long deadline;
	int rc;

	rc = sub_open(&s1, "TNEFGHIJK");
	if (rc == 0)
		rc = sub_open_on(&s3, origin_port, "T");
	if (rc == 0)
		rc = silent(&s1, quiet_ms, "the relay's client before any value");
	if (rc == 0)
		rc = w_open(0);
	report(rc == 0, "a client of the relay, subscribed before any value, "
	    "gets nothing");
	if (rc < 0)
		return CHECK_DONE();
	for (i = 0; i < sizeof rforms / sizeof rforms[0]; i++) {
		char q[100];

		rc = w_puts(0, rforms[i].line);
		if (rc == 0)
			rc = expect_text(&s1, rforms[i].want, t_wait);
		report(rc == 0, "origin fed %s -> the relay's client gets %s",
		    wsc_quote(q, sizeof q, rforms[i].line,
		    strlen(rforms[i].line)), rforms[i].want);
	}
	rc = expect_text(&s3, "{\"T\": 21.5}", t_wait);
	report(rc == 0, "the origin's own client got {\"T\": 21.5} too");

	/* a burst of one letter: every value, in order, through the relay */
	if (!(buf = malloc((size_t)burst * 16)))
		die("out of memory");
	for (v = 1; v <= burst; v++)
		len += (size_t)sprintf(buf + len, "T %ld\n", v);
	rc = w_put(0, buf, len);
	free(buf);
	deadline = wsc_now_ms() + 10000;
	for (v = 1; rc == 0 && v <= burst; v++) {
		long got;

		if (wsc_recv(&s1, &msg, until(deadline)) < 0)
			rc = whyf("value %ld of T: %s", v, s1.err);
		else if (int_value_of(&msg, &got) != 'T' || got != v)
			rc = whyf("expected {\"T\": %ld}, got %s", v, wsc_show(&msg));
	}
	report(rc == 0, "%ld values of T written at once reach the relay's "
	    "client, every one, in order", burst);
	rc = sub_open(&s2, "TNE");
	snprintf(line, sizeof line, "%ld", burst);
	if (rc == 0)
		rc = expect_value(&s2, 'T', line);
	if (rc == 0)
		rc = expect_value(&s2, 'N', "-7");
	if (rc == 0)
		rc = expect_value(&s2, 'E', "6.02e23");
	report(rc == 0, "a later client of the relay gets the current values "
	    "at once");
	wsc_close(&wr[0]);
	wsc_close(&s1);
	wsc_close(&s2);
	wsc_close(&s3);
	return CHECK_DONE();
}

/* --- ping, expect, metric -------------------------------------------------- */

static int
cmd_ping(void)
{
	long long t0;
	int rc;

	rc = sub_open(&s1, "");
	t0 = wsc_now_ms();
	if (rc == 0 && wsc_send_text(&s1, "{\"action\": \"ping\"}", t_wait) < 0)
		rc = wfail(&s1);
	if (rc == 0)
		rc = expect_text(&s1, "{\"pong\": true}", 1000);
	figure("ping (%s): pong after %lld ms", what, wsc_now_ms() - t0);
	report(rc == 0, "%s: {\"action\": \"ping\"} -> {\"pong\": true} within "
	    "1 s", what);
	if (rc == 0 && (wsc_send_text(&s1, "{\"action\":\"ping\"}", t_wait) < 0 ||
	    wsc_send_text(&s1, " { \"action\" : \"ping\" } ", t_wait) < 0))
		rc = wfail(&s1);
	if (rc == 0)
		rc = expect_text(&s1, "{\"pong\": true}", t_wait);
	if (rc == 0)
		rc = expect_text(&s1, "{\"pong\": true}", t_wait);
	if (rc == 0)
		rc = silent(&s1, 100, "after two pongs");
	report(rc == 0, "%s: two pings written differently, two pongs, nothing "
	    "more", what);
	wsc_close(&s1);
	return CHECK_DONE();
}

static int
cmd_expect(void)
{
	const char *l;
	char line[300];
	long v;
	int i, rc;

	rc = sub_open(&s1, "");
	for (l = letters_opt; rc == 0 && *l; l++)
		rc = sub_cmd(&s1, "subscribe", *l);
	/* Lines to write: the subscriptions first take effect (commands are
	 * answered in order, and the letters have no value yet). */
	if (rc == 0 && (nwlines || ready_file) && wsc_send_text(&s1,
	    "{\"action\": \"ping\"}", t_wait) < 0)
		rc = wfail(&s1);
	if (rc == 0 && (nwlines || ready_file))
		rc = expect_text(&s1, "{\"pong\": true}", t_wait);
	if (rc == 0 && ready_file) {
		FILE *f = fopen(ready_file, "w");

		if (!f || fclose(f) != 0)
			rc = whyf("%s: %s", ready_file, strerror(errno));
	}
	if (rc == 0 && nwlines)
		rc = w_open(0);
	for (i = 0; rc == 0 && i < nwlines; i++) {
		snprintf(line, sizeof line, "%s\n", wlines[i]);
		rc = w_puts(0, line);
	}
	for (i = 0; rc == 0 && i < ntexts; i++)
		rc = expect_text(&s1, texts[i], t_wait);
	for (v = 1; rc == 0 && v <= count; v++) {
		char num[24];

		snprintf(num, sizeof num, "%ld", v);
		rc = expect_value(&s1, letters_opt[0], num);
	}
	if (rc == 0)
		rc = silent(&s1, quiet_ms, "after the expected messages");
	if (rc == 0 && nwlines)
		rc = silent(&wr[0], 50, "the writer");
	report(rc == 0, "%s", what);
	wsc_close(&wr[0]);
	wsc_close(&s1);
	return CHECK_DONE();
}

static int
cmd_metric(void)
{
	int rc = metric_is(metric_name, metric_want);

	report(rc == 0, "%s (%s %lld)", what, metric_name, metric_want);
	return CHECK_DONE();
}

/* --- listen: a listener on a socket path that is not letterd ------------- */

static int backlog = 8, pending_n;
static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* Listens on PATH with the given backlog and makes pending_n connections
 * to itself that it does not accept (so that with backlog 0 and one
 * pending, the queue is full); makes the ready file, waits for SIGTERM
 * (60 s at most), then accepts what is waiting: it must still work. */
static int
cmd_listen(void)
{
	struct sockaddr_un sa;
	int fd, c, i, got = 0;
	long long deadline;
	FILE *f;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof sa.sun_path)
		die("%s: too long", sock_path);
	strcpy(sa.sun_path, sock_path);
	signal(SIGTERM, on_term);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, backlog) < 0)
		die("listen on %s: %s", sock_path, strerror(errno));
	for (i = 0; i < pending_n; i++) {
		if ((c = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			die("socket: %s", strerror(errno));
		fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
		if (connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
			die("connection %d to myself: %s", i + 1,
			    strerror(errno));
	}
	if (ready_file && (!(f = fopen(ready_file, "w")) || fclose(f) != 0))
		die("%s: %s", ready_file, strerror(errno));
	deadline = wsc_now_ms() + 60000;
	while (!got_term && wsc_now_ms() < deadline)
		wsc_sleep_ms(20);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((c = accept(fd, NULL, NULL)) >= 0) {
		close(c);
		got++;
	}
	whyf("accepted %d", got);
	report(got_term && got >= pending_n, "the listener (backlog %d, %d "
	    "waiting of its own) still works after letterd's try: it "
	    "accepted %d", backlog, pending_n, got);
	close(fd);
	unlink(sock_path);
	return CHECK_DONE();
}

/* --- main ----------------------------------------------------------------- */

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		die("bad number %s", s);
	return v;
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int ch;

	if (argc < 2)
		die("usage: ftest basic|long|writers|burst|flood|relay|ping|"
		    "expect|metric|listen [options]");
	cmd = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	wsc_seed((uint64_t)wsc_now_ms() ^ (uint64_t)getpid() << 32);
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, "b:c:Cd:e:k:l:m:n:o:p:q:r:s:w:x:P:R:W")) != -1) {
		switch (ch) {
		case 'd': what = optarg; break;
		case 'e': metric_want = num(optarg, 0, LONG_MAX); break;
		case 'l': letters_opt = optarg; break;
		case 'm': metric_name = optarg; break;
		case 'n': nlines = num(optarg, 1, 10000000); break;
		case 'o': origin_port = (int)num(optarg, 1, 65535); break;
		case 'p': port = (int)num(optarg, 1, 65535); break;
		case 'q': quiet_ms = (int)num(optarg, 0, 60000); break;
		case 'r': ready_file = optarg; break;
		case 's': sock_path = optarg; break;
		case 'w':
			if (nwlines == MAX_LIST)
				die("too many -w");
			wlines[nwlines++] = optarg;
			break;
		case 'x':
			if (ntexts == MAX_LIST)
				die("too many -x");
			texts[ntexts++] = optarg;
			break;
		case 'P': server_pid = num(optarg, 1, LONG_MAX); break;
		case 'R': rss_bound_kb = num(optarg, 1, LONG_MAX); break;
		case 'W': wide = 1; break;
		case 'C': close_after = 1; break;
		case 'c': count = num(optarg, 1, 10000000); break;
		case 'b': backlog = (int)num(optarg, 0, 4096); break;
		case 'k': pending_n = (int)num(optarg, 0, 64); break;
		default: die("bad option");
		}
	}
	if (!strcmp(cmd, "listen")) {
		if (!sock_path)
			die("listen needs -s PATH");
		return cmd_listen();
	}
	if (!port)
		die("-p PORT is needed");
	if (!strcmp(cmd, "basic") || !strcmp(cmd, "long") ||
	    !strcmp(cmd, "writers") || !strcmp(cmd, "burst") ||
	    !strcmp(cmd, "flood") || !strcmp(cmd, "relay"))
		if (!sock_path)
			die("%s needs -s PATH", cmd);
	if ((!strcmp(cmd, "burst") || !strcmp(cmd, "flood")) && !server_pid)
		die("%s needs -P PID", cmd);
	if (!strcmp(cmd, "basic"))
		return cmd_basic();
	if (!strcmp(cmd, "long"))
		return cmd_long();
	if (!strcmp(cmd, "writers"))
		return cmd_writers();
	if (!strcmp(cmd, "burst"))
		return cmd_burst();
	if (!strcmp(cmd, "flood"))
		return cmd_flood();
	if (!strcmp(cmd, "relay")) {
		if (!origin_port)
			die("relay needs -o ORIGIN");
		return cmd_relay();
	}
	if (!strcmp(cmd, "ping"))
		return cmd_ping();
	if (!strcmp(cmd, "expect"))
		return cmd_expect();
	if (!strcmp(cmd, "metric")) {
		if (!metric_name || metric_want < 0)
			die("metric needs -m NAME -e VALUE");
		return cmd_metric();
	}
	die("unknown command %s", cmd);
	return 2;
}
