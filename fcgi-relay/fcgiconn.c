/* One FastCGI connection from the web server and the request on it: the
 * only file that includes libfcgi's headers. Where it reaches past
 * libfcgi's calls (the stream's read window, records written directly,
 * FCGX_Detach), the comment says why libfcgi's own call does not serve
 * and which test fails without it. */
#include "config.h"

#include "fcgiconn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "drain.h"
#include "fcgihead.h"
#include "listen.h"
#include "relay.h"

/* Answer bytes after which the connection gets its send options: fewer
 * cannot fill a socket buffer, so a write of them never blocks and a
 * small answer skips two system calls. */
#define FCGI_OUTPUT_TUNE_AT 8192

struct fconn {
	FCGX_Request req;
	long long head_timeout_ms; /* request_head_timeout */
	int body_timeout; /* the long receive timeout is set on the socket */
	size_t out_bytes; /* answer bytes of this request so far */
	int out_tuned;    /* listen_conn_output done in this request */
};

int fconn_global_init(void)
{
	if (FCGX_Init() != 0)
		return -1;
	/* libfcgi installs an empty SIGPIPE handler: the write still fails
	 * with EPIPE, but every such write also costs a signal delivery. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

struct fconn *fconn_new(long long head_timeout_ms)
{
	struct fconn *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->head_timeout_ms = head_timeout_ms;
	/* No listen socket (-1): libfcgi never accepts here; the pool does,
	 * so a silent peer never holds a worker. */
	if (c != NULL && FCGX_InitRequest(&c->req, -1, 0) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

void fconn_free(struct fconn *c)
{
	if (c == NULL)
		return;
	FCGX_Free(&c->req, 1);
	free(c);
}

int fconn_input_waiting(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* The peek's buffer is on the stack: these pages are in use anyway
 * when the request is served. */
enum fconn_head fconn_peek_head(int fd)
{
	unsigned char buf[FCGI_HEAD_PEEK_MAX];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? FCONN_SILENT
		                                               : FCONN_GONE;
	if (n == 0)
		return FCONN_GONE;
	switch (fcgi_head_scan(buf, (size_t)n, sizeof(buf))) {
	case FCGI_HEAD_PARTIAL:
		return FCONN_PARTIAL;
	case FCGI_HEAD_WHOLE:
		return FCONN_WHOLE;
	case FCGI_HEAD_ALL:
		return FCONN_ALL;
	case FCGI_HEAD_MANAGEMENT:
		return FCONN_MANAGEMENT;
	case FCGI_HEAD_REFUSE:
		return FCONN_REFUSED;
	case FCGI_HEAD_HANDOVER:
		break;
	}
	return FCONN_HANDOVER;
}

/* All of n bytes that a peek showed waiting; -1 when fewer came. */
static int take_waiting(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		k = recv(fd, p + got, n - got, MSG_DONTWAIT);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* libfcgi never sees a management record: its answer overruns a stack
 * buffer and sends stack bytes as padding (fcgihead.h), and it answers
 * one only once it has read past it. Here the record is taken whole from
 * the socket and answered in one write (test_relay_management). */
int fconn_manage(int fd, unsigned long max_reqs)
{
	unsigned char rec[FCGI_HEAD_PEEK_MAX], out[FCGI_MANAGEMENT_ANSWER_MAX];
	size_t whole, n;

	if (recv(fd, rec, FCGI_HEADER_LEN, MSG_PEEK | MSG_DONTWAIT) !=
	    FCGI_HEADER_LEN)
		return -1;
	whole = FCGI_HEADER_LEN + (((size_t)rec[4] << 8) | rec[5]) + rec[6];
	if (whole > sizeof(rec) || take_waiting(fd, rec, whole) < 0)
		return -1;
	n = fcgi_management_answer(rec, whole, max_reqs, out);
	if (n == 0)
		return -1;
	return send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)n ? 0
	                                                                   : -1;
}

static void set_rcvtimeo(int fd, long long ms)
{
	struct timeval tv = {(time_t)(ms / 1000),
	                     (suseconds_t)(ms % 1000) * 1000};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* The connection is handed to libfcgi as the request's open connection:
 * with keepConnection set, FCGX_Accept_r's opening FCGX_Finish_r leaves
 * ipcFd open and reads the request from it instead of accepting. The
 * socket's receive timeout is request_head_timeout while the request
 * stream is read (a peer that sends a byte and stops loses its
 * connection, not a worker for 300 s: test_relay_silent_peers), unless
 * the peek saw all of it: then no read waits (lighttpd writes a bodiless
 * request in one piece), and the setsockopt is saved. A body gets the
 * long one. */
int fconn_next(struct fconn *c, int fd, enum fconn_head head)
{
	if (head != FCONN_ALL)
		listen_conn_input(fd);
	c->out_bytes = 0;
	c->out_tuned = 0;
	c->req.ipcFd = fd;
	c->req.keepConnection = 1;
	if (FCGX_Accept_r(&c->req) < 0)
		return -1; /* libfcgi closed fd */
	if (drain_body_may_follow(&(struct reqview){c->req.envp})) {
		set_rcvtimeo(fd, (long long)FCGI_IO_TIMEOUT_S * 1000);
		c->body_timeout = 1;
	}
	return 0;
}

char *const *fconn_params(const struct fconn *c)
{
	return c->req.envp;
}

/* Waits for at least one byte, then takes what libfcgi has buffered and
 * what has already arrived, without waiting again: a slowly streamed
 * upload moves on as it arrives (FCGX_GetStr alone waits for n bytes or
 * the end), and a fast one reaches libcurl in pieces up to n, not 8 KiB
 * records. The stream's read window (rdNext..stop) is the only way to
 * know what libfcgi holds without blocking (test_relay_large_bodies,
 * the streamed upload). An end or error met after the first byte shows
 * at the next call. */
static long fconn_read(void *ctx, char *buf, size_t n)
{
	struct fconn *c = ctx;
	FCGX_Stream *in = c->req.in;
	size_t got = 0;
	int ch;

	if (n == 0)
		return 0;
	if ((ch = FCGX_GetChar(in)) == EOF)
		return FCGX_GetError(in) != 0 ? -1 : 0;
	buf[got++] = (char)ch;
	for (;;) {
		size_t avail = (size_t)(in->stop - in->rdNext);
		int k;

		if (avail > n - got)
			avail = n - got;
		if (avail > 0) {
			if ((k = FCGX_GetStr(buf + got, (int)avail, in)) < 0)
				return -1;
			got += (size_t)k;
		}
		if (got == n || !fconn_input_waiting(c->req.ipcFd) ||
		    (ch = FCGX_GetChar(in)) == EOF)
			break;
		buf[got++] = (char)ch;
	}
	return (long)got;
}

/* A FastCGI record carries at most 65535 bytes; 65528 keeps records
 * 8-byte aligned, as libfcgi writes them. */
#define FCGI_RECORD_DATA_MAX 65528
/* Pieces this large skip libfcgi's 8 KiB stream buffer, which would cut
 * them into 8 KiB records and one write(2) each: a 256 KiB answer is
 * four writes instead of 32 (bench/RESULTS.md). */
#define FCGI_DIRECT_MIN     8192
#define FCGI_DIRECT_RECORDS 8

static void stdout_header(unsigned char h[8], int request_id, size_t len)
{
	h[0] = FCGI_VERSION_1;
	h[1] = FCGI_STDOUT;
	h[2] = (unsigned char)((request_id >> 8) & 0xff);
	h[3] = (unsigned char)(request_id & 0xff);
	h[4] = (unsigned char)((len >> 8) & 0xff);
	h[5] = (unsigned char)(len & 0xff);
	h[6] = 0; /* no padding */
	h[7] = 0;
}

/* writev until everything is written; short writes happen when the web
 * server reads slowly (SO_SNDTIMEO ends a stall with an error). */
static int writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (cnt > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Writes p as STDOUT records of up to 64 KiB straight to the connection,
 * after what libfcgi's stream holds, so the order stays. */
static int put_direct(struct fconn *c, const char *p, size_t n)
{
	unsigned char hdr[FCGI_DIRECT_RECORDS][8];
	struct iovec iov[2 * FCGI_DIRECT_RECORDS];

	if (FCGX_FFlush(c->req.out) != 0 || FCGX_GetError(c->req.out) != 0)
		return -1;
	while (n > 0) {
		int k, cnt = 0;

		for (k = 0; k < FCGI_DIRECT_RECORDS && n > 0; k++) {
			size_t len =
			    n > FCGI_RECORD_DATA_MAX ? FCGI_RECORD_DATA_MAX : n;

			stdout_header(hdr[k], c->req.requestId, len);
			iov[cnt].iov_base = hdr[k];
			iov[cnt++].iov_len = sizeof(hdr[k]);
			iov[cnt].iov_base = (void *)p;
			iov[cnt++].iov_len = len;
			p += len;
			n -= len;
		}
		if (writev_all(c->req.ipcFd, iov, cnt) < 0)
			return -1;
	}
	return 0;
}

/* Small pieces wait in libfcgi's stream buffer (it writes by itself when
 * full) until fconn_flush or the end of the request. */
static int fconn_hold(void *ctx, const char *p, size_t n)
{
	struct fconn *c = ctx;

	c->out_bytes += n;
	if (!c->out_tuned && c->out_bytes >= FCGI_OUTPUT_TUNE_AT) {
		listen_conn_output(c->req.ipcFd);
		c->out_tuned = 1;
	}
	if (n >= FCGI_DIRECT_MIN)
		return put_direct(c, p, n);
	if (FCGX_PutStr(p, (int)n, c->req.out) != (int)n)
		return -1;
	return FCGX_GetError(c->req.out) != 0 ? -1 : 0;
}

/* The stream's error is checked too: FCGX_PutStr reports success while
 * its buffer has room, even after the peer is gone. */
static int fconn_flush(void *ctx)
{
	FCGX_Stream *out = ((struct fconn *)ctx)->req.out;

	if (FCGX_FFlush(out) != 0 || FCGX_GetError(out) != 0)
		return -1;
	return 0;
}

/* Written and flushed: error answers and pieces that must not wait. */
static int fconn_write(void *ctx, const char *p, size_t n)
{
	if (fconn_hold(ctx, p, n) < 0)
		return -1;
	return fconn_flush(ctx);
}

void fconn_io(struct fconn *c, struct relay_io *io)
{
	io->read = fconn_read;
	io->rctx = c;
	io->out.write = fconn_write;
	io->out.ctx = c;
	io->hold = fconn_hold;
	io->flush = fconn_flush;
	io->peer_fd = c->req.ipcFd;
	io->half_close_is_gone = 1;
	io->cgi = 0;
	io->answered = NULL; /* the pool sets its own */
	io->actx = NULL;
}

/* Ends a request whose body was left unread. Unread body records would
 * break the next request on a kept connection (security.md row 55), so
 * the connection closes; but not through libfcgi's close, which reads
 * until the web server has been silent for 2 s and so pins this worker
 * for as long as a slow client keeps uploading: FCGX_Detach makes
 * FCGX_Finish_r skip that drain (test_load_slow_clients). The answer
 * and FCGI_END_REQUEST go out first, then a short bounded linger. */
static void finish_unread(FCGX_Request *req)
{
	char trash[4096];
	long long end = relay_now_ms() + CLOSE_LINGER_MS;
	struct pollfd p = {req->ipcFd, POLLIN, 0};

	FCGX_FClose(req->err);
	FCGX_FClose(req->out); /* end of stdout and FCGI_END_REQUEST */
	shutdown(req->ipcFd, SHUT_WR);
	/* what already arrived must be read, or close() sends a reset */
	while (relay_now_ms() < end && poll(&p, 1, CLOSE_LINGER_POLL_MS) > 0 &&
	       read(req->ipcFd, trash, sizeof(trash)) > 0)
		;
	req->keepConnection = 0;
	FCGX_Detach(req);
	FCGX_Finish_r(req);
}

/* A kept connection must be left at a record boundary. The empty STDIN
 * record that ends a bodiless request may still be on its way (Apache
 * writes it after the parameters), and libfcgi would take it for the
 * next request's first record and drop the connection under the web
 * server's next request (Apache: AH01067, a 503; test_relay_kept_-
 * connections). Reads the request stream to its end within the socket's
 * receive timeout; -1 when it did not end there. */
static int finish_stdin(FCGX_Request *req)
{
	int ch = FCGX_GetChar(req->in);

	return ch == EOF && FCGX_GetError(req->in) == 0 ? 0 : -1;
}

int fconn_end(struct fconn *c, int relay_bits)
{
	FCGX_Request *req = &c->req;
	int fd = req->ipcFd;

	if (relay_bits & RELAY_CUT) {
		/* libfcgi writes FCGI_END_REQUEST in FCGX_Finish_r, which would
		 * make a cut answer look whole: close without it. */
		shutdown(fd, SHUT_RDWR);
		FCGX_Free(req, 1);
		c->body_timeout = 0;
		return -1;
	}
	if ((relay_bits & RELAY_UNDRAINED) || finish_stdin(req) < 0) {
		finish_unread(req);
		c->body_timeout = 0;
		return -1;
	}
	/* The request stream was read to its end, so nothing more comes that
	 * a close could answer with a reset: libfcgi's close, which waits
	 * for the web server to close first (a sleep and three system calls
	 * per request), is not needed; FCGX_Detach skips it. Kept
	 * connections (FCGI_KEEP_CONN: Apache enablereuse, nginx
	 * fastcgi_keep_conn) stay open. */
	if (!req->keepConnection)
		FCGX_Detach(req);
	FCGX_Finish_r(req);
	if (req->ipcFd < 0) {
		c->body_timeout = 0;
		return -1;
	}
	req->ipcFd = -1; /* the caller owns the connection again */
	if (c->body_timeout)
		set_rcvtimeo(fd, c->head_timeout_ms);
	c->body_timeout = 0;
	return fd;
}
