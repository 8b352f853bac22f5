/* The worker pool. Idle workers wait in one epoll set holding the listen
 * socket and every parked connection, each registered one-shot: an event
 * wakes exactly one worker, which re-arms the listen socket right after
 * its accept (a level-triggered socket would wake the next waiter, and
 * that one the next, for one connection). A worker that takes the last
 * idle place starts another, up to max_workers + 1 (the one over the cap
 * answers 503); a worker idle for WORKER_IDLE_MS while others wait too
 * ends. */
#include "config.h"

#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgiconn.h"
#include "fcgihead.h"
#include "headwait.h"
#include "listen.h"
#include "log.h"
#include "ops.h"
#include "relay.h"
#include "reload.h"
#include "stackpages.h"
#include "stats.h"
#include "transfer.h"

struct worker {
	struct fconn *conn;
	struct relay_worker rw;
	int counted; /* its request is in g.busy */
};

static struct {
	const struct settings *s;
	int ep;
	int listen_fd;
	int wake[2]; /* written once at shutdown; level-triggered: wakes all */
	int cap;
	pthread_attr_t attr;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* workers went down */
	int workers;            /* threads alive */
	int idle;               /* of them, waiting in epoll_wait */
	int busy;               /* requests being served */
	int stopping;
	int backoff_ms; /* accept pause after EMFILE, shared */
	/* Which descriptors are parked (indexed by fd, under lock): closed
	 * at a stop, so the web server's idle kept connections end at once
	 * instead of carrying a request nobody will serve. */
	unsigned char *parked;
	int parked_max;
	const char *unlink_path; /* --listen's socket, removed at the end */
} g = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .changed = PTHREAD_COND_INITIALIZER,
       .wake = {-1, -1},
       .backoff_ms = ACCEPT_BACKOFF_MIN_MS};

static sigset_t g_sigs;

/* ---- limits ---- */

/* Descriptors one request may hold: its FastCGI connection, its agent
 * connection, the wake-up socket pair libcurl makes for each handle's
 * internal multi handle, and one for a resolver or a retry. */
#define FDS_PER_REQUEST 5
/* Descriptors kept back for listen sockets, logs, the idle agent handles
 * (three each) and parked FastCGI connections. */
#define FDS_RESERVED (64 + 3 * AGENT_KEEPALIVE_MAX)

static long long read_threads_max(void)
{
	FILE *f = fopen("/proc/sys/kernel/threads-max", "r");
	long long n = -1;

	if (f != NULL) {
		if (fscanf(f, "%lld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

int pool_cap(const struct settings *s)
{
	struct rlimit r;
	long long cap = MAX_WORKERS_AUTO, t;

	if (settings_num(s, SET_MAX_WORKERS) > 0)
		return (int)settings_num(s, SET_MAX_WORKERS);
	/* Event streams are long and many: use the descriptors the hard
	 * limit allows, as servers commonly do (systemd's default soft
	 * limit is 1024 for compatibility with select(), unused here). */
	if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
		if (r.rlim_cur < r.rlim_max) {
			rlim_t want = r.rlim_max;

			if (want == RLIM_INFINITY || want > 65536)
				want = 65536;
			if (want > r.rlim_cur) {
				r.rlim_cur = want;
				setrlimit(RLIMIT_NOFILE, &r);
				getrlimit(RLIMIT_NOFILE, &r);
			}
		}
		if (r.rlim_cur != RLIM_INFINITY) {
			t = ((long long)r.rlim_cur - FDS_RESERVED) /
			    FDS_PER_REQUEST;
			if (t < cap)
				cap = t;
		}
	}
	/* RLIMIT_NPROC counts threads of the user; leave half for others. */
	if (getrlimit(RLIMIT_NPROC, &r) == 0 && r.rlim_cur != RLIM_INFINITY &&
	    (long long)r.rlim_cur / 2 < cap)
		cap = (long long)r.rlim_cur / 2;
	if ((t = read_threads_max()) > 0 && t / 4 < cap)
		cap = t / 4;
	return cap < 1 ? 1 : (int)cap;
}

/* Worker threads outnumber the cores many times. glibc gives threads up
 * to eight malloc arenas per core, each keeping its own freed memory, so
 * under load RSS crept up for a minute as the arenas filled in turn
 * (+2.3 MiB in 40 s of wrk at 64 connections); one arena per core keeps
 * freed memory in use (+0.5 MiB), and no more threads than cores run at
 * once to contend for them. */
static void limit_arenas(void)
{
#ifdef M_ARENA_MAX
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	mallopt(M_ARENA_MAX, cpus < 2 ? 2 : (int)cpus);
#endif
}

/* ---- workers ---- */

static void *worker_main(void *arg);

static struct worker *worker_new(void)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->conn = fconn_new(settings_num(g.s, SET_REQUEST_HEAD_TIMEOUT));
	if (w->conn == NULL || relay_worker_init(&w->rw, g.s) < 0) {
		fconn_free(w->conn);
		relay_worker_free(&w->rw);
		free(w);
		return NULL;
	}
	return w;
}

static void worker_free(struct worker *w)
{
	fconn_free(w->conn);
	relay_worker_free(&w->rw);
	free(w);
}

/* Starts one worker; the caller has counted it in g.workers. */
static int spawn_worker(void)
{
	struct worker *w = worker_new();
	pthread_t tid;

	if (w != NULL && pthread_create(&tid, &g.attr, worker_main, w) == 0)
		return 0;
	if (w != NULL)
		worker_free(w);
	pthread_mutex_lock(&g.lock);
	g.workers--;
	pthread_cond_broadcast(&g.changed);
	pthread_mutex_unlock(&g.lock);
	log_msg("cannot start a worker thread: %s", strerror(errno));
	return -1;
}

/* A connection the web server keeps between requests (FCGI_KEEP_CONN)
 * waits here for its next request instead of pinning a worker; so does
 * a new one whose request has not arrived yet (a silent peer costs a
 * descriptor, never a worker). Re-arms a connection parked before (it
 * stays in the set, disarmed, while served); adds a new one. */
static void mark_parked(int fd, unsigned char on)
{
	if (fd < g.parked_max)
		g.parked[fd] = on;
}

/* first_op: EPOLL_CTL_ADD for a connection never in the set (a new one
 * found silent: at load lighttpd's connections are often accepted
 * before their head is written), else EPOLL_CTL_MOD; the other is tried
 * when the first fails for that reason. */
static int park_as(int fd, int first_op)
{
	struct epoll_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.fd = fd;
	pthread_mutex_lock(&g.lock);
	if (g.stopping) {
		pthread_mutex_unlock(&g.lock);
		return -1; /* the caller closes it */
	}
	mark_parked(fd, 1);
	pthread_mutex_unlock(&g.lock);
	rc = epoll_ctl(g.ep, first_op, fd, &ev);
	if (rc < 0 && first_op == EPOLL_CTL_MOD && errno == ENOENT)
		rc = epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev);
	else if (rc < 0 && first_op == EPOLL_CTL_ADD && errno == EEXIST)
		rc = epoll_ctl(g.ep, EPOLL_CTL_MOD, fd, &ev);
	if (rc < 0) {
		pthread_mutex_lock(&g.lock);
		mark_parked(fd, 0);
		pthread_mutex_unlock(&g.lock);
	}
	return rc;
}

static int park(int fd)
{
	return park_as(fd, EPOLL_CTL_MOD);
}

static void rearm_listen(void)
{
	struct epoll_event ev;

	if (__atomic_load_n(&g.stopping, __ATOMIC_RELAXED))
		return; /* taken out of the set at the stop */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.fd = g.listen_fd;
	epoll_ctl(g.ep, EPOLL_CTL_MOD, g.listen_fd, &ev);
}

/* accept() errors that mean "try again later" rather than "stop"; for
 * lack of descriptors the listen socket stays disarmed for a pause. */
static void accept_failed(int err)
{
	int pause_ms;

	if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR ||
	    err == ECONNABORTED || err == EPROTO ||
	    __atomic_load_n(&g.stopping, __ATOMIC_RELAXED))
		return; /* at a stop: the listener was shut under accept */
	pthread_mutex_lock(&g.lock);
	pause_ms = g.backoff_ms;
	g.backoff_ms = pause_ms * 2 > ACCEPT_BACKOFF_MAX_MS
	                   ? ACCEPT_BACKOFF_MAX_MS
	                   : pause_ms * 2;
	pthread_mutex_unlock(&g.lock);
	log_warning("accept: %s; retrying in %d ms", strerror(err), pause_ms);
	usleep((useconds_t)pause_ms * 1000);
}

/* Management records first on a connection (a web server's
 * FCGI_GET_VALUES before a request) are answered here, never by libfcgi
 * (fcgihead.h). Returns the verdict on what follows them; FCONN_GONE
 * when one could not be answered or too many came in a row. */
static enum fconn_head past_management(int fd)
{
	enum fconn_head h;
	int n = 0;

	while ((h = fconn_peek_head(fd)) == FCONN_MANAGEMENT)
		if (n++ == FCGI_MANAGEMENT_IN_A_ROW ||
		    fconn_manage(fd, (unsigned long)__atomic_load_n(
		                         &g.cap, __ATOMIC_RELAXED)) < 0)
			return FCONN_GONE;
	return h;
}

/* A connection is served only once its request head is whole, so
 * libfcgi's blocking read of it returns at once: a silent one is parked,
 * one with half a head waits in headwait.c until the rest comes or its
 * deadline passes. One the pool cannot judge is served as FCONN_HANDOVER
 * (serve_conn guards its read with the deadline). fresh: just accepted,
 * so not in the epoll set yet. Returns fd when it is to be served now,
 * with what the peek saw in *head, else -1. */
static int route(int fd, int fresh, enum fconn_head *head)
{
	enum fconn_head h = past_management(fd);

	*head = h;
	switch (h) {
	case FCONN_WHOLE:
	case FCONN_ALL:
	case FCONN_HANDOVER:
		return fd;
	case FCONN_REFUSED:
		log_warning("FastCGI connection closed: a management record "
		            "inside a request head, or one longer than %d "
		            "bytes",
		            FCGI_HEAD_PEEK_MAX);
		break;
	case FCONN_MANAGEMENT: /* answered by past_management */
	case FCONN_SILENT:
		if (park_as(fd, fresh ? EPOLL_CTL_ADD : EPOLL_CTL_MOD) == 0)
			return -1;
		break;
	case FCONN_PARTIAL:
		if (headwait_add(fd) == 0)
			return -1;
		break;
	case FCONN_GONE:
		break;
	}
	close(fd);
	return -1;
}

/* Takes one new connection: the one to serve now, or -1 (none, refused,
 * or parked until its request arrives). */
static int accept_one(enum fconn_head *head)
{
	int fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	int err = errno;

	if (fd < 0) {
		accept_failed(err);
		rearm_listen();
		return -1;
	}
	rearm_listen(); /* the next connection may wake another worker */
	g.backoff_ms = ACCEPT_BACKOFF_MIN_MS;
	if (listen_conn(fd) < 0) {
		close(fd);
		return -1;
	}
	return route(fd, 1, head);
}

/* Waits for work as an idle worker. Returns a connection with input, or
 * -1 when this worker should end (shutdown, or one idle too many). */
static int wait_work(enum fconn_head *head)
{
	struct epoll_event ev;
	int n, fd, spawn;

	for (;;) {
		pthread_mutex_lock(&g.lock);
		g.idle++;
		pthread_mutex_unlock(&g.lock);
		n = epoll_wait(g.ep, &ev, 1, WORKER_IDLE_MS);
		pthread_mutex_lock(&g.lock);
		g.idle--;
		if (g.stopping || (n < 0 && errno != EINTR) ||
		    (n == 0 && g.idle >= WORKER_SPARE)) {
			pthread_mutex_unlock(&g.lock);
			return -1;
		}
		if (n <= 0) {
			pthread_mutex_unlock(&g.lock);
			continue;
		}
		fd = ev.data.fd;
		if (fd != g.listen_fd && fd != g.wake[0])
			mark_parked(fd, 0); /* this worker has it now */
		/* Someone must be waiting while this one works. */
		spawn =
		    g.idle == 0 &&
		    g.workers < __atomic_load_n(&g.cap, __ATOMIC_RELAXED) + 1;
		if (spawn)
			g.workers++;
		pthread_mutex_unlock(&g.lock);
		if (spawn)
			spawn_worker();
		if (fd == g.wake[0])
			continue; /* stopping is seen at the top */
		if (headwait_owns(fd)) {
			fd = headwait_event(fd, head);
			if (fd >= 0 && (*head == FCONN_MANAGEMENT ||
			                *head == FCONN_REFUSED))
				fd = route(fd, 0, head);
		} else if (fd == g.listen_fd)
			fd = accept_one(head);
		else
			fd = route(fd, 0, head); /* a parked one spoke */
		if (fd >= 0)
			return fd;
	}
}

/* The request leaves the count of requests in flight: once, when its
 * answer is about to be whole for the client (relay_io.answered), else
 * when it ends. The client may have the answer before the request ends
 * and ask again; a 503 at a small max_workers otherwise. */
static void place_free(void *arg)
{
	struct worker *w = arg;

	if (!w->counted)
		return;
	w->counted = 0;
	__atomic_sub_fetch(&g.busy, 1, __ATOMIC_RELAXED);
}

/* Serves the requests of one connection that has input, then parks it
 * if the web server keeps it. */
static void serve_conn(struct worker *w, int fd, enum fconn_head head)
{
	const struct settings *s;
	struct relay_io io;
	int bits, over;
	int guard = head == FCONN_HANDOVER ? headwait_guard(fd) : -1;

	if (fconn_next(w->conn, fd, head) < 0) {
		if (guard >= 0)
			headwait_unguard(guard);
		return; /* closed, or no valid request in time: gone */
	}
	if (guard >= 0 && headwait_unguard(guard)) {
		/* what libfcgi took for a head ended at the deadline's cut */
		fconn_end(w->conn, RELAY_CUT);
		return;
	}
	fconn_io(w->conn, &io);
	io.answered = place_free;
	io.actx = w;
	w->counted = 1;
	over = __atomic_add_fetch(&g.busy, 1, __ATOMIC_RELAXED) >
	       __atomic_load_n(&g.cap, __ATOMIC_RELAXED);
	/* The settings current now, to the request's end (a reload may
	 * make others current meanwhile). */
	s = reload_acquire();
	w->rw.base = s;
	/* status and ping cost no agent: answered past the cap too */
	bits = ops_serve(s, fconn_params(w->conn), &io, over);
	if (bits < 0 && over) {
		stats_cap_hit();
		bits = relay_busy(&w->rw, fconn_params(w->conn), &io);
	} else if (bits < 0) {
		bits = relay_serve(&w->rw, fconn_params(w->conn), &io);
	}
	place_free(w);
	w->rw.base = NULL;
	reload_release(s);
	fd = fconn_end(w->conn, bits);
	if (fd >= 0 && park(fd) < 0)
		close(fd);
}

/* After a burst, freed request memory sits in the malloc arenas between
 * pieces still in use, resident; once the pool is back at its idle size
 * it is given back (malloc_trim walks every arena: only when the pool
 * has shrunk to its spare workers, not per request).
 *
 * One trim at a time: the workers of a burst retire together, and a
 * second walk of the same arenas gives nothing back. It also keeps
 * glibc's lazy set-up of its own allocator single-threaded where that
 * allocator is otherwise unused (under ASan, whose malloc replaces it,
 * two retiring workers initialising it at once crashed in mtrim). */
static void trim_after_burst(int workers_left)
{
	static int trimming;

	if (workers_left > WORKER_SPARE + 1 ||
	    __atomic_load_n(&g.stopping, __ATOMIC_RELAXED))
		return;
	if (__atomic_exchange_n(&trimming, 1, __ATOMIC_ACQUIRE))
		return;
	malloc_trim(0);
	__atomic_store_n(&trimming, 0, __ATOMIC_RELEASE);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	enum fconn_head head;
	int fd, left;

	while ((fd = wait_work(&head)) >= 0)
		serve_conn(w, fd, head);
	worker_free(w);
	pthread_mutex_lock(&g.lock);
	left = --g.workers;
	pthread_cond_broadcast(&g.changed);
	pthread_mutex_unlock(&g.lock);
	trim_after_burst(left);
	return NULL;
}

int pool_listen_queue(unsigned *queued, unsigned *backlog)
{
	if (g.parked == NULL || __atomic_load_n(&g.stopping, __ATOMIC_RELAXED))
		return -1; /* no pool (plain CGI), or the listener is let go */
	return listen_queue(g.listen_fd, queued, backlog);
}

void pool_gauges(int *workers, int *idle, int *busy, int *cap)
{
	pthread_mutex_lock(&g.lock);
	*workers = g.workers;
	*idle = g.idle;
	pthread_mutex_unlock(&g.lock);
	*busy = __atomic_load_n(&g.busy, __ATOMIC_RELAXED);
	*cap = __atomic_load_n(&g.cap, __ATOMIC_RELAXED);
}

/* ---- signals ---- */

/* SIGTERM (web servers, systemd), SIGINT, SIGQUIT (nginx's graceful
 * stop) and SIGUSR1 (libfcgi's, as multiwatch sends it) stop the relay
 * gracefully; SIGHUP reloads the settings; SIGUSR2 and SIGALRM, whose
 * default would kill every stream at once, are logged and ignored. */
void pool_block_signals(void)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&g_sigs);
	sigaddset(&g_sigs, SIGTERM);
	sigaddset(&g_sigs, SIGINT);
	sigaddset(&g_sigs, SIGQUIT);
	sigaddset(&g_sigs, SIGUSR1);
	sigaddset(&g_sigs, SIGHUP);
	sigaddset(&g_sigs, SIGUSR2);
	sigaddset(&g_sigs, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &g_sigs, NULL);
}

void pool_unblock_signals(void)
{
	pthread_sigmask(SIG_UNBLOCK, &g_sigs, NULL);
}

static int stop_signal(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT ||
	       sig == SIGUSR1;
}

/* shutdown_timeout of the settings current at the stop. */
static long long shutdown_ms(void)
{
	const struct settings *s = reload_acquire();
	long long ms = settings_num(s, SET_SHUTDOWN_TIMEOUT);

	reload_release(s);
	return ms;
}

/* Lets go of the listening socket: closes this process's descriptor
 * for it by putting /dev/null in its place, so a worker still in accept
 * gets an error and the number is not reused under it. Not shutdown():
 * a listener handed over by systemd or a web server lives on there, and
 * its backlog waits for the next relay. */
static void drop_listener(void)
{
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	epoll_ctl(g.ep, EPOLL_CTL_DEL, g.listen_fd, NULL);
	if (nul < 0 || dup2(nul, g.listen_fd) < 0)
		log_msg("closing the listener: %s", strerror(errno));
	if (nul >= 0)
		close(nul);
}

/* Drops the listener first, so new connections are refused (or wait for
 * the next relay) at once instead of behind the slowest stream, ends the
 * parked connections, then wakes every idle worker to end. */
static void begin_stop(int sig)
{
	int busy = __atomic_load_n(&g.busy, __ATOMIC_RELAXED), fd;

	pthread_mutex_lock(&g.lock);
	__atomic_store_n(&g.stopping, 1, __ATOMIC_RELAXED);
	drop_listener();
	for (fd = 0; fd < g.parked_max; fd++)
		if (g.parked[fd]) {
			shutdown(fd, SHUT_RDWR);
			g.parked[fd] = 0;
		}
	pthread_cond_broadcast(&g.changed);
	pthread_mutex_unlock(&g.lock);
	headwait_shut_all(); /* not under g.lock: headwait calls park() */
	log_info("signal %d: listener closed, finishing %d request(s) in "
	         "flight (at most %lld ms)",
	         sig, busy, shutdown_ms());
	if (write(g.wake[1], "x", 1) < 0)
		log_msg("wake pipe: %s", strerror(errno));
}

/* Ends the process now, with requests still in flight: after
 * shutdown_timeout, or at a second stop signal. Not exit(): libcurl's
 * and libc's teardown would run under the workers still using them. */
static void exit_now(const char *why, int left)
{
	log_warning("%s: %d request(s) cut", why, left);
	if (g.unlink_path != NULL)
		unlink(g.unlink_path);
	_exit(0);
}

/* SIGHUP: new settings for new requests; max_workers with them. Not
 * while stopping: the listener is gone, nothing new will start. */
static void reload_settings(void)
{
	const struct settings *s;

	if (__atomic_load_n(&g.stopping, __ATOMIC_RELAXED)) {
		log_warning("reload ignored: stopping");
		return;
	}
	if (reload_now() < 0)
		return;
	s = reload_acquire();
	__atomic_store_n(&g.cap, pool_cap(s), __ATOMIC_RELAXED);
	reload_release(s);
}

static void *signal_main(void *arg)
{
	int sig = 0;

	(void)arg;
	for (;;) {
		if (sigwait(&g_sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP)
			reload_settings();
		else if (!stop_signal(sig))
			log_warning(
			    "signal %d ignored (not used by fcgi-relay)", sig);
		else if (!__atomic_load_n(&g.stopping, __ATOMIC_RELAXED))
			begin_stop(sig);
		else
			exit_now("second stop signal",
			         __atomic_load_n(&g.busy, __ATOMIC_RELAXED));
	}
	return NULL;
}

/* ---- the run ---- */

static int pool_open(int listen_fd, const struct settings *s)
{
	struct epoll_event ev;

	struct rlimit r;

	limit_arenas(); /* before the first thread */
	g.s = s;
	g.listen_fd = listen_fd;
	g.cap = pool_cap(s); /* raises the descriptor limit: first */
	g.parked_max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY &&
	    r.rlim_cur < (rlim_t)g.parked_max)
		g.parked_max = (int)r.rlim_cur;
	if ((g.parked = calloc((size_t)g.parked_max, 1)) == NULL)
		return -1;
	listen_prepare(listen_fd, settings_num(s, SET_REQUEST_HEAD_TIMEOUT));
	if (fconn_global_init() != 0 ||
	    pipe2(g.wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    (g.ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		log_msg("cannot set up: %s", strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = g.wake[0];
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, g.wake[0], &ev) < 0)
		return -1;
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.fd = listen_fd;
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, listen_fd, &ev) < 0 ||
	    headwait_open(g.ep, settings_num(s, SET_REQUEST_HEAD_TIMEOUT),
	                  park) < 0)
		return -1;
	pthread_attr_init(&g.attr);
	pthread_attr_setdetachstate(&g.attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&g.attr, WORKER_STACK_SIZE);
	return 0;
}

/* Waits until every worker ended or shutdown_timeout passed since the
 * stop began (the caller saw it begin); returns the workers still busy. */
static int wait_workers(void)
{
	long long grace = shutdown_ms();
	struct timespec until;
	int left, rc = 0;

	pthread_mutex_lock(&g.lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(grace / 1000);
	until.tv_nsec += (long)(grace % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (g.workers > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&g.changed, &g.lock, &until);
	left = g.workers;
	pthread_mutex_unlock(&g.lock);
	return left;
}

int pool_run(int listen_fd, const struct settings *s, const char *unlink_path)
{
	pthread_t sigtid;
	int i, left;

	g.unlink_path = unlink_path;
	if (pool_open(listen_fd, s) < 0 ||
	    pthread_create(&sigtid, &g.attr, signal_main, NULL) != 0) {
		if (unlink_path != NULL)
			unlink(unlink_path);
		return 1;
	}
	log_info("serving FastCGI; agent %s%s%s; up to %d requests at once "
	         "(%s)",
	         settings_str(s, SET_AGENT_URL)[0] != '\0'
	             ? settings_str(s, SET_AGENT_URL)
	             : "not set (only per-request agent_url works)",
	         settings_isset(s, SET_AGENT_SOCKET) ? " via " : "",
	         settings_str(s, SET_AGENT_SOCKET), g.cap,
	         settings_num(s, SET_MAX_WORKERS) > 0
	             ? "max_workers"
	             : "max_workers derived from the descriptor limit");
	pthread_mutex_lock(&g.lock);
	g.workers = WORKER_SPARE;
	pthread_mutex_unlock(&g.lock);
	for (i = 0; i < WORKER_SPARE; i++)
		spawn_worker();
	pthread_mutex_lock(&g.lock);
	while (!g.stopping) /* begin_stop, in the signal thread, wakes this */
		pthread_cond_wait(&g.changed, &g.lock);
	pthread_mutex_unlock(&g.lock);
	if ((left = wait_workers()) > 0)
		exit_now("shutdown_timeout passed", left);
	transfer_cleanup();
	if (unlink_path != NULL)
		unlink(unlink_path);
	return 0;
}
