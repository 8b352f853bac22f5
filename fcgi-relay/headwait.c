/* The room is a second epoll set, nested in the pool's: each waiting
 * connection is in it edge-triggered, so it reports when more bytes
 * arrive, not while the first ones sit unread (a level-triggered or
 * re-armed entry would report them again at once, a busy loop, since a
 * peek leaves them in place). A periodic timer, armed while anyone
 * waits, closes those past their deadline; a thread of its own waits on
 * it, because every worker may be blocked in a read the timer has to
 * end. One mutex serialises the room: its work is a peek per connection
 * that reported. */
#include "config.h"

#include "headwait.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fcgiconn.h"
#include "log.h"
#include "relay.h"

/* How often deadlines are checked: a head may outlive its deadline by
 * this much. */
#define HEADWAIT_TICK_MS      100
#define HEADWAIT_BATCH        32
#define HEADWAIT_TICKER_STACK (64 * 1024)

/* A connection in the room, or a guard: a duplicate held while a worker
 * has libfcgi read a head (headwait_guard), shut once its deadline fired. */
enum waiter_kind { WAIT_ROOM, WAIT_GUARD, WAIT_GUARD_FIRED };

struct waiter {
	int fd;
	long long deadline_ms;
	enum waiter_kind kind;
};

static struct {
	pthread_mutex_t lock;
	int ep;   /* the pool's set */
	int room; /* the nested set of waiting connections */
	int tick; /* timerfd */
	int ticking;
	int closed; /* stopping: nothing more comes in */
	long long timeout_ms;
	headwait_ready_fn ready;
	struct waiter *w;
	size_t n, cap;
	/* where each descriptor waits: at[fd] - 1 indexes w, 0 for none;
	 * a report or an unguard finds its waiter without a scan, however
	 * many half-sent heads wait (a slow-header flood) */
	size_t *at;
	size_t at_cap;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .room = -1, .tick = -1};

static int arm_in_pool(int fd)
{
	struct epoll_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.fd = fd;
	rc = epoll_ctl(g.ep, EPOLL_CTL_MOD, fd, &ev);
	if (rc < 0 && errno == ENOENT)
		rc = epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev);
	if (rc < 0)
		log_msg("head room: cannot arm its %s: %s",
		        fd == g.tick ? "timer" : "set", strerror(errno));
	return rc;
}

static void on_tick(void);

/* Blocks on the timer (it reads nothing while disarmed) and checks the
 * deadlines at each expiry. */
static void *ticker_main(void *arg)
{
	unsigned long long expirations;

	(void)arg;
	for (;;) {
		if (read(g.tick, &expirations, sizeof(expirations)) < 0) {
			if (errno == EINTR)
				continue;
			log_msg("head timer: %s", strerror(errno));
			return NULL;
		}
		pthread_mutex_lock(&g.lock);
		on_tick();
		pthread_mutex_unlock(&g.lock);
	}
}

static int start_ticker(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, HEADWAIT_TICKER_STACK);
	rc = pthread_create(&tid, &attr, ticker_main, NULL);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

int headwait_open(int ep, long long timeout_ms, headwait_ready_fn ready)
{
	g.ep = ep;
	g.timeout_ms = timeout_ms;
	g.ready = ready;
	g.room = epoll_create1(EPOLL_CLOEXEC);
	g.tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (g.room < 0 || g.tick < 0 || arm_in_pool(g.room) < 0)
		return -1;
	return start_ticker();
}

int headwait_owns(int fd)
{
	return fd >= 0 && fd == g.room;
}

/* Starts or stops the periodic check; the caller holds the lock. */
static void set_ticking(int on)
{
	struct itimerspec its;

	if (on == g.ticking)
		return;
	memset(&its, 0, sizeof(its));
	if (on) {
		its.it_value.tv_nsec = HEADWAIT_TICK_MS * 1000000L;
		its.it_interval = its.it_value;
	}
	if (timerfd_settime(g.tick, 0, &its, NULL) < 0) {
		log_msg("head room: timer: %s", strerror(errno));
		return; /* tried again at the next add */
	}
	g.ticking = on;
}

/* Makes room in the index for descriptor fd; the caller holds the lock. */
static int index_fit(int fd)
{
	size_t cap = g.at_cap ? g.at_cap : 1024, *grown;

	if ((size_t)fd < g.at_cap)
		return 0;
	while (cap <= (size_t)fd)
		cap *= 2;
	if ((grown = realloc(g.at, cap * sizeof(*g.at))) == NULL)
		return -1;
	memset(grown + g.at_cap, 0, (cap - g.at_cap) * sizeof(*grown));
	g.at = grown;
	g.at_cap = cap;
	return 0;
}

/* Appends a waiter; the caller holds the lock. */
static int append(int fd, enum waiter_kind kind)
{
	struct waiter *grown;

	if (g.closed || fd < 0 || index_fit(fd) < 0)
		return -1;
	if (g.n == g.cap) {
		size_t cap = g.cap ? g.cap * 2 : 64;

		if ((grown = realloc(g.w, cap * sizeof(*g.w))) == NULL)
			return -1;
		g.w = grown;
		g.cap = cap;
	}
	g.w[g.n].fd = fd;
	g.w[g.n].deadline_ms = relay_now_ms() + g.timeout_ms;
	g.w[g.n].kind = kind;
	g.at[fd] = ++g.n;
	set_ticking(1);
	return 0;
}

int headwait_add(int fd)
{
	struct epoll_event ev;
	int rc = -1;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.fd = fd;
	pthread_mutex_lock(&g.lock);
	if (!g.closed && epoll_ctl(g.room, EPOLL_CTL_ADD, fd, &ev) == 0) {
		rc = append(fd, WAIT_ROOM);
		if (rc < 0)
			epoll_ctl(g.room, EPOLL_CTL_DEL, fd, NULL);
	}
	pthread_mutex_unlock(&g.lock);
	return rc;
}

int headwait_guard(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (dup_fd < 0)
		return -1;
	pthread_mutex_lock(&g.lock);
	if (append(dup_fd, WAIT_GUARD) < 0) {
		pthread_mutex_unlock(&g.lock);
		close(dup_fd);
		return -1;
	}
	pthread_mutex_unlock(&g.lock);
	return dup_fd;
}

/* Takes waiter i out of the room (by the last one moving into its
 * place); the caller holds the lock and then owns the descriptor. */
static int take(size_t i)
{
	int fd = g.w[i].fd;

	if (g.w[i].kind == WAIT_ROOM)
		epoll_ctl(g.room, EPOLL_CTL_DEL, fd, NULL);
	g.at[fd] = 0;
	g.w[i] = g.w[--g.n];
	if (i < g.n)
		g.at[g.w[i].fd] = i + 1;
	return fd;
}

/* Waiter fd, a room connection or a guard; g.n when there is none. The
 * caller holds the lock. */
static size_t find(int fd, int guard)
{
	size_t i;

	if (fd < 0 || (size_t)fd >= g.at_cap || g.at[fd] == 0)
		return g.n;
	i = g.at[fd] - 1;
	if ((g.w[i].kind != WAIT_ROOM) != guard)
		return g.n;
	return i;
}

int headwait_unguard(int guard)
{
	size_t i;
	int fired = 0;

	pthread_mutex_lock(&g.lock);
	if ((i = find(guard, 1)) < g.n) {
		fired = g.w[i].kind == WAIT_GUARD_FIRED;
		take(i);
	}
	pthread_mutex_unlock(&g.lock);
	close(guard);
	return fired;
}

/* Passes a head on: the first to *serve, the rest to the pool (which
 * peeks again and finds the same). */
static void hand_on(int fd, enum fconn_head h, int *serve,
                    enum fconn_head *head)
{
	if (*serve < 0) {
		*serve = fd;
		*head = h;
	} else if (g.ready(fd) < 0) {
		close(fd);
	}
}

/* Connections that reported: peeked again; the caller holds the lock. A
 * peer that closed its side with half a head sent is closed at once. */
static int on_room(enum fconn_head *head)
{
	struct epoll_event ev[HEADWAIT_BATCH];
	int n, k, serve = -1;
	size_t i;

	n = epoll_wait(g.room, ev, HEADWAIT_BATCH, 0);
	for (k = 0; k < n; k++) {
		int fd = ev[k].data.fd;
		enum fconn_head h;

		if ((i = find(fd, 0)) == g.n)
			continue;
		h = fconn_peek_head(fd);
		if ((h == FCONN_PARTIAL || h == FCONN_SILENT) &&
		    !(ev[k].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
			continue; /* wait on; SILENT: a spurious report */
		take(i);
		if (h != FCONN_PARTIAL && h != FCONN_SILENT && h != FCONN_GONE)
			hand_on(fd, h, &serve, head);
		else
			close(fd);
	}
	return serve;
}

/* Closes the connections past their deadline; the caller holds the
 * lock. Plain close(): nothing was read, so no answer is owed. */
static void on_tick(void)
{
	long long now = relay_now_ms();
	size_t i = 0, closed = 0;

	while (i < g.n) {
		if (g.w[i].deadline_ms > now) {
			i++;
		} else if (g.w[i].kind != WAIT_ROOM) {
			/* ends libfcgi's read; the worker closes the rest */
			shutdown(g.w[i].fd, SHUT_RDWR);
			g.w[i].deadline_ms = LLONG_MAX;
			g.w[i].kind = WAIT_GUARD_FIRED;
			closed++;
			i++;
		} else {
			close(take(i));
			closed++;
		}
	}
	if (g.n == 0)
		set_ticking(0);
	if (closed > 0)
		log_info("%zu connection(s) closed: request head not whole "
		         "within request_head_timeout",
		         closed);
}

int headwait_event(int fd, enum fconn_head *head)
{
	int serve = -1;

	*head = FCONN_WHOLE;
	pthread_mutex_lock(&g.lock);
	if (fd == g.room)
		serve = on_room(head);
	arm_in_pool(fd);
	pthread_mutex_unlock(&g.lock);
	return serve;
}

void headwait_shut_all(void)
{
	size_t i;

	pthread_mutex_lock(&g.lock);
	g.closed = 1;
	for (i = 0; i < g.n; i++)
		shutdown(g.w[i].fd, SHUT_RDWR);
	pthread_mutex_unlock(&g.lock);
}
