/* SPDX-License-Identifier: ISC */
/*
 * json.c - the client command parser and the value-message parser
 * (RFC 8259).
 *
 * A client sends one JSON object per text message, such as
 * {"action": "subscribe", "letter": "a"}.  We only ever need two string
 * members of the outermost object, but we still check the whole text against
 * the RFC 8259 grammar: a server that half-parses its input answers nonsense
 * with a confident guess, and a client deserves "invalid JSON" instead.
 *
 * The parser is a recursive descent over a cursor (bytes, length, position).
 * Every read goes through json_peek(), which is the one place that knows the
 * input is s[0..n) and not NUL-terminated.  Recursion happens only on '{' and
 * '[' and stops at JSON_MAX_DEPTH (RFC 8259 9 lets a parser limit nesting),
 * so the stack a hostile client can make us use is bounded.  Nothing is
 * allocated: strings are decoded into a small buffer on the stack, which is
 * enough because the only strings we compare are "action", "letter",
 * "subscribe", "unsubscribe" and one letter.
 */
#include <string.h>

#include "json.h"

/* Decoded strings longer than this cannot be any name we look for (the
 * longest is "unsubscribe"), so they are validated but not kept. */
#define JSON_STR_MAX 16

struct json_cur {
	const char *s;
	size_t n;          /* s[0..n) is all there is; s[n] may not exist */
	size_t i;          /* next byte to look at */
	const char *why;   /* reason to give if parsing fails */
};

/* A decoded string, or as much of it as fits.  nomatch marks a string that
 * must equal nothing we compare it with: it was too long for buf, or held a
 * lone surrogate escape, which RFC 8259 8.2 lets through the grammar but
 * which names no character. */
struct json_str {
	unsigned char buf[JSON_STR_MAX];
	size_t len;
	int nomatch;
	unsigned high;     /* a \uD800..\uDBFF waiting for its low half, or 0 */
};

/* What the outermost object said.  0 = key absent, -1 = present but its
 * value is unusable, else the enum json_action or the letter.  Each time a
 * key appears it overwrites the previous value: the last one wins, as with
 * Python's json module (RFC 8259 4 leaves duplicate names to the parser). */
struct json_found {
	int action;
	int letter;
};

static int json_value(struct json_cur *c, int depth, struct json_found *top);

/*
 * Bytes and tokens.  json_peek() returns the next byte as 0..255, or -1 at
 * the end of input, so every caller can compare it with a character and a
 * truncated text simply fails the comparison.
 */
static int
json_peek(const struct json_cur *c)
{
	return c->i < c->n ? (unsigned char)c->s[c->i] : -1;
}

/* Steps over the next byte if it is ch, so the cursor never passes n. */
static int
json_eat(struct json_cur *c, int ch)
{
	if (json_peek(c) != ch)
		return 0;
	c->i++;
	return 1;
}

/* RFC 8259 2: whitespace is space, tab, LF and CR; nothing else (no \v,
 * no \f, no U+00A0). */
static void
json_ws(struct json_cur *c)
{
	int ch;

	while ((ch = json_peek(c)) == ' ' || ch == '\t' || ch == '\n' ||
	       ch == '\r')
		c->i++;
}

/* The literals true, false and null (RFC 8259 3), case-sensitive. */
static int
json_word(struct json_cur *c, const char *word)
{
	size_t k = strlen(word);

	if (c->n - c->i < k || memcmp(c->s + c->i, word, k) != 0)
		return -1;
	c->i += k;
	return 0;
}

/* One or more digits; the grammar never allows an empty run. */
static int
json_digits(struct json_cur *c)
{
	size_t start = c->i;

	while (json_peek(c) >= '0' && json_peek(c) <= '9')
		c->i++;
	return c->i > start ? 0 : -1;
}

/* RFC 8259 6: [ minus ] int [ frac ] [ exp ], where int is "0" or a digit
 * 1-9 followed by digits.  So "01" stops after the "0" and the caller then
 * meets a stray "1"; "+1", ".5", "1.", "1e" and "-" fail here.  The value
 * itself is never needed: numbers only occur under keys we ignore. */
static int
json_number(struct json_cur *c)
{
	json_eat(c, '-');
	if (!json_eat(c, '0') && json_digits(c) != 0)
		return -1;
	if (json_eat(c, '.') && json_digits(c) != 0)
		return -1;
	if (json_eat(c, 'e') || json_eat(c, 'E')) {
		if (!json_eat(c, '+'))
			json_eat(c, '-');
		if (json_digits(c) != 0)
			return -1;
	}
	return 0;
}

/*
 * Strings (RFC 8259 7).  Raw bytes are copied as they are (the caller has
 * already checked the message is valid UTF-8, RFC 6455 8.1); escapes are
 * decoded and \uXXXX code points re-encoded as UTF-8, pairing surrogates
 * as RFC 8259 7 describes.  Decoding keys and values, rather than comparing
 * the raw bytes, is what makes "\u0061ction" the same key as "action".
 */
static void
json_byte(struct json_str *out, unsigned b)
{
	if (out->len < sizeof out->buf)
		out->buf[out->len++] = (unsigned char)b;
	else
		out->nomatch = 1;
}

/* A high surrogate followed by anything but a low one is a lone surrogate. */
static void
json_lone(struct json_str *out)
{
	if (out->high != 0)
		out->nomatch = 1;
	out->high = 0;
}

static void
json_codepoint(struct json_str *out, unsigned cp)
{
	static const unsigned lead[] = { 0x00, 0xC0, 0xE0, 0xF0 };
	int extra;

	if (cp >= 0xDC00 && cp <= 0xDFFF && out->high != 0) {
		cp = 0x10000 + ((out->high - 0xD800) << 10) + (cp - 0xDC00);
		out->high = 0;
	} else {
		json_lone(out);
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			out->high = cp;
			return;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF) {
			out->nomatch = 1;
			return;
		}
	}
	/* RFC 3629 3: a lead byte, then six bits per continuation byte. */
	extra = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
	json_byte(out, lead[extra] | cp >> 6 * extra);
	while (extra-- > 0)
		json_byte(out, 0x80 | (cp >> 6 * extra & 0x3F));
}

/* Four hex digits of a \u escape, either case. */
static int
json_hex4(struct json_cur *c, unsigned *cp)
{
	int k, ch;

	*cp = 0;
	for (k = 0; k < 4; k++) {
		ch = json_peek(c);
		if (ch >= '0' && ch <= '9')
			*cp = *cp << 4 | (unsigned)(ch - '0');
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			*cp = *cp << 4 | (unsigned)((ch | 0x20) - 'a' + 10);
		else
			return -1;
		c->i++;
	}
	return 0;
}

/* Called with the cursor on the opening quote; leaves it after the closing
 * one. */
static int
json_string(struct json_cur *c, struct json_str *out)
{
	/* RFC 8259 7: the two-character escapes and what they stand for. */
	static const char names[] = "\"\\/bfnrt", means[] = "\"\\/\b\f\n\r\t";
	const char *p;
	unsigned cp;
	int ch;

	memset(out, 0, sizeof *out);
	c->i++;
	while (!json_eat(c, '"')) {
		/* -1 is the end of input; below 0x20 are control characters,
		 * which must be escaped (RFC 8259 7). */
		if ((ch = json_peek(c)) < 0x20)
			return -1;
		c->i++;
		if (ch != '\\') {
			json_lone(out);
			json_byte(out, (unsigned)ch);
		} else if (json_eat(c, 'u')) {
			if (json_hex4(c, &cp) != 0)
				return -1;
			json_codepoint(out, cp);
		} else {
			if ((ch = json_peek(c)) < 0x20 ||
			    (p = strchr(names, ch)) == NULL)
				return -1;
			c->i++;
			json_codepoint(out, (unsigned char)means[p - names]);
		}
	}
	json_lone(out);
	return 0;
}

static int
json_is(const struct json_str *str, const char *word)
{
	return !str->nomatch && str->len == strlen(word) &&
	       memcmp(str->buf, word, str->len) == 0;
}

/*
 * Containers (RFC 8259 4 and 5).  An object is parsed like an array whose
 * elements are preceded by a name and a colon.  depth is the nesting level
 * of the container, the outermost being 1.  Only the outermost object gets
 * a json_found; anything deeper is checked and skipped, so an "action"
 * inside a nested object is just data, not a command.
 */

/* One member of the outermost object, the cursor on its value. */
static int
json_member(struct json_cur *c, int depth,
	    const struct json_str *key, struct json_found *top)
{
	struct json_str v;
	int str = json_peek(c) == '"';
	int l;

	if ((str ? json_string(c, &v) : json_value(c, depth, NULL)) != 0)
		return -1;
	if (json_is(key, "action")) {
		top->action = !str ? -1 :
		    json_is(&v, "subscribe") ? JSON_SUBSCRIBE :
		    json_is(&v, "unsubscribe") ? JSON_UNSUBSCRIBE :
		    json_is(&v, "ping") ? JSON_PING : -1;
	} else if (json_is(key, "letter")) {
		l = str && v.len == 1 && !v.nomatch ? v.buf[0] : 0;
		if (l >= 'a' && l <= 'z')
			l -= 'a' - 'A';
		top->letter = l >= 'A' && l <= 'Z' ? l : -1;
	}
	return 0;
}

static int
json_container(struct json_cur *c, int depth,
	       struct json_found *top)
{
	int close = json_peek(c) == '{' ? '}' : ']';
	struct json_str key;

	c->i++;
	json_ws(c);
	if (json_eat(c, close))
		return 0;
	do {
		json_ws(c);
		if (close == '}') {
			if (json_peek(c) != '"' || json_string(c, &key) != 0)
				return -1;
			json_ws(c);
			if (!json_eat(c, ':'))
				return -1;
			json_ws(c);
		}
		if ((top != NULL ? json_member(c, depth, &key, top)
		                 : json_value(c, depth, NULL)) != 0)
			return -1;
		json_ws(c);
	} while (json_eat(c, ','));
	return json_eat(c, close) ? 0 : -1;
}

/* Any value, the cursor on its first byte.  depth is that of the container
 * holding it (0 for the whole text); top goes only to an object. */
static int
json_value(struct json_cur *c, int depth, struct json_found *top)
{
	struct json_str skip;
	int ch = json_peek(c);

	switch (ch) {
	case '{':
	case '[':
		if (depth >= JSON_MAX_DEPTH) {
			c->why = "nesting too deep";
			return -1;
		}
		return json_container(c, depth + 1, ch == '{' ? top : NULL);
	case '"': return json_string(c, &skip);
	case 't': return json_word(c, "true");
	case 'f': return json_word(c, "false");
	case 'n': return json_word(c, "null");
	default:  return json_number(c);
	}
}

/*
 * The command: first the whole text must be JSON (RFC 8259 2: a value with
 * optional whitespace around it), then an object, then the action, then the
 * letter, in the order docs/protocol.md 4.2 gives, so a client learns about
 * the first problem it has.  "nesting too deep" is the exception: we stop at
 * the level that is too deep, so what follows it is never looked at.
 */
int
json_command(const char *s, size_t n, struct json_command *cmd,
	     const char **why)
{
	struct json_cur c = { s, n, 0, "invalid JSON" };
	struct json_found f = { 0, 0 };
	int object;

	json_ws(&c);
	object = json_peek(&c) == '{';
	if (json_value(&c, 0, &f) != 0 || (json_ws(&c), c.i != n))
		*why = c.why;
	else if (!object)
		*why = "expected a JSON object";
	else if (f.action == 0)
		*why = "missing action";
	else if (f.action < 0)
		*why = "action must be subscribe or unsubscribe";
	else if (f.action == JSON_PING) {
		cmd->action = JSON_PING;      /* needs no letter */
		cmd->letter = 0;
		return 0;
	} else if (f.letter == 0)
		*why = "missing letter";
	else if (f.letter < 0)
		*why = "letter must be one of A-Z";
	else {
		cmd->action = f.action;
		cmd->letter = (char)f.letter;
		return 0;
	}
	return -1;
}

/*
 * A server's value message, as a relay receives it from its upstream
 * (docs/protocol.md 5.3): exactly {"X": NUMBER} with any JSON whitespace,
 * one member named by an upper-case letter, its value any RFC 8259 number.
 * The number is handed back as the bytes it was written with, because a
 * relay passes values on verbatim (21.5 stays 21.5, 1e3 stays 1e3).
 * Anything else -- an error reply, the unsubscribe message -- is
 * well-formed but not a value.  A grammar this small needs no recursion.
 */
int
json_value_msg(const char *s, size_t n, int *letter, const char **num,
	       size_t *num_len)
{
	struct json_cur c = { s, n, 0, NULL };
	struct json_str key;
	size_t start, end;

	json_ws(&c);
	if (!json_eat(&c, '{') || (json_ws(&c), json_peek(&c) != '"') ||
	    json_string(&c, &key) != 0 || key.nomatch || key.len != 1 ||
	    key.buf[0] < 'A' || key.buf[0] > 'Z')
		return -1;
	json_ws(&c);
	if (!json_eat(&c, ':'))
		return -1;
	json_ws(&c);
	start = c.i;
	if (json_number(&c) != 0)
		return -1;
	end = c.i;
	json_ws(&c);
	if (!json_eat(&c, '}') || (json_ws(&c), c.i != n))
		return -1;
	*letter = key.buf[0] - 'A';
	*num = s + start;
	*num_len = end - start;
	return 0;
}

/*
 * The number at the start of s[0..n), for a caller that checks a number
 * outside any JSON text (the feed's line parser).  It is json_number()
 * itself, so it reads RFC 8259 6 left to right as the parser does, without
 * backtracking: "01" gives 1 and "1.5.2" gives 3, but "1.", "1e" and "-"
 * give 0, since a '.', an 'e' or a '-' commits the number to what must
 * follow it.  s[0..n) is exactly one JSON number if and only if the result
 * is n and n > 0.
 */
size_t
json_number_span(const char *s, size_t n)
{
	struct json_cur c = { s, n, 0, NULL };

	return json_number(&c) == 0 ? c.i : 0;
}
