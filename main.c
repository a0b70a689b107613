/*
 * main.c - letterd's life: options, the listening socket, signals and the
 * event loop.  Connections live in conn.c.
 *
 * One thread does everything.  Each turn of the loop
 *   1. writes what the last turn queued (conn_flush_pending),
 *   2. sleeps until a socket is ready or the next deadline comes: the
 *      tick, a connection's deadline, the keepalive round, the end of a
 *      pause in accepting, or the end of shutdown,
 *   3. handles the ready sockets, then accepts, then runs what is due.
 * Accepting waits until the batch of events is handled, so that no fd
 * closed in the batch is reused by a new connection while later events
 * for the old one are still in the batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "loop.h"
#include "metrics.h"
#include "relay.h"
#include "state.h"

static const char *opt_addr = DEFAULT_ADDR;
static long opt_port = DEFAULT_PORT;
static long opt_tick = DEFAULT_TICK_MS;
static long opt_ping = DEFAULT_PING_SECS;

static int listen_fd = -1;
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_caught;

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("letterd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

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

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: letterd [-hMvV] [-b addr] [-p port] [-i ms] [-k secs] [-m bytes]\n"
	    "               [-c clients] [-r dir] [-u ws://host:port/path]\n"
	    "  -b addr     bind address, IPv4 or IPv6 (default %s)\n"
	    "  -p port     port, 0 picks a free one (default %d)\n"
	    "  -i ms       tick interval in milliseconds (default %d)\n"
	    "  -k secs     keepalive ping interval, 0 = off (default %d)\n"
	    "  -m bytes    largest message a client may send (default %d)\n"
	    "  -c clients  most WebSocket clients at once, 0 = no limit (default 0)\n"
	    "  -r dir      serve /static/NAME from dir (default: off)\n"
	    "  -u url      relay: mirror the values of an upstream server of this\n"
	    "              protocol (ws://host:port/path) instead of drawing them\n"
	    "  -M          serve GET /metrics (Prometheus text format)\n"
	    "  -v          log connections and errors to stderr\n"
	    "  -h          this help\n"
	    "  -V          print the version\n",
	    DEFAULT_ADDR, DEFAULT_PORT, DEFAULT_TICK_MS, DEFAULT_PING_SECS,
	    DEFAULT_MAX_MSG);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "letterd: bad value '%s' (%ld..%ld)\n", s, min, max);
		usage(stderr);
		exit(2);
	}
	return v;
}

static void
options(int argc, char **argv)
{
	struct stat st;
	int ch;

	conn_opts.max_msg = DEFAULT_MAX_MSG;
	while ((ch = getopt(argc, argv, "b:p:i:k:m:c:r:u:MvhV")) != -1) {
		switch (ch) {
		case 'b': opt_addr = optarg; break;
		case 'p': opt_port = number(optarg, 0, 65535); break;
		case 'i': opt_tick = number(optarg, 1, MAX_TICK_MS); break;
		case 'k': opt_ping = number(optarg, 0, MAX_PING_SECS); break;
		case 'm': conn_opts.max_msg = (size_t)number(optarg, 1, MAX_MSG_LIMIT); break;
		case 'c': conn_opts.max_clients = number(optarg, 0, MAX_FDS); break;
		case 'r':
			if (!realpath(optarg, conn_opts.root) || stat(conn_opts.root, &st) < 0 ||
			    !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "letterd: -r %s: not a directory\n", optarg);
				usage(stderr);
				exit(2);
			}
			/* "/" becomes "", so that "root + '/' + name" works */
			if (!strcmp(conn_opts.root, "/"))
				conn_opts.root[0] = '\0';
			conn_opts.root_len = strlen(conn_opts.root);
			conn_opts.has_root = 1;
			break;
		case 'M': conn_opts.metrics = 1; break;
		case 'u':
			if (relay_init(optarg) < 0) {
				fprintf(stderr, "letterd: -u %s: not a ws://HOST:PORT/PATH URL\n",
				    optarg);
				usage(stderr);
				exit(2);
			}
			break;
		case 'v': conn_opts.verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("letterd %s\n", LETTERD_VERSION); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

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
	snprintf(port, sizeof(port), "%ld", opt_port);
	if (getaddrinfo(opt_addr, port, &hints, &ai) != 0) {
		fprintf(stderr, "letterd: -b %s: not an IPv4 or IPv6 address\n", opt_addr);
		usage(stderr);
		exit(2);
	}
	listen_fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (listen_fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("cannot listen on %s port %s: %s", opt_addr, port, strerror(errno));
	freeaddrinfo(ai);
	if (listen(listen_fd, LISTEN_BACKLOG) < 0)
		die("listen: %s", strerror(errno));
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
	char host[INET6_ADDRSTRLEN];
	void *a;

	getsockname(listen_fd, (struct sockaddr *)&ss, &sl);
	a = ss.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
	    (void *)&((struct sockaddr_in *)&ss)->sin_addr;
	inet_ntop(ss.ss_family, a, host, sizeof(host));
	printf(ss.ss_family == AF_INET6 ? "letterd listening on http://[%s]:%u/\n" :
	    "letterd listening on http://%s:%u/\n", host,
	    ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
}

static uint64_t
seed(void)
{
	uint64_t s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s ^= (uint64_t)loop_now();
		close(fd);
	}
	return s;
}

static void
setup(void)
{
	struct sigaction sa;
	struct rlimit rl;
	int i, maxfd = 1024;

	/* A peer that vanished must give EPIPE, not kill us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	/* Take every descriptor we are allowed: each client is one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > MAX_FDS ?
			    MAX_FDS : rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		maxfd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > MAX_FDS ?
		    MAX_FDS : (int)rl.rlim_cur;
	}
	if (conn_init(maxfd) < 0 || loop_init(maxfd) < 0)
		die("out of memory");

	/* The self-pipe: a signal wakes the loop without a race. */
	if (pipe(sig_pipe) < 0)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (loop_add(listen_fd, LOOP_READ) < 0 || loop_add(sig_pipe[0], LOOP_READ) < 0)
		die("event loop: %s", strerror(errno));
}

/* Microseconds on the monotonic clock, for the tick histogram. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
earliest(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int
main(int argc, char **argv)
{
	struct loop_event ev[MAX_EVENTS];
	int64_t now, next_tick, next_ping = -1, accept_resume = -1, shutdown_at = -1;
	int i, n, accepting;

	options(argc, argv);
	listen_start();
	setup();
	listen_announce();
	state_init(seed());
	conn_now = now = loop_now();
	/* a relay's values come from its upstream, not from ticks */
	next_tick = relay_active() ? -1 : now + opt_tick;
	if (opt_ping)
		next_ping = now + opt_ping * 1000;
	conn_log("%s backend, tick %ld ms", loop_backend(), opt_tick);

	for (;;) {
		int64_t deadline;

		conn_flush_pending();
		if (shutdown_at >= 0 && (conn_count() == 0 || now >= shutdown_at))
			break;
		deadline = earliest(earliest(next_tick, conn_deadline()),
		    earliest(earliest(next_ping, accept_resume),
		    earliest(shutdown_at, relay_deadline())));
		n = loop_wait(ev, MAX_EVENTS, deadline);
		conn_now = now = loop_now();
		accepting = 0;
		for (i = 0; i < n; i++) {
			if (ev[i].fd == listen_fd) {
				accepting = 1;
			} else if (ev[i].fd == relay_get_fd()) {
				relay_event(ev[i].mask);
			} else if (ev[i].fd == sig_pipe[0]) {
				char drain[16];

				while (read(sig_pipe[0], drain, sizeof(drain)) > 0)
					;
			} else {
				conn_event(ev[i].fd, ev[i].mask);
			}
		}
		if (accepting && conn_accept(listen_fd) < 0) {
			/* out of descriptors and no spare: pause 100 ms
			 * rather than spin on a listening socket we cannot
			 * empty */
			loop_mod(listen_fd, 0);
			accept_resume = now + 100;
		}
		if (accept_resume >= 0 && now >= accept_resume) {
			accept_resume = -1;
			loop_mod(listen_fd, LOOP_READ);
		}
		if (sig_caught && shutdown_at < 0) {
			/* SIGINT/SIGTERM: stop accepting, close 1001 to every
			 * client, and give them SHUTDOWN_MS to answer */
			conn_log("shutting down");
			loop_del(listen_fd);
			close(listen_fd);
			listen_fd = -1;
			accept_resume = -1;
			conn_shutdown();
			relay_stop();
			shutdown_at = now + SHUTDOWN_MS;
		}
		if (relay_deadline() >= 0 && now >= relay_deadline())
			relay_timer();
		if (next_tick >= 0 && now >= next_tick) {
			int64_t t0 = now_us();

			/* the fan-out is written now rather than at the top of
			 * the loop, so that the histogram times all of it */
			conn_tick();
			conn_flush_pending();
			metrics_tick(now_us() - t0);
			next_tick += opt_tick;
			if (next_tick <= now)      /* we fell behind: skip, do not burst */
				/* a relay's values come from its upstream, not from ticks */
	next_tick = relay_active() ? -1 : now + opt_tick;
		}
		if (conn_deadline() >= 0 && now >= conn_deadline())
			conn_housekeeping();
		if (next_ping >= 0 && now >= next_ping) {
			conn_keepalive();
			relay_keepalive();
			next_ping = now + opt_ping * 1000;
		}
	}

	conn_free_all();
	relay_stop();
	loop_free();
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	return 0;
}
