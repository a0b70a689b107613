/* SPDX-License-Identifier: ISC */
/*
 * unit_line.c - tests of line.c, the feed's line parser, and of
 * json_number_span, the RFC 8259 6 number check it is built on.
 *
 * A writer's bytes reach the parser as the kernel hands them over: a line
 * may be cut anywhere, and many lines may come in one read.  So every
 * stream below is fed whole, cut in two at every place, in pieces of a few
 * sizes, in random pieces and one byte at a time, each time the way the
 * feed's caller does it: it keeps the bytes line_feed did not consume,
 * appends what it reads next, and calls line_feed again on the lot.  Each
 * call gets a malloc'd block of exactly its size, so that under
 * -fsanitize=address a look one byte too far crashes.  The events -- type,
 * letter, the exact bytes of the value, the reason and the line number --
 * must come out the same every way, and equal to what the test expects.
 * On the way the caller's side of the contract is checked: after
 * LINE_NONE it never holds more than LINE_MAX_LEN bytes, and never an LF.
 *
 * Fed one byte at a time, each event must come out with the byte that
 * decides it: the LF of its line, or the 257th byte of a line too long.
 *
 * Loops that run thousands of cases count their failures and make one
 * CHECK that reports the first, so that the total stays readable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "line.h"

/* A string literal and its length, NUL bytes inside it included. */
#define LIT(s) s, sizeof s - 1
#define COUNT(a) (sizeof a / sizeof a[0])

#define TOO_LONG  "line too long"
#define CUT_SHORT "line cut short at end of input"
#define NOT_ASCII "control or non-ASCII byte"
#define STRAY_CR  "stray carriage return"
#define NO_LETTER "expected a letter"
#define TWO       "more than one letter"
#define NO_BLANK  "expected a space or tab after the letter"
#define NO_NUMBER "expected a number"
#define INVALID   "invalid number"
#define LONG_NUM  "number longer than 32 bytes"
#define TRAILING  "unexpected text after the number"

/* ---- json_number_span ---------------------------------------------------- */

static const struct {
	const char *in;
	size_t n, span;
} spans[] = {
	{ LIT("0"), 1 }, { LIT("-0"), 2 }, { LIT("7"), 1 }, { LIT("1234"), 4 },
	{ LIT("-7"), 2 }, { LIT("21.5"), 4 }, { LIT("6.02e23"), 7 },
	{ LIT("1E-3"), 4 }, { LIT("1e+5"), 4 }, { LIT("-0.0e-0"), 7 },
	{ LIT("0.000"), 5 }, { LIT("1e999"), 5 },
	/* a number, then something that cannot continue it */
	{ LIT("01"), 1 }, { LIT("00"), 1 }, { LIT("-01"), 2 },
	{ LIT("0x10"), 1 }, { LIT("1.5.2"), 3 }, { LIT("1e5e"), 3 },
	{ LIT("12 "), 2 }, { LIT("1,5"), 1 }, { LIT("5\0"), 1 },
	/* a '.', 'e' or '-' that is not followed by what it needs */
	{ LIT("1."), 0 }, { LIT("1.e5"), 0 }, { LIT("1e"), 0 }, { LIT("1e+"), 0 },
	{ LIT("1E-"), 0 }, { LIT("-"), 0 }, { LIT("--1"), 0 }, { LIT("-.5"), 0 },
	/* not a number at all */
	{ LIT(""), 0 }, { LIT("+1"), 0 }, { LIT(".5"), 0 }, { LIT("NaN"), 0 },
	{ LIT("Infinity"), 0 }, { LIT("-Infinity"), 0 }, { LIT("\"1\""), 0 },
	{ LIT(" 1"), 0 }, { LIT("e5"), 0 }, { LIT("\xd9\xa1"), 0 },
};

static void test_json_number_span(void)
{
	size_t i, got;

	for (i = 0; i < COUNT(spans); i++) {
		uint8_t *p = test_dup(spans[i].in, spans[i].n);

		got = json_number_span((const char *)p, spans[i].n);
		CHECK(got == spans[i].span, "json_number_span(\"%.*s\") = %zu, want %zu",
		      (int)spans[i].n, spans[i].in, got, spans[i].span);
		free(p);
	}
	/* the bound is n, not a NUL: a number cut at n ends there */
	CHECK(json_number_span("1234", 2) == 2, "json_number_span(\"1234\", 2)");
	CHECK(json_number_span("1.5", 2) == 0, "json_number_span(\"1.5\", 2)");
	CHECK(json_number_span(NULL, 0) == 0, "json_number_span(NULL, 0)");
}

/* ---- Feeding the way the caller does ------------------------------------ */

#define MAX_EVS 512

struct line_got {
	int type, letter;
	char value[LINE_VALUE_MAX + 1];  /* a copy */
	size_t value_len;
	const char *why;
	uint64_t line;
	size_t at;        /* stream bytes handed over when it was reported */
};

/* The caller: the bytes it keeps between reads, and what it saw. */
struct feeder {
	struct line_rx rx;
	char held[LINE_MAX_LEN];
	size_t n;             /* bytes in held */
	size_t fed;           /* stream bytes handed over so far */
	struct line_got e[MAX_EVS];
	size_t ne;
	const char *broken;   /* how the parser broke its contract, or NULL */
};

static void feeder_add(struct feeder *f, const struct line_ev *ev,
                       const char *buf, size_t len)
{
	struct line_got *g;

	if (f->ne == MAX_EVS) {
		f->broken = "too many events";
		return;
	}
	if (ev->type == LINE_VALUE &&
	    (ev->value_len == 0 || ev->value_len > LINE_VALUE_MAX ||
	     ev->value < buf || ev->value + ev->value_len > buf + len)) {
		f->broken = "a value outside the buffer or of a bad length";
		return;
	}
	if (ev->type == LINE_ERROR && ev->why == NULL) {
		f->broken = "an error without a reason";
		return;
	}
	g = &f->e[f->ne++];
	memset(g, 0, sizeof *g);
	g->type = ev->type;
	g->letter = ev->type == LINE_VALUE ? ev->letter : -1;
	if (ev->type == LINE_VALUE) {
		memcpy(g->value, ev->value, ev->value_len);
		g->value_len = ev->value_len;
	}
	g->why = ev->type == LINE_ERROR ? ev->why : NULL;
	g->line = ev->line;
	g->at = f->fed;
}

/* One read of p[0..k): appended to what the caller holds, then line_feed
 * until it says LINE_NONE; what is left over is kept. */
static void feeder_read(struct feeder *f, const char *p, size_t k)
{
	size_t len = f->n + k, off = 0, used;
	char *buf = (char *)test_alloc(len);
	struct line_ev ev;
	int skipping;

	memcpy(buf, f->held, f->n);
	memcpy(buf + f->n, p, k);
	f->fed += k;
	while (!f->broken) {
		skipping = f->rx.skipping;
		used = line_feed(&f->rx, buf + off, len - off, &ev);
		if (used > len - off) {
			f->broken = "consumed more than it was given";
			break;
		}
		off += used;
		if (ev.type == LINE_NONE) {
			if (used && !skipping)
				f->broken = "no event, but consumed bytes while not skipping";
			break;
		}
		if (used == 0)
			f->broken = "an event that consumed nothing";
		feeder_add(f, &ev, buf + off - used, used);
	}
	if (!f->broken && len - off > LINE_MAX_LEN)
		f->broken = "the caller would hold more than LINE_MAX_LEN bytes";
	else if (!f->broken && memchr(buf + off, '\n', len - off))
		f->broken = "no event, but an LF left over";
	if (!f->broken) {
		f->n = len - off;
		memcpy(f->held, buf + off, f->n);
	}
	free(buf);
}

/* The end of input: the caller hands over what it still holds. */
static void feeder_end(struct feeder *f)
{
	char *buf = (char *)test_dup(f->held, f->n);
	struct line_ev ev;

	line_end(&f->rx, buf, f->n, &ev);
	if (ev.type == LINE_VALUE)
		f->broken = "a value at the end of input";
	else if (ev.type != LINE_NONE)
		feeder_add(f, &ev, buf, f->n);
	if (!f->broken && f->rx.line != f->ne)
		f->broken = "rx.line at the end is not the number of lines";
	free(buf);
}

/* Cuts for the pieces after the first: SIZE_MAX for the rest in one
 * piece, 0 for random sizes drawn from seed, else pieces of that size. */
static void feeder_run(struct feeder *f, const char *in, size_t n, size_t cut,
                       size_t step, uint32_t seed)
{
	size_t off, k;

	memset(f, 0, sizeof *f);
	line_rx_init(&f->rx);
	feeder_read(f, in, cut);
	for (off = cut; off < n && !f->broken; off += k) {
		if (step == 0) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			k = seed % 4 == 0 ? 1 + seed % 600 : 1 + (seed >> 8) % 9;
		} else {
			k = step;
		}
		if (k > n - off)
			k = n - off;
		feeder_read(f, in + off, k);
	}
	if (!f->broken)
		feeder_end(f);
}

/* ---- What a stream should give -------------------------------------------- */

/* An expected event: the line numbers are 1, 2, 3... in order. */
struct want {
	int type;
	char letter;          /* LINE_VALUE: 'A'..'Z' */
	const char *value;    /* LINE_VALUE: the slice, NUL-terminated */
	const char *why;      /* LINE_ERROR */
};

/* Where one byte at a time must report event i: just after the LF that
 * ends its line, or the 257th byte of a line too long, or at the end of
 * input for a line cut short.  Fills at[] for up to max events. */
static size_t deciding_bytes(const char *in, size_t n, size_t *at, size_t max)
{
	size_t start = 0, i, k = 0;

	while (start < n && k < max) {
		const char *lf = memchr(in + start, '\n', n - start);
		size_t end = lf ? (size_t)(lf - in) : n;

		if (end - start > LINE_MAX_LEN)
			at[k++] = start + LINE_MAX_LEN + 1;
		else
			at[k++] = lf ? end + 1 : n;
		start = end + 1;
	}
	for (i = k; i < max; i++)
		at[i] = 0;
	return k;
}

/* 1 if what f saw is want[0..nw); otherwise 0 and why says how. */
static int same(const struct feeder *f, const struct want *w, size_t nw,
                const size_t *at, char *why, size_t cap)
{
	size_t i;

	if (f->broken) {
		snprintf(why, cap, "%s", f->broken);
		return 0;
	}
	for (i = 0; i < f->ne || i < nw; i++) {
		const struct line_got *g = &f->e[i];

		if (i >= f->ne || i >= nw) {
			snprintf(why, cap, "%zu events, want %zu", f->ne, nw);
			return 0;
		}
		if (g->line != i + 1) {
			snprintf(why, cap, "event %zu: line %llu", i,
			         (unsigned long long)g->line);
			return 0;
		}
		if (g->type != w[i].type ||
		    (w[i].type == LINE_VALUE &&
		     (g->letter != w[i].letter - 'A' ||
		      g->value_len != strlen(w[i].value) ||
		      memcmp(g->value, w[i].value, g->value_len) != 0)) ||
		    (w[i].type == LINE_ERROR && strcmp(g->why, w[i].why) != 0)) {
			snprintf(why, cap, "line %zu: type %d %c \"%.*s\" \"%s\", want "
			         "type %d %c \"%s\" \"%s\"", i + 1, g->type,
			         g->letter >= 0 ? 'A' + g->letter : '-',
			         (int)g->value_len, g->value, g->why ? g->why : "",
			         w[i].type, w[i].letter ? w[i].letter : '-',
			         w[i].value ? w[i].value : "", w[i].why ? w[i].why : "");
			return 0;
		}
		if (at != NULL && g->at != at[i]) {
			snprintf(why, cap, "line %zu: reported after byte %zu, want %zu",
			         i + 1, g->at, at[i]);
			return 0;
		}
	}
	return 1;
}

/* Whether to try cutting a stream at cut: always in a stream of up to
 * 4096 bytes; in a longer one, about 200 cuts spread over it and every
 * cut within 300 bytes of its ends or of an LF, where lines start and end
 * and where the 256-byte limit is decided. */
static int near_lf(const char *in, size_t n, size_t cut)
{
	size_t lo = cut > 300 ? cut - 300 : 0, hi = cut + 300 < n ? cut + 300 : n;

	if (n <= 4096 || cut % (n / 199) == 0 || lo == 0 || hi == n)
		return 1;
	return memchr(in + lo, '\n', hi - lo) != NULL;
}

/* Feeds the stream every way (see the top) and compares with want. */
static void stream(const char *name, const char *in, size_t n,
                   const struct want *w, size_t nw)
{
	static const size_t steps[] = { 2, 3, 7, 64, 255, 256, 257, 1000 };
	static struct feeder f;
	size_t *at = malloc((nw + 1) * sizeof *at);
	size_t cut, i, bad = 0, first = 0;
	char why[300], why1[300] = "";
	uint32_t seed;

	if (at == NULL)
		exit(2);
	CHECK(deciding_bytes(in, n, at, nw + 1) == nw,
	      "%s: the test expects %zu events for %zu lines", name, nw,
	      deciding_bytes(in, n, at, nw + 1));

	feeder_run(&f, in, n, n, SIZE_MAX, 0);
	CHECK(same(&f, w, nw, NULL, why, sizeof why), "%s, whole: %s", name, why);

	for (cut = 0; cut < n; cut++) {
		if (!near_lf(in, n, cut))
			continue;
		feeder_run(&f, in, n, cut, SIZE_MAX, 0);
		if (!same(&f, w, nw, NULL, why, sizeof why) && bad++ == 0) {
			first = cut;
			memcpy(why1, why, sizeof why);
		}
	}
	CHECK(bad == 0, "%s: %zu cuts wrong, first at %zu of %zu: %s", name, bad,
	      first, n, why1);

	for (i = 0, bad = 0; i < COUNT(steps); i++) {
		feeder_run(&f, in, n, 0, steps[i], 0);
		if (!same(&f, w, nw, NULL, why, sizeof why) && bad++ == 0) {
			first = steps[i];
			memcpy(why1, why, sizeof why);
		}
	}
	CHECK(bad == 0, "%s: in pieces of %zu: %s", name, first, why1);

	for (seed = 1, bad = 0; seed <= 64; seed++) {
		feeder_run(&f, in, n, 0, 0, seed * 2654435761u);
		if (!same(&f, w, nw, NULL, why, sizeof why) && bad++ == 0) {
			first = seed;
			memcpy(why1, why, sizeof why);
		}
	}
	CHECK(bad == 0, "%s: random pieces, seed %zu: %s", name, first, why1);

	feeder_run(&f, in, n, 0, 1, 0);
	CHECK(same(&f, w, nw, at, why, sizeof why), "%s, byte by byte: %s", name,
	      why);
	free(at);
}

/* ---- One line at a time ---------------------------------------------------- */

#define V(s, l, v)  { s, sizeof s - 1, LINE_VALUE, l, v, NULL }
#define I(s)        { s, sizeof s - 1, LINE_IGNORED, 0, NULL, NULL }
#define E(s, why)   { s, sizeof s - 1, LINE_ERROR, 0, NULL, why }

/* Lines without their LF, and what each is. */
static const struct line_case {
	const char *in;
	size_t n;
	int type;
	char letter;
	const char *value, *why;
} lines[] = {
	/* values, with every form of RFC 8259 6 */
	V("A 1234", 'A', "1234"), V("a 1234", 'A', "1234"), V("T 21.5", 'T', "21.5"),
	V("Z -7", 'Z', "-7"), V("z 0", 'Z', "0"), V("B -0", 'B', "-0"),
	V("C 6.02e23", 'C', "6.02e23"), V("D 1E-3", 'D', "1E-3"),
	V("E 1e+5", 'E', "1e+5"), V("F -0.0e-0", 'F', "-0.0e-0"),
	V("G 0.5", 'G', "0.5"), V("H 1e999", 'H', "1e999"),
	V("I 9007199254740993", 'I', "9007199254740993"),
	/* blanks: spaces and tabs, around and between */
	V("   J 1", 'J', "1"), V("K 1   ", 'K', "1"), V("\tL\t2\t", 'L', "2"),
	V(" \t M \t\t -3.25 \t ", 'M', "-3.25"),
	/* exactly 32 bytes of number */
	V("N 12345678901234567890123456789012", 'N',
	  "12345678901234567890123456789012"),
	V("O -1.234567890123456789012345e+99", 'O',
	  "-1.234567890123456789012345e+99"),
	/* ignored: blank lines and comments */
	I(""), I(" "), I("\t \t"), I("#"), I("# a comment"), I("   # indented"),
	I("#A 1"), I("# \xc3\xa9t\xc3\xa9 in UTF-8"), I("#\0 NUL \x01\x7f\xff"),
	I("# a CR \r inside"), I("\t#"),
	/* the letter */
	E("12", NO_LETTER), E("1 A", NO_LETTER), E("-1", NO_LETTER),
	E("\"A\" 1", NO_LETTER), E("= 1", NO_LETTER), E("_ 1", NO_LETTER),
	E("[ 1", NO_LETTER), E("@ 1", NO_LETTER),
	E("AB 1", TWO), E("TEMP 21.5", TWO), E("Ab", TWO),
	E("A1234", NO_BLANK), E("A=1", NO_BLANK), E("A:1", NO_BLANK),
	E("A-1", NO_BLANK), E("A#", NO_BLANK),
	/* the number */
	E("A", NO_NUMBER), E("A   ", NO_NUMBER), E("A\t", NO_NUMBER),
	E("  A \t ", NO_NUMBER),
	E("A 01", INVALID), E("A 00", INVALID), E("A -01", INVALID),
	E("A +1", INVALID), E("A .5", INVALID), E("A 1.", INVALID),
	E("A -.5", INVALID), E("A NaN", INVALID), E("A nan", INVALID),
	E("A Infinity", INVALID), E("A -Infinity", INVALID), E("A inf", INVALID),
	E("A 0x10", INVALID), E("A 1e", INVALID), E("A 1e+", INVALID),
	E("A -", INVALID), E("A --1", INVALID), E("A \"1\"", INVALID),
	E("A \"1 2\"", INVALID), E("A 1,5", INVALID), E("A 1_000", INVALID),
	E("A 1.5.2", INVALID), E("A 1e5e", INVALID), E("A true", INVALID),
	E("A null", INVALID), E("A 1#c", INVALID), E("A B", INVALID),
	E("A xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", INVALID),
	E("A 123456789012345678901234567890123", LONG_NUM),
	E("A -0.000000000000000000000000000001", LONG_NUM),
	E("A 1 2", TRAILING), E("A 1 B 2", TRAILING), E("A 1 # note", TRAILING),
	E("A 1 \"x\"", TRAILING), E("A 1\t,", TRAILING),
	/* bytes that have no place in a value line */
	E(" \0", NOT_ASCII), E("A\0 1", NOT_ASCII), E("A 1\0", NOT_ASCII),
	E("A 1\x80", NOT_ASCII), E("\xc3\x89 1", NOT_ASCII), E("A \x7f", NOT_ASCII),
	E("A\x0b" "1", NOT_ASCII), E("A\f1", NOT_ASCII), E("A 1\x1b[0m", NOT_ASCII),
	E("A 1\xff", NOT_ASCII), E("12\x01", NOT_ASCII), E("AB\x02", NOT_ASCII),
	E("A\r1", STRAY_CR), E("\rA 1", STRAY_CR), E("A 1\r\r", STRAY_CR),
	E("  \r  ", STRAY_CR), E("\r\r", STRAY_CR), E("A 1\r\0", STRAY_CR),
};

#undef V
#undef I
#undef E

/* Each line on its own, ended by LF and by CRLF. */
static void test_lines(void)
{
	char in[128];
	struct want w;
	size_t i;
	int crlf;

	for (i = 0; i < COUNT(lines); i++) {
		for (crlf = 0; crlf < 2; crlf++) {
			const struct line_case *c = &lines[i];
			char name[160];
			size_t n = c->n;

			memcpy(in, c->in, n);
			if (crlf)
				in[n++] = '\r';
			in[n++] = '\n';
			w.type = c->type;
			w.letter = c->letter;
			w.value = c->value;
			w.why = c->why;
			snprintf(name, sizeof name, "line %zu \"%.*s\"%s", i, (int)c->n,
			         c->in, crlf ? " CRLF" : "");
			stream(name, in, n, &w, 1);
		}
	}
}

/* All the lines above in one stream, then the same with CRLF: the line
 * numbers must count every line, ignored and dropped ones included. */
static void test_all_lines(int crlf)
{
	struct want w[COUNT(lines)];
	char *in = malloc(COUNT(lines) * 64);
	size_t i, n = 0;

	if (in == NULL)
		exit(2);
	for (i = 0; i < COUNT(lines); i++) {
		memcpy(in + n, lines[i].in, lines[i].n);
		n += lines[i].n;
		if (crlf)
			in[n++] = '\r';
		in[n++] = '\n';
		w[i].type = lines[i].type;
		w[i].letter = lines[i].letter;
		w[i].value = lines[i].value;
		w[i].why = lines[i].why;
	}
	stream(crlf ? "every line, CRLF" : "every line", in, n, w, COUNT(lines));
	free(in);
}

/* ---- Line ends, the end of input ----------------------------------------- */

#define WV(l, v) { LINE_VALUE, l, v, NULL }
#define WI       { LINE_IGNORED, 0, NULL, NULL }
#define WE(why)  { LINE_ERROR, 0, NULL, why }

static void test_ends(void)
{
	static const struct want mixed[] = {
		WV('A', "1"), WI, WV('B', "2"), WI, WE(STRAY_CR), WV('C', "3")
	};
	static const struct want cut[] = { WV('A', "1"), WE(CUT_SHORT) };
	static const struct want cut_blank[] = { WV('A', "1"), WI };
	static const struct want empty[] = { WI, WI, WI };
	static const struct want crs[] = { WI, WE(STRAY_CR), WE(STRAY_CR) };

	/* LF and CRLF mixed freely; a CR alone is no line end */
	stream("mixed ends", LIT("A 1\n\r\nB 2\r\n# x\r\nD 4\rE 5\nC 3\n"),
	       mixed, COUNT(mixed));
	/* a line cut short by the end of input is dropped, and says so ... */
	stream("cut short", LIT("A 1\nB 2"), cut, COUNT(cut));
	stream("cut short after CR", LIT("A 1\nB 2\r"), cut, COUNT(cut));
	stream("cut short, a letter", LIT("A 1\nB"), cut, COUNT(cut));
	stream("cut short, a CR", LIT("A 1\n\r"), cut, COUNT(cut));
	/* ... unless it would have been ignored anyway */
	stream("cut short, a comment", LIT("A 1\n# bye"), cut_blank,
	       COUNT(cut_blank));
	stream("cut short, blanks", LIT("A 1\n \t "), cut_blank, COUNT(cut_blank));
	stream("nothing", "", 0, NULL, 0);
	stream("empty lines", LIT("\n\r\n\n"), empty, COUNT(empty));
	stream("CRs", LIT("\r\n\r\r\n\r\r\r\n"), crs, COUNT(crs));
}

/* line_end on its own, and what it does to the line count. */
static void test_line_end(void)
{
	struct line_rx rx;
	struct line_ev ev;

	line_rx_init(&rx);
	line_end(&rx, NULL, 0, &ev);
	CHECK(ev.type == LINE_NONE && rx.line == 0, "line_end of nothing: %d",
	      ev.type);
	line_rx_init(&rx);
	rx.line = 41;
	line_end(&rx, "Q 9", 3, &ev);
	CHECK(ev.type == LINE_ERROR && ev.line == 42 && rx.line == 42 &&
	      strcmp(ev.why, CUT_SHORT) == 0, "line_end(\"Q 9\"): %d line %llu",
	      ev.type, (unsigned long long)ev.line);
	line_rx_init(&rx);
	rx.skipping = 1;
	line_end(&rx, NULL, 0, &ev);
	CHECK(ev.type == LINE_NONE && rx.skipping == 0 && rx.line == 1,
	      "line_end while skipping: %d, line %llu", ev.type,
	      (unsigned long long)rx.line);
	line_rx_init(&rx);
	CHECK(line_feed(&rx, NULL, 0, &ev) == 0 && ev.type == LINE_NONE,
	      "line_feed of nothing");
}

/* ---- The 256-byte limit ----------------------------------------------------- */

/* Appends letter, `blanks` spaces, number, then end. */
static size_t put_line(char *out, char letter, size_t blanks,
                       const char *number, const char *end)
{
	size_t n = 0;

	out[n++] = letter;
	memset(out + n, ' ', blanks);
	n += blanks;
	memcpy(out + n, number, strlen(number));
	n += strlen(number);
	memcpy(out + n, end, strlen(end));
	return n + strlen(end);
}

static void test_limit(void)
{
	static const struct want one_value[] = { WV('A', "1") };
	static const struct want one_long[] = { WE(TOO_LONG) };
	static const struct want one_ignored[] = { WI };
	static const struct want after[] = {
		WE(TOO_LONG), WV('B', "2"), WE(TOO_LONG), WE(TOO_LONG),
		WV('C', "-3.5"), WI, WE(TOO_LONG)
	};
	static const struct want two_long[] = { WE(TOO_LONG), WE(TOO_LONG) };
	char *in = malloc(40000);
	size_t n;

	if (in == NULL)
		exit(2);
	/* 256 bytes before the LF is a line; 257 is one too many */
	n = put_line(in, 'A', 254, "1", "\n");
	stream("256 bytes", in, n, one_value, 1);
	n = put_line(in, 'A', 255, "1", "\n");
	stream("257 bytes", in, n, one_long, 1);
	/* the CR of a CRLF counts: it is kept like any byte until the LF */
	n = put_line(in, 'A', 253, "1", "\r\n");
	stream("255 bytes + CRLF", in, n, one_value, 1);
	n = put_line(in, 'A', 254, "1", "\r\n");
	stream("256 bytes + CRLF", in, n, one_long, 1);
	/* the same for blank lines and comments */
	memset(in, ' ', 256);
	in[256] = '\n';
	stream("256 blanks", in, 257, one_ignored, 1);
	memset(in, ' ', 257);
	in[257] = '\n';
	stream("257 blanks", in, 258, one_long, 1);
	in[0] = '#';
	stream("257-byte comment", in, 258, one_long, 1);
	in[256] = '\n';
	stream("256-byte comment", in, 257, one_ignored, 1);
	/* 256 bytes and the end of input: a line cut short, not too long */
	memset(in, '7', 257);
	memcpy(in, "A ", 2);
	{
		static const struct want cut[] = { WE(CUT_SHORT) };

		stream("256 bytes, no LF", in, 256, cut, 1);
	}
	stream("257 bytes, no LF", in, 257, one_long, 1);

	/* long lines of many sizes, and the lines after them */
	memset(in, 'x', 10000);
	n = 10000;
	memcpy(in + n, "\nB 2\n", 5);
	n += 5;
	memset(in + n, '9', 257);
	n += 257;
	in[n++] = '\n';
	memset(in + n, ' ', 513);
	n += 513;
	in[n++] = '\n';
	memcpy(in + n, "c -3.5\r\n\n", 9);
	n += 9;
	memset(in + n, '#', 300);
	n += 300;
	stream("10000 bytes, then more", in, n, after, COUNT(after));

	/* one long line right after another, no LF between them for 40000
	 * bytes but one */
	memset(in, 'A', 40000);
	in[20000] = '\n';
	stream("two long lines", in, 40000, two_long, COUNT(two_long));
	free(in);
}

#undef WV
#undef WI
#undef WE

int main(void)
{
	test_json_number_span();
	test_lines();
	test_all_lines(0);
	test_all_lines(1);
	test_ends();
	test_line_end();
	test_limit();
	return CHECK_DONE();
}
