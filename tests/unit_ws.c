/* SPDX-License-Identifier: ISC */
/*
 * unit_ws.c - tests of ws.c: the accept key (RFC 6455 1.3), the headers of
 * the frames we send, and above all ws_feed, the parser of client frames.
 *
 * ws_feed meets a client's bytes as the kernel hands them over: a frame may
 * be cut anywhere, and many frames may come in one read.  So every input
 * below is a stream of client frames that is fed whole, cut in two at every
 * place, in pieces of a few odd sizes, and one byte at a time.  Each piece
 * goes to a malloc'd block of exactly its size: ws_feed unmasks in place,
 * and -fsanitize=address then catches a read or write one byte past it.
 * The events -- type, payload, close code, and the stream offset at which
 * each was reported -- must come out the same every way, and equal to what
 * the test expects.  ev->data lives only until the next call, so each
 * payload is copied as soon as it is reported.
 *
 * Errors are also fed one byte at a time to see WHEN they are decided:
 * most framing errors from the first two bytes of a header, 1009 from the
 * header before any payload, and invalid UTF-8 at the first byte that
 * cannot belong to valid text (RFC 6455 8.1), across fragments too.  Where
 * the code could be decided a little earlier than the implementation does
 * without any harm (a 64-bit length is judged once the whole header with
 * its mask is in), the test asks "no later than" instead of "exactly".
 *
 * Loops that run thousands of cases count their failures and make one
 * CHECK that reports the first, so that the total stays readable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "ws.h"

/* A string literal and its length, NUL bytes inside it included. */
#define LIT(s) s, sizeof s - 1
#define COUNT(a) (sizeof a / sizeof a[0])

/* ---- Client frames ----------------------------------------------------- */

/* A stream of client frames under construction. */
struct wire {
	uint8_t *p;
	size_t n, cap;
	uint8_t mask[4];      /* the current frame's */
	size_t pos;           /* payload bytes of the current frame so far */
	uint32_t seed;
};

#define FIN     0x80
#define RSV1    0x40
#define RSV2    0x20
#define RSV3    0x10
#define NOMASK  0x100   /* in wire_head's b0: leave the mask bit clear */

/* How the payload length is written: the fewest bytes, or a chosen form
 * (RFC 6455 5.2 asks the sender for the fewest; a receiver that reads the
 * longer forms right reads every form right). */
enum { LEN_MIN, LEN_7, LEN_16, LEN_64 };

static void wire_put(struct wire *w, const void *p, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 64;

		while (cap < w->n + n)
			cap *= 2;
		if ((w->p = realloc(w->p, cap)) == NULL) {
			perror("realloc");
			exit(2);
		}
		w->cap = cap;
	}
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

/* Starts a frame: b0 is FIN, RSV and the opcode (plus NOMASK); len is the
 * payload length announced, written in the given form. */
static void wire_head(struct wire *w, unsigned b0, int form, uint64_t len)
{
	uint8_t h[14], m = b0 & NOMASK ? 0 : 0x80;
	size_t k = 0;
	int i;

	if (form == LEN_MIN)
		form = len < 126 ? LEN_7 : len <= 0xffff ? LEN_16 : LEN_64;
	h[k++] = (uint8_t)b0;
	if (form == LEN_7) {
		h[k++] = (uint8_t)(m | len);
	} else if (form == LEN_16) {
		h[k++] = m | 126;
		h[k++] = (uint8_t)(len >> 8);
		h[k++] = (uint8_t)len;
	} else {
		h[k++] = m | 127;
		for (i = 0; i < 8; i++)
			h[k++] = (uint8_t)(len >> (56 - 8 * i));
	}
	/* A new mask for each frame (xorshift32), so that unmasking with the
	 * wrong mask or from the wrong position shows. */
	memset(w->mask, 0, 4);
	if (m) {
		w->seed ^= w->seed << 13;
		w->seed ^= w->seed >> 17;
		w->seed ^= w->seed << 5;
		for (i = 0; i < 4; i++)
			w->mask[i] = (uint8_t)(w->seed >> (8 * i));
		memcpy(h + k, w->mask, 4);
		k += 4;
	}
	w->pos = 0;
	wire_put(w, h, k);
}

/* Payload bytes of the current frame, masked as a client masks them. */
static void wire_data(struct wire *w, const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(s[i] ^ w->mask[w->pos++ & 3]);

		wire_put(w, &b, 1);
	}
}

static void wire_frame(struct wire *w, unsigned b0, const void *p, size_t n)
{
	wire_head(w, b0, LEN_MIN, n);
	wire_data(w, p, n);
}

/* A frame of n copies of byte c. */
static void wire_fill(struct wire *w, unsigned b0, int form, int c, size_t n)
{
	uint8_t *p = test_alloc(n);

	memset(p, c, n);
	wire_head(w, b0, form, n);
	wire_data(w, p, n);
	free(p);
}

/* A close frame: the code in network order, then the reason. */
static void wire_close(struct wire *w, unsigned code, const char *why, size_t n)
{
	uint8_t c[2];

	c[0] = (uint8_t)(code >> 8);
	c[1] = (uint8_t)code;
	wire_head(w, FIN | WS_OP_CLOSE, LEN_MIN, 2 + n);
	wire_data(w, c, 2);
	wire_data(w, why, n);
}

static void wire_init(struct wire *w)
{
	memset(w, 0, sizeof *w);
	w->seed = 0x9e3779b9u;
}

static void wire_free(struct wire *w)
{
	free(w->p);
	w->p = NULL;
}

/* ---- Feeding and recording ---------------------------------------------- */

#define MAX_EVS 16

struct ws_got {
	int type, code;
	size_t len;
	size_t at;        /* stream bytes consumed when it was reported */
	int upto;         /* in a wanted WS_FAIL: `at` is a bound, not exact */
	uint8_t *data;    /* a copy */
};

struct ws_log {
	struct ws_got e[MAX_EVS];
	size_t n;
	size_t fed;       /* stream bytes consumed so far */
	int done;         /* WS_CLOSE or WS_FAIL: the caller stops feeding */
	const char *broken;  /* how the parser broke its contract, or NULL */
};

static void ws_log_init(struct ws_log *log)
{
	memset(log, 0, sizeof *log);
}

static void ws_log_free(struct ws_log *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		free(log->e[i].data);
	log->n = 0;
}

static void ws_log_add(struct ws_log *log, int type, int code,
                       const uint8_t *data, size_t len, size_t at, int upto)
{
	struct ws_got *g;

	if (log->n == MAX_EVS) {
		log->broken = "too many events";
		return;
	}
	g = &log->e[log->n++];
	g->type = type;
	g->code = code;
	g->len = len;
	g->at = at;
	g->upto = upto;
	g->data = data && len ? test_dup(data, len) : NULL;
}

/* What the test expects: an event at stream offset `at`. */
static void want(struct ws_log *log, int type, int code, const void *data,
                 size_t len, size_t at)
{
	ws_log_add(log, type, code, data, len, at, 0);
}

/* A failure decided by the byte that ends at `at` (upto: by then). */
static void want_fail(struct ws_log *log, int code, size_t at, int upto)
{
	ws_log_add(log, WS_FAIL, code, NULL, 0, at, upto);
}

/* Feeds one piece the way main.c's conn_ws does: ws_feed again and again
 * until the piece is used up or the parser says CLOSE or FAIL. */
static void ws_piece(struct ws_rx *rx, const uint8_t *p, size_t n,
                     size_t max_msg, struct ws_log *log)
{
	uint8_t *buf;
	size_t off = 0;

	if (log->done || log->broken || n == 0)
		return;
	buf = test_dup(p, n);
	while (off < n && !log->done && !log->broken) {
		struct ws_ev ev;
		size_t used = ws_feed(rx, buf + off, n - off, max_msg, &ev);

		if (used > n - off) {
			log->broken = "consumed more than it was given";
			break;
		}
		off += used;
		log->fed += used;
		if (ev.type == WS_NONE) {
			/* "none" means the piece ended inside a frame */
			if (off < n)
				log->broken = "no event, but bytes left over";
			continue;
		}
		if (ev.type != WS_FAIL && ev.len && ev.data == NULL) {
			log->broken = "a payload without data";
			break;
		}
		/* ev.code is only meant for WS_CLOSE and WS_FAIL */
		ws_log_add(log, ev.type,
		           ev.type == WS_CLOSE || ev.type == WS_FAIL ? ev.code : 0,
		           ev.type == WS_FAIL ? NULL : ev.data,
		           ev.type == WS_FAIL ? 0 : ev.len, log->fed, 0);
		ws_rx_done(rx);         /* as conn.c does after each event */
		if (ev.type == WS_CLOSE || ev.type == WS_FAIL)
			log->done = 1;
	}
	free(buf);
}

/* Feeds in[0..n): in[0..cut) as one piece, then the rest in pieces of
 * `step` bytes (SIZE_MAX: in one piece). */
static void ws_run(const uint8_t *in, size_t n, size_t cut, size_t step,
                   size_t max_msg, struct ws_log *log)
{
	struct ws_rx rx;
	size_t off;

	ws_log_init(log);
	ws_rx_init(&rx, 0);
	ws_piece(&rx, in, cut, max_msg, log);
	for (off = cut; off < n; ) {
		size_t k = n - off < step ? n - off : step;

		ws_piece(&rx, in + off, k, max_msg, log);
		off += k;
	}
	ws_rx_free(&rx);
}

/* 1 if got equals want; otherwise 0 and why says how.  A failure's offset
 * is only checked when fed byte by byte (bytewise): fed whole, a UTF-8
 * error is found while the read is scanned and reported at its end. */
static int ws_same(const struct ws_log *got, const struct ws_log *want,
                   int bytewise, char *why, size_t cap)
{
	size_t i;

	if (got->broken) {
		snprintf(why, cap, "%s", got->broken);
		return 0;
	}
	for (i = 0; i < got->n || i < want->n; i++) {
		const struct ws_got *g = &got->e[i], *w = &want->e[i];

		if (i >= got->n) {
			snprintf(why, cap, "event %zu (type %d) missing", i, w->type);
			return 0;
		}
		if (i >= want->n) {
			snprintf(why, cap, "extra event %zu: type %d code %d at %zu",
			         i, g->type, g->code, g->at);
			return 0;
		}
		if (g->type != w->type ||
		    ((w->type == WS_CLOSE || w->type == WS_FAIL) && g->code != w->code)) {
			snprintf(why, cap, "event %zu: type %d code %d, want type %d "
			         "code %d", i, g->type, g->code, w->type, w->code);
			return 0;
		}
		if (w->type == WS_FAIL) {
			if (bytewise && (w->upto ? g->at > w->at : g->at != w->at)) {
				snprintf(why, cap, "event %zu: failed at byte %zu, want "
				         "%s%zu", i, g->at, w->upto ? "<= " : "", w->at);
				return 0;
			}
			continue;
		}
		if (g->len != w->len || (g->len && memcmp(g->data, w->data, g->len)) ||
		    g->at != w->at) {
			snprintf(why, cap, "event %zu: %zu bytes at %zu, want %zu at %zu%s",
			         i, g->len, g->at, w->len, w->at,
			         g->len == w->len ? " (payload differs)" : "");
			return 0;
		}
	}
	return 1;
}

/* Feeds the stream every way (see the top) and compares with want. */
static void ws_case(const char *name, const struct wire *w, size_t max_msg,
                    const struct ws_log *want)
{
	static const size_t steps[] = { 2, 3, 5, 7, 13, 125, 4093 };
	/* every cut for the usual sizes; about a hundred of a long stream's,
	 * with every cut near its ends, where the headers are */
	size_t stride = w->n > 8192 ? w->n / 97 : 1, cut, i, bad = 0, first = 0;
	struct ws_log got;
	char why[160], why1[160] = "";

	ws_run(w->p, w->n, 0, SIZE_MAX, max_msg, &got);
	CHECK(ws_same(&got, want, 0, why, sizeof why), "%s, whole: %s", name, why);
	ws_log_free(&got);

	for (cut = 1; cut < w->n; cut++) {
		if (cut % stride && cut > 32 && cut + 32 < w->n)
			continue;
		ws_run(w->p, w->n, cut, SIZE_MAX, max_msg, &got);
		if (!ws_same(&got, want, 0, why, sizeof why) && bad++ == 0) {
			first = cut;
			memcpy(why1, why, sizeof why);
		}
		ws_log_free(&got);
	}
	CHECK(bad == 0, "%s: %zu splits wrong, first at %zu of %zu: %s", name,
	      bad, first, w->n, why1);

	for (i = 0, bad = 0; i < COUNT(steps); i++) {
		ws_run(w->p, w->n, 0, steps[i], max_msg, &got);
		if (!ws_same(&got, want, 0, why, sizeof why) && bad++ == 0) {
			first = steps[i];
			memcpy(why1, why, sizeof why);
		}
		ws_log_free(&got);
	}
	CHECK(bad == 0, "%s: in pieces of %zu: %s", name, first, why1);

	ws_run(w->p, w->n, 0, 1, max_msg, &got);
	CHECK(ws_same(&got, want, 1, why, sizeof why), "%s, byte by byte: %s",
	      name, why);
	ws_log_free(&got);
}

/* ---- Valid streams ------------------------------------------------------ */

static void test_ws_valid(void)
{
	static const char json[] = "{\"action\": \"subscribe\", \"letter\": \"a\"}";
	static const char reason[] = "\xE2\x82\xAC is fine";
	struct wire w;
	struct ws_log e;
	uint8_t *big;
	size_t i;

	wire_init(&w);
	ws_log_init(&e);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("hello"));
	want(&e, WS_TEXT, 0, LIT("hello"), w.n);
	ws_case("single text frame", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("H\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80!"));
	want(&e, WS_TEXT, 0, LIT("H\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80!"), w.n);
	ws_case("UTF-8 text frame", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* RFC 6455 5.4: control frames may come between fragments, and are
	 * answered at once */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("Hel"));
	wire_frame(&w, FIN | WS_OP_PING, LIT("ping!"));
	want(&e, WS_PING, 0, LIT("ping!"), w.n);
	wire_frame(&w, WS_OP_CONT, LIT("lo, "));
	wire_frame(&w, FIN | WS_OP_PONG, LIT(""));
	want(&e, WS_PONG, 0, LIT(""), w.n);
	wire_frame(&w, FIN | WS_OP_CONT, LIT("world"));
	want(&e, WS_TEXT, 0, LIT("Hello, world"), w.n);
	ws_case("fragmented message, ping and pong between", &w,
	        DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_close(&w, 1000, LIT("bye"));
	want(&e, WS_CLOSE, 1000, LIT("bye"), w.n);
	ws_case("close with code and reason", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("a"));
	want(&e, WS_TEXT, 0, LIT("a"), w.n);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT(json));
	want(&e, WS_TEXT, 0, LIT(json), w.n);
	wire_frame(&w, FIN | WS_OP_PING, LIT(""));
	want(&e, WS_PING, 0, LIT(""), w.n);
	wire_frame(&w, FIN | WS_OP_PONG, LIT("x"));
	want(&e, WS_PONG, 0, LIT("x"), w.n);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("bc"));
	want(&e, WS_TEXT, 0, LIT("bc"), w.n);
	wire_close(&w, 1001, LIT("going"));
	want(&e, WS_CLOSE, 1001, LIT("going"), w.n);
	/* nothing after a close is read (RFC 6455 5.5.1) */
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("after"));
	ws_case("several frames back to back", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* A frame with no payload ends with its header: its event must come
	 * with the header's last byte, also when that is the read's last. */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT(""));
	want(&e, WS_TEXT, 0, LIT(""), w.n);
	wire_frame(&w, WS_OP_TEXT, LIT(""));
	wire_frame(&w, WS_OP_CONT, LIT(""));
	wire_frame(&w, FIN | WS_OP_PING, LIT(""));
	want(&e, WS_PING, 0, LIT(""), w.n);
	wire_frame(&w, FIN | WS_OP_CONT, LIT(""));
	want(&e, WS_TEXT, 0, LIT(""), w.n);
	wire_frame(&w, FIN | WS_OP_PONG, LIT(""));
	want(&e, WS_PONG, 0, LIT(""), w.n);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_64, 0);
	want(&e, WS_TEXT, 0, LIT(""), w.n);
	wire_frame(&w, FIN | WS_OP_CLOSE, LIT(""));
	want(&e, WS_CLOSE, WS_NORMAL, LIT(""), w.n);   /* 7.1.5: no code */
	ws_case("empty frames", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* 16- and 64-bit lengths, shortest and longer forms */
	big = test_alloc(70000);
	for (i = 0; i < 70000; i++)
		big[i] = (uint8_t)('a' + i % 26);
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, big, 126);
	want(&e, WS_TEXT, 0, big, 126, w.n);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_16, 300);
	wire_data(&w, big, 300);
	want(&e, WS_TEXT, 0, big, 300, w.n);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_16, 5);
	wire_data(&w, big, 5);
	want(&e, WS_TEXT, 0, big, 5, w.n);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_64, 200);
	wire_data(&w, big, 200);
	want(&e, WS_TEXT, 0, big, 200, w.n);
	wire_head(&w, WS_OP_TEXT, LEN_64, 100);
	wire_data(&w, big, 100);
	wire_head(&w, FIN | WS_OP_CONT, LEN_16, 150);
	wire_data(&w, big + 100, 150);
	want(&e, WS_TEXT, 0, big, 250, w.n);
	ws_case("16- and 64-bit lengths", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* a real 64-bit length needs a larger limit */
	wire_init(&w);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_MIN, 70000);
	wire_data(&w, big, 70000);
	want(&e, WS_TEXT, 0, big, 70000, w.n);
	wire_head(&w, WS_OP_TEXT, LEN_MIN, 65536);
	wire_data(&w, big, 65536);
	wire_frame(&w, FIN | WS_OP_PING, LIT("mid"));
	want(&e, WS_PING, 0, LIT("mid"), w.n);
	wire_head(&w, FIN | WS_OP_CONT, LEN_MIN, 70000 - 65536);
	wire_data(&w, big + 65536, 70000 - 65536);
	want(&e, WS_TEXT, 0, big, 70000, w.n);
	ws_case("64-bit length of 70000", &w, 70000, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* the limit itself is accepted (docs/protocol.md 3.2: 4096 yes, 4097 no) */
	wire_init(&w);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_MIN, DEFAULT_MAX_MSG);
	wire_data(&w, big, DEFAULT_MAX_MSG);
	want(&e, WS_TEXT, 0, big, DEFAULT_MAX_MSG, w.n);
	ws_case("message of exactly max_msg", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* ... also when assembled, with UTF-8 characters cut by fragment
	 * boundaries and a ping between */
	{
		uint8_t *m = test_alloc(DEFAULT_MAX_MSG);

		for (i = 0; i + 3 <= DEFAULT_MAX_MSG; i += 3)
			memcpy(m + i, "\xE2\x82\xAC", 3);     /* 1365 euro signs */
		m[DEFAULT_MAX_MSG - 1] = 'z';
		wire_init(&w);
		wire_frame(&w, WS_OP_TEXT, m, 1000);
		wire_frame(&w, FIN | WS_OP_PING, LIT("p"));
		want(&e, WS_PING, 0, LIT("p"), w.n);
		wire_frame(&w, WS_OP_CONT, m + 1000, 1001);
		wire_frame(&w, FIN | WS_OP_CONT, m + 2001, DEFAULT_MAX_MSG - 2001);
		want(&e, WS_TEXT, 0, m, DEFAULT_MAX_MSG, w.n);
		ws_case("fragments of exactly max_msg", &w, DEFAULT_MAX_MSG, &e);
		wire_free(&w);
		ws_log_free(&e);
		free(m);
	}

	/* a limit that is not a power of two: the buffer must not outgrow it,
	 * nor fall short of it */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, big, 255);
	wire_frame(&w, WS_OP_CONT, big + 255, 2);
	wire_frame(&w, FIN | WS_OP_CONT, big + 257, 43);
	want(&e, WS_TEXT, 0, big, 300, w.n);
	ws_case("fragments of exactly max_msg 300", &w, 300, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("caf\xC3"));
	wire_frame(&w, WS_OP_CONT, LIT("\xA9 \xF0\x9F"));
	wire_frame(&w, FIN | WS_OP_PING, LIT("\xF0\x9F"));  /* pings are not text */
	want(&e, WS_PING, 0, LIT("\xF0\x9F"), w.n);
	wire_frame(&w, FIN | WS_OP_CONT, LIT("\x98\x80"));
	want(&e, WS_TEXT, 0, LIT("caf\xC3\xA9 \xF0\x9F\x98\x80"), w.n);
	ws_case("UTF-8 cut across fragments", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* RFC 6455 5.5: 125 bytes is the most a control frame may carry */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_PING, big, WS_CONTROL_MAX);
	want(&e, WS_PING, 0, big, WS_CONTROL_MAX, w.n);
	wire_frame(&w, FIN | WS_OP_PONG, big, WS_CONTROL_MAX);
	want(&e, WS_PONG, 0, big, WS_CONTROL_MAX, w.n);
	wire_close(&w, 4000, (const char *)big, WS_CONTROL_MAX - 2);
	want(&e, WS_CLOSE, 4000, big, WS_CONTROL_MAX - 2, w.n);
	ws_case("control frames of 125 bytes", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_close(&w, 1000, LIT(reason));
	want(&e, WS_CLOSE, 1000, LIT(reason), w.n);
	ws_case("close reason in UTF-8", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* an empty text message is not over a limit of 0 */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT(""));
	want(&e, WS_TEXT, 0, LIT(""), w.n);
	ws_case("empty message, max_msg 0", &w, 0, &e);
	wire_free(&w);
	ws_log_free(&e);

	free(big);
}

/* RFC 6455 7.4.1 and the IANA registry (7.4.2): the codes a client may
 * send, each echoed. */
static void test_ws_close_codes(void)
{
	static const unsigned ok[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
	                               1010, 1011, 1012, 1013, 1014, 3000, 3999,
	                               4000, 4999 };
	static const unsigned bad[] = { 0, 1, 999, 1004, 1005, 1006, 1015, 1016,
	                                1100, 2000, 2999, 5000, 65535 };
	struct wire w;
	struct ws_log e;
	char name[64];
	size_t i;

	ws_log_init(&e);
	for (i = 0; i < COUNT(ok); i++) {
		wire_init(&w);
		wire_close(&w, ok[i], LIT("r"));
		want(&e, WS_CLOSE, (int)ok[i], LIT("r"), w.n);
		snprintf(name, sizeof name, "close code %u", ok[i]);
		ws_case(name, &w, DEFAULT_MAX_MSG, &e);
		wire_free(&w);
		ws_log_free(&e);
	}
	/* 1005 and 1006 are for reporting, never for the wire (7.4.1) */
	for (i = 0; i < COUNT(bad); i++) {
		wire_init(&w);
		wire_close(&w, bad[i], LIT(""));
		want_fail(&e, WS_PROTOCOL_ERROR, w.n, 1);
		snprintf(name, sizeof name, "close code %u", bad[i]);
		ws_case(name, &w, DEFAULT_MAX_MSG, &e);
		wire_free(&w);
		ws_log_free(&e);
	}
}

/* ---- Streams that must fail --------------------------------------------- */

/* A frame of three bytes whose first two bytes are wrong: the failure
 * must be decided by the second byte, before any more is read. */
static void ws_fail_at_start(const char *name, unsigned b0, int code)
{
	struct wire w;
	struct ws_log e;

	wire_init(&w);
	ws_log_init(&e);
	wire_frame(&w, b0, LIT("abc"));
	want_fail(&e, code, 2, 0);
	ws_case(name, &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);
}

static void test_ws_framing_errors(void)
{
	struct wire w;
	struct ws_log e;
	char name[64];
	unsigned op;
	size_t at;

	/* RFC 6455 5.1: a server MUST close on an unmasked frame */
	ws_fail_at_start("unmasked text", NOMASK | FIN | WS_OP_TEXT, WS_PROTOCOL_ERROR);
	ws_fail_at_start("unmasked ping", NOMASK | FIN | WS_OP_PING, WS_PROTOCOL_ERROR);
	ws_fail_at_start("unmasked close", NOMASK | FIN | WS_OP_CLOSE, WS_PROTOCOL_ERROR);
	/* 5.2: RSV bits without a negotiated extension */
	ws_fail_at_start("RSV1", RSV1 | FIN | WS_OP_TEXT, WS_PROTOCOL_ERROR);
	ws_fail_at_start("RSV2", RSV2 | FIN | WS_OP_TEXT, WS_PROTOCOL_ERROR);
	ws_fail_at_start("RSV3", RSV3 | FIN | WS_OP_TEXT, WS_PROTOCOL_ERROR);
	ws_fail_at_start("RSV1 on a ping", RSV1 | FIN | WS_OP_PING, WS_PROTOCOL_ERROR);
	ws_fail_at_start("RSV1 on a close", RSV1 | FIN | WS_OP_CLOSE, WS_PROTOCOL_ERROR);
	/* 5.2: reserved opcodes */
	for (op = 3; op <= 0xF; op++) {
		if (op >= 8 && op <= 0xA)
			continue;
		snprintf(name, sizeof name, "opcode 0x%X", op);
		ws_fail_at_start(name, FIN | op, WS_PROTOCOL_ERROR);
		snprintf(name, sizeof name, "opcode 0x%X without FIN", op);
		ws_fail_at_start(name, op, WS_PROTOCOL_ERROR);
	}
	/* 5.5: control frames are never fragmented */
	ws_fail_at_start("ping without FIN", WS_OP_PING, WS_PROTOCOL_ERROR);
	ws_fail_at_start("pong without FIN", WS_OP_PONG, WS_PROTOCOL_ERROR);
	ws_fail_at_start("close without FIN", WS_OP_CLOSE, WS_PROTOCOL_ERROR);
	/* 5.4: nothing to continue */
	ws_fail_at_start("continuation first", FIN | WS_OP_CONT, WS_PROTOCOL_ERROR);
	ws_fail_at_start("open continuation first", WS_OP_CONT, WS_PROTOCOL_ERROR);
	/* 7.4.1: we take text only; judged by the first two bytes */
	ws_fail_at_start("binary", FIN | WS_OP_BINARY, WS_UNSUPPORTED);
	ws_fail_at_start("binary, first fragment", WS_OP_BINARY, WS_UNSUPPORTED);

	/* 5.5: a control frame carries at most 125 bytes, so a 16- or
	 * 64-bit length is wrong whatever follows */
	wire_init(&w);
	ws_log_init(&e);
	wire_fill(&w, FIN | WS_OP_PING, LEN_MIN, 'p', 126);
	want_fail(&e, WS_PROTOCOL_ERROR, 2, 0);
	ws_case("ping of 126 bytes", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_fill(&w, FIN | WS_OP_CLOSE, LEN_64, 'p', 3);
	want_fail(&e, WS_PROTOCOL_ERROR, 2, 0);
	ws_case("close with a 64-bit length", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* the same errors after good frames: decided at their own start */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("a"));
	want(&e, WS_TEXT, 0, LIT("a"), w.n);
	at = w.n;
	wire_frame(&w, NOMASK | FIN | WS_OP_TEXT, LIT("b"));
	want_fail(&e, WS_PROTOCOL_ERROR, at + 2, 0);
	ws_case("unmasked after a good frame", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("a"));
	want(&e, WS_TEXT, 0, LIT("a"), w.n);
	at = w.n;
	wire_frame(&w, FIN | WS_OP_CONT, LIT("b"));
	want_fail(&e, WS_PROTOCOL_ERROR, at + 2, 0);
	ws_case("continuation after a whole message", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* 5.4: a new message while one is open */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("a"));
	at = w.n;
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("b"));
	want_fail(&e, WS_PROTOCOL_ERROR, at + 2, 0);
	ws_case("text during a fragmented message", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("a"));
	wire_frame(&w, FIN | WS_OP_PING, LIT(""));
	want(&e, WS_PING, 0, LIT(""), w.n);
	at = w.n;
	wire_frame(&w, WS_OP_TEXT, LIT("b"));
	want_fail(&e, WS_PROTOCOL_ERROR, at + 2, 0);
	ws_case("text after a ping in a fragmented message", &w,
	        DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* 5.2: the most significant bit of a 64-bit length MUST be 0.  No
	 * payload follows: the header alone must decide. */
	wire_init(&w);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_64, UINT64_C(1) << 63);
	want_fail(&e, WS_PROTOCOL_ERROR, w.n, 1);
	ws_case("64-bit length with its top bit set", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_head(&w, WS_OP_TEXT, LEN_64, UINT64_MAX);
	want_fail(&e, WS_PROTOCOL_ERROR, w.n, 1);
	ws_case("64-bit length of all ones", &w, UINT32_MAX, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* 1-byte close payload: a code is 2 bytes (5.5.1) */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_CLOSE, LIT("\x03"));
	want_fail(&e, WS_PROTOCOL_ERROR, w.n, 1);
	ws_case("close with a 1-byte payload", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);
}

/* 1009: decided from the header, before a byte of payload is read. */
static void test_ws_too_big(void)
{
	struct wire w;
	struct ws_log e;

	wire_init(&w);
	ws_log_init(&e);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_MIN, DEFAULT_MAX_MSG + 1);
	want_fail(&e, WS_TOO_BIG, w.n, 1);
	ws_case("text of max_msg + 1, header only", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* a length near 2^63 must not wrap anything */
	wire_init(&w);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_64, (UINT64_C(1) << 63) - 1);
	want_fail(&e, WS_TOO_BIG, w.n, 1);
	ws_case("text of 2^63 - 1, header only", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_head(&w, FIN | WS_OP_TEXT, LEN_7, 1);
	want_fail(&e, WS_TOO_BIG, w.n, 1);
	ws_case("1 byte over max_msg 0", &w, 0, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* the sum of the fragments counts, pings between or not */
	wire_init(&w);
	wire_fill(&w, WS_OP_TEXT, LEN_MIN, 'a', DEFAULT_MAX_MSG);
	wire_head(&w, FIN | WS_OP_CONT, LEN_MIN, 1);
	want_fail(&e, WS_TOO_BIG, w.n, 1);
	ws_case("fragments of max_msg + 1", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_fill(&w, WS_OP_TEXT, LEN_MIN, 'a', 2000);
	wire_frame(&w, FIN | WS_OP_PING, LIT("p"));
	want(&e, WS_PING, 0, LIT("p"), w.n);
	wire_fill(&w, WS_OP_CONT, LEN_MIN, 'b', 2000);
	wire_head(&w, WS_OP_CONT, LEN_MIN, DEFAULT_MAX_MSG - 4000 + 1);
	want_fail(&e, WS_TOO_BIG, w.n, 1);
	ws_case("three fragments of max_msg + 1, a ping between", &w,
	        DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);
}

/* RFC 6455 8.1: 1007 at the first byte that cannot be UTF-8. */
static void test_ws_utf8(void)
{
	static const struct { const char *name, *s; size_t n, bad; } t[] = {
		{ "FF", LIT("ab\xFF" "cd"), 2 },
		{ "overlong NUL", LIT("\xC0\x80"), 0 },
		{ "overlong '/' in 3", LIT("x\xE0\x80\xAF"), 2 },
		{ "surrogate", LIT("a\xED\xA0\x80"), 2 },
		{ "above U+10FFFF", LIT("\xF4\x90\x80\x80"), 1 },
		{ "F5", LIT("\xF5\x80"), 0 },
		{ "lone continuation", LIT("ok\x80"), 2 },
		{ "ASCII inside a character", LIT("\xE2\x82" "(" "more"), 2 },
	};
	struct wire w;
	struct ws_log e;
	size_t i, at;

	ws_log_init(&e);
	for (i = 0; i < COUNT(t); i++) {
		wire_init(&w);
		wire_frame(&w, FIN | WS_OP_TEXT, t[i].s, t[i].n);
		want_fail(&e, WS_INVALID_DATA, 6 + t[i].bad + 1, 0);
		ws_case(t[i].name, &w, DEFAULT_MAX_MSG, &e);
		wire_free(&w);
		ws_log_free(&e);
	}

	/* in a first fragment: no need to wait for the rest */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("a\xFF" "bcdef"));
	want_fail(&e, WS_INVALID_DATA, 6 + 2, 0);
	wire_frame(&w, FIN | WS_OP_CONT, LIT("x"));
	ws_case("bad byte in a first fragment", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* a character begun in one fragment and broken in the next */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("a\xE2\x82"));
	at = w.n;
	wire_frame(&w, FIN | WS_OP_CONT, LIT("(b"));
	want_fail(&e, WS_INVALID_DATA, at + 6 + 1, 0);
	ws_case("character broken across fragments", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("\xF0\x9F"));
	wire_frame(&w, FIN | WS_OP_PING, LIT("p"));
	want(&e, WS_PING, 0, LIT("p"), w.n);
	wire_frame(&w, WS_OP_CONT, LIT("\x98"));
	at = w.n;
	wire_frame(&w, FIN | WS_OP_CONT, LIT("A"));
	want_fail(&e, WS_INVALID_DATA, at + 6 + 1, 0);
	ws_case("character broken across fragments and a ping", &w,
	        DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* a message may not end inside a character: decided by its last byte */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("a\xE2\x82"));
	want_fail(&e, WS_INVALID_DATA, w.n, 0);
	ws_case("truncated at the end of a final frame", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, LIT("\xE2\x82"));
	wire_frame(&w, FIN | WS_OP_CONT, LIT(""));
	want_fail(&e, WS_INVALID_DATA, w.n, 0);
	ws_case("truncated, then an empty final fragment", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	/* 5.5.1: a close reason is UTF-8 too */
	wire_init(&w);
	wire_close(&w, 1000, LIT("\xFF"));
	want_fail(&e, WS_INVALID_DATA, w.n, 1);
	ws_case("close reason FF", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);

	wire_init(&w);
	wire_close(&w, 1001, LIT("ok\xE2\x82"));
	want_fail(&e, WS_INVALID_DATA, w.n, 1);
	ws_case("close reason truncated", &w, DEFAULT_MAX_MSG, &e);
	wire_free(&w);
	ws_log_free(&e);
}

/* ---- Memory ------------------------------------------------------------- */

/* The parser allocates only while a payload is split over reads, and
 * gives that back on the next call: an idle connection holds nothing. */
static void test_ws_memory(void)
{
	struct ws_rx rx;
	struct ws_ev ev;
	struct wire w;
	uint8_t *buf, pay[300];
	size_t used, i, half;

	for (i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)('A' + i % 26);

	/* a whole message in one read: no copy, no allocation */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, pay, sizeof pay);
	buf = test_dup(w.p, w.n);
	ws_rx_init(&rx, 0);
	used = ws_feed(&rx, buf, w.n, DEFAULT_MAX_MSG, &ev);
	CHECK(used == w.n && ev.type == WS_TEXT && ev.len == sizeof pay &&
	      memcmp(ev.data, pay, sizeof pay) == 0,
	      "whole message: used %zu type %d", used, ev.type);
	CHECK(ws_rx_held(&rx) == 0 && ev.data >= buf &&
	      ev.data + ev.len <= buf + w.n,
	      "whole message: allocated, or data not in the caller's buffer");
	free(buf);
	ws_rx_free(&rx);
	wire_free(&w);

	/* nothing to do with nothing */
	ws_rx_init(&rx, 0);
	used = ws_feed(&rx, pay, 0, DEFAULT_MAX_MSG, &ev);
	CHECK(used == 0 && ev.type == WS_NONE && ws_rx_held(&rx) == 0,
	      "empty read: used %zu type %d", used, ev.type);

	/* a message split over two reads is gathered in rx.part, which goes
	 * when the caller is done with the event (ws_rx_done) */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, pay, sizeof pay);
	half = w.n / 2;
	wire_frame(&w, FIN | WS_OP_PING, LIT("x"));
	buf = test_dup(w.p, half);
	used = ws_feed(&rx, buf, half, DEFAULT_MAX_MSG, &ev);
	CHECK(used == half && ev.type == WS_NONE && ws_rx_held(&rx) != 0,
	      "split message, 1st half: used %zu type %d", used, ev.type);
	free(buf);
	buf = test_dup(w.p + half, w.n - half);
	used = ws_feed(&rx, buf, w.n - half, DEFAULT_MAX_MSG, &ev);
	CHECK(ev.type == WS_TEXT && ev.len == sizeof pay &&
	      memcmp(ev.data, pay, sizeof pay) == 0,
	      "split message, 2nd half: type %d len %zu", ev.type, ev.len);
	ws_rx_done(&rx);
	CHECK(ws_rx_held(&rx) == 0, "split message: buffer kept after ws_rx_done");
	used += ws_feed(&rx, buf + used, w.n - half - used, DEFAULT_MAX_MSG, &ev);
	CHECK(used == w.n - half && ev.type == WS_PING && ws_rx_held(&rx) == 0,
	      "split message: then a ping, type %d", ev.type);
	free(buf);
	wire_free(&w);

	/* a control frame split over reads: gathered in rx.part, given back
	 * by ws_rx_done */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_PING, pay, 100);
	half = w.n - 10;
	wire_frame(&w, FIN | WS_OP_TEXT, LIT("t"));
	buf = test_dup(w.p, w.n);
	used = ws_feed(&rx, buf, half, DEFAULT_MAX_MSG, &ev);
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(ev.type == WS_PING && ev.len == 100 && memcmp(ev.data, pay, 100) == 0 &&
	      ws_rx_held(&rx) != 0, "split ping: type %d len %zu", ev.type, ev.len);
	ws_rx_done(&rx);
	CHECK(ws_rx_held(&rx) == 0, "split ping: buffer kept after ws_rx_done");
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(used == w.n && ev.type == WS_TEXT && ws_rx_held(&rx) == 0,
	      "split ping: then the text, type %d", ev.type);
	free(buf);
	wire_free(&w);

	/* a fragmented message keeps its buffer across a split ping and its
	 * ws_rx_done, and lets it go after the message */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, pay, 100);
	wire_frame(&w, FIN | WS_OP_PING, pay, 50);
	half = w.n - 20;                 /* inside the ping */
	wire_frame(&w, FIN | WS_OP_CONT, pay + 100, 200);
	wire_frame(&w, FIN | WS_OP_PONG, LIT(""));
	buf = test_dup(w.p, w.n);
	used = ws_feed(&rx, buf, half, DEFAULT_MAX_MSG, &ev);
	CHECK(used == half && ev.type == WS_NONE && ws_rx_held(&rx) != 0,
	      "fragments: first fragment not kept (type %d)", ev.type);
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(ev.type == WS_PING && ev.len == 50 && memcmp(ev.data, pay, 50) == 0,
	      "fragments: ping type %d", ev.type);
	ws_rx_done(&rx);
	CHECK(ws_rx_held(&rx) != 0, "fragments: the message's buffer went with the ping");
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(ev.type == WS_TEXT && ev.len == sizeof pay &&
	      memcmp(ev.data, pay, sizeof pay) == 0,
	      "fragments: message type %d len %zu", ev.type, ev.len);
	ws_rx_done(&rx);
	CHECK(ws_rx_held(&rx) == 0, "fragments: buffer kept after the message");
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(used == w.n && ev.type == WS_PONG && ws_rx_held(&rx) == 0,
	      "fragments: then a pong, type %d", ev.type);
	free(buf);
	wire_free(&w);
	ws_rx_free(&rx);

	/* ws_rx_done with a control frame half in: its bytes are kept */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_PING, pay, 60);
	buf = test_dup(w.p, w.n);
	ws_rx_init(&rx, WS_SERVER);
	used = ws_feed(&rx, buf, 30, DEFAULT_MAX_MSG, &ev);
	ws_rx_done(&rx);
	CHECK(ev.type == WS_NONE && ws_rx_held(&rx) != 0,
	      "half a ping: its buffer went with ws_rx_done");
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(used == w.n && ev.type == WS_PING && ev.len == 60 &&
	      memcmp(ev.data, pay, 60) == 0, "half a ping, then the rest: type %d len %zu",
	      ev.type, ev.len);
	free(buf);
	wire_free(&w);
	ws_rx_free(&rx);

	/* without ws_rx_done between two split messages, the second is still
	 * right: the buffer is reused, not appended to */
	wire_init(&w);
	wire_frame(&w, FIN | WS_OP_TEXT, pay, 200);
	wire_frame(&w, FIN | WS_OP_TEXT, pay + 1, 150);
	buf = test_dup(w.p, w.n);
	ws_rx_init(&rx, WS_SERVER);
	used = ws_feed(&rx, buf, 100, DEFAULT_MAX_MSG, &ev);
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(ev.type == WS_TEXT && ev.len == 200, "reuse: first type %d", ev.type);
	used += ws_feed(&rx, buf + used, 10, DEFAULT_MAX_MSG, &ev);
	used += ws_feed(&rx, buf + used, w.n - used, DEFAULT_MAX_MSG, &ev);
	CHECK(used == w.n && ev.type == WS_TEXT && ev.len == 150 &&
	      memcmp(ev.data, pay + 1, 150) == 0, "reuse: second type %d len %zu",
	      ev.type, ev.len);
	free(buf);
	wire_free(&w);
	ws_rx_free(&rx);

	/* the buffer grows by doubling but never beyond max_msg, which need
	 * not be a power of two: that is the per-connection memory bound */
	wire_init(&w);
	wire_frame(&w, WS_OP_TEXT, pay, 255);
	wire_frame(&w, WS_OP_CONT, pay + 255, 2);
	wire_frame(&w, FIN | WS_OP_CONT, pay + 257, 43);
	buf = test_dup(w.p, w.n);
	ws_rx_init(&rx, 0);
	used = ws_feed(&rx, buf, w.n, 300, &ev);
	CHECK(used == w.n && ev.type == WS_TEXT && ev.len == 300 &&
	      memcmp(ev.data, pay, 300) == 0 &&
	      ws_rx_held(&rx) <= 300 + sizeof(struct ws_rx) + 160,
	      "max_msg 300: type %d len %zu, holding %zu bytes", ev.type,
	      ev.len, ws_rx_held(&rx));
	free(buf);
	wire_free(&w);
	ws_rx_free(&rx);
}

/* ---- ws_accept and ws_header -------------------------------------------- */

static void test_ws_accept(void)
{
	static const struct { const char *key, *accept; } ok[] = {
		{ "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" }, /* RFC 6455 1.3 */
		{ "x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk=" },
	};
	static const struct { const char *key, *why; } bad[] = {
		{ "", "empty" },
		{ "dGhlIHNhbXBsZSBub25jZQ=", "23 characters" },
		{ "dGhlIHNhbXBsZSBub25jZQ==A", "25 characters" },
		{ "dGhlIHNhbXBsZSBub25jZQ===", "25 characters, padding" },
		{ "dGhlIHNhbXBsZSBub25j", "20 characters, 15 bytes" },
		{ "dGhlIHNhbXBsZSBub25jZXg=", "24 characters, 17 bytes" },
		{ "dGhlIHNhbXBsZSBub25jZXgx", "24 characters, 18 bytes" },
		{ "dGhlIHNhbXBsZSBub25jZQ*=", "'*'" },
		{ "dGhlIHNhbXBsZSBub25j ZQ=", "space" },
		{ "dGhlIHNhbXBsZSBub25jZQ-_", "base64url" },
		{ "dGhlIHNhbXBsZSBub25jZR==", "non-zero pad bits" },
		{ "====dGhlIHNhbXBsZSBub25j", "padding first" },
	};
	char *out;
	size_t i;
	int r;

	for (i = 0; i < COUNT(ok); i++) {
		char *key = (char *)test_dup(ok[i].key, strlen(ok[i].key));

		out = (char *)test_alloc(WS_ACCEPT_LEN + 1);
		r = ws_accept(key, strlen(ok[i].key), out);
		CHECK(r == 0 && strcmp(out, ok[i].accept) == 0,
		      "ws_accept(%s): %d %.*s", ok[i].key, r, WS_ACCEPT_LEN, out);
		free(out);
		free(key);
	}
	for (i = 0; i < COUNT(bad); i++) {
		char *key = (char *)test_dup(bad[i].key, strlen(bad[i].key));

		out = (char *)test_alloc(WS_ACCEPT_LEN + 1);
		r = ws_accept(key, strlen(bad[i].key), out);
		CHECK(r == -1, "ws_accept took a key with %s: %s", bad[i].why,
		      bad[i].key);
		free(out);
		free(key);
	}
}

/* RFC 6455 5.2: the length in the fewest bytes, network order; FIN set,
 * no RSV, no mask. */
static void test_ws_header(void)
{
	static const struct {
		int op;
		uint64_t len;
		size_t n;
		uint8_t want[WS_HEADER_MAX];
	} t[] = {
		{ WS_OP_TEXT, 0, 2, { 0x81, 0x00 } },
		{ WS_OP_TEXT, 125, 2, { 0x81, 0x7D } },
		{ WS_OP_TEXT, 126, 4, { 0x81, 0x7E, 0x00, 0x7E } },
		{ WS_OP_TEXT, 65535, 4, { 0x81, 0x7E, 0xFF, 0xFF } },
		{ WS_OP_TEXT, 65536, 10, { 0x81, 0x7F, 0, 0, 0, 0, 0, 0x01, 0, 0 } },
		{ WS_OP_TEXT, UINT64_C(1) << 32, 10, { 0x81, 0x7F, 0, 0, 0, 0x01, 0, 0, 0, 0 } },
		{ WS_OP_TEXT, UINT64_C(0x0102030405060708), 10,
		  { 0x81, 0x7F, 1, 2, 3, 4, 5, 6, 7, 8 } },
		{ WS_OP_CLOSE, 2, 2, { 0x88, 0x02 } },
		{ WS_OP_PING, 0, 2, { 0x89, 0x00 } },
		{ WS_OP_PONG, 125, 2, { 0x8A, 0x7D } },
	};
	size_t i, n;

	for (i = 0; i < COUNT(t); i++) {
		uint8_t *out = test_alloc(WS_HEADER_MAX);

		n = ws_header(out, t[i].op, t[i].len);
		CHECK(n == t[i].n && memcmp(out, t[i].want, n) == 0,
		      "ws_header(0x%X, %llu): %zu bytes, %02X %02X %02X %02X",
		      (unsigned)t[i].op, (unsigned long long)t[i].len, n,
		      out[0], out[1], n > 2 ? out[2] : 0, n > 3 ? out[3] : 0);
		free(out);
	}
}

/* The relay's side: ws_client_frame builds what a client sends, and a
 * parser in client mode reads what a server sends -- unmasked frames,
 * with a masked one a protocol error (RFC 6455 5.1).  Round trip: a client
 * frame parsed by a server-mode parser gives back the payload. */
static void test_ws_client_mode(void)
{
	static const uint8_t mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t server_text[] = { 0x81, 0x05, 'h', 'e', 'l', 'l', 'o' };
	static const uint8_t server_ping[] = { 0x89, 0x00 };
	static const uint8_t masked[] = { 0x81, 0x81, 1, 2, 3, 4, 'x' ^ 1 };
	uint8_t frame[8 + 300], *buf;
	struct ws_rx rx;
	struct ws_ev ev;
	size_t n, used, i;
	char payload[300];

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (char)('a' + i % 26);
	for (n = 0; n <= sizeof(payload); n += 50) {
		size_t len = ws_client_frame(frame, WS_OP_TEXT, payload, n, mask);

		buf = test_dup(frame, len);
		ws_rx_init(&rx, 0);
		used = ws_feed(&rx, buf, len, DEFAULT_MAX_MSG, &ev);
		CHECK(used == len && ev.type == WS_TEXT && ev.len == n &&
		      (n == 0 || memcmp(ev.data, payload, n) == 0) &&
		      (frame[1] & 0x80) && !memcmp(frame + len - n - 4, mask, 4),
		      "client frame of %zu bytes: used %zu of %zu, type %d",
		      n, used, len, ev.type);
		ws_rx_free(&rx);
		free(buf);
	}

	/* server frames, every split, in client mode */
	for (i = 0; i <= sizeof(server_text); i++) {
		uint8_t all[sizeof(server_text) + sizeof(server_ping)];

		memcpy(all, server_text, sizeof(server_text));
		memcpy(all + sizeof(server_text), server_ping, sizeof(server_ping));
		ws_rx_init(&rx, 1);
		used = ws_feed(&rx, all, i, DEFAULT_MAX_MSG, &ev);
		if (ev.type == WS_NONE)
			used += ws_feed(&rx, all + used, sizeof(server_text) - used,
			    DEFAULT_MAX_MSG, &ev);
		CHECK(ev.type == WS_TEXT && ev.len == 5 && !memcmp(ev.data, "hello", 5),
		      "client mode, split at %zu: type %d", i, ev.type);
		used = ws_feed(&rx, all + sizeof(server_text), sizeof(server_ping),
		    DEFAULT_MAX_MSG, &ev);
		CHECK(used == 2 && ev.type == WS_PING && ev.len == 0,
		      "client mode: empty ping after the text, type %d", ev.type);
		ws_rx_free(&rx);
	}

	/* a masked frame from a server is a protocol error */
	buf = test_dup(masked, sizeof(masked));
	ws_rx_init(&rx, 1);
	ws_feed(&rx, buf, sizeof(masked), DEFAULT_MAX_MSG, &ev);
	CHECK(ev.type == WS_FAIL && ev.code == WS_PROTOCOL_ERROR,
	      "client mode: masked server frame gives type %d code %d", ev.type, ev.code);
	ws_rx_free(&rx);
	free(buf);
}

int main(void)
{
	test_ws_accept();
	test_ws_header();
	test_ws_valid();
	test_ws_close_codes();
	test_ws_framing_errors();
	test_ws_too_big();
	test_ws_utf8();
	test_ws_memory();
	test_ws_client_mode();
	return CHECK_DONE();
}
