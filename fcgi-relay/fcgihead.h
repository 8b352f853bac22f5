/* Whether the bytes at the start of a FastCGI connection hold a whole
 * request head (FCGI_BEGIN_REQUEST and the parameters up to their empty
 * record), read from a peek at the socket: pure, so it is table-tested
 * and never blocks. The pool serves a connection only once its head is
 * whole, so a peer that sends half a head holds no worker. Also the
 * relay's answer to a management record (request id 0), which libfcgi
 * must never read. */
#ifndef AG_FCGIHEAD_H
#define AG_FCGIHEAD_H

#include <stddef.h>

/* Bytes the pool peeks at: a longer head is handed to libfcgi, which
 * reads it under the same deadline. Not more: a Unix socket may hold
 * less than 20 KiB of a head sent in small writes, so a longer one could
 * wait for the rest forever. Heads are mostly below 2 KiB. */
#define FCGI_HEAD_PEEK_MAX 8192

enum fcgi_head {
	FCGI_HEAD_PARTIAL,    /* a head has begun and is not whole yet */
	FCGI_HEAD_WHOLE,      /* BEGIN_REQUEST and every PARAMS record are in */
	FCGI_HEAD_ALL,        /* and the request's empty STDIN record too: the
	                       * whole request stream, so no read of it waits */
	FCGI_HEAD_HANDOVER,   /* not for the pool to judge: libfcgi decides
	                       * (another version, a record it refuses, a head
	                       * past the peek) */
	FCGI_HEAD_MANAGEMENT, /* a whole management record (request id 0)
	                       * comes first: the relay answers it itself
	                       * (fcgi_management_answer) and looks again */
	FCGI_HEAD_REFUSE,     /* a management record inside a request's
	                       * head, or one first that is too long for the
	                       * peek: libfcgi must never read it (see
	                       * fcgi_management_answer), so the connection
	                       * is closed */
};

/* Judges the first len bytes of a connection (len > 0) of which cap
 * could have been seen (the peek's size). */
enum fcgi_head fcgi_head_scan(const unsigned char *p, size_t len, size_t cap);

/* The answer to a management record: room for the three variables with
 * the longest values (20 digits), header and padding included. */
#define FCGI_MANAGEMENT_ANSWER_MAX 128

/* libfcgi answers a management record from a 64-byte stack buffer: a
 * FCGI_GET_VALUES naming FCGI_MPXS_CONNS four times or more writes past
 * it (a few thousand times: the process dies, every stream with it), and
 * the padding it sends is whatever its stack held. So the relay answers
 * them. rec: the whole record (header, content, padding), len its length;
 * max_reqs: what FCGI_MAX_CONNS and FCGI_MAX_REQS say (the relay serves
 * that many requests at once, one per connection; FCGI_MPXS_CONNS is 0).
 * FCGI_GET_VALUES gets FCGI_GET_VALUES_RESULT with each variable it names
 * that the relay knows, once; any other type FCGI_UNKNOWN_TYPE. Writes
 * the answer to out (FCGI_MANAGEMENT_ANSWER_MAX bytes) and returns its
 * length; 0 when the record is malformed (a name or value past its end),
 * which libfcgi too answers by closing the connection. */
size_t fcgi_management_answer(const unsigned char *rec, size_t len,
                              unsigned long max_reqs, unsigned char *out);

#endif
