/* SPDX-License-Identifier: ISC */
/*
 * loop_poll.c - the portable backend: poll() over an array of pollfd, with
 * the timeout computed from the deadline on the monotonic clock.  Included
 * by loop.c, never compiled on its own.
 *
 * pl_slot maps a descriptor to its place in the array, so that add, modify
 * and delete cost O(1); delete moves the last entry into the hole.  poll()
 * itself is O(n) in the number of descriptors: the price of portability.
 */
#include <poll.h>

static struct pollfd *pl_fds;
static int *pl_slot;            /* fd -> index in pl_fds, -1 if absent */
static int pl_n;
static int pl_start;            /* where the next scan of results begins */

static int
be_init(int maxfd)
{
	int i;

	pl_n = pl_start = 0;
	pl_fds = malloc(sizeof(*pl_fds) * (size_t)maxfd);
	pl_slot = malloc(sizeof(*pl_slot) * (size_t)maxfd);
	if (!pl_fds || !pl_slot)
		return -1;
	for (i = 0; i < maxfd; i++)
		pl_slot[i] = -1;
	return 0;
}

static void
be_free(void)
{
	free(pl_fds);
	free(pl_slot);
	pl_fds = NULL;
	pl_slot = NULL;
}

static short
pl_events(int mask)
{
	return (short)((mask & LOOP_READ ? POLLIN : 0) |
	    (mask & LOOP_WRITE ? POLLOUT : 0));
}

static int
be_add(int fd, int mask)
{
	if (pl_slot[fd] >= 0) {
		errno = EEXIST;
		return -1;
	}
	pl_slot[fd] = pl_n;
	pl_fds[pl_n].fd = fd;
	pl_fds[pl_n].events = pl_events(mask);
	pl_fds[pl_n].revents = 0;
	pl_n++;
	return 0;
}

static int
be_mod(int fd, int mask)
{
	if (pl_slot[fd] < 0) {
		errno = ENOENT;
		return -1;
	}
	pl_fds[pl_slot[fd]].events = pl_events(mask);
	return 0;
}

static void
be_del(int fd)
{
	int i = pl_slot[fd];

	if (i < 0)
		return;
	pl_fds[i] = pl_fds[--pl_n];
	pl_slot[pl_fds[i].fd] = i;
	pl_slot[fd] = -1;
}

static int
be_wait(struct be_event *ev, int max, int64_t deadline)
{
	int i, k = 0, timeout = -1;

	if (deadline >= 0) {
		int64_t left = deadline - loop_clock();

		/* poll takes an int: a day at most, then we look again */
		timeout = left <= 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
	}
	if (poll(pl_fds, (nfds_t)pl_n, timeout) <= 0)
		return 0;
	/* Handlers add and delete descriptors, which reorders pl_fds: the
	 * results are copied out first.  The scan starts where the last one
	 * stopped, so that with more ready descriptors than max the ones at
	 * the end of the array are not starved. */
	for (i = 0; i < pl_n && k < max; i++) {
		struct pollfd *p = &pl_fds[(pl_start + i) % pl_n];
		short r = p->revents;

		if (!r)
			continue;
		ev[k].fd = p->fd;
		ev[k].mask = (r & (POLLIN | POLLERR | POLLHUP | POLLNVAL) ? LOOP_READ : 0) |
		    (r & POLLOUT ? LOOP_WRITE : 0);
		k++;
	}
	pl_start = (pl_start + i) % pl_n;     /* poll found one: pl_n > 0 */
	return k;
}

const char *
loop_backend(void)
{
	return "poll";
}
