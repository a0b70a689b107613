/* SPDX-License-Identifier: ISC */
/*
 * feed.h - feed mode (-s): values written by local programs, a line each,
 * through a UNIX-domain socket or standard input.
 */
#ifndef LETTERD_FEED_H
#define LETTERD_FEED_H

/* -s ARG: a socket path, or "-" for standard input.  0, or -1 if ARG
 * cannot be a socket's path (empty, or too long for sun_path). */
int feed_init(const char *arg);
/* Enters feed mode: no value until one is written; listens on the socket
 * (or reads standard input).  0, or -1 after logging one line saying why
 * (the caller exits 1). */
int feed_start(void);
/* At exit: the socket stops listening and its file goes. */
void feed_stop(void);

#endif
