/* fcgi-relay: modes (FastCGI on fd 0, --listen, plain CGI), worker
 * threads, the accept loop and signals. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

/* Returns what is buffered (at least one byte, waiting for it), so a
 * slowly streamed upload moves on as it arrives: FCGX_GetStr alone
 * waits until n bytes or the end. */
static long fcgi_read(void *ctx, char *buf, size_t n)
{
	FCGX_Stream *in = ((FCGX_Request *)ctx)->in;
	size_t avail;
	int c, got = 0;

	if (n == 0)
		return 0;
	if ((c = FCGX_GetChar(in)) == EOF)
		return FCGX_GetError(in) != 0 ? -1 : 0;
	buf[0] = (char)c;
	avail = (size_t)(in->stop - in->rdNext);
	if (avail > n - 1)
		avail = n - 1;
	if (avail > 0)
		got = FCGX_GetStr(buf + 1, (int)avail, in);
	return got < 0 ? -1 : 1 + (long)got;
}

/* Each piece is flushed (libfcgi would hold 8 KiB, stalling event
 * streams), and the stream's error checked: FCGX_PutStr reports success
 * while its buffer has room, even after the peer is gone. */
static int fcgi_write(void *ctx, const char *p, size_t n)
{
	FCGX_Stream *out = ((FCGX_Request *)ctx)->out;

	while (n > 0) {
		int chunk = n > 65536 ? 65536 : (int)n;

		if (FCGX_PutStr(p, chunk, out) != chunk)
			return -1;
		p += chunk;
		n -= (size_t)chunk;
	}
	if (FCGX_FFlush(out) != 0 || FCGX_GetError(out) != 0)
		return -1;
	return 0;
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

/* Waits until fd is readable (1) or shutdown began (0). timeout_ms < 0
 * waits for ever; on timeout returns 1 too (the caller just retries). */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p[2] = {{g_wake[0], POLLIN, 0}, {fd, POLLIN, 0}};
	int n;

	for (;;) {
		n = poll(p, fd >= 0 ? 2 : 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (g_stopping || (n > 0 && p[0].revents != 0))
			return 0;
		return 1;
	}
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

static void serve_one(struct worker *w)
{
	struct relay_io io;
	int r;

	io.read = fcgi_read;
	io.rctx = &w->req;
	io.out.write = fcgi_write;
	io.out.ctx = &w->req;
	io.peer_fd = w->req.ipcFd;
	io.half_close_is_gone = 1;
	tune_connection(w->req.ipcFd);
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
	if (r & RELAY_UNDRAINED) {
		finish_unread(&w->req);
		return;
	}
	FCGX_Finish_r(&w->req);
}

/* accept() errors that mean "try again later" rather than "stop". */
static int accept_backoff(int err, int *backoff_ms)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ECONNABORTED || err == EPROTO)
		return 0;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
		log_msg("accept: %s; retrying in %d ms", strerror(err),
		        *backoff_ms);
	else
		log_msg("accept: %s", strerror(err));
	wait_readable(-1, *backoff_ms);
	*backoff_ms = *backoff_ms * 2 > ACCEPT_BACKOFF_MAX_MS
	                  ? ACCEPT_BACKOFF_MAX_MS
	                  : *backoff_ms * 2;
	return 0;
}

/* FCGX_Accept_r on a non-blocking listen socket, after poll said it is
 * readable, so shutdown can wake every idle worker through the wake pipe
 * (libfcgi's own accept blocks and never looks at its shutdown flag
 * again). A kept connection (FCGI_KEEP_CONN) is waited on the same way;
 * ipcFd is the connection libfcgi holds for this request object. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int backoff_ms = ACCEPT_BACKOFF_MIN_MS, rc;

	for (;;) {
		int fd = w->req.ipcFd >= 0 ? w->req.ipcFd : g_listen_fd;

		if (!wait_readable(fd, -1))
			break;
		rc = FCGX_Accept_r(&w->req);
		if (rc < 0) {
			accept_backoff(-rc, &backoff_ms);
			continue;
		}
		backoff_ms = ACCEPT_BACKOFF_MIN_MS;
		serve_one(w);
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
		if (FCGX_InitRequest(&ws[i].req, g_listen_fd, 0) != 0 ||
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
	int k;

	fprintf(f,
	        "usage: fcgi-relay [--check] [--KEY VALUE | --KEY=VALUE ...]\n"
	        "       fcgi-relay --help | --version\n\n"
	        "Relays each request to the agent (agent_url) and streams the "
	        "answer\n"
	        "back. Runs as a FastCGI application spawned by the web server "
	        "(listen\n"
	        "socket on fd 0), standalone with --listen HOST:PORT or "
	        "--listen /path,\n"
	        "or as a plain CGI program.\n\n"
	        "Settings (config file key, environment AGENT_KEY, option "
	        "--key):\n");
	for (k = 0; k < SET_COUNT; k++)
		fprintf(f, "  %-18s %s\n", settings_name((enum setting_key)k),
		        settings_help((enum setting_key)k));
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

	g_threads = (int)settings_num(&g_settings, SET_THREADS);
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
