/* fcgi-relay: modes (FastCGI on fd 0, --listen, plain CGI), worker
 * threads, the accept loop and signals. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "host.h"
#include "log.h"
#include "relay.h"

extern char **environ;

/* ---- I/O adapters: CGI ---- */

static long cgi_read(void *ctx, char *buf, size_t n)
{
	ssize_t got;

	(void)ctx;
	do
		got = read(STDIN_FILENO, buf, n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -1 : (long)got;
}

static int cgi_out_fd = STDOUT_FILENO;

/* ---- I/O adapters: FastCGI ---- */

/* Whether bytes from the peer are already waiting on fd: more of a
 * request body, or a new connection's request (the web server writes it
 * right after connecting). */
static int input_waiting(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* Waits for at least one byte, then takes what is buffered and what has
 * already arrived, without waiting again: a slowly streamed upload moves
 * on as it arrives (FCGX_GetStr alone waits for n bytes or the end),
 * and a fast one reaches libcurl in pieces up to n, not libfcgi's 8 KiB
 * records, so the relay keeps up and the web server spools less. An
 * end or error met after the first byte shows at the next call. */
static long fcgi_read(void *ctx, char *buf, size_t n)
{
	FCGX_Request *r = ctx;
	FCGX_Stream *in = r->in;
	size_t got = 0;
	int c;

	if (n == 0)
		return 0;
	if ((c = FCGX_GetChar(in)) == EOF)
		return FCGX_GetError(in) != 0 ? -1 : 0;
	buf[got++] = (char)c;
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
		if (got == n || !input_waiting(r->ipcFd) ||
		    (c = FCGX_GetChar(in)) == EOF)
			break;
		buf[got++] = (char)c;
	}
	return (long)got;
}

/* A FastCGI record carries at most 65535 bytes; 65528 keeps records
 * 8-byte aligned, as libfcgi writes them. */
#define FCGI_RECORD_DATA_MAX 65528
/* Pieces this large skip libfcgi's 8 KiB stream buffer, which would cut
 * them into 8 KiB records and one write(2) each. */
#define FCGI_DIRECT_MIN     8192
#define FCGI_DIRECT_RECORDS 8

static void fcgi_stdout_header(unsigned char h[8], int request_id, size_t len)
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
static int fcgi_put_direct(FCGX_Request *r, const char *p, size_t n)
{
	unsigned char hdr[FCGI_DIRECT_RECORDS][8];
	struct iovec iov[2 * FCGI_DIRECT_RECORDS];

	if (FCGX_FFlush(r->out) != 0 || FCGX_GetError(r->out) != 0)
		return -1;
	while (n > 0) {
		int k, cnt = 0;

		for (k = 0; k < FCGI_DIRECT_RECORDS && n > 0; k++) {
			size_t len =
			    n > FCGI_RECORD_DATA_MAX ? FCGI_RECORD_DATA_MAX : n;

			fcgi_stdout_header(hdr[k], r->requestId, len);
			iov[cnt].iov_base = hdr[k];
			iov[cnt++].iov_len = sizeof(hdr[k]);
			iov[cnt].iov_base = (void *)p;
			iov[cnt++].iov_len = len;
			p += len;
			n -= len;
		}
		if (writev_all(r->ipcFd, iov, cnt) < 0)
			return -1;
	}
	return 0;
}

/* Small pieces wait in libfcgi's stream buffer (it writes by itself when
 * full) until fcgi_flush or the end of the request. */
static int fcgi_hold(void *ctx, const char *p, size_t n)
{
	FCGX_Request *r = ctx;

	if (n >= FCGI_DIRECT_MIN)
		return fcgi_put_direct(r, p, n);
	if (FCGX_PutStr(p, (int)n, r->out) != (int)n)
		return -1;
	return FCGX_GetError(r->out) != 0 ? -1 : 0;
}

/* The stream's error is checked too: FCGX_PutStr reports success while
 * its buffer has room, even after the peer is gone. */
static int fcgi_flush(void *ctx)
{
	FCGX_Stream *out = ((FCGX_Request *)ctx)->out;

	if (FCGX_FFlush(out) != 0 || FCGX_GetError(out) != 0)
		return -1;
	return 0;
}

/* Written and flushed: error answers and pieces that must not wait. */
static int fcgi_write(void *ctx, const char *p, size_t n)
{
	if (fcgi_hold(ctx, p, n) < 0)
		return -1;
	return fcgi_flush(ctx);
}

/* ---- process state ---- */

struct worker {
	pthread_t tid;
	FCGX_Request req;
	struct relay_worker rw;
};

static struct settings g_settings;
static int g_listen_fd = -1;
static int g_wake[2] = {-1, -1}; /* written once on shutdown */
static int g_limit_busy;         /* standalone: answer 503 when full */
static int g_threads;
static int g_busy;
static pthread_mutex_t g_busy_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t g_stopping;

static int busy_enter(void)
{
	int over;

	pthread_mutex_lock(&g_busy_lock);
	over = ++g_busy > g_threads;
	pthread_mutex_unlock(&g_busy_lock);
	return over;
}

static void busy_leave(void)
{
	pthread_mutex_lock(&g_busy_lock);
	g_busy--;
	pthread_mutex_unlock(&g_busy_lock);
}

/* Sleeps timeout_ms, or less when shutdown begins (the wake pipe). */
static void pause_unless_stopping(int timeout_ms)
{
	struct pollfd p = {g_wake[0], POLLIN, 0};

	while (!g_stopping && poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
		;
}

/* Settings on a fresh FastCGI connection: a small send buffer keeps
 * lighttpd streaming instead of spilling to temp files (DESIGN.md), and
 * time limits stop a stalled web server from pinning the worker. */
static void tune_connection(int fd)
{
	int sndbuf = FCGI_SNDBUF;
	struct timeval tv = {FCGI_IO_TIMEOUT_S, 0};

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Ends a request whose body was left unread. Unread body records would
 * break the next request on a kept connection (security.md row 55), so
 * the connection closes; but not through libfcgi's close, which reads
 * until the web server has been silent for 2 s and so pins this worker
 * for as long as a slow client keeps uploading. The answer and
 * FCGI_END_REQUEST go out first, then a short bounded linger. */
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
	FCGX_Detach(req); /* makes libfcgi close without its drain */
	FCGX_Finish_r(req);
}

/* A kept connection must be left at a record boundary. The empty STDIN
 * record that ends a bodiless request may still be on its way (Apache
 * writes it after the parameters), and libfcgi would take it for the
 * next request's first record and drop the connection under the web
 * server's next request (Apache: AH01067, a 503). Reads the request
 * stream to its end, waiting at most CLOSE_LINGER_MS for the socket;
 * -1 when it did not end there (the caller closes the connection). */
static int finish_stdin(FCGX_Request *req)
{
	struct timeval brief = {0, CLOSE_LINGER_MS * 1000};
	struct timeval normal = {FCGI_IO_TIMEOUT_S, 0};
	int c;

	setsockopt(req->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof(brief));
	c = FCGX_GetChar(req->in);
	setsockopt(req->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &normal,
	           sizeof(normal));
	return c == EOF && FCGX_GetError(req->in) == 0 ? 0 : -1;
}

static void serve_one(struct worker *w)
{
	struct relay_io io;
	int r;

	io.read = fcgi_read;
	io.rctx = &w->req;
	io.out.write = fcgi_write;
	io.out.ctx = &w->req;
	io.hold = fcgi_hold;
	io.flush = fcgi_flush;
	io.peer_fd = w->req.ipcFd;
	io.half_close_is_gone = 1;
	if (g_limit_busy && busy_enter())
		r = relay_busy(w->req.envp, &io);
	else
		r = relay_serve(&w->rw, w->req.envp, &io);
	if (g_limit_busy)
		busy_leave();
	if (r & RELAY_CUT) {
		/* libfcgi writes FCGI_END_REQUEST in FCGX_Finish_r, which would
		 * make a cut answer look whole: close without it. */
		shutdown(w->req.ipcFd, SHUT_RDWR);
		FCGX_Free(&w->req, 1);
		return;
	}
	if ((r & RELAY_UNDRAINED) ||
	    (w->req.keepConnection && finish_stdin(&w->req) < 0)) {
		finish_unread(&w->req);
		return;
	}
	FCGX_Finish_r(&w->req);
}

/* accept() errors that mean "try again later" rather than "stop". */
static void accept_backoff(int err, int *backoff_ms)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ECONNABORTED || err == EPROTO)
		return;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
		log_msg("accept: %s; retrying in %d ms", strerror(err),
		        *backoff_ms);
	else
		log_msg("accept: %s", strerror(err));
	pause_unless_stopping(*backoff_ms);
	*backoff_ms = *backoff_ms * 2 > ACCEPT_BACKOFF_MAX_MS
	                  ? ACCEPT_BACKOFF_MAX_MS
	                  : *backoff_ms * 2;
}

/* One epoll set for all workers: the wake pipe, the listen socket and
 * the parked connections. Workers blocked in epoll_wait on one set are
 * woken one at a time, so a new connection wakes one idle worker, not
 * all of them (with poll, every idle worker woke and all but one failed
 * their accept: 5-7 wasted wake-ups per request with 8 threads). */
static int g_ep = -1;

static int waiter_add(int fd, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.fd = fd;
	return epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev);
}

static int waiter_init(void)
{
	g_ep = epoll_create1(EPOLL_CLOEXEC);
	if (g_ep < 0 || waiter_add(g_wake[0], EPOLLIN) < 0 ||
	    waiter_add(g_listen_fd, EPOLLIN) < 0) {
		log_msg("epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A connection the web server keeps between requests (FCGI_KEEP_CONN:
 * Apache mod_proxy_fcgi with enablereuse, nginx fastcgi_keep_conn)
 * waits here for its next request instead of pinning a worker; one
 * worker takes it when a request (or its close) arrives. */
static int park(int fd)
{
	return waiter_add(fd, EPOLLIN | EPOLLONESHOT);
}

/* The next thing to serve: g_listen_fd for a new connection, a parked
 * connection (taken out of the set) with input, or -1 at shutdown. */
static int wait_work(void)
{
	struct epoll_event ev;
	int n;

	for (;;) {
		n = epoll_wait(g_ep, &ev, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (g_stopping || n < 0 || ev.data.fd == g_wake[0])
			return -1;
		if (n == 0)
			continue;
		if (ev.data.fd == g_listen_fd)
			return g_listen_fd;
		epoll_ctl(g_ep, EPOLL_CTL_DEL, ev.data.fd, NULL);
		return ev.data.fd;
	}
}

/* FCGI_WEB_SERVER_ADDRS, as libfcgi honours it for TCP: when set, only
 * these IPv4 addresses (comma-separated) may connect. */
static int peer_allowed(int fd)
{
	const char *list = getenv("FCGI_WEB_SERVER_ADDRS");
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET_ADDRSTRLEN];
	size_t n;

	if (list == NULL || getpeername(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    ss.ss_family != AF_INET)
		return 1;
	if (inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
	              sizeof(addr)) == NULL)
		return 0;
	n = strlen(addr);
	while (*list != '\0') {
		size_t tok;

		list += strspn(list, " ,");
		tok = strcspn(list, " ,");
		if (tok == n && memcmp(list, addr, n) == 0)
			return 1;
		list += tok;
	}
	return 0;
}

/* The relay accepts connections itself, not through libfcgi, which
 * would then block reading the request: a peer that connects and says
 * nothing would hold a worker for ever. A connection whose request is
 * not there yet is parked until it is; it costs a descriptor, never a
 * worker. Returns the connection to serve now, or -1. */
static int accept_one(int *backoff_ms)
{
	int fd = accept4(g_listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		accept_backoff(errno, backoff_ms);
		return -1;
	}
	*backoff_ms = ACCEPT_BACKOFF_MIN_MS;
	if (!peer_allowed(fd)) {
		log_msg(
		    "connection from an address not in FCGI_WEB_SERVER_ADDRS");
		close(fd);
		return -1;
	}
	tune_connection(fd);
	if (input_waiting(fd))
		return fd;
	if (park(fd) < 0)
		close(fd);
	return -1;
}

/* A connection is handed to libfcgi as the request object's open
 * connection (ipcFd, kept so FCGX_Accept_r's opening FCGX_Finish_r
 * leaves it open); libfcgi reads its request, or closes it if the web
 * server did. libfcgi never accepts: its listen socket is -1
 * (start_workers), so a failed read makes it return an error at once. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int backoff_ms = ACCEPT_BACKOFF_MIN_MS, fd;

	while ((fd = wait_work()) >= 0) {
		if (fd == g_listen_fd && (fd = accept_one(&backoff_ms)) < 0)
			continue;
		w->req.ipcFd = fd;
		w->req.keepConnection = 1;
		if (FCGX_Accept_r(&w->req) < 0)
			continue; /* closed, or no valid request: gone */
		serve_one(w);
		if (w->req.ipcFd >= 0 && park(w->req.ipcFd) == 0)
			w->req.ipcFd = -1;
		else if (w->req.ipcFd >= 0)
			FCGX_Free(&w->req, 1); /* cannot park: close */
	}
	FCGX_Free(&w->req, 1);
	return NULL;
}

/* ---- signals ---- */

static sigset_t g_sigs;

/* SIGTERM (web servers, systemd), SIGINT, SIGUSR1 (libfcgi's graceful
 * signal): stop accepting, finish requests in flight, exit. */
static void *signal_main(void *arg)
{
	int sig = 0;

	(void)arg;
	while (sigwait(&g_sigs, &sig) != 0 || sig == 0)
		;
	g_stopping = 1;
	log_msg("signal %d: finishing requests in flight", sig);
	if (write(g_wake[1], "x", 1) < 0)
		log_msg("wake pipe: %s", strerror(errno));
	return NULL;
}

/* ---- listen sockets ---- */

static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg("listen: socket path too long: %s", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A stale socket from an earlier run; never remove anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* Private: whoever can connect can send any parameter (AGENT_*,
	 * HTTP_*), so owner and group only (security.md row 51). */
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		log_msg("listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_tcp(const char *spec)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[HOST_NAME_MAX_LEN + 3], port[16];
	struct host h;
	int fd = -1, one = 1;
	size_t hlen;

	if (host_parse(spec, strlen(spec), &h) != NULL || h.port == 0 ||
	    h.name_len >= sizeof(host))
		return -1;
	hlen = h.name_len;
	memcpy(host, h.name, hlen);
	host[hlen] = '\0';
	snprintf(port, sizeof(port), "%u", h.port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		log_msg("listen: cannot resolve %s", spec);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		log_msg("listen on %s: %s", spec, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* ---- modes ---- */

static int serve_cgi(void)
{
	struct relay_worker rw;
	struct relay_io io;
	int r;

	io.read = cgi_read;
	io.rctx = NULL;
	io.out.write = sink_fd_write;
	io.out.ctx = &cgi_out_fd;
	io.hold = NULL;
	io.flush = NULL;
	io.peer_fd = STDOUT_FILENO;
	io.half_close_is_gone = 0;
	if (relay_worker_init(&rw, &g_settings) < 0) {
		log_msg("out of memory");
		response_error(&io.out, 500, "gateway misconfigured", 0);
		return 1;
	}
	r = relay_serve(&rw, environ, &io);
	relay_worker_free(&rw);
	return (r & RELAY_CUT) ? 1 : 0;
}

static int start_workers(struct worker *ws, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (FCGX_InitRequest(&ws[i].req, -1, 0) != 0 ||
		    relay_worker_init(&ws[i].rw, &g_settings) < 0 ||
		    pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]) !=
		        0) {
			log_msg("cannot start worker %d", i);
			return i;
		}
	}
	return n;
}

static int serve_fastcgi(void)
{
	struct worker *ws;
	pthread_t sigtid;
	int nthreads, started, i;

	nthreads = g_threads + (g_limit_busy ? 1 : 0);
	if (FCGX_Init() != 0 || pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_msg("cannot initialise libfcgi");
		return 1;
	}
	if (waiter_init() < 0)
		return 1;
	/* libfcgi installs an empty SIGPIPE handler: the write still fails
	 * with EPIPE, but every such write also costs a signal delivery. */
	signal(SIGPIPE, SIG_IGN);
	/* Non-blocking so a worker that lost the race for a connection gets
	 * EAGAIN back instead of sleeping in accept() through a shutdown. */
	fcntl(g_listen_fd, F_SETFL, fcntl(g_listen_fd, F_GETFL) | O_NONBLOCK);
	ws = calloc((size_t)nthreads, sizeof(*ws));
	if (ws == NULL)
		return 1;
	if (pthread_create(&sigtid, NULL, signal_main, NULL) != 0)
		return 1;
	started = start_workers(ws, nthreads);
	for (i = 0; i < started; i++)
		pthread_join(ws[i].tid, NULL);
	for (i = 0; i < nthreads; i++)
		relay_worker_free(&ws[i].rw);
	free(ws);
	if (!g_stopping) {
		pthread_kill(sigtid, SIGTERM);
	}
	pthread_join(sigtid, NULL);
	return started == nthreads ? 0 : 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: fcgi-relay [--check] [--KEY VALUE | --KEY=VALUE ...]\n"
	        "       fcgi-relay --help | --version\n\n"
	        "Relays each request to the agent (agent_url) and streams the "
	        "answer\n"
	        "back. Runs as a FastCGI application spawned by the web server "
	        "(listen\n"
	        "socket on fd 0), standalone with --listen HOST:PORT or "
	        "--listen /path,\n"
	        "or as a plain CGI program.\n\n");
	settings_print_help(f, PROG_RELAY);
	fprintf(
	    f, "\n  --check            validate the settings, print them with "
	       "their\n"
	       "                     source, try the agent; exit 1 on error\n");
}

/* Signals go to the signal thread only: block them before any thread
 * (and before libfcgi installs its own handlers). A write to a closed
 * connection must be an error, not a death (libcurl with NOSIGNAL does
 * not ignore SIGPIPE for us). */
static void setup_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&g_sigs);
	sigaddset(&g_sigs, SIGTERM);
	sigaddset(&g_sigs, SIGINT);
	sigaddset(&g_sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &g_sigs, NULL);
}

static int is_cgi_request(void)
{
	return getenv("GATEWAY_INTERFACE") != NULL &&
	       getenv("REQUEST_METHOD") != NULL;
}

static int run(void)
{
	const char *listen_on = settings_str(&g_settings, SET_LISTEN);
	int rc;

	g_threads = (int)settings_num(&g_settings, SET_MAX_WORKERS);
	if (listen_on[0] != '\0') {
		g_listen_fd = listen_on[0] == '/' ? listen_unix(listen_on)
		                                  : listen_tcp(listen_on);
		if (g_listen_fd < 0)
			return 1;
		g_limit_busy = 1;
		log_msg("listening on %s with %d worker(s)", listen_on,
		        g_threads);
		rc = serve_fastcgi();
		if (listen_on[0] == '/')
			unlink(listen_on);
		return rc;
	}
	if (!FCGX_IsCGI()) {
		g_listen_fd = 0; /* FCGI_LISTENSOCK_FILENO */
		/* Spawned: the web server sizes its own connections to us
		 * (lighttpd queues them in our backlog, mod_fcgid sends one at
		 * a time), so a burst waits briefly instead of getting 503. */
		return serve_fastcgi();
	}
	if (is_cgi_request())
		return serve_cgi();
	fprintf(stderr,
	        "fcgi-relay: no FastCGI socket on fd 0, no --listen and "
	        "no CGI request (GATEWAY_INTERFACE unset); see --help\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct cli_flags cli;
	char err[512];
	int rc;

	log_init("fcgi-relay");
	setup_signals();
	/* As a plain CGI program the command line is the client's: Apache
	 * hands a query without '=' over as argv words (RFC 3875 §4.4), and
	 * "?--agent-url+http://evil/" must not become a setting. Under
	 * FastCGI (a socket on fd 0) argv is the operator's. */
	if (is_cgi_request() && FCGX_IsCGI())
		argc = 1;
	if (settings_startup(&g_settings, &cli, argc, argv, environ, err,
	                     sizeof(err)) < 0) {
		log_msg("%s", err);
		if (is_cgi_request() && !cli.check) {
			int fd = STDOUT_FILENO;
			struct sink out = {sink_fd_write, &fd};

			response_error(&out, 500, "gateway misconfigured", 0);
			return 0;
		}
		return 1;
	}
	if (cli.help) {
		usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("fcgi-relay (%s) %s\n%s\n", PACKAGE_NAME,
		       PACKAGE_VERSION, curl_version());
		return 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg("curl_global_init failed");
		return 1;
	}
	if (cli.check)
		rc = relay_check(&g_settings, stdout);
	else
		rc = run();
	curl_global_cleanup();
	return rc;
}
