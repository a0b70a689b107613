/* SPDX-License-Identifier: ISC */
/*
 * utf8.h - incremental UTF-8 validation (RFC 3629).
 *
 * The validator is a state machine that can be fed a message in pieces split
 * at any byte, so that a text message spread over many frames and reads is
 * judged as early as possible (RFC 6455 8.1: fail as soon as the bytes
 * cannot be valid UTF-8, not at the end of the message).
 */
#ifndef LETTERD_UTF8_H
#define LETTERD_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_OK     0u   /* between code points: a message may end here */
#define UTF8_BAD    1u   /* invalid; sticky */

/* Feeds n bytes to the validator in state st and returns the new state:
 * UTF8_OK, UTF8_BAD, or another value meaning "inside a code point".
 * It returns UTF8_BAD at the first byte that makes the sequence invalid:
 * overlong forms, surrogates (U+D800..U+DFFF), code points above U+10FFFF,
 * unexpected continuation bytes, and the bytes C0, C1, F5..FF. */
uint32_t utf8_feed(uint32_t st, const uint8_t *s, size_t n);

#endif
