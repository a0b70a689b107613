/* SPDX-License-Identifier: ISC */
/*
 * loop_epoll.c - the Linux backend: epoll for descriptors, one timerfd for
 * the deadline.  Included by loop.c, never compiled on its own.
 *
 * The timerfd is armed with an absolute CLOCK_MONOTONIC time, and only
 * when the deadline changes, so a steady tick costs one read of the timerfd
 * and no timer syscall.  It sits in the epoll set like any descriptor; its
 * expirations are swallowed here and loop.c just looks at the clock.
 */
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

static int ep_fd = -1;
static int ep_timer = -1;
static int64_t ep_armed = -1;          /* the deadline the timerfd holds */
static struct epoll_event ep_events[MAX_EVENTS];

static int
be_init(int maxfd)
{
	struct epoll_event e;

	(void)maxfd;
	ep_armed = -1;
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	ep_timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ep_fd < 0 || ep_timer < 0)
		return -1;
	e.events = EPOLLIN;
	e.data.fd = ep_timer;
	return epoll_ctl(ep_fd, EPOLL_CTL_ADD, ep_timer, &e);
}

static void
be_free(void)
{
	if (ep_timer >= 0)
		close(ep_timer);
	if (ep_fd >= 0)
		close(ep_fd);
	ep_fd = ep_timer = -1;
}

/* Always with an event, which EPOLL_CTL_DEL ignores but kernels before
 * 2.6.9 want non-NULL. */
static int
ep_ctl(int op, int fd, int mask)
{
	struct epoll_event e;

	e.events = (mask & LOOP_READ ? EPOLLIN : 0) |
	    (mask & LOOP_WRITE ? EPOLLOUT : 0);
	e.data.fd = fd;
	return epoll_ctl(ep_fd, op, fd, &e);
}

static int
be_add(int fd, int mask)
{
	return ep_ctl(EPOLL_CTL_ADD, fd, mask);
}

static int
be_mod(int fd, int mask)
{
	return ep_ctl(EPOLL_CTL_MOD, fd, mask);
}

static void
be_del(int fd)
{
	ep_ctl(EPOLL_CTL_DEL, fd, 0);
}

static void
ep_arm(int64_t deadline)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (deadline == ep_armed)
		return;
	if (deadline >= 0) {
		/* all zero would disarm the timer: a deadline at 0 ms is "now" */
		its.it_value.tv_sec = deadline / 1000;
		its.it_value.tv_nsec = (long)(deadline % 1000) * 1000000 + 1;
	}
	timerfd_settime(ep_timer, TFD_TIMER_ABSTIME, &its, NULL);
	ep_armed = deadline;
}

static int
be_wait(struct be_event *ev, int max, int64_t deadline)
{
	uint64_t expirations;
	int i, n, k = 0;

	/* a deadline already passed needs no timer: just look, do not sleep */
	if (deadline >= 0 && deadline <= loop_clock()) {
		n = epoll_wait(ep_fd, ep_events, max, 0);
	} else {
		ep_arm(deadline);
		n = epoll_wait(ep_fd, ep_events, max, -1);
	}
	for (i = 0; i < n; i++) {
		struct epoll_event *e = &ep_events[i];

		if (e->data.fd == ep_timer) {
			/* expired: read it so that it stops being readable;
			 * an unchanged deadline must be armed again */
			if (read(ep_timer, &expirations, sizeof(expirations)) > 0)
				ep_armed = -1;
			continue;
		}
		ev[k].fd = e->data.fd;
		ev[k].mask = (e->events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? LOOP_READ : 0) |
		    (e->events & EPOLLOUT ? LOOP_WRITE : 0);
		k++;
	}
	return k;
}

const char *
loop_backend(void)
{
	return "epoll";
}
