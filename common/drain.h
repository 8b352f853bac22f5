/* How much of an unused request body to read and drop before answering. */
#ifndef AG_DRAIN_H
#define AG_DRAIN_H

#include <stddef.h>

#include "reqview.h"

/* How the program was reached; it decides the bounds. */
enum drain_mode {
	DRAIN_CGI,    /* one request per process: the whole body, generously */
	DRAIN_FASTCGI /* a worker on a kept connection: briefly, then close */
};

struct drain_limits {
	unsigned long long max_bytes;
	long long max_ms;
};

/* The bounds of a mode: CGI_DRAIN_MAX/_MS or RELAY_DRAIN_MAX/_MS. */
struct drain_limits drain_limits(enum drain_mode m);

/* A request body as far as it was read. */
struct drain_body {
	int has_length;            /* CONTENT_LENGTH was given */
	unsigned long long length; /* ... and said this */
	unsigned long long taken;  /* bytes read so far */
	int eof;                   /* its end was read */
};

/* The body the request announces, none of it read: CONTENT_LENGTH, or a
 * chunked body (HTTP_TRANSFER_ENCODING, no length) read to its end, or
 * none. -1 when CONTENT_LENGTH is not a plain decimal number (b then
 * says there is no body). Any answer needs it, also one given before the
 * request was otherwise looked at. */
int drain_body_init(struct drain_body *b, const struct reqview *r);

/* Whether a request body may follow the head: CONTENT_LENGTH other than
 * empty or "0", or HTTP_TRANSFER_ENCODING. An answer that does not read
 * the body then must not keep the connection, and a FastCGI read of it
 * gets the body's receive timeout. */
int drain_body_may_follow(const struct reqview *r);

/* Reads up to n body bytes: > 0 bytes read, 0 at the end, -1 on error. */
typedef long (*drain_read_fn)(void *ctx, char *buf, size_t n);

/* Reads and drops the rest of b within the bounds of m, updating taken and
 * eof. 0 when the body was read to its end; -1 when a bound, a read error
 * or an end before CONTENT_LENGTH stopped it (the caller then must not
 * reuse the connection). */
int drain_rest(enum drain_mode m, struct drain_body *b, drain_read_fn rd,
               void *ctx);

#endif
