/* SPDX-License-Identifier: ISC */
/*
 * route.h - the HTTP side of a connection: every request, from its head
 * to its response (the page, static files, /metrics, errors, and the
 * upgrade that hands the connection to pubsub.c).
 */
#ifndef LETTERD_ROUTE_H
#define LETTERD_ROUTE_H

#include <limits.h>
#include <stddef.h>

#include "conn.h"
#include "origin.h"

/* What the command line decides for HTTP. */
struct route_opts {
	int metrics;             /* -M: serve GET /metrics */
	int has_root;            /* -r given */
	char root[PATH_MAX];     /* resolved -r DIR, "" for "/" */
	size_t root_len;
	struct origin_policy origins;  /* -o; zeroed, the same origin only */
};

extern struct route_opts route_opts;

/* The protocol of every accepted TCP connection. */
extern const struct conn_ops route_ops;

#endif
