/* The relay's process-wide counters and its status page in plain text,
 * JSON and the Prometheus text format. */
#include "config.h"

#include "stats.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- counting ---- */

/* Relaxed atomics: each counter is exact on its own; a page read while
 * requests run may show one counter a request ahead of another. */
static struct stats_snap g;
static long long g_start_mono;

#define COUNT(field, n) __atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)
#define READ(field)     __atomic_load_n(&(field), __ATOMIC_RELAXED)

static long long mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

void stats_start(void)
{
	g.start_time = (unsigned long long)time(NULL);
	g_start_mono = mono_s();
}

void stats_accepted(void)
{
	COUNT(g.accepted, 1);
}

void stats_local(void)
{
	COUNT(g.local, 1);
}

void stats_cap_hit(void)
{
	COUNT(g.cap_hits, 1);
	COUNT(g.by_class[5], 1);
	COUNT(g.by_cause[CAUSE_BUSY], 1);
}

void stats_stream_begin(void)
{
	COUNT(g.streams, 1);
}

void stats_finish(int status, enum relay_cause cause, int streamed,
                  unsigned long long up, unsigned long long down)
{
	int cls = status >= 100 && status <= 599 ? status / 100 : 0;

	COUNT(g.by_class[cls], 1);
	if ((unsigned)cause < STATS_CAUSES)
		COUNT(g.by_cause[cause], 1);
	if (streamed)
		COUNT(g.streams, -1ULL); /* wraps back: unsigned */
	COUNT(g.bytes_up, up);
	COUNT(g.bytes_down, down);
}

void stats_agent_socket(int delta)
{
	COUNT(g.agent_open, (unsigned long long)(long long)delta);
	if (delta > 0)
		COUNT(g.agent_connects, 1);
}

void stats_read(struct stats_snap *snap)
{
	size_t i;

	memset(snap, 0, sizeof(*snap));
	snap->start_time = g.start_time;
	snap->uptime = (unsigned long long)(mono_s() - g_start_mono);
	snap->accepted = READ(g.accepted);
	snap->local = READ(g.local);
	snap->cap_hits = READ(g.cap_hits);
	snap->streams = READ(g.streams);
	snap->agent_open = READ(g.agent_open);
	snap->agent_connects = READ(g.agent_connects);
	snap->bytes_up = READ(g.bytes_up);
	snap->bytes_down = READ(g.bytes_down);
	for (i = 0; i < 6; i++)
		snap->by_class[i] = READ(g.by_class[i]);
	for (i = 0; i < STATS_CAUSES; i++)
		snap->by_cause[i] = READ(g.by_cause[i]);
}

/* ---- the page ---- */

static const char *const cause_names[STATS_CAUSES] = {
    [CAUSE_OK] = "ok",
    [CAUSE_BAD_REQUEST] = "bad_request",
    [CAUSE_METHOD] = "method",
    [CAUSE_BODY_TOO_LARGE] = "body_too_large",
    [CAUSE_URI_TOO_LONG] = "uri_too_long",
    [CAUSE_HEADERS_TOO_LARGE] = "headers_too_large",
    [CAUSE_CONFIG] = "config",
    [CAUSE_UNREACHABLE] = "unreachable",
    [CAUSE_BAD_RESPONSE] = "bad_response",
    [CAUSE_BUSY] = "busy",
    [CAUSE_TIMEOUT] = "timeout",
    [CAUSE_LOOP] = "loop",
    [CAUSE_CLIENT_BODY] = "client_body",
    [CAUSE_CLIENT_GONE] = "client_gone",
};

static const char *const class_names[6] = {"none", "1xx", "2xx",
                                           "3xx",  "4xx", "5xx"};

const char *stats_cause_name(enum relay_cause c)
{
	return (unsigned)c < STATS_CAUSES ? cause_names[c] : "other";
}

/* The single numbers, in page order. name: JSON key and, after
 * "fcgi_relay_", the Prometheus metric; a counter's ends in _total. */
struct item {
	const char *label; /* plain text */
	const char *name;
	int counter;
	size_t off;
	const char *help;
	int listen; /* shown only when the listen queue could be read */
};

#define ITEM(label, name, counter, field, help)                                \
	{                                                                      \
		label, name, counter, offsetof(struct stats_snap, field),      \
		    help, 0                                                    \
	}
#define LISTEN_ITEM(label, name, field, help)                                  \
	{                                                                      \
		label, name, 0, offsetof(struct stats_snap, field), help, 1    \
	}

static const struct item items[] = {
    ITEM("start time", "start_time_seconds", 0, start_time,
         "Start of the process, Unix time."),
    ITEM("uptime", "uptime_seconds", 0, uptime, "Seconds since the start."),
    ITEM("accepted requests", "requests_total", 1, accepted,
         "Requests taken from the web server, every kind."),
    ITEM("local answers", "local_answers_total", 1, local,
         "Status, ping and ready requests answered by the relay itself."),
    ITEM("requests in flight", "requests_in_flight", 0, in_flight,
         "Requests being served, this one included."),
    ITEM("workers", "workers", 0, workers, "Worker threads alive."),
    ITEM("idle workers", "workers_idle", 0, idle,
         "Worker threads waiting for a request."),
    ITEM("max workers", "max_workers", 0, cap,
         "Most requests served at once (max_workers, set or derived)."),
    ITEM("max workers reached", "max_workers_reached_total", 1, cap_hits,
         "Requests answered 503 because max_workers were busy."),
    LISTEN_ITEM("listen queue", "listen_queue", listen_queue,
                "Connections waiting in the listen socket's queue to be "
                "accepted."),
    LISTEN_ITEM("listen backlog", "listen_backlog", listen_backlog,
                "Most connections the listen queue holds (the kernel's "
                "limit for it)."),
    ITEM("streaming answers", "streams", 0, streams,
         "Answers whose head went out and whose body still streams."),
    ITEM("agent connections", "agent_connections", 0, agent_open,
         "Connections to the agent open, in use or idle."),
    ITEM("idle agent connections", "agent_connections_idle", 0, agent_idle,
         "Connections to the agent kept for reuse."),
    ITEM("agent connections made", "agent_connections_opened_total", 1,
         agent_connects,
         "Connections to the agent opened since the start (fewer than "
         "relayed requests: the rest reused one)."),
    ITEM("request body bytes", "request_body_bytes_total", 1, bytes_up,
         "Request body bytes passed to the agent (finished requests)."),
    ITEM("answer body bytes", "answer_body_bytes_total", 1, bytes_down,
         "Answer body bytes passed to clients (finished requests)."),
};

#define NITEMS (sizeof(items) / sizeof(items[0]))

static int item_shown(const struct stats_snap *s, const struct item *it)
{
	return !it->listen || s->listen_known;
}

static unsigned long long item_value(const struct stats_snap *s,
                                     const struct item *it)
{
	unsigned long long v;

	memcpy(&v, (const char *)s + it->off, sizeof(v));
	return v;
}

/* A bounded writer: once something did not fit, the page is refused
 * whole rather than cut. */
struct out {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->full = 1;
	else
		o->len += (size_t)n;
}

static void render_text(const struct stats_snap *s, struct out *o)
{
	size_t i;

	for (i = 0; i < NITEMS; i++)
		if (item_shown(s, &items[i]))
			put(o, "%-24s %llu\n", items[i].label,
			    item_value(s, &items[i]));
	for (i = 0; i < 6; i++)
		put(o, "answers %-16s %llu\n", class_names[i], s->by_class[i]);
	for (i = 0; i < STATS_CAUSES; i++)
		put(o, "cause %-18s %llu\n", cause_names[i], s->by_cause[i]);
}

/* Keys and names are ours (no escaping needed), values numbers. */
static void render_json(const struct stats_snap *s, struct out *o)
{
	size_t i;

	put(o, "{");
	for (i = 0; i < NITEMS; i++)
		if (item_shown(s, &items[i]))
			put(o, "\"%s\": %llu, ", items[i].name,
			    item_value(s, &items[i]));
	put(o, "\"answers\": {");
	for (i = 0; i < 6; i++)
		put(o, "%s\"%s\": %llu", i ? ", " : "", class_names[i],
		    s->by_class[i]);
	put(o, "}, \"causes\": {");
	for (i = 0; i < STATS_CAUSES; i++)
		put(o, "%s\"%s\": %llu", i ? ", " : "", cause_names[i],
		    s->by_cause[i]);
	put(o, "}}\n");
}

static void prom_family(struct out *o, const char *name, int counter,
                        const char *help)
{
	put(o, "# HELP fcgi_relay_%s %s\n# TYPE fcgi_relay_%s %s\n", name, help,
	    name, counter ? "counter" : "gauge");
}

/* Prometheus text exposition format 0.0.4. */
static void render_prometheus(const struct stats_snap *s, struct out *o)
{
	size_t i;

	for (i = 0; i < NITEMS; i++) {
		if (!item_shown(s, &items[i]))
			continue;
		prom_family(o, items[i].name, items[i].counter, items[i].help);
		put(o, "fcgi_relay_%s %llu\n", items[i].name,
		    item_value(s, &items[i]));
	}
	prom_family(o, "answers_total", 1,
	            "Relayed requests by the status class the client got "
	            "(none: cut before a status).");
	for (i = 0; i < 6; i++)
		put(o, "fcgi_relay_answers_total{class=\"%s\"} %llu\n",
		    class_names[i], s->by_class[i]);
	prom_family(o, "outcomes_total", 1,
	            "Relayed requests by how they ended.");
	for (i = 0; i < STATS_CAUSES; i++)
		put(o, "fcgi_relay_outcomes_total{cause=\"%s\"} %llu\n",
		    cause_names[i], s->by_cause[i]);
}

long stats_render(const struct stats_snap *snap, enum stats_format f, char *buf,
                  size_t cap)
{
	struct out o = {buf, 0, cap, cap == 0};

	switch (f) {
	case STATS_JSON:
		render_json(snap, &o);
		break;
	case STATS_PROMETHEUS:
		render_prometheus(snap, &o);
		break;
	case STATS_TEXT:
		render_text(snap, &o);
		break;
	}
	return o.full ? -1 : (long)o.len;
}

static int has_word(const char *q, size_t len, const char *w)
{
	size_t wl = strlen(w), i = 0;

	while (i < len) {
		const char *amp = memchr(q + i, '&', len - i);
		size_t end = amp != NULL ? (size_t)(amp - q) : len;

		if (end - i == wl && memcmp(q + i, w, wl) == 0)
			return 1;
		i = end + 1;
	}
	return 0;
}

enum stats_format stats_format_of(const char *query, size_t len)
{
	if (query == NULL)
		return STATS_TEXT;
	if (has_word(query, len, "json"))
		return STATS_JSON;
	if (has_word(query, len, "prometheus") ||
	    has_word(query, len, "openmetrics"))
		return STATS_PROMETHEUS;
	return STATS_TEXT;
}

const char *stats_content_type(enum stats_format f)
{
	switch (f) {
	case STATS_JSON:
		return "application/json";
	case STATS_PROMETHEUS:
		return "text/plain; version=0.0.4; charset=utf-8";
	case STATS_TEXT:
		break;
	}
	return "text/plain; charset=utf-8";
}
