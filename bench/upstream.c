/* bench upstream: a small single-threaded epoll HTTP/1.1 server on
 * 127.0.0.1 for the benchmark, fast enough that the gateway in front of it
 * is what gets measured.
 *
 *   GET  /small         100 bytes
 *   GET  /large         256 KiB
 *   GET  /bytes/N       N bytes (any size; the 1 GiB download)
 *   POST|PUT anything   reads and drops the body (Content-Length or
 *                       chunked), answers with its length (the 1 GiB upload)
 *
 * Keep-alive unless the client says close or speaks HTTP/1.0. Prints
 * "READY port=N" on stdout once listening; stops on SIGTERM/SIGINT.
 * Benchmark tool only: trusts its clients (loopback). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SMALL_SIZE 100
#define LARGE_SIZE (256 * 1024)
#define IN_MAX     16384 /* request head bound */
#define MAX_EVENTS 64

enum body_kind { BODY_NONE, BODY_LENGTH, BODY_CHUNKED };
enum chunk_state {
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,
	CH_DONE
};

struct conn {
	int fd;
	char in[IN_MAX];
	size_t in_len;
	/* request body being dropped */
	enum body_kind body;
	unsigned long long body_left, body_total;
	enum chunk_state ch;
	int trailer_blank; /* trailer line so far is empty */
	int head_request;
	int close_after;
	/* response being written */
	char head[256];
	size_t head_len, head_off;
	unsigned long long out_left, out_pos;
	int writing;
};

static char g_pattern[LARGE_SIZE];
static volatile sig_atomic_t g_stop;
static int g_ep;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void conn_close(struct conn *c)
{
	epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static void want_write(struct conn *c, int on)
{
	struct epoll_event ev;

	ev.events = on ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = c;
	epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void start_response(struct conn *c, int status, const char *reason,
                           unsigned long long len)
{
	int n = snprintf(c->head, sizeof(c->head),
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: application/octet-stream\r\n"
	                 "Content-Length: %llu\r\n%s\r\n",
	                 status, reason, len,
	                 c->close_after ? "Connection: close\r\n" : "");

	c->head_len = (size_t)n;
	c->head_off = 0;
	c->out_left = c->head_request ? 0 : len;
	c->out_pos = 0;
	c->writing = 1;
}

/* The answer to a POST/PUT once its body is dropped: 100 bytes, like
 * /small (the sender only needs to see the exchange finish). */
static void answer_upload(struct conn *c)
{
	start_response(c, 200, "OK", SMALL_SIZE);
}

static unsigned long long path_size(const char *path, size_t len, int *ok)
{
	char *end;
	unsigned long long n;

	*ok = 1;
	if (len == 6 && memcmp(path, "/small", 6) == 0)
		return SMALL_SIZE;
	if (len == 6 && memcmp(path, "/large", 6) == 0)
		return LARGE_SIZE;
	if (len > 7 && memcmp(path, "/bytes/", 7) == 0) {
		errno = 0;
		n = strtoull(path + 7, &end, 10);
		if (errno == 0 && end == path + len)
			return n;
	}
	*ok = 0;
	return 0;
}

static int header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

static const char *header_value(const char *line, size_t len, size_t *vlen,
                                size_t nlen)
{
	const char *v = line + nlen + 1;
	const char *end = line + len;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	*vlen = (size_t)(end - v);
	return v;
}

/* Parses the head in c->in[0..hlen); sets up body dropping and, when
 * there is no body, the response. -1: malformed. */
static int parse_head(struct conn *c, size_t hlen)
{
	char *p = c->in, *end = c->in + hlen, *eol, *sp1, *sp2;
	int is_upload, ok;
	unsigned long long size;

	eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	if (eol == NULL)
		return -1;
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL)
		return -1;
	c->head_request = sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0;
	is_upload = (sp1 - p == 4 && memcmp(p, "POST", 4) == 0) ||
	            (sp1 - p == 3 && memcmp(p, "PUT", 3) == 0);
	c->close_after =
	    eol - sp2 - 1 == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0;
	c->body = BODY_NONE;
	c->body_left = c->body_total = 0;
	for (p = eol + 2; p < end; p = eol + 2) {
		size_t len, vlen;
		const char *v;

		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			break;
		len = (size_t)(eol - p);
		if (header_is(p, len, "Content-Length")) {
			v = header_value(p, len, &vlen, 14);
			c->body_left = strtoull(v, NULL, 10);
			if (c->body_left > 0)
				c->body = BODY_LENGTH;
		} else if (header_is(p, len, "Transfer-Encoding")) {
			v = header_value(p, len, &vlen, 17);
			if (vlen >= 7 &&
			    strncasecmp(v + vlen - 7, "chunked", 7) == 0) {
				c->body = BODY_CHUNKED;
				c->ch = CH_SIZE;
				c->body_left = 0;
			}
		} else if (header_is(p, len, "Connection")) {
			v = header_value(p, len, &vlen, 10);
			if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
				c->close_after = 1;
		}
	}
	if (is_upload) {
		if (c->body == BODY_NONE)
			answer_upload(c);
		return 0;
	}
	size = path_size(sp1 + 1, (size_t)(sp2 - sp1 - 1), &ok);
	if (!ok) {
		c->close_after = 1;
		start_response(c, 404, "Not Found", 0);
		return 0;
	}
	if (c->body != BODY_NONE)
		return -1; /* GET with a body: not in this benchmark */
	start_response(c, 200, "OK", size);
	return 0;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Drops body bytes from buf; returns how many were used, -1 on a bad
 * chunked framing. Sets c->body to BODY_NONE when the body ended. */
static long drop_body(struct conn *c, const char *buf, size_t n)
{
	size_t i = 0;

	if (c->body == BODY_LENGTH) {
		size_t take = n < c->body_left ? n : (size_t)c->body_left;

		c->body_left -= take;
		c->body_total += take;
		if (c->body_left == 0)
			c->body = BODY_NONE;
		return (long)take;
	}
	while (i < n && c->ch != CH_DONE) {
		char ch = buf[i];
		int h;

		switch (c->ch) {
		case CH_SIZE:
			if ((h = hexval(ch)) >= 0) {
				c->body_left = c->body_left * 16 + (unsigned)h;
				i++;
				break;
			}
			c->ch = ch == '\r' ? CH_SIZE_LF : CH_EXT;
			i++;
			break;
		case CH_EXT:
			if (ch == '\r')
				c->ch = CH_SIZE_LF;
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->ch = c->body_left == 0 ? CH_TRAILER : CH_DATA;
			c->trailer_blank = 1;
			break;
		case CH_DATA: {
			size_t take =
			    n - i < c->body_left ? n - i : (size_t)c->body_left;
			c->body_left -= take;
			c->body_total += take;
			i += take;
			if (c->body_left == 0)
				c->ch = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (ch != '\r')
				return -1;
			c->ch = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			c->ch = CH_SIZE;
			c->body_left = 0;
			i++;
			break;
		case CH_TRAILER:
			/* trailer lines until an empty one */
			if (ch == '\n') {
				if (c->trailer_blank)
					c->ch = CH_DONE;
				c->trailer_blank = 1;
			} else if (ch != '\r') {
				c->trailer_blank = 0;
			}
			i++;
			break;
		case CH_DONE:
			break;
		}
	}
	if (c->ch == CH_DONE)
		c->body = BODY_NONE;
	return (long)i;
}

/* Consumes c->in: body bytes, then the next head. 0 ok, -1 close. */
static int process_input(struct conn *c)
{
	while (!c->writing && c->in_len > 0) {
		char *hend;
		size_t hlen;

		if (c->body != BODY_NONE) {
			long used = drop_body(c, c->in, c->in_len);

			if (used < 0)
				return -1;
			memmove(c->in, c->in + used, c->in_len - (size_t)used);
			c->in_len -= (size_t)used;
			if (c->body == BODY_NONE)
				answer_upload(c);
			continue;
		}
		hend = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		if (hend == NULL)
			return c->in_len >= IN_MAX ? -1 : 0;
		hlen = (size_t)(hend - c->in) + 4;
		if (parse_head(c, hlen) < 0)
			return -1;
		memmove(c->in, c->in + hlen, c->in_len - hlen);
		c->in_len -= hlen;
	}
	return 0;
}

/* Writes as much of the response as the socket takes. 1: done, 0: try
 * later, -1: error. */
static int write_some(struct conn *c)
{
	for (;;) {
		struct iovec iov[2];
		int cnt = 0;
		ssize_t w;
		size_t off;

		if (c->head_off < c->head_len) {
			iov[cnt].iov_base = c->head + c->head_off;
			iov[cnt++].iov_len = c->head_len - c->head_off;
		}
		if (c->out_left > 0) {
			off = (size_t)(c->out_pos % LARGE_SIZE);
			iov[cnt].iov_base = g_pattern + off;
			iov[cnt].iov_len = LARGE_SIZE - off < c->out_left
			                       ? LARGE_SIZE - off
			                       : (size_t)c->out_left;
			cnt++;
		}
		if (cnt == 0)
			return 1;
		w = writev(c->fd, iov, cnt);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (c->head_off < c->head_len) {
			size_t h = c->head_len - c->head_off;

			if ((size_t)w < h) {
				c->head_off += (size_t)w;
				continue;
			}
			c->head_off = c->head_len;
			w -= (ssize_t)h;
		}
		c->out_left -= (unsigned long long)w;
		c->out_pos += (unsigned long long)w;
	}
}

/* Alternates between writing the current response and reading the next
 * request; -1 when the connection should close. */
static int pump(struct conn *c)
{
	for (;;) {
		if (c->writing) {
			int r = write_some(c);

			if (r < 0)
				return -1;
			if (r == 0) {
				want_write(c, 1);
				return 0;
			}
			c->writing = 0;
			want_write(c, 0);
			if (c->close_after)
				return -1;
		}
		if (process_input(c) < 0)
			return -1;
		if (c->writing)
			continue;
		for (;;) {
			ssize_t r =
			    read(c->fd, c->in + c->in_len, IN_MAX - c->in_len);

			if (r == 0)
				return -1;
			if (r < 0)
				return errno == EAGAIN || errno == EINTR ? 0
				                                         : -1;
			c->in_len += (size_t)r;
			if (process_input(c) < 0)
				return -1;
			if (c->writing || c->in_len >= IN_MAX)
				break;
		}
	}
}

static void accept_all(int lfd)
{
	for (;;) {
		struct epoll_event ev;
		struct conn *c;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
		}
	}
}

static int listen_on(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	socklen_t sl = sizeof(sa);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	printf("READY port=%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

int main(int argc, char **argv)
{
	struct epoll_event ev, evs[MAX_EVENTS];
	int lfd, i, n, port = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 0;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < LARGE_SIZE; i++)
		g_pattern[i] = (char)('a' + i % 26);
	if ((g_ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (lfd = listen_on(port)) < 0) {
		perror("upstream");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(g_ep, EPOLL_CTL_ADD, lfd, &ev);
	while (!g_stop) {
		n = epoll_wait(g_ep, evs, MAX_EVENTS, 500);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL)
				accept_all(lfd);
			else if (pump(c) < 0)
				conn_close(c);
		}
	}
	close(lfd);
	return 0;
}
