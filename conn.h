/* SPDX-License-Identifier: ISC */
/*
 * conn.h - the transport: every socket letterd owns, from its first byte
 * to its close, whatever protocol it speaks.
 *
 * A browser's connection, the relay's upstream and a feed writer are all a
 * struct conn.  conn.c reads their bytes, keeps what a protocol could not
 * consume yet, queues their output and writes it before the loop sleeps,
 * enforces their deadlines and closes them.  What differs is the protocol
 * above, a struct conn_ops: route.c (HTTP), pubsub.c (WebSocket clients),
 * relay.c (the upstream) and feed.c (feed writers).  WebSocket framing on a
 * connection -- pings, pongs, the close handshake -- is shared here too,
 * because a server's client and the relay's upstream both need it.
 */
#ifndef LETTERD_CONN_H
#define LETTERD_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "line.h"
#include "ws.h"

/* The transport's states.  What happens inside CONN_OPEN is the
 * protocol's business. */
enum conn_state {
	CONN_FREE,       /* no connection on this fd */
	CONN_CONNECTING, /* our connect() is under way (the relay's upstream) */
	CONN_OPEN,       /* reading and writing */
	CONN_CLOSING,    /* last bytes queued; input is discarded */
	CONN_LINGER      /* all sent, write side shut; draining until EOF */
};

/* One-bit flags, each with its reason. */
#define F_WANT_WRITE 0x01  /* the kernel refused output: wait for LOOP_WRITE */
#define F_PENDING    0x02  /* on the pending list, to be flushed */
#define F_WS         0x04  /* frames go through conn_ws_input (u.ws.rx) */
#define F_PINGED     0x08  /* a keepalive ping is unanswered */
#define F_OWE_PING   0x10  /* a keepalive ping is to be written */
#define F_HOLD       0x20  /* input waits until the next flush (conn_hold) */
#define F_BUSY       0x40  /* the protocol is writing something long (a file) */

/* Input not consumed yet (IN_CAP bytes, only while there is some), and
 * output in order (grown as needed, only while there is some). */
struct conn_in;
struct conn_out;

/* One connection: 96 bytes on LP64, because every idle client costs this
 * and nothing more (the budget is 100 bytes per idle client, measured by
 * bench/run.sh's S3).
 * The protocols' parts share their memory in the union. */
struct conn {
	int fd;
	uint8_t state;          /* enum conn_state */
	uint8_t flags;          /* F_* */
	uint8_t mask;           /* LOOP_* events the loop watches */
	uint8_t ops;            /* the protocol: an index into conn.c's table */
	uint32_t subs;          /* pubsub: bit i, subscribed to 'A' + i */
	uint32_t dirty;         /* pubsub: bit i, owes the latest value of 'A' + i */
	int client_ix;          /* pubsub: place in its client list, or -1 */
	int pending_ix;         /* place in the pending list while F_PENDING */
	int64_t deadline;       /* when the protocol's time is up, or -1 */
	struct conn_in *in;
	struct conn_out *out;
	union {
		struct {                /* route.c, before any upgrade */
			size_t scan;          /* http_parse's resume point */
			uint64_t body_left;   /* request body still to skip */
			uint64_t file_left;   /* static file bytes still to send */
			int file_fd;          /* the static file, or -1 */
			uint8_t body;         /* skipping a request body */
		} http;
		struct {                /* every WebSocket connection */
			struct ws_rx rx;
		} ws;
		struct {                /* relay.c, before its 101 */
			size_t scan;          /* http_parse_response's resume point */
		} up;
		struct {                /* feed.c: a writer */
			struct line_rx rx;
			uint8_t from_stdin;   /* -s -: errors go to the log */
			uint8_t counted;      /* one of the FEED_MAX_WRITERS */
		} feed;
	} u;
};

/* A protocol: what the transport calls.  Every member may be 0 or NULL. */
struct conn_ops {
	const char *name;       /* for the log */
	/* Bytes arrived (or were held): consume what you can and return how
	 * many; the rest is kept and offered again with more. */
	size_t (*input)(struct conn *c, uint8_t *p, size_t n);
	/* 1: the input buffer stays while connected, for a protocol that
	 * holds input often (a feed writer's bursts) */
	int keep_input;
	/* F_WS connections: one text message. */
	void (*text)(struct conn *c, const uint8_t *p, size_t n);
	/* The queue is empty: write or queue what is still owed.  Returns 0
	 * when nothing is, 1 when more was queued, 2 when the kernel is full,
	 * -1 when the connection was closed. */
	int (*owed)(struct conn *c);
	/* Our connect() finished (CONN_CONNECTING only). */
	void (*connected)(struct conn *c);
	/* A connection accepted for this protocol: set up its part. */
	void (*opened)(struct conn *c);
	/* The deadline passed: close c (or move its deadline). */
	void (*expired)(struct conn *c);
	/* The connection is going: drop what points at it. */
	void (*closed)(struct conn *c, const char *why);
};

extern struct conn *conns;        /* indexed by fd */

int conn_init(int maxfd);
void conn_free_all(void);

/* Takes a connected socket for the protocol ops; NULL on failure (the fd
 * is closed).  CONN_CONNECTING if connecting is set. */
struct conn *conn_adopt(int fd, const struct conn_ops *ops, int connecting);
/* Switches a connection to another protocol (HTTP to WebSocket). */
void conn_set_ops(struct conn *c, const struct conn_ops *ops);
/* Watches a listening socket whose connections get the protocol ops;
 * 0, or -1 with errno.  conn_unlisten stops watching it and closes it. */
int conn_listen(int fd, const struct conn_ops *ops);
void conn_unlisten(int fd);

/* Queues output; 0, or -1 when memory ran out (the connection is then
 * closed).  conn_backlog tells how much is queued. */
int conn_queue(struct conn *c, const void *p, size_t n);
size_t conn_backlog(const struct conn *c);
/* Puts c on the pending list: it has something to write. */
void conn_pending_add(struct conn *c);
/* Writes what every pending connection owes; main calls it before the
 * loop sleeps, and it is the only place that writes. */
void conn_flush_pending(void);
/* Writes p[0..n) from outside the queue (a value, a ping); a tail the
 * kernel does not take is queued.  0 done, 1 the kernel is full, -1 the
 * connection was closed. */
int conn_write(struct conn *c, const uint8_t *p, size_t n);
/* writev(2) on c: 0 and *written, 1 the kernel is full, -1 closed. */
struct iovec;
int conn_writev(struct conn *c, const struct iovec *iov, int k, size_t *written);
/* Stops reading c's input until the next flush is done. */
void conn_hold(struct conn *c);
/* How many flushes there have been: a value published twice between two
 * flushes would be replaced before any subscriber saw the first. */
uint64_t conn_flush_count(void);

/* What c holds of its input, not consumed yet: *n bytes, or NULL. */
const uint8_t *conn_stashed(const struct conn *c, size_t *n);

void conn_set_deadline(struct conn *c, int64_t when);
/* Closes once what is queued is out (lingering: RFC 9112 9.6). */
void conn_closing(struct conn *c);
/* Closes now; drop is a metrics_drop reason, or -1 for none. */
void conn_close(struct conn *c, int drop, const char *why);
int conn_count(void);

/* The WebSocket layer.  conn_ws_start makes c a WebSocket connection for
 * role (WS_SERVER, or WS_CLIENT, which masks what it sends).  A WebSocket
 * protocol's input function calls conn_ws_input, which answers pings,
 * notes pongs, runs the close handshake and hands text messages to
 * ops->text; *ev says what it found. */
void conn_ws_start(struct conn *c, int role);
size_t conn_ws_input(struct conn *c, uint8_t *p, size_t n, size_t max_msg,
                     struct ws_ev *ev);
int conn_ws_send(struct conn *c, int op, const void *p, size_t n);
/* Sends close code, then closes when it is out (RFC 6455 7.1.1). */
void conn_ws_close(struct conn *c, int code);
/* Every WebSocket connection gets a ping; one that did not answer the
 * last is dropped (RFC 6455 5.5.2). */
void conn_keepalive(void);
/* SIGINT/SIGTERM: close 1001 to WebSocket connections, drop the rest. */
void conn_shutdown(void);

#endif
