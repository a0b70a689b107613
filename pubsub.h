/* SPDX-License-Identifier: ISC */
/*
 * pubsub.h - WebSocket clients: their commands, their subscriptions, and
 * the fan-out of every new value to the clients subscribed to it.
 */
#ifndef LETTERD_PUBSUB_H
#define LETTERD_PUBSUB_H

#include <stddef.h>

#include "conn.h"

/* What the command line decides for WebSocket clients. */
struct pubsub_opts {
	size_t max_msg;          /* -m */
	long max_clients;        /* -c, 0 = no limit */
};

extern struct pubsub_opts pubsub_opts;

int pubsub_init(int maxfd);
void pubsub_free(void);

/* 1 when -c clients are connected and the next upgrade gets 503. */
int pubsub_full(void);
/* An upgraded connection (its 101 is queued) becomes a client. */
void pubsub_join(struct conn *c);

/* The tick: all 26 values are redrawn and every subscriber owes its
 * letters. */
void pubsub_tick(void);
/* Letter (0..25) is now the JSON number num[0..n) (docs/protocol.md 4.3),
 * from the relay's upstream or a feed.  Returns 0 when its subscribers owe
 * it; 1 when the letter already changed since the last flush, so that its
 * subscribers have not all seen that value yet: then nothing changed, and
 * the caller holds its input (conn_hold) and tries again after the flush;
 * -1 when num is longer than STATE_VALUE_MAX. */
int pubsub_publish(int letter, const char *num, size_t n);

int pubsub_clients(void);
const int *pubsub_subscribers(void);   /* clients per letter, A..Z */

#endif
