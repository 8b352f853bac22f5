/* The room is a second epoll set, nested in the pool's: each waiting
 * connection is in it edge-triggered, so it reports when more bytes
 * arrive, not while the first ones sit unread (a level-triggered or
 * re-armed entry would report them again at once, a busy loop, since a
 * peek leaves them in place). A periodic timer, armed while anyone
 * waits, closes those past their deadline. One mutex serialises the
 * room: its work is a peek per connection that reported. */
#include "config.h"

#include "headwait.h"

#include <errno.h>
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
#define HEADWAIT_TICK_MS 100
#define HEADWAIT_BATCH   32

struct waiter {
	int fd;
	long long deadline_ms;
};

static struct {
	pthread_mutex_t lock;
	int ep;   /* the pool's set */
	int room; /* the nested set of waiting connections */
	int tick; /* timerfd */
	int ticking;
	long long timeout_ms;
	headwait_ready_fn ready;
	struct waiter *w;
	size_t n, cap;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .room = -1, .tick = -1};

static int arm_in_pool(int fd)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLONESHOT;
	ev.data.fd = fd;
	if (epoll_ctl(g.ep, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	return errno == ENOENT ? epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev) : -1;
}

int headwait_open(int ep, long long timeout_ms, headwait_ready_fn ready)
{
	g.ep = ep;
	g.timeout_ms = timeout_ms;
	g.ready = ready;
	g.room = epoll_create1(EPOLL_CLOEXEC);
	g.tick = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (g.room < 0 || g.tick < 0 || arm_in_pool(g.room) < 0 ||
	    arm_in_pool(g.tick) < 0)
		return -1;
	return 0;
}

int headwait_owns(int fd)
{
	return fd >= 0 && (fd == g.room || fd == g.tick);
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
	timerfd_settime(g.tick, 0, &its, NULL);
	g.ticking = on;
}

int headwait_add(int fd)
{
	struct epoll_event ev;
	struct waiter *grown;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.fd = fd;
	pthread_mutex_lock(&g.lock);
	if (g.n == g.cap) {
		size_t cap = g.cap ? g.cap * 2 : 64;

		grown = realloc(g.w, cap * sizeof(*g.w));
		if (grown == NULL) {
			pthread_mutex_unlock(&g.lock);
			return -1;
		}
		g.w = grown;
		g.cap = cap;
	}
	if (epoll_ctl(g.room, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pthread_mutex_unlock(&g.lock);
		return -1;
	}
	g.w[g.n].fd = fd;
	g.w[g.n].deadline_ms = relay_now_ms() + g.timeout_ms;
	g.n++;
	set_ticking(1);
	pthread_mutex_unlock(&g.lock);
	return 0;
}

/* Takes waiter i out of the room (by the last one moving into its
 * place); the caller holds the lock and then owns the descriptor. */
static int take(size_t i)
{
	int fd = g.w[i].fd;

	epoll_ctl(g.room, EPOLL_CTL_DEL, fd, NULL);
	g.w[i] = g.w[--g.n];
	return fd;
}

static size_t find(int fd)
{
	size_t i;

	for (i = 0; i < g.n; i++)
		if (g.w[i].fd == fd)
			return i;
	return g.n;
}

/* Passes a whole head on: the first to *serve, the rest to the pool. */
static void hand_on(int fd, int *serve)
{
	if (*serve < 0)
		*serve = fd;
	else if (g.ready(fd) < 0)
		close(fd);
}

/* Connections that reported: peeked again; the caller holds the lock. */
static int on_room(void)
{
	struct epoll_event ev[HEADWAIT_BATCH];
	int n, k, serve = -1;
	size_t i;

	n = epoll_wait(g.room, ev, HEADWAIT_BATCH, 0);
	for (k = 0; k < n; k++) {
		int fd = ev[k].data.fd;
		enum fconn_head h;

		if ((i = find(fd)) == g.n)
			continue;
		h = fconn_peek_head(fd);
		if (h == FCONN_PARTIAL || h == FCONN_SILENT)
			continue; /* wait on; SILENT: a spurious report */
		take(i);
		if (h == FCONN_READY)
			hand_on(fd, &serve);
		else
			close(fd);
	}
	return serve;
}

/* Closes the connections past their deadline; the caller holds the
 * lock. Plain close(): nothing was read, so no answer is owed. */
static void on_tick(void)
{
	unsigned long long expirations;
	long long now = relay_now_ms();
	size_t i = 0, closed = 0;

	if (read(g.tick, &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		log_msg("head timer: %s", strerror(errno));
	while (i < g.n) {
		if (g.w[i].deadline_ms <= now) {
			close(take(i));
			closed++;
		} else {
			i++;
		}
	}
	if (g.n == 0)
		set_ticking(0);
	if (closed > 0)
		log_info("%zu connection(s) closed: request head not whole "
		         "within request_head_timeout",
		         closed);
}

int headwait_event(int fd)
{
	int serve = -1;

	pthread_mutex_lock(&g.lock);
	if (fd == g.room)
		serve = on_room();
	else
		on_tick();
	arm_in_pool(fd);
	pthread_mutex_unlock(&g.lock);
	return serve;
}

void headwait_shut_all(void)
{
	size_t i;

	pthread_mutex_lock(&g.lock);
	for (i = 0; i < g.n; i++)
		shutdown(g.w[i].fd, SHUT_RDWR);
	pthread_mutex_unlock(&g.lock);
}
