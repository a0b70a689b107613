/*
 * conn.h - connections: from accept to close, HTTP to WebSocket, and the
 * fan-out of each tick.  main.c owns the loop and calls these.
 */
#ifndef LETTERD_CONN_H
#define LETTERD_CONN_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* What the command line decides for every connection. */
struct conn_opts {
	size_t max_msg;          /* -m */
	long max_clients;        /* -c, 0 = no limit */
	int verbose;             /* -v */
	int metrics;             /* -M: serve GET /metrics */
	int has_root;            /* -r given */
	char root[PATH_MAX];     /* resolved -r DIR, "" for "/" */
	size_t root_len;
};

extern struct conn_opts conn_opts;

/* loop_now() of this turn of the loop, set by main before it calls in. */
extern int64_t conn_now;

/* Allocates the tables for descriptors 0..maxfd-1; 0 or -1. */
int conn_init(int maxfd);
/* Closes every connection and frees the tables. */
void conn_free_all(void);

/* Takes a connected socket as a new HTTP connection; 0, or -1 (and the fd
 * is closed).  conn_accept uses it; so does the whole-connection fuzzer. */
int conn_adopt(int fd);
/* Accepts what the listening socket holds.  Returns -1 when out of
 * descriptors with no spare: stop watching listen_fd for a while. */
int conn_accept(int listen_fd);

/* A loop event for fd (LOOP_READ and/or LOOP_WRITE). */
void conn_event(int fd, int mask);
/* Writes what this turn queued; main calls it before the loop sleeps. */
void conn_flush_pending(void);

void conn_tick(void);          /* new values, every subscriber owes its letters */
/* Relay mode: letter (0..25) has a new value; its subscribers owe it. */
void conn_publish(int letter);
void conn_keepalive(void);     /* ping everyone; drop who did not answer */
void conn_housekeeping(void);  /* close connections past their deadline */
int64_t conn_deadline(void);   /* the next deadline, -1 if none */
void conn_shutdown(void);      /* close 1001 to clients, drop the rest */
int conn_count(void);

/* -v logging: "letterd: ..." on stderr. */
void conn_log(const char *fmt, ...);

#endif
