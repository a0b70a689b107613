/* SPDX-License-Identifier: ISC */
/*
 * line.c - the feed's line protocol without any I/O.
 *
 * A writer sends one update per line, "LETTER VALUE", such as "T 21.5":
 * one ASCII letter, blanks, and a JSON number (RFC 8259 6) that letterd
 * passes on to subscribers exactly as written.  Blank lines and comments
 * ("# ...") are ignored; anything else is an error that drops the line and
 * says why, so a writer's mistake is reported instead of guessed at.
 *
 * line_feed() works like ws_feed(): it may be handed the bytes split at any
 * point, and it returns one event at a time.  Unlike ws_feed() it copies
 * nothing: the caller keeps the bytes of an unfinished line and hands them
 * over again with the next read.  A line is judged only once its LF is in,
 * with one exception that bounds what the caller must keep: as soon as
 * LINE_MAX_LEN + 1 bytes have come without an LF, the line is too long,
 * it is reported at once, and the parser skips the rest of it up to its LF
 * without anyone keeping it.  So the caller never holds more than
 * LINE_MAX_LEN bytes between two reads.
 *
 * A line's length counts every byte before its LF, a CR before the LF
 * included: "at most 256 bytes before the LF" is the same rule as "the
 * caller keeps at most 256 bytes", so a CRLF line has room for 255.
 */
#include <string.h>

#include "json.h"
#include "line.h"

/* The reasons for an error.  The socket sends them back as they are, in
 * "error: REASON (line N)", so each is short, fixed and plain ASCII. */
static const char line_too_long[] = "line too long";
static const char line_cut_short[] = "line cut short at end of input";

/* A parser at the start of input: no line seen, nothing to skip. */
void
line_rx_init(struct line_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

/* Space and tab, the blanks of the format (POSIX's [:blank:]). */
static int
line_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* An ASCII letter, either case, as 0..25; -1 for any other byte. */
static int
line_letter(int c)
{
	c |= 0x20;
	return c >= 'a' && c <= 'z' ? c - 'a' : -1;
}

/* The index of the first byte of s[i..n) that is not a blank, or n. */
static size_t
line_skip(const char *s, size_t i, size_t n)
{
	while (i < n && line_blank(s[i]))
		i++;
	return i;
}

/* A value line holds printable ASCII and tabs only: the reason for its
 * first other byte, or NULL.  A CR gets its own reason, because a CR that
 * is not right before an LF is the mark of a writer that ends its lines
 * with CR alone. */
static const char *
line_bad_byte(const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\r')
			return "stray carriage return";
		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return "control or non-ASCII byte";
	}
	return NULL;
}

/* The value part of a line: s[i..n) starts after the letter.  Fills ev
 * with the value or the reason it is not one. */
static void
line_value(const char *s, size_t i, size_t n, struct line_ev *ev)
{
	size_t start, len;

	ev->type = LINE_ERROR;
	if (i < n && !line_blank(s[i])) {
		ev->why = line_letter(s[i]) < 0 ?
		    "expected a space or tab after the letter" :
		    "more than one letter";
		return;
	}
	start = line_skip(s, i, n);
	if (start == n) {
		ev->why = "expected a number";
		return;
	}
	/* The number is the run of non-blank bytes: all of it must be one
	 * number as RFC 8259 6 defines it, so "01", "1." and "0x10" are invalid numbers,
	 * not a number followed by stray text. */
	for (i = start; i < n && !line_blank(s[i]); i++)
		;
	len = i - start;
	if (json_number_span(s + start, len) != len)
		ev->why = "invalid number";
	else if (len > LINE_VALUE_MAX)
		ev->why = "number longer than 32 bytes";
	else if (line_skip(s, i, n) != n)
		ev->why = "unexpected text after the number";
	else {
		ev->type = LINE_VALUE;
		ev->value = s + start;
		ev->value_len = len;
	}
}

/* A whole line, s[0..n) without its LF.  Fills ev with its type and, for
 * a value, the letter and the number; or the reason it is dropped. */
static void
line_judge(const char *s, size_t n, struct line_ev *ev)
{
	size_t i;

	if (n > 0 && s[n - 1] == '\r')
		n--;                  /* a CR right before the LF: CRLF */
	i = line_skip(s, 0, n);
	if (i == n || s[i] == '#') {
		/* blank, or a comment: whatever follows '#' is never read */
		ev->type = LINE_IGNORED;
		return;
	}
	ev->type = LINE_ERROR;
	if ((ev->why = line_bad_byte(s + i, n - i)) != NULL)
		return;
	if ((ev->letter = line_letter(s[i])) < 0) {
		ev->why = "expected a letter";
		return;
	}
	line_value(s, i + 1, n, ev);
}

/* One event per call, for the first line that ends in buf (see line.h).
 * A line is judged once its LF is in; before that only its length is, so
 * that the caller's buffer stays bounded and the events do not depend on
 * how the bytes were split. */
size_t
line_feed(struct line_rx *rx, const char *buf, size_t len,
          struct line_ev *ev)
{
	const char *lf;
	size_t off = 0, look;

	memset(ev, 0, sizeof(*ev));   /* LINE_NONE: nothing yet */
	if (len == 0)
		return 0;             /* (buf may then be NULL) */
	if (rx->skipping) {
		/* the tail of an over-long line, already reported */
		if ((lf = memchr(buf, '\n', len)) == NULL)
			return len;
		off = (size_t)(lf - buf) + 1;
		rx->skipping = 0;
		rx->line++;
	}
	/* The LF must come within LINE_MAX_LEN + 1 bytes, or the line is too
	 * long: that is known from those bytes, whatever follows. */
	look = len - off < LINE_MAX_LEN + 1 ? len - off : LINE_MAX_LEN + 1;
	if ((lf = memchr(buf + off, '\n', look)) != NULL) {
		ev->line = ++rx->line;
		line_judge(buf + off, (size_t)(lf - (buf + off)), ev);
		return (size_t)(lf - buf) + 1;
	}
	if (look <= LINE_MAX_LEN)
		return off;           /* the caller keeps buf[off..len) */
	ev->type = LINE_ERROR;
	ev->why = line_too_long;
	ev->line = rx->line + 1;
	rx->skipping = 1;             /* the next call skips the rest of it */
	return off + look;
}

/* A line cut short is dropped, as it may be any prefix of what the writer
 * meant ("T 21" of "T 215"); it is an error unless what came of it would
 * have been ignored anyway. */
void
line_end(struct line_rx *rx, const char *buf, size_t len,
         struct line_ev *ev)
{
	size_t i = line_skip(buf, 0, len);

	memset(ev, 0, sizeof(*ev));   /* LINE_NONE */
	if (rx->skipping) {
		/* the end of input ends the line too long, already reported */
		rx->skipping = 0;
		rx->line++;
		return;
	}
	if (len == 0)
		return;
	ev->line = ++rx->line;
	if (i == len || buf[i] == '#') {
		ev->type = LINE_IGNORED;
	} else {
		ev->type = LINE_ERROR;
		ev->why = line_cut_short;
	}
}
