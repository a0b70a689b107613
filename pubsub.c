/* SPDX-License-Identifier: ISC */
/*
 * pubsub.c - WebSocket clients: commands in, values out.
 *
 * A client's text messages are commands (docs/protocol.md 4.1), parsed by
 * json_command() (json.c).  Subscribing answers with the letter's current
 * frame at once; every later value reaches the client through the fan-out.
 *
 * The fan-out never copies a value per client.  Each client has a bitmap
 * of the letters it still owes ("dirty").  A new value ORs the letter into
 * the bitmap of each subscriber and puts it on the pending list; when the
 * connection is flushed, pubsub_owed() writes the owed letters' frames
 * straight from the ones state.c encoded, with one writev.  A client whose
 * socket is full keeps at most one owed value per letter -- the latest --
 * whatever it misses (conflation), so a slow reader costs a bitmap, not a
 * queue, and never delays the others (docs/protocol.md 4.4).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "format.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "pubsub.h"
#include "state.h"

struct pubsub_opts pubsub_opts;

static uint16_t *clients;         /* fds of the clients, dense (MAX_FDS) */
static int nclients;
static int subscribers[STATE_LETTERS];  /* clients per letter, for /metrics */
static uint32_t changed;          /* letters published since flush number epoch */
static uint64_t epoch;

static const struct conn_ops pubsub_ops;

static int
pubsub_popcount(uint32_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* Every open client subscribed to one of letters now owes it.  A value
 * still owed from before is replaced: that is the conflation. */
static void
pubsub_owe(uint32_t letters)
{
	int i;

	for (i = 0; i < nclients; i++) {
		struct conn *c = &conns[clients[i]];
		uint32_t owe = c->subs & letters;

		if (!owe || c->state != CONN_OPEN)
			continue;
		metrics.conflated += (uint64_t)pubsub_popcount(c->dirty & owe);
		c->dirty |= owe;
		conn_pending_add(c);
	}
}

/* The tick: 26 new values, and every subscriber owes its letters. */
void
pubsub_tick(void)
{
	state_tick();
	pubsub_owe((UINT32_C(1) << STATE_LETTERS) - 1);
}

/* See pubsub.h.  "changed" is reset by the first publish after a flush:
 * conn_flush_count says whether one happened since the last publish. */
int
pubsub_publish(int letter, const char *num, size_t n)
{
	uint32_t bit = UINT32_C(1) << letter;

	if (conn_flush_count() != epoch) {
		epoch = conn_flush_count();
		changed = 0;
	}
	/* a second value before the flush would replace the first in the
	 * frame the subscribers have not been sent yet */
	if ((changed & bit) && subscribers[letter])
		return 1;
	if (state_set(letter, num, n) < 0)
		return -1;
	changed |= bit;
	pubsub_owe(bit);
	return 0;
}

/* Writes the owed values of a client with one writev, a slice per run of
 * owed letters.  0 when all went out; 1 when the kernel took only part
 * (the rest stays owed, and a frame cut in the middle has its tail queued,
 * since the frame may change before the socket drains). */
static int
pubsub_owed(struct conn *c)
{
	struct iovec iov[STATE_LETTERS / 2 + 1];
	uint32_t d = c->dirty;
	const uint8_t *f;
	size_t n, len, total = 0;
	int i, j, k = 0, r;

	if (!d || c->state != CONN_OPEN)
		return 0;          /* after our close frame, nothing more */
	/* a run of owed letters starts at i and ends before j */
	for (i = 0; i < STATE_LETTERS; i = j + 1) {
		for (j = i; j < STATE_LETTERS && d >> j & 1; j++)
			;
		if (j > i) {
			iov[k].iov_base = (void *)state_frames(i, j, &iov[k].iov_len);
			total += iov[k++].iov_len;
		}
	}
	if ((r = conn_writev(c, iov, k, &n)))
		return r;
	if (n == total) {
		/* the usual case, all of it: no letter-by-letter count */
		metrics.messages += (uint64_t)pubsub_popcount(d);
		c->dirty = 0;
		return 0;
	}
	for (i = 0; i < STATE_LETTERS && n > 0; i++) {
		if (!(d >> i & 1))
			continue;
		f = state_frames(i, i + 1, &len);
		c->dirty &= ~(UINT32_C(1) << i);
		metrics.messages++;
		if (n < len)
			return conn_queue(c, f + n, len - n) < 0 ? -1 : 1;
		n -= len;
	}
	return c->dirty ? 1 : 0;
}

/* A reply that is not a value: {"error": ...} or the unsubscribe one. */
static void
pubsub_reply(struct conn *c, const char *fmt, const char *arg)
{
	char msg[WS_CONTROL_MAX];
	size_t n = format(msg, sizeof(msg), fmt, arg);

	if (n < sizeof(msg))
		conn_ws_send(c, WS_OP_TEXT, msg, n);
	metrics.replies++;
}

/* One text message: a command (docs/protocol.md 4.1). */
static void
pubsub_command(struct conn *c, const uint8_t *p, size_t n)
{
	struct json_command cmd;
	const char *why;
	const uint8_t *f;
	uint32_t bit;
	size_t len;
	int i;

	if (json_command((const char *)p, n, &cmd, &why) < 0) {
		pubsub_reply(c, "{\"error\": \"%s\"}", why);
		return;
	}
	if (cmd.action == JSON_PING) {
		pubsub_reply(c, "{\"pong\": %s}", "true");
		return;
	}
	i = cmd.letter - 'A';
	bit = UINT32_C(1) << i;
	if (cmd.action == JSON_SUBSCRIBE) {
		subscribers[i] += !(c->subs & bit);
		c->subs |= bit;
		/* the current value at once, in order with other replies; it
		 * is also what an owed value would have sent.  A letter with
		 * no value yet (relay, feed) sends it when it comes. */
		c->dirty &= ~bit;
		if (state_known(i)) {
			f = state_frames(i, i + 1, &len);
			conn_queue(c, f, len);
			metrics.messages++;
		}
	} else if (c->subs & bit) {
		subscribers[i]--;
		c->subs &= ~bit;
		c->dirty &= ~bit;
	} else {
		char letter[2] = { cmd.letter, '\0' };

		pubsub_reply(c, "{\"%s\": \"You need to subscribe before un-subscribing\"}",
		    letter);
	}
}

/* A client's frames go through the shared WebSocket layer, with -m as the
 * largest message it may send. */
static size_t
pubsub_input(struct conn *c, uint8_t *p, size_t n)
{
	struct ws_ev ev;

	return conn_ws_input(c, p, n, pubsub_opts.max_msg, &ev);
}

/* All of a client's subscriptions go with it. */
static void
pubsub_closed(struct conn *c, const char *why)
{
	int i;

	(void)why;
	for (i = 0; i < STATE_LETTERS; i++)
		subscribers[i] -= (int)(c->subs >> i & 1);
	clients[c->client_ix] = clients[--nclients];
	conns[clients[c->client_ix]].client_ix = c->client_ix;
	c->client_ix = -1;
}

static const struct conn_ops pubsub_ops = {
	.name = "ws",
	.input = pubsub_input,
	.text = pubsub_command,
	.owed = pubsub_owed,
	.closed = pubsub_closed,
};

/* -c (docs/protocol.md 3.5): closing clients count until they are gone. */
int
pubsub_full(void)
{
	return pubsub_opts.max_clients && nclients >= pubsub_opts.max_clients;
}

/* After the 101 is queued: the connection speaks WebSocket from its next
 * byte, which may already be in the buffer behind the request. */
void
pubsub_join(struct conn *c)
{
	conn_set_ops(c, &pubsub_ops);
	conn_ws_start(c, WS_SERVER);
	c->client_ix = nclients;
	clients[nclients++] = (uint16_t)c->fd;
	metrics.upgrades++;
	log_info("fd %d: WebSocket client (%d)", c->fd, nclients);
}

int
pubsub_clients(void)
{
	return nclients;
}

const int *
pubsub_subscribers(void)
{
	return subscribers;
}

/* clients[] has a slot for every descriptor, like conns[]. */
int
pubsub_init(int maxfd)
{
	nclients = 0;
	changed = 0;
	memset(subscribers, 0, sizeof(subscribers));
	clients = calloc((size_t)maxfd, sizeof(*clients));
	return clients ? 0 : -1;
}

void
pubsub_free(void)
{
	free(clients);
	clients = NULL;
}
