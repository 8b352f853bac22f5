/* libcurl callbacks of a relayed request: head, body, upload, clock. */
#include "config.h"

#include "relay.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* Hands response bytes to the client. Where the I/O can hold them they
 * wait for what follows in the same pass of libcurl: the head for its
 * body, the last piece for the end of the request. libcurl calls
 * relay_xferinfo_cb after every pass that did not finish the transfer,
 * and that flushes, so nothing held ever waits for the agent. */
static int client_put(struct relay_req *q, const char *p, size_t n)
{
	const struct relay_io *io = q->io;

	if (io->hold == NULL)
		return io->out.write(io->out.ctx, p, n);
	q->held = 1;
	return io->hold(io->out.ctx, p, n);
}

int relay_flush_held(struct relay_req *q)
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

static int head_field(void *ctx, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
	struct head_ctx *c = ctx;
	char url[LOCATION_LINE_MAX];
	size_t ulen;
	int rw;

	if (is_location(name, nlen)) {
		rw = rewrite_location(&c->q->agent, &c->q->cb, value, vlen, url,
		                      sizeof(url), &ulen);
		if (rw < 0)
			return -1;
		if (rw > 0)
			return head_put(&c->hb, name, nlen, url, ulen);
	}
	return head_put(&c->hb, name, nlen, value, vlen);
}

int relay_write_head(struct relay_req *q)
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
	q->headers_sent = 1;
	q->last_down_ms = relay_now_ms();
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

size_t relay_header_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct relay_req *q = ud;
	size_t len = size * n;

	(void)size;
	switch (resphead_line(&q->rh, buf, len)) {
	case RH_ERROR:
		q->xf.head_error = 1;
		q->detail = q->rh.error;
		return 0;
	case RH_DONE:
		if (q->headers_sent)
			return len; /* trailers: CGI cannot carry them */
		q->no_body = resphead_no_body(q->rh.status, q->head_request);
		return relay_write_head(q) < 0 ? 0 : len;
	case RH_INTERIM:
	case RH_MORE:
		break;
	}
	return len;
}

size_t relay_write_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct relay_req *q = ud;
	size_t len = size * n;

	if (!q->headers_sent) {
		q->xf.head_error = 1;
		q->detail = "body before a complete head";
		return 0;
	}
	q->last_down_ms = relay_now_ms();
	if (q->no_body)
		return len; /* RFC 9112 §6.3: none after HEAD, 204, 304 */
	if (client_put(q, buf, len) < 0) {
		q->xf.client_gone = 1;
		return 0; /* CURLE_WRITE_ERROR: stop the agent at once */
	}
	q->bytes_out += len;
	return len;
}

size_t relay_read_cb(char *buf, size_t size, size_t n, void *ud)
{
	struct relay_req *q = ud;
	size_t want = size * n;
	long got;
	long long limit = settings_num(&q->s, SET_MAX_BODY_SIZE);

	if (q->has_length) {
		unsigned long long left = q->length - q->body_read;

		if (left == 0) {
			q->body_eof = 1;
			return 0;
		}
		if (want > left)
			want = (size_t)left;
	}
	got = q->io->read(q->io->rctx, buf, want);
	if (got < 0 || (got == 0 && q->has_length)) {
		/* RFC 9112 §8: an incomplete request is never completed */
		q->xf.body_short = 1;
		return CURL_READFUNC_ABORT;
	}
	if (got == 0) {
		q->body_eof = 1;
		return 0;
	}
	q->body_read += (unsigned long long)got;
	if (q->has_length && q->body_read == q->length)
		q->body_eof = 1;
	if (limit > 0 && !q->has_length &&
	    q->body_read > (unsigned long long)limit) {
		q->xf.body_too_large = 1;
		return CURL_READFUNC_ABORT;
	}
	q->last_up_ms = relay_now_ms();
	return (size_t)got;
}

/* libcurl rewinds the body to resend it on a fresh connection. That is
 * only possible before the first byte was taken from the client, and is
 * refused for non-idempotent methods (RFC 9110 §9.2.2). */
int relay_seek_cb(void *ud, curl_off_t offset, int origin)
{
	struct relay_req *q = ud;

	if (offset == 0 && origin == SEEK_SET && q->body_read == 0 &&
	    q->idempotent)
		return CURL_SEEKFUNC_OK;
	return CURL_SEEKFUNC_CANTSEEK;
}

/* A web server that closed the FastCGI connection (client gone) shows as
 * a hang-up; a write error would appear only at the next body piece. A
 * half-close counts only once the body was read (before that it is the
 * end of the request stream), and never under CGI (see relay_io). */
static int peer_gone(const struct relay_req *q)
{
	struct pollfd p = {q->io->peer_fd, POLLRDHUP, 0};

	if (p.fd < 0 || poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return 1;
	return (p.revents & POLLRDHUP) && q->io->half_close_is_gone &&
	       (!q->expect_body || q->body_eof);
}

/* Whether the agent's answer is all here, so libcurl ends the transfer
 * without waiting again and what is held can leave with the end of the
 * request (one write: lighttpd closes the connection once it has the
 * whole Content-Length, before a separate FCGI_END_REQUEST). */
static int answer_complete(const struct relay_req *q, curl_off_t dltotal,
                           curl_off_t dlnow)
{
	if (!q->headers_sent)
		return 0;
	return q->no_body || (dltotal > 0 && dlnow >= dltotal);
}

int relay_xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                      curl_off_t ultotal, curl_off_t ulnow)
{
	struct relay_req *q = ud;
	long long now = relay_now_ms();

	(void)ultotal, (void)ulnow;
	if (!answer_complete(q, dltotal, dlnow) && relay_flush_held(q) < 0) {
		q->xf.client_gone = 1;
		q->detail = "web server closed the connection";
		return 1;
	}
	if (!q->headers_sent) {
		long long since =
		    q->last_up_ms > q->start_ms ? q->last_up_ms : q->start_ms;

		if (now - since > settings_num(&q->s, SET_RESPONSE_TIMEOUT)) {
			q->xf.timed_out = 1;
			q->detail = "no response head within response_timeout";
			return 1;
		}
	} else if (now - q->last_down_ms >
	           settings_num(&q->s, SET_IDLE_TIMEOUT)) {
		q->xf.timed_out = 1;
		q->detail = "agent silent for longer than idle_timeout";
		return 1;
	}
	if (now >= q->next_poll_ms) {
		q->next_poll_ms = now + HUP_POLL_MS;
		if (peer_gone(q)) {
			q->xf.client_gone = 1;
			q->detail = "web server closed the connection";
			return 1;
		}
	}
	return 0;
}
