/* SPDX-License-Identifier: ISC */
/*
 * sha1.c - SHA-1 (RFC 3174), used only to compute Sec-WebSocket-Accept
 * (RFC 6455 4.2.2).
 *
 * SHA-1 is broken for collision resistance, but the handshake does not need
 * a secure hash: it only proves that the server read the client's key.  So
 * this file aims at being short and obviously right, not fast.
 *
 * SHA-1 reads and writes big-endian 32-bit words (RFC 3174 2).  We never
 * load a word from memory: every word is assembled from bytes with shifts,
 * so the code is the same on every host whatever its byte order.
 */
#include <string.h>

#include "sha1.h"

/* Left circular shift S^k (RFC 3174 3(c)); k is always 1..31 here. */
static uint32_t
sha1_rol(uint32_t x, unsigned k)
{
	return (x << k) | (x >> (32 - k));
}

/* Processes one 64-byte block into h: "method 1" of RFC 3174 6.1, with the
 * whole 80-word schedule W in memory because it is the clearest form. */
static void
sha1_block(uint32_t h[5], const uint8_t p[64])
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	unsigned i;

	for (i = 0; i < 16; i++)                /* 6.1 step a */
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16
		     | (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)               /* step b */
		w[i] = sha1_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];   /* step c */
	for (i = 0; i < 80; i++) {              /* step d, functions of 5 */
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6;
		}
		t = sha1_rol(a, 5) + f + e + w[i] + k;
		e = d; d = c; c = sha1_rol(b, 30); b = a; a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;  /* step e */
}

void
sha1_init(struct sha1_ctx *c)
{
	/* The initial H0..H4 of RFC 3174 6.1. */
	c->h[0] = 0x67452301;
	c->h[1] = 0xEFCDAB89;
	c->h[2] = 0x98BADCFE;
	c->h[3] = 0x10325476;
	c->h[4] = 0xC3D2E1F0;
	c->bytes = 0;
	c->used = 0;
}

/* Input arrives in pieces of any size: gather it in c->block and compress
 * each time 64 bytes are there.  One copy per byte is nothing next to the
 * 80 rounds, and the handshake hashes 60 bytes. */
void
sha1_update(struct sha1_ctx *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	c->bytes += n;
	while (n > 0) {
		size_t take = sizeof c->block - c->used;

		if (take > n)
			take = n;
		memcpy(c->block + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used == sizeof c->block) {
			sha1_block(c->h, c->block);
			c->used = 0;
		}
	}
}

/* Padding (RFC 3174 4): a 1 bit, zeros up to 56 bytes mod 64, then the
 * message length in bits as a 64-bit big-endian number.  The length is
 * taken before padding is fed through sha1_update, which counts it too. */
void
sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_LEN])
{
	static const uint8_t pad[64] = { 0x80 };
	uint64_t bits = c->bytes * 8;   /* RFC 3174 limits messages to 2^64 bits */
	uint8_t len[8];
	unsigned i;

	for (i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	/* used is 0..63, so this is 1..64 bytes and leaves used == 56. */
	sha1_update(c, pad, 1 + (119 - c->used) % 64);
	sha1_update(c, len, sizeof len);
	for (i = 0; i < SHA1_LEN; i++)
		out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}
