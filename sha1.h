/* SPDX-License-Identifier: ISC */
/* sha1.h - SHA-1 (RFC 3174), only for the WebSocket accept key (RFC 6455 4.2.2). */
#ifndef LETTERD_SHA1_H
#define LETTERD_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

struct sha1_ctx {
	uint32_t h[5];
	uint64_t bytes;      /* message length so far */
	uint8_t block[64];
	size_t used;         /* bytes waiting in block */
};

void sha1_init(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *data, size_t n);
void sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_LEN]);

#endif
