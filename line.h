/* SPDX-License-Identifier: ISC */
/*
 * line.h - the feed's line protocol: an incremental parser of lines such
 * as "T 21.5", one update per line, as a writer sends them to the feed
 * socket or to standard input.  No allocation and no I/O: the caller reads
 * and keeps the bytes, the parser says what they are.
 */
#ifndef LETTERD_LINE_H
#define LETTERD_LINE_H

#include <stddef.h>
#include <stdint.h>

#define LINE_MAX_LEN   256   /* bytes of one line before its LF */
#define LINE_VALUE_MAX 32    /* bytes of one number */

/* What line_feed found: nothing yet, a value, a line to ignore (blank or
 * a comment), or a line that is dropped with a reason. */
enum line_event { LINE_NONE, LINE_VALUE, LINE_IGNORED, LINE_ERROR };

struct line_ev {
	int type;            /* enum line_event */
	int letter;          /* LINE_VALUE: 0..25 for A..Z */
	const char *value;   /* LINE_VALUE: the number as written, in buf */
	size_t value_len;    /* 1..LINE_VALUE_MAX */
	const char *why;     /* LINE_ERROR: a short static lower-case reason */
	uint64_t line;       /* the line's number, from 1 (not LINE_NONE) */
};

/* The parser's state between calls: the caller holds the bytes. */
struct line_rx {
	uint64_t line;       /* lines completed so far */
	uint8_t skipping;    /* discarding an over-long line up to its LF */
};

void line_rx_init(struct line_rx *rx);

/* Looks at buf[0..len), the bytes the caller holds followed by those it
 * has just read.  Returns the bytes consumed and fills *ev with the event
 * of the first line that ends in buf (or that is found too long).  Call it
 * again on buf + consumed while it reports an event.  LINE_NONE means no
 * more event is in buf: buf[consumed..len) is the start of a line, at most
 * LINE_MAX_LEN bytes with no LF, that the caller keeps and hands over
 * again, followed by what it reads next.  (What LINE_NONE consumed is the
 * tail of an over-long line.)  Every line gets exactly one event, so the
 * events' line numbers go 1, 2, 3...  ev->value points into buf. */
size_t line_feed(struct line_rx *rx, const char *buf, size_t len,
                 struct line_ev *ev);

/* At the end of input: buf[0..len) is what the caller still holds, a line
 * cut short by the writer closing.  It is dropped; *ev says so with
 * LINE_ERROR "line cut short at end of input", or LINE_IGNORED if it would
 * have been ignored anyway (blanks or a comment), or LINE_NONE if nothing
 * is held or the rest of a line too long, already reported, was being
 * skipped.  Then rx->line counts every line the input had. */
void line_end(struct line_rx *rx, const char *buf, size_t len,
              struct line_ev *ev);

#endif
