/* SPDX-License-Identifier: ISC */
/*
 * unit_codec.c - tests of sha1.c, base64.c and utf8.c.
 *
 * Three kinds of evidence, as STYLE.md asks: published vectors (RFC 3174
 * 7.3, RFC 4648 10, RFC 6455 1.3), every split of every short input (the
 * server meets its input in arbitrary pieces), and exhaustive sweeps where
 * the input space is small enough (all 256 lead bytes, all 2^21 values a
 * 4-byte UTF-8 form can carry).  Inputs are copied into heap blocks of their
 * exact size first, so that an over-read is caught by -fsanitize=address.
 *
 * Loops that run thousands of cases count their failures and make one
 * CHECK, reporting the first failure, so that the total stays readable.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sha1.h"
#include "base64.h"
#include "utf8.h"

/* A string literal and its length, NUL bytes inside it included. */
#define LIT(s) s, sizeof s - 1

/* An exact-size heap block (malloc(0) may return NULL, hence the 1). */
/* ---- SHA-1 -------------------------------------------------------------
 * The four tests of RFC 3174 7.3, plus lengths around the padding
 * boundaries (55, 56, 63, 64, 65 bytes: one or two final blocks) and the
 * empty message, whose digests came from coreutils sha1sum. */

struct sha1_vector {
	const char *name;
	const char *text;       /* repeated `repeat` times */
	size_t len;
	unsigned long repeat;
	const char *digest;     /* lowercase hex */
};

static const struct sha1_vector sha1_vectors[] = {
	{ "TEST1", LIT("abc"), 1,
	  "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ "TEST2",
	  LIT("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), 1,
	  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ "TEST3", LIT("a"), 1000000,
	  "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
	{ "TEST4", LIT("01234567012345670123456701234567"
	               "01234567012345670123456701234567"), 10,
	  "dea356a2cddd90c7a7ecedc5ebb563934f460452" },
	{ "empty", LIT(""), 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	{ "55 a", LIT("a"), 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
	{ "56 a", LIT("a"), 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
	{ "63 a", LIT("a"), 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5" },
	{ "64 a", LIT("a"), 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
	{ "65 a", LIT("a"), 65, "11655326c708d70319be2610e8a57d9a5b959d3b" },
};

static void test_hex(const uint8_t *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The hex digest of p[0..n) fed as p[0..cut) and p[cut..n); each part is
 * its own heap block so that reading past either one is caught. */
static void sha1_split_hex(const uint8_t *p, size_t n, size_t cut,
                           char hex[2 * SHA1_LEN + 1])
{
	uint8_t *a = test_dup(p, cut), *b = test_dup(p + cut, n - cut);
	uint8_t d[SHA1_LEN];
	struct sha1_ctx c;

	sha1_init(&c);
	sha1_update(&c, a, cut);
	sha1_update(&c, b, n - cut);
	sha1_final(&c, d);
	test_hex(d, SHA1_LEN, hex);
	free(a);
	free(b);
}

/* The long TEST3 goes in pieces of `step` bytes (1 is what RFC 3174's own
 * test program does). */
static void sha1_test_steps(const uint8_t *p, size_t n, const char *want)
{
	static const size_t steps[] = { 1, 3, 63, 64, 65, 4096, 99991 };
	size_t s, i;

	for (s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		struct sha1_ctx c;
		uint8_t d[SHA1_LEN];
		char hex[2 * SHA1_LEN + 1];

		sha1_init(&c);
		for (i = 0; i < n; i += steps[s])
			sha1_update(&c, p + i, n - i < steps[s] ? n - i : steps[s]);
		sha1_final(&c, d);
		test_hex(d, SHA1_LEN, hex);
		CHECK(strcmp(hex, want) == 0, "sha1 TEST3 in steps of %zu: %s",
		      steps[s], hex);
	}
}

static void test_sha1(void)
{
	size_t v, i;

	for (v = 0; v < sizeof sha1_vectors / sizeof sha1_vectors[0]; v++) {
		const struct sha1_vector *t = &sha1_vectors[v];
		size_t n = t->len * t->repeat, cut, bad = 0, first = 0;
		uint8_t *msg = test_alloc(n);
		char hex[2 * SHA1_LEN + 1];

		for (i = 0; i < t->repeat; i++)
			memcpy(msg + i * t->len, t->text, t->len);

		sha1_split_hex(msg, n, n, hex);
		CHECK(strcmp(hex, t->digest) == 0, "sha1 %s whole: %s",
		      t->name, hex);
		if (n > 1000) {
			sha1_test_steps(msg, n, t->digest);
		} else {
			for (cut = 0; cut <= n; cut++) {
				sha1_split_hex(msg, n, cut, hex);
				if (strcmp(hex, t->digest) != 0 && bad++ == 0)
					first = cut;
			}
			CHECK(bad == 0, "sha1 %s: %zu of %zu splits wrong, "
			      "first at %zu", t->name, bad, n + 1, first);
		}
		free(msg);
	}
}

/* ---- base64 ---------------------------------------------------------- */

static const struct { const char *raw, *enc; } base64_vectors[] = {
	/* RFC 4648 10 */
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* Inputs the strict decoder must refuse, each with the reason. */
static const struct { const char *s; size_t n; const char *why; }
base64_bad[] = {
	{ LIT("Z"), "length 1" },
	{ LIT("Zg"), "length 2, padding left out" },
	{ LIT("Zg="), "length 3" },
	{ LIT("Zm9vY"), "length 5" },
	{ LIT("Zm9*"), "'*' outside the alphabet" },
	{ LIT("Zm9-"), "'-' is the base64url alphabet" },
	{ LIT("Zm9_"), "'_' is the base64url alphabet" },
	{ LIT("Zm\0v"), "NUL" },
	{ LIT("Zm\x80v"), "byte above 0x7F" },
	{ LIT("Zm9 "), "space" },
	{ LIT(" Zm9"), "leading space" },
	{ LIT("Zm9v\r\nYg"), "CRLF line break" },
	{ LIT("Zg=\n"), "newline after padding" },
	{ LIT("===="), "only padding" },
	{ LIT("Z==="), "'=' in place 2" },
	{ LIT("=Zg="), "'=' first" },
	{ LIT("Z=g="), "'=' in place 2 then data" },
	{ LIT("Zg=a"), "data after '='" },
	{ LIT("Zg=A"), "data after '=', zero bits" },
	{ LIT("A==="), "'=' in place 2, zero bits" },
	{ LIT("Zg==Zg=="), "padding in a group that is not last" },
	{ LIT("Zm8=Zm9v"), "padding in a group that is not last" },
	{ LIT("Zh=="), "non-zero pad bits (4 bits)" },
	{ LIT("Zm9="), "non-zero pad bits (2 bits)" },
	{ LIT("Zm9vYr=="), "non-zero pad bits after a whole group" },
};

static void test_base64(void)
{
	uint8_t all[256], dec[256];
	char enc[BASE64_LEN(256) + 1];
	size_t v, n, i, bad = 0;
	long r;

	for (v = 0; v < sizeof base64_vectors / sizeof base64_vectors[0]; v++) {
		const char *raw = base64_vectors[v].raw;
		const char *want = base64_vectors[v].enc;
		size_t rn = strlen(raw), en = strlen(want);
		uint8_t *in = test_dup(raw, rn);
		uint8_t *out = test_alloc(rn);  /* exact cap, not more */
		char *e = (char *)test_dup(want, en);

		memset(enc, 'X', sizeof enc);
		n = base64_encode(in, rn, enc);
		CHECK(n == en && n == BASE64_LEN(rn) && strcmp(enc, want) == 0,
		      "base64 encode \"%s\": got \"%s\"", raw, enc);

		r = base64_decode(e, en, out, rn);
		CHECK(r == (long)rn && memcmp(out, raw, rn) == 0,
		      "base64 decode \"%s\": %ld", want, r);
		if (rn > 0) {
			r = base64_decode(e, en, out, rn - 1);
			CHECK(r == -1, "base64 decode \"%s\" cap %zu: %ld",
			      want, rn - 1, r);
		}
		free(in);
		free(out);
		free(e);
	}

	for (v = 0; v < sizeof base64_bad / sizeof base64_bad[0]; v++) {
		char *e = (char *)test_dup(base64_bad[v].s, base64_bad[v].n);

		r = base64_decode(e, base64_bad[v].n, dec, sizeof dec);
		CHECK(r == -1, "base64 accepted bad input (%s): %ld",
		      base64_bad[v].why, r);
		free(e);
	}
	r = base64_decode("Zg==", 4, dec, 0);
	CHECK(r == -1, "base64 \"Zg==\" into cap 0: %ld", r);
	r = base64_decode("", 0, dec, 0);
	CHECK(r == 0, "base64 empty input into cap 0: %ld", r);

	/* Round trip of every length 0..256 over all byte values. */
	for (i = 0; i < sizeof all; i++)
		all[i] = (uint8_t)(i * 167 + 13);
	for (n = 0; n <= sizeof all; n++) {
		size_t en = base64_encode(all, n, enc);

		r = base64_decode(enc, en, dec, n);
		if (en != BASE64_LEN(n) || r != (long)n
		    || memcmp(dec, all, n) != 0)
			bad++;
	}
	CHECK(bad == 0, "base64 round trip: %zu lengths failed", bad);
}

/* RFC 6455 1.3: the sample key, its 16 bytes, and the accept value. */
static void test_accept_key(void)
{
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	struct sha1_ctx c;
	uint8_t d[SHA1_LEN], nonce[16];
	char acc[BASE64_LEN(SHA1_LEN) + 1];
	long r;

	r = base64_decode(key, strlen(key), nonce, sizeof nonce);
	CHECK(r == 16 && memcmp(nonce, "the sample nonce", 16) == 0,
	      "sample key decodes to %ld bytes", r);

	sha1_init(&c);
	sha1_update(&c, key, strlen(key));
	sha1_update(&c, guid, strlen(guid));
	sha1_final(&c, d);
	CHECK(base64_encode(d, SHA1_LEN, acc) == 28
	      && strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
	      "accept key: %s", acc);
}

/* ---- UTF-8 ----------------------------------------------------------- */

enum { V_OK, V_BAD, V_MORE };   /* complete, invalid, inside a code point */

static int utf8_verdict(uint32_t st)
{
	return st == UTF8_OK ? V_OK : st == UTF8_BAD ? V_BAD : V_MORE;
}

/* at: index of the byte that must be the first one rejected, or -1.
 * Beware hex escapes: "\xC2" "A" must be two literals, or the A is
 * taken as a third hex digit. */
static const struct utf8_case {
	const char *name, *s;
	size_t n;
	int verdict;
	long at;
} utf8_cases[] = {
	{ "empty", LIT(""), V_OK, -1 },
	{ "ASCII", LIT("Hello, world!"), V_OK, -1 },
	{ "U+0000", LIT("\0"), V_OK, -1 },
	{ "U+007F", LIT("\x7F"), V_OK, -1 },
	{ "U+0080", LIT("\xC2\x80"), V_OK, -1 },
	{ "U+07FF", LIT("\xDF\xBF"), V_OK, -1 },
	{ "U+0800", LIT("\xE0\xA0\x80"), V_OK, -1 },
	{ "U+20AC", LIT("\xE2\x82\xAC"), V_OK, -1 },
	{ "U+D7FF", LIT("\xED\x9F\xBF"), V_OK, -1 },
	{ "U+E000", LIT("\xEE\x80\x80"), V_OK, -1 },
	{ "U+FFFD", LIT("\xEF\xBF\xBD"), V_OK, -1 },
	{ "U+FFFF", LIT("\xEF\xBF\xBF"), V_OK, -1 },
	{ "U+10000", LIT("\xF0\x90\x80\x80"), V_OK, -1 },
	{ "U+1F600", LIT("\xF0\x9F\x98\x80"), V_OK, -1 },
	{ "U+10FFFF", LIT("\xF4\x8F\xBF\xBF"), V_OK, -1 },
	{ "kosme", LIT("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"),
	  V_OK, -1 },
	{ "mixed", LIT("a\xC2\x80" "b\xE0\xA0\x80" "c\xF0\x90\x80\x80" "d"),
	  V_OK, -1 },

	/* overlong '/' (U+002F) and NUL in 2, 3 and 4 bytes, and the
	 * largest overlongs; rejected at the first byte that decides */
	{ "overlong / 2", LIT("\xC0\xAF"), V_BAD, 0 },
	{ "overlong / 3", LIT("\xE0\x80\xAF"), V_BAD, 1 },
	{ "overlong / 4", LIT("\xF0\x80\x80\xAF"), V_BAD, 1 },
	{ "overlong NUL 2", LIT("\xC0\x80"), V_BAD, 0 },
	{ "overlong NUL 3", LIT("\xE0\x80\x80"), V_BAD, 1 },
	{ "overlong NUL 4", LIT("\xF0\x80\x80\x80"), V_BAD, 1 },
	{ "overlong U+007F", LIT("\xC1\xBF"), V_BAD, 0 },
	{ "overlong U+07FF", LIT("\xE0\x9F\xBF"), V_BAD, 1 },
	{ "overlong U+FFFF", LIT("\xF0\x8F\xBF\xBF"), V_BAD, 1 },
	{ "E0 80 (fail fast)", LIT("\xE0\x80"), V_BAD, 1 },

	{ "U+D800", LIT("\xED\xA0\x80"), V_BAD, 1 },
	{ "U+DBFF", LIT("\xED\xAF\xBF"), V_BAD, 1 },
	{ "U+DC00", LIT("\xED\xB0\x80"), V_BAD, 1 },
	{ "U+DFFF", LIT("\xED\xBF\xBF"), V_BAD, 1 },
	{ "surrogate pair", LIT("\xED\xA0\x80\xED\xB0\x80"), V_BAD, 1 },
	{ "ED A0 (fail fast)", LIT("\xED\xA0"), V_BAD, 1 },

	{ "U+110000", LIT("\xF4\x90\x80\x80"), V_BAD, 1 },
	{ "F4 90 (fail fast)", LIT("\xF4\x90"), V_BAD, 1 },
	{ "U+1FFFFF", LIT("\xF7\xBF\xBF\xBF"), V_BAD, 0 },
	{ "F5", LIT("\xF5"), V_BAD, 0 },
	{ "F5 80 80 80", LIT("\xF5\x80\x80\x80"), V_BAD, 0 },
	{ "5-byte form", LIT("\xF8\x88\x80\x80\x80"), V_BAD, 0 },
	{ "6-byte form", LIT("\xFC\x84\x80\x80\x80\x80"), V_BAD, 0 },
	{ "FE", LIT("\xFE"), V_BAD, 0 },
	{ "FF", LIT("\xFF"), V_BAD, 0 },
	{ "C0", LIT("\xC0"), V_BAD, 0 },
	{ "C1", LIT("\xC1"), V_BAD, 0 },

	{ "lone 80", LIT("\x80"), V_BAD, 0 },
	{ "lone BF", LIT("\xBF"), V_BAD, 0 },
	{ "ASCII then 80", LIT("a\x80"), V_BAD, 1 },
	{ "extra continuation", LIT("\xC2\x80\x80"), V_BAD, 2 },
	{ "ASCII inside 2", LIT("\xC2" "A"), V_BAD, 1 },
	{ "ASCII inside 3", LIT("\xE2\x82" "A"), V_BAD, 2 },
	{ "ASCII inside 4", LIT("\xF0\x9F\x98" "A"), V_BAD, 3 },
	{ "lead inside 2", LIT("\xC2\xC2\x80"), V_BAD, 1 },
	{ "late surrogate",
	  LIT("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80" "edited"),
	  V_BAD, 12 },
	{ "late C0", LIT("Hello\xC0"), V_BAD, 5 },

	/* truncated: a message may not end here, but it is not wrong yet */
	{ "cut 2 of 2", LIT("\xC2"), V_MORE, -1 },
	{ "cut 1 of 3", LIT("\xE0"), V_MORE, -1 },
	{ "cut 2 of 3", LIT("\xE0\xA0"), V_MORE, -1 },
	{ "cut ED 9F", LIT("\xED\x9F"), V_MORE, -1 },
	{ "cut 1 of 4", LIT("\xF0"), V_MORE, -1 },
	{ "cut 2 of 4", LIT("\xF0\x90"), V_MORE, -1 },
	{ "cut 3 of 4", LIT("\xF4\x8F\xBF"), V_MORE, -1 },
	{ "cut after ASCII", LIT("a\xCE"), V_MORE, -1 },
};

/* Index of the first byte after which the state is UTF8_BAD, feeding one
 * byte per call, or -1; *end gets the final state. */
static long utf8_first_bad(const uint8_t *p, size_t n, uint32_t *end)
{
	uint32_t st = UTF8_OK;
	long at = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		st = utf8_feed(st, p + i, 1);
		if (st == UTF8_BAD && at < 0)
			at = (long)i;
	}
	*end = st;
	return at;
}

static void test_utf8_cases(void)
{
	size_t v, cut;

	for (v = 0; v < sizeof utf8_cases / sizeof utf8_cases[0]; v++) {
		const struct utf8_case *t = &utf8_cases[v];
		uint8_t *p = test_dup(t->s, t->n);
		uint32_t whole = utf8_feed(UTF8_OK, p, t->n), st;
		size_t bad = 0;
		long at;

		CHECK(utf8_verdict(whole) == t->verdict,
		      "utf8 %s: verdict %d, want %d", t->name,
		      utf8_verdict(whole), t->verdict);

		/* Both parts in blocks of their own, for the sanitizer. */
		for (cut = 0; cut <= t->n; cut++) {
			uint8_t *a = test_dup(t->s, cut);
			uint8_t *b = test_dup(t->s + cut, t->n - cut);

			st = utf8_feed(utf8_feed(UTF8_OK, a, cut), b, t->n - cut);
			if (st != whole)
				bad++;
			free(a);
			free(b);
		}
		CHECK(bad == 0, "utf8 %s: %zu splits disagree", t->name, bad);

		at = utf8_first_bad(p, t->n, &st);
		CHECK(at == t->at && st == whole,
		      "utf8 %s: first bad byte %ld, want %ld", t->name, at,
		      t->at);
		free(p);
	}
}

/* Every byte alone: ASCII is complete, C2..F4 open a code point, and the
 * rest (continuations, C0, C1, F5..FF) can never start one.  And no byte
 * at all brings a message back from UTF8_BAD. */
static void test_utf8_bytes(void)
{
	unsigned b, bad = 0, unstuck = 0;

	for (b = 0; b < 256; b++) {
		uint8_t c = (uint8_t)b;
		int want = b < 0x80 ? V_OK : b < 0xC2 ? V_BAD
		         : b < 0xF5 ? V_MORE : V_BAD;

		if (utf8_verdict(utf8_feed(UTF8_OK, &c, 1)) != want && bad++ == 0)
			fprintf(stderr, "utf8 byte %02X misjudged\n", b);
		if (utf8_feed(UTF8_BAD, &c, 1) != UTF8_BAD)
			unstuck++;
	}
	CHECK(bad == 0, "utf8 single bytes: %u misjudged", bad);
	CHECK(unstuck == 0, "utf8: %u bytes leave UTF8_BAD", unstuck);
}

/* A plain encoder for the sweep: cp in exactly len bytes, even when that
 * is longer than needed (an overlong form) or cp is not a scalar value. */
static void utf8_encode(uint32_t cp, size_t len, uint8_t *out)
{
	static const uint8_t mark[5] = { 0, 0x00, 0xC0, 0xE0, 0xF0 };
	size_t i;

	for (i = len - 1; i > 0; i--) {
		out[i] = (uint8_t)(0x80 | (cp & 0x3F));
		cp >>= 6;
	}
	out[0] = (uint8_t)(mark[len] | cp);
}

static size_t utf8_shortest(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* All 2^21 values in every length that can hold them.  The shortest form
 * is valid iff the value is a Unicode scalar value (RFC 3629 3); every
 * longer form is an overlong and is refused.  The expected rejecting byte
 * follows from RFC 3629 4: the lead byte for C0, C1 and F5..F7, else the
 * first continuation byte. */
static void test_utf8_sweep(void)
{
	unsigned long bad[2] = { 0, 0 };
	uint32_t cp, st;
	size_t len;

	for (cp = 0; cp < 0x200000; cp++) {
		for (len = utf8_shortest(cp); len <= 4; len++) {
			int overlong = len > utf8_shortest(cp);
			int valid = !overlong && cp <= 0x10FFFF
			          && (cp < 0xD800 || cp > 0xDFFF);
			long want = valid ? -1
			          : overlong ? (len == 2 ? 0 : 1)
			          : cp >= 0x140000 ? 0 : 1;
			uint8_t buf[4];
			long at;

			utf8_encode(cp, len, buf);
			at = utf8_first_bad(buf, len, &st);
			if (at != want || utf8_feed(UTF8_OK, buf, len)
			    != (valid ? UTF8_OK : UTF8_BAD)) {
				if (bad[overlong]++ == 0)
					fprintf(stderr, "utf8 U+%04lX in %zu "
					        "bytes: rejected at %ld\n",
					        (unsigned long)cp, len, at);
			}
		}
	}
	CHECK(bad[0] == 0, "utf8 sweep, shortest forms: %lu wrong", bad[0]);
	CHECK(bad[1] == 0, "utf8 sweep, overlong forms: %lu wrong", bad[1]);
}

/* Every valid code point in one stream, fed in pieces of awkward sizes:
 * the state must carry across every call and end UTF8_OK. */
static void test_utf8_stream(void)
{
	static const size_t steps[] = { 1, 2, 3, 5, 7, 4093 };
	uint8_t *buf = test_alloc(4 * 0x110000);
	size_t n = 0, s, i;
	uint32_t cp;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		utf8_encode(cp, utf8_shortest(cp), buf + n);
		n += utf8_shortest(cp);
	}
	for (s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		uint32_t st = UTF8_OK;

		for (i = 0; i < n && st != UTF8_BAD; i += steps[s])
			st = utf8_feed(st, buf + i,
			               n - i < steps[s] ? n - i : steps[s]);
		CHECK(st == UTF8_OK, "utf8 stream in steps of %zu: state %lu",
		      steps[s], (unsigned long)st);
	}
	free(buf);
}

int main(void)
{
	test_sha1();
	test_base64();
	test_accept_key();
	test_utf8_cases();
	test_utf8_bytes();
	test_utf8_sweep();
	test_utf8_stream();
	return CHECK_DONE();
}
