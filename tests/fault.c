/* SPDX-License-Identifier: ISC */
/*
 * fault.c - letterd against clients that are slow, rude or too many.
 *
 * usage: fault PORT SCENARIO [PID]
 *
 * Each scenario expects the server to have been started with particular
 * flags (tests/fault.sh does that) and, except slowloris, needs the
 * server's PID to look at it through /proc (so these tests are Linux-only):
 *
 *   slowloris   -i 1000  300 connections send a request head one byte every
 *                        0.5 s and never finish it; a WebSocket client is
 *                        served on time meanwhile, and the slow ones are
 *                        dropped at the request deadline (10 s)
 *   slowreader  -i 10    a client that stops reading for 8 s delays no one,
 *                        costs no memory, and then gets the latest values
 *   resets      -i 50    300 clients reset, 100 send half a frame and
 *                        close: no crash, every descriptor back within 1 s
 *   fdlimit     -i 50    under "ulimit -n 64", 150 connections more than
 *                        the server can hold: no spinning, ticks go on, and
 *                        it accepts again once descriptors are free
 *
 * Every scenario prints what it measured as "figure: WHAT: VALUE" lines,
 * then its checks count as usual (check.h).  Every wait has a deadline;
 * a scenario ends within about 20 s whatever the server does, and closes
 * every socket it opened.
 */
#include "check.h"
#include "why.h"
#include "wsc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <arpa/inet.h>

static int port;
static pid_t pid;
static int t_wait = 3000;   /* the longest wait for an answer due at once */

/* Connections are large (32 KiB of input buffer each): they live here,
 * shared by the scenarios, which run one per process. */
#define POOL 400
static struct wsc_conn pool[POOL];
static struct wsc_msg msg;

/* Milliseconds left before deadline, never negative. */
static int
until(long long deadline)
{
	long long d = deadline - wsc_now_ms();

	return d > 0 ? (int)d : 0;
}

/* --- the server seen through /proc -------------------------------------- */

/* The number after `key` in /proc/PID/FILE ("VmRSS:" in status, "Max open
 * files" in limits), or -1. */
static long
proc_number(const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, kl) == 0) {
			v = strtol(line + kl, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Open descriptors: the entries of /proc/PID/fd, or -1. */
static int
proc_fds(void)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* CPU time used so far, user + system, in seconds (proc(5): fields 14 and
 * 15 of stat, counted after the command name, which may hold spaces).
 * Also the process state letter, 'Z' for a zombie; -1 if it is gone. */
static double
proc_cpu(char *state)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	int ok;

	*state = '?';
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fgets(line, sizeof line, f) != NULL;
	fclose(f);
	if (!ok || (p = strrchr(line, ')')) == NULL ||
	    sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    state, &ut, &st) != 3)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Milliseconds the server has spent runnable but waiting for a CPU
 * (/proc/PID/schedstat, second field, in ns), or -1: how much of a late
 * tick is the machine's doing rather than the server's. */
static double
proc_run_delay(void)
{
	char path[64];
	unsigned long long run, wait;
	FILE *f;
	int n;

	snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? (double)wait / 1e6 : -1;
}

static int
server_alive(void)
{
	char state;

	return kill(pid, 0) == 0 && proc_cpu(&state) >= 0 && state != 'Z';
}

/* The queues of a loopback TCP connection between ports a and b, as
 * /proc/net/tcp shows them, read in one pass: *tx the bytes a's socket has
 * written and b has not acknowledged, *rx the bytes b's socket has received
 * and not yet read.  0 if both sockets were found. */
static int
tcp_queues(int a, int b, long *tx, long *rx)
{
	char line[512];
	unsigned la, lport, ra, rport, st;
	unsigned long t, r;
	FILE *f;
	int found = 0;

	if ((f = fopen("/proc/net/tcp", "r")) == NULL)
		return -1;
	while (found != 3 && fgets(line, sizeof line, f)) {
		if (sscanf(line, " %*d: %x:%x %x:%x %x %lx:%lx", &la, &lport,
		    &ra, &rport, &st, &t, &r) != 7)
			continue;
		if ((int)lport == a && (int)rport == b) {
			*tx = (long)t;
			found |= 1;
		} else if ((int)lport == b && (int)rport == a) {
			*rx = (long)r;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -1;
}

/* --- connections -------------------------------------------------------- */

/*
 * A TCP connection to the server, made as wsc_connect makes it (non-blocking,
 * TCP_NODELAY) but with SO_RCVBUF and TCP_MAXSEG set first when given (> 0):
 * the receive window, its scale and the MSS are announced in the SYN, so
 * setting them after connect() would be too late.  Returns the fd, or -1
 * with why[] set.
 */
static int
tcp_dial(int rcvbuf, int mss, int timeout_ms)
{
	struct sockaddr_in sa;
	struct pollfd p;
	socklen_t len;
	int fd, one = 1, err = 0;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return whyf("socket: %s", strerror(errno));
	if ((rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof rcvbuf) == -1) ||
	    (mss > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss,
	    sizeof mss) == -1) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1) {
		whyf("socket options: %s", strerror(errno));
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		if (errno != EINPROGRESS) {
			whyf("connect: %s", strerror(errno));
			goto fail;
		}
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, timeout_ms) != 1) {
			whyf("connect: no answer within %d ms", timeout_ms);
			goto fail;
		}
		len = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			whyf("connect: %s", strerror(err ? err : errno));
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Makes fd, a connected socket from tcp_dial, a wsc connection, set up as
 * wsc_connect would have left it. */
static void
wrap_fd(struct wsc_conn *c, int fd)
{
	c->fd = fd;
	c->auto_pong = c->close_sent = c->eof = c->reset = 0;
	c->pings = 0;
	c->in_off = c->in_len = 0;
	c->err[0] = c->accept[0] = '\0';
	snprintf(c->authority, sizeof c->authority, "127.0.0.1:%d", port);
}

/* Connects and upgrades; on failure the connection is closed. */
static int
dial_ws(struct wsc_conn *c, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;

	if (wsc_connect(c, "127.0.0.1", port, timeout_ms) < 0)
		return wfail(c);
	if (wsc_upgrade(c, "/ws", until(deadline)) < 0) {
		wfail(c);
		wsc_close(c);
		return -1;
	}
	c->auto_pong = 1;
	return 0;
}

static int
subscribe(struct wsc_conn *c, int letter)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "{\"action\": \"subscribe\", \"letter\": "
	    "\"%c\"}", letter);
	return wsc_send_text(c, cmd, t_wait) < 0 ? wfail(c) : 0;
}

/* The next value on c, waiting at most timeout_ms (0: only what has come
 * already).  Returns 1 with *letter and *value, 0 if none came in time, or
 * -1 with why[] set on a failure or a message that is not a value. */
static int
next_value(struct wsc_conn *c, int timeout_ms, int *letter, int *value)
{
	char q[200];
	int rc = wsc_recv(c, &msg, timeout_ms);

	if (rc == WSC_TIMEOUT)
		return 0;
	if (rc < 0)
		return wfail(c);
	if ((*letter = wsc_value(&msg, value)) == 0 && msg.opcode == WSC_OP_CLOSE)
		return whyf("expected a value, got close %d %s", msg.code,
		    wsc_quote(q, sizeof q, msg.data, msg.len));
	if (*letter == 0)
		return whyf("expected a value, got opcode 0x%x %s", msg.opcode,
		    wsc_quote(q, sizeof q, msg.data, msg.len));
	return 1;
}

/* Waits for a value of `letter`, skipping values of other letters. */
static int
await_letter(struct wsc_conn *c, int letter, int timeout_ms)
{
	long long deadline = wsc_now_ms() + timeout_ms;
	int l, v, rc;

	for (;;) {
		rc = next_value(c, until(deadline), &l, &v);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return whyf("no value of %c within %d ms", letter,
			    timeout_ms);
		if (l == letter)
			return 0;
	}
}

/* --- slowloris ---------------------------------------------------------- */

#define SLOW_N      300
#define SLOW_GAP_MS 500     /* one byte of request head this often */

/*
 * 300 connections each send a request head one byte every 0.5 s and never
 * finish it (the head goes on as one endless header value).  Two seconds
 * in, a WebSocket client connects and subscribes.  One poll() loop drives
 * everything: the bytes as they fall due, the end of each slow connection
 * (EOF or a reset, read or met when sending), the client's values.
 *
 * docs/protocol.md: a connection that has not completed a request within
 * 10 s of opening is closed, with no response.  We allow 9.5..12 s, timed
 * from our connect(), so a busy machine's lag is not a failure.
 */
static void
slowloris(void)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "X-Slow: ";
	static struct pollfd pfd[SLOW_N + 1];
	static long long opened[SLOW_N], dropped[SLOW_N], due[SLOW_N];
	static size_t sent[SLOW_N];
	static int answered[SLOW_N];
	struct wsc_conn *ws = &pool[0];
	long long now, start, ws_at, end, t_sub = -1, t_reply = -1, next;
	long long dmin = -1, dmax = -1;
	int i, n, ndropped = 0, nanswered = 0, ticks = 0, ws_up = 0, l, v, rc;
	int ws_ok = 0;
	char ch, buf[512];

	for (i = 0; i < SLOW_N; i++) {
		pfd[i].fd = tcp_dial(0, 0, t_wait);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			CHECK(0, "slowloris: connection %d of %d: %s", i + 1,
			    SLOW_N, why);
			goto out;
		}
		opened[i] = due[i] = wsc_now_ms();
		dropped[i] = -1;
	}
	start = wsc_now_ms();
	ws_at = start + 2000;
	/* The slow ones opened within `start - opened[0]` ms; 16 s is their
	 * 10 s, the 12 s we allow, and room to see a late drop. */
	end = opened[0] + 16000;
	pfd[SLOW_N].fd = -1;
	pfd[SLOW_N].events = POLLIN;
	why[0] = '\0';

	while (ndropped < SLOW_N && (now = wsc_now_ms()) < end) {
		if (!ws_up && now >= ws_at) {
			ws_up = 1;
			if (dial_ws(ws, t_wait) < 0 ||
			    (t_sub = wsc_now_ms(), subscribe(ws, 'A')) < 0) {
				CHECK(0, "slowloris: the WebSocket client, "
				    "among %d slow connections: %s", SLOW_N -
				    ndropped, why);
				t_sub = -1;
			} else {
				pfd[SLOW_N].fd = ws->fd;
				ws_ok = 1;
			}
		}
		/* Bytes that are due, then the earliest next one. */
		now = wsc_now_ms();
		next = ws_up ? end : ws_at;
		for (i = 0; i < SLOW_N; i++) {
			if (pfd[i].fd < 0)
				continue;
			if (now >= due[i]) {
				ch = sent[i] < sizeof head - 1 ? head[sent[i]] :
				    'a';
				if (send(pfd[i].fd, &ch, 1, MSG_NOSIGNAL) == 1) {
					sent[i]++;
				} else if (errno != EAGAIN &&
				    errno != EWOULDBLOCK && errno != EINTR) {
					dropped[i] = now;
					close(pfd[i].fd);
					pfd[i].fd = -1;
					ndropped++;
					continue;
				}
				due[i] += SLOW_GAP_MS;
			}
			if (due[i] < next)
				next = due[i];
		}
		n = poll(pfd, SLOW_N + 1, until(next));
		if (n < 0 && errno != EINTR) {
			CHECK(0, "slowloris: poll: %s", strerror(errno));
			goto out;
		}
		now = wsc_now_ms();
		for (i = 0; n > 0 && i < SLOW_N; i++) {
			ssize_t k;

			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			k = recv(pfd[i].fd, buf, sizeof buf, 0);
			if (k > 0) {
				/* The deadline closes without a response. */
				if (!answered[i]++)
					nanswered++;
				continue;
			}
			if (k < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			dropped[i] = now;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			ndropped++;
		}
		if (ws_ok && pfd[SLOW_N].revents) {
			while ((rc = next_value(ws, 0, &l, &v)) > 0) {
				if (l != 'A') {
					rc = whyf("a value of %c, subscribed "
					    "only to A", l);
					break;
				}
				if (t_reply < 0)
					t_reply = wsc_now_ms();
				else
					ticks++;
			}
			if (rc < 0) {
				CHECK(0, "slowloris: the WebSocket client: %s",
				    why);
				ws_ok = 0;
				pfd[SLOW_N].fd = -1;
			}
		}
	}
	now = wsc_now_ms();

	for (i = 0; i < SLOW_N; i++) {
		long long d = dropped[i] - opened[i];

		if (dropped[i] < 0)
			continue;
		if (dmin < 0 || d < dmin)
			dmin = d;
		if (d > dmax)
			dmax = d;
	}
	figure("slowloris: connections dropped: %d of %d", ndropped,
	    SLOW_N);
	figure("slowloris: drop time after opening, min / max: %lld / %lld ms",
	    dmin, dmax);
	CHECK(ndropped == SLOW_N, "slowloris: %d of %d slow connections were "
	    "still open %lld ms after the first opened (expected all closed "
	    "by the 10 s request deadline)", SLOW_N - ndropped, SLOW_N,
	    now - opened[0]);
	CHECK(ndropped > 0 && dmin >= 9500 && dmax <= 12000, "slowloris: slow "
	    "connections were dropped %lld..%lld ms after opening, expected "
	    "within 9500..12000 ms (the 10 s request deadline)", dmin, dmax);
	CHECK(nanswered == 0, "slowloris: %d slow connections got bytes "
	    "before being closed (expected a close without a response)",
	    nanswered);

	if (t_sub >= 0) {
		if (t_reply >= 0)
			figure("slowloris: subscribe reply latency: %lld ms",
			    t_reply - t_sub);
		figure("slowloris: ticks to the WebSocket client: %d in %lld ms", ticks, t_reply >= 0 ? now - t_reply : 0);
		CHECK(t_reply >= 0 && t_reply - t_sub <= 1000, "slowloris: "
		    "the subscribe reply came %lld ms after the subscribe, "
		    "expected within one tick (1000 ms)%s", t_reply >= 0 ?
		    t_reply - t_sub : now - t_sub, t_reply < 0 ?
		    " (never came)" : "");
		/* A tick a second; one may fall just outside the window. */
		CHECK(t_reply >= 0 && now - t_reply >= 5000 &&
		    ticks >= (int)((now - t_reply) / 1000) - 1, "slowloris: "
		    "the WebSocket client got %d ticks in %lld ms at -i 1000 "
		    "(expected one a second, give or take one)", ticks,
		    t_reply >= 0 ? now - t_reply : 0);
	}
out:
	for (i = 0; i < SLOW_N; i++)
		if (pfd[i].fd >= 0) {
			close(pfd[i].fd);
			pfd[i].fd = -1;
		}
	wsc_close(ws);
}

/* --- slow reader -------------------------------------------------------- */

#define SR_STALL_MS 8000
#define SR_TICK_MS  10
#define SR_RCVBUF   4096
#define SR_FRAME    13       /* a value message on the wire: 2 + 11 bytes */
/* S announces the MSS of an Ethernet path.  Linux sizes a socket's send
 * buffer by the MSS (tcp_sndbuf_expand), and loopback's is 64 KiB: with it
 * the server's kernel takes all 8 s of ticks (270 KB) and the server never
 * has to hold anything back, which is not what a slow client on a real
 * network looks like. */
#define SR_MSS      1460

/* Subscribes c to all 26 letters and reads the 26 replies. */
static int
subscribe_all(struct wsc_conn *c)
{
	int l;

	for (l = 'A'; l <= 'Z'; l++)
		if (subscribe(c, l) < 0)
			return -1;
	/* Ticks may come between the replies, but no Z before Z's reply. */
	return await_letter(c, 'Z', t_wait);
}

/*
 * S, with a small receive buffer and an Ethernet-sized MSS, subscribes to
 * everything and stops reading for 8 s at -i 10 (800 ticks, 270 KB of
 * values); N subscribes to
 * everything too and reads on.  docs/protocol.md 4.4: a slow client never
 * makes the server buffer without bound and never delays the others; it is
 * owed at most the latest value of each letter.  So: N gets its ticks on time,
 * letterd's RSS does not grow, and when S reads again it finds only what
 * the kernels held (both socket buffers, measured in /proc/net/tcp just
 * before) plus at most one value per letter and the ticks of the moment,
 * and ends with the same latest values as N.
 */
static void
slowreader(void)
{
	struct wsc_conn *nc = &pool[0], *sc = &pool[1];
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	long long now, t0, end, t_m, t_r, last_a = -1, gap, max_gap = 0;
	long rss0, rss1, s_tx = 0, c_rx = 0, backlog, bound;
	int count_a = 0, gaps = 0, on_time = 0, l, v, rc, fd, i, sport;
	int early = 0, after = 0, last_s = 0, last_n = 0, aligned = 0;
	int val_s[26], val_n[26], rcvbuf = 0, sndbuf = 0, from_proc;
	int ticks_allowed, expect_a;
	double cpu0, cpu1, wait0, wait1;
	char pstate;
	socklen_t ol = sizeof rcvbuf;
	struct pollfd pfd[2];

	if (dial_ws(nc, t_wait) < 0 || subscribe_all(nc) < 0) {
		CHECK(0, "slowreader: client N: %s", why);
		goto out;
	}
	if ((fd = tcp_dial(SR_RCVBUF, SR_MSS, t_wait)) < 0) {
		CHECK(0, "slowreader: client S: %s", why);
		goto out;
	}
	wrap_fd(sc, fd);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &ol);
	ol = sizeof sndbuf;
	getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &ol);
	getsockname(fd, (struct sockaddr *)&sa, &salen);
	sport = ntohs(sa.sin_port);
	if (wsc_upgrade(sc, "/ws", t_wait) < 0 || subscribe_all(sc) < 0) {
		CHECK(0, "slowreader: client S: %s",
		    why[0] ? why : sc->err);
		goto out;
	}

	/* S reads nothing from here on; N reads for 8 s. */
	rss0 = proc_number("status", "VmRSS:");
	cpu0 = proc_cpu(&pstate);
	wait0 = proc_run_delay();
	t0 = wsc_now_ms();
	end = t0 + SR_STALL_MS;
	while ((rc = next_value(nc, until(end), &l, &v)) > 0) {
		if (l != 'A')
			continue;
		now = wsc_now_ms();
		if (last_a >= 0) {
			gap = now - last_a;
			gaps++;
			on_time += gap < 50;
			if (gap > max_gap)
				max_gap = gap;
		}
		last_a = now;
		count_a++;
	}
	rss1 = proc_number("status", "VmRSS:");
	cpu1 = proc_cpu(&pstate);
	wait1 = proc_run_delay();
	if (rc < 0) {
		CHECK(0, "slowreader: client N while S stalled: %s", why);
		goto out;
	}
	figure("slowreader: N's A values in 8 s at -i 10: %d of %d",
	    count_a, SR_STALL_MS / SR_TICK_MS);
	figure("slowreader: N's A values on time (gap < 50 ms): %.1f%% (longest gap %lld ms)", gaps ? 100.0 * on_time / gaps :
	    0.0, max_gap);
	figure("slowreader: letterd CPU time over the 8 s: %.2f s "
	    "(and %.0f ms runnable but waiting for a CPU)", cpu1 - cpu0,
	    wait1 - wait0);
	figure("slowreader: letterd RSS over the 8 s: %ld kB -> %ld kB "
	    "(%+ld kB)", rss0, rss1, rss1 - rss0);
	/* letterd skips the ticks it is too late for rather than bunch
	 * them (main.c), so a machine that keeps it off the CPU costs ticks
	 * that S did not.  Those, at most one per tick interval the
	 * scheduler kept it waiting, are not expected; on an idle machine
	 * that is none, and the check is 95% of 800. */
	expect_a = SR_STALL_MS / SR_TICK_MS;
	if (wait1 > wait0 && wait0 >= 0)
		expect_a -= (int)((wait1 - wait0) / SR_TICK_MS);
	CHECK(count_a * 100 >= 95 * expect_a, "slowreader: N got %d values "
	    "of A in %d ms at -i %d, expected >= 95%% of %d (%d ticks, less "
	    "%.0f ms that letterd waited for a CPU)", count_a, SR_STALL_MS,
	    SR_TICK_MS, expect_a, SR_STALL_MS / SR_TICK_MS, wait1 - wait0);
	CHECK(gaps > 0 && on_time * 100 >= 95 * gaps, "slowreader: only %d "
	    "of %d gaps between N's A values were under 50 ms (expected >= "
	    "95%%; longest %lld ms) while S did not read", on_time, gaps,
	    max_gap);
	CHECK(rss0 > 0 && rss1 > 0 && rss1 - rss0 < 1024, "slowreader: "
	    "letterd's RSS went from %ld kB to %ld kB while S did not read "
	    "for 8 s, expected growth < 1024 kB", rss0, rss1);

	/* What the kernels hold for S: the server socket's unacknowledged
	 * output and S's unread input.  Without /proc/net/tcp, an estimate:
	 * S's receive buffer and a send buffer the size of S's.  Rounded up:
	 * a frame the kernel cut in two has its tail waiting in letterd. */
	t_m = wsc_now_ms();
	from_proc = tcp_queues(port, sport, &s_tx, &c_rx) == 0;
	backlog = from_proc ? s_tx + c_rx : (long)rcvbuf + sndbuf;
	t_r = wsc_now_ms();
	if (from_proc)
		figure("slowreader: backlog in the kernels: %ld bytes (server "
		    "send queue %ld, S's receive queue %ld; S's SO_RCVBUF %d)",
		    backlog, s_tx, c_rx, rcvbuf);
	else
		figure("slowreader: backlog in the kernels (estimate): %ld "
		    "bytes (S's SO_RCVBUF %d + SO_SNDBUF %d)", backlog, rcvbuf,
		    sndbuf);

	/* Both read: 200 ms, then until both have just ended the same tick
	 * (the last value of each is the same Z), 1 s more at most. */
	end = t_r + 1200;
	/* Beyond the backlog S may get the 26 values it is owed, then every
	 * tick that fires from the measurement to 30 ms after resuming: three
	 * in 30 ms at -i 10, one more for the time the measurement took (ms
	 * granularity) and one for a timer that fires late and then on time. */
	ticks_allowed = (int)((t_r + 30 - t_m) / SR_TICK_MS) + 2;
	bound = (backlog + SR_FRAME - 1) / SR_FRAME + 26 + 26L * ticks_allowed;
	memset(val_s, 0, sizeof val_s);
	memset(val_n, 0, sizeof val_n);
	pfd[0].fd = sc->fd;
	pfd[1].fd = nc->fd;
	pfd[0].events = pfd[1].events = POLLIN;
	rc = 0;
	while ((now = wsc_now_ms()) < end) {
		if (now >= t_r + 200 && last_s == 'Z' && last_n == 'Z' &&
		    val_s[25] == val_n[25]) {
			aligned = 1;
			break;
		}
		/* Anything already buffered first; poll only for more. */
		while ((rc = next_value(sc, 0, &l, &v)) > 0) {
			if (wsc_now_ms() - t_r <= 30)
				early++;
			after++;
			val_s[l - 'A'] = v;
			last_s = l;
		}
		if (rc < 0) {
			CHECK(0, "slowreader: client S after resuming: %s", why);
			goto out;
		}
		while ((rc = next_value(nc, 0, &l, &v)) > 0) {
			val_n[l - 'A'] = v;
			last_n = l;
		}
		if (rc < 0) {
			CHECK(0, "slowreader: client N after S resumed: %s", why);
			goto out;
		}
		if (now >= t_r + 200 && last_s == 'Z' && last_n == 'Z' &&
		    val_s[25] == val_n[25])
			continue;
		poll(pfd, 2, until(end) < 20 ? until(end) : 20);
	}
	now = wsc_now_ms();
	figure("slowreader: S's values within 30 ms of resuming: %d "
	    "(bound: backlog / 13 + 26 owed + %d ticks of 26 = %ld)", early,
	    ticks_allowed, bound);
	figure("slowreader: S's values from stalling to settling: %d in "
	    "%lld ms (about %lld ticks of 26 fired, so about %lld values "
	    "conflated away)", after, now - t0, (now - t0) / SR_TICK_MS,
	    (now - t0) / SR_TICK_MS * 26 - after);
	CHECK(early <= bound, "slowreader: S got %d values within 30 ms of "
	    "reading again, expected at most %ld (%ld bytes were in the "
	    "kernels' buffers: %ld values, + 26 owed + %d ticks): the server "
	    "buffered more than the latest value per letter", early, bound,
	    backlog, (backlog + SR_FRAME - 1) / SR_FRAME, ticks_allowed);
	/* The first letter whose latest values differ, or 26. */
	for (i = 0; i < 26 && val_s[i] == val_n[i]; i++)
		;
	if (!aligned)
		CHECK(0, "slowreader: S and N never ended on the same tick "
		    "within 1200 ms of S reading again (last Z: S %d, N %d)",
		    val_s[25], val_n[25]);
	else
		CHECK(i == 26, "slowreader: after catching up, S's latest "
		    "value of %c is %d but N's is %d (expected the same "
		    "latest values)", 'A' + i, val_s[i], val_n[i]);
out:
	wsc_close(sc);
	wsc_close(nc);
}

/* --- resets ------------------------------------------------------------- */

#define RS_RESET 300
#define RS_HALF  100

/*
 * 300 clients subscribed to three letters each vanish by reset (SO_LINGER
 * 0, as a killed process does), and 100 more send half a frame (the header
 * and part of the payload) and then close.  letterd must survive it, give
 * back every descriptor within a second, and serve the next client.
 */
static void
resets(void)
{
	static const char cmd[] = "{\"action\": \"subscribe\", \"letter\": "
	    "\"B\"}";
	uint8_t frame[128];
	size_t flen;
	long long t0, took;
	int fd0, fd_peak, fds = -1, i, l3, v, ok;
	struct wsc_conn *c;

	fd0 = proc_fds();
	if (fd0 < 0) {
		CHECK(0, "resets: cannot read /proc/%ld/fd", (long)pid);
		return;
	}
	for (i = 0; i < RS_RESET; i++) {
		c = &pool[i];
		l3 = 'A' + (i + 18) % 26;
		if (dial_ws(c, t_wait) < 0 || subscribe(c, 'A' + i % 26) < 0 ||
		    subscribe(c, 'A' + (i + 9) % 26) < 0 ||
		    subscribe(c, l3) < 0 || await_letter(c, l3, t_wait) < 0) {
			CHECK(0, "resets: client %d of %d: %s", i + 1, RS_RESET,
			    why);
			goto out;
		}
	}
	for (i = 0; i < RS_HALF; i++)
		if (dial_ws(&pool[RS_RESET + i], t_wait) < 0) {
			CHECK(0, "resets: half-frame client %d of %d: %s",
			    i + 1, RS_HALF, why);
			goto out;
		}
	fd_peak = proc_fds();
	figure("resets: server descriptors before / with the clients: %d / %d", fd0, fd_peak);

	for (i = 0; i < RS_RESET; i++)
		wsc_abort(&pool[i]);
	for (i = 0; i < RS_HALF; i++) {
		c = &pool[RS_RESET + i];
		/* Header (announcing the whole command) and half of it. */
		flen = wsc_frame_ex(frame, sizeof frame, WSC_FIN | WSC_OP_TEXT,
		    1, WSC_LEN_SHORTEST, sizeof cmd - 1, cmd, (sizeof cmd - 1) /
		    2);
		if (wsc_send(c, frame, flen, t_wait) < 0)
			CHECK(0, "resets: half-frame client %d: %s", i + 1,
			    c->err);
		wsc_close(c);
	}

	t0 = wsc_now_ms();
	while ((fds = proc_fds()) > fd0 && wsc_now_ms() - t0 < 3000)
		wsc_sleep_ms(5);
	took = wsc_now_ms() - t0;
	figure("resets: time for the descriptors to return: %lld ms (%d "
	    "open, baseline %d)", took, fds, fd0);
	CHECK(fds >= 0 && fds <= fd0 && took <= 1000, "resets: letterd had %d "
	    "descriptors open %lld ms after 300 resets and 100 half frames, "
	    "expected the baseline %d within 1000 ms", fds, took, fd0);
	CHECK(server_alive(), "resets: letterd (pid %ld) is gone after 300 "
	    "resets and 100 half frames", (long)pid);

	c = &pool[0];
	why[0] = '\0';
	ok = dial_ws(c, t_wait) == 0 && subscribe(c, 'Q') == 0 &&
	    next_value(c, t_wait, &l3, &v) == 1 && l3 == 'Q';
	CHECK(ok, "resets: a new client, subscribing to Q: expected "
	    "{\"Q\": NNNN}: %s", why[0] ? why : "a value of another letter");
out:
	for (i = 0; i < RS_RESET + RS_HALF; i++)
		wsc_close(&pool[i]);
}

/* --- descriptor exhaustion ---------------------------------------------- */

#define FD_CLIENTS 10
#define FD_FLOOD   150
#define FD_HOLD_MS 3000
#define FD_TICK_MS 50

/*
 * letterd runs under "ulimit -n 64" (soft and hard, so it cannot raise
 * it).  Ten clients subscribe; then 150 connections arrive and stay open,
 * far more than the descriptors left.  docs/protocol.md 1.7: running out of
 * descriptors never makes the server spin or stop serving the clients it
 * has, and it accepts again as soon as descriptors are free.
 */
static void
fdlimit(void)
{
	static struct pollfd pfd[FD_CLIENTS + FD_FLOOD];
	static int ticks[FD_CLIENTS];
	long long t0, end, took = -1;
	double cpu0, cpu1;
	char state;
	long limit;
	int i, n, rc, l, v, nflood = 0, refused = 0, fds_full, min_ticks = -1;
	int ok = 0;

	for (i = 0; i < FD_CLIENTS + FD_FLOOD; i++)
		pfd[i].fd = -1;
	limit = proc_number("limits", "Max open files");
	figure("fdlimit: letterd's descriptor limit: %ld", limit);
	CHECK(limit > 0 && limit <= 64, "fdlimit: letterd's descriptor limit "
	    "is %ld, expected 64 (fault.sh runs it under ulimit -n 64)",
	    limit);

	for (i = 0; i < FD_CLIENTS; i++) {
		if (dial_ws(&pool[i], t_wait) < 0 || subscribe(&pool[i], 'A') < 0 ||
		    await_letter(&pool[i], 'A', t_wait) < 0) {
			CHECK(0, "fdlimit: client %d of %d: %s", i + 1,
			    FD_CLIENTS, why);
			goto out;
		}
		pfd[i].fd = pool[i].fd;
		pfd[i].events = POLLIN;
	}
	for (i = 0; i < FD_FLOOD; i++) {
		/* The kernel completes these from the listen backlog, whether
		 * letterd accepts them or not. */
		pfd[FD_CLIENTS + i].fd = tcp_dial(0, 0, t_wait);
		pfd[FD_CLIENTS + i].events = POLLIN;
		if (pfd[FD_CLIENTS + i].fd >= 0)
			nflood++;
	}
	figure("fdlimit: extra connections open: %d of %d", nflood,
	    FD_FLOOD);

	/* Hold them 3 s, reading the ten clients' ticks; a flood connection
	 * that letterd closes (to refuse it) is seen and kept. */
	cpu0 = proc_cpu(&state);
	t0 = wsc_now_ms();
	end = t0 + FD_HOLD_MS;
	fds_full = proc_fds();
	while ((n = poll(pfd, FD_CLIENTS + FD_FLOOD, until(end))) > 0 ||
	    (n < 0 && errno == EINTR)) {
		for (i = 0; n > 0 && i < FD_CLIENTS; i++) {
			if (pfd[i].revents == 0)
				continue;
			while ((rc = next_value(&pool[i], 0, &l, &v)) > 0)
				ticks[i]++;
			if (rc < 0) {
				CHECK(0, "fdlimit: client %d while the server "
				    "was out of descriptors: %s", i + 1, why);
				pfd[i].fd = -1;
			}
		}
		for (i = FD_CLIENTS; n > 0 && i < FD_CLIENTS + FD_FLOOD; i++) {
			char b[64];
			ssize_t k;

			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			k = recv(pfd[i].fd, b, sizeof b, 0);
			if (k == 0 || (k < 0 && errno != EAGAIN &&
			    errno != EINTR)) {
				refused++;
				pfd[i].events = 0; /* kept open, not watched */
			}
		}
		if (wsc_now_ms() >= end)
			break;
	}
	cpu1 = proc_cpu(&state);
	for (i = 0; i < FD_CLIENTS; i++)
		if (min_ticks < 0 || ticks[i] < min_ticks)
			min_ticks = ticks[i];
	figure("fdlimit: server descriptors open while flooded: %d "
	    "(limit %ld)", fds_full, limit);
	figure("fdlimit: extra connections closed by the server: %d",
	    refused);
	figure("fdlimit: letterd CPU time over 3 s: %.2f s", cpu1 - cpu0);
	figure("fdlimit: fewest ticks to one of the 10 clients: %d of %d",
	    min_ticks, FD_HOLD_MS / FD_TICK_MS);
	CHECK(cpu0 >= 0 && cpu1 >= 0 && cpu1 - cpu0 < 0.3, "fdlimit: letterd "
	    "used %.2f s of CPU in 3 s while out of descriptors, expected < "
	    "0.3 s (no spinning)", cpu1 - cpu0);
	CHECK(min_ticks * 2 >= FD_HOLD_MS / FD_TICK_MS, "fdlimit: a client "
	    "got only %d of the %d ticks of 3 s while the server was out of "
	    "descriptors, expected >= 50%%", min_ticks,
	    FD_HOLD_MS / FD_TICK_MS);

	/* Free the descriptors; a newcomer must get in within 2 s. */
	for (i = FD_CLIENTS; i < FD_CLIENTS + FD_FLOOD; i++)
		if (pfd[i].fd >= 0) {
			close(pfd[i].fd);
			pfd[i].fd = -1;
		}
	for (i = 1; i < FD_CLIENTS; i++)
		wsc_close(&pool[i]);
	t0 = wsc_now_ms();
	end = t0 + 2000;
	why[0] = '\0';
	while (!ok && wsc_now_ms() < end) {
		struct wsc_conn *c = &pool[FD_CLIENTS];
		int left = until(end) < 500 ? until(end) : 500;

		if (dial_ws(c, left) == 0 && subscribe(c, 'B') == 0 &&
		    await_letter(c, 'B', left) == 0) {
			ok = 1;
			took = wsc_now_ms() - t0;
		} else {
			wsc_close(c);
			wsc_sleep_ms(20);
		}
	}
	if (ok)
		figure("fdlimit: time until a new client got in: %lld ms",
		    took);
	CHECK(ok, "fdlimit: after 150 connections and 9 clients closed, no "
	    "new client could upgrade and subscribe within 2000 ms (last "
	    "try: %s)", why);
out:
	for (i = FD_CLIENTS; i < FD_CLIENTS + FD_FLOOD; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	for (i = 0; i <= FD_CLIENTS; i++)
		wsc_close(&pool[i]);
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	const char *s;
	int i;

	if (argc < 3 || (port = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: fault PORT slowloris|slowreader|resets|"
		    "fdlimit [PID]\n");
		return 2;
	}
	s = argv[2];
	pid = argc > 3 ? (pid_t)atol(argv[3]) : 0;
	if (strcmp(s, "slowloris") != 0 && pid <= 0) {
		fprintf(stderr, "fault: %s needs the server's PID\n", s);
		return 2;
	}
	if ((s = getenv("WSC_SEED")) != NULL)
		wsc_seed(strtoull(s, NULL, 10));
	/* Up to 400 connections at once: more than a default soft limit of
	 * 256 on some systems. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < POOL; i++)
		pool[i].fd = -1;

	s = argv[2];
	if (strcmp(s, "slowloris") == 0)
		slowloris();
	else if (strcmp(s, "slowreader") == 0)
		slowreader();
	else if (strcmp(s, "resets") == 0)
		resets();
	else if (strcmp(s, "fdlimit") == 0)
		fdlimit();
	else {
		fprintf(stderr, "fault: unknown scenario %s\n", s);
		return 2;
	}
	return CHECK_DONE();
}
