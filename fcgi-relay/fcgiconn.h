/* One FastCGI connection from the web server and the request on it: the
 * only door to libfcgi. */
#ifndef AG_FCGICONN_H
#define AG_FCGICONN_H

#include <stddef.h>

struct relay_io;

/* Opaque: libfcgi's request object and what the relay adds to it. */
struct fconn;

/* Once per process, before any thread. */
int fconn_global_init(void);

/* head_timeout_ms: request_head_timeout, the receive timeout a kept
 * connection gets back after a request with a body. */
struct fconn *fconn_new(long long head_timeout_ms);
void fconn_free(struct fconn *c);

/* What a new or kept connection fd holds, seen without reading or
 * waiting: FCONN_WHOLE means a whole request head is there, so
 * fconn_next will not block for it; FCONN_ALL the whole request stream
 * (the head and the end of its body), so no read of the request blocks;
 * FCONN_HANDOVER one that libfcgi must judge or read on (fcgihead.h),
 * whose read may block. */
enum fconn_head {
	FCONN_SILENT,
	FCONN_GONE,
	FCONN_PARTIAL,
	FCONN_WHOLE,
	FCONN_ALL,
	FCONN_HANDOVER,
	FCONN_MANAGEMENT, /* a management record first: fconn_manage */
	FCONN_REFUSED     /* one libfcgi must not read: close it */
};

/* Reads the next request's head (FCGI_BEGIN_REQUEST and the parameters)
 * from the connection fd, which the caller accepted and fconn now owns;
 * head: what the pool's peek saw there. 0: a request is ready; -1: the
 * peer closed or sent no valid request within the socket's receive
 * timeout, and fd is closed. */
int fconn_next(struct fconn *c, int fd, enum fconn_head head);

/* The request's parameters, NAME=value, valid until fconn_end. */
char *const *fconn_params(const struct fconn *c);

/* Fills io with this connection's body reader and answer writers. */
void fconn_io(struct fconn *c, struct relay_io *io);

/* How a request ended, from relay_serve's RELAY_* bits. Returns the
 * connection's fd when the web server keeps it for another request (the
 * caller parks it), or -1 when it was closed. */
int fconn_end(struct fconn *c, int relay_bits);

/* Whether bytes from the peer are already waiting on fd. */
int fconn_input_waiting(int fd);

enum fconn_head fconn_peek_head(int fd);

/* Reads the management record that FCONN_MANAGEMENT saw first on fd and
 * answers it (fcgi_management_answer), never blocking; max_reqs: the
 * requests served at once. 0, or -1 when the record was malformed or the
 * connection failed (the caller closes it). */
int fconn_manage(int fd, unsigned long max_reqs);

#endif
