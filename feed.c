/* SPDX-License-Identifier: ISC */
/*
 * feed.c - feed mode (-s PATH, or -s - for standard input): letterd shows
 * values that local programs write, a line such as "T 21.5" each
 * (docs/protocol.md 6).
 *
 * Writers are connections like any other: conn.c reads them and line.c
 * parses their lines; this file publishes each value through
 * pubsub_publish(), the fan-out the tick and the relay use, and answers a
 * bad line with "error: REASON (line N)".  A value whose letter already
 * changed since the last flush waits, with the lines behind it, until the
 * flush has written the first to every subscriber that keeps up: no value
 * is lost to a client that reads, whatever the rate (docs/protocol.md 6.3).
 *
 * There is no network publishing on purpose: any web page a person on the
 * network visits could reach an HTTP or WebSocket endpoint (CSRF, CWE-1385),
 * while the socket file's permissions say exactly who may write.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "config.h"
#include "conn.h"
#include "feed.h"
#include "format.h"
#include "line.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "pubsub.h"
#include "state.h"

static struct sockaddr_un feed_addr;
static int feed_stdin;            /* -s -: standard input, no socket */
static int feed_fd = -1;          /* the listening socket */

static const struct conn_ops feed_ops;

int
feed_init(const char *arg)
{
	if (!strcmp(arg, "-")) {
		feed_stdin = 1;
		return 0;
	}
	if (!*arg || strlen(arg) >= sizeof(feed_addr.sun_path))
		return -1;
	feed_addr.sun_family = AF_UNIX;
	strcpy(feed_addr.sun_path, arg);
	return 0;
}

/* Tells a writer about its bad line, or the log if it is standard input
 * (c NULL).  A writer that does not read its replies loses them, counted,
 * rather than making letterd keep them. */
static void
feed_error(struct conn *c, const struct line_ev *ev)
{
	char msg[128];
	size_t n;

	metrics.feed_errors++;
	if (!c || c->u.feed.from_stdin) {
		log_warn("feed: standard input, line %llu: %s",
		    (unsigned long long)ev->line, ev->why);
		return;
	}
	n = format(msg, sizeof(msg), "error: %s (line %llu)\n", ev->why,
	    (unsigned long long)ev->line);
	if (conn_backlog(c) + n > FEED_REPLY_MAX)
		metrics.feed_replies_dropped++;
	else
		conn_queue(c, msg, n);
}

/* What one event of the parser means: 0, or 1 when its value must wait
 * for the next flush (pubsub_publish). */
static int
feed_event(struct conn *c, const struct line_ev *ev)
{
	if (ev->type == LINE_ERROR)
		feed_error(c, ev);
	if (ev->type != LINE_VALUE)
		return 0;
	if (pubsub_publish(ev->letter, ev->value, ev->value_len) == 1)
		return 1;
	metrics.feed_updates++;
	return 0;
}

/* One line at a time.  When its value must wait for the flush, the
 * parser's state goes back to before the line, which stays unconsumed:
 * it is parsed again, with the same number, then. */
static size_t
feed_input(struct conn *c, uint8_t *p, size_t n)
{
	struct line_rx before = c->u.feed.rx;
	struct line_ev ev;
	size_t used = line_feed(&c->u.feed.rx, (const char *)p, n, &ev);

	if (feed_event(c, &ev)) {
		c->u.feed.rx = before;
		conn_hold(c);
		return 0;
	}
	return used;
}

/* At the end of input the line a writer left unfinished is dropped; the
 * end of standard input is logged (not when letterd itself is stopping). */
static void
feed_end(struct conn *c, struct line_rx *rx, const char *p, size_t n, int ended)
{
	struct line_ev ev;

	line_end(rx, p, n, &ev);
	feed_event(c, &ev);
	if (ended && (!c || c->u.feed.from_stdin))
		log_warn("feed: end of standard input after %llu lines; serving the last values",
		    (unsigned long long)rx->line);
}

/* The writer closed, or standard input ended. */
static void
feed_closed(struct conn *c, const char *why)
{
	size_t n;
	const uint8_t *p = conn_stashed(c, &n);

	if (!c->u.feed.counted)
		return;            /* one writer too many: it was never read */
	metrics.feed_writers--;
	/* standard input may be a terminal shared with the shell that
	 * started letterd: it gets back the blocking mode it came with */
	if (c->u.feed.from_stdin)
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
	feed_end(c, &c->u.feed.rx, (const char *)p, n, why != NULL);
}

/* A writer connected: one of FEED_MAX_WRITERS, or told it is one too many. */
static void
feed_opened(struct conn *c)
{
	static const char full[] = "error: too many writers\n";

	line_rx_init(&c->u.feed.rx);
	if (metrics.feed_writers >= FEED_MAX_WRITERS) {
		if (conn_queue(c, full, sizeof(full) - 1) == 0)
			conn_closing(c);
		return;
	}
	c->u.feed.counted = 1;
	metrics.feed_writers++;
	log_info("fd %d: feed writer (%lld)", c->fd, (long long)metrics.feed_writers);
}

static const struct conn_ops feed_ops = {
	.name = "feed",
	.input = feed_input,
	.keep_input = 1,
	.opened = feed_opened,
	.closed = feed_closed,
};

/* -s - with a regular file (or /dev/null) on standard input: epoll
 * cannot watch one, and nothing can be waiting for it yet, so it is read
 * through at once, line by line with the same parser. */
static void
feed_file(void)
{
	char buf[LINE_MAX_LEN + 4096];
	struct line_rx rx;
	struct line_ev ev;
	size_t have = 0, off;
	ssize_t n;

	line_rx_init(&rx);
	while ((n = read(0, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		off = 0;
		do {
			off += line_feed(&rx, buf + off, have - off, &ev);
			feed_event(NULL, &ev);
		} while (ev.type != LINE_NONE);
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	feed_end(NULL, &rx, buf, have, 1);
}

/* -s -: standard input is a writer whose errors go to the log. */
static int
feed_from_stdin(void)
{
	struct stat st;
	struct conn *c;

	if (fstat(0, &st) == 0 && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) &&
	    !isatty(0)) {
		feed_file();
		return 0;
	}
	if (!(c = conn_adopt(0, &feed_ops, 0))) {
		log_warn("-s -: cannot watch standard input: %s", strerror(errno));
		return -1;
	}
	feed_opened(c);
	c->u.feed.from_stdin = 1;
	return 0;
}

/* If PATH exists it must be a socket nobody listens on (a letterd that
 * died, say), which is then replaced; anything else is left alone. */
static int
feed_check_path(void)
{
	const char *path = feed_addr.sun_path;
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : (log_warn("-s %s: %s", path, strerror(errno)), -1);
	if (!S_ISSOCK(st.st_mode)) {
		log_warn("-s %s: exists and is not a socket; leaving it alone", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		log_warn("-s %s: %s", path, strerror(errno));
		return -1;
	}
	/* non-blocking: a listener whose queue is full would make connect
	 * wait for it (EAGAIN instead, which is "listening" too) */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	rc = connect(fd, (struct sockaddr *)&feed_addr, sizeof(feed_addr));
	close(fd);
	if (rc == 0 || errno != ECONNREFUSED) {
		log_warn("-s %s: another process is listening on it", path);
		return -1;
	}
	unlink(path);
	return 0;
}

/* Feed mode: standard input, or the socket at PATH. */
int
feed_start(void)
{
	state_init_empty();
	if (feed_stdin)
		return feed_from_stdin();
	if (feed_check_path() < 0)
		return -1;
	/* the file gets the process umask: its permissions are the
	 * authorization (docs/protocol.md 6.1) */
	if ((feed_fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(feed_fd, (struct sockaddr *)&feed_addr, sizeof(feed_addr)) < 0 ||
	    listen(feed_fd, LISTEN_BACKLOG) < 0) {
		log_warn("-s %s: %s", feed_addr.sun_path, strerror(errno));
		return -1;
	}
	fcntl(feed_fd, F_SETFL, fcntl(feed_fd, F_GETFL) | O_NONBLOCK);
	fcntl(feed_fd, F_SETFD, FD_CLOEXEC);
	return conn_listen(feed_fd, &feed_ops);
}

/* At exit the socket file goes, so that the next start finds no stale
 * one (it would be replaced anyway, docs/protocol.md 6.1). */
void
feed_stop(void)
{
	if (feed_fd < 0)
		return;
	conn_unlisten(feed_fd);
	feed_fd = -1;
	unlink(feed_addr.sun_path);
}
