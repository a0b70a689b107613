/* SPDX-License-Identifier: ISC */
/*
 * loop.h - the event loop: descriptors with a handler each, a few timers,
 * and the clock they share.
 *
 * Two backends wait for descriptors: epoll + timerfd on Linux
 * (loop_epoll.c) and poll() everywhere else (loop_poll.c); loop.c picks
 * one.  Both are level-triggered: a descriptor is reported again on the
 * next turn for as long as it is ready, so a handler may do one read per
 * event and leave the rest.  Errors and hang-ups are reported as
 * LOOP_READ, so that the normal read path meets them (read returns 0 or
 * the error).
 */
#ifndef LETTERD_LOOP_H
#define LETTERD_LOOP_H

#include <stdint.h>

#define LOOP_READ  1
#define LOOP_WRITE 2

/* Called with the descriptor and what it is ready for (LOOP_*). */
typedef void loop_io_fn(int fd, int mask);
typedef void loop_timer_fn(void);

/* Prepares a loop for descriptors 0..maxfd-1; 0, or -1 with errno. */
int loop_init(int maxfd);
void loop_free(void);

/* Watches fd for mask (LOOP_READ, LOOP_WRITE, both or 0) and calls fn
 * when it is ready; 0, or -1 with errno.  loop_mod and loop_del take only
 * an fd that loop_add took. */
int loop_add(int fd, int mask, loop_io_fn *fn);
int loop_mod(int fd, int mask);
void loop_del(int fd);

/* A timer slot for fn (one of LOOP_TIMERS), disarmed; -1 if none is left.
 * loop_timer_at arms it for the time when (milliseconds on the loop's
 * clock), or disarms it with -1.  A timer fires once per arming. */
int loop_timer(loop_timer_fn *fn);
void loop_timer_at(int id, int64_t when);
int64_t loop_timer_when(int id);

/* One turn: sleeps until a descriptor is ready or the earliest timer is
 * due, calls the handlers of the ready descriptors, then the timers that
 * are due.  A signal ends the sleep early.  Returns how many handlers and
 * timers ran: 0 when there was nothing to do. */
int loop_once(void);

/* Milliseconds on CLOCK_MONOTONIC, which never jumps when the wall clock is
 * set, as read when this turn began.  loop_set_now() replaces it, for the
 * whole-connection fuzzer, which plays time by hand. */
int64_t loop_now(void);
void loop_set_now(int64_t ms);

/* "epoll" or "poll", for the log. */
const char *loop_backend(void);

#endif
