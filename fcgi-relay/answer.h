/* The answer to the client: the CGI head made from the agent's, the body
 * pieces, held output and error answers. Knows nothing of libcurl. */
#ifndef AG_ANSWER_H
#define AG_ANSWER_H

#include <stddef.h>

#include "relay.h"

/* Writes the checked head (Status and filtered, rewritten fields) and
 * moves the request to PHASE_STREAM; 0, or -1 with the cause flagged. */
int answer_head(struct relay_req *q);

/* One piece of the body; 0, or -1 once the client is gone (flagged). */
int answer_body(struct relay_req *q, const char *p, size_t n);

/* Whether all of the agent's answer went to the I/O (held or written):
 * a head without a body, or a body of known length to its last byte. */
int answer_whole(const struct relay_req *q);

/* Sends what the I/O holds; 0, or -1 once the client is gone. */
int answer_flush(struct relay_req *q);

/* The error answer for status; the body bytes the client took (0 for
 * HEAD), or -1. */
int answer_error(struct relay_req *q, int status, const char *message);

/* 503 with Retry-After, written and flushed: its body bytes, or -1. */
int answer_busy(const struct relay_io *io);

#endif
