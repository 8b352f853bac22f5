/* The answer to the client: CGI head, body pieces, held output, errors. */
#include "config.h"

#include "answer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rewrite.h"
#include "stats.h"

/* Appends one "Name: value\r\n" to the outgoing head; every line stays
 * below Apache's CGI line buffer (LOCATION_LINE_MAX). */
struct head_buf {
	char *p;
	size_t len, cap;
};

static int head_put(struct head_buf *h, const char *name, size_t nlen,
                    const char *value, size_t vlen)
{
	size_t need = nlen + 2 + vlen + 2;

	if (need > LOCATION_LINE_MAX || need > h->cap - h->len)
		return -1;
	memcpy(h->p + h->len, name, nlen);
	memcpy(h->p + h->len + nlen, ": ", 2);
	memcpy(h->p + h->len + nlen + 2, value, vlen);
	memcpy(h->p + h->len + nlen + 2 + vlen, "\r\n", 2);
	h->len += need;
	return 0;
}

/* Hands answer bytes to the client. Where the I/O can hold them they
 * wait for what follows in the same pass of libcurl: the head for its
 * body, the last piece for the end of the request. The transfer flushes
 * after every pass that did not finish it, so nothing held ever waits
 * for the agent. */
static int client_put(struct relay_req *q, const char *p, size_t n)
{
	const struct relay_io *io = q->io;

	if (io->hold == NULL)
		return io->out.write(io->out.ctx, p, n);
	q->held = 1;
	return io->hold(io->out.ctx, p, n);
}

/* The answer is about to be whole for the client: tell the I/O once,
 * before the write, since the client may ask again the moment it has it. */
static void answered(struct relay_req *q)
{
	if (q->answered)
		return;
	q->answered = 1;
	relay_io_answered(q->io);
}

/* Whether n more body bytes complete a body of known length. */
static int body_completes(const struct relay_req *q, size_t n)
{
	return q->expect_out >= 0 &&
	       q->bytes_out + n >= (unsigned long long)q->expect_out;
}

int answer_whole(const struct relay_req *q)
{
	return q->phase == PHASE_STREAM && (q->no_body || body_completes(q, 0));
}

int answer_flush(struct relay_req *q)
{
	if (!q->held)
		return 0;
	q->held = 0;
	return q->io->flush(q->io->out.ctx);
}

struct head_ctx {
	struct relay_req *q;
	struct head_buf hb;
};

static int is_location(const char *name, size_t nlen)
{
	return (nlen == 8 && strncasecmp(name, "Location", 8) == 0) ||
	       (nlen == 16 && strncasecmp(name, "Content-Location", 16) == 0);
}

/* A Location that points at the agent is rewritten straight into the
 * head, after "Name: ", within the line and head bounds of head_put (no
 * line-sized buffer on the stack, which every worker thread would keep
 * touched for as long as it lives). */
static int head_location(struct head_ctx *c, const char *name, size_t nlen,
                         const char *value, size_t vlen)
{
	struct head_buf *h = &c->hb;
	size_t room = h->cap - h->len, ulen;
	char *dst = h->p + h->len + nlen + 2;
	int rw;

	if (room < nlen + 4 || LOCATION_LINE_MAX < nlen + 4)
		return -1;
	room -= nlen + 4;
	if (room > LOCATION_LINE_MAX - nlen - 4)
		room = LOCATION_LINE_MAX - nlen - 4;
	/* +1: rewrite_location ends dst with a NUL, where CR LF goes */
	rw = rewrite_location(&c->q->p.agent, &c->q->p.cb, value, vlen, dst,
	                      room + 1, &ulen);
	if (rw <= 0)
		return rw < 0 ? -1 : head_put(h, name, nlen, value, vlen);
	memcpy(h->p + h->len, name, nlen);
	memcpy(h->p + h->len + nlen, ": ", 2);
	memcpy(dst + ulen, "\r\n", 2);
	h->len += nlen + 2 + ulen + 2;
	return 0;
}

static int head_field(void *ctx, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
	struct head_ctx *c = ctx;

	if (is_location(name, nlen))
		return head_location(c, name, nlen, value, vlen);
	return head_put(&c->hb, name, nlen, value, vlen);
}

int answer_head(struct relay_req *q)
{
	struct head_ctx c = {q, {q->head_out, 0, sizeof(q->head_out)}};
	const char *reason = q->rh.reason[0] != '\0'
	                         ? q->rh.reason
	                         : status_reason(q->rh.status);
	int n;

	/* RFC 3875 §6.3.3: always an explicit Status. */
	n = snprintf(c.hb.p, c.hb.cap,
	             reason[0] != '\0' ? "Status: %d %s\r\n"
	                               : "Status: %d%s\r\n",
	             q->rh.status, reason);
	if (n < 0 || (size_t)n >= c.hb.cap)
		goto bad;
	c.hb.len = (size_t)n;
	if (resphead_each(&q->rh, head_field, &c) != 0 ||
	    c.hb.cap - c.hb.len < 2)
		goto bad;
	memcpy(c.hb.p + c.hb.len, "\r\n", 2);
	c.hb.len += 2;
	q->status = q->rh.status;
	q->phase = PHASE_STREAM;
	stats_stream_begin(); /* ends in relay.c finish */
	q->no_body = resphead_no_body(q->rh.status, q->p.head_request);
	q->last_down_ms = relay_now_ms();
	q->head_ms = q->last_down_ms; /* the access log's first byte */
	if (q->no_body || q->expect_out == 0)
		answered(q);
	if (client_put(q, c.hb.p, c.hb.len) < 0) {
		q->xf.client_gone = 1;
		return -1;
	}
	return 0;
bad:
	q->xf.head_error = 1;
	q->detail = "response head does not fit a CGI head";
	return -1;
}

int answer_body(struct relay_req *q, const char *p, size_t n)
{
	if (q->no_body)
		return 0; /* RFC 9112 §6.3: none after HEAD, 204, 304 */
	if (body_completes(q, n))
		answered(q);
	if (client_put(q, p, n) < 0) {
		q->xf.client_gone = 1;
		return -1;
	}
	q->bytes_out += n;
	return 0;
}

int answer_error(struct relay_req *q, int status, const char *message)
{
	int n;

	if (q->head_ms == 0)
		q->head_ms = relay_now_ms();
	answered(q);
	n = response_error(&q->io->out, status, message, q->p.head_request);
	if (n < 0)
		return -1;
	q->status = status;
	return n;
}

int answer_busy(const struct relay_io *io)
{
	static const char body[] =
	    "503 Service Unavailable: all workers busy\n";

	/* RFC 9110 §15.6.4, §10.2.3: tell the client when to come back
	 * rather than queueing it without bound. */
	relay_io_answered(io);
	return response_whole(&io->out, 503, "text/plain; charset=utf-8",
	                      BUSY_RETRY_AFTER_S, body, sizeof(body) - 1, 0);
}
