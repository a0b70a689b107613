/* SPDX-License-Identifier: ISC */
/*
 * state.h - the letters: one value each, and the frames that carry them.
 */
#ifndef LETTERD_STATE_H
#define LETTERD_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_LETTERS   26
/* A value is a JSON number of at most this many bytes (docs/protocol.md
 * 5.2): the tick's four digits, or whatever a feed or an upstream sends. */
#define STATE_VALUE_MAX 32

/* Tick mode: seeds the generator and draws the first values. */
void state_init(uint64_t seed);

/* Relay and feed mode: no letter has a value until one is set. */
void state_init_empty(void);

/* Redraws all 26 values, 1000..9999, A to Z, and re-encodes their frames. */
void state_tick(void);

/* Letter (0..25) is now the JSON number num[0..n): 0, or -1 if n is over
 * STATE_VALUE_MAX (the caller has checked the number's grammar). */
int state_set(int letter, const char *num, size_t n);

/* 0 until a relay's or a feed's letter has had its first value. */
int state_known(int letter);

/* The frames of letters first..last-1, back to back in A..Z order, so
 * that a client subscribed to a run of letters is sent one slice: points
 * at the first and sets *len to the length of them all. */
const uint8_t *state_frames(int first, int last, size_t *len);

#endif
