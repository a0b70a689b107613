/*
 * state.h - the letters: 26 values, redrawn each tick, and the frames that
 * carry them.
 */
#ifndef LETTERD_STATE_H
#define LETTERD_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_LETTERS   26
/* {"A": 1234} is 11 bytes, always: the value has four digits. */
#define STATE_MSG_LEN   11
/* A server frame of it: 2 header bytes, no mask (RFC 6455 5.2). */
#define STATE_FRAME_LEN (2 + STATE_MSG_LEN)

/* Seeds the generator and draws the first values. */
void state_init(uint64_t seed);

/* Relay mode: no value is known until the upstream sends it. */
void state_init_relay(void);

/* Redraws all 26 values, A to Z, and re-encodes their frames. */
void state_tick(void);

/* The 26 frames, A to Z, STATE_FRAME_LEN bytes each, back to back, so that
 * a client subscribed to a run of letters is sent one contiguous slice. */
const uint8_t *state_frames(void);

int state_value(int letter);   /* letter 0..25 */

/* Relay mode: the upstream says letter (0..25) is now value (1000..9999). */
void state_set(int letter, int value);

/* 0 until a relay's letter has had its first value; always 1 otherwise. */
int state_known(int letter);

#endif
