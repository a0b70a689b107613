/* SPDX-License-Identifier: ISC */
/*
 * fuzz_ws.c - the client frame parser, ws_feed(): framing, unmasking,
 * UTF-8 validation and the assembly of fragmented messages.
 *
 * Input: byte 0 chooses the message size limit (max_msg, the -m flag);
 * byte 1 seeds the splits with its low 7 bits, and its top bit chooses the
 * side: clear, the parser is a server's and the rest of the input is what
 * a client sends after the handshake (masked frames); set, it is the
 * relay's client side and the rest is what a server sends (unmasked).
 *
 * A socket hands the server a client's bytes cut anywhere, so the stream
 * is fed three ways, each exactly as conn.c feeds it (call again with what
 * is left until the buffer is used up; stop after WS_CLOSE or WS_FAIL):
 *
 *   A. whole, in one block;
 *   B. in random pieces, each in its own exact-size block;
 *   C. one byte at a time.
 *
 * Every event is checked on the spot (ev->data is valid only until the
 * next call, so it is copied at once):
 *   - ws_feed consumed at most what it was given, all of it when it
 *     reports no event, and something whenever it was given something
 *     (else conn.c would stash the bytes and never look at them again);
 *   - the event's bytes lie within the caller's buffer or the parser's own
 *     (AddressSanitizer checks the copy too);
 *   - WS_TEXT is valid UTF-8 by the reference decoder and at most max_msg
 *     bytes; pings and pongs carry at most 125 bytes (RFC 6455 5.5);
 *   - WS_CLOSE has a code a peer may send (RFC 6455 7.4) and a UTF-8
 *     reason; WS_FAIL has one of the codes ws.c may send.
 *
 * Then the three event sequences must be the same: same types, codes and
 * bytes, reported after the same byte of the stream.  One exception is by
 * design: an invalid byte in a text payload is reported at the end of the
 * payload bytes that the call was given (ws.c validates what a read holds
 * and fails after it), so the offset of a 1007 may only shrink as the
 * pieces do: one-byte <= random pieces <= whole.
 */
#include "config.h"
#include "fuzz.h"
#include "utf8_ref.h"
#include "ws.h"

struct ws_got {
	int type, code;
	size_t len;
	size_t at;          /* stream bytes consumed when it was reported */
	uint8_t *data;      /* a copy */
};

struct ws_log {
	struct ws_got *ev;
	size_t n, cap;
};

static const char *const ws_names[] = {
	"NONE", "TEXT", "PING", "PONG", "CLOSE", "FAIL"
};

/* 1 if [p, p + n) lies within [base, base + size). */
static int
ws_within(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

	return base && a >= b && a - b <= size && n <= size - (a - b);
}

/* RFC 6455 7.4: what a client may put in a close frame. */
static int
ws_peer_code(int c)
{
	return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) ||
	    (c >= 3000 && c <= 4999);
}

/* Checks one event of one call and appends it to the log.  buf[0..len)
 * is what that call was given. */
static void
ws_record(struct ws_log *log, const struct ws_rx *rx, const struct ws_ev *ev,
          const uint8_t *buf, size_t len, size_t used, size_t at, size_t max_msg)
{
	struct ws_got *g;

	FUZZ_CHECK(used <= len, "consumed %zu of %zu", used, len);
	FUZZ_CHECK(!len || used, "consumed nothing of %zu bytes", len);
	FUZZ_CHECK(ev->type >= WS_NONE && ev->type <= WS_FAIL, "event type %d", ev->type);
	if (ev->type == WS_NONE) {
		FUZZ_CHECK(used == len, "no event, but %zu of %zu bytes left",
		    len - used, len);
		return;
	}
	if (ev->type == WS_FAIL) {
		FUZZ_CHECK(ev->code == WS_PROTOCOL_ERROR || ev->code == WS_UNSUPPORTED ||
		    ev->code == WS_INVALID_DATA || ev->code == WS_TOO_BIG,
		    "fail code %d", ev->code);
	} else {
		/* the parser's own memory is opaque: one block of
		 * ws_rx_held() bytes at rx->part */
		FUZZ_CHECK(ev->len == 0 || ws_within(ev->data, ev->len, buf, len) ||
		    ws_within(ev->data, ev->len, (const uint8_t *)rx->part, ws_rx_held(rx)),
		    "%s data outside every buffer", ws_names[ev->type]);
	}
	if (ev->type == WS_TEXT) {
		FUZZ_CHECK(ev->len <= max_msg, "text of %zu bytes over max_msg %zu",
		    ev->len, max_msg);
		FUZZ_CHECK(utf8_ref_check(ev->data, ev->len, NULL, NULL) == UTF8_REF_OK,
		    "text of %zu bytes is not valid UTF-8", ev->len);
	} else if (ev->type == WS_PING || ev->type == WS_PONG) {
		FUZZ_CHECK(ev->len <= WS_CONTROL_MAX, "%s of %zu bytes",
		    ws_names[ev->type], ev->len);
	} else if (ev->type == WS_CLOSE) {
		FUZZ_CHECK(ws_peer_code(ev->code), "close code %d", ev->code);
		FUZZ_CHECK(ev->len <= WS_CONTROL_MAX - 2, "close reason of %zu bytes",
		    ev->len);
		FUZZ_CHECK(utf8_ref_check(ev->data, ev->len, NULL, NULL) == UTF8_REF_OK,
		    "close reason is not valid UTF-8");
	}

	if (log->n == log->cap) {
		log->cap = log->cap ? 2 * log->cap : 16;
		log->ev = realloc(log->ev, log->cap * sizeof(*log->ev));
		FUZZ_CHECK(log->ev != NULL, "out of memory");
	}
	g = &log->ev[log->n++];
	g->type = ev->type;
	g->code = ev->type == WS_FAIL || ev->type == WS_CLOSE ? ev->code : 0;
	g->len = ev->type == WS_FAIL ? 0 : ev->len;
	g->at = at;
	g->data = fuzz_dup(ev->data, g->len);
}

static void
ws_log_free(struct ws_log *log)
{
	size_t i;

	for (i = 0; i < log->n; i++)
		free(log->ev[i].data);
	free(log->ev);
}

/* Feeds s[0..n) in pieces: each piece size from next_piece (0 = whole),
 * each piece copied to its own block, as a read lands in a buffer. */
static void
ws_run(struct ws_log *log, const uint8_t *s, size_t n, size_t max_msg, int client,
       int mode, struct fuzz_rng *rng)
{
	struct ws_rx rx;
	size_t start = 0;
	int done = 0;

	memset(log, 0, sizeof(*log));
	ws_rx_init(&rx, client);
	while (start < n && !done) {
		size_t k = mode == 0 ? n : mode == 1 ? fuzz_rng_piece(rng, n - start) : 1;
		uint8_t *buf = fuzz_dup(s + start, k);
		size_t off = 0;

		/* conn.c's loop: feed what is left until it is used up */
		while (off < k && !done) {
			struct ws_ev ev;
			size_t used = ws_feed(&rx, buf + off, k - off, max_msg, &ev);

			ws_record(log, &rx, &ev, buf + off, k - off, used,
			    start + off + used, max_msg);
			off += used;
			done = ev.type == WS_CLOSE || ev.type == WS_FAIL;
		}
		free(buf);
		start += k;
	}
	ws_rx_free(&rx);
}

/* B and C against A. */
static void
ws_compare(const struct ws_log *a, const struct ws_log *b, const char *how)
{
	size_t i;

	FUZZ_CHECK(a->n == b->n, "%s: %zu events, whole: %zu", how, b->n, a->n);
	for (i = 0; i < a->n; i++) {
		const struct ws_got *x = &a->ev[i], *y = &b->ev[i];

		FUZZ_CHECK(x->type == y->type && x->code == y->code,
		    "%s: event %zu is %s %d, whole: %s %d", how, i,
		    ws_names[y->type], y->code, ws_names[x->type], x->code);
		FUZZ_CHECK(x->len == y->len && (!x->len || !memcmp(x->data, y->data, x->len)),
		    "%s: event %zu (%s) carries other bytes (%zu, whole %zu)", how, i,
		    ws_names[x->type], y->len, x->len);
		if (x->type == WS_FAIL && x->code == WS_INVALID_DATA)
			FUZZ_CHECK(y->at <= x->at, "%s: 1007 after byte %zu, whole: %zu",
			    how, y->at, x->at);
		else
			FUZZ_CHECK(x->at == y->at, "%s: event %zu (%s) after byte %zu, whole: %zu",
			    how, i, ws_names[x->type], y->at, x->at);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_log whole, pieces, bytes;
	struct fuzz_rng rng;
	size_t max_msg, n, i;
	int client;

	if (size < 2)
		return 0;
	/* 0xff is the default; other values are small, where 1009 is easy
	 * to reach (0 allows only empty messages) */
	max_msg = data[0] == 0xff ? DEFAULT_MAX_MSG : (size_t)data[0] * 8;
	client = data[1] >> 7;
	fuzz_rng_init(&rng, data[1] & 0x7f);
	n = size - 2;

	ws_run(&whole, data + 2, n, max_msg, client, 0, NULL);
	ws_run(&pieces, data + 2, n, max_msg, client, 1, &rng);
	ws_run(&bytes, data + 2, n, max_msg, client, 2, NULL);
	ws_compare(&whole, &pieces, "random pieces");
	ws_compare(&whole, &bytes, "byte at a time");
	for (i = 0; i < bytes.n; i++)
		if (bytes.ev[i].type == WS_FAIL && bytes.ev[i].code == WS_INVALID_DATA)
			FUZZ_CHECK(bytes.ev[i].at <= pieces.ev[i].at,
			    "1007 after byte %zu one byte at a time, %zu in pieces",
			    bytes.ev[i].at, pieces.ev[i].at);
	ws_log_free(&whole);
	ws_log_free(&pieces);
	ws_log_free(&bytes);
	return 0;
}
