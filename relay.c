/*
 * relay.c - relay mode (-u ws://HOST:PORT/PATH): letterd as the front end
 * of another server of the same protocol.
 *
 * Instead of drawing its own values, letterd keeps ONE WebSocket
 * connection to the upstream -- the client side of RFC 6455, written here
 * -- subscribes there to all 26 letters, and hands every value it receives
 * to its own clients through conn_publish(), the same fan-out a tick uses.
 * However many clients a relay has, its upstream sees one.
 *
 * The upstream connection moves through a few states:
 *
 *   RELAY_WAIT ---(retry time)---> RELAY_CONNECTING --(connected)-->
 *   RELAY_HANDSHAKE --(valid 101)--> RELAY_OPEN
 *
 * and from any of them back to RELAY_WAIT when something goes wrong, with
 * a jittered exponential backoff (100 ms doubling to 2 s).  Local clients
 * never notice but for the pause in values.
 *
 * Shortcut named honestly: the host name is resolved with getaddrinfo(),
 * which blocks.  It happens only at start and on each reconnect, never per
 * message, and a literal address never touches a resolver.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "base64.h"
#include "config.h"
#include "conn.h"
#include "http.h"
#include "json.h"
#include "loop.h"
#include "relay.h"
#include "state.h"
#include "ws.h"

enum relay_state {
	RELAY_OFF,        /* not in relay mode */
	RELAY_WAIT,       /* no connection; next attempt at relay_when */
	RELAY_CONNECTING, /* connect() under way */
	RELAY_HANDSHAKE,  /* request sent, reading the 101 */
	RELAY_OPEN,       /* subscribed; values flow */
	RELAY_CLOSING     /* our close frame is going out */
};

static char relay_host[256];      /* as in the URL, brackets removed */
static char relay_port[8];
static char relay_path[1024];
static char relay_authority[300]; /* the Host header: as in the URL */

static int relay_state = RELAY_OFF;
static int relay_fd = -1;
static int relay_mask;            /* LOOP_* watched */
static int relay_attempt;         /* failures since the last open */
static int relay_pinged;          /* a ping is unanswered */
static char relay_why[64];        /* RELAY_CLOSING: why, for the log */
static int64_t relay_when = -1;   /* retry time, or give-up time */
static char relay_accept[WS_ACCEPT_LEN + 1];
static struct ws_rx relay_rx;

static uint8_t relay_in[RELAY_HEAD_MAX];  /* the 101 response head */
static size_t relay_in_len;
static uint8_t relay_out[RELAY_OUT_CAP];  /* to the upstream, in order */
static size_t relay_out_len;

/* Random bytes for keys and masks: RFC 6455 5.3 wants masks from a
 * strong source of entropy, so they come from /dev/urandom, a buffer at a
 * time (a few frames per connection need them). */
static uint8_t relay_rand[256];
static size_t relay_rand_left;

static void
relay_random(uint8_t *p, size_t n)
{
	while (n--) {
		if (!relay_rand_left) {
			int fd = open("/dev/urandom", O_RDONLY);
			ssize_t got = fd >= 0 ? read(fd, relay_rand, sizeof(relay_rand)) : -1;
			size_t i;

			if (fd >= 0)
				close(fd);
			/* no /dev/urandom: fall back to the clock, and say so */
			if (got != (ssize_t)sizeof(relay_rand)) {
				conn_log("relay: /dev/urandom unavailable, masks are weak");
				for (i = 0; i < sizeof(relay_rand); i++)
					relay_rand[i] = (uint8_t)(loop_now() * 2654435761u >> (i % 24));
			}
			relay_rand_left = sizeof(relay_rand);
		}
		*p++ = relay_rand[--relay_rand_left];
	}
}

int
relay_init(const char *url)
{
	const char *p, *host, *end;
	size_t n;

	if (strncmp(url, "ws://", 5))
		return -1;
	host = url + 5;
	if (*host == '[') {
		/* an IPv6 literal (RFC 3986 3.2.2) */
		if (!(end = strchr(host, ']')))
			return -1;
		n = (size_t)(end - host - 1);
		p = end + 1;
		host++;
	} else {
		for (p = host; *p && *p != ':' && *p != '/'; p++)
			;
		n = (size_t)(p - host);
	}
	if (n == 0 || n >= sizeof(relay_host))
		return -1;
	memcpy(relay_host, host, n);
	relay_host[n] = '\0';
	strcpy(relay_port, "80");
	if (*p == ':') {
		for (n = 0, p++; p[n] >= '0' && p[n] <= '9'; n++)
			;
		if (n == 0 || n > 5 || atoi(p) < 1 || atoi(p) > 65535)
			return -1;
		memcpy(relay_port, p, n);
		relay_port[n] = '\0';
		p += n;
	}
	if (*p && *p != '/')
		return -1;
	if (strlen(*p ? p : "/") >= sizeof(relay_path))
		return -1;
	strcpy(relay_path, *p ? p : "/");
	for (p = relay_path; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return -1;       /* it goes into a request line as it is */
	/* the Host header is the authority exactly as the URL has it */
	n = strcspn(url + 5, "/");
	if (n >= sizeof(relay_authority))
		return -1;
	memcpy(relay_authority, url + 5, n);
	relay_authority[n] = '\0';
	relay_state = RELAY_WAIT;
	relay_when = 0;           /* the first attempt is at once */
	state_init_relay();
	return 0;
}

int
relay_active(void)
{
	return relay_state != RELAY_OFF;
}

int
relay_get_fd(void)
{
	return relay_fd;
}

int64_t
relay_deadline(void)
{
	return relay_state == RELAY_OFF || relay_state == RELAY_OPEN ? -1 : relay_when;
}

static void
relay_watch(int mask)
{
	if (mask != relay_mask && loop_mod(relay_fd, mask) == 0)
		relay_mask = mask;
}

/* Drops the connection and schedules the next attempt. */
static void
relay_lost(const char *why)
{
	int64_t base = RELAY_BACKOFF_MIN_MS << (relay_attempt < 5 ? relay_attempt : 5);
	uint8_t r[2];
	int64_t delay;

	if (base > RELAY_BACKOFF_MAX_MS)
		base = RELAY_BACKOFF_MAX_MS;
	/* jitter: up to half as much again (still capped), so that relays
	 * restarted together do not all knock at the same moment */
	relay_random(r, 2);
	delay = base + (r[0] << 8 | r[1]) % (base / 2 + 1);
	if (delay > RELAY_BACKOFF_MAX_MS)
		delay = RELAY_BACKOFF_MAX_MS;
	if (relay_fd >= 0) {
		loop_del(relay_fd);
		close(relay_fd);
	}
	if (relay_state == RELAY_OPEN || relay_state == RELAY_CLOSING)
		ws_rx_free(&relay_rx);
	relay_fd = -1;
	relay_mask = 0;
	relay_in_len = relay_out_len = 0;
	relay_state = RELAY_WAIT;
	relay_attempt++;
	relay_when = conn_now + delay;
	fprintf(stderr, "letterd: upstream %s: %s; retrying in %lld ms\n",
	    relay_authority, why, (long long)delay);
}

static int
relay_queue(const void *p, size_t n)
{
	if (relay_out_len + n > sizeof(relay_out))
		return -1;
	memcpy(relay_out + relay_out_len, p, n);
	relay_out_len += n;
	return 0;
}

static int
relay_frame(int op, const void *p, size_t n)
{
	uint8_t f[8 + WS_CONTROL_MAX], mask[4];

	relay_random(mask, 4);
	return relay_queue(f, ws_client_frame(f, op, p, n, mask));
}

/* Starts a connection to the upstream. */
static void
relay_connect(void)
{
	struct addrinfo hints, *list, *ai;
	int fd, rc, i, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(relay_host, relay_port, &hints, &list)) != 0) {
		relay_lost(gai_strerror(rc));
		return;
	}
	/* a name with several addresses (::1 and 127.0.0.1, say): each
	 * attempt after a failure takes the next one */
	for (i = 0, ai = list; ai; ai = ai->ai_next)
		i++;
	for (i = relay_attempt % i, ai = list; i > 0; i--)
		ai = ai->ai_next;
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0) {
		freeaddrinfo(list);
		relay_lost(strerror(errno));
		return;
	}
	relay_fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(list);
	if (rc < 0 && errno != EINPROGRESS) {
		relay_lost(strerror(errno));
		return;
	}
	if (loop_add(fd, LOOP_WRITE) < 0) {
		relay_lost(strerror(errno));
		return;
	}
	relay_mask = LOOP_WRITE;
	relay_state = RELAY_CONNECTING;
	relay_when = conn_now + RELAY_CONNECT_MS;
}

/* Connected: send the opening handshake (RFC 6455 4.1). */
static void
relay_connected(void)
{
	char req[1600], key[25];
	uint8_t nonce[16];
	int err = 0, n;
	socklen_t len = sizeof(err);

	if (getsockopt(relay_fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		relay_lost(strerror(err ? err : errno));
		return;
	}
	relay_random(nonce, sizeof(nonce));
	base64_encode(nonce, sizeof(nonce), key);
	ws_accept(key, 24, relay_accept);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
	    relay_path, relay_authority, key);
	relay_queue(req, (size_t)n);
	relay_state = RELAY_HANDSHAKE;
}

/* Finds "name:" in the head and returns its value (trimmed), or NULL. */
static const char *
relay_field(const char *head, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *p = head, *v, *e;

	while ((p = strchr(p, '\n')) != NULL) {
		p++;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			for (v = p + n + 1; *v == ' ' || *v == '\t'; v++)
				;
			for (e = v; *e && *e != '\r' && *e != '\n'; e++)
				;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			*vlen = (size_t)(e - v);
			return v;
		}
	}
	return NULL;
}

/* Checks the server's handshake (RFC 6455 4.1, the client's duties):
 * 101, Upgrade: websocket, Connection: upgrade, the accept value we
 * expect, and no extension or subprotocol we did not ask for. */
static const char *
relay_check_101(const char *head)
{
	const char *v;
	size_t n;

	if (strncmp(head, "HTTP/1.1 101", 12) || (head[12] != ' ' && head[12] != '\r'))
		return "the upstream did not answer 101";
	if (!(v = relay_field(head, "upgrade", &n)) || !http_has_token(v, n, "websocket"))
		return "no Upgrade: websocket in the 101";
	if (!(v = relay_field(head, "connection", &n)) || !http_has_token(v, n, "upgrade"))
		return "no Connection: upgrade in the 101";
	if (!(v = relay_field(head, "sec-websocket-accept", &n)) ||
	    n != WS_ACCEPT_LEN || memcmp(v, relay_accept, n))
		return "wrong Sec-WebSocket-Accept";
	if (relay_field(head, "sec-websocket-extensions", &n) ||
	    relay_field(head, "sec-websocket-protocol", &n))
		return "an extension or subprotocol we did not ask for";
	return NULL;
}

/* Open: subscribe to every letter (PROTOCOL.md: relay mode). */
static void
relay_open(void)
{
	char cmd[64];
	int i, n;

	relay_state = RELAY_OPEN;
	relay_attempt = 0;
	relay_pinged = 0;
	ws_rx_init(&relay_rx, 1);
	for (i = 0; i < STATE_LETTERS; i++) {
		n = snprintf(cmd, sizeof(cmd),
		    "{\"action\": \"subscribe\", \"letter\": \"%c\"}", 'A' + i);
		relay_frame(WS_OP_TEXT, cmd, (size_t)n);
	}
	fprintf(stderr, "letterd: upstream %s: connected\n", relay_authority);
}

/* Frames from the upstream.  Two values of one letter in one read would
 * be conflated for a client whose socket has not taken the first yet; to
 * keep every value in order, what is pending is flushed before a letter
 * is published a second time. */
static void
relay_frames(uint8_t *p, size_t n)
{
	uint32_t seen = 0;
	struct ws_ev ev;
	size_t used;
	char letter;
	int value;

	while (n > 0 && relay_state == RELAY_OPEN) {
		used = ws_feed(&relay_rx, p, n, RELAY_MAX_MSG, &ev);
		p += used;
		n -= used;
		switch (ev.type) {
		case WS_TEXT:
			if (json_update((const char *)ev.data, ev.len, &letter, &value) < 0) {
				conn_log("upstream: ignored %.*s", (int)(ev.len < 80 ? ev.len : 80),
				    (const char *)ev.data);
				break;
			}
			if (seen >> (letter - 'A') & 1) {
				conn_flush_pending();
				seen = 0;
			}
			seen |= UINT32_C(1) << (letter - 'A');
			state_set(letter - 'A', value);
			conn_publish(letter - 'A');
			break;
		case WS_PING:
			relay_frame(WS_OP_PONG, ev.data, ev.len);
			break;
		case WS_PONG:
			relay_pinged = 0;
			break;
		case WS_CLOSE:
		case WS_FAIL: {
			uint8_t code[2];

			code[0] = (uint8_t)(ev.code >> 8);
			code[1] = (uint8_t)ev.code;
			relay_frame(WS_OP_CLOSE, code, 2);
			relay_state = RELAY_CLOSING;
			relay_when = conn_now + LINGER_MS;
			snprintf(relay_why, sizeof(relay_why), ev.type == WS_CLOSE ?
			    "closed by the upstream with %d" :
			    "protocol error, closed with %d", ev.code);
			break;
		}
		}
	}
}

static void
relay_read(void)
{
	uint8_t buf[READ_CHUNK];
	ssize_t n;
	size_t i;
	char *end;

	if (relay_state == RELAY_HANDSHAKE) {
		n = read(relay_fd, relay_in + relay_in_len, sizeof(relay_in) - 1 - relay_in_len);
	} else {
		n = read(relay_fd, buf, sizeof(buf));
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		relay_lost(n ? strerror(errno) : "the upstream closed the connection");
		return;
	}
	if (relay_state == RELAY_CLOSING)
		return;                  /* waiting for our close to go out */
	if (relay_state == RELAY_OPEN) {
		relay_frames(buf, (size_t)n);
		return;
	}
	relay_in_len += (size_t)n;
	/* the head ends at the first empty line; frames may follow it in the
	 * same read, and they may hold any byte, NUL included */
	for (end = NULL, i = 0; i + 3 < relay_in_len && !end; i++)
		if (!memcmp(relay_in + i, "\r\n\r\n", 4))
			end = (char *)relay_in + i + 4;
	if (!end) {
		if (relay_in_len == sizeof(relay_in) - 1)
			relay_lost("the upstream's response head is too long");
		return;
	}
	if (memchr(relay_in, '\0', (size_t)(end - (char *)relay_in))) {
		relay_lost("a NUL in the upstream's response head");
		return;
	}
	end[-2] = '\0';              /* the head as one string, for the checks */
	{
		const char *why = relay_check_101((char *)relay_in);
		size_t rest = relay_in_len - (size_t)(end - (char *)relay_in);

		if (why) {
			relay_lost(why);
			return;
		}
		relay_open();
		/* what came after the head is already frames */
		memmove(buf, end, rest);
		relay_frames(buf, rest);
	}
}

void
relay_flush(void)
{
	ssize_t n;

	if (relay_fd < 0 || relay_state == RELAY_CONNECTING)
		return;
	while (relay_out_len) {
		n = write(relay_fd, relay_out, relay_out_len);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n < 0) {
			relay_lost(strerror(errno));
			return;
		}
		memmove(relay_out, relay_out + n, relay_out_len - (size_t)n);
		relay_out_len -= (size_t)n;
	}
	if (relay_state == RELAY_CLOSING && !relay_out_len) {
		relay_lost(relay_why);
		return;
	}
	relay_watch(LOOP_READ | (relay_out_len ? LOOP_WRITE : 0));
}

void
relay_event(int mask)
{
	if (relay_state == RELAY_CONNECTING) {
		if (mask & (LOOP_WRITE | LOOP_READ))
			relay_connected();
	} else if (mask & LOOP_READ) {
		relay_read();
	}
	if (relay_fd >= 0)
		relay_flush();
}

void
relay_timer(void)
{
	if (relay_state == RELAY_OFF || relay_when < 0 || conn_now < relay_when)
		return;
	if (relay_state == RELAY_WAIT)
		relay_connect();
	else if (relay_state != RELAY_OPEN)
		relay_lost(relay_state == RELAY_CLOSING ? relay_why : "timed out");
	if (relay_fd >= 0)
		relay_flush();
}

void
relay_keepalive(void)
{
	if (relay_state != RELAY_OPEN)
		return;
	if (relay_pinged) {
		relay_lost("no answer to ping");
		return;
	}
	relay_pinged = 1;
	relay_frame(WS_OP_PING, "letterd", 7);
	relay_flush();
}

void
relay_stop(void)
{
	static const uint8_t going_away[2] = { WS_GOING_AWAY >> 8, WS_GOING_AWAY & 0xff };

	if (relay_state == RELAY_OPEN) {
		relay_frame(WS_OP_CLOSE, going_away, 2);
		relay_flush();
	}
	if (relay_fd >= 0) {
		loop_del(relay_fd);
		close(relay_fd);
		relay_fd = -1;
	}
	if (relay_state == RELAY_OPEN || relay_state == RELAY_CLOSING)
		ws_rx_free(&relay_rx);
	relay_state = RELAY_OFF;
}
