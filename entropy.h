/* SPDX-License-Identifier: ISC */
/*
 * entropy.h - unpredictable bytes, for the keys and masks of RFC 6455 and
 * the seed of the value generator.
 */
#ifndef LETTERD_ENTROPY_H
#define LETTERD_ENTROPY_H

#include <stddef.h>

/* Fills p[0..n) from /dev/urandom, a buffer at a time. */
void entropy_bytes(void *p, size_t n);

#endif
