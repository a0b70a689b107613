/* SPDX-License-Identifier: ISC */
/*
 * relay.h - relay mode (-u): one upstream WebSocket connection whose
 * values letterd fans out to its own clients.
 */
#ifndef LETTERD_RELAY_H
#define LETTERD_RELAY_H

/* Parses ws://HOST[:PORT][/PATH] (HOST may be [IPv6]); 0, or -1 if the
 * URL is not one we can use. */
int relay_init(const char *url);
/* Enters relay mode: no value until the upstream sends it, and the first
 * attempt to connect is due at once -- or, if fd is a connected socket,
 * that is the upstream (the whole-connection fuzzer plays one).  0, or -1
 * if no timer is left. */
int relay_start(int fd);
/* At exit: no more attempts (conn_shutdown closes the connection). */
void relay_stop(void);

#endif
