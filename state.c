/* SPDX-License-Identifier: ISC */
/*
 * state.c - what letterd serves: one value per letter.
 *
 * Each value is kept as the one thing letterd sends of it, a complete
 * WebSocket frame ({"A": 1234} with its two-byte header), encoded once
 * when the value changes.  The fan-out then only copies these bytes to
 * sockets: formatting costs one frame per new value, not one per client.
 *
 * The 26 frames lie back to back in A..Z order, so that the letters a
 * client owes in a row go out as one slice of one writev.  Ticks keep
 * every frame at 13 bytes; a feed or an upstream may send numbers of any
 * length up to STATE_VALUE_MAX, and then the frames after the one that
 * changed move along (at most 26 * 41 bytes, a memmove).
 *
 * The generator is xorshift64* (Vigna, 2014): tiny, fast and good enough
 * for numbers on a dashboard.  It is not for secrets; nothing here is.
 */
#include <string.h>

#include "state.h"
#include "ws.h"

/* {"A": } is 7 bytes around the value; the header is 2 (RFC 6455 5.2:
 * payloads under 126 bytes have their length in the second byte). */
#define STATE_FRAME_MAX (2 + 7 + STATE_VALUE_MAX)

static uint8_t state_buf[STATE_LETTERS * STATE_FRAME_MAX];
static size_t state_off[STATE_LETTERS + 1];  /* frame i is off[i]..off[i+1] */
static uint32_t state_unknown;               /* letters with no value yet */
static uint64_t state_rng;

static uint64_t
state_next(void)
{
	state_rng ^= state_rng >> 12;
	state_rng ^= state_rng << 25;
	state_rng ^= state_rng >> 27;
	return state_rng * UINT64_C(2685821657736338717);
}

/* A uniform draw from 1000..9999: reject the few top values that would
 * make some results likelier than others. */
static int
state_draw(void)
{
	const uint64_t span = 9000, limit = UINT64_MAX - UINT64_MAX % span;
	uint64_t r;

	do
		r = state_next();
	while (r >= limit);
	return 1000 + (int)(r % span);
}

/* Writes letter's frame at f; returns its length. */
static size_t
state_encode(uint8_t *f, int letter, const char *num, size_t n)
{
	size_t h = ws_header(f, WS_OP_TEXT, 7 + n);

	memcpy(f + h, "{\"A\": ", 6);
	f[h + 2] = (uint8_t)('A' + letter);
	memcpy(f + h + 6, num, n);
	f[h + 6 + n] = '}';
	return h + 7 + n;
}

/* Four digits for each letter, then its frame (docs/protocol.md 4.3).
 * The digits are written by hand: this runs every tick, and format()
 * would parse its format string 26 times a tick for a number that always
 * has four digits. */
void
state_tick(void)
{
	char num[4];
	int i, k, v;

	for (i = 0; i < STATE_LETTERS; i++) {
		for (v = state_draw(), k = 3; k >= 0; k--, v /= 10)
			num[k] = (char)('0' + v % 10);
		state_off[i + 1] = state_off[i] +
		    state_encode(state_buf + state_off[i], i, num, 4);
	}
}

void
state_init(uint64_t seed)
{
	state_rng = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
	state_unknown = 0;
	state_tick();
}

/* No value yet: every frame is empty until its letter is set. */
void
state_init_empty(void)
{
	memset(state_off, 0, sizeof(state_off));
	state_unknown = (UINT32_C(1) << STATE_LETTERS) - 1;
}

/* See state.h.  The frames after letter move when its length changes,
 * so that they stay back to back. */
int
state_set(int letter, const char *num, size_t n)
{
	uint8_t f[STATE_FRAME_MAX];
	size_t len, old = state_off[letter + 1] - state_off[letter];
	int i;

	if (n > STATE_VALUE_MAX)
		return -1;
	len = state_encode(f, letter, num, n);
	/* the frames after this one move to make room or close up (or stay,
	 * when the length is the same) */
	memmove(state_buf + state_off[letter] + len, state_buf + state_off[letter + 1],
	    state_off[STATE_LETTERS] - state_off[letter + 1]);
	for (i = letter + 1; i <= STATE_LETTERS; i++)
		state_off[i] = state_off[i] + len - old;
	memcpy(state_buf + state_off[letter], f, len);
	state_unknown &= ~(UINT32_C(1) << letter);
	return 0;
}

int
state_known(int letter)
{
	return !(state_unknown >> letter & 1);
}

const uint8_t *
state_frames(int first, int last, size_t *len)
{
	*len = state_off[last] - state_off[first];
	return state_buf + state_off[first];
}
