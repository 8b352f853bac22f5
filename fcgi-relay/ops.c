/* The operator's paths of the relay: status page, ping and readiness,
 * answered by the relay itself, and the count of agent sockets. */
#include "config.h"

#include "ops.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drain.h"
#include "pool.h"
#include "stats.h"
#include "target.h"
#include "transfer.h"

/* Whether the request's path is want (exactly: no prefix match, so
 * nothing below it is shadowed); sets its query (NULL when none). */
static int path_is(const struct reqview *r, const char *want,
                   const char **query, size_t *qlen)
{
	const char *uri, *path;
	size_t wlen, len;

	*query = NULL;
	*qlen = 0;
	if (want[0] == '\0')
		return 0; /* off: every request passes here, so before any scan
		           */
	wlen = strlen(want);
	uri = req_get(r, "REQUEST_URI");
	if (uri != NULL)
		return target_split_uri(uri, strlen(uri), &path, &len, query,
		                        qlen) == NULL &&
		       len == wlen && memcmp(path, want, len) == 0;
	/* Without REQUEST_URI the server's decoded pieces are all there is. */
	path = req_get0(r, "SCRIPT_NAME");
	len = strlen(path);
	if (len > wlen || memcmp(path, want, len) != 0 ||
	    strcmp(req_get0(r, "PATH_INFO"), want + len) != 0)
		return 0;
	*query = req_get(r, "QUERY_STRING");
	*qlen = *query != NULL ? strlen(*query) : 0;
	return 1;
}

/* Every answer of these paths is whole in one write: the place it held
 * against max_workers is free before it (relay_io.answered). */
static int whole(const struct relay_io *io, int status, const char *type,
                 int retry, const char *body, size_t len, int head_only)
{
	relay_io_answered(io);
	return response_whole(&io->out, status, type, retry, body, len,
	                      head_only);
}

static int answer_text(const struct relay_io *io, int status, int retry,
                       const char *text, int head_only)
{
	return whole(io, status, "text/plain; charset=utf-8", retry, text,
	             strlen(text), head_only);
}

static void read_snapshot(struct stats_snap *snap)
{
	int workers, idle, busy, cap;
	unsigned queued, backlog;

	stats_read(snap);
	if (pool_listen_queue(&queued, &backlog) == 0) {
		snap->listen_known = 1;
		snap->listen_queue = queued;
		snap->listen_backlog = backlog;
	}
	pool_gauges(&workers, &idle, &busy, &cap);
	snap->workers = (unsigned long long)workers;
	snap->idle = (unsigned long long)idle;
	snap->in_flight = (unsigned long long)busy;
	snap->cap = (unsigned long long)cap;
	snap->agent_idle = (unsigned long long)transfer_idle_agents();
}

/* The counters only: never a setting's value (agent_url may carry
 * credentials, paths say how the host is laid out). */
static int answer_status(const struct relay_io *io, const char *query,
                         size_t qlen, int head_only)
{
	enum stats_format f = stats_format_of(query, qlen);
	struct stats_snap snap;
	char page[STATS_PAGE_MAX];
	long n;

	read_snapshot(&snap);
	n = stats_render(&snap, f, page, sizeof(page));
	if (n < 0)
		return answer_text(io, 500, 0, "status page too large\n",
		                   head_only);
	return whole(io, 200, stats_content_type(f), 0, page, (size_t)n,
	             head_only);
}

/* Ready when the agent answers HTTP below 500 in time: a 5xx from it
 * (a proxy in front of a stopped app) is not ready either. */
static int answer_ready(const struct settings *s, const struct relay_io *io,
                        int head_only)
{
	long code = relay_agent_status(s, READY_TIMEOUT_MS);

	if (code > 0 && code < 500)
		return answer_text(io, 200, 0, "ready\n", head_only);
	return answer_text(
	    io, 503, READY_RETRY_AFTER_S,
	    code > 0 ? "agent not ready\n" : "agent unreachable\n", head_only);
}

enum op { OP_NONE, OP_STATUS, OP_PING, OP_READY };

static enum op which_op(const struct settings *s, const struct reqview *r,
                        const char **query, size_t *qlen)
{
	if (path_is(r, settings_str(s, SET_STATUS_PATH), query, qlen))
		return OP_STATUS;
	if (path_is(r, settings_str(s, SET_PING_PATH), query, qlen))
		return OP_PING;
	if (path_is(r, settings_str(s, SET_READY_PATH), query, qlen))
		return OP_READY;
	return OP_NONE;
}

static int answer_op(const struct settings *s, const struct relay_io *io,
                     enum op op, const char *query, size_t qlen,
                     const char *method)
{
	int head_only = strcmp(method, "HEAD") == 0;

	if (!head_only && strcmp(method, "GET") != 0)
		return answer_text(io, 405, 0, "405 Method Not Allowed\n", 0);
	switch (op) {
	case OP_STATUS:
		return answer_status(io, query, qlen, head_only);
	case OP_PING:
		return answer_text(io, 200, 0, "pong\n", head_only);
	case OP_READY:
		return answer_ready(s, io, head_only);
	case OP_NONE:
		break;
	}
	return -1;
}

int ops_serve(const struct settings *s, char *const *envp,
              const struct relay_io *io, int over_cap)
{
	struct reqview r = {envp};
	const char *query;
	size_t qlen;
	enum op op;
	int bits;

	stats_accepted();
	op = which_op(s, &r, &query, &qlen);
	if (op == OP_NONE || (op == OP_READY && over_cap))
		return -1;
	bits = answer_op(s, io, op, query, qlen,
	                 req_get0(&r, "REQUEST_METHOD")) < 0
	           ? RELAY_CUT
	           : 0;
	stats_local();
	if (bits == 0 && drain_body_may_follow(&r))
		bits = RELAY_UNDRAINED;
	return bits;
}

/* libcurl keeps the close callback with the connection it opened, so
 * every socket counted open here is counted closed, whichever handle
 * or request closes it. */
static curl_socket_t open_agent_socket(void *ud, curlsocktype purpose,
                                       struct curl_sockaddr *a)
{
	curl_socket_t fd;

	(void)ud, (void)purpose;
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	if (fd != CURL_SOCKET_BAD)
		stats_agent_socket(1);
	return fd;
}

static int close_agent_socket(void *ud, curl_socket_t fd)
{
	(void)ud;
	stats_agent_socket(-1);
	return close(fd);
}

void ops_count_agent_sockets(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_agent_socket);
	curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, close_agent_socket);
}
