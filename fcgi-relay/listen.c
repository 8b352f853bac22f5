/* The listening socket and the options of the FastCGI connections. */
#include "config.h"

#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
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
	if (g_per_conn)
		set_input_options(fd);
	return 0;
}

void listen_conn_output(int fd)
{
	if (g_per_conn)
		set_output_options(fd);
}
