/* The listening socket and the options of the FastCGI connections. */
#include "config.h"

#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ag_limits.h"
#include "host.h"
#include "log.h"

static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg("listen: socket path too long (%zu bytes, at most "
		        "%zu): %s",
		        strlen(path), sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A stale socket from an earlier run; never remove anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_msg("listen on %s: socket: %s", path, strerror(errno));
		return -1;
	}
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
	int fd = -1, one = 1, err = 0;

	if (host_parse(spec, strlen(spec), &h) != NULL || h.port == 0 ||
	    h.name_len >= sizeof(host)) {
		log_msg("listen: not HOST:PORT or an absolute path: %s", spec);
		return -1;
	}
	memcpy(host, h.name, h.name_len);
	host[h.name_len] = '\0';
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
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, LISTEN_BACKLOG) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		log_msg("listen on %s: %s", spec, strerror(err));
	freeaddrinfo(res);
	return fd;
}

int listen_open(const char *spec)
{
	return spec[0] == '/' ? listen_unix(spec) : listen_tcp(spec);
}

static int g_per_conn = 1;            /* Unix socket: set on each conn */
static struct timeval g_head_timeout; /* request_head_timeout */

/* The receive timeout bounds how long a peer may take to send a
 * request's head (fcgiconn.c lengthens it for a body). */
static void set_input_options(int fd)
{
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &g_head_timeout,
	           sizeof(g_head_timeout));
}

/* A small send buffer keeps lighttpd streaming a large answer instead of
 * spilling it to temp files (HACKING.md); the send timeout stops a
 * stalled web server from pinning a worker. */
static void set_output_options(int fd)
{
	int sndbuf = FCGI_SNDBUF;
	struct timeval snd = {FCGI_IO_TIMEOUT_S, 0};

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
}

void listen_prepare(int fd, long long head_timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	g_head_timeout.tv_sec = (time_t)(head_timeout_ms / 1000);
	g_head_timeout.tv_usec = (suseconds_t)(head_timeout_ms % 1000) * 1000;
	/* Linux copies a TCP listener's socket options to the connections
	 * it accepts, but a Unix socket's connections start afresh. */
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family != AF_UNIX) {
		set_input_options(fd);
		set_output_options(fd);
		g_per_conn = 0;
	}
	/* Non-blocking so a worker that lost the race for a connection gets
	 * EAGAIN back instead of sleeping in accept() through a shutdown. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
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

int listen_conn(int fd)
{
	if (!peer_allowed(fd)) {
		log_msg(
		    "connection from an address not in FCGI_WEB_SERVER_ADDRS");
		return -1;
	}
	return 0;
}

void listen_conn_input(int fd)
{
	if (g_per_conn)
		set_input_options(fd);
}

void listen_conn_output(int fd)
{
	if (g_per_conn)
		set_output_options(fd);
}

/* A listening TCP socket's TCP_INFO carries its accept queue in
 * tcpi_unacked and the queue's limit in tcpi_sacked (Linux tcp_get_info
 * fills these two so for a socket in LISTEN). */
static int tcp_queue(int fd, unsigned *queued, unsigned *backlog)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    ti.tcpi_state != TCP_LISTEN)
		return -1;
	*queued = ti.tcpi_unacked;
	*backlog = ti.tcpi_sacked;
	return 0;
}

/* The UNIX_DIAG_RQLEN attribute of one sock_diag answer: for a socket in
 * LISTEN, the connections queued and the queue's limit. */
static int rqlen_of(const struct nlmsghdr *h, size_t len, unsigned *queued,
                    unsigned *backlog)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	size_t at = NLMSG_LENGTH(sizeof(*m));

	if (!NLMSG_OK(h, len) || h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < at)
		return -1;
	while (at + sizeof(struct nlattr) <= h->nlmsg_len) {
		const struct nlattr *a =
		    (const struct nlattr *)((const char *)h + at);

		if (a->nla_len < sizeof(*a) || at + a->nla_len > h->nlmsg_len)
			return -1;
		if (a->nla_type == UNIX_DIAG_RQLEN &&
		    a->nla_len >= NLA_HDRLEN + sizeof(struct unix_diag_rqlen)) {
			const struct unix_diag_rqlen *q =
			    (const void *)((const char *)a + NLA_HDRLEN);

			*queued = q->udiag_rqueue;
			*backlog = q->udiag_wqueue;
			return 0;
		}
		at += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

/* One exact sock_diag lookup of the socket by its inode. */
static int unix_queue(int fd, unsigned *queued, unsigned *backlog)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req;
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
	union {
		struct nlmsghdr h;
		char buf[1024];
	} ans;
	struct stat st;
	ssize_t n;
	int s;

	if (fstat(fd, &st) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = 1U << TCP_LISTEN;
	req.r.udiag_ino = (unsigned)st.st_ino;
	req.r.udiag_show = UDIAG_SHOW_RQLEN;
	req.r.udiag_cookie[0] = req.r.udiag_cookie[1] = ~0U; /* none */
	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return -1;
	n = sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl));
	if (n == (ssize_t)sizeof(req))
		n = recv(s, ans.buf, sizeof(ans.buf), 0);
	close(s);
	return n > 0 ? rqlen_of(&ans.h, (size_t)n, queued, backlog) : -1;
}

int listen_queue(int fd, unsigned *queued, unsigned *backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		return tcp_queue(fd, queued, backlog);
	if (ss.ss_family == AF_UNIX)
		return unix_queue(fd, queued, backlog);
	return -1;
}
