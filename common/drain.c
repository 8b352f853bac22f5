/* How much of an unused request body to read and drop before answering. */
#include "config.h"

#include "drain.h"

#include <string.h>
#include <time.h>

#include "ag_limits.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct drain_limits drain_limits(enum drain_mode m)
{
	struct drain_limits l;

	/* Under CGI an answer given with the body unread is lost by Apache
	 * mod_cgid, and the process ends anyway: read it all. A FastCGI
	 * worker serves others: a slow uploader must not pin it, and the
	 * FastCGI servers cope with a close after the answer. */
	if (m == DRAIN_CGI) {
		l.max_bytes = CGI_DRAIN_MAX;
		l.max_ms = CGI_DRAIN_MS;
	} else {
		l.max_bytes = RELAY_DRAIN_MAX;
		l.max_ms = RELAY_DRAIN_MS;
	}
	return l;
}

int drain_body_init(struct drain_body *b, const struct reqview *r)
{
	const char *cl = req_get0(r, "CONTENT_LENGTH");
	unsigned long long n = 0;
	size_t i;

	b->has_length = 0;
	b->length = 0;
	b->taken = 0;
	b->eof = 1;
	for (i = 0; cl[i] != '\0'; i++) {
		if (cl[i] < '0' || cl[i] > '9' || i >= 19)
			return -1;
		n = n * 10 + (unsigned)(cl[i] - '0');
	}
	if (i > 0) {
		b->has_length = 1;
		b->length = n;
		b->eof = 0;
	} else if (req_get(r, "HTTP_TRANSFER_ENCODING") != NULL) {
		b->eof = 0;
	}
	return 0;
}

int drain_body_may_follow(const struct reqview *r)
{
	const char *cl = req_get0(r, "CONTENT_LENGTH");

	return (cl[0] != '\0' && strcmp(cl, "0") != 0) ||
	       req_get(r, "HTTP_TRANSFER_ENCODING") != NULL;
}

static int body_done(const struct drain_body *b)
{
	return b->eof || (b->has_length && b->taken >= b->length);
}

int drain_rest(enum drain_mode m, struct drain_body *b, drain_read_fn rd,
               void *ctx)
{
	struct drain_limits l = drain_limits(m);
	long long deadline = now_ms() + l.max_ms;
	unsigned long long budget = l.max_bytes;
	char buf[16384];

	while (!body_done(b) && budget > 0 && now_ms() < deadline) {
		size_t want = sizeof(buf);
		long got;

		if (b->has_length && b->length - b->taken < want)
			want = (size_t)(b->length - b->taken);
		if (budget < want)
			want = (size_t)budget;
		got = rd(ctx, buf, want);
		if (got < 0)
			return -1;
		if (got == 0) {
			b->eof = 1;
			break;
		}
		b->taken += (unsigned long long)got;
		budget -= (unsigned long long)got;
	}
	if (b->eof && b->has_length && b->taken < b->length)
		return -1; /* the body ended before its announced length */
	return body_done(b) ? 0 : -1;
}
