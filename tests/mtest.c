/* SPDX-License-Identifier: ISC */
/*
 * mtest.c - GET /metrics against a running `letterd -M -i 50`.
 *
 * usage: mtest PORT [NAME PID]
 *
 * Reads the metrics, does something that must move them (subscribe,
 * unsubscribe, a protocol error, a close), and reads them again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wsc.h"

#define T_WAIT 3000

static int port;
static struct wsc_http resp;

/* GET /metrics; returns the body (valid until the next call) or NULL. */
static const char *
scrape(void)
{
	struct wsc_conn c;
	const char *ct;
	int rc;

	wsc_http_free(&resp);
	if (wsc_connect(&c, "127.0.0.1", port, T_WAIT) < 0)
		return NULL;
	rc = wsc_http_request(&c, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n",
	    &resp, T_WAIT);
	wsc_close(&c);
	if (rc < 0 || resp.status != 200 || !resp.body)
		return NULL;
	ct = wsc_http_field(&resp, "Content-Type");
	if (!ct || strncmp(ct, "text/plain; version=0.0.4", 25))
		return NULL;
	return resp.body;
}

int
main(int argc, char **argv)
{
	struct wsc_conn a, b;
	struct wsc_msg m;
	const char *body;
	long long msgs0, bytes0, ticks;
	int i;

	/* tests/lib.sh's group also passes a name and the server's PID */
	if (argc < 2) {
		fprintf(stderr, "usage: mtest PORT [NAME PID]\n");
		return 2;
	}
	port = atoi(argv[1]);

	/* the server may be younger than one tick: wait for the first */
	for (i = 0; i < 40; i++) {
		body = scrape();
		if (!body || wsc_sample(body, "letterd_tick_duration_seconds_count") > 0)
			break;
		wsc_sleep_ms(50);
	}
	CHECK(body != NULL, "GET /metrics: no 200 text/plain; version=0.0.4");
	if (!body)
		return CHECK_DONE();
	CHECK(strstr(body, "# TYPE letterd_tick_duration_seconds histogram"),
	    "no tick histogram");
	CHECK(wsc_sample(body, "letterd_clients") == 0, "clients before any");
	CHECK(wsc_sample(body, "letterd_subscribers{letter=\"A\"}") == 0, "A before");
	msgs0 = wsc_sample(body, "letterd_messages_sent_total");
	bytes0 = wsc_sample(body, "letterd_bytes_sent_total");
	ticks = wsc_sample(body, "letterd_tick_duration_seconds_count");
	CHECK(ticks > 0 && ticks == wsc_sample(body,
	    "letterd_tick_duration_seconds_bucket{le=\"+Inf\"}"),
	    "tick count %lld and +Inf bucket", ticks);

	/* Two clients: a on A and B, b on A; five ticks of values. */
	CHECK(wsc_connect(&a, "127.0.0.1", port, T_WAIT) == 0 &&
	    wsc_upgrade(&a, "/ws", T_WAIT) == 0 &&
	    wsc_connect(&b, "127.0.0.1", port, T_WAIT) == 0 &&
	    wsc_upgrade(&b, "/ws", T_WAIT) == 0, "two clients: %s", a.err);
	wsc_send_text(&a, "{\"action\": \"subscribe\", \"letter\": \"A\"}", T_WAIT);
	wsc_send_text(&a, "{\"action\": \"subscribe\", \"letter\": \"B\"}", T_WAIT);
	wsc_send_text(&b, "{\"action\": \"subscribe\", \"letter\": \"A\"}", T_WAIT);
	wsc_send_text(&b, "{\"action\": \"bogus\", \"letter\": \"A\"}", T_WAIT);
	for (i = 0; i < 10; i++)
		CHECK(wsc_recv(&a, &m, T_WAIT) == 0, "a's message %d: %s", i, a.err);
	body = scrape();
	CHECK(body && wsc_sample(body, "letterd_clients") == 2, "clients: 2");
	CHECK(body && wsc_sample(body, "letterd_subscribers{letter=\"A\"}") == 2, "A: 2");
	CHECK(body && wsc_sample(body, "letterd_subscribers{letter=\"B\"}") == 1, "B: 1");
	CHECK(body && wsc_sample(body, "letterd_messages_sent_total") >= msgs0 + 10,
	    "messages went up by at least 10");
	CHECK(body && wsc_sample(body, "letterd_bytes_sent_total") >= bytes0 + 130,
	    "bytes went up by at least 130");
	CHECK(body && wsc_sample(body, "letterd_replies_sent_total") >= 1,
	    "the error reply is counted");

	/* a unsubscribes B; b fails with a binary frame (1003). */
	wsc_send_text(&a, "{\"action\": \"unsubscribe\", \"letter\": \"B\"}", T_WAIT);
	wsc_send_frame(&b, WSC_FIN | WSC_OP_BINARY, "x", 1, T_WAIT);
	CHECK(wsc_expect_close(&b, 1003, T_WAIT) == 0, "b closed 1003: %s", b.err);
	wsc_close(&b);
	for (i = 0; i < 6; i++)
		wsc_recv(&a, &m, T_WAIT);   /* a round trip or more */
	body = scrape();
	CHECK(body && wsc_sample(body, "letterd_subscribers{letter=\"B\"}") == 0, "B: 0");
	CHECK(body && wsc_sample(body, "letterd_subscribers{letter=\"A\"}") == 1,
	    "A: 1 after b left");
	CHECK(body && wsc_sample(body, "letterd_clients") == 1, "clients: 1");
	CHECK(body && wsc_sample(body, "letterd_protocol_errors_total{code=\"1003\"}") == 1,
	    "protocol error 1003 counted");
	wsc_close(&a);
	wsc_http_free(&resp);
	return CHECK_DONE();
}
