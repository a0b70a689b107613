/* SPDX-License-Identifier: ISC */
/*
 * relay.c - relay mode (-u ws://HOST[:PORT][/PATH]): letterd as the front
 * end of another server of the same protocol (docs/protocol.md 5).
 *
 * Instead of drawing its own values, letterd keeps ONE WebSocket
 * connection to the upstream -- the client side of RFC 6455 --, subscribes
 * there to all 26 letters, and hands every value it receives to its own
 * clients through pubsub_publish(), the same fan-out a tick uses.  However
 * many clients a relay has, its upstream sees one.
 *
 * The upstream connection is a struct conn like any other: conn.c reads,
 * queues, writes, pings and closes it.  What is left here is the relay's
 * own: the URL, the opening handshake from the client's side, the backoff
 * between attempts, and mirroring values.  The connection moves through
 *
 *   (no connection) --retry timer--> connecting --connected--> sent our
 *   handshake --valid 101--> open: subscribed, values flow
 *
 * and when it is lost at any point, the retry timer is armed with a
 * jittered exponential backoff.  Local clients never notice but for the
 * pause in values.
 *
 * Shortcut named honestly: the host name is resolved with getaddrinfo(),
 * which blocks.  It happens only at start and on each reconnect, never per
 * message, and a literal address never touches a resolver.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "base64.h"
#include "config.h"
#include "conn.h"
#include "entropy.h"
#include "format.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "origin.h"
#include "pubsub.h"
#include "relay.h"
#include "state.h"

static char relay_host[256];      /* as in the URL, brackets removed */
static char relay_port[8];
static char relay_path[1024];
static char relay_authority[300]; /* the Host header: as in the URL */

static struct conn *relay_conn;   /* the upstream, or NULL */
static int relay_timer = -1;      /* the next attempt */
static int relay_stopping;
static int relay_attempt;         /* failures since the last open */
static int relay_open;            /* the 101 came: frames flow */
static char relay_accept[WS_ACCEPT_LEN + 1];
static char relay_why[64];        /* why the upstream closed, if it said */

/* A value that came while its letter's previous one was still unsent: it
 * waits, with the input behind it, for the next flush (pubsub_publish). */
static int relay_held = -1;
static char relay_held_num[STATE_VALUE_MAX];
static size_t relay_held_len;

static const struct conn_ops relay_ops;

/* ws://HOST[:PORT][/PATH] (docs/protocol.md 5.1).  The authority has
 * the grammar of an Origin's (origin.c), so a name, dotted IPv4 or
 * [IPv6]; it is kept as written for the Host header, and the host without
 * its brackets for getaddrinfo. */
int
relay_init(const char *url)
{
	const char *a, *path;
	size_t n, h;
	unsigned port;

	if (strncmp(url, "ws://", 5))
		return -1;
	a = url + 5;
	n = strcspn(a, "/");
	path = a[n] ? a + n : "/";
	if (n >= sizeof(relay_authority) || strlen(path) >= sizeof(relay_path) ||
	    origin_authority(a, n, &h, &port) < 0)
		return -1;
	for (url = path; *url; url++)
		if (*url <= ' ' || *url >= 0x7f)
			return -1;       /* it goes into a request line as it is */
	memcpy(relay_authority, a, n);
	relay_authority[n] = '\0';
	strcpy(relay_path, path);
	if (*a == '[') {
		a++;
		h -= 2;
	}
	memcpy(relay_host, a, h);
	relay_host[h] = '\0';
	format(relay_port, sizeof(relay_port), "%u", port ? port : 80);
	return 0;
}

/* The next attempt: 100 ms doubling with each failure, capped at 2 s, plus
 * up to half as much again (still capped), so that relays restarted
 * together do not all knock at the same moment (docs/protocol.md 5.4). */
static int64_t
relay_backoff(void)
{
	int64_t base = RELAY_BACKOFF_MIN_MS << (relay_attempt < 5 ? relay_attempt : 5);
	uint8_t r[2];

	if (base > RELAY_BACKOFF_MAX_MS)
		base = RELAY_BACKOFF_MAX_MS;
	entropy_bytes(r, 2);
	base += (r[0] << 8 | r[1]) % (base / 2 + 1);
	return base < RELAY_BACKOFF_MAX_MS ? base : RELAY_BACKOFF_MAX_MS;
}

/* Gives up on this attempt or connection, and schedules the next. */
static void
relay_lost(const char *why)
{
	int64_t delay = relay_backoff();

	relay_attempt++;
	loop_timer_at(relay_timer, loop_now() + delay);
	log_warn("upstream %s: %s; retrying in %lld ms", relay_authority, why,
	    (long long)delay);
}

/* The retry timer: a new connection, to the next address of the name
 * after each failure (::1 and 127.0.0.1, say). */
static void
relay_connect(void)
{
	struct addrinfo hints, *list, *ai;
	int fd, rc, i, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(relay_host, relay_port, &hints, &list)) != 0) {
		relay_lost(gai_strerror(rc));
		return;
	}
	for (i = 0, ai = list; ai; ai = ai->ai_next)
		i++;
	for (i = relay_attempt % i, ai = list; i > 0; i--)
		ai = ai->ai_next;
	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd >= 0 && !(relay_conn = conn_adopt(fd, &relay_ops, 1)))
		fd = -1;
	rc = fd >= 0 ? connect(fd, ai->ai_addr, ai->ai_addrlen) : -1;
	err = errno;
	freeaddrinfo(list);
	if (fd < 0 || (rc < 0 && err != EINPROGRESS)) {
		if (relay_conn)
			conn_close(relay_conn, -1, strerror(err));  /* relay_lost */
		else
			relay_lost(strerror(err));
		return;
	}
	conn_set_deadline(relay_conn, loop_now() + RELAY_CONNECT_MS);
}

/* Connected: the opening handshake, with a fresh key (RFC 6455 4.1). */
static void
relay_connected(struct conn *c)
{
	char req[1600], key[25];
	uint8_t nonce[16];
	size_t n;

	entropy_bytes(nonce, sizeof(nonce));
	base64_encode(nonce, sizeof(nonce), key);
	ws_accept(key, 24, relay_accept);
	n = format(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
	    relay_path, relay_authority, key);
	conn_queue(c, req, n);
}

/* Checks the server's handshake (RFC 6455 4.1, the client's duties): 101,
 * Upgrade: websocket, Connection: upgrade, the accept value we expect,
 * and no extension or subprotocol we did not ask for. */
static const char *
relay_check_101(const struct http_resp *r)
{
	if (r->status != 101)
		return "the upstream did not answer 101";
	if (!r->up_websocket)
		return "no Upgrade: websocket in the 101";
	if (!r->conn_upgrade)
		return "no Connection: upgrade in the 101";
	if (r->ws_accept_count != 1 || r->ws_accept_len != WS_ACCEPT_LEN ||
	    memcmp(r->ws_accept, relay_accept, WS_ACCEPT_LEN))
		return "wrong Sec-WebSocket-Accept";
	if (r->ws_extensions || r->ws_protocol)
		return "an extension or subprotocol we did not ask for";
	return NULL;
}

/* The 101 is good: subscribe to every letter (docs/protocol.md 5.3). */
static void
relay_subscribe(struct conn *c)
{
	char cmd[64];
	size_t n;
	int i;

	conn_ws_start(c, WS_CLIENT);
	relay_open = 1;
	relay_attempt = 0;
	for (i = 0; i < STATE_LETTERS; i++) {
		n = format(cmd, sizeof(cmd),
		    "{\"action\": \"subscribe\", \"letter\": \"%c\"}", 'A' + i);
		conn_ws_send(c, WS_OP_TEXT, cmd, n);
	}
	log_warn("upstream %s: connected", relay_authority);
}

/* Before the 101: the response head, which may come in pieces and may be
 * followed by frames in the same read. */
static size_t
relay_handshake(struct conn *c, uint8_t *p, size_t n)
{
	struct http_resp r;
	const char *why;
	long len = http_parse_response((char *)p, n, &c->u.up.scan, &r);

	if (len == 0)
		return 0;
	why = len == -431 ? "the upstream's response head is too long" :
	    len < 0 ? "the upstream did not answer 101" : relay_check_101(&r);
	if (why) {
		conn_close(c, -1, why);
		return n;
	}
	relay_subscribe(c);
	return (size_t)len;
}

/* Publishes a value, or holds it and the input behind it until the next
 * flush if its letter already changed since the last one. */
static void
relay_publish(struct conn *c, int letter, const char *num, size_t n)
{
	if (pubsub_publish(letter, num, n) != 1)
		return;
	relay_held = letter;
	memcpy(relay_held_num, num, n);
	relay_held_len = n;
	conn_hold(c);
}

/* A text message from the upstream: a value, or something to ignore. */
static void
relay_text(struct conn *c, const uint8_t *p, size_t n)
{
	const char *num;
	size_t len;
	int letter;

	if (json_value_msg((const char *)p, n, &letter, &num, &len) < 0 ||
	    len > STATE_VALUE_MAX) {
		log_info("upstream: ignored %.*s", (int)(n < 80 ? n : 80), (const char *)p);
		return;
	}
	relay_publish(c, letter, num, len);
}

/* The upstream's bytes: the 101 first, then frames.  A value held for
 * the flush goes out before the frames behind it are read. */
static size_t
relay_input(struct conn *c, uint8_t *p, size_t n)
{
	struct ws_ev ev;
	size_t used;

	if (!relay_open)
		return relay_handshake(c, p, n);
	if (relay_held >= 0) {
		int letter = relay_held;

		relay_held = -1;
		relay_publish(c, letter, relay_held_num, relay_held_len);
		if (c->flags & F_HOLD)
			return 0;
	}
	used = conn_ws_input(c, p, n, RELAY_MAX_MSG, &ev);
	if (ev.type == WS_CLOSE || ev.type == WS_FAIL)
		format(relay_why, sizeof(relay_why), ev.type == WS_CLOSE ?
		    "closed by the upstream with %d" : "protocol error, closed with %d",
		    ev.code);
	return used;
}

static void
relay_expired(struct conn *c)
{
	conn_close(c, -1, "timed out");
}

/* The connection is gone, for whatever reason: try again later.  Its
 * state (a held value, the 101, the upstream's close reason) goes with it,
 * so that the next connection starts afresh. */
static void
relay_closed(struct conn *c, const char *why)
{
	(void)c;
	if (relay_why[0])
		why = relay_why;
	else if (!why || !strcmp(why, "peer closed"))
		why = "the upstream closed the connection";
	if (!relay_stopping)
		relay_lost(why);
	relay_conn = NULL;
	relay_held = -1;
	relay_open = 0;
	relay_why[0] = '\0';
}

static const struct conn_ops relay_ops = {
	.name = "upstream",
	.input = relay_input,
	.text = relay_text,
	.connected = relay_connected,
	.expired = relay_expired,
	.closed = relay_closed,
};

/* With fd >= 0 the upstream is that socket, already connected. */
int
relay_start(int fd)
{
	state_init_empty();
	relay_stopping = 0;
	relay_attempt = 0;
	if ((relay_timer = loop_timer(relay_connect)) < 0)
		return -1;
	if (fd < 0) {
		loop_timer_at(relay_timer, loop_now());
		return 0;
	}
	return (relay_conn = conn_adopt(fd, &relay_ops, 1)) ? 0 : -1;
}

/* No retry after this: conn_shutdown closes the connection with 1001. */
void
relay_stop(void)
{
	relay_stopping = 1;
	if (relay_timer >= 0)
		loop_timer_at(relay_timer, -1);
}
