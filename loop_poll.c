/*
 * loop_poll.c - the portable backend: poll() over an array of pollfd, with
 * the timeout computed from the deadline on the monotonic clock.  Included
 * by loop.c, never compiled on its own.
 *
 * pl_slot maps an fd to its place in the array so that add, modify and
 * delete are O(1); delete moves the last entry into the hole.  poll() itself
 * is O(n) in the number of descriptors, which is the price of portability.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

static struct pollfd *pl_fds;
static int *pl_slot;            /* fd -> index in pl_fds, -1 if absent */
static int pl_n, pl_maxfd;
static int pl_start;            /* where the next scan of results begins */

int
loop_init(int maxfd)
{
	int i;

	pl_maxfd = maxfd;
	pl_fds = malloc(sizeof(*pl_fds) * (size_t)maxfd);
	pl_slot = malloc(sizeof(*pl_slot) * (size_t)maxfd);
	if (!pl_fds || !pl_slot)
		return -1;
	for (i = 0; i < maxfd; i++)
		pl_slot[i] = -1;
	pl_n = 0;
	return 0;
}

void
loop_free(void)
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

int
loop_add(int fd, int mask)
{
	if (fd < 0 || fd >= pl_maxfd || pl_slot[fd] >= 0) {
		errno = EINVAL;
		return -1;
	}
	pl_slot[fd] = pl_n;
	pl_fds[pl_n].fd = fd;
	pl_fds[pl_n].events = pl_events(mask);
	pl_fds[pl_n].revents = 0;
	pl_n++;
	return 0;
}

int
loop_mod(int fd, int mask)
{
	if (fd < 0 || fd >= pl_maxfd || pl_slot[fd] < 0) {
		errno = EINVAL;
		return -1;
	}
	pl_fds[pl_slot[fd]].events = pl_events(mask);
	return 0;
}

void
loop_del(int fd)
{
	int i;

	if (fd < 0 || fd >= pl_maxfd || (i = pl_slot[fd]) < 0)
		return;
	pl_fds[i] = pl_fds[--pl_n];
	pl_slot[pl_fds[i].fd] = i;
	pl_slot[fd] = -1;
}

int
loop_wait(struct loop_event *ev, int max, int64_t deadline)
{
	int i, k = 0, timeout = -1;

	if (deadline >= 0) {
		int64_t left = deadline - loop_now();

		timeout = left <= 0 ? 0 : left > 86400000 ? 86400000 : (int)left;
	}
	if (poll(pl_fds, (nfds_t)pl_n, timeout) <= 0)
		return 0;
	/* The caller may add and delete while handling these events, which
	 * reorders pl_fds: the results are copied out first.  The scan starts
	 * where the last one stopped, so that with more ready descriptors than
	 * max the ones at the end of the array are not starved. */
	for (i = 0; i < pl_n && k < max; i++) {
		struct pollfd *p = &pl_fds[(pl_start + i) % pl_n];
		short r = p->revents;

		if (!r)
			continue;
		ev[k].fd = p->fd;
		ev[k].mask = 0;
		if (r & (POLLIN | POLLERR | POLLHUP | POLLNVAL))
			ev[k].mask |= LOOP_READ;
		if (r & POLLOUT)
			ev[k].mask |= LOOP_WRITE;
		k++;
	}
	pl_start = pl_n ? (pl_start + i) % pl_n : 0;
	return k;
}

const char *
loop_backend(void)
{
	return "poll";
}
