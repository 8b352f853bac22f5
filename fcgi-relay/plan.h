/* The request plan: from the web server's description of a request and
 * the settings, what goes to the agent (method, URL, header fields,
 * body framing). Pure: no I/O, no libcurl, table-tested. */
#ifndef AG_PLAN_H
#define AG_PLAN_H

#include "ag_limits.h"
#include "errmap.h"
#include "headers.h"
#include "reqview.h"
#include "rewrite.h"
#include "settings.h"
#include "target.h"
#include "url.h"
#include "via.h"

struct plan {
	char method[METHOD_MAX + 1];
	int head_request;             /* HEAD: no body comes back */
	int idempotent;               /* RFC 9110 §9.2.2: may be sent again */
	int expect_body;              /* a body is streamed to the agent */
	int has_length;               /* CONTENT_LENGTH given */
	unsigned long long length;    /* its value */
	const char *detail;           /* static text for the log, on failure */
	char via[VIA_PSEUDONYM_SIZE]; /* this relay's Via received-by */
	/* The request's id: the client's X-Request-Id when well-formed,
	 * else the one the relay made; sent to the agent, logged. */
	char request_id[REQUEST_ID_MAX + 1];
	int request_id_kept; /* the client's */
	struct base_url agent;
	struct client_base cb; /* where the client reached us: Location */
	/* The large buffers last, each filled from its start: a request
	 * touches the pages it writes, not the buffers' sizes. */
	char url[TARGET_MAX + 512]; /* agent origin + target */
	struct target t;
	struct hdr_list hl;
};

/* Clears what a failed plan must not carry over from the last one. */
void plan_reset(struct plan *p);

/* Whether v (n bytes) may be kept as a request id: 1 to REQUEST_ID_MAX
 * bytes of [A-Za-z0-9._:+/=-]. */
int request_id_ok(const char *v, size_t n);

/* Sets p->request_id: the client's HTTP_X_REQUEST_ID when request_id_ok,
 * else new_id (the caller's fresh one, at most REQUEST_ID_MAX bytes). */
void plan_request_id(struct plan *p, const struct reqview *rv,
                     const char *new_id);

/* Fills p for the request rv under settings s, with new_id as the
 * request's id unless the client sent a usable one (plan_request_id; set
 * first, so an early answer has it too). CAUSE_OK, or the first reason
 * the request cannot be relayed with p->detail naming it; CAUSE_LOOP
 * when the request already came through this relay (its Via lists
 * p->via). */
enum relay_cause plan_build(struct plan *p, const struct reqview *rv,
                            const struct settings *s, const char *new_id);

#endif
