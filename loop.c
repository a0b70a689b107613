/*
 * loop.c - the one place where the backend is chosen.
 *
 * Linux gets epoll + timerfd unless the build says POLL=1; every other
 * system, and Linux under POLL=1, gets poll() with a monotonic deadline.
 * Like redis's ae.c, the backend files are included here rather than
 * linked, so the Makefile stays the same on every Unix.
 */
#include <time.h>

#include "loop.h"

int64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#if defined(__linux__) && !LETTERD_POLL
#include "loop_epoll.c"
#else
#include "loop_poll.c"
#endif
