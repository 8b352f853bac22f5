/* One relayed request: from the web server's parameters and body to the
 * agent with libcurl, and the agent's answer back. */
#include "config.h"

#include "relay.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diaghook.h"
#include "drain.h"
#include "via.h"
#include "log.h"

long long relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int relay_worker_init(struct relay_worker *w, const struct settings *base)
{
	w->base = base;
	w->curl = curl_easy_init();
	w->req = malloc(sizeof(*w->req));
	if (w->curl == NULL || w->req == NULL) {
		relay_worker_free(w);
		return -1;
	}
	return 0;
}

void relay_worker_free(struct relay_worker *w)
{
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);
	free(w->req);
	w->curl = NULL;
	w->req = NULL;
}

/* Only the small fields: the large buffers are filled before use. */
static void req_reset(struct relay_req *q, const struct relay_worker *w,
                      char *const *envp, const struct relay_io *io)
{
	memcpy(&q->s, w->base, sizeof(q->s));
	q->rv.envp = envp;
	q->io = io;
	q->method[0] = '\0';
	q->errbuf[0] = '\0';
	q->detail = NULL;
	q->cause = CAUSE_OK;
	memset(&q->xf, 0, sizeof(q->xf));
	q->head_request = 0;
	q->no_body = 0;
	q->idempotent = 0;
	q->headers_sent = 0;
	q->held = 0;
	q->has_length = 0;
	q->length = 0;
	q->body_read = 0;
	q->expect_body = 0;
	q->body_eof = 1;
	q->status = 0;
	q->bytes_out = 0;
	q->start_ms = relay_now_ms();
	q->last_up_ms = 0;
	q->last_down_ms = q->start_ms;
	q->next_poll_ms = q->start_ms + HUP_POLL_MS;
	resphead_init(&q->rh);
}

/* RFC 9110 §9.2.2 */
static int method_idempotent(const char *m)
{
	static const char *const idem[] = {"GET", "HEAD",   "OPTIONS", "TRACE",
	                                   "PUT", "DELETE", NULL};
	size_t i;

	for (i = 0; idem[i] != NULL; i++)
		if (strcmp(m, idem[i]) == 0)
			return 1;
	return 0;
}

static enum relay_cause check_method(struct relay_req *q)
{
	const char *m = req_get0(&q->rv, "REQUEST_METHOD");
	size_t n = strlen(m);

	if (n > METHOD_MAX || !http_token(m, n)) {
		q->detail = "invalid request method";
		return CAUSE_BAD_REQUEST;
	}
	memcpy(q->method, m, n + 1);
	if (strcmp(m, "CONNECT") == 0) {
		q->detail = "CONNECT cannot be relayed";
		return CAUSE_METHOD;
	}
	q->head_request = strcmp(m, "HEAD") == 0;
	q->idempotent = method_idempotent(m);
	return CAUSE_OK;
}

/* CONTENT_LENGTH is digits only (RFC 9110 §8.6); a chunked request
 * comes without it and with HTTP_TRANSFER_ENCODING (Apache mod_cgi). */
static enum relay_cause check_body(struct relay_req *q)
{
	const char *cl = req_get(&q->rv, "CONTENT_LENGTH");
	long long limit = settings_num(&q->s, SET_MAX_BODY_SIZE);
	size_t i;

	if (cl == NULL || cl[0] == '\0') {
		if (req_get(&q->rv, "HTTP_TRANSFER_ENCODING") != NULL &&
		    !q->head_request) {
			q->expect_body = 1;
			q->body_eof = 0;
		}
		return CAUSE_OK;
	}
	for (i = 0; cl[i] != '\0'; i++) {
		if (cl[i] < '0' || cl[i] > '9' || i >= 18) {
			q->detail = "invalid CONTENT_LENGTH";
			return CAUSE_BAD_REQUEST;
		}
		q->length = q->length * 10 + (unsigned)(cl[i] - '0');
	}
	q->has_length = 1;
	if (limit > 0 && q->length > (unsigned long long)limit) {
		q->detail = "CONTENT_LENGTH above max_body_size";
		return CAUSE_BODY_TOO_LARGE;
	}
	/* A POST of 0 bytes still says Content-Length: 0. */
	if (q->length > 0 ||
	    (strcmp(q->method, "GET") != 0 && !q->head_request))
		q->expect_body = 1;
	q->body_eof = q->length == 0;
	return CAUSE_OK;
}

static enum relay_cause load_settings(struct relay_req *q, char *buf,
                                      size_t buflen)
{
	const char *url;

	if (settings_load_env(&q->s, q->rv.envp, SRC_REQUEST, buf, buflen) <
	    0) {
		q->detail = buf;
		return CAUSE_CONFIG;
	}
	url = settings_str(&q->s, SET_AGENT_URL);
	if (url[0] == '\0') {
		q->detail = "agent_url is not set";
		return CAUSE_CONFIG;
	}
	if ((q->detail = base_url_parse(url, strlen(url), &q->agent)) != NULL)
		return CAUSE_CONFIG;
	return CAUSE_OK;
}

static enum relay_cause build_target(struct relay_req *q)
{
	struct target_src src;

	target_src_from_request(&q->rv, &src);
	q->detail = target_build(&src, settings_str(&q->s, SET_STRIP_PREFIX),
	                         q->agent.prefix, &q->t);
	if (q->detail == NULL)
		return CAUSE_OK;
	return q->t.status == 414 ? CAUSE_URI_TOO_LONG : CAUSE_BAD_REQUEST;
}

static enum relay_cause build_headers(struct relay_req *q)
{
	char host[sizeof(q->agent.host) + 8], via[VIA_PSEUDONYM_SIZE];
	struct hdr_opts o;
	unsigned dflt = q->agent.https ? 443u : 80u;

	if (q->agent.port == dflt)
		snprintf(host, sizeof(host), "%s", q->agent.host);
	else
		snprintf(host, sizeof(host), "%s:%u", q->agent.host,
		         q->agent.port);
	o.agent_host = host;
	o.preserve_host = (int)settings_num(&q->s, SET_PRESERVE_HOST);
	o.fwd =
	    (enum forwarded_style)settings_num(&q->s, SET_FORWARDED_HEADERS);
	o.trust_forwarded = (int)settings_num(&q->s, SET_TRUST_FORWARDED);
	o.via = via_pseudonym(settings_str(&q->s, SET_AGENT_URL), via);
	if (via_loop_known(via)) {
		q->detail = "agent_url led back to this relay lately (Via)";
		return CAUSE_LOOP;
	}
	q->detail = headers_build(&q->rv, &o, &q->hl);
	if (q->detail == NULL)
		return CAUSE_OK;
	if (q->hl.status == 508) {
		via_loop_seen(via);
		return CAUSE_LOOP;
	}
	return q->hl.status == 431 ? CAUSE_HEADERS_TOO_LARGE
	                           : CAUSE_BAD_REQUEST;
}

/* Everything decided before the agent is contacted; the first failure
 * is the cause. */
static enum relay_cause prepare(struct relay_req *q, char *msg, size_t msglen)
{
	const char *role = req_get(&q->rv, "FCGI_ROLE");
	enum relay_cause c;

	if ((c = load_settings(q, msg, msglen)) != CAUSE_OK)
		return c;
	if (role != NULL && strcmp(role, "RESPONDER") != 0) {
		q->detail = "FastCGI role other than RESPONDER";
		return CAUSE_CONFIG;
	}
	if ((c = check_method(q)) != CAUSE_OK ||
	    (c = check_body(q)) != CAUSE_OK ||
	    (c = build_target(q)) != CAUSE_OK ||
	    (c = build_headers(q)) != CAUSE_OK)
		return c;
	client_base_from_request(&q->rv, settings_str(&q->s, SET_STRIP_PREFIX),
	                         &q->cb);
	return CAUSE_OK;
}

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

	while ((line = hdr_list_next(&q->hl, &pos)) != NULL)
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
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)settings_num(&q->s, SET_CONNECT_TIMEOUT));
	curl_easy_setopt(
	    c, CURLOPT_MAXAGE_CONN,
	    (long)(settings_num(&q->s, SET_KEEPALIVE_MAX_AGE) / 1000));
	if (settings_isset(&q->s, SET_AGENT_SOCKET))
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		                 settings_str(&q->s, SET_AGENT_SOCKET));
	if (settings_isset(&q->s, SET_CA_FILE))
		curl_easy_setopt(c, CURLOPT_CAINFO,
		                 settings_str(&q->s, SET_CA_FILE));
}

static void set_callbacks(CURL *c, struct relay_req *q)
{
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, relay_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, relay_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, relay_read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, q);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, relay_seek_cb);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, relay_xferinfo_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, q);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->errbuf);
}

/* HEAD via NOBODY (CUSTOMREQUEST only renames the method, libcurl would
 * still wait for a body); a body is an upload of known or chunked size. */
static void set_method(CURL *c, const struct relay_req *q)
{
	if (q->head_request) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		return;
	}
	if (q->expect_body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		                 q->has_length ? (curl_off_t)q->length
		                               : (curl_off_t)-1);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	if (strcmp(q->method, q->expect_body ? "PUT" : "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	/* libcurl resends a request whose reused connection closed without
	 * an answer; with a body our seek callback refuses the rewind, but a
	 * bodiless POST would go out twice (RFC 9110 §9.2.2). A fresh
	 * connection has no such retry. */
	if (!q->idempotent &&
	    (!q->expect_body || (q->has_length && q->length == 0)))
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
}

/* One retry, only when nothing reached the agent that could have acted:
 * a failed connect, or a reused connection that died before answering
 * an idempotent request; never once a client body byte was taken. */
static int may_retry(CURL *c, const struct relay_req *q, CURLcode rc)
{
	long connects = 1;

	if (q->headers_sent || q->rh.status != 0 || q->body_read > 0 ||
	    q->xf.client_gone || q->xf.head_error || q->xf.timed_out ||
	    q->xf.body_short || q->xf.body_too_large)
		return 0;
	if (rc == CURLE_COULDNT_CONNECT)
		return 1;
	curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
	return connects == 0 && q->idempotent &&
	       (rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR ||
	        rc == CURLE_RECV_ERROR);
}

static CURLcode transfer(struct relay_worker *w, struct relay_req *q,
                         struct curl_slist *hdrs, const char *url)
{
	CURL *c = w->curl;
	CURLcode rc;
	int attempt;

	curl_easy_reset(c); /* keeps the connection cache */
	set_fixed_options(c, q);
	set_callbacks(c, q);
	set_method(c, q);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	for (attempt = 0;; attempt++) {
		rc = curl_easy_perform(c);
		if (attempt > 0 || rc == CURLE_OK || !may_retry(c, q, rc))
			break;
		log_msg("retrying after %s", curl_easy_strerror(rc));
		resphead_init(&q->rh);
		q->errbuf[0] = '\0';
		q->detail = NULL;
		q->start_ms = relay_now_ms();
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	}
	return rc;
}

/* What an operator needs beyond curl's own message: which socket, or
 * that TLS (not the agent's answer) failed. */
static const char *transfer_detail(const struct relay_req *q, CURLcode rc,
                                   char *buf, size_t buflen)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
		return "TLS with the agent failed";
	case CURLE_COULDNT_CONNECT:
		if (!settings_isset(&q->s, SET_AGENT_SOCKET))
			return NULL;
		snprintf(buf, buflen, "agent_socket %s",
		         settings_str(&q->s, SET_AGENT_SOCKET));
		return buf;
	default:
		return NULL;
	}
}

static void log_failure(const struct relay_req *q, CURLcode rc, int status)
{
	char mesc[METHOD_MAX * 4 + 8], uesc[LOG_URI_MAX], desc[512], code[8];
	const char *d = q->detail != NULL ? q->detail : "";

	/* a detail that only repeats the cause says nothing */
	if (strcmp(d, cause_message(q->cause)) == 0)
		d = "";
	snprintf(code, sizeof(code), "%d", status);
	log_escape(mesc, sizeof(mesc), req_get0(&q->rv, "REQUEST_METHOD"),
	           strlen(req_get0(&q->rv, "REQUEST_METHOD")));
	req_log_target(&q->rv, uesc, sizeof(uesc));
	log_escape(desc, sizeof(desc), d, strlen(d));
	log_msg("%s %s: %s%s%s%s%s%s%s%s -> %s after %lld ms", mesc, uesc,
	        cause_message(q->cause), desc[0] ? ": " : "", desc,
	        rc != CURLE_OK ? " (curl: " : "",
	        rc != CURLE_OK ? curl_easy_strerror(rc) : "",
	        rc != CURLE_OK && q->errbuf[0] ? "; " : "",
	        rc != CURLE_OK ? q->errbuf : "", rc != CURLE_OK ? ")" : "",
	        status != 0       ? code
	        : q->headers_sent ? "response cut"
	                          : "no answer",
	        relay_now_ms() - q->start_ms);
}

static void log_access(const struct relay_req *q)
{
	char mesc[METHOD_MAX * 4 + 8], uesc[LOG_URI_MAX], aesc[64];

	log_escape(mesc, sizeof(mesc), q->method, strlen(q->method));
	req_log_target(&q->rv, uesc, sizeof(uesc));
	log_escape(aesc, sizeof(aesc), req_get0(&q->rv, "REMOTE_ADDR"),
	           strlen(req_get0(&q->rv, "REMOTE_ADDR")));
	log_msg("access %s \"%s %s\" %d %llu %lld ms", aesc, mesc, uesc,
	        q->status, q->bytes_out, relay_now_ms() - q->start_ms);
}

/* Reads and drops what is left of the body (bounds by mode: drain.h), so
 * a kept FastCGI connection stays in step and Apache mod_cgid keeps our
 * answer. The body comes from the request itself: an early answer (400,
 * 405, 413) may come before check_body looked at it. */
static int drain(struct relay_req *q)
{
	struct drain_body b;
	int rc;

	if (drain_body_init(&b, &q->rv) < 0)
		return -1;
	b.taken = q->body_read;
	if (q->expect_body)
		b.eof = q->body_eof;
	rc = drain_rest(q->io->cgi ? DRAIN_CGI : DRAIN_FASTCGI, &b, q->io->read,
	                q->io->rctx);
	q->body_read = b.taken;
	q->body_eof = b.eof;
	return rc;
}

/* The one place a cause becomes an answer and a log line. */
static int finish(struct relay_req *q, CURLcode rc)
{
	int status = cause_status(q->cause), out = 0;

	if (q->cause != CAUSE_OK) {
		if (q->headers_sent)
			status = 0; /* never a second Status */
		log_failure(q, rc, status);
		if (status != 0 &&
		    response_error(&q->io->out, status, cause_message(q->cause),
		                   q->head_request) == 0)
			q->status = status;
		if (q->headers_sent || q->cause == CAUSE_CLIENT_GONE)
			out |= RELAY_CUT;
	}
	if (settings_num(&q->s, SET_ACCESS_LOG))
		log_access(q);
	/* The answer goes out before a drain that may take a second. */
	if (!(out & RELAY_CUT) && !q->body_eof && relay_flush_held(q) < 0)
		out |= RELAY_CUT;
	if (!(out & RELAY_CUT) && q->cause != CAUSE_CLIENT_BODY && drain(q) < 0)
		out |= RELAY_UNDRAINED;
	return out;
}

int relay_serve(struct relay_worker *w, char *const *envp,
                const struct relay_io *io)
{
	struct relay_req *q = w->req;
	struct curl_slist *hdrs = NULL;
	char url[TARGET_MAX + 512], msg[SETTING_VALUE_MAX + 64];
	CURLcode rc = CURLE_OK;
	int n;

	req_reset(q, w, envp, io);
	if ((n = relay_diagnose(q)) >= 0) /* diagnose_path: diaghook.c */
		return n;
	if ((q->cause = prepare(q, msg, sizeof(msg))) != CAUSE_OK)
		goto out;
	n = base_url_origin(&q->agent, url, sizeof(url));
	if (n < 0 || (size_t)n + q->t.len >= sizeof(url)) {
		q->cause = CAUSE_URI_TOO_LONG;
		goto out;
	}
	memcpy(url + n, q->t.buf, q->t.len + 1);
	if ((hdrs = header_slist(q)) == NULL) {
		q->cause = CAUSE_BAD_RESPONSE;
		q->detail = "out of memory";
		goto out;
	}
	rc = transfer(w, q, hdrs, url);
	q->cause = cause_from_transfer((int)rc, &q->xf);
	if (q->detail == NULL)
		q->detail = transfer_detail(q, rc, msg, sizeof(msg));
	if (q->cause == CAUSE_OK && !q->headers_sent) {
		q->cause = CAUSE_BAD_RESPONSE;
		q->detail = "no response head";
	}
out:
	curl_slist_free_all(hdrs);
	/* The handle keeps pointers to the list and the request state; clear
	 * them so no later callback can see freed memory. */
	curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
	return finish(q, rc);
}

int relay_busy(char *const *envp, const struct relay_io *io)
{
	static const char body[] =
	    "503 Service Unavailable: all workers busy\n";
	struct reqview rv = {envp};
	char uesc[LOG_URI_MAX], head[512];
	int n;

	log_msg("%s: all workers busy -> 503",
	        req_log_target(&rv, uesc, sizeof(uesc)));
	/* RFC 9110 §15.6.4, §10.2.3: tell the client when to come back
	 * rather than queueing it without bound. */
	n = snprintf(head, sizeof(head),
	             "Status: 503 Service Unavailable\r\n"
	             "Retry-After: %d\r\n"
	             "Content-Type: text/plain; charset=utf-8\r\n"
	             "Cache-Control: no-store\r\n"
	             "Content-Length: %zu\r\n\r\n%s",
	             BUSY_RETRY_AFTER_S, sizeof(body) - 1, body);
	if (n > 0 && (size_t)n < sizeof(head))
		io->out.write(io->out.ctx, head, (size_t)n);
	/* The body is not read: the caller closes the connection instead. */
	return RELAY_UNDRAINED;
}
