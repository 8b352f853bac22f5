/* One relayed request: from the web server's parameters and body to the
 * agent with libcurl, and the agent's answer back. */
#ifndef AG_RELAY_H
#define AG_RELAY_H

#include <stddef.h>
#include <stdio.h>

#include <curl/curl.h>

#include "errmap.h"
#include "headers.h"
#include "reqview.h"
#include "response.h"
#include "resphead.h"
#include "rewrite.h"
#include "settings.h"
#include "target.h"
#include "url.h"

/* How a request reaches the relay: CGI (stdin, stdout) or one FastCGI
 * request (FCGX streams), behind the same three operations. */
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
	 * flushes before it waits for anything (relay_flush_held). */
	int (*hold)(void *ctx, const char *p, size_t n);
	int (*flush)(void *ctx);
	/* Polled for a hang-up while the agent is silent; -1: none. */
	int peer_fd;
	/* Whether a half-close of peer_fd (POLLRDHUP) after the request body
	 * means the client left. True for a FastCGI connection; false under
	 * CGI, where Apache mod_cgid shares one socket for stdin and stdout
	 * and half-closes it as soon as the request body is sent. */
	int half_close_is_gone;
	/* Plain CGI: an unused body is read whole before exit (drain.h). */
	int cgi;
};

/* Per-request state. Lives in the worker (it is large) and is reset at
 * the start of every request; nothing in it outlives the request. */
struct relay_req {
	struct settings s; /* process settings + AGENT_* parameters */
	struct reqview rv;
	const struct relay_io *io;
	struct base_url agent;
	struct client_base cb;
	struct target t;
	struct hdr_list hl;
	struct resphead rh;
	char head_out[RESP_HEAD_MAX + 1024];
	char method[METHOD_MAX + 1];
	char errbuf[CURL_ERROR_SIZE];
	const char *detail; /* static text for the log */
	enum relay_cause cause;
	struct xfer_flags xf;
	int head_request;
	int no_body; /* HEAD, 204, 304: body dropped */
	int idempotent;
	int headers_sent;             /* Status went out: never a second one */
	int held;                     /* response bytes held, not yet flushed */
	int has_length;               /* CONTENT_LENGTH given */
	unsigned long long length;    /* its value */
	unsigned long long body_read; /* client body bytes taken */
	int expect_body;              /* a body is streamed to the agent */
	int body_eof;                 /* client body read to its end */
	int status;                   /* what the client got, for the log */
	unsigned long long bytes_out; /* response body bytes written */
	long long start_ms;
	long long last_up_ms;   /* last client body byte handed to libcurl */
	long long last_down_ms; /* last agent byte */
	long long next_poll_ms;
};

/* What a worker keeps across requests: its easy handle (and with it the
 * agent connections it keeps alive) and its request state. */
struct relay_worker {
	CURL *curl;
	const struct settings *base; /* process settings, shared, read-only */
	struct relay_req *req;
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

/* Answer 503 with Retry-After (all workers busy) and drain the body. */
int relay_busy(char *const *envp, const struct relay_io *io);

/* Monotonic milliseconds. */
long long relay_now_ms(void);

/* libcurl callbacks (curlcb.c); userdata is the struct relay_req. */
size_t relay_header_cb(char *buf, size_t size, size_t n, void *ud);
size_t relay_write_cb(char *buf, size_t size, size_t n, void *ud);
size_t relay_read_cb(char *buf, size_t size, size_t n, void *ud);
int relay_seek_cb(void *ud, curl_off_t offset, int origin);
int relay_xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                      curl_off_t ultotal, curl_off_t ulnow);

/* Sends what io->hold kept; 0, or -1 once the client is gone. */
int relay_flush_held(struct relay_req *q);

/* Writes the checked head (Status and filtered, rewritten fields) to the
 * client; 0, or -1 with the cause flagged. In curlcb.c. */
int relay_write_head(struct relay_req *q);

/* --check for the relay (selfcheck.c). */
int relay_check(const struct settings *s, FILE *f);

#endif
