/* SPDX-License-Identifier: ISC */
/*
 * metrics.h - counters for GET /metrics (-M), in the Prometheus text format.
 *
 * The counters are plain integers bumped on the paths they count: a few
 * additions per writev, nothing per message that was not already there.
 * They are always kept; -M only decides whether /metrics shows them.
 */
#ifndef LETTERD_METRICS_H
#define LETTERD_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Why letterd itself ended a connection (not the peer's closing). */
enum metrics_drop {
	DROP_REQUEST_TIMEOUT,  /* no complete request within 10 s */
	DROP_CLOSING_TIMEOUT,  /* the peer did not finish closing in time */
	DROP_PING_TIMEOUT,     /* no pong by the next keepalive ping */
	DROP_IO_ERROR,         /* read or write failed (reset, ...) */
	DROP_NO_MEMORY,
	DROP_FD_LIMIT,         /* accepted and closed at once: out of fds */
	DROP_REASONS
};

#define METRICS_TICK_BUCKETS 12

struct metrics {
	uint64_t accepted;             /* connections accepted */
	uint64_t upgrades;             /* of them, became WebSocket clients */
	uint64_t refused_full;         /* 503: over -c */
	uint64_t messages;             /* value messages sent (ticks, replies) */
	uint64_t replies;              /* other text messages sent */
	uint64_t bytes;                /* bytes written to sockets */
	uint64_t conflated;            /* owed values replaced by newer ones */
	uint64_t protocol_errors[5];   /* closes 1002 1003 1007 1009 1011 */
	uint64_t dropped[DROP_REASONS];
	uint64_t ticks;
	uint64_t tick_le[METRICS_TICK_BUCKETS]; /* per bucket, not cumulative */
	int64_t tick_us_sum;
	int64_t feed_writers;          /* gauge: feed writers connected */
	uint64_t feed_updates;         /* feed lines published */
	uint64_t feed_errors;          /* feed lines dropped as bad */
	uint64_t feed_replies_dropped; /* error replies a writer left unread */
	uint64_t origin_refused;       /* upgrades refused with 403 */
};

extern struct metrics metrics;

/* One tick took us microseconds, fan-out included. */
void metrics_tick(int64_t us);

/* A connection failed with close code (1002, 1003, 1007, 1009 or 1011). */
void metrics_protocol_error(int code);

/* Writes the exposition text; the gauges come from the caller.  Returns
 * the length, or 0 if cap is too small. */
size_t metrics_render(char *out, size_t cap, int connections, int clients,
                      const int subscribers[26]);

#endif
