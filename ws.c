/* SPDX-License-Identifier: ISC */
/*
 * ws.c - the WebSocket protocol (RFC 6455) without any I/O.
 *
 * ws_feed() is an incremental frame parser: it may be handed a peer's
 * bytes split at any point, many frames at once or one byte at a time.  It
 * keeps what it needs between calls in struct ws_rx and judges every rule
 * as soon as the bytes that decide it are in: the first two bytes of a
 * header decide most protocol errors, the length decides 1009 before a
 * byte of payload is read, and UTF-8 is validated as the payload arrives,
 * so an invalid text message fails at its first bad byte (RFC 6455 8.1),
 * across fragments too.
 *
 * Payloads are unmasked in place in the caller's buffer.  When a whole
 * message or control frame lies in one read -- the usual case -- the event
 * points straight into that buffer and nothing is copied or allocated.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "sha1.h"
#include "utf8.h"
#include "ws.h"

/* RFC 6455 1.3: the GUID the accept key is made with. */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int
ws_accept(const char *key, size_t n, char out[WS_ACCEPT_LEN + 1])
{
	struct sha1_ctx c;
	uint8_t nonce[18], digest[SHA1_LEN];

	/* RFC 6455 4.1: the key is a base64-encoded 16-byte value. */
	if (n != 24 || base64_decode(key, n, nonce, sizeof(nonce)) != 16)
		return -1;
	sha1_init(&c);
	sha1_update(&c, key, n);
	sha1_update(&c, ws_guid, sizeof(ws_guid) - 1);
	sha1_final(&c, digest);
	base64_encode(digest, SHA1_LEN, out);
	return 0;
}

/* See ws.h.  Used for every frame letterd sends as a server. */
size_t
ws_header(uint8_t *out, int opcode, uint64_t len)
{
	int i;

	/* RFC 6455 5.2: FIN set, no RSV bits, unmasked, and the length in the
	 * fewest bytes, most significant first whatever our byte order. */
	out[0] = (uint8_t)(0x80 | opcode);
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

void
ws_rx_init(struct ws_rx *rx, int role)
{
	memset(rx, 0, sizeof(*rx));
	rx->role = (uint8_t)role;
}

/* See ws.h: the relay's frames to its upstream. */
size_t
ws_client_frame(uint8_t *out, int opcode, const void *p, size_t n,
                const uint8_t mask[4])
{
	size_t h = ws_header(out, opcode, n), i;
	const uint8_t *in = p;

	out[1] |= 0x80;
	memcpy(out + h, mask, 4);
	for (i = 0; i < n; i++)
		out[h + 4 + i] = in[i] ^ mask[i & 3];
	return h + 4 + n;
}

/* A payload split over reads, gathered: the control frame's in ctl, the
 * text message's in msg, which grows up to max_msg. */
struct ws_part {
	size_t msg_len, msg_cap;
	uint8_t ctl_len;
	uint8_t ctl[WS_CONTROL_MAX];
	uint8_t msg[];
};

void
ws_rx_free(struct ws_rx *rx)
{
	free(rx->part);
	rx->part = NULL;
}

void
ws_rx_done(struct ws_rx *rx)
{
	if (rx->state == WS_RX_HEAD && !rx->msg_open)
		ws_rx_free(rx);
}

size_t
ws_rx_held(const struct ws_rx *rx)
{
	return rx->part ? sizeof(*rx->part) + rx->part->msg_cap : 0;
}

/* Makes sure rx->part exists with room for msg bytes of message, growing
 * by doubling but never past limit; 0 or -1. */
static int
ws_part(struct ws_rx *rx, size_t msg, size_t limit)
{
	struct ws_part *p = rx->part;
	size_t cap = p ? p->msg_cap : 0;

	if (p && cap >= msg)
		return 0;
	cap = cap ? cap : 256;
	while (cap < msg)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	if (!(p = realloc(p, sizeof(*p) + cap)))
		return -1;
	if (!rx->part)
		p->msg_len = p->ctl_len = 0;
	p->msg_cap = cap;
	rx->part = p;
	return 0;
}

static void
ws_fail(struct ws_ev *ev, int code)
{
	ev->type = WS_FAIL;
	ev->code = code;
}

/* RFC 6455 7.4: the codes a peer may send.  1004-1006 and 1015 are
 * reserved and must never appear on the wire; 1012-1014 were registered
 * with IANA after the RFC (7.4.2) and are accepted; 3000-4999 belong to
 * libraries and applications. */
static int
ws_valid_code(int code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	    (code >= 3000 && code <= 4999);
}

/* Judges the first two bytes of a header; returns 0 or the close code. */
static int
ws_check_start(struct ws_rx *rx)
{
	uint8_t b0 = rx->hdr[0], b1 = rx->hdr[1], len7 = b1 & 0x7f;

	rx->fin = b0 >> 7;
	rx->op = b0 & 0x0f;
	if (b0 & 0x70)
		return WS_PROTOCOL_ERROR;     /* 5.2: RSV without an extension */
	/* 5.1: a client must mask its frames, a server must not */
	if (!(b1 & 0x80) != (rx->role == WS_CLIENT))
		return WS_PROTOCOL_ERROR;
	switch (rx->op) {
	case WS_OP_CLOSE: case WS_OP_PING: case WS_OP_PONG:
		/* 5.5: control frames are final and carry at most 125 bytes */
		if (!rx->fin || len7 > WS_CONTROL_MAX)
			return WS_PROTOCOL_ERROR;
		break;
	case WS_OP_CONT:
		if (!rx->msg_open)
			return WS_PROTOCOL_ERROR; /* 5.4: nothing to continue */
		break;
	case WS_OP_TEXT: case WS_OP_BINARY:
		if (rx->msg_open)
			return WS_PROTOCOL_ERROR; /* 5.4: fragments interleaved */
		if (rx->op == WS_OP_BINARY)
			return WS_UNSUPPORTED;    /* 7.4.1: we only take text */
		break;
	default:
		return WS_PROTOCOL_ERROR;     /* 5.2: reserved opcode */
	}
	rx->hdr_need = (uint8_t)(2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) +
	    (rx->role == WS_SERVER ? 4 : 0));
	return 0;
}

/* The header is complete: decode the length and mask; 0 or a close code. */
static int
ws_check_length(struct ws_rx *rx, size_t max_msg)
{
	uint8_t len7 = rx->hdr[1] & 0x7f;
	uint64_t len = len7;
	size_t have = rx->op == WS_OP_CONT && rx->part ? rx->part->msg_len : 0;
	int i;

	if (len7 == 126) {
		len = (uint64_t)rx->hdr[2] << 8 | rx->hdr[3];
	} else if (len7 == 127) {
		/* 5.2: the most significant bit of a 64-bit length MUST be 0 */
		if (rx->hdr[2] & 0x80)
			return WS_PROTOCOL_ERROR;
		for (len = 0, i = 0; i < 8; i++)
			len = len << 8 | rx->hdr[2 + i];
	}
	/* 1009 is decided here, before the payload: both sides are at most
	 * 2^63 and max_msg, so neither the sum nor the compare can wrap. */
	if (rx->op <= WS_OP_BINARY && len > (uint64_t)max_msg - have)
		return WS_TOO_BIG;
	if (rx->role == WS_CLIENT)
		memset(rx->mask, 0, 4);   /* nothing to unmask */
	else
		memcpy(rx->mask, rx->hdr + rx->hdr_need - 4, 4);
	rx->left = len;
	rx->fresh = 1;
	rx->mpos = 0;
	return 0;
}

/* WS_RX_HEAD: gathers the header, which may arrive a byte at a time, and
 * judges it as soon as the bytes that decide each rule are in. */
static void
ws_head(struct ws_rx *rx, uint8_t *buf, size_t len, size_t *off,
        size_t max_msg, struct ws_ev *ev)
{
	/* hdr_need is 0 until the first two bytes are judged */
	size_t n = (size_t)(rx->hdr_need ? rx->hdr_need : 2) - rx->hdr_len;
	int code;

	if (n > len - *off)
		n = len - *off;
	memcpy(rx->hdr + rx->hdr_len, buf + *off, n);
	rx->hdr_len = (uint8_t)(rx->hdr_len + n);
	*off += n;
	if (rx->hdr_len < 2)
		return;
	if (!rx->hdr_need && (code = ws_check_start(rx))) {
		ws_fail(ev, code);
		return;
	}
	if (rx->hdr_len < rx->hdr_need)
		return;         /* the rest of the header is still to come */
	if ((code = ws_check_length(rx, max_msg))) {
		ws_fail(ev, code);
		return;
	}
	rx->hdr_len = rx->hdr_need = 0;
	if (rx->op >= WS_OP_CLOSE) {
		rx->state = WS_RX_CONTROL;
	} else {
		if (rx->op == WS_OP_TEXT && rx->part)
			rx->part->msg_len = 0;    /* a new message */
		rx->msg_open = 1;
		rx->state = WS_RX_DATA;
	}
}

/* Unmasks what this read holds of the payload; returns its length. */
static size_t
ws_unmask(struct ws_rx *rx, uint8_t *p, size_t avail)
{
	size_t n = rx->left < avail ? (size_t)rx->left : avail, i;

	for (i = 0; i < n; i++)
		p[i] ^= rx->mask[(rx->mpos + i) & 3];
	rx->mpos = (uint8_t)((rx->mpos + n) & 3);
	return n;
}

/* A complete control frame: turn it into an event. */
static void
ws_control(struct ws_rx *rx, const uint8_t *p, size_t n, struct ws_ev *ev)
{
	ev->data = p;
	ev->len = n;
	if (rx->op == WS_OP_PING) {
		ev->type = WS_PING;
	} else if (rx->op == WS_OP_PONG) {
		ev->type = WS_PONG;
	} else if (n == 0) {
		ev->type = WS_CLOSE;          /* 7.1.5: no code; we echo 1000 */
		ev->code = WS_NORMAL;
	} else if (n == 1 || !ws_valid_code(p[0] << 8 | p[1])) {
		ws_fail(ev, WS_PROTOCOL_ERROR); /* 5.5.1: a code is 2 bytes */
	} else if (utf8_feed(UTF8_OK, p + 2, n - 2) != UTF8_OK) {
		ws_fail(ev, WS_INVALID_DATA);   /* 5.5.1: the reason is UTF-8 */
	} else {
		ev->type = WS_CLOSE;
		ev->code = p[0] << 8 | p[1];
		ev->data = p + 2;
		ev->len = n - 2;
	}
}

/* WS_RX_CONTROL: at most 125 bytes (5.5), delivered from the caller's
 * buffer when they came in one read, else gathered in part->ctl. */
static void
ws_control_payload(struct ws_rx *rx, uint8_t *buf, size_t len, size_t *off,
                   struct ws_ev *ev)
{
	uint8_t *p = buf + *off;
	size_t n = ws_unmask(rx, p, len - *off), total = n;

	if (!rx->fresh || n < rx->left) {
		if (ws_part(rx, 0, 0) < 0) {
			ws_fail(ev, WS_INTERNAL);
			return;
		}
		memcpy(rx->part->ctl + rx->part->ctl_len, p, n);
		rx->part->ctl_len = (uint8_t)(rx->part->ctl_len + n);
		p = rx->part->ctl;
		total = rx->part->ctl_len;
	}
	*off += n;
	rx->left -= n;
	rx->fresh = 0;
	if (rx->left)
		return;
	if (rx->part)
		rx->part->ctl_len = 0;    /* the next control frame starts over */
	rx->state = WS_RX_HEAD;
	ws_control(rx, p, total, ev);
}

/* Copies n bytes to the message gathered so far; 0, or -1 out of memory.
 * The buffer never grows past max_msg: the header check saw to that. */
static int
ws_append(struct ws_rx *rx, const uint8_t *p, size_t n, size_t max_msg)
{
	if (ws_part(rx, (rx->part ? rx->part->msg_len : 0) + n, max_msg) < 0)
		return -1;
	memcpy(rx->part->msg + rx->part->msg_len, p, n);
	rx->part->msg_len += n;
	return 0;
}

/* WS_RX_DATA: validates UTF-8 as the bytes come (RFC 6455 8.1: fail at
 * the first byte that cannot be valid, also across fragments).  A whole
 * message in one read is delivered from the caller's buffer; anything
 * else is gathered in part->msg. */
static void
ws_data_payload(struct ws_rx *rx, uint8_t *buf, size_t len, size_t *off,
                size_t max_msg, struct ws_ev *ev)
{
	uint8_t *p = buf + *off;
	size_t n = ws_unmask(rx, p, len - *off);
	int whole = rx->fin && rx->fresh && n == rx->left &&
	    !(rx->part && rx->part->msg_len);

	*off += n;
	rx->utf8 = utf8_feed(rx->utf8, p, n);
	if (rx->utf8 == UTF8_BAD) {
		ws_fail(ev, WS_INVALID_DATA);
		return;
	}
	if (!whole && n && ws_append(rx, p, n, max_msg) < 0) {
		ws_fail(ev, WS_INTERNAL);
		return;
	}
	rx->left -= n;
	rx->fresh = 0;
	if (rx->left)
		return;
	rx->state = WS_RX_HEAD;
	if (!rx->fin)
		return;                   /* more fragments to come */
	if (rx->utf8 != UTF8_OK) {
		ws_fail(ev, WS_INVALID_DATA);  /* 8.1: it ends inside a character */
		return;
	}
	ev->type = WS_TEXT;
	ev->data = whole ? p : rx->part->msg;
	ev->len = whole ? n : rx->part->msg_len;
	rx->msg_open = 0;
}

/* The state machine.  A frame whose payload is empty completes with no
 * byte after its header, so a state other than WS_RX_HEAD with nothing
 * left to read is stepped once more even when buf is used up. */
size_t
ws_feed(struct ws_rx *rx, uint8_t *buf, size_t len, size_t max_msg,
        struct ws_ev *ev)
{
	size_t off = 0;

	ev->type = WS_NONE;
	ev->data = NULL;
	ev->len = 0;
	while (ev->type == WS_NONE &&
	    (off < len || (rx->state != WS_RX_HEAD && !rx->left))) {
		switch (rx->state) {
		case WS_RX_HEAD:
			ws_head(rx, buf, len, &off, max_msg, ev);
			break;
		case WS_RX_CONTROL:
			ws_control_payload(rx, buf, len, &off, ev);
			break;
		default:
			ws_data_payload(rx, buf, len, &off, max_msg, ev);
			break;
		}
	}
	return off;
}
