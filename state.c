/*
 * state.c - what letterd serves: one value per letter, 1000..9999.
 *
 * Each tick redraws all 26 values and encodes each one, once, as a
 * complete WebSocket frame.  The fan-out in main.c then only copies these
 * bytes to sockets: formatting costs 26 frames a tick, not 26 per client.
 *
 * The generator is xorshift64* (Vigna, 2014): tiny, fast and good enough
 * for numbers on a dashboard.  It is not for secrets; nothing here is.
 */
#include "state.h"
#include "ws.h"

static int state_values[STATE_LETTERS];
static uint8_t state_frame[STATE_LETTERS * STATE_FRAME_LEN];
static uint64_t state_rng;
static uint32_t state_unknown;   /* relay: letters with no value yet */

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

static void
state_encode(int i)
{
	uint8_t *f = state_frame + i * STATE_FRAME_LEN;
	int v = state_values[i];

	ws_header(f, WS_OP_TEXT, STATE_MSG_LEN);
	f[2] = '{';
	f[3] = '"';
	f[4] = (uint8_t)('A' + i);
	f[5] = '"';
	f[6] = ':';
	f[7] = ' ';
	f[8] = (uint8_t)('0' + v / 1000);
	f[9] = (uint8_t)('0' + v / 100 % 10);
	f[10] = (uint8_t)('0' + v / 10 % 10);
	f[11] = (uint8_t)('0' + v % 10);
	f[12] = '}';
}

void
state_init(uint64_t seed)
{
	state_rng = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
	state_tick();
}

void
state_tick(void)
{
	int i;

	for (i = 0; i < STATE_LETTERS; i++) {
		state_values[i] = state_draw();
		state_encode(i);
	}
}

void
state_init_relay(void)
{
	state_unknown = (UINT32_C(1) << STATE_LETTERS) - 1;
}

void
state_set(int letter, int value)
{
	state_values[letter] = value;
	state_encode(letter);
	state_unknown &= ~(UINT32_C(1) << letter);
}

int
state_known(int letter)
{
	return !(state_unknown >> letter & 1);
}

const uint8_t *
state_frames(void)
{
	return state_frame;
}

int
state_value(int letter)
{
	return state_values[letter];
}
