/* SPDX-License-Identifier: ISC */
/*
 * loop.c - what both backends share: the clock, a handler per descriptor,
 * the timers, and one turn of the loop.  The backend is chosen here.
 *
 * Linux gets epoll + timerfd unless the build says POLL=1; every other
 * system, and Linux under POLL=1, gets poll() with a timeout computed from
 * the monotonic clock.  Like redis's ae.c, the backend file is included
 * rather than linked, so the Makefile is the same on every Unix.  Each
 * backend defines the same five static functions: be_init, be_free,
 * be_add, be_mod, be_del and be_wait.
 *
 * The timers are a small table, not a heap: letterd has at most seven (the
 * tick, the keepalive round and the end of shutdown in main.c; the
 * connections' deadlines, resuming held input and accepting in conn.c;
 * the relay's retry), so finding the earliest is a scan of a few entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "loop.h"

#define LOOP_TIMERS 12

/* What a backend reports for one ready descriptor. */
struct be_event {
	int fd;
	int mask;      /* LOOP_READ and/or LOOP_WRITE */
};

/* The handlers: a few functions, so that each descriptor names its own
 * with one byte (an index + 1, 0 when unwatched) rather than a pointer of
 * eight: every idle client costs this too. */
#define LOOP_FNS 8
static loop_io_fn *loop_fns[LOOP_FNS];
static int loop_nfns;
static uint8_t *loop_fn;         /* by fd */
static int loop_maxfd;
static int64_t loop_ms;          /* the time this turn began */
static int loop_manual;          /* loop_set_now() was called: no clock */
static struct {
	loop_timer_fn *fn;
	int64_t when;            /* -1: disarmed */
} loop_timers[LOOP_TIMERS];
static int loop_ntimers;

static int64_t
loop_clock(void)
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

/* The handler table has a slot per descriptor; the backend gets its own
 * tables.  The clock starts now. */
int
loop_init(int maxfd)
{
	loop_maxfd = maxfd;
	loop_ntimers = loop_nfns = loop_manual = 0;
	loop_ms = loop_clock();
	if (!(loop_fn = calloc((size_t)maxfd, sizeof(*loop_fn))))
		return -1;
	return be_init(maxfd);
}

void
loop_free(void)
{
	be_free();
	free(loop_fn);
	loop_fn = NULL;
}

/* The handler is kept here, by fd, so that the backends only report
 * which descriptors are ready. */
int
loop_add(int fd, int mask, loop_io_fn *fn)
{
	int i;

	if (fd < 0 || fd >= loop_maxfd) {
		errno = EMFILE;
		return -1;
	}
	for (i = 0; i < loop_nfns && loop_fns[i] != fn; i++)
		;
	if (i == LOOP_FNS) {
		errno = ENOSPC;
		return -1;
	}
	if (be_add(fd, mask) < 0)
		return -1;
	loop_fns[i] = fn;
	loop_nfns += i == loop_nfns;
	loop_fn[fd] = (uint8_t)(i + 1);
	return 0;
}

int
loop_mod(int fd, int mask)
{
	return be_mod(fd, mask);
}

/* The handler goes too, so that an event for fd still waiting in this
 * turn's batch finds nobody to call. */
void
loop_del(int fd)
{
	be_del(fd);
	loop_fn[fd] = 0;
}

/* Timers are given out once, at start, and never freed. */
int
loop_timer(loop_timer_fn *fn)
{
	if (loop_ntimers == LOOP_TIMERS)
		return -1;
	loop_timers[loop_ntimers].fn = fn;
	loop_timers[loop_ntimers].when = -1;
	return loop_ntimers++;
}

void
loop_timer_at(int id, int64_t when)
{
	loop_timers[id].when = when;
}

int64_t
loop_timer_when(int id)
{
	return loop_timers[id].when;
}

/* The earliest armed timer, or -1 if none is armed. */
static int64_t
loop_deadline(void)
{
	int64_t d = -1;
	int i;

	for (i = 0; i < loop_ntimers; i++)
		if (loop_timers[i].when >= 0 && (d < 0 || loop_timers[i].when < d))
			d = loop_timers[i].when;
	return d;
}

/* Each due timer is disarmed before it runs, so that it may arm itself
 * again; one armed for "now" by an earlier timer of this pass runs too.
 * Returns how many ran. */
static int
loop_run_timers(void)
{
	int i, ran = 0;

	for (i = 0; i < loop_ntimers; i++) {
		if (loop_timers[i].when < 0 || loop_timers[i].when > loop_ms)
			continue;
		loop_timers[i].when = -1;
		loop_timers[i].fn();
		ran++;
	}
	return ran;
}

/* See loop.h.  Handlers before timers: a timer "due now" runs after
 * every event of this turn (main.c accepts that way). */
int
loop_once(void)
{
	struct be_event ev[MAX_EVENTS];
	int i, n;

	/* under a hand-played clock the fuzzer never wants to sleep */
	n = be_wait(ev, MAX_EVENTS, loop_manual ? 0 : loop_deadline());
	if (!loop_manual)
		loop_ms = loop_clock();
	for (i = 0; i < n; i++)
		if (loop_fn[ev[i].fd])
			loop_fns[loop_fn[ev[i].fd] - 1](ev[i].fd, ev[i].mask);
	return n + loop_run_timers();
}

int64_t
loop_now(void)
{
	return loop_ms;
}

void
loop_set_now(int64_t ms)
{
	loop_manual = 1;
	loop_ms = ms;
}
