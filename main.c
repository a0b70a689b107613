/* SPDX-License-Identifier: ISC */
/*
 * main.c - letterd's life: options, the listening socket, signals, the
 * timers of the program, and the loop.
 *
 * One thread does everything.  Each turn of the loop
 *   1. writes what the last turn queued (conn_flush_pending): the only
 *      place where connections are written to;
 *   2. sleeps until a descriptor is ready or a timer is due, then runs the
 *      ready descriptors' handlers and the due timers (loop_once).
 * The timers of this file are the tick, the keepalive round and the end of
 * shutdown; conn.c and relay.c keep their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "config.h"
#include "conn.h"
#include "entropy.h"
#include "feed.h"
#include "format.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "pubsub.h"
#include "relay.h"
#include "route.h"
#include "state.h"

static const char *opt_addr = DEFAULT_ADDR;
static long opt_port = DEFAULT_PORT;
static long opt_tick = DEFAULT_TICK_MS;
static long opt_ping = DEFAULT_PING_SECS;
static int opt_relay;             /* -u given */
static int opt_feed;              /* -s given */

static int listen_fd = -1;
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_caught;
static int tick_timer, ping_timer, stop_timer;
static int stopping, stop_due;
static int64_t tick_at;           /* when the tick is due */
static int64_t tick_started = -1; /* microseconds, while a tick is unwritten */

/* The usage, on standard output (-h) or standard error (a usage error). */
static void
usage(int fd)
{
	char text[2048];
	size_t n = format(text, sizeof(text),
	    "usage: letterd [-hMvV] [-b addr] [-p port] [-i ms] [-k secs] [-m bytes]\n"
	    "               [-c clients] [-r dir] [-o origin] [-u ws://HOST[:PORT][/PATH]\n"
	    "               | -s path]\n"
	    "  -b addr     bind address, IPv4 or IPv6 (default %s)\n"
	    "  -p port     port, 0 picks a free one (default %d)\n"
	    "  -i ms       tick interval in milliseconds (default %d)\n"
	    "  -k secs     keepalive ping interval, 0 = off (default %d)\n"
	    "  -m bytes    largest message a client may send (default %d)\n"
	    "  -c clients  most WebSocket clients at once, 0 = no limit (default 0)\n"
	    "  -r dir      serve /static/NAME from dir (default: off)\n"
	    "  -o origin   also let pages from origin (scheme://HOST[:PORT]) open a\n"
	    "              WebSocket; -o '*' lets every page (default: the same\n"
	    "              origin only)\n"
	    "  -u url      relay: mirror the values of an upstream server of this\n"
	    "              protocol, ws://HOST[:PORT][/PATH], instead of drawing them\n"
	    "  -s path     feed: show the values local programs write as lines\n"
	    "              \"LETTER NUMBER\" to this UNIX socket (- : standard input)\n"
	    "  -M          serve GET /metrics (Prometheus text format)\n"
	    "  -v          log connections and errors to stderr\n"
	    "  -h          this help\n"
	    "  -V          print the version\n",
	    DEFAULT_ADDR, DEFAULT_PORT, DEFAULT_TICK_MS, DEFAULT_PING_SECS,
	    DEFAULT_MAX_MSG);

	if (write(fd, text, n < sizeof(text) ? n : sizeof(text) - 1) < 0)
		exit(2);
}

/* A start-up error: one line, then the exit status; 2 is a usage error
 * (docs/protocol.md 1.4), which prints the usage too. */
static void
fail(int status, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warn("%s", line);
	if (status == 2)
		usage(2);
	exit(status);
}

/* A decimal option value in min..max, or a usage error. */
static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		fail(2, "bad value '%s' (%ld..%ld)", s, min, max);
	return v;
}

/* -r DIR, resolved once: "/" becomes "", so that root + '/' + name works. */
static void
option_root(const char *dir)
{
	struct stat st;

	if (!realpath(dir, route_opts.root) || stat(route_opts.root, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		fail(2, "-r %s: not a directory", dir);
	if (!strcmp(route_opts.root, "/"))
		route_opts.root[0] = '\0';
	route_opts.root_len = strlen(route_opts.root);
	route_opts.has_root = 1;
}

/* getopt: POSIX, so an option given twice counts with its last value. */
static void
options(int argc, char **argv)
{
	int ch, rc;

	pubsub_opts.max_msg = DEFAULT_MAX_MSG;
	while ((ch = getopt(argc, argv, "b:p:i:k:m:c:r:o:u:s:MvhV")) != -1) {
		switch (ch) {
		case 'b': opt_addr = optarg; break;
		case 'p': opt_port = number(optarg, 0, 65535); break;
		case 'i': opt_tick = number(optarg, 1, MAX_TICK_MS); break;
		case 'k': opt_ping = number(optarg, 0, MAX_PING_SECS); break;
		case 'm': pubsub_opts.max_msg = (size_t)number(optarg, 1, MAX_MSG_LIMIT); break;
		case 'c': pubsub_opts.max_clients = number(optarg, 0, MAX_FDS); break;
		case 'r': option_root(optarg); break;
		case 'M': route_opts.metrics = 1; break;
		case 'o':
			if ((rc = origin_allow(&route_opts.origins, optarg)) < 0)
				fail(2, rc == -2 ? "-o %s: more than 16 origins" :
				    "-o %s: not an origin, scheme://HOST[:PORT], or *", optarg);
			break;
		case 'u':
			if (relay_init(optarg) < 0)
				fail(2, "-u %s: not a ws://HOST[:PORT][/PATH] URL", optarg);
			opt_relay = 1;
			break;
		case 's':
			if (feed_init(optarg) < 0)
				fail(2, "-s %s: not a socket path (1..107 bytes) or -", optarg);
			opt_feed = 1;
			break;
		case 'v': log_verbose = 1; break;
		case 'h': usage(1); exit(0);
		case 'V': fputs("letterd " LETTERD_VERSION "\n", stdout); exit(0);
		default: usage(2); exit(2);
		}
	}
	if (optind != argc)
		fail(2, "unexpected argument '%s'", argv[optind]);
	/* docs/protocol.md 1.3: one source of values */
	if (opt_relay && opt_feed)
		fail(2, "-u and -s: choose one source of values");
}

/* The listening socket, before anything else, so that an address in use
 * is reported at once (exit 1) and a bad one as a usage error (exit 2). */
static void
listen_start(void)
{
	struct addrinfo hints, *ai;
	char port[8];
	int one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	format(port, sizeof(port), "%ld", opt_port);
	if (getaddrinfo(opt_addr, port, &hints, &ai) != 0)
		fail(2, "-b %s: not an IPv4 or IPv6 address", opt_addr);
	listen_fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (listen_fd < 0)
		fail(1, "socket: %s", strerror(errno));
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, ai->ai_addr, ai->ai_addrlen) < 0)
		fail(1, "cannot listen on %s port %s: %s", opt_addr, port, strerror(errno));
	freeaddrinfo(ai);
	if (listen(listen_fd, LISTEN_BACKLOG) < 0)
		fail(1, "listen: %s", strerror(errno));
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
}

/* The "listening" line tells a supervisor or a test that letterd is
 * ready, signals included: it comes after setup() has installed the
 * handlers.  Before that, a SIGTERM would kill with status 143 instead of
 * shutting down, and a SIGINT to a background job of a non-interactive
 * shell, which starts with SIGINT ignored, would be lost. */
static void
listen_announce(void)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN], line[128];
	int v6;

	getsockname(listen_fd, (struct sockaddr *)&ss, &sl);
	v6 = ss.ss_family == AF_INET6;
	format_ip(host, sizeof(host), v6, v6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
	    (void *)&((struct sockaddr_in *)&ss)->sin_addr);
	format(line, sizeof(line), v6 ? "letterd listening on http://[%s]:%u/\n" :
	    "letterd listening on http://%s:%u/\n", host,
	    (unsigned)ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port));
	fputs(line, stdout);
	fflush(stdout);
}

/* ---- Handlers and timers ---------------------------------------------- */

/* Microseconds on the monotonic clock, for the tick histogram. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Every -i ms: new values for every subscriber.  The histogram times it
 * up to the end of the flush that writes them (see main). */
static void
on_tick(void)
{
	tick_started = now_us();
	pubsub_tick();
	/* one tick per turn at most: one that fell behind is skipped, not
	 * made up for in a burst */
	tick_at += opt_tick;
	if (tick_at <= loop_now())
		tick_at = loop_now() + opt_tick;
	loop_timer_at(tick_timer, tick_at);
}

/* Every -k seconds: the keepalive round (docs/protocol.md 3.4). */
static void
on_ping(void)
{
	conn_keepalive();
	loop_timer_at(ping_timer, loop_now() + opt_ping * 1000);
}

/* SHUTDOWN_MS after the signal: what has not closed by now is closed
 * by conn_free_all on the way out. */
static void
on_stop(void)
{
	stop_due = 1;
}

/* SIGINT/SIGTERM: stop accepting, close 1001 to every client, and give
 * them SHUTDOWN_MS to answer (docs/protocol.md 1.6). */
static void
shutdown_start(void)
{
	log_info("shutting down");
	stopping = 1;
	conn_unlisten(listen_fd);
	listen_fd = -1;
	loop_timer_at(tick_timer, -1);
	loop_timer_at(ping_timer, -1);
	relay_stop();
	feed_stop();
	conn_shutdown();
	loop_timer_at(stop_timer, loop_now() + SHUTDOWN_MS);
}

/* The signal handler does the least it can: note the signal and wake the
 * loop through the pipe (write is async-signal-safe); the rest happens in
 * the loop, where it is safe to touch connections. */
static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	sig_caught = 1;
	if (write(sig_pipe[1], "", 1) < 0) {
		/* the pipe is full: a wake-up is already on its way */
	}
	errno = saved;
}

/* The self-pipe: a signal wakes the loop, without a race, here. */
static void
on_signal_pipe(int fd, int mask)
{
	char drain[16];

	(void)mask;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	if (sig_caught && !stopping)
		shutdown_start();
}

/* ---- Start and end ---------------------------------------------------- */

/* Every descriptor we are allowed, since each client is one: the soft
 * limit goes up to the hard one (at most MAX_FDS). */
static int
setup_fds(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > MAX_FDS ?
		    MAX_FDS : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > MAX_FDS ?
	    MAX_FDS : (int)rl.rlim_cur;
}

/* Everything the loop needs, in order: the tables, the self-pipe, the
 * handlers (only then may a signal arrive), the timers. */
static void
setup(void)
{
	struct sigaction sa;
	int i, maxfd = setup_fds();

	/* A peer that vanished must give EPIPE, not kill us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (loop_init(maxfd) < 0)
		fail(1, "event loop: %s", strerror(errno));
	if (conn_init(maxfd) < 0 || pubsub_init(maxfd) < 0)
		fail(1, "out of memory");
	if (pipe(sig_pipe) < 0)
		fail(1, "pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (conn_listen(listen_fd, &route_ops) < 0 ||
	    loop_add(sig_pipe[0], LOOP_READ, on_signal_pipe) < 0)
		fail(1, "event loop: %s", strerror(errno));
	tick_timer = loop_timer(on_tick);
	ping_timer = loop_timer(on_ping);
	stop_timer = loop_timer(on_stop);
}

/* The values' source: the upstream (-u), or the tick with a seed from
 * the kernel.  The keepalive round starts too. */
static void
start(void)
{
	uint64_t seed;

	if (opt_relay) {
		if (relay_start(-1) < 0)
			fail(1, "event loop: no timer left");
	} else if (opt_feed) {
		if (feed_start() < 0)
			exit(1);
	} else {
		entropy_bytes(&seed, sizeof(seed));
		state_init(seed);
		tick_at = loop_now() + opt_tick;
		loop_timer_at(tick_timer, tick_at);
	}
	if (opt_ping)
		loop_timer_at(ping_timer, loop_now() + opt_ping * 1000);
	log_info("%s backend, tick %ld ms", loop_backend(), opt_tick);
}

/* The loop: write what is queued, stop if a shutdown is done, then one
 * turn (loop.c).  The tick histogram ends here, after the flush that
 * wrote the tick (docs/protocol.md 2.6). */
int
main(int argc, char **argv)
{
	options(argc, argv);
	listen_start();
	setup();
	listen_announce();
	start();
	for (;;) {
		conn_flush_pending();
		if (tick_started >= 0) {
			metrics_tick(now_us() - tick_started);
			tick_started = -1;
		}
		if (stopping && (conn_count() == 0 || stop_due))
			break;
		loop_once();
	}
	conn_free_all();
	pubsub_free();
	loop_free();
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	return 0;
}
