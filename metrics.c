/*
 * metrics.c - the counters behind GET /metrics and their text form
 * (Prometheus exposition format 0.0.4: "# HELP", "# TYPE", then samples).
 */
#include <stdarg.h>
#include <stdio.h>

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

void
metrics_tick(int64_t us)
{
	int i;

	metrics.ticks++;
	metrics.tick_us_sum += us;
	for (i = 0; i < METRICS_TICK_BUCKETS; i++)
		if (us <= metrics_le_us[i]) {
			metrics.tick_le[i]++;
			break;
		}
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
	int n;

	if (*len >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len = n < 0 || (size_t)n >= cap - *len ? cap : *len + (size_t)n;
}

static void
metrics_counter(char *out, size_t cap, size_t *len, const char *name,
                const char *help, uint64_t v)
{
	metrics_add(out, cap, len, "# HELP letterd_%s %s\n# TYPE letterd_%s counter\n"
	    "letterd_%s %llu\n", name, help, name, name, (unsigned long long)v);
}

size_t
metrics_render(char *out, size_t cap, int connections, int clients,
               const int subscribers[26])
{
	size_t len = 0;
	uint64_t cum = 0;
	int i;

	metrics_add(out, cap, &len,
	    "# HELP letterd_connections Open connections, HTTP and WebSocket.\n"
	    "# TYPE letterd_connections gauge\nletterd_connections %d\n"
	    "# HELP letterd_clients WebSocket clients.\n"
	    "# TYPE letterd_clients gauge\nletterd_clients %d\n"
	    "# HELP letterd_subscribers Clients subscribed to each letter.\n"
	    "# TYPE letterd_subscribers gauge\n", connections, clients);
	for (i = 0; i < 26; i++)
		metrics_add(out, cap, &len, "letterd_subscribers{letter=\"%c\"} %d\n",
		    'A' + i, subscribers[i]);
	metrics_counter(out, cap, &len, "connections_accepted_total",
	    "Connections accepted.", metrics.accepted);
	metrics_counter(out, cap, &len, "upgrades_total",
	    "Connections upgraded to WebSocket.", metrics.upgrades);
	metrics_counter(out, cap, &len, "refused_full_total",
	    "Upgrades refused with 503 because of -c.", metrics.refused_full);
	metrics_counter(out, cap, &len, "messages_sent_total",
	    "Value messages sent (ticks and subscribe replies).", metrics.messages);
	metrics_counter(out, cap, &len, "replies_sent_total",
	    "Other text messages sent (errors).", metrics.replies);
	metrics_counter(out, cap, &len, "bytes_sent_total",
	    "Bytes written to sockets.", metrics.bytes);
	metrics_counter(out, cap, &len, "conflated_total",
	    "Owed values replaced by a newer one before they were sent.",
	    metrics.conflated);
	metrics_add(out, cap, &len,
	    "# HELP letterd_protocol_errors_total WebSocket connections failed, by close code.\n"
	    "# TYPE letterd_protocol_errors_total counter\n");
	for (i = 0; i < 5; i++)
		metrics_add(out, cap, &len, "letterd_protocol_errors_total{code=\"%d\"} %llu\n",
		    metrics_codes[i], (unsigned long long)metrics.protocol_errors[i]);
	metrics_add(out, cap, &len,
	    "# HELP letterd_dropped_total Connections letterd ended itself, by reason.\n"
	    "# TYPE letterd_dropped_total counter\n");
	for (i = 0; i < DROP_REASONS; i++)
		metrics_add(out, cap, &len, "letterd_dropped_total{reason=\"%s\"} %llu\n",
		    metrics_drop_names[i], (unsigned long long)metrics.dropped[i]);
	metrics_add(out, cap, &len,
	    "# HELP letterd_tick_duration_seconds Time to redraw the values and write every subscriber's share.\n"
	    "# TYPE letterd_tick_duration_seconds histogram\n");
	for (i = 0; i < METRICS_TICK_BUCKETS; i++) {
		cum += metrics.tick_le[i];
		metrics_add(out, cap, &len,
		    "letterd_tick_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    (double)metrics_le_us[i] / 1e6, (unsigned long long)cum);
	}
	metrics_add(out, cap, &len,
	    "letterd_tick_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "letterd_tick_duration_seconds_sum %.6f\n"
	    "letterd_tick_duration_seconds_count %llu\n",
	    (unsigned long long)metrics.ticks, (double)metrics.tick_us_sum / 1e6,
	    (unsigned long long)metrics.ticks);
	return len >= cap ? 0 : len;
}
