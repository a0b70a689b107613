/* SPDX-License-Identifier: ISC */
/*
 * ws.h - RFC 6455 without I/O: the accept key, the frames letterd sends
 * (as a server, and as the relay's client) and an incremental parser for
 * the frames it receives.
 */
#ifndef LETTERD_WS_H
#define LETTERD_WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_ACCEPT_LEN  28     /* base64 of a SHA-1 */
#define WS_HEADER_MAX  10     /* server frame header: no mask */
#define WS_CONTROL_MAX 125    /* RFC 6455 5.5 */

enum ws_op {
	WS_OP_CONT = 0x0, WS_OP_TEXT = 0x1, WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8, WS_OP_PING = 0x9, WS_OP_PONG = 0xA
};

/* Close codes we send (RFC 6455 7.4.1). */
enum ws_code {
	WS_NORMAL = 1000, WS_GOING_AWAY = 1001, WS_PROTOCOL_ERROR = 1002,
	WS_UNSUPPORTED = 1003, WS_INVALID_DATA = 1007, WS_TOO_BIG = 1009,
	WS_INTERNAL = 1011
};

/* Checks the client's Sec-WebSocket-Key (24 base64 characters that decode
 * to 16 bytes, RFC 6455 4.1) and writes the Sec-WebSocket-Accept value and
 * a NUL to out (RFC 6455 4.2.2).  Returns 0, or -1 for an invalid key. */
int ws_accept(const char *key, size_t n, char out[WS_ACCEPT_LEN + 1]);

/* Writes the header of a final, unmasked frame; returns its length. */
size_t ws_header(uint8_t *out, int opcode, uint64_t len);

/* Writes a whole final frame as a client sends it (RFC 6455 5.3): masked
 * with mask, which must be fresh and unpredictable for each frame.  n is
 * below 65536; out has room for 8 + n bytes.  Returns the frame's length. */
size_t ws_client_frame(uint8_t *out, int opcode, const void *p, size_t n,
                       const uint8_t mask[4]);

/* What ws_feed found. */
enum ws_event { WS_NONE, WS_TEXT, WS_PING, WS_PONG, WS_CLOSE, WS_FAIL };

struct ws_ev {
	int type;            /* enum ws_event */
	const uint8_t *data; /* message, ping/pong payload or close reason */
	size_t len;
	int code;            /* WS_CLOSE: the code to echo; WS_FAIL: to send */
};

/* Which end of the connection we are.  A server's peer masks every frame
 * and a client's peer masks none (RFC 6455 5.1). */
enum ws_role { WS_SERVER, WS_CLIENT };

/* Where the parser is in the stream. */
enum ws_rx_state {
	WS_RX_HEAD,          /* gathering a frame header in hdr */
	WS_RX_CONTROL,       /* the payload of a ping, pong or close */
	WS_RX_DATA           /* the payload of a text frame or continuation */
};

/* The parser's state between reads: 48 bytes, because every client has
 * one.  A payload that does not arrive within one read is copied into
 * part (struct ws_part, in ws.c), which exists only while it is needed, so
 * an idle connection holds no buffer. */
struct ws_part;

struct ws_rx {
	uint8_t state;       /* enum ws_rx_state */
	uint8_t role;        /* enum ws_role */
	uint8_t hdr[14];     /* 2 + 8 (length) + 4 (mask) */
	uint8_t hdr_len;     /* bytes of hdr gathered */
	uint8_t hdr_need;    /* bytes the header needs; 0 until 2 are in */
	uint8_t op, fin;     /* of the current frame */
	uint8_t msg_open;    /* a fragmented text message is under way */
	uint8_t fresh;       /* no byte of this frame's payload seen yet */
	uint8_t mpos;        /* payload bytes seen, modulo 4: the mask index */
	uint8_t mask[4];
	uint32_t utf8;       /* validator state of the current message */
	uint64_t left;       /* payload bytes of this frame still to come */
	struct ws_part *part;
};

void ws_rx_init(struct ws_rx *rx, int role);
void ws_rx_free(struct ws_rx *rx);
/* Bytes of heap the parser holds now (0 for an idle connection). */
size_t ws_rx_held(const struct ws_rx *rx);

/* Consumes the peer's bytes from buf (unmasking them in place) until one
 * event is complete or buf is used up.  Returns the bytes consumed and
 * fills *ev; ev->type is WS_NONE if buf ended inside a frame.  ev->data
 * points into buf or into the parser's own buffer; call ws_rx_done() when
 * it is no longer needed.  After WS_CLOSE or WS_FAIL the caller stops
 * feeding.  Text messages longer than max_msg fail with 1009, judged from
 * the frame header. */
size_t ws_feed(struct ws_rx *rx, uint8_t *buf, size_t len, size_t max_msg,
               struct ws_ev *ev);

/* The caller is done with the last event: its buffer goes, unless a
 * fragmented message or a control frame under way still needs it. */
void ws_rx_done(struct ws_rx *rx);

#endif
