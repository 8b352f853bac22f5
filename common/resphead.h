/* The agent's response head: parsed line by line, checked, filtered. */
#ifndef AG_RESPHEAD_H
#define AG_RESPHEAD_H

#include <stddef.h>

#include "ag_limits.h"

/* What one line did to the head. */
enum rh_result {
	RH_ERROR = -1, /* malformed or too large: h->error says why */
	RH_MORE = 0,   /* keep feeding lines */
	RH_INTERIM,    /* a 1xx head ended; a new one starts */
	RH_DONE        /* the final head is complete and checked */
};

/* One agent head. The struct owns no memory; fields are kept as
 * "Name: value" strings (value trimmed), NUL-separated, in arrival order,
 * so repeated fields (Set-Cookie) stay as they came. */
struct resphead {
	/* First, so the small fields after it can share a page with what
	 * follows the struct (fcgi-relay's request state gives the buffer's
	 * pages back once the head is out); only the pages written are
	 * touched. */
	char buf[RESP_HEAD_MAX];
	int status;      /* 0 until a status line was seen */
	char reason[64]; /* the agent's, if plain text, else "" */
	size_t len;
	size_t count;
	size_t total; /* bytes of this head so far */
	int done;
	const char *error;
};

void resphead_init(struct resphead *h);

/* Feed one line as libcurl's header callback hands it over (with its
 * line end). The first line of each head must be a status line; a blank
 * line ends the head. A 1xx head is discarded (RH_INTERIM) except 101,
 * which is an error: CGI cannot switch protocols. Lines after RH_DONE
 * (trailers) are ignored and return RH_DONE. */
enum rh_result resphead_line(struct resphead *h, const char *line, size_t len);

/* Whether a field of the final head may go to the web server: not
 * hop-by-hop, not Transfer-Encoding, not listed in the head's Connection
 * field, and not one that steers the web server (the list in resphead.c:
 * Status, X-Accel-*, X-Sendfile*, X-LIGHTTPD-* in any case, Location on
 * a 200, a "proxy:" handler in Content-Type). */
int resphead_field_allowed(const struct resphead *h, const char *name,
                           size_t nlen, const char *value, size_t vlen);

/* Calls fn for each allowed field in order; stops at the first non-zero
 * return and returns it. */
int resphead_each(const struct resphead *h,
                  int (*fn)(void *ctx, const char *name, size_t nlen,
                            const char *value, size_t vlen),
                  void *ctx);

/* Whether a response with this status to this method has no body
 * (RFC 9112 §6.3: HEAD, 1xx, 204, 304). */
int resphead_no_body(int status, int head_request);

#endif
