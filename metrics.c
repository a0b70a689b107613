/* SPDX-License-Identifier: ISC */
/*
 * metrics.c - the counters behind GET /metrics and their text form
 * (Prometheus exposition format 0.0.4: "# HELP", "# TYPE", then samples).
 *
 * No floating point: seconds are kept as integer microseconds and written
 * with a decimal point by hand.  A soft-float board (many MIPS routers)
 * traps on a hard-float instruction, and printf's float code would add
 * kilobytes to every static binary for the one place that needs it.
 */
#include <stdarg.h>

#include "format.h"
#include "metrics.h"

struct metrics metrics;

/* Upper bounds of the tick histogram's buckets, in microseconds. */
static const int64_t metrics_le_us[METRICS_TICK_BUCKETS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000
};

static const int metrics_codes[5] = { 1002, 1003, 1007, 1009, 1011 };

static const char *const metrics_drop_names[DROP_REASONS] = {
	"request_timeout", "closing_timeout", "ping_timeout", "io_error",
	"no_memory", "fd_limit"
};

/* The plain counters, in the order /metrics shows them. */
static const struct {
	const char *name, *help;
	const uint64_t *v;
} metrics_counters[] = {
	{ "connections_accepted_total", "Connections accepted.", &metrics.accepted },
	{ "upgrades_total", "Connections upgraded to WebSocket.", &metrics.upgrades },
	{ "refused_full_total", "Upgrades refused with 503 because of -c.",
	  &metrics.refused_full },
	{ "messages_sent_total", "Value messages sent (ticks and subscribe replies).",
	  &metrics.messages },
	{ "replies_sent_total", "Other text messages sent (errors).", &metrics.replies },
	{ "bytes_sent_total", "Bytes written to sockets.", &metrics.bytes },
	{ "conflated_total", "Owed values replaced by a newer one before they were sent.",
	  &metrics.conflated },
	{ "origin_refused_total", "Upgrades refused with 403 by the Origin policy.",
	  &metrics.origin_refused },
	{ "feed_updates_total", "Feed lines whose value was published.",
	  &metrics.feed_updates },
	{ "feed_errors_total", "Feed lines dropped as bad.", &metrics.feed_errors },
	{ "feed_replies_dropped_total", "Error replies dropped: the writer did not read them.",
	  &metrics.feed_replies_dropped },
};

/* Each tick lands in the first bucket that holds it; the exposition adds
 * them up into Prometheus's cumulative buckets. */
void
metrics_tick(int64_t us)
{
	int i;

	metrics.ticks++;
	metrics.tick_us_sum += us;
	for (i = 0; i < METRICS_TICK_BUCKETS && us > metrics_le_us[i]; i++)
		;
	if (i < METRICS_TICK_BUCKETS)
		metrics.tick_le[i]++;
}

void
metrics_protocol_error(int code)
{
	int i;

	for (i = 0; i < 5; i++)
		if (metrics_codes[i] == code)
			metrics.protocol_errors[i]++;
}

/* Appends printf output to out at *len; output that does not fit sets
 * *len to cap, which metrics_render turns into 0. */
static void
metrics_add(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vformat(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len = n >= cap - *len ? cap : *len + n;
}

/* The head of a metric: its help and its type. */
static void
metrics_head(char *out, size_t cap, size_t *len, const char *name,
             const char *type, const char *help)
{
	metrics_add(out, cap, len, "# HELP letterd_%s %s\n# TYPE letterd_%s %s\n",
	    name, help, name, type);
}

/* Microseconds as seconds, "0.00025": the integer part, then the six
 * decimals without their trailing zeros. */
static const char *
metrics_seconds(int64_t us, char buf[32])
{
	size_t n = format(buf, 32, "%lld.%06lld", (long long)(us / 1000000),
	    (long long)(us % 1000000));

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

/* Connection closes: by protocol error code, and by letterd's reason. */
static void
metrics_closes(char *out, size_t cap, size_t *len)
{
	int i;

	metrics_head(out, cap, len, "protocol_errors_total", "counter",
	    "WebSocket connections failed, by close code.");
	for (i = 0; i < 5; i++)
		metrics_add(out, cap, len, "letterd_protocol_errors_total{code=\"%d\"} %llu\n",
		    metrics_codes[i], (unsigned long long)metrics.protocol_errors[i]);
	metrics_head(out, cap, len, "dropped_total", "counter",
	    "Connections letterd ended itself, by reason.");
	for (i = 0; i < DROP_REASONS; i++)
		metrics_add(out, cap, len, "letterd_dropped_total{reason=\"%s\"} %llu\n",
		    metrics_drop_names[i], (unsigned long long)metrics.dropped[i]);
}

static void
metrics_histogram(char *out, size_t cap, size_t *len)
{
	uint64_t cum = 0;
	char s[32];
	int i;

	metrics_head(out, cap, len, "tick_duration_seconds", "histogram",
	    "Time to redraw the values and write every subscriber's share.");
	for (i = 0; i < METRICS_TICK_BUCKETS; i++) {
		cum += metrics.tick_le[i];
		metrics_add(out, cap, len, "letterd_tick_duration_seconds_bucket{le=\"%s\"} %llu\n",
		    metrics_seconds(metrics_le_us[i], s), (unsigned long long)cum);
	}
	metrics_add(out, cap, len, "letterd_tick_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "letterd_tick_duration_seconds_sum %s\nletterd_tick_duration_seconds_count %llu\n",
	    (unsigned long long)metrics.ticks, metrics_seconds(metrics.tick_us_sum, s),
	    (unsigned long long)metrics.ticks);
}

/* See metrics.h: gauges, counters, then the closes and the histogram. */
size_t
metrics_render(char *out, size_t cap, int connections, int clients,
               const int subscribers[26])
{
	size_t len = 0, i;

	metrics_head(out, cap, &len, "connections", "gauge",
	    "Open connections, HTTP and WebSocket.");
	metrics_add(out, cap, &len, "letterd_connections %d\n", connections);
	metrics_head(out, cap, &len, "clients", "gauge", "WebSocket clients.");
	metrics_add(out, cap, &len, "letterd_clients %d\n", clients);
	metrics_head(out, cap, &len, "feed_writers", "gauge", "Feed writers connected.");
	metrics_add(out, cap, &len, "letterd_feed_writers %lld\n",
	    (long long)metrics.feed_writers);
	metrics_head(out, cap, &len, "subscribers", "gauge",
	    "Clients subscribed to each letter.");
	for (i = 0; i < 26; i++)
		metrics_add(out, cap, &len, "letterd_subscribers{letter=\"%c\"} %d\n",
		    (int)('A' + i), subscribers[i]);
	for (i = 0; i < sizeof(metrics_counters) / sizeof(metrics_counters[0]); i++) {
		metrics_head(out, cap, &len, metrics_counters[i].name, "counter",
		    metrics_counters[i].help);
		metrics_add(out, cap, &len, "letterd_%s %llu\n", metrics_counters[i].name,
		    (unsigned long long)*metrics_counters[i].v);
	}
	metrics_closes(out, cap, &len);
	metrics_histogram(out, cap, &len);
	return len >= cap ? 0 : len;
}
