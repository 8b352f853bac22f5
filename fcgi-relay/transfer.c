/* The transfer to the agent: libcurl options and callbacks, the retry
 * rule, and the process's one pool of kept agent connections. */
#include "config.h"

#include "transfer.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "log.h"
#include "ops.h"

/* ---- the pool of agent connections ----
 *
 * libcurl 7.88 documents a connection cache shared between threads
 * (CURLSH with CURL_LOCK_DATA_CONNECT) as unsafe, so connections are
 * not shared: each easy handle keeps at most one (CURLOPT_MAXCONNECTS
 * 1), and handles are lent to one request at a time from one stack.
 * The most recently used handle goes out first, so a warm connection is
 * reused; past AGENT_KEEPALIVE_MAX idle handles a returned one is
 * closed, so the process never keeps more idle agent connections than
 * that, however many requests it served at once. */
struct agent_conn {
	CURL *curl;
	curl_socket_t fd; /* the connection it keeps, or CURL_SOCKET_BAD */
	long long idle_since_ms;
	struct agent_conn *next;
};

static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct agent_conn *g_idle;
static int g_idle_count;

static struct agent_conn *conn_take(void)
{
	struct agent_conn *a;

	pthread_mutex_lock(&g_pool_lock);
	a = g_idle;
	if (a != NULL) {
		g_idle = a->next;
		g_idle_count--;
	}
	pthread_mutex_unlock(&g_pool_lock);
	if (a != NULL)
		return a;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->fd = CURL_SOCKET_BAD;
	if ((a->curl = curl_easy_init()) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

static void conn_close(struct agent_conn *a)
{
	curl_easy_cleanup(a->curl);
	free(a);
}

/* Unlinks the handles at the bottom of the stack (the longest idle)
 * whose connection is too old to be reused anyway (keepalive_max_age),
 * so a relay that was busy once does not keep their memory for good.
 * Returns them as a list for the caller to close outside the lock. */
static struct agent_conn *conn_prune_locked(long long now, long long max_age)
{
	struct agent_conn **pp = &g_idle, *old;

	while (*pp != NULL && now - (*pp)->idle_since_ms <= max_age)
		pp = &(*pp)->next;
	old = *pp; /* the stack is ordered: everything below is older */
	*pp = NULL;
	for (struct agent_conn *a = old; a != NULL; a = a->next)
		g_idle_count--;
	return old;
}

/* The socket libcurl kept after the transfer is what the next request
 * checks before it may reuse the connection. */
static void conn_give(struct agent_conn *a, long long max_age)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	struct agent_conn *old;

	if (curl_easy_getinfo(a->curl, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK)
		fd = CURL_SOCKET_BAD;
	a->fd = fd;
	a->idle_since_ms = relay_now_ms();
	pthread_mutex_lock(&g_pool_lock);
	old = conn_prune_locked(a->idle_since_ms, max_age);
	if (g_idle_count < AGENT_KEEPALIVE_MAX) {
		a->next = g_idle;
		g_idle = a;
		g_idle_count++;
		a = NULL;
	}
	pthread_mutex_unlock(&g_pool_lock);
	if (a != NULL)
		conn_close(a);
	while ((a = old) != NULL) {
		old = a->next;
		conn_close(a);
	}
}

void transfer_cleanup(void)
{
	struct agent_conn *a;

	pthread_mutex_lock(&g_pool_lock);
	while ((a = g_idle) != NULL) {
		g_idle = a->next;
		conn_close(a);
	}
	g_idle_count = 0;
	pthread_mutex_unlock(&g_pool_lock);
}

int transfer_idle_agents(void)
{
	const struct agent_conn *a;
	int n = 0;

	pthread_mutex_lock(&g_pool_lock);
	for (a = g_idle; a != NULL; a = a->next)
		n += a->fd != CURL_SOCKET_BAD;
	pthread_mutex_unlock(&g_pool_lock);
	return n;
}

/* An idle connection with bytes waiting (the agent wrote past the end of
 * its last answer: a body after HEAD or 204, more than Content-Length)
 * or at EOF must not carry the next request: those bytes would be read
 * as the next client's answer. libcurl 7.88 notices only a closed
 * connection, so the relay looks, as nginx's and Apache's upstream
 * keep-alive do. */
enum conn_state { CONN_CLEAN, CONN_CLOSED, CONN_SURPLUS };

static enum conn_state conn_check(const struct agent_conn *a)
{
	struct pollfd p = {a->fd, POLLIN | POLLRDHUP, 0};
	char c;

	if (a->fd == CURL_SOCKET_BAD || poll(&p, 1, 0) <= 0 || p.revents == 0)
		return CONN_CLEAN;
	/* Readable: bytes waiting, or the agent closed it (its keep-alive
	 * timeout: common and harmless, not worth a warning). */
	if (recv(a->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		return CONN_SURPLUS;
	return CONN_CLOSED;
}

/* ---- libcurl callbacks; userdata is the struct relay_req ---- */

/* The body length the agent's final head declared, as libcurl read it
 * (it refuses a malformed or conflicting Content-Length); -1: none. */
static long long body_length(struct relay_req *q)
{
	curl_off_t len = -1;

	if (q->curl == NULL ||
	    curl_easy_getinfo(q->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	                      &len) != CURLE_OK)
		return -1;
	return (long long)len;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct relay_req *q = ud;
	size_t len = size * n;

	switch (resphead_line(&q->rh, buf, len)) {
	case RH_ERROR:
		q->xf.head_error = 1;
		q->detail = q->rh.error;
		return 0;
	case RH_DONE:
		if (q->phase == PHASE_STREAM)
			return len; /* trailers: CGI cannot carry them */
		q->expect_out = body_length(q);
		return answer_head(q) < 0 ? 0 : len;
	case RH_INTERIM:
	case RH_MORE:
		break;
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct relay_req *q = ud;
	size_t len = size * n;

	if (q->phase != PHASE_STREAM) {
		q->xf.head_error = 1;
		q->detail = "body before a complete head";
		return 0;
	}
	q->last_down_ms = relay_now_ms();
	/* 0: CURLE_WRITE_ERROR stops the agent at once */
	return answer_body(q, buf, len) < 0 ? 0 : len;
}

static size_t on_upload(char *buf, size_t size, size_t n, void *ud)
{
	struct relay_req *q = ud;
	size_t want = size * n;
	long got;
	long long limit = settings_num(q->s, SET_MAX_BODY_SIZE);

	if (q->p.has_length) {
		unsigned long long left = q->p.length - q->body_read;

		if (left == 0) {
			q->body_eof = 1;
			return 0;
		}
		if (want > left)
			want = (size_t)left;
	}
	got = q->io->read(q->io->rctx, buf, want);
	if (got < 0 || (got == 0 && q->p.has_length)) {
		/* RFC 9112 §8: an incomplete request is never completed */
		q->xf.body_short = 1;
		return CURL_READFUNC_ABORT;
	}
	if (got == 0) {
		q->body_eof = 1;
		return 0;
	}
	q->body_read += (unsigned long long)got;
	if (q->p.has_length && q->body_read == q->p.length)
		q->body_eof = 1;
	if (limit > 0 && !q->p.has_length &&
	    q->body_read > (unsigned long long)limit) {
		q->xf.body_too_large = 1;
		return CURL_READFUNC_ABORT;
	}
	q->last_up_ms = relay_now_ms();
	return (size_t)got;
}

/* libcurl rewinds the body to resend it on a fresh connection. That is
 * only possible before the first byte was taken from the client, and is
 * refused for non-idempotent methods (RFC 9110 §9.2.2). */
static int on_seek(void *ud, curl_off_t offset, int origin)
{
	struct relay_req *q = ud;

	if (offset == 0 && origin == SEEK_SET && q->body_read == 0 &&
	    q->p.idempotent)
		return CURL_SEEKFUNC_OK;
	return CURL_SEEKFUNC_CANTSEEK;
}

/* A web server that closed the FastCGI connection (client gone) shows as
 * a hang-up; a write error would appear only at the next body piece. A
 * half-close counts only once the body was read (before that it is the
 * end of the request stream), and never under CGI (see relay_io). */
static int peer_gone(const struct relay_req *q)
{
	struct pollfd p = {q->io->peer_fd, POLLRDHUP, 0};

	if (p.fd < 0 || poll(&p, 1, 0) <= 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
		return 1;
	return (p.revents & POLLRDHUP) && q->io->half_close_is_gone &&
	       (!q->p.expect_body || q->body_eof);
}

/* libcurl calls this after every pass that did not finish the transfer:
 * one read of what the agent had delivered. Flushing here writes what
 * arrived when the next read would wait, so a stream's events leave one
 * by one and a burst leaves in one write. A whole answer is not flushed
 * here: libcurl ends the transfer without waiting again, and what is
 * held leaves with the end of the request in one write (lighttpd closes
 * the connection once it has the whole Content-Length, before a
 * separate FCGI_END_REQUEST). Also the clock: first-byte and idle
 * deadlines, and the client's hang-up. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	struct relay_req *q = ud;
	long long now = relay_now_ms();

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (!answer_whole(q) && answer_flush(q) < 0) {
		q->xf.client_gone = 1;
		q->detail = "web server closed the connection";
		return 1;
	}
	if (q->phase != PHASE_STREAM) {
		long long since =
		    q->last_up_ms > q->start_ms ? q->last_up_ms : q->start_ms;

		if (now - since > settings_num(q->s, SET_RESPONSE_TIMEOUT)) {
			q->xf.timed_out = 1;
			q->detail = "no response head within response_timeout";
			return 1;
		}
	} else if (now - q->last_down_ms >
	           settings_num(q->s, SET_IDLE_TIMEOUT)) {
		q->xf.timed_out = 1;
		q->detail = "agent silent for longer than idle_timeout";
		return 1;
	} else if (now - q->last_down_ms > QUIET_STREAM_MS) {
		relay_release_scratch(q);
	}
	if (now >= q->next_poll_ms) {
		q->next_poll_ms = now + HUP_POLL_MS;
		if (peer_gone(q)) {
			q->xf.client_gone = 1;
			q->detail = "web server closed the connection";
			return 1;
		}
	}
	return 0;
}

/* ---- options ---- */

/* The list for CURLOPT_HTTPHEADER. "Name:" without a value removes a
 * header libcurl would add: Expect (it would wait for 100 Continue; the
 * web server already answered the client's) and Accept when the client
 * sent none. */
static int slist_add(struct curl_slist **list, const char *line)
{
	struct curl_slist *next = curl_slist_append(*list, line);

	if (next == NULL)
		return -1;
	*list = next;
	return 0;
}

static struct curl_slist *header_slist(const struct relay_req *q)
{
	struct curl_slist *list = NULL;
	const char *line;
	size_t pos = 0;

	while ((line = hdr_list_next(&q->p.hl, &pos)) != NULL)
		if (slist_add(&list, line) < 0)
			goto fail;
	if (req_get(&q->rv, "HTTP_ACCEPT") == NULL &&
	    slist_add(&list, "Accept:") < 0)
		goto fail;
	if (slist_add(&list, "Expect:") < 0)
		goto fail;
	return list;
fail:
	curl_slist_free_all(list);
	return NULL;
}

/* Options pinned for every request (security.md §3.5): no proxy from
 * the environment, http and https only, no redirects, bytes as sent. */
static void set_fixed_options(CURL *c, const struct relay_req *q)
{
	const struct settings *s = q->s;

	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)AGENT_RECV_BUFFER);
	curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, (long)AGENT_SEND_BUFFER);
	curl_easy_setopt(c, CURLOPT_MAXCONNECTS, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)settings_num(s, SET_CONNECT_TIMEOUT));
	curl_easy_setopt(c, CURLOPT_MAXAGE_CONN,
	                 (long)(settings_num(s, SET_KEEPALIVE_MAX_AGE) / 1000));
	ops_count_agent_sockets(c); /* the status page's agent connections */
	if (settings_isset(s, SET_AGENT_SOCKET))
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		                 settings_str(s, SET_AGENT_SOCKET));
	if (settings_isset(s, SET_CA_FILE))
		curl_easy_setopt(c, CURLOPT_CAINFO,
		                 settings_str(s, SET_CA_FILE));
}

static void set_callbacks(CURL *c, struct relay_req *q)
{
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
	curl_easy_setopt(c, CURLOPT_READDATA, q);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, q);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->errbuf);
}

/* HEAD via NOBODY (CUSTOMREQUEST only renames the method, libcurl would
 * still wait for a body); a body is an upload of known or chunked size. */
static void set_method(CURL *c, const struct plan *p)
{
	if (p->head_request) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		return;
	}
	if (p->expect_body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		                 p->has_length ? (curl_off_t)p->length
		                               : (curl_off_t)-1);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	if (strcmp(p->method, p->expect_body ? "PUT" : "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, p->method);
	/* libcurl resends a request whose reused connection closed without
	 * an answer; with a body our seek callback refuses the rewind, but a
	 * bodiless POST would go out twice (RFC 9110 §9.2.2). A fresh
	 * connection has no such retry. */
	if (!p->idempotent &&
	    (!p->expect_body || (p->has_length && p->length == 0)))
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
}

/* One retry, only when nothing reached the agent that could have acted:
 * a failed connect, or a reused connection that died before answering
 * an idempotent request; never once a client body byte was taken. */
static int may_retry(CURL *c, const struct relay_req *q, CURLcode rc)
{
	long connects = 1;

	if (q->phase == PHASE_STREAM || q->rh.status != 0 || q->body_read > 0 ||
	    q->xf.client_gone || q->xf.head_error || q->xf.timed_out ||
	    q->xf.body_short || q->xf.body_too_large)
		return 0;
	if (rc == CURLE_COULDNT_CONNECT)
		return 1;
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	return connects == 0 && q->p.idempotent &&
	       (rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR ||
	        rc == CURLE_RECV_ERROR);
}

static CURLcode perform_with_retry(struct agent_conn *a, struct relay_req *q)
{
	CURLcode rc;
	int attempt;

	for (attempt = 0;; attempt++) {
		rc = curl_easy_perform(a->curl);
		if (attempt > 0 || rc == CURLE_OK || !may_retry(a->curl, q, rc))
			return rc;
		log_warning("retrying after %s", curl_easy_strerror(rc));
		resphead_init(&q->rh);
		q->errbuf[0] = '\0';
		q->detail = NULL;
		q->start_ms = relay_now_ms();
		curl_easy_setopt(a->curl, CURLOPT_FRESH_CONNECT, 1L);
	}
}

/* For the access log: libcurl counts the connections it made for the
 * transfer; 0 means it reused the one its handle keeps, once it sent
 * the request on it (a transfer stopped before that used none). The
 * handle may keep a connection its fd does not show: after a request to
 * another agent_url failed to connect, libcurl still caches the one
 * before. A connect that failed or timed out made none, though it may
 * be counted. */
static enum agent_use agent_use(CURL *c, CURLcode rc)
{
	long connects = 0, sent = 0;
	curl_off_t connected_us = 0;

	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		return AGENT_NONE;
	if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK)
		return AGENT_NONE;
	if (connects == 0) {
		if (curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &sent) !=
		        CURLE_OK ||
		    sent <= 0)
			return AGENT_NONE;
		return AGENT_REUSED;
	}
	if (curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected_us) !=
	        CURLE_OK ||
	    connected_us <= 0)
		return AGENT_NONE;
	return AGENT_NEW;
}

/* What an operator needs beyond curl's own message: which socket, or
 * that TLS (not the agent's answer) failed. */
static const char *transfer_detail(struct relay_req *q, CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return "TLS with the agent failed";
	case CURLE_COULDNT_CONNECT:
		if (!settings_isset(q->s, SET_AGENT_SOCKET))
			return NULL;
		snprintf(q->detail_buf, sizeof(q->detail_buf),
		         "agent_socket %s",
		         settings_str(q->s, SET_AGENT_SOCKET));
		return q->detail_buf;
	default:
		return NULL;
	}
}

CURLcode transfer_run(struct relay_req *q)
{
	struct agent_conn *a = conn_take();
	struct curl_slist *hdrs = NULL;
	CURLcode rc = CURLE_OUT_OF_MEMORY;

	if (a == NULL || (hdrs = header_slist(q)) == NULL) {
		q->detail = "out of memory";
		goto out;
	}
	curl_easy_reset(a->curl); /* keeps the connection */
	set_fixed_options(a->curl, q);
	set_callbacks(a->curl, q);
	q->curl = a->curl;
	set_method(a->curl, &q->p);
	curl_easy_setopt(a->curl, CURLOPT_URL, q->p.url);
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, hdrs);
	switch (conn_check(a)) {
	case CONN_SURPLUS:
		log_warning("agent connection has bytes past its last answer: "
		            "not reused");
		/* fall through */
	case CONN_CLOSED:
		curl_easy_setopt(a->curl, CURLOPT_FRESH_CONNECT, 1L);
		break;
	case CONN_CLEAN:
		break;
	}
	rc = perform_with_retry(a, q);
	q->agent = agent_use(a->curl, rc);
	if (q->detail == NULL)
		q->detail = transfer_detail(q, rc);
	/* The handle keeps pointers to the list and this request; clear
	 * them so no later use can see freed memory. */
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, NULL);
	q->curl = NULL;
out:
	curl_slist_free_all(hdrs);
	if (a != NULL)
		conn_give(a, settings_num(q->s, SET_KEEPALIVE_MAX_AGE));
	return rc;
}
