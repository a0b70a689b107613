/* SPDX-License-Identifier: ISC */
/*
 * log.h - one line per event on stderr, "letterd: ..." in front.
 */
#ifndef LETTERD_LOG_H
#define LETTERD_LOG_H

/* -v: log connections, requests and protocol errors as well. */
extern int log_verbose;

/* Always written: what an operator must see (an upstream lost, a feed's
 * bad line, a start-up failure). */
void log_warn(const char *fmt, ...);

/* Written only with -v. */
void log_info(const char *fmt, ...);

#endif
