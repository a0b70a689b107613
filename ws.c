/*
 * ws.c - the WebSocket protocol (RFC 6455) without any I/O.
 *
 * ws_feed() is an incremental frame parser: it may be handed a client's
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
ws_rx_init(struct ws_rx *rx, int client)
{
	memset(rx, 0, sizeof(*rx));
	rx->client = (uint8_t)client;
}

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
	if (cap < msg) {
		cap = cap ? cap : 256;
		while (cap < msg)
			cap *= 2;
		if (cap > limit)
			cap = limit;
	}
	if (!(p = realloc(p, sizeof(*p) + cap)))
		return -1;
	if (!rx->part)
		p->msg_len = p->ctl_len = 0;
	p->msg_cap = cap;
	rx->part = p;
	return 0;
}

static size_t
ws_fail(struct ws_ev *ev, int code, size_t consumed)
{
	ev->type = WS_FAIL;
	ev->code = code;
	return consumed;
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
	if (!(b1 & 0x80) != !!rx->client)
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
	    (rx->client ? 0 : 4));
	return 0;
}

/* The header is complete: decode the length and mask; 0 or a close code. */
static int
ws_check_length(struct ws_rx *rx, size_t max_msg)
{
	uint8_t len7 = rx->hdr[1] & 0x7f;
	uint64_t len = len7;
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
	if (rx->op <= WS_OP_BINARY &&
	    len > (uint64_t)max_msg - (rx->part ? rx->part->msg_len : 0))
		return WS_TOO_BIG;
	if (rx->client)
		memset(rx->mask, 0, 4);   /* nothing to unmask */
	else
		memcpy(rx->mask, rx->hdr + rx->hdr_need - 4, 4);
	rx->left = len;
	rx->fresh = 1;
	rx->mpos = 0;
	return 0;
}

/* Copies n bytes to the message gathered so far; 0, or -1 out of memory.
 * The buffer never grows past max_msg: the header check saw to that. */
static int
ws_append(struct ws_rx *rx, const uint8_t *p, size_t n, size_t max_msg)
{
	size_t want = (rx->part ? rx->part->msg_len : 0) + n;

	if (ws_part(rx, want, max_msg) < 0)
		return -1;
	memcpy(rx->part->msg + rx->part->msg_len, p, n);
	rx->part->msg_len += n;
	return 0;
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
	} else if (n == 1) {
		ws_fail(ev, WS_PROTOCOL_ERROR, 0);  /* 5.5.1: a code is 2 bytes */
	} else if (!ws_valid_code(p[0] << 8 | p[1])) {
		ws_fail(ev, WS_PROTOCOL_ERROR, 0);
	} else if (utf8_feed(UTF8_OK, p + 2, n - 2) != UTF8_OK) {
		ws_fail(ev, WS_INVALID_DATA, 0);    /* 5.5.1: the reason is UTF-8 */
	} else {
		ev->type = WS_CLOSE;
		ev->code = p[0] << 8 | p[1];
		ev->data = p + 2;
		ev->len = n - 2;
	}
}

size_t
ws_feed(struct ws_rx *rx, uint8_t *buf, size_t len, size_t max_msg,
        struct ws_ev *ev)
{
	size_t off = 0, n, i;
	int code;

	ev->type = WS_NONE;
	ev->data = NULL;
	ev->len = 0;
	if (rx->release) {
		/* The previous event was delivered: give its memory back so an
		 * idle connection holds nothing. */
		ws_rx_free(rx);
		rx->release = 0;
	}
	while (off < len) {
		if (!rx->in_payload) {
			/* hdr_need is 0 until the first two bytes are judged */
			n = (rx->hdr_need ? rx->hdr_need : 2) - rx->hdr_len;
			if (n > len - off)
				n = len - off;
			memcpy(rx->hdr + rx->hdr_len, buf + off, n);
			rx->hdr_len = (uint8_t)(rx->hdr_len + n);
			off += n;
			if (rx->hdr_len < 2)
				continue;
			if (!rx->hdr_need && (code = ws_check_start(rx)))
				return ws_fail(ev, code, off);
			if (rx->hdr_len < rx->hdr_need)
				continue;   /* the rest of the header is to come */
			if ((code = ws_check_length(rx, max_msg)))
				return ws_fail(ev, code, off);
			rx->hdr_len = 0;
			rx->hdr_need = 0;
			rx->in_payload = 1;
			if (rx->op <= WS_OP_BINARY)
				rx->msg_open = 1;
		}

		/* Payload: unmask what this read holds of it. */
		n = rx->left < len - off ? (size_t)rx->left : len - off;
		for (i = 0; i < n; i++)
			buf[off + i] ^= rx->mask[(rx->mpos + i) & 3];
		rx->mpos = (uint8_t)((rx->mpos + n) & 3);
		if (rx->op >= WS_OP_CLOSE) {
			const uint8_t *p = buf + off;
			size_t total = n;

			if (!rx->fresh || n < rx->left) {
				/* split over reads: gather it (at most 125 bytes) */
				if (ws_part(rx, 0, 0) < 0)
					return ws_fail(ev, WS_INTERNAL, off);
				memcpy(rx->part->ctl + rx->part->ctl_len, p, n);
				rx->part->ctl_len = (uint8_t)(rx->part->ctl_len + n);
				p = rx->part->ctl;
				total = rx->part->ctl_len;
			}
			off += n;
			rx->left -= n;
			rx->fresh = 0;
			if (rx->left)
				continue;
			rx->in_payload = 0;
			ws_control(rx, p, total, ev);
			if (rx->part) {
				/* the buffer goes with the next call, unless a
				 * message under way still needs it */
				rx->part->ctl_len = 0;
				rx->release = !rx->msg_open;
			}
			return off;
		}

		rx->utf8 = utf8_feed(rx->utf8, buf + off, n);
		if (rx->utf8 == UTF8_BAD)
			return ws_fail(ev, WS_INVALID_DATA, off + n);
		if (rx->fin && rx->fresh && n == rx->left &&
		    !(rx->part && rx->part->msg_len)) {
			/* the whole message is in this read: no copy */
			ev->data = buf + off;
			ev->len = n;
		} else if (n && ws_append(rx, buf + off, n, max_msg) < 0) {
			return ws_fail(ev, WS_INTERNAL, off);
		}
		off += n;
		rx->left -= n;
		rx->fresh = 0;
		if (rx->left)
			continue;
		rx->in_payload = 0;
		if (!rx->fin)
			continue;
		/* 8.1: the message must not end inside a character */
		if (rx->utf8 != UTF8_OK)
			return ws_fail(ev, WS_INVALID_DATA, off);
		if (!ev->data) {
			ev->data = rx->part ? rx->part->msg : buf + off;
			ev->len = rx->part ? rx->part->msg_len : 0;
		}
		ev->type = WS_TEXT;
		rx->msg_open = 0;
		rx->release = 1;
		return off;
	}
	return off;
}
