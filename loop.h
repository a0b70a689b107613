/*
 * loop.h - the event loop: a handful of functions over file descriptors.
 *
 * Two backends implement it: epoll + timerfd on Linux (loop_epoll.c) and
 * poll() everywhere else (loop_poll.c); loop.c picks one.  Both are
 * level-triggered: an fd keeps being reported while it is ready, so a
 * handler may do one read per event and leave the rest for the next turn.
 * Errors and hang-ups are reported as LOOP_READ, so the normal read path
 * meets them (read returns 0 or the error).
 */
#ifndef LETTERD_LOOP_H
#define LETTERD_LOOP_H

#include <stdint.h>

#define LOOP_READ  1
#define LOOP_WRITE 2

struct loop_event {
	int fd;
	int mask;      /* LOOP_READ and/or LOOP_WRITE */
};

/* Prepares a loop for descriptors 0..maxfd-1; 0 or -1 with errno. */
int loop_init(int maxfd);
void loop_free(void);
int loop_add(int fd, int mask);
int loop_mod(int fd, int mask);
void loop_del(int fd);

/* Waits until some fd is ready or the monotonic clock reaches deadline
 * (milliseconds of loop_now(); -1 for none).  Fills at most max events and
 * returns their number, 0 when the deadline passed or a signal came. */
int loop_wait(struct loop_event *ev, int max, int64_t deadline);

/* Milliseconds on CLOCK_MONOTONIC: never jumps when the wall clock is set. */
int64_t loop_now(void);

/* "epoll" or "poll", for the log. */
const char *loop_backend(void);

#endif
