/*
 * relay.h - relay mode: one upstream WebSocket connection whose values
 * letterd fans out to its own clients.  main.c drives it like a connection.
 */
#ifndef LETTERD_RELAY_H
#define LETTERD_RELAY_H

#include <stdint.h>

/* Parses ws://HOST[:PORT][/PATH] (HOST may be [IPv6]) and enters relay
 * mode; the first attempt to connect is due at once.  0, or -1 if the URL
 * is not one we can use. */
int relay_init(const char *url);
int relay_active(void);

int relay_get_fd(void);       /* the upstream socket, or -1 */
void relay_event(int mask);   /* a loop event on it */
int64_t relay_deadline(void); /* when relay_timer must run, or -1 */
void relay_timer(void);       /* reconnect, or give up a slow attempt */
void relay_flush(void);
void relay_keepalive(void);   /* ping the upstream; drop it if it is mute */
void relay_stop(void);        /* close 1001 to the upstream, at exit */

#endif
