/* The relay's process-wide counters and its status page in plain text,
 * JSON and the Prometheus text format. */
#ifndef AG_STATS_H
#define AG_STATS_H

#include <stddef.h>

#include "errmap.h"

#define STATS_CAUSES (CAUSE_CLIENT_GONE + 1)

/* What the status page shows, read at one moment. Every field is a
 * plain number, so the renderers are pure and table-tested. */
struct stats_snap {
	unsigned long long start_time; /* Unix seconds */
	unsigned long long uptime;     /* seconds */
	unsigned long long accepted;   /* requests taken, every kind */
	unsigned long long local;      /* status, ping, ready answered here */
	unsigned long long in_flight;  /* requests being served, this one too */
	unsigned long long workers;
	unsigned long long idle;
	unsigned long long cap;      /* max_workers, set or derived */
	unsigned long long cap_hits; /* 503 because of the cap */
	/* The listen socket's queue, when the kernel tells it (listen.h) */
	unsigned long long listen_known;
	unsigned long long listen_queue;
	unsigned long long listen_backlog;
	unsigned long long streams; /* answers past their head, streaming */
	unsigned long long agent_open;
	unsigned long long agent_idle;
	unsigned long long agent_connects; /* sockets opened since the start */
	unsigned long long bytes_up;       /* request body bytes to the agent */
	unsigned long long bytes_down;     /* answer body bytes to the client */
	/* Relayed requests by the status the client got: [1]..[5] for
	 * 1xx..5xx; [0] for none (cut before a status went out). */
	unsigned long long by_class[6];
	unsigned long long by_cause[STATS_CAUSES];
};

enum stats_format { STATS_TEXT, STATS_JSON, STATS_PROMETHEUS };

/* ---- counting: relaxed atomics, callable from any worker ---- */

/* Remembers when the process started (call once, before serving). */
void stats_start(void);
void stats_accepted(void);
void stats_local(void);
/* A 503 because max_workers was reached: counted as its answer too. */
void stats_cap_hit(void);
/* The request's head went out: it streams until stats_finish. */
void stats_stream_begin(void);
/* One relayed request ended: status the client got (0: none), cause,
 * whether it was streaming, and its body bytes each way. */
void stats_finish(int status, enum relay_cause cause, int streamed,
                  unsigned long long up, unsigned long long down);
/* An agent socket opened (+1) or closed (-1). */
void stats_agent_socket(int delta);

/* Fills the counted fields of snap; the caller adds the pool's gauges
 * (in_flight, workers, idle, cap, agent_idle). */
void stats_read(struct stats_snap *snap);

/* ---- the page: pure ---- */

/* The format a query string (len bytes, without '?') asks for: "json",
 * "prometheus" or "openmetrics" among its &-separated words, else text. */
enum stats_format stats_format_of(const char *query, size_t len);

/* Content-Type of a format. */
const char *stats_content_type(enum stats_format f);

/* Machine name of a cause ("unreachable"), as the page shows it. */
const char *stats_cause_name(enum relay_cause c);

/* Writes the page for snap into buf (NUL-terminated). Returns its
 * length, or -1 when it does not fit in cap bytes. */
long stats_render(const struct stats_snap *snap, enum stats_format f, char *buf,
                  size_t cap);

#endif
