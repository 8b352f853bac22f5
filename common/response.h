/* CGI response heads and short bodies written by both programs. */
#ifndef AG_RESPONSE_H
#define AG_RESPONSE_H

#include <stddef.h>

/* Where a response goes: stdout under CGI, an FCGX_Stream under FastCGI.
 * write returns 0 when all n bytes were taken, -1 otherwise. */
struct sink {
	int (*write)(void *ctx, const char *p, size_t n);
	void *ctx;
};

/* Reason phrase of a status code ("Found"), "" when unknown. */
const char *status_reason(int status);

/* HTML-escape src (&, <, >, ", ') into dst, NUL-terminated. Returns the
 * length, or -1 when dst is too small. */
long html_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

/* One whole answer of the program's own, never cached (it is a reading
 * of this moment): "Status:", Retry-After when retry_after > 0,
 * Content-Type, Content-Length and body (not sent when head_only).
 * Returns the body bytes written (0 when head_only), or -1. */
int response_whole(const struct sink *out, int status, const char *type,
                   int retry_after, const char *body, size_t len,
                   int head_only);

/* An error answer: "Status:", text/plain, no-store, and a body of the
 * status line and message (none when head_only). message is ours, never
 * agent text; it names the problem for the client. Returns the body
 * bytes written (0 when head_only), or -1. */
int response_error(const struct sink *out, int status, const char *message,
                   int head_only);

/* A sink writing to a file descriptor, retrying short writes. ctx is a
 * pointer to the int fd. */
int sink_fd_write(void *ctx, const char *p, size_t n);

#endif
