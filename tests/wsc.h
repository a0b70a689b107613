/* SPDX-License-Identifier: ISC */
/*
 * wsc.h - a small WebSocket and HTTP/1.1 client for testing letterd.
 *
 * Every call that waits takes a timeout in milliseconds and gives up when it
 * passes, so a test against a broken server fails instead of hanging.  The
 * socket is non-blocking and poll() does the waiting; there are no threads
 * and no signals.
 *
 * The client is deliberately two things at once:
 *   - a correct client (RFC 6455 section 5: masked frames, a fresh mask per
 *     frame, shortest length encoding) that also checks that the *server*
 *     keeps the rules: a masked server frame, a reserved bit, an unknown
 *     opcode or an oversized control frame is reported as an error;
 *   - a tool for writing what a correct client never writes: unmasked
 *     frames, reserved bits, any opcode, lengths that lie, headers without
 *     their payload, bytes sent one at a time.
 *
 * Conventions: functions return 0 (or a byte count) on success and one of
 * the negative WSC_* values below on failure; c->err then says in one line
 * what was expected and what came, ready to be printed by a test.
 *
 * Only libc and POSIX.1-2008, plus letterd's own sha1.c and base64.c for
 * the handshake's accept key.
 */
#ifndef LETTERD_WSC_H
#define LETTERD_WSC_H

#include <stddef.h>
#include <stdint.h>

/* Failures.  Success is 0, or a positive byte count where one is returned. */
#define WSC_ERROR    (-1)  /* anything else: c->err says what */
#define WSC_TIMEOUT  (-2)  /* the deadline passed before the answer came */
#define WSC_CLOSED   (-3)  /* the peer closed: read gave 0 or ECONNRESET */

/*
 * Sizes.  The server sends small frames (values of 11 bytes, control frames
 * of at most 125), so one input buffer of 32 KiB per connection is plenty
 * and keeps a load client with thousands of connections affordable.
 */
#define WSC_IN_CAP        32768            /* bytes read and not yet parsed */
#define WSC_FRAME_MAX     (WSC_IN_CAP - 14) /* largest server frame payload */
#define WSC_MSG_MAX       16384            /* largest reassembled message */
#define WSC_HTTP_HEAD_MAX 16384            /* largest response head */
#define WSC_HTTP_FIELDS   64               /* header fields kept per response */
#define WSC_HTTP_BODY_MAX (16L << 20)      /* largest response body */
#define WSC_ERR_CAP       512

/* The first byte of a frame (RFC 6455 5.2): FIN, RSV1-3, opcode. */
#define WSC_FIN        0x80u
#define WSC_RSV1       0x40u
#define WSC_RSV2       0x20u
#define WSC_RSV3       0x10u
#define WSC_OP_CONT    0x0u
#define WSC_OP_TEXT    0x1u
#define WSC_OP_BINARY  0x2u
#define WSC_OP_CLOSE   0x8u
#define WSC_OP_PING    0x9u
#define WSC_OP_PONG    0xAu

/* How a frame's payload length is written.  RFC 6455 5.2 requires the
 * shortest form; the others exist to break that rule on purpose. */
enum wsc_len_form { WSC_LEN_SHORTEST, WSC_LEN_16, WSC_LEN_64 };

/* One connection.  It is large (the input buffer lives inside it), so tests
 * keep connections in static storage rather than on the stack. */
struct wsc_conn {
	int fd;               /* -1 when not connected */
	int auto_pong;        /* wsc_next_frame answers pings itself */
	int close_sent;       /* we sent a close frame; do not send another */
	int eof;              /* the peer closed (orderly or by reset) */
	int reset;            /* ... and it was a reset (ECONNRESET) */
	unsigned long pings;  /* pings received, answered or not */
	size_t in_off;        /* unparsed input is in[in_off .. in_len) */
	size_t in_len;
	char authority[64];   /* "host:port" for the Host header */
	char accept[29];      /* the Sec-WebSocket-Accept we wait for */
	char err[WSC_ERR_CAP];/* why the last failing call failed */
	uint8_t in[WSC_IN_CAP];
};

/* A frame as the server sent it.  payload points into the connection's
 * input buffer and stays valid only until the next call that reads. */
struct wsc_frame {
	unsigned fin;            /* 1 if this is the last fragment */
	unsigned opcode;         /* WSC_OP_* */
	size_t len;
	const uint8_t *payload;
};

/* A whole message: data frames reassembled, or one close frame. */
struct wsc_msg {
	unsigned opcode;         /* WSC_OP_TEXT, _BINARY or _CLOSE */
	int code;                /* close: status code, -1 if there was none */
	size_t len;              /* of data; for a close, of the reason */
	uint8_t data[WSC_MSG_MAX + 1]; /* NUL-terminated, for printing */
};

/* An HTTP response.  Names and values point into head[]. */
struct wsc_http {
	int status;              /* e.g. 200 */
	int minor;               /* the x of HTTP/1.x */
	int nfields;
	struct { const char *name, *value; } field[WSC_HTTP_FIELDS];
	long content_length;     /* -1 if there was no Content-Length */
	char *body;              /* malloc'ed and NUL-terminated, or NULL */
	size_t body_len;
	char head[WSC_HTTP_HEAD_MAX + 1];
};

/* --- time and randomness -------------------------------------------- */

/* Milliseconds on the monotonic clock: for deadlines and measurements. */
long long wsc_now_ms(void);
/* Sleeps ms milliseconds (for pacing writes, never for waiting on the
 * server: that is what the timeouts are for). */
void wsc_sleep_ms(int ms);
/* Fills p with n pseudo-random bytes (see wsc.c on why that is enough). */
void wsc_random(void *p, size_t n);
void wsc_seed(uint64_t seed);

/* --- the connection ---------------------------------------------------- */

/* If not 0, wsc_connect asks for this SO_RCVBUF before it connects (so
 * that the window the peer is offered is small from the start): a client
 * whose socket fills after a few kilobytes, to stand for a slow reader. */
extern int wsc_rcvbuf;

/* Connects to host (an IPv4 or IPv6 literal) and port.  Initialises *c. */
int wsc_connect(struct wsc_conn *c, const char *host, int port,
                int timeout_ms);
/* Connects to the UNIX-domain stream socket at path (a feed socket, say)
 * and initialises *c as wsc_connect does, so that wsc_send, wsc_fill,
 * wsc_expect_eof and wsc_expect_silence work on it.  A listener whose
 * backlog is full is tried again until the timeout. */
int wsc_connect_unix(struct wsc_conn *c, const char *path, int timeout_ms);
/* Closes the socket the ordinary way (the kernel sends FIN).  Idempotent. */
void wsc_close(struct wsc_conn *c);
/* Closes with SO_LINGER 0, so the kernel sends a reset instead of FIN. */
void wsc_abort(struct wsc_conn *c);

/* Sends all n bytes, or fails.  A peer that has gone gives WSC_CLOSED. */
int wsc_send(struct wsc_conn *c, const void *buf, size_t n, int timeout_ms);
/* Sends in pieces of `chunk` bytes with gap_ms between them, so that the
 * server meets the bytes in as many reads as possible. */
int wsc_send_slowly(struct wsc_conn *c, const void *buf, size_t n,
                    size_t chunk, int gap_ms, int timeout_ms);
/* Waits for more input and appends it to c->in.  Returns the number of
 * new bytes, or WSC_CLOSED / WSC_TIMEOUT / WSC_ERROR. */
int wsc_fill(struct wsc_conn *c, int timeout_ms);
/* Passes if the peer closes the connection without sending anything more. */
int wsc_expect_eof(struct wsc_conn *c, int timeout_ms);
/* Passes if nothing at all arrives for ms milliseconds. */
int wsc_expect_silence(struct wsc_conn *c, int ms);

/* Reads one line, up to and including its LF, from a byte stream (the
 * feed's replies).  Copies it without the LF into out (at most cap - 1
 * bytes, NUL-terminated: a longer line is cut) and returns its full length
 * without the LF.  A stream that ends, or a timeout, before the LF gives
 * WSC_CLOSED or WSC_TIMEOUT, and the partial line stays in the buffer. */
int wsc_read_line(struct wsc_conn *c, char *out, size_t cap, int timeout_ms);

/* --- HTTP ---------------------------------------------------------------- */

/* Reads one response.  after_head is 1 if it answers a HEAD request (no
 * body whatever the headers say).  The body is read by Content-Length, or
 * up to the connection's close if there is none.  Free with
 * wsc_http_free() even after a failure. */
int wsc_http_read(struct wsc_conn *c, struct wsc_http *r, int after_head,
                  int timeout_ms);
/* Sends req (a whole request) and reads the response to it. */
int wsc_http_request(struct wsc_conn *c, const char *req, struct wsc_http *r,
                     int timeout_ms);
void wsc_http_free(struct wsc_http *r);
/* The value of the first field called name (any case), or NULL. */
const char *wsc_http_field(const struct wsc_http *r, const char *name);
/* How many fields are called name. */
int wsc_http_count(const struct wsc_http *r, const char *name);
/* 1 if a comma-separated field list called name holds token (any case). */
int wsc_http_has_token(const struct wsc_http *r, const char *name,
                       const char *token);

/* --- the opening handshake (RFC 6455 4) ------------------------------- */

/* A fresh Sec-WebSocket-Key: 16 random bytes in base64, NUL-terminated. */
void wsc_key(char key[25]);
/* The Sec-WebSocket-Accept that answers key (RFC 6455 4.2.2 step 5.4). */
void wsc_accept_for(const char *key, char accept[29]);
/* The ordinary upgrade of path: 101, the right accept key, or failure. */
int wsc_upgrade(struct wsc_conn *c, const char *path, int timeout_ms);
/* The same in two halves, for a client that drives many connections from
 * one poll loop: _send writes the request, _recv reads and checks the
 * response.  Called with timeout 0 when the socket is readable, _recv
 * returns WSC_TIMEOUT while the response head is incomplete and keeps what
 * has come, so it can simply be called again.  (A response with a body,
 * which is never a 101, must be read whole by one call.) */
int wsc_upgrade_send(struct wsc_conn *c, const char *path, int timeout_ms);
int wsc_upgrade_recv(struct wsc_conn *c, struct wsc_http *r, int timeout_ms);
/* An upgrade with a request head of the caller's: `head` holds the request
 * line and header lines, each ending in CRLF, but neither the
 * Sec-WebSocket-Key (added here, fresh) nor the blank line.  tail_n bytes
 * of `tail` (say, a first frame) go in the same write.  The response is
 * left in *r (free it) and must be 101 with the right accept key. */
int wsc_upgrade_raw(struct wsc_conn *c, const char *head, const void *tail,
                    size_t tail_n, struct wsc_http *r, int timeout_ms);
/* The ordinary upgrade of path (Host: c->authority) with `extra` header
 * lines of the caller's after the usual ones, each ending in CRLF (say
 * "Origin: http://127.0.0.1:8000\r\n"), or NULL for none: what a browser
 * sends.  The response is left in *r (free it) whatever it is, so that a
 * refusal (a 403, say) can be looked at: the call passes only on a 101
 * with the right accept key. */
int wsc_upgrade_extra(struct wsc_conn *c, const char *path, const char *extra,
                      struct wsc_http *r, int timeout_ms);

/* --- building client frames (RFC 6455 5.2) ----------------------------- */

/* Writes a frame header (2 to 14 bytes) announcing len bytes of payload.
 * key is the masking key, or NULL for an unmasked frame.  Returns its size. */
size_t wsc_frame_header(uint8_t *out, unsigned first_byte,
                        const uint8_t key[4], uint64_t len,
                        enum wsc_len_form form);
/* XORs n bytes with key, as bytes at offset `at` of a payload (5.3). */
void wsc_mask(uint8_t *p, size_t n, const uint8_t key[4], uint64_t at);
/* A whole frame, masked with a fresh random key (or not, if !masked).
 * Returns its size, or 0 if cap is too small. */
size_t wsc_frame(uint8_t *out, size_t cap, unsigned first_byte, int masked,
                 const void *payload, size_t n);
/* Any frame, truthful or not: a header in the given form announcing
 * `announced` bytes, followed by only the n bytes of payload given (so a
 * frame can be cut short, or be a bare header with n = 0). */
size_t wsc_frame_ex(uint8_t *out, size_t cap, unsigned first_byte,
                    int masked, enum wsc_len_form form, uint64_t announced,
                    const void *payload, size_t n);

/* Builds and sends one masked frame. */
int wsc_send_frame(struct wsc_conn *c, unsigned first_byte,
                   const void *payload, size_t n, int timeout_ms);
/* One whole text message in one frame. */
int wsc_send_text(struct wsc_conn *c, const char *text, int timeout_ms);
/* A close frame with code (or none if code < 0) and a reason (or NULL). */
int wsc_send_close(struct wsc_conn *c, int code, const char *reason,
                   int timeout_ms);

/* --- reading server frames ---------------------------------------------- */

/* The next frame, whatever it is.  Pings are counted in c->pings and, with
 * c->auto_pong set, answered before they are returned.  Fails if the frame
 * breaks RFC 6455 (a server frame must be unmasked, RSV 0, a known opcode,
 * control frames whole and at most 125 bytes, the length in shortest form). */
int wsc_next_frame(struct wsc_conn *c, struct wsc_frame *f, int timeout_ms);
/* The next message: data frames reassembled, pings and pongs skipped
 * (pings answered if c->auto_pong), a close frame returned as is. */
int wsc_recv(struct wsc_conn *c, struct wsc_msg *m, int timeout_ms);
/* Passes if the next message is a text message equal to `expected`. */
int wsc_expect_text(struct wsc_conn *c, const char *expected, int timeout_ms);
/* Passes if a close frame with `code` (-1: without a code) comes, then
 * the end of the connection.  Text messages before the close (tick values
 * that were queued first) are skipped.  If we had not sent a close yet we
 * answer this one as RFC 6455 5.5.1 asks, so the server may close at once. */
int wsc_expect_close(struct wsc_conn *c, int code, int timeout_ms);

/* Writes at most cap-1 bytes of s[0..n) into out with non-printing bytes
 * escaped, for error messages.  Returns out. */
char *wsc_quote(char *out, size_t cap, const void *s, size_t n);

/* A message described for "expected X, got Y": "text ...", "close CODE
 * ..." or the opcode.  Two static buffers in turn, so that one printf may
 * show two messages. */
const char *wsc_show(const struct wsc_msg *m);

/* The value of the sample whose line in a /metrics body starts with name
 * (labels included), or -1 if there is none. */
long long wsc_sample(const char *body, const char *name);

/* GET /metrics on a connection of its own to host:port and the value of
 * the sample name in it, or -1. */
long long wsc_metric(const char *host, int port, const char *name);

/* If m is a value message of the letters protocol, exactly `{"L": NNNN}`
 * with NNNN in 1000..9999, returns L and stores the value (if value is not
 * NULL); otherwise returns 0. */
int wsc_value(const struct wsc_msg *m, int *value);

#endif
