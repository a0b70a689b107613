/* SPDX-License-Identifier: ISC */
/*
 * conn.c - the transport: every connection from its first byte to its
 * close, whatever protocol it speaks (conn.h says which protocols there
 * are and how they plug in).
 *
 * Reading.  Every read lands in one buffer shared by all connections and
 * is handed to the protocol's input function, which says how many bytes
 * it consumed.  Only what it could not consume yet -- half a request or a
 * frame, or input held back -- is copied into the connection's own buffer,
 * c->in, which exists only while it holds something.
 *
 * Writing.  Nothing is written from the middle of processing: answers are
 * queued (conn_queue) and the connection is put on the pending list;
 * conn_flush_pending() writes them all before the loop sleeps again, and
 * the loop is asked for a write event only when the kernel refuses more
 * (redis does the same).  A protocol may also owe output that is not in the
 * queue (a file, the latest values): flushing asks it for that once the
 * queue is empty, through ops->owed.
 *
 * Holding back.  A connection stops being read while its output is backed
 * up past OUT_HIGH (a client that sends without reading only stalls
 * itself), while a protocol is writing something long (F_BUSY), or when a
 * protocol asks to wait for the next flush (F_HOLD: conn_hold).  Its input
 * then waits in c->in; the connections to resume are bits in a bitmap by
 * fd, and a timer due at once runs them right after the flush.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "config.h"
#include "conn.h"
#include "entropy.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"

struct conn_in {
	size_t off, len;       /* data[off..len) is not consumed yet */
	uint8_t data[IN_CAP];
};

struct conn_out {
	size_t off, len, cap;
	uint8_t data[];
};

/* A compile-time check of the promise in conn.h (C99 has no
 * static_assert): the array size goes negative, and the build fails, if it
 * is broken. */
typedef char conn_size_check[sizeof(struct conn) <= 96 || sizeof(void *) > 8 ? 1 : -1];
typedef char conn_fd_check[MAX_FDS <= 65536 ? 1 : -1];   /* fds in uint16_t */

/* The connections, indexed by fd: no allocation per connection, and the
 * pages of the array are only touched as descriptors are used. */
struct conn *conns;
static int conns_max;             /* size of conns[] */
static int conns_hi;              /* conns[] above this are all free */
static int nconns;
/* fds to flush before sleeping, dense; an fd fits in 16 bits (MAX_FDS),
 * and every idle client's slot costs two bytes less than an int's */
static uint16_t *pending;
static int npending;
static uint64_t *resume;          /* bit fd: input to process after a flush */
static int nresume;
static int ndeadlines;            /* connections with a deadline */
static int deadline_timer = -1, resume_timer = -1;
static int reserve_fd = -1;       /* spare descriptor for EMFILE */
static uint8_t rbuf[READ_CHUNK];  /* every read lands here first */

/* The protocols, so that a connection names its own with one byte. */
static const struct conn_ops *ops_tab[8];
static int nops;

static const struct conn_ops *
conn_ops(const struct conn *c)
{
	return ops_tab[c->ops];
}

/* A write or read that would block, or was interrupted, is no error. */
static int
conn_again(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

void
conn_set_ops(struct conn *c, const struct conn_ops *ops)
{
	int i;

	for (i = 0; i < nops && ops_tab[i] != ops; i++)
		;
	if (i == nops && nops < (int)(sizeof(ops_tab) / sizeof(ops_tab[0])))
		ops_tab[nops++] = ops;
	c->ops = (uint8_t)i;
}

size_t
conn_backlog(const struct conn *c)
{
	return c->out ? c->out->len - c->out->off : 0;
}

static int
conn_blocked(const struct conn *c)
{
	return (c->flags & (F_HOLD | F_BUSY)) || conn_backlog(c) > OUT_HIGH;
}

/* Asks the loop for the events this connection needs now. */
static void
conn_watch(struct conn *c)
{
	int mask = 0;

	if (c->state == CONN_CONNECTING)
		mask = LOOP_WRITE;   /* writable: connect() has finished */
	else if (c->state != CONN_CLOSING && !conn_blocked(c))
		mask = LOOP_READ;
	if (c->flags & F_WANT_WRITE)
		mask |= LOOP_WRITE;
	if (mask != c->mask && loop_mod(c->fd, mask) == 0)
		c->mask = (uint8_t)mask;
}

/* ---- Deadlines -------------------------------------------------------- */

/* One loop timer stands for every connection's deadline: it is due at the
 * earliest, and with no deadline it is not armed at all, so an idle server
 * with only WebSocket clients wakes for its ticks alone. */
void
conn_set_deadline(struct conn *c, int64_t when)
{
	int64_t t = loop_timer_when(deadline_timer);

	if (c->deadline < 0 && when >= 0)
		ndeadlines++;
	else if (c->deadline >= 0 && when < 0 && --ndeadlines == 0)
		loop_timer_at(deadline_timer, -1);
	c->deadline = when;
	if (when >= 0 && (t < 0 || when < t))
		loop_timer_at(deadline_timer, when);
}

/* The deadline timer: closes the connections whose time is up (through
 * their protocol, which knows why).  The loop disarmed the timer before
 * calling this, so each deadline still to come is set again, and
 * conn_set_deadline arms the timer for the earliest. */
static void
conn_expire(void)
{
	int fd;

	for (fd = 0; fd <= conns_hi; fd++) {
		struct conn *c = &conns[fd];

		if (c->state == CONN_FREE || c->deadline < 0)
			continue;
		if (c->deadline <= loop_now()) {
			if (c->state >= CONN_CLOSING || !conn_ops(c)->expired)
				conn_close(c, DROP_CLOSING_TIMEOUT, "closing timeout");
			else
				conn_ops(c)->expired(c);
		}
		/* closed, the deadline is -1 and this changes nothing */
		conn_set_deadline(c, c->deadline);
	}
	while (conns_hi > 0 && conns[conns_hi].state == CONN_FREE)
		conns_hi--;
}

/* ---- Closing ---------------------------------------------------------- */

/* The pending list is dense, so flushing visits only the connections
 * that have something to write: removing one moves the last entry into
 * its place, and each connection remembers where it is (pending_ix). */
static void
conn_pending_remove(struct conn *c)
{
	if (!(c->flags & F_PENDING))
		return;
	pending[c->pending_ix] = pending[--npending];
	conns[pending[c->pending_ix]].pending_ix = c->pending_ix;
	c->flags &= ~F_PENDING;
}

/* The connections whose held input must be processed after the next
 * flush.  A bitmap by fd, not a list: struct conn has no room left for an
 * index, and a scan of maxfd / 64 words is nothing next to a flush. */
static void
conn_resume_add(struct conn *c)
{
	if (!(resume[c->fd / 64] >> (c->fd % 64) & 1)) {
		resume[c->fd / 64] |= UINT64_C(1) << (c->fd % 64);
		nresume++;
	}
}

static void
conn_resume_remove(struct conn *c)
{
	if (resume[c->fd / 64] >> (c->fd % 64) & 1) {
		resume[c->fd / 64] &= ~(UINT64_C(1) << (c->fd % 64));
		nresume--;
	}
}

/* Closes now: the protocol lets go first (a client's subscriptions, a
 * relay's next attempt), then the transport takes the connection off
 * every list, the loop and the timers, and frees its buffers.  The slot
 * stays in conns[] as CONN_FREE, so that an event for this fd still in
 * the loop's batch finds nothing to do. */
void
conn_close(struct conn *c, int drop, const char *why)
{
	const struct conn_ops *ops = conn_ops(c);

	if (why)
		log_info("fd %d (%s): closed: %s", c->fd, ops->name, why);
	if (drop >= 0)
		metrics.dropped[drop]++;
	if (ops->closed)
		ops->closed(c, why);
	conn_pending_remove(c);
	conn_resume_remove(c);
	conn_set_deadline(c, -1);
	loop_del(c->fd);
	close(c->fd);
	if (c->flags & F_WS)
		ws_rx_free(&c->u.ws.rx);
	free(c->in);
	free(c->out);
	c->in = NULL;
	c->out = NULL;
	c->state = CONN_FREE;
	nconns--;
}

/* After the last response or close frame: no more input, and once the
 * output is out, shut our side and wait for the peer's close, so that our
 * last bytes are not lost to a reset (RFC 9112 9.6, RFC 6455 7.1.1). */
void
conn_closing(struct conn *c)
{
	c->state = CONN_CLOSING;
	conn_set_deadline(c, loop_now() + LINGER_MS);
	conn_pending_add(c);
	conn_watch(c);
}

/* ---- Output ----------------------------------------------------------- */

/* Puts c on the pending list, unless it is there or waits for the
 * kernel: then the write event flushes it, and writing before the socket
 * drains would only meet EAGAIN. */
void
conn_pending_add(struct conn *c)
{
	if (c->flags & (F_PENDING | F_WANT_WRITE))
		return;      /* F_WANT_WRITE: the write event will flush it */
	c->flags |= F_PENDING;
	c->pending_ix = npending;
	pending[npending++] = (uint16_t)c->fd;
}

/* The queue grows by doubling and slides its unsent bytes to the front
 * when it needs room, so a connection that keeps up reuses one small
 * buffer; conn_write_queue frees it once it is drained. */
int
conn_queue(struct conn *c, const void *p, size_t n)
{
	struct conn_out *o = c->out;
	size_t used = conn_backlog(c), cap = o ? o->cap : 512;

	while (cap < used + n)
		cap *= 2;
	if (!o || cap > o->cap) {
		if (!(o = realloc(o, sizeof(*o) + cap))) {
			conn_close(c, DROP_NO_MEMORY, "out of memory");
			return -1;
		}
		if (!c->out)
			o->off = o->len = 0;
		o->cap = cap;
		c->out = o;
	}
	if (o->len + n > o->cap) {
		/* room enough, but not after the end: slide what is left
		 * to the front */
		memmove(o->data, o->data + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
	conn_pending_add(c);
	return 0;
}

/* The result of a write(2) or writev(2) that returned n: the bytes are
 * counted, and an error closes the connection.  0 written, 1 the kernel
 * is full, -1 closed. */
static int
conn_wrote(struct conn *c, ssize_t n)
{
	if (n < 0 && conn_again())
		return 1;
	if (n < 0) {
		conn_close(c, DROP_IO_ERROR, strerror(errno));
		return -1;
	}
	metrics.bytes += (uint64_t)n;
	return 0;
}

/* For bytes that live outside the queue (a value's frame, the ping):
 * written straight from where they are, and only what the kernel did not
 * take is copied into the queue, where it must go out first next time. */
int
conn_write(struct conn *c, const uint8_t *p, size_t n)
{
	ssize_t w = write(c->fd, p, n);
	int r = conn_wrote(c, w);

	if (r || (size_t)w == n)
		return r;
	return conn_queue(c, p + w, n - (size_t)w) < 0 ? -1 : 1;
}

/* writev, for the fan-out's slices of frames; the caller decides what a
 * partial write leaves owed. */
int
conn_writev(struct conn *c, const struct iovec *iov, int k, size_t *written)
{
	ssize_t w = writev(c->fd, iov, k);
	int r = conn_wrote(c, w);

	*written = r ? 0 : (size_t)w;
	return r;
}

/* Writes the queue; 0 when it is empty, 1 or -1 as conn_wrote. */
static int
conn_write_queue(struct conn *c)
{
	struct conn_out *o = c->out;
	ssize_t n;
	int r;

	if (!o)
		return 0;
	n = write(c->fd, o->data + o->off, o->len - o->off);
	if ((r = conn_wrote(c, n)))
		return r;
	o->off += (size_t)n;
	if (o->off < o->len)
		return 1;
	free(c->out);      /* drained: an idle connection keeps no buffer */
	c->out = NULL;
	return 0;
}

/* RFC 6455 5.5.2: the keepalive ping of a server, encoded once. */
static const uint8_t conn_ping[] = { 0x89, 7, 'l', 'e', 't', 't', 'e', 'r', 'd' };

/* Writes what c owes, in order: the queue, a keepalive ping, then what
 * the protocol owes beyond the queue.  Only writes: input that waited for
 * the output is resumed by the resume timer, after the flush. */
static void
conn_flush(struct conn *c)
{
	int r;

	conn_pending_remove(c);
	if (c->state == CONN_CONNECTING)
		return;
	for (;;) {
		if ((r = conn_write_queue(c)))
			break;
		if (c->flags & F_OWE_PING) {
			if ((r = conn_write(c, conn_ping, sizeof(conn_ping))))
				break;
			c->flags &= ~F_OWE_PING;
		}
		if (!conn_ops(c)->owed || (r = conn_ops(c)->owed(c)) || !c->out)
			break;     /* the protocol queued more: write it */
	}
	if (r < 0)
		return;            /* closed */
	if (r) {
		c->flags |= F_WANT_WRITE;
	} else {
		c->flags &= ~F_WANT_WRITE;
		if (c->state == CONN_CLOSING) {
			shutdown(c->fd, SHUT_WR);
			c->state = CONN_LINGER;
			conn_set_deadline(c, loop_now() + LINGER_MS);
		} else if (c->in && c->in->off < c->in->len && !conn_blocked(c)) {
			conn_resume_add(c);
		}
	}
	conn_watch(c);
}

static uint64_t conn_flushes;

/* The one place where connections are written to.  Last-in first-out is
 * fine: every pending connection is flushed before the loop sleeps.  If
 * held input waits for this flush, the resume timer is armed to run at
 * once, so that the loop does not sleep before it is processed. */
void
conn_flush_pending(void)
{
	while (npending > 0)
		conn_flush(&conns[pending[npending - 1]]);
	conn_flushes++;
	if (nresume)
		loop_timer_at(resume_timer, loop_now());
}

/* pubsub.c compares this with the count of its last publish. */
uint64_t
conn_flush_count(void)
{
	return conn_flushes;
}

/* The protocol cannot take more input until the next flush: conn_process
 * stops at F_HOLD, the connection is not read meanwhile (conn_watch), and
 * the resume timer hands it its held input again after the flush. */
void
conn_hold(struct conn *c)
{
	c->flags |= F_HOLD;
	conn_resume_add(c);
	conn_watch(c);
}

/* ---- Input ------------------------------------------------------------ */

const uint8_t *
conn_stashed(const struct conn *c, size_t *n)
{
	*n = c->in ? c->in->len - c->in->off : 0;
	return c->in ? c->in->data + c->in->off : NULL;
}

/* Keeps p[used..n), what the protocol did not consume, in c->in.  When p
 * is c->in's own data, only the offset moves: input held a few lines at a
 * time is not copied each time.  An empty buffer goes, unless the
 * protocol keeps it (ops->keep_input). */
static int
conn_stash(struct conn *c, const uint8_t *p, size_t used, size_t n)
{
	if (c->in && p == c->in->data + c->in->off) {
		c->in->len = c->in->off + n;      /* a read may have added to it */
		c->in->off += used;
	} else if (used < n) {
		if (!c->in && !(c->in = malloc(sizeof(*c->in)))) {
			conn_close(c, DROP_NO_MEMORY, "out of memory");
			return -1;
		}
		memcpy(c->in->data, p + used, n - used);
		c->in->off = 0;
		c->in->len = n - used;
	}
	if (c->in && c->in->off == c->in->len) {
		c->in->off = c->in->len = 0;
		if (!conn_ops(c)->keep_input) {
			free(c->in);
			c->in = NULL;
		}
	}
	return 0;
}

/* Hands bytes to the protocol until they are used up, it cannot take more
 * now, or the connection is closing, and keeps the rest (conn_stash).
 * The protocol is looked up each time round: an upgrade changes it. */
static void
conn_process(struct conn *c, uint8_t *p, size_t n)
{
	size_t off = 0, used;

	do {
		if (c->state != CONN_OPEN) {
			off = n;           /* closing: the rest is discarded */
			break;
		}
		if (conn_blocked(c))
			break;
		used = conn_ops(c)->input(c, p + off, n - off);
		off += used;
	} while (used && off < n);
	if (c->state != CONN_FREE && conn_stash(c, p, off, n) == 0)
		conn_watch(c);
}

/* Processes what c holds, as if it had just been read. */
static void
conn_resume_one(struct conn *c)
{
	uint8_t none = 0, *p = c->in ? c->in->data + c->in->off : &none;
	size_t n = c->in ? c->in->len - c->in->off : 0;

	c->flags &= ~F_HOLD;
	conn_process(c, p, n);
}

/* The resume timer: input that waited for a flush, processed now.  Each
 * word of the bitmap is taken as it was, so that a connection that holds
 * again waits for the next flush instead of spinning here. */
static void
conn_resume_all(void)
{
	uint64_t bits;
	int w, b;

	for (w = 0; nresume && w <= conns_hi / 64; w++) {
		bits = resume[w];
		for (b = 0; bits; b++, bits >>= 1) {
			if (!(bits & 1))
				continue;
			conn_resume_remove(&conns[w * 64 + b]);
			conn_resume_one(&conns[w * 64 + b]);
		}
	}
}

/* A read event: one read(2) per event (the loop is level-triggered and
 * reports the rest next turn), into the shared buffer, or after the input
 * this connection already holds.  0 is the peer's close: the connection
 * goes, and the protocol hears why. */
static void
conn_read(struct conn *c)
{
	uint8_t *p = rbuf;
	size_t have = 0;
	ssize_t n;

	if (c->state == CONN_LINGER) {
		/* draining until the peer closes: its bytes go nowhere */
		n = read(c->fd, rbuf, sizeof(rbuf));
		if (n == 0 || (n < 0 && !conn_again()))
			conn_close(c, -1, NULL);
		return;
	}
	/* Held input waits for the flush, and so does the rest: a hang-up,
	 * which the loop reports even when reading is off, must not end the
	 * connection before what it holds is processed. */
	if (conn_blocked(c))
		return;
	if (c->in) {
		/* a partial request or frame is waiting: read after it,
		 * having moved it to the front */
		memmove(c->in->data, c->in->data + c->in->off, c->in->len - c->in->off);
		c->in->len -= c->in->off;
		c->in->off = 0;
		if (c->in->len == IN_CAP) {
			conn_close(c, DROP_IO_ERROR, "input buffer full");
			return;
		}
		p = c->in->data;
		have = c->in->len;
	}
	n = read(c->fd, p + have, c->in ? IN_CAP - have : sizeof(rbuf));
	if (n < 0 && conn_again())
		return;
	if (n <= 0) {
		conn_close(c, n ? DROP_IO_ERROR : -1, n ? strerror(errno) : "peer closed");
		return;
	}
	conn_process(c, p, have + (size_t)n);
}

/* Our connect() has finished, one way or the other (the socket turned
 * writable): SO_ERROR says which. */
static void
conn_connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		conn_close(c, -1, strerror(err ? err : errno));
		return;
	}
	c->state = CONN_OPEN;
	conn_watch(c);
	if (conn_ops(c)->connected)
		conn_ops(c)->connected(c);
}

/* The loop's handler for every connection. */
static void
conn_event(int fd, int mask)
{
	struct conn *c = &conns[fd];

	if (c->state == CONN_CONNECTING) {
		conn_connected(c);
		return;
	}
	if (mask & LOOP_READ)
		conn_read(c);
	if ((mask & LOOP_WRITE) && c->state != CONN_FREE)
		conn_flush(c);
}

/* ---- Opening ---------------------------------------------------------- */

/* A socket becomes a connection: non-blocking and close-on-exec (fcntl,
 * which every Unix has, rather than accept4 or SOCK_NONBLOCK), watched by
 * the loop, and counted.  The slot is the fd's own, so no allocation. */
struct conn *
conn_adopt(int fd, const struct conn_ops *ops, int connecting)
{
	struct conn *c;
	int one = 1;

	if (fd >= conns_max) {
		close(fd);
		return NULL;
	}
	c = &conns[fd];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->deadline = -1;
	c->client_ix = -1;
	c->mask = connecting ? LOOP_WRITE : LOOP_READ;
	conn_set_ops(c, ops);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* small frames are latency-bound: send them at once (fails
	 * harmlessly on a socket that is not TCP) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (loop_add(fd, c->mask, conn_event) < 0) {
		close(fd);
		return NULL;            /* the slot is still CONN_FREE */
	}
	c->state = connecting ? CONN_CONNECTING : CONN_OPEN;
	if (fd > conns_hi)
		conns_hi = fd;
	nconns++;
	return c;
}

/* Accepts what a listening socket holds; -1 when out of descriptors with
 * no spare. */
static int
conn_accept(int listen_fd, const struct conn_ops *ops)
{
	struct conn *c;
	int fd, i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		if ((fd = accept(listen_fd, NULL, NULL)) >= 0) {
			metrics.accepted++;
			if ((c = conn_adopt(fd, ops, 0)) && ops->opened)
				ops->opened(c);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of descriptors.  Give back the spare one, take
			 * the waiting connection and close it, so that the
			 * listening socket stops being ready instead of
			 * waking us in a loop. */
			if (reserve_fd < 0)
				return -1;      /* no spare: the caller pauses */
			close(reserve_fd);
			if ((fd = accept(listen_fd, NULL, NULL)) >= 0)
				close(fd);
			reserve_fd = open("/dev/null", O_RDONLY);
			metrics.dropped[DROP_FD_LIMIT]++;
			log_info("out of file descriptors: refused a connection");
			continue;
		}
		if (errno == ECONNABORTED || errno == EPROTO || errno == EINTR)
			continue;
		if (!conn_again())
			log_info("accept: %s", strerror(errno));
		return 0;
	}
	return 0;
}

/* The listening sockets (TCP, and the feed's), each with the protocol of
 * what it accepts.  Accepting waits until the batch of events is handled
 * -- the handler only arms a timer due now, which runs after the batch --
 * so that no descriptor closed in the batch is reused by a new connection
 * while events for the old one are still in it.  Out of descriptors with
 * no spare, a listener is not watched for 100 ms, rather than spun on. */
#define LISTENERS 4
static struct listener {
	const struct conn_ops *ops;  /* NULL: a free place */
	int fd;
	uint8_t ready;               /* the loop said so: accept this round */
	int64_t paused;              /* until when, or -1 */
} listeners[LISTENERS];
static int listen_timer = -1;

static void
conn_listener_ready(int fd, int mask)
{
	struct listener *l;

	(void)mask;
	for (l = listeners; l < listeners + LISTENERS; l++)
		if (l->ops && l->fd == fd)
			l->ready = 1;
	loop_timer_at(listen_timer, loop_now());
}

/* The accept timer: each paused listener whose pause is over is watched
 * again (and is level-triggered ready at once if anything waits), each
 * ready one is emptied, and the timer is armed for the next end of a
 * pause.  Only ready listeners are tried: accept on an empty one is a
 * system call for nothing. */
static void
conn_accept_ready(void)
{
	struct listener *l;
	int64_t next = -1;

	for (l = listeners; l < listeners + LISTENERS; l++) {
		if (!l->ops)
			continue;
		if (l->paused >= 0 && l->paused <= loop_now()) {
			l->paused = -1;
			loop_mod(l->fd, LOOP_READ);
		}
		if (l->ready && l->paused < 0) {
			l->ready = 0;
			if (conn_accept(l->fd, l->ops) < 0) {
				l->paused = loop_now() + 100;
				loop_mod(l->fd, 0);
			}
		}
		if (l->paused >= 0 && (next < 0 || l->paused < next))
			next = l->paused;
	}
	if (next >= 0)
		loop_timer_at(listen_timer, next);
}

int
conn_listen(int fd, const struct conn_ops *ops)
{
	struct listener *l;

	for (l = listeners; l < listeners + LISTENERS && l->ops; l++)
		;
	if (l == listeners + LISTENERS) {
		errno = ENOSPC;
		return -1;
	}
	if (loop_add(fd, LOOP_READ, conn_listener_ready) < 0)
		return -1;
	l->ops = ops;
	l->fd = fd;
	l->ready = 0;
	l->paused = -1;
	return 0;
}

void
conn_unlisten(int fd)
{
	struct listener *l;

	for (l = listeners; l < listeners + LISTENERS; l++)
		if (l->ops && l->fd == fd) {
			loop_del(fd);
			close(fd);
			l->ops = NULL;
		}
}

/* Open connections of every kind; shutdown waits for 0. */
int
conn_count(void)
{
	return nconns;
}

/* The tables are sized once for every descriptor letterd may have
 * (docs/protocol.md 1.7); calloc leaves their pages untouched until used. */
int
conn_init(int maxfd)
{
	conns_max = maxfd;
	conns_hi = nconns = npending = nresume = ndeadlines = 0;
	conns = calloc((size_t)maxfd, sizeof(*conns));
	pending = calloc((size_t)maxfd, sizeof(*pending));
	resume = calloc((size_t)maxfd / 64 + 1, sizeof(*resume));
	reserve_fd = open("/dev/null", O_RDONLY);
	deadline_timer = loop_timer(conn_expire);
	resume_timer = loop_timer(conn_resume_all);
	listen_timer = loop_timer(conn_accept_ready);
	return conns && pending && resume && deadline_timer >= 0 &&
	    resume_timer >= 0 && listen_timer >= 0 ? 0 : -1;
}

/* At exit: every connection closed, every table freed, so that valgrind
 * sees no leak. */
void
conn_free_all(void)
{
	int fd;

	for (fd = 0; fd <= conns_hi && conns; fd++)
		if (conns[fd].state != CONN_FREE)
			conn_close(&conns[fd], -1, NULL);
	free(conns);
	free(pending);
	free(resume);
	conns = NULL;
	pending = NULL;
	resume = NULL;
	if (reserve_fd >= 0)
		close(reserve_fd);
	reserve_fd = -1;
}

/* ---- The WebSocket layer ---------------------------------------------- */

/* From now on the connection's input is frames: the union's HTTP part is
 * done with, and a WebSocket connection has no deadline but keepalive. */
void
conn_ws_start(struct conn *c, int role)
{
	memset(&c->u, 0, sizeof(c->u));
	ws_rx_init(&c->u.ws.rx, role);
	c->flags |= F_WS;
	conn_set_deadline(c, -1);
}

/* Queues a frame of at most WS_CONTROL_MAX bytes of payload: replies,
 * pongs, close frames and the relay's commands are all that short. */
int
conn_ws_send(struct conn *c, int op, const void *p, size_t n)
{
	uint8_t f[WS_HEADER_MAX + 4 + WS_CONTROL_MAX], mask[4];

	if (c->u.ws.rx.role == WS_SERVER) {
		size_t h = ws_header(f, op, n);

		memcpy(f + h, p, n);
		return conn_queue(c, f, h + n);
	}
	/* RFC 6455 5.3: a client masks every frame with a fresh key */
	entropy_bytes(mask, 4);
	return conn_queue(c, f, ws_client_frame(f, op, p, n, mask));
}

/* RFC 6455 7.1.1: our close frame goes out, then no more frames, then
 * the lingering close of every connection (conn_closing). */
void
conn_ws_close(struct conn *c, int code)
{
	uint8_t p[2];

	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (conn_ws_send(c, WS_OP_CLOSE, p, 2) < 0)
		return;
	/* the parser is done with: its memory goes now */
	ws_rx_free(&c->u.ws.rx);
	c->flags &= ~(F_WS | F_OWE_PING);
	conn_closing(c);
}

size_t
conn_ws_input(struct conn *c, uint8_t *p, size_t n, size_t max_msg,
              struct ws_ev *ev)
{
	size_t used = ws_feed(&c->u.ws.rx, p, n, max_msg, ev);

	switch (ev->type) {
	case WS_TEXT:
		conn_ops(c)->text(c, ev->data, ev->len);
		break;
	case WS_PING:
		conn_ws_send(c, WS_OP_PONG, ev->data, ev->len);  /* RFC 6455 5.5.3 */
		break;
	case WS_PONG:
		c->flags &= ~F_PINGED;
		break;
	case WS_CLOSE:
		log_info("fd %d: close %d from the peer", c->fd, ev->code);
		conn_ws_close(c, ev->code);                      /* RFC 6455 5.5.1 */
		return used;
	case WS_FAIL:
		metrics_protocol_error(ev->code);
		log_info("fd %d: protocol error, close %d", c->fd, ev->code);
		conn_ws_close(c, ev->code);                      /* RFC 6455 7.1.7 */
		return used;
	}
	if (ev->type != WS_NONE && c->state == CONN_OPEN)
		ws_rx_done(&c->u.ws.rx);
	return used;
}

void
conn_keepalive(void)
{
	int fd;

	for (fd = 0; fd <= conns_hi; fd++) {
		struct conn *c = &conns[fd];

		if (c->state != CONN_OPEN || !(c->flags & F_WS))
			continue;
		if (c->flags & F_PINGED) {
			conn_close(c, DROP_PING_TIMEOUT, "no answer to ping");
			continue;
		}
		c->flags |= F_PINGED;
		if (c->u.ws.rx.role == WS_CLIENT) {
			conn_ws_send(c, WS_OP_PING, "letterd", 7);
		} else {
			/* written like values, from one frame and without a
			 * buffer, when the connection is flushed */
			c->flags |= F_OWE_PING;
			conn_pending_add(c);
		}
	}
}

/* A connection still being made, or plain HTTP, has nothing to say
 * goodbye with: it is closed at once (docs/protocol.md 1.6). */
void
conn_shutdown(void)
{
	int fd;

	for (fd = 0; fd <= conns_hi; fd++) {
		struct conn *c = &conns[fd];

		if (c->state == CONN_OPEN && (c->flags & F_WS))
			conn_ws_close(c, WS_GOING_AWAY);
		else if (c->state == CONN_OPEN || c->state == CONN_CONNECTING)
			conn_close(c, -1, NULL);
	}
}
