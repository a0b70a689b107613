/* SPDX-License-Identifier: ISC */
/*
 * entropy.c - random bytes from /dev/urandom.
 *
 * RFC 6455 10.3 wants a client's masking keys unpredictable to anyone
 * between it and the server, and 4.1 wants the handshake's nonce random:
 * both come from the kernel's generator, read 256 bytes at a time because
 * a connection needs only a few of them.  /dev/urandom is not POSIX, but
 * every Unix letterd runs on has it; where it cannot be opened (a chroot
 * without /dev) the clock stands in, and the log says the masks are weak.
 */
#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "entropy.h"
#include "log.h"

static uint8_t entropy_buf[256];
static size_t entropy_left;

static void
entropy_refill(void)
{
	int fd = open("/dev/urandom", O_RDONLY);
	ssize_t got = fd >= 0 ? read(fd, entropy_buf, sizeof(entropy_buf)) : -1;
	struct timespec ts;
	uint64_t x;
	size_t i;

	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)sizeof(entropy_buf)) {
		log_warn("/dev/urandom unavailable: keys and masks are predictable");
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
		    ((uint64_t)getpid() << 32 | 1);
		for (i = 0; i < sizeof(entropy_buf); i++) {
			/* xorshift64: only so that the bytes differ */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			entropy_buf[i] = (uint8_t)(x >> 24);
		}
	}
	entropy_left = sizeof(entropy_buf);
}

void
entropy_bytes(void *p, size_t n)
{
	uint8_t *out = p;

	while (n--) {
		if (!entropy_left)
			entropy_refill();
		*out++ = entropy_buf[--entropy_left];
	}
}
