/* SPDX-License-Identifier: ISC */
/*
 * http.h - HTTP/1.1 without I/O (RFC 9110, 9112): request and response
 * heads parsed, response heads written.
 *
 * The parsers are pure functions over (buf, len): they allocate nothing,
 * keep no state but a scan offset the caller passes back, and point into
 * the caller's buffer for the few fields they report.
 */
#ifndef LETTERD_HTTP_H
#define LETTERD_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET = 1, HTTP_HEAD, HTTP_OTHER };

struct http_req {
	int method;            /* enum http_method */
	int minor;             /* HTTP/1.minor */
	const char *path;      /* the target's path, query removed */
	size_t path_len;
	int keep_alive;        /* the version's default, then Connection */
	int conn_close;        /* Connection lists "close" */
	int conn_upgrade;      /* Connection lists "upgrade" */
	int up_websocket;      /* Upgrade lists "websocket" */
	int has_host;
	uint64_t content_length;
	const char *ws_key;    /* Sec-WebSocket-Key, NULL if absent */
	size_t ws_key_len;
	int ws_key_count;
	const char *ws_version;/* Sec-WebSocket-Version, NULL if absent */
	size_t ws_version_len;
	const char *host;      /* Host, for the Origin policy */
	size_t host_len;
	const char *origin;    /* Origin (the last one), NULL if absent */
	size_t origin_len;
	int origin_count;
	int fields;            /* header fields seen */
};

/* A response head, as the relay's upstream sends it. */
struct http_resp {
	int status;
	int up_websocket;      /* Upgrade lists "websocket" */
	int conn_upgrade;      /* Connection lists "upgrade" */
	const char *ws_accept; /* Sec-WebSocket-Accept, NULL if absent */
	size_t ws_accept_len;
	int ws_accept_count;
	int ws_extensions;     /* a Sec-WebSocket-Extensions field came */
	int ws_protocol;       /* a Sec-WebSocket-Protocol field came */
	int fields;
};

/* Number of bytes of empty lines (CRLF or LF) at the start of buf, which
 * RFC 9112 2.2 tells a server to ignore before a request line. */
size_t http_skip_empty(const char *buf, size_t len);

/* Parses one request head from buf.  Returns its length (request line,
 * fields and the empty line) when complete; 0 when more bytes are needed;
 * or minus the status of the error: -400, -414, -431, -501 or -505.
 * *scan remembers how far the search for the head's end has gone: start it
 * at 0 for each request and pass it back unchanged, so that a request that
 * arrives a byte at a time costs O(n) and not O(n^2). */
long http_parse(const char *buf, size_t len, size_t *scan, struct http_req *req);

/* Parses one response head from buf, like http_parse: its length, 0 when
 * more bytes are needed, or -400 (a bad status line or field) or -431 (a
 * head over HTTP_MAX_LINE + HTTP_MAX_HEADERS bytes). */
long http_parse_response(const char *buf, size_t len, size_t *scan,
                         struct http_resp *r);

/* 1 if the comma-separated list v[0..n) holds tok, compared case-insensitively
 * (RFC 9110 5.6.1); "websocket/13" counts as "websocket" (RFC 9110 7.8). */
int http_has_token(const char *v, size_t n, const char *tok);

/* The standard reason phrase of status. */
const char *http_reason(int status);

/* Writes a response head: status line, Date, Content-Type (if ctype),
 * Content-Length, Connection and the extra lines (each ending in CRLF, or
 * NULL).  Returns its length, or 0 if cap is too small. */
size_t http_head(char *out, size_t cap, int status, const char *ctype,
                 uint64_t clen, int keep_alive, const char *extra);

/* A whole error response with a one-line text/plain body, "403
 * Forbidden\n" or with why, "403 Forbidden: why\n", and Connection:
 * close; without the body (but with its Content-Length) when body is 0,
 * for HEAD.  Returns its length, or 0 if cap is too small. */
size_t http_error(char *out, size_t cap, int status, const char *extra,
                  const char *why, int body);

/* Decodes the NAME of /static/NAME (percent-decoding, RFC 3986 2.1) into a
 * relative path that cannot leave its directory: no empty, "." or ".."
 * segment, no NUL, no backslash, no leading '/'.  Returns 0, or -1 if the
 * name is refused or does not fit in cap bytes with its NUL. */
int http_static_name(const char *name, size_t n, char *out, size_t cap);

/* Content-Type for a file name, by its extension. */
const char *http_mime(const char *name);

#endif
