/* SPDX-License-Identifier: ISC */
/*
 * fuzz_line.c - the feed's line parser, line_feed() and line_end(), with
 * json_number_span() under it.
 *
 * Input: the whole input is what a writer sends to the feed; its last
 * byte also seeds the random splits (so a seed file is plain text).
 *
 * The stream is fed three ways, each as the feed's caller feeds it: it
 * keeps what line_feed did not consume (at most LINE_MAX_LEN bytes),
 * appends what it reads next (see line_read for where), calls
 * line_feed again while it reports events, and at the end of input hands
 * what it still holds to line_end:
 *
 *   A. whole, in one read;
 *   B. in random pieces;
 *   C. one byte at a time.
 *
 * Every call is checked on the spot: line_feed consumed at most what it was
 * given, something for every event, nothing for LINE_NONE unless it was
 * skipping the tail of a line too long; after LINE_NONE the caller holds at
 * most LINE_MAX_LEN bytes and no LF; a value lies in the caller's buffer.
 *
 * Then every event sequence is compared with a reference written from the
 * line protocol's definition in another shape: the stream is cut at its
 * LFs, and each line, fields split at blanks, is judged as a whole --
 * too long, ignored, one letter and one RFC 8259 number (checked by a
 * state machine of the grammar, not by json.c), or which error.  Event i
 * must be line i + 1's, with the same type, letter, value bytes and
 * reason, and must have been reported by the read that brought the byte
 * deciding it: the line's LF, or its 257th byte when it is too long.  So
 * the three ways agree with each other and the line numbers go up by one
 * per line.  Last, json_number_span is checked against the state machine
 * on the input's first bytes.
 */
#include "fuzz.h"
#include "json.h"
#include "line.h"

struct line_got {
	int type, letter;
	char value[LINE_VALUE_MAX];
	size_t value_len;
	const char *why;
	uint64_t line;
	size_t from, to;      /* the read that reported it: stream[from..to) */
};

struct line_log {
	struct line_got *ev;
	size_t n, cap;
};

/* The caller's side: the bytes it keeps, the stream fed so far. */
struct line_caller {
	struct line_rx rx;
	char held[LINE_MAX_LEN];
	size_t held_len;
	size_t fed;
	char *block;          /* LINE_MAX_LEN + 1 bytes on the heap */
};

static const char *const line_names[] = { "NONE", "VALUE", "IGNORED", "ERROR" };

/* ---- The reference --------------------------------------------------- */

/* RFC 8259 6 as a state machine: number = [ minus ] int [ frac ] [ exp ].
 * States: 0 start, 1 after '-', 2 after a leading '0', 3 in the integer
 * digits, 4 after '.', 5 in the fraction, 6 after 'e', 7 after its sign,
 * 8 in the exponent.  2, 3, 5 and 8 may end a number. */
static int
ref_number(const char *s, size_t n)
{
	size_t i;
	int st = 0, c, digit;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		digit = c >= '0' && c <= '9';
		switch (st) {
		case 0: st = c == '-' ? 1 : c == '0' ? 2 : digit ? 3 : -1; break;
		case 1: st = c == '0' ? 2 : digit ? 3 : -1; break;
		case 2: st = c == '.' ? 4 : c == 'e' || c == 'E' ? 6 : -1; break;
		case 3: case 5:
			st = digit ? st : c == 'e' || c == 'E' ? 6 :
			    c == '.' && st == 3 ? 4 : -1;
			break;
		case 4: st = digit ? 5 : -1; break;
		case 6: st = c == '+' || c == '-' ? 7 : digit ? 8 : -1; break;
		case 7: case 8: st = digit ? 8 : -1; break;
		}
		if (st < 0)
			return 0;
	}
	return st == 2 || st == 3 || st == 5 || st == 8;
}

static int
ref_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
ref_letter(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* What one line must give.  s[0..n) is the line without its LF; last is
 * set for the bytes after the last LF, handed to line_end. */
static void
ref_line(const char *s, size_t n, int last, struct line_got *g)
{
	size_t i, f[3][2], nf = 0;   /* the first three fields: [start, end) */
	int c;

	memset(g, 0, sizeof(*g));
	g->type = LINE_ERROR;
	if (n > LINE_MAX_LEN) {
		g->why = "line too long";
		return;
	}
	if (!last && n > 0 && s[n - 1] == '\r')
		n--;
	for (i = 0; i < n && ref_blank(s[i]); i++)
		;
	if (i == n || s[i] == '#') {
		g->type = LINE_IGNORED;
		return;
	}
	if (last) {
		g->why = "line cut short at end of input";
		return;
	}
	for (; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\r' || ((c < 0x20 || c > 0x7e) && c != '\t')) {
			g->why = c == '\r' ? "stray carriage return" :
			    "control or non-ASCII byte";
			return;
		}
		if (ref_blank(c))
			continue;
		if (i == 0 || ref_blank(s[i - 1])) {
			if (nf < 3)
				f[nf][0] = i;
			nf++;
		}
		if (nf <= 3)
			f[nf - 1][1] = i + 1;
	}
	if (!ref_letter(s[f[0][0]]))
		g->why = "expected a letter";
	else if (f[0][1] - f[0][0] > 1)
		g->why = ref_letter(s[f[0][0] + 1]) ? "more than one letter" :
		    "expected a space or tab after the letter";
	else if (nf < 2)
		g->why = "expected a number";
	else if (!ref_number(s + f[1][0], f[1][1] - f[1][0]))
		g->why = "invalid number";
	else if (f[1][1] - f[1][0] > LINE_VALUE_MAX)
		g->why = "number longer than 32 bytes";
	else if (nf > 2)
		g->why = "unexpected text after the number";
	else {
		g->type = LINE_VALUE;
		g->letter = (s[f[0][0]] | 0x20) - 'a';
		g->value_len = f[1][1] - f[1][0];
		memcpy(g->value, s + f[1][0], g->value_len);
	}
}

/* ---- Feeding ---------------------------------------------------------- */

static void
line_add(struct line_log *log, const struct line_ev *ev, size_t from, size_t to)
{
	struct line_got *g;

	if (log->n == log->cap) {
		log->cap = log->cap ? 2 * log->cap : 64;
		log->ev = realloc(log->ev, log->cap * sizeof(*log->ev));
		FUZZ_CHECK(log->ev != NULL, "out of memory");
	}
	g = &log->ev[log->n++];
	memset(g, 0, sizeof(*g));
	g->type = ev->type;
	g->why = ev->type == LINE_ERROR ? ev->why : NULL;
	g->line = ev->line;
	g->from = from;
	g->to = to;
	if (ev->type == LINE_VALUE) {
		g->letter = ev->letter;
		g->value_len = ev->value_len;
		memcpy(g->value, ev->value, ev->value_len);
	}
}

/* One read of p[0..k): what the caller holds and p, in one exact block. */
static void
line_read(struct line_caller *c, struct line_log *log, const uint8_t *p, size_t k)
{
	size_t len = c->held_len + k, off = 0, used;
	char *buf;
	struct line_ev ev;
	int skipping;

	/* A short read goes to the end of the caller's block, where
	 * AddressSanitizer's red zone begins; a longer one to a block of its
	 * own.  Either way a look one byte past the end is caught, and the
	 * thousands of one-byte reads of C cost no malloc each.  (A look
	 * before the start is caught only in a block of its own: in A, and
	 * in B's longer reads.) */
	buf = len <= LINE_MAX_LEN + 1 ? c->block + (LINE_MAX_LEN + 1 - len) :
	    (char *)fuzz_zalloc(len);

	memcpy(buf, c->held, c->held_len);
	if (k)
		memcpy(buf + c->held_len, p, k);
	c->fed += k;
	for (;;) {
		skipping = c->rx.skipping;
		used = line_feed(&c->rx, buf + off, len - off, &ev);
		FUZZ_CHECK(used <= len - off, "consumed %zu of %zu", used, len - off);
		off += used;
		if (ev.type == LINE_NONE) {
			FUZZ_CHECK(!used || skipping, "LINE_NONE consumed %zu bytes", used);
			break;
		}
		FUZZ_CHECK(ev.type == LINE_VALUE || ev.type == LINE_IGNORED ||
		    ev.type == LINE_ERROR, "event type %d", ev.type);
		FUZZ_CHECK(used > 0, "%s consumed nothing", line_names[ev.type]);
		FUZZ_CHECK(ev.type != LINE_ERROR || ev.why != NULL, "no reason");
		if (ev.type == LINE_VALUE)
			FUZZ_CHECK(ev.value >= buf + off - used && ev.value_len >= 1 &&
			    ev.value_len <= LINE_VALUE_MAX &&
			    ev.value + ev.value_len <= buf + off,
			    "value of %zu bytes outside what the call consumed", ev.value_len);
		line_add(log, &ev, c->fed - k, c->fed);
	}
	FUZZ_CHECK(len - off <= LINE_MAX_LEN, "the caller holds %zu bytes", len - off);
	FUZZ_CHECK(!memchr(buf + off, '\n', len - off), "an LF left to the caller");
	c->held_len = len - off;
	memcpy(c->held, buf + off, c->held_len);
	if (len > LINE_MAX_LEN + 1)
		free(buf);
}

/* Feeds s[0..n) whole (mode 0), in random pieces (1) or byte by byte (2),
 * then ends the input. */
static void
line_run(struct line_log *log, const uint8_t *s, size_t n, int mode,
         struct fuzz_rng *rng)
{
	struct line_caller c;
	struct line_ev ev;
	size_t k;
	char *rest;

	memset(log, 0, sizeof(*log));
	memset(&c, 0, sizeof(c));
	line_rx_init(&c.rx);
	c.block = (char *)fuzz_zalloc(LINE_MAX_LEN + 1);
	while (c.fed < n) {
		k = mode == 0 ? n : mode == 1 ? fuzz_rng_piece(rng, n - c.fed) : 1;
		line_read(&c, log, s + c.fed, k);
	}
	rest = (char *)fuzz_dup(c.held, c.held_len);
	line_end(&c.rx, rest, c.held_len, &ev);
	FUZZ_CHECK(ev.type != LINE_VALUE, "line_end gave a value");
	if (ev.type != LINE_NONE)
		line_add(log, &ev, n, n);
	FUZZ_CHECK(c.rx.line == log->n, "rx.line is %llu after %zu lines",
	    (unsigned long long)c.rx.line, log->n);
	free(rest);
	free(c.block);
}

/* ---- Comparing -------------------------------------------------------- */

/* The log against the reference, line by line (see the top). */
static void
line_check(const struct line_log *log, const uint8_t *s, size_t n, const char *how)
{
	const char *p = (const char *)s;
	size_t start = 0, k = 0, end, decide;
	const uint8_t *lf;
	struct line_got want;

	while (start < n) {
		const struct line_got *g = &log->ev[k];

		lf = memchr(s + start, '\n', n - start);
		end = lf ? (size_t)(lf - s) : n;
		ref_line(p + start, end - start, !lf, &want);
		decide = end - start > LINE_MAX_LEN ? start + LINE_MAX_LEN + 1 :
		    lf ? end + 1 : n;
		FUZZ_CHECK(k < log->n, "%s: no event for line %zu", how, k + 1);
		FUZZ_CHECK(g->line == k + 1, "%s: event %zu has line %llu", how, k,
		    (unsigned long long)g->line);
		FUZZ_CHECK(g->type == want.type, "%s: line %zu is %s (%s), want %s (%s)",
		    how, k + 1, line_names[g->type], g->why ? g->why : "",
		    line_names[want.type], want.why ? want.why : "");
		FUZZ_CHECK(g->type != LINE_ERROR || !strcmp(g->why, want.why),
		    "%s: line %zu: \"%s\", want \"%s\"", how, k + 1, g->why, want.why);
		FUZZ_CHECK(g->type != LINE_VALUE || (g->letter == want.letter &&
		    g->value_len == want.value_len &&
		    !memcmp(g->value, want.value, g->value_len)),
		    "%s: line %zu: %c \"%.*s\", want %c \"%.*s\"", how, k + 1,
		    'A' + g->letter, (int)g->value_len, g->value, 'A' + want.letter,
		    (int)want.value_len, want.value);
		FUZZ_CHECK(g->from < decide ? decide <= g->to : decide == n && g->from == n,
		    "%s: line %zu decided by byte %zu, reported by the read of "
		    "[%zu, %zu)", how, k + 1, decide, g->from, g->to);
		k++;
		start = end + 1;
	}
	FUZZ_CHECK(k == log->n, "%s: %zu events for %zu lines", how, log->n, k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_log logs[3];
	static const char *const how[] = { "whole", "random pieces", "byte by byte" };
	struct fuzz_rng rng;
	size_t i, k;

	fuzz_rng_init(&rng, size ? data[size - 1] : 0);
	for (i = 0; i < 3; i++) {
		line_run(&logs[i], data, size, (int)i, &rng);
		line_check(&logs[i], data, size, how[i]);
		free(logs[i].ev);
	}
	/* json_number_span against the state machine on every prefix of the
	 * first bytes, and on the bytes after the first blank */
	for (k = 0; k <= size && k <= 40; k++)
		FUZZ_CHECK((json_number_span((const char *)data, k) == k && k > 0) ==
		    ref_number((const char *)data, k), "json_number_span of %zu bytes", k);
	for (i = 0; i < size && !ref_blank(data[i]); i++)
		;
	for (k = 0; i < size && k <= size - i && k <= 40; k++)
		FUZZ_CHECK((json_number_span((const char *)data + i, k) == k && k > 0) ==
		    ref_number((const char *)data + i, k), "json_number_span of %zu bytes", k);
	return 0;
}
