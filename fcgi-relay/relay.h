/* One relayed request: from the web server's parameters and body to the
 * agent, and the agent's answer back. The request's state and the I/O
 * it is served through. */
#ifndef AG_RELAY_H
#define AG_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "errmap.h"
#include "plan.h"
#include "reqview.h"
#include "response.h"
#include "resphead.h"
#include "settings.h"
#include "stackpages.h"

/* How a request reaches the relay: CGI (stdin, stdout) or one FastCGI
 * request (fcgiconn.c), behind the same operations. */
struct relay_io {
	/* Request body: bytes read (> 0), 0 at its end, -1 on error. May
	 * return fewer than n bytes as soon as any are available. */
	long (*read)(void *ctx, char *buf, size_t n);
	void *rctx;
	/* Response: written and flushed, or -1 once the client is gone. */
	struct sink out;
	/* Optional (NULL under CGI): write without flushing, and flush.
	 * Held bytes leave with whatever follows them, so a small answer
	 * costs the web server one wake-up instead of three; the relay
	 * flushes before it waits for anything (answer_flush). */
	int (*hold)(void *ctx, const char *p, size_t n);
	int (*flush)(void *ctx);
	/* Polled for a hang-up while the agent is silent; -1: none. */
	int peer_fd;
	/* Whether a half-close of peer_fd (POLLRDHUP) after the request body
	 * means the client left. True for a FastCGI connection; false under
	 * CGI, where Apache mod_cgid shares one socket for stdin and stdout
	 * and half-closes it as soon as the request body is sent. */
	int half_close_is_gone;
	/* Plain CGI: AGENT_* entries of the request are the process
	 * environment, read once at start-up as the process's settings (per
	 * request parameters exist only under FastCGI), and an unused body
	 * is read whole before the answer (drain.h). */
	int cgi;
	/* Optional: called once, right before the write that may complete
	 * the answer for the client (lighttpd ends a Content-Length answer
	 * before FCGI_END_REQUEST), so the pool counts the place free before
	 * the client can ask again; else called after relay_serve. */
	void (*answered)(void *actx);
	void *actx;
};

/* Calls io->answered, if the I/O has one (relay_io.answered). */
static inline void relay_io_answered(const struct relay_io *io)
{
	if (io->answered != NULL)
		io->answered(io->actx);
}

/* How far a request got; each phase only moves forward. */
enum relay_phase {
	PHASE_PLAN,      /* nothing sent to the agent or the client */
	PHASE_WAIT_HEAD, /* the request is going to the agent */
	PHASE_STREAM     /* the Status line went out: never a second one */
};

/* Whether the request used a connection to the agent, and which. */
enum agent_use {
	AGENT_NONE,  /* none made: early answer, connect failed */
	AGENT_NEW,   /* connected for this request */
	AGENT_REUSED /* kept from an earlier request */
};

/* Per-request state. Lives in the worker (it is large) and is reset at
 * the start of every request; nothing in it outlives the request.
 * Allocated page-aligned and ordered so that what a quiet stream still
 * reads (the agent head's small fields, the fields below, the plan's
 * small fields up to p.agent) lies in one page, between buffers whose
 * whole pages relay_release_scratch gives back (RELAY_REQ_HOT_END). */
struct relay_req {
	/* The agent's head: its buffer fills the first pages, its small
	 * fields start the hot page. */
	struct resphead rh;
	const struct settings *s; /* the process's, or own with parameters */
	struct reqview rv;
	const struct relay_io *io;
	const char *detail; /* static text for the log, or detail_buf */
	enum relay_cause cause;
	struct xfer_flags xf;
	enum relay_phase phase;
	int no_body;                  /* HEAD, 204, 304: body dropped */
	int held;                     /* answer bytes held, not flushed */
	unsigned long long body_read; /* client body bytes taken */
	int body_eof;                 /* client body read to its end */
	int status;                   /* what the client got, for the log */
	unsigned long long bytes_out; /* response body bytes written */
	long long expect_out; /* the agent's Content-Length; -1: unknown */
	int answered;         /* io->answered was called */
	CURL *curl;           /* the agent handle while a transfer runs */
	long long start_ms;   /* restarts with a retry (response_timeout) */
	long long begin_ms;   /* never restarts: the access log's clock */
	long long head_ms;    /* the answer's head went to the client; 0: not */
	time_t begin_wall;    /* the access log's timestamp */
	enum agent_use agent;
	unsigned long long local_bytes; /* body of the relay's own answer */
	char new_id[REQUEST_ID_NEW_LEN + 1]; /* the id made for it */
	long long last_up_ms;   /* last client body byte handed to libcurl */
	long long last_down_ms; /* last agent byte */
	long long next_poll_ms;
	char errbuf[CURL_ERROR_SIZE];
	int scratch_released; /* relay_release_scratch done */
	/* Its small fields end the hot page; its buffers from p.agent on
	 * are the next pages (a worker keeps this for as long as it lives;
	 * only the pages a request writes are touched). */
	struct plan p;
	char head_out[RESP_HEAD_MAX + 1024];
	/* Written only for a failure's log line: untouched in a stream. */
	char detail_buf[SETTING_VALUE_MAX + 64];
};

/* Where the fields a quiet stream still uses end: the plan's Location
 * bases and buffers (from p.agent on) are read only until the head is
 * out, like the agent's head buffer before them. */
#define RELAY_REQ_HOT_END (offsetof(struct relay_req, p.agent))

/* What a worker keeps across requests: its request state and, made on
 * the first request that needs it, a settings overlay for requests that
 * carry AGENT_* parameters. */
struct relay_worker {
	/* The process settings for the request being served (the pool
	 * sets a generation per request: reload.h), shared, read-only. */
	const struct settings *base;
	struct relay_req *req;
	struct settings *own;
};

/* Outcome bits of relay_serve. */
#define RELAY_CUT       1 /* the answer was cut: abort the connection */
#define RELAY_UNDRAINED 2 /* request body left unread */

int relay_worker_init(struct relay_worker *w, const struct settings *base);
void relay_worker_free(struct relay_worker *w);

/* Serve one request described by envp. Never exits; returns RELAY_*
 * bits telling the caller how to end the connection. */
int relay_serve(struct relay_worker *w, char *const *envp,
                const struct relay_io *io);

/* Answer 503 with Retry-After (max_workers reached), unread body. */
int relay_busy(struct relay_worker *w, char *const *envp,
               const struct relay_io *io);

/* Monotonic milliseconds. */
static inline long long relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Gives the kernel back the whole pages of [a, b). */
static inline void relay_release_pages(void *a, void *b)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)a + page - 1) & ~(page - 1);
	uintptr_t hi = (uintptr_t)b & ~(page - 1);

	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Once the head is out, the plan's Location bases, URL, target and
 * header lines, the agent's head and the CGI head are not read again.
 * An event stream that stays quiet gives their pages back, so it costs
 * the memory of what it still uses (the next request writes them
 * afresh), and the worker's stack pages below its wait (stackpages.c). */
static inline void relay_release_scratch(struct relay_req *q)
{
	if (q->scratch_released || q->phase != PHASE_STREAM)
		return;
	q->scratch_released = 1;
	relay_release_pages(q->rh.buf, q->rh.buf + sizeof(q->rh.buf));
	relay_release_pages((char *)q + RELAY_REQ_HOT_END,
	                    q->head_out + sizeof(q->head_out));
	stack_pages_release();
}

/* --check for the relay (selfcheck.c). */
int relay_check(const struct settings *s, FILE *f);

#endif
