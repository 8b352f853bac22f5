/* Whether the bytes at the start of a FastCGI connection hold a whole
 * request head (FCGI_BEGIN_REQUEST and the parameters up to their empty
 * record), read from a peek at the socket: pure, so it is table-tested
 * and never blocks. The pool serves a connection only once its head is
 * whole, so a peer that sends half a head holds no worker. */
#ifndef AG_FCGIHEAD_H
#define AG_FCGIHEAD_H

#include <stddef.h>

/* Bytes the pool peeks at: a longer head is handed to libfcgi, which
 * reads it under the same deadline. Not more: a Unix socket may hold
 * less than 20 KiB of a head sent in small writes, so a longer one could
 * wait for the rest forever. Heads are mostly below 2 KiB. */
#define FCGI_HEAD_PEEK_MAX 8192

enum fcgi_head {
	FCGI_HEAD_PARTIAL,  /* a head has begun and is not whole yet */
	FCGI_HEAD_WHOLE,    /* BEGIN_REQUEST and every PARAMS record are in */
	FCGI_HEAD_ALL,      /* and the request's empty STDIN record too: the
	                     * whole request stream, so no read of it waits */
	FCGI_HEAD_HANDOVER, /* not for the pool to judge: libfcgi decides
	                     * (another version, a management record first,
	                     * a record it refuses, a head past the peek) */
};

/* Judges the first len bytes of a connection (len > 0) of which cap
 * could have been seen (the peek's size). */
enum fcgi_head fcgi_head_scan(const unsigned char *p, size_t len, size_t cap);

#endif
