/* SPDX-License-Identifier: ISC */
/*
 * mkcorpus.c - writes the seed corpora of the fuzz targets.
 *
 *     cc -std=c99 -o /tmp/mkcorpus tests/fuzz/mkcorpus.c
 *     /tmp/mkcorpus tests/fuzz/corpus
 *
 * A fuzzer starts from its seeds, so they should already reach every part
 * of the code: each valid form, and one input for each class of error.
 * They are written by a program rather than by hand because client frames
 * are masked and a few inputs are long; the seeds are committed, and this
 * file is how to read them (and how to make them again).  Each target's
 * input format is described at the top of its fuzz_*.c; the helpers below
 * add the bytes each format puts in front of or after the data.
 *
 * Most frames use the all-zero mask, which RFC 6455 5.3 allows (the key
 * is merely unpredictable in a real client): the payload is then plain
 * text in the file, so that the fuzzer's mutations -- and a reader --
 * work on JSON rather than on masked noise.  Some use a real key so that
 * unmasking is exercised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- A growing byte string -------------------------------------------- */

struct buf {
	unsigned char p[20000];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->p)) {
		fputs("mkcorpus: seed too long\n", stderr);
		exit(1);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
putc_(struct buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	put(b, &ch, 1);
}

/* ---- Client frames (RFC 6455 5.2) ------------------------------------- */

#define FIN   0x80
#define RSV1  0x40
#define TEXT  0x1
#define CONT  0x0
#define BIN   0x2
#define CLOSE 0x8
#define PING  0x9
#define PONG  0xA

static const unsigned char zero_key[4] = { 0, 0, 0, 0 };
static const unsigned char real_key[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* A frame: b0 (FIN, RSV, opcode), payload p[0..n) masked with key (NULL:
 * not masked), the length in the form given (0 = shortest, else 7, 16 or
 * 64) and announced as len (normally n). */
static void
frame_full(struct buf *b, int b0, const unsigned char *key, int form,
           unsigned long long len, const void *p, size_t n)
{
	const unsigned char *s = p;
	int m = key ? 0x80 : 0, i;
	size_t k;

	if (!form)
		form = len < 126 ? 7 : len <= 0xffff ? 16 : 64;
	putc_(b, b0);
	if (form == 7) {
		putc_(b, m | (int)len);
	} else if (form == 16) {
		putc_(b, m | 126);
		putc_(b, (int)(len >> 8 & 0xff));
		putc_(b, (int)(len & 0xff));
	} else {
		putc_(b, m | 127);
		for (i = 0; i < 8; i++)
			putc_(b, (int)(len >> (56 - 8 * i) & 0xff));
	}
	if (key)
		put(b, key, 4);
	for (k = 0; k < n; k++)
		putc_(b, s[k] ^ (key ? key[k & 3] : 0));
}

static void
frame(struct buf *b, int b0, const char *s)
{
	frame_full(b, b0, zero_key, 0, strlen(s), s, strlen(s));
}

static void
frame_key(struct buf *b, int b0, const char *s)
{
	frame_full(b, b0, real_key, 0, strlen(s), s, strlen(s));
}

static void
frame_n(struct buf *b, int b0, const void *p, size_t n)
{
	frame_full(b, b0, zero_key, 0, n, p, n);
}

static void
close_frame(struct buf *b, int code, const char *why)
{
	unsigned char p[125];
	size_t n = strlen(why);

	p[0] = (unsigned char)(code >> 8);
	p[1] = (unsigned char)code;
	memcpy(p + 2, why, n);
	frame_full(b, FIN | CLOSE, real_key, 0, n + 2, p, n + 2);
}

/* A server's frame, as a relay's upstream sends it: never masked. */
static void
server_frame(struct buf *b, int b0, const char *s)
{
	frame_full(b, b0, NULL, 0, strlen(s), s, strlen(s));
}

static const char upgrade[] =
    "GET /ws HTTP/1.1\r\nHost: localhost:8000\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

/* ---- Writing ------------------------------------------------------------ */

static const char *root;

static void
save(const char *target, const char *name, const struct buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	if (!(f = fopen(path, "wb")) || fwrite(b->p, 1, b->n, f) != b->n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* fuzz_http: byte 0 = number of step bytes - 1, then the steps (one
 * here: each prefix grows by step + 1 bytes). */
static void
http_seed_n(const char *name, int step, const char *req, size_t n)
{
	static struct buf b;

	b.n = 0;
	putc_(&b, 0);
	putc_(&b, step);
	put(&b, req, n);
	save("http", name, &b);
}

static void
http_seed(const char *name, int step, const char *req)
{
	http_seed_n(name, step, req, strlen(req));
}

/* fuzz_ws: byte 0 = max_msg (0xff = 4096, else 8 * byte), byte 1 = seed. */
static void
ws_seed(const char *name, int max, int seed, const struct buf *f)
{
	static struct buf b;

	b.n = 0;
	putc_(&b, max);
	putc_(&b, seed);
	put(&b, f->p, f->n);
	save("ws", name, &b);
}

/* fuzz_json: the message itself. */
static void
json_seed(const char *name, const char *s)
{
	static struct buf b;

	b.n = 0;
	puts_(&b, s);
	save("json", name, &b);
}

/* fuzz_utf8: byte 0 = seed, then the text. */
static void
utf8_seed(const char *name, const char *s, size_t n)
{
	static struct buf b;

	b.n = 0;
	putc_(&b, 0x5a);
	put(&b, s, n);
	save("utf8", name, &b);
}

/* fuzz_conn: the data, then the flags byte and the seed byte. */
static void
conn_seed(const char *name, const struct buf *d, int flags, int seed)
{
	static struct buf b;

	b.n = 0;
	put(&b, d->p, d->n);
	putc_(&b, flags);
	putc_(&b, seed);
	save("conn", name, &b);
}

/* ---- The seeds ---------------------------------------------------------- */

static void
http_seeds(void)
{
	static struct buf b;
	int i;

	http_seed("get", 0, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
	http_seed("head", 3, "HEAD / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
	http_seed("upgrade", 7, upgrade);
	http_seed("upgrade_lf", 0,
	    "GET / HTTP/1.1\nHost: h\nUpgrade: WebSocket/13, h2c\n"
	    "Connection: keep-alive, Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
	    "Sec-WebSocket-Version: 13\n\n");
	http_seed("pipelined", 5,
	    "GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /x?y HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\n"
	    "Host: a\r\nConnection: close\r\n\r\n");
	http_seed("empty_lines", 0, "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
	http_seed("body", 2,
	    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n"
	    "Host: a\r\n\r\n");
	http_seed("absolute", 9,
	    "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"
	    "GET HTTPS://h:8/static/a%2e?q HTTP/1.1\r\nHost: h\r\n\r\n");
	http_seed("absolute_userinfo", 4, "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n");
	http_seed("asterisk", 1, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
	http_seed("static", 3,
	    "GET /static/css/site.css?v=1 HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /static/%2e%2E/%2fetc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /static/a\\b/./c//d/..%00 HTTP/1.1\r\nHost: a\r\n\r\n");
	http_seed("err_method", 0, "G@T / HTTP/1.1\r\nHost: a\r\n\r\n");
	http_seed("err_two_spaces", 0, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n");
	http_seed("err_version", 2, "GET / HTTP/2.0\r\nHost: a\r\n\r\n");
	http_seed("err_no_host", 2, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
	http_seed("err_two_hosts", 2, "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n");
	http_seed("err_cl_negative", 2, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n");
	http_seed("err_cl_twice", 2,
	    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
	http_seed("err_cl_huge", 2,
	    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n");
	http_seed("err_chunked", 2,
	    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
	http_seed("err_fold", 2, "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n");
	http_seed("err_space_colon", 2, "GET / HTTP/1.1\r\nHost : a\r\n\r\n");
	http_seed("err_bare_cr", 2, "GET / HTTP/1.1\rHost: a\r\n\r\n");
	http_seed_n("err_junk", 0, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
	/* The Origin policy (origin.c) on the Origin and Host fields: the
	 * same origin, a default port, IPv6, a look-alike, two Origins. */
	http_seed("origin_same", 3,
	    "GET /ws HTTP/1.1\r\nHost: localhost:8000\r\nOrigin: http://localhost:8000\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
	http_seed("origin_default_port", 5,
	    "GET /ws HTTP/1.1\r\nHost: Example.COM\r\nOrigin: HTTPS://example.com:443\r\n\r\n");
	http_seed("origin_ipv6", 1,
	    "GET /ws HTTP/1.1\r\nHost: [::1]:8000\r\nOrigin: http://[0:0::FFFF:127.0.0.1]:8000\r\n\r\n");
	http_seed("origin_lookalike", 2,
	    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
	    "Origin: http://127.0.0.1.evil.example:8000/\r\n\r\n");
	http_seed("origin_two", 0,
	    "GET /ws HTTP/1.1\r\nOrigin: null\r\nHost: a\r\nOrigin: http://a\r\n\r\n");

	/* 414: a request line over 8 KiB */
	b.n = 0;
	putc_(&b, 0);
	putc_(&b, 0xff);
	puts_(&b, "GET /");
	for (i = 0; i < 8200; i++)
		putc_(&b, 'a');
	puts_(&b, " HTTP/1.1\r\nHost: a\r\n\r\n");
	save("http", "err_414", &b);

	/* 431: 65 header fields */
	b.n = 0;
	putc_(&b, 0);
	putc_(&b, 0x3f);
	puts_(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 64; i++)
		puts_(&b, "X-A: b\r\n");
	puts_(&b, "\r\n");
	save("http", "err_431_fields", &b);
}

static void
ws_seeds(void)
{
	static struct buf f;
	static const char e_acute[] = "\xc3\xa9";
	static unsigned char big[300];

	memset(big, 'x', sizeof(big));
#define WS(name, max, seed, body) do { f.n = 0; body; ws_seed(name, max, seed, &f); } while (0)
	WS("text", 0xff, 1, frame(&f, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"a\"}"));
	WS("text_masked", 0xff, 2, frame_key(&f, FIN | TEXT, "{\"action\": \"unsubscribe\", \"letter\": \"Z\"}"));
	WS("two_texts", 0xff, 3, (frame(&f, FIN | TEXT, "one"), frame_key(&f, FIN | TEXT, "two")));
	WS("empty_text", 0xff, 4, (frame(&f, FIN | TEXT, ""), frame(&f, FIN | TEXT, "a")));
	WS("fragments", 0xff, 5, (frame(&f, TEXT, "{\"act"), frame_key(&f, CONT, "ion\": \"sub"),
	    frame(&f, FIN | CONT, "scribe\", \"letter\": \"b\"}")));
	WS("fragments_empty", 0xff, 6, (frame(&f, TEXT, ""), frame(&f, CONT, ""),
	    frame(&f, FIN | CONT, "")));
	WS("ping_between", 0xff, 7, (frame(&f, TEXT, "ab"), frame_key(&f, FIN | PING, "are you there"),
	    frame(&f, CONT, "cd"), frame(&f, FIN | PONG, "x"), frame(&f, FIN | CONT, "ef")));
	WS("ping_pong", 0xff, 8, (frame(&f, FIN | PING, ""), frame(&f, FIN | PONG, "letterd"),
	    frame_key(&f, FIN | PING, "0123456789012345678901234567890123456789")));
	WS("utf8_across", 0xff, 9, (frame_n(&f, TEXT, e_acute, 1), frame_n(&f, FIN | CONT, e_acute + 1, 1)));
	WS("utf8_4byte", 0xff, 10, frame(&f, FIN | TEXT, "\xf0\x9f\x98\x80 \xe2\x82\xac \xf4\x8f\xbf\xbf"));
	WS("len16", 0xff, 11, frame_n(&f, FIN | TEXT, big, 200));
	WS("len64_small", 0xff, 12, frame_full(&f, FIN | TEXT, real_key, 64, 3, "abc", 3));
	WS("len16_small", 0xff, 13, frame_full(&f, FIN | PING, zero_key, 16, 3, "abc", 3));
	WS("close_1000", 0xff, 14, close_frame(&f, 1000, "bye"));
	WS("close_empty", 0xff, 15, frame(&f, FIN | CLOSE, ""));
	WS("close_3000", 0xff, 16, close_frame(&f, 3000, ""));
	WS("close_4999", 0xff, 17, close_frame(&f, 4999, "\xc3\xa9t\xc3\xa9"));
	WS("close_1014", 0xff, 18, close_frame(&f, 1014, ""));
	WS("close_after_fragment", 0xff, 19, (frame(&f, TEXT, "a"), close_frame(&f, 1001, "")));
	/* 1002 */
	WS("err_close_1byte", 0xff, 20, frame(&f, FIN | CLOSE, "\x03"));
	WS("err_close_1005", 0xff, 21, close_frame(&f, 1005, ""));
	WS("err_close_999", 0xff, 22, close_frame(&f, 999, ""));
	WS("err_close_1015", 0xff, 23, close_frame(&f, 1015, ""));
	WS("err_close_2999", 0xff, 24, close_frame(&f, 2999, ""));
	WS("err_close_5000", 0xff, 25, close_frame(&f, 5000, ""));
	WS("err_rsv", 0xff, 26, frame(&f, FIN | RSV1 | TEXT, "a"));
	WS("err_unmasked", 0xff, 27, frame_full(&f, FIN | TEXT, NULL, 0, 1, "a", 1));
	WS("err_opcode", 0xff, 28, frame(&f, FIN | 0x3, "a"));
	WS("err_opcode_control", 0xff, 29, frame(&f, FIN | 0xB, ""));
	WS("err_cont_alone", 0xff, 30, frame(&f, FIN | CONT, "a"));
	WS("err_text_in_fragments", 0xff, 31, (frame(&f, TEXT, "a"), frame(&f, FIN | TEXT, "b")));
	WS("err_ping_fragmented", 0xff, 32, frame(&f, PING, "a"));
	WS("err_ping_126", 0xff, 33, frame_n(&f, FIN | PING, big, 126));
	WS("err_len64_msb", 0xff, 34, frame_full(&f, FIN | TEXT, zero_key, 64,
	    0x8000000000000001ull, "a", 1));
	/* 1003, 1007, 1009 */
	WS("err_binary", 0xff, 35, frame(&f, FIN | BIN, "a"));
	WS("err_utf8", 0xff, 36, frame(&f, FIN | TEXT, "ab\xc0\xafz"));
	WS("err_utf8_late", 0xff, 37, (frame(&f, TEXT, "abc"), frame(&f, CONT, "\xed"),
	    frame(&f, FIN | CONT, "\xa0\x80")));
	WS("err_utf8_truncated", 0xff, 38, frame(&f, FIN | TEXT, "\xe2\x82"));
	WS("err_close_reason_utf8", 0xff, 39, close_frame(&f, 1000, "\xff"));
	WS("err_too_big", 0x02, 40, frame_n(&f, FIN | TEXT, big, 17));
	WS("max_exact", 0x02, 41, frame_n(&f, FIN | TEXT, big, 16));
	WS("err_too_big_fragments", 0x02, 42, (frame_n(&f, TEXT, big, 10), frame_n(&f, FIN | CONT, big, 7)));
	WS("err_too_big_len64", 0xff, 43, frame_full(&f, FIN | TEXT, zero_key, 64,
	    0x7fffffffffffffffull, "", 0));
	WS("max_zero", 0x00, 44, (frame(&f, FIN | TEXT, ""), frame(&f, FIN | TEXT, "a")));
	/* The relay's side (seed byte 0x80 and up): a server's frames are
	 * not masked, and a masked one is a 1002. */
	WS("client_values", 0xff, 0x81, (frame_full(&f, FIN | TEXT, NULL, 0, 11, "{\"A\": 1234}", 11),
	    frame_full(&f, FIN | PING, NULL, 0, 7, "letterd", 7),
	    frame_full(&f, TEXT, NULL, 0, 6, "{\"B\": ", 6),
	    frame_full(&f, FIN | CONT, NULL, 0, 5, "9999}", 5),
	    frame_full(&f, FIN | CLOSE, NULL, 0, 2, "\x03\xe9", 2)));
	WS("client_len16", 0xff, 0x82, frame_full(&f, FIN | TEXT, NULL, 0, 200, big, 200));
	WS("err_client_masked", 0xff, 0x83, frame(&f, FIN | TEXT, "{}"));
#undef WS
}

static void
json_seeds(void)
{
	static char deep[200];
	int i;

	json_seed("subscribe", "{\"action\": \"subscribe\", \"letter\": \"a\"}");
	json_seed("unsubscribe", "{\"letter\":\"Q\",\"action\":\"unsubscribe\"}");
	json_seed("whitespace", " \t\r\n{ \"action\" :\n\"subscribe\" ,\t\"letter\" : \"z\" }\n");
	json_seed("escapes", "{\"\\u0061ction\": \"sub\\u0073cribe\", \"l\\u0065tter\": \"\\u0041\"}");
	json_seed("escapes_all", "{\"action\": \"subscribe\", \"letter\": \"b\", "
	    "\"x\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uD83D\\uDE00 \\u00e9\"}");
	json_seed("unknown_keys", "{\"id\": 1, \"action\": \"subscribe\", \"v\": [1, -0.5e+10, "
	    "true, false, null, {\"action\": \"unsubscribe\"}], \"letter\": \"m\"}");
	json_seed("duplicates", "{\"action\": \"unsubscribe\", \"action\": \"subscribe\", "
	    "\"letter\": \"a\", \"letter\": \"b\"}");
	json_seed("nested_command", "{\"x\": {\"action\": \"subscribe\", \"letter\": \"a\"}}");
	json_seed("utf8_raw", "{\"action\": \"subscribe\", \"letter\": \"a\", \"\xc3\xa9\": \"\xf0\x9f\x98\x80\"}");
	json_seed("err_array", "[\"action\", \"subscribe\"]");
	json_seed("err_string", "\"subscribe\"");
	json_seed("err_number", "-12.5E-3");
	json_seed("err_missing_action", "{\"letter\": \"a\"}");
	json_seed("err_bad_action", "{\"action\": \"Subscribe\", \"letter\": \"a\"}");
	json_seed("err_action_number", "{\"action\": 1, \"letter\": \"a\"}");
	json_seed("err_missing_letter", "{\"action\": \"subscribe\"}");
	json_seed("err_letter_two", "{\"action\": \"subscribe\", \"letter\": \"ab\"}");
	json_seed("err_letter_digit", "{\"action\": \"subscribe\", \"letter\": \"1\"}");
	json_seed("err_letter_null", "{\"action\": \"subscribe\", \"letter\": null}");
	json_seed("err_letter_accent", "{\"action\": \"subscribe\", \"letter\": \"\\u00e9\"}");
	json_seed("err_lone_surrogate", "{\"action\": \"subscribe\", \"letter\": \"\\ud800a\"}");
	json_seed("err_trailing_comma", "{\"action\": \"subscribe\", \"letter\": \"a\",}");
	json_seed("err_single_quotes", "{'action': 'subscribe'}");
	json_seed("err_unterminated", "{\"action\": \"subscribe");
	json_seed("err_control", "{\"action\": \"sub\tscribe\"}");
	json_seed("err_leading_zero", "{\"n\": 01}");
	json_seed("err_two_values", "{} {}");
	json_seed("err_empty", "");
	json_seed("err_bad_escape", "{\"a\\x\": 1}");
	json_seed("err_bad_literal", "{\"a\": tru}");
	/* 32 levels are allowed, 33 are not */
	for (i = 0; i < 31; i++)
		deep[i] = '[';
	strcpy(deep + 31, "{}");
	for (i = 0; i < 31; i++)
		strcat(deep, "]");
	json_seed("depth_32", deep);
	deep[0] = '\0';
	for (i = 0; i < 33; i++)
		strcat(deep, "[");
	for (i = 0; i < 33; i++)
		strcat(deep, "]");
	json_seed("err_depth_33", deep);
	/* value messages, as a relay reads them (json_value_msg) */
	json_seed("value", "{\"A\": 1234}");
	json_seed("value_escaped", " {\"\\u005a\" : 9999 } ");
	json_seed("value_low", "{\"B\": 999}");
	json_seed("value_float", "{\"C\": 1000.0}");
	json_seed("value_two", "{\"D\": 1000, \"E\": 2000}");
	json_seed("value_string", "{\"F\": \"1234\"}");
	json_seed("value_negative_exp", "{\"G\": -21.5e-3}");
}

static void
utf8_seeds(void)
{
#define U(name, s) utf8_seed(name, s, sizeof(s) - 1)
	U("ascii", "{\"action\": \"subscribe\", \"letter\": \"a\"}");
	U("two_byte", "caf\xc3\xa9 \xc2\x80 \xdf\xbf");
	U("three_byte", "\xe2\x82\xac \xe0\xa0\x80 \xef\xbf\xbf \xed\x9f\xbf \xee\x80\x80");
	U("four_byte", "\xf0\x9f\x98\x80 \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf");
	U("bom", "\xef\xbb\xbfx");
	U("nul", "a\0b");
	U("err_overlong_2", "a\xc0\x80");
	U("err_overlong_c1", "\xc1\xbf");
	U("err_overlong_3", "\xe0\x80\xaf");
	U("err_overlong_4", "\xf0\x8f\xbf\xbf");
	U("err_surrogate", "\xed\xa0\x80");
	U("err_surrogate_low", "\xed\xbf\xbf");
	U("err_above_max", "\xf4\x90\x80\x80");
	U("err_f5", "\xf5\x80\x80\x80");
	U("err_ff", "\xff");
	U("err_continuation", "\x80");
	U("err_lead_then_ascii", "\xe2\x82" "a");
	U("truncated", "ok \xe2\x82");
	U("truncated_4", "\xf0\x9f\x98");
#undef U
}

static void
conn_seeds(void)
{
	static struct buf d;
	static unsigned char big[40];

	memset(big, 'x', sizeof(big));
#define C(name, flags, seed, body) do { d.n = 0; body; conn_seed(name, &d, flags, seed); } while (0)
	C("subscribe", 0, 1, (puts_(&d, upgrade),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"a\"}"),
	    frame_key(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"B\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"unsubscribe\", \"letter\": \"a\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"unsubscribe\", \"letter\": \"c\"}"),
	    close_frame(&d, 1000, "done")));
	C("replies", 0, 2, (puts_(&d, upgrade), frame(&d, FIN | TEXT, "nope"),
	    frame(&d, FIN | TEXT, "[]"), frame(&d, FIN | TEXT, "{}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"x\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"!\"}"),
	    frame(&d, FIN | TEXT, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")));
	C("ticks", 0x01, 3, (puts_(&d, upgrade),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"a\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"z\"}"),
	    frame(&d, FIN | PONG, "letterd"), frame(&d, FIN | PING, "p"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"m\"}"),
	    frame(&d, FIN | PONG, "letterd"), frame(&d, FIN | TEXT, "x")));
	C("fragments_ping", 0, 4, (puts_(&d, upgrade), frame(&d, TEXT, "{\"action\": "),
	    frame(&d, FIN | PING, "between"), frame(&d, FIN | CONT, "\"subscribe\", \"letter\": \"q\"}"),
	    frame(&d, FIN | CLOSE, "")));
	/* FZ_RELAY (0x80): the data is what a relay's upstream sends after
	 * the 101 the fuzzer writes for it, or with its own head */
	C("relay_values", 0x80, 21, (server_frame(&d, FIN | TEXT, "{\"A\": 1234}"),
	    server_frame(&d, FIN | TEXT, "{\"T\": 21.5}"),
	    server_frame(&d, FIN | TEXT, "{\"A\": 1235}"),
	    server_frame(&d, FIN | TEXT, "{\"A\": -7}"),
	    server_frame(&d, FIN | PING, "up"),
	    server_frame(&d, FIN | TEXT, "{\"error\": \"not a value\"}"),
	    server_frame(&d, FIN | TEXT, "{\"Z\": 6.02e23}")));
	C("relay_close", 0x81, 22, (server_frame(&d, FIN | TEXT, "{\"B\": 1}"),
	    server_frame(&d, TEXT, "{\"C\""), server_frame(&d, FIN | PING, "mid"),
	    server_frame(&d, FIN | CONT, ": 2}"), server_frame(&d, FIN | CLOSE, "")));
	C("relay_masked", 0x80, 23, frame(&d, FIN | TEXT, "{\"A\": 1234}"));
	C("relay_head", 0x80, 24, puts_(&d, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
	C("pages", 0, 5, puts_(&d, "GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET /?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3\r\n\r\nabcGET /nope HTTP/1.1\r\nHost: a\r\n\r\n"));
	C("metrics", 0x08, 6, puts_(&d, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
	    "HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.0\r\n\r\n"));
	C("err_key", 0, 7, puts_(&d, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n"));
	C("err_version", 0, 8, puts_(&d, "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 8\r\n\r\n"));
	/* (HEAD /ws with an upgrade gets a 400 with a body: a bug kept in
	 * regress/conn/ until it is fixed, not a seed) */
	C("err_upgrade_no_connection", 0, 9, puts_(&d, "GET /ws HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: websocket\r\nConnection: keep-alive\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
	C("err_upgrade_http10", 0, 10, puts_(&d, "GET /ws HTTP/1.0\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n"));
	C("err_ws_plain", 0, 11, puts_(&d, "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n"));
	C("err_post", 0, 12, puts_(&d, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}"));
	C("err_404", 0, 13, puts_(&d, "GET /static/x HTTP/1.1\r\nHost: a\r\n\r\n"));
	C("err_junk", 0, 14, put(&d, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11));
	C("err_binary", 0, 15, (puts_(&d, upgrade), frame(&d, FIN | BIN, "a")));
	C("err_unmasked", 0, 16, (puts_(&d, upgrade), frame_full(&d, FIN | TEXT, NULL, 0, 2, "{}", 2)));
	C("err_utf8", 0, 17, (puts_(&d, upgrade), frame(&d, TEXT, "{\"a\": \"\xe2"),
	    frame(&d, FIN | CONT, "(\"}")));
	C("err_too_big", 0x02, 18, (puts_(&d, upgrade), frame_n(&d, FIN | TEXT, big, 17)));
	C("err_close_code", 0, 19, (puts_(&d, upgrade), close_frame(&d, 1006, "")));
	C("close_then_more", 0, 20, (puts_(&d, upgrade), close_frame(&d, 4000, "app"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"a\"}")));
	C("no_eof", 0x04, 21, (puts_(&d, upgrade),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"k\"}")));
	C("multi", 0x11, 22, (frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"a\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"b\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"unsubscribe\", \"letter\": \"a\"}"),
	    frame(&d, FIN | PING, ""), frame(&d, FIN | CLOSE, "")));
	C("multi_full", 0x39, 23, (frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"c\"}"),
	    frame(&d, FIN | PONG, "letterd"), frame(&d, FIN | TEXT, "GET /metrics")));
	/* a slow client: tiny socket buffer, events (seed 7 makes it stop
	 * reading early), pages and values piling up */
	C("slow_reader", 0x41, 7, (puts_(&d, upgrade),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"a\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"c\"}"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"e\"}"),
	    frame(&d, FIN | PING, "0123456789012345678901234567890123456789012345678901234567890123456789"),
	    frame(&d, FIN | PING, "0123456789012345678901234567890123456789012345678901234567890123456789"),
	    frame(&d, FIN | TEXT, "{\"action\": \"subscribe\", \"letter\": \"b\"}"),
	    frame(&d, FIN | PONG, "letterd")));
	C("slow_pages", 0x41, 9, puts_(&d, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n"
	    "Host: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
	C("tight_pages", 0x40, 10, puts_(&d, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n"
	    "Host: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"));
#undef C
}

/* fuzz_line: what a writer sends to the feed, as it is (its last byte
 * also seeds the splits). */
static void
line_seed(const char *name, const char *s, size_t n)
{
	static struct buf b;

	b.n = 0;
	put(&b, s, n);
	save("line", name, &b);
}

/* A line of n bytes before its LF: letter, blanks, then number. */
static void
line_long(struct buf *b, size_t n, const char *number)
{
	size_t k;

	putc_(b, 'A');
	for (k = 1 + strlen(number); k < n; k++)
		putc_(b, k % 7 ? ' ' : '\t');
	puts_(b, number);
	putc_(b, '\n');
}

static void
line_seeds(void)
{
	static struct buf b;

#define L(name, s) line_seed(name, s, sizeof(s) - 1)
	L("values", "A 1234\nb -7\nC 0\nD -0\nT 21.5\nE 6.02e23\nF 1E-3\nG 1e+5\n");
	L("blanks", "  A 1\n\tB\t2\t\nC   3   \n \t D \t -4.5e-1 \t \n");
	L("crlf", "A 1\r\nB 2\r\n\r\n# comment\r\nC 3\r\n");
	L("ignored", "\n   \n\t\n# a comment\n  # indented\n#\0\x01\xff\xc3\xa9\n");
	L("longest_number", "N 12345678901234567890123456789012\n"
	    "O -1.234567890123456789012345e+99\n");
	L("err_letter", "12\n\"A\" 1\n= 1\nAB 1\nA1234\nA=1\n");
	L("err_missing_number", "A\nB   \nC\t\n");
	L("err_invalid_number", "A 01\nA +1\nA .5\nA 1.\nA NaN\nA Infinity\n"
	    "A 0x10\nA 1e\nA -\nA \"1\"\nA 1e+\nA 1,5\n");
	L("err_number_too_long", "A 123456789012345678901234567890123\n");
	L("err_trailing", "A 1 2\nA 1 # note\nA 1 B 2\n");
	L("err_bytes", "A\0 1\nA 1\x80\nA \x7f\nA\x0b" "1\nA 1\x1b[0m\n");
	L("err_cr", "A\r1\n\rA 1\nA 1\r\r\nD 4\rE 5\n");
	L("cut_short", "A 1\nB 2");
	L("cut_short_comment", "A 1\n# bye");
#undef L
	/* the 256-byte limit: 256 is a line, 257 is too long, with a CR
	 * counted among the 256 */
	b.n = 0;
	line_long(&b, 256, "1");
	line_long(&b, 257, "2");
	line_seed("limit", (const char *)b.p, b.n);
	b.n = 0;
	line_long(&b, 256, "1\r");
	line_long(&b, 257, "2\r");
	line_seed("limit_crlf", (const char *)b.p, b.n);
	/* a line of 3000 bytes, then a value: one error, and the next line
	 * parsed with its number */
	b.n = 0;
	line_long(&b, 3000, "3");
	puts_(&b, "B 2\n");
	line_long(&b, 600, "4");
	puts_(&b, "C 3\n");
	line_seed("too_long", (const char *)b.p, b.n);
	/* too long and cut short at the end of input */
	b.n = 0;
	line_long(&b, 400, "5");
	b.n--;
	line_seed("too_long_at_end", (const char *)b.p, b.n);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fputs("usage: mkcorpus DIR  (DIR/http, DIR/ws, ... must exist)\n", stderr);
		return 2;
	}
	root = argv[1];
	http_seeds();
	ws_seeds();
	json_seeds();
	utf8_seeds();
	conn_seeds();
	line_seeds();
	return 0;
}
