/* SPDX-License-Identifier: ISC */
/*
 * config.h - the defaults, sizes and limits a builder may want to change,
 * in one place.
 *
 * Each limit names the input boundary it guards and, where one exists, the
 * RFC section that lets us refuse what lies beyond it.  Command-line flags
 * override the defaults.  Sizes a protocol fixes stay with the code that
 * follows it: RFC 6455's 125-byte control frames in ws.h, a value's 32
 * bytes in state.h, the feed's 256-byte lines in line.h.
 */
#ifndef LETTERD_CONFIG_H
#define LETTERD_CONFIG_H

#define LETTERD_VERSION "0.2.0"

/* Defaults of the command-line flags. */
#define DEFAULT_ADDR       "127.0.0.1" /* uvicorn's default; -b to expose */
#define DEFAULT_PORT       8000
#define DEFAULT_TICK_MS    1000        /* -i */
#define DEFAULT_PING_SECS  30          /* -k, 0 = off */
#define DEFAULT_MAX_MSG    4096        /* -m, bytes of one assembled message */
#define MAX_MSG_LIMIT      (1 << 24)   /* -m ceiling: the buffer is allocated */
#define MAX_TICK_MS        86400000    /* -i ceiling: one day */
#define MAX_PING_SECS      86400       /* -k ceiling: one day */

/* RFC 9112 3: servers SHOULD accept request lines of 8000 octets; we take
 * 8 KiB and answer 414 beyond it. */
#define HTTP_MAX_LINE      8192
/* RFC 6585 5: 431 for a header section that is too large. */
#define HTTP_MAX_HEADERS   16384
#define HTTP_MAX_FIELDS    64
/* We never use a request body; a GET that carries one has it discarded,
 * up to this size.  Larger: 400. */
#define HTTP_MAX_BODY      65536
/* A request must be complete this long after the connection opened or the
 * previous response was queued (slowloris defence). */
#define HTTP_DEADLINE_MS   10000

/* One read(2) goes into a buffer shared by all connections; only bytes that
 * cannot be consumed yet are copied into a per-connection buffer.  That
 * buffer holds at most one request head (line + headers + slack). */
#define READ_CHUNK         16384
#define IN_CAP             (HTTP_MAX_LINE + HTTP_MAX_HEADERS + READ_CHUNK)

/* Output that is not a tick value (HTTP responses, replies, pongs) is
 * queued per connection.  Above OUT_HIGH we stop reading from that client
 * until the kernel has taken its backlog: a client that floods us with
 * pings without reading the pongs only stalls itself. */
#define OUT_HIGH           65536
/* Static files are streamed from disk in pieces of this size. */
#define FILE_CHUNK         16384

/* After we send a close frame or a "Connection: close" response we stop
 * writing and keep draining input for this long, so that the peer sees our
 * last bytes instead of a reset (RFC 9112 9.6, "lingering close"). */
#define LINGER_MS          2000
/* SIGINT/SIGTERM: how long clients get to answer our close 1001. */
#define SHUTDOWN_MS        500

#define MAX_EVENTS         256   /* events taken per wait */
#define MAX_FDS            65536 /* connection table size, whatever RLIMIT_NOFILE says */
#define ACCEPT_BURST       64    /* accepts per turn, so one flood cannot starve the rest */
#define LISTEN_BACKLOG     1024

/* Relay mode (-u): the backoff between attempts (docs/protocol.md 5.4:
 * from 100 ms, capped at 2 s), how long an attempt may take, and the
 * largest message we take from the upstream. */
#define RELAY_BACKOFF_MIN_MS 100
#define RELAY_BACKOFF_MAX_MS 2000
#define RELAY_CONNECT_MS     5000
#define RELAY_MAX_MSG        65536

/* Feed mode (-s): the most writers connected at once, and how much of its
 * error replies a writer may leave unread before more are dropped (a
 * writer that never reads must never block letterd, docs/protocol.md 6.2). */
#define FEED_MAX_WRITERS     64
#define FEED_REPLY_MAX       4096

#endif
