/* One relayed request: its settings, the plan, the transfer, and the one
 * place a cause becomes an answer and a log line. */
#include "config.h"

#include "relay.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "answer.h"
#include "diaghook.h"
#include "drain.h"
#include "log.h"
#include "stats.h"
#include "transfer.h"
#include "via.h"

/* The hot fields of struct relay_req start at the end of the head
 * buffer and must end within that page: aligned to a page, a quiet
 * stream keeps one page of its request state instead of three. */
_Static_assert(RESP_HEAD_MAX % 4096 == 0, "head buffer: whole pages");
_Static_assert(offsetof(struct relay_req, rh.status) == RESP_HEAD_MAX,
               "the head buffer opens the request state");
_Static_assert(RELAY_REQ_HOT_END - RESP_HEAD_MAX <= 4096,
               "hot fields of the request state within one page");

int relay_worker_init(struct relay_worker *w, const struct settings *base)
{
	void *req = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* whole pages: the next chunk's header, which malloc writes right
	 * after this one, then starts a page of its own instead of keeping
	 * this one's last page touched */
	size_t size = (sizeof(*w->req) + page - 1) / page * page;

	w->base = base;
	w->own = NULL;
	if (posix_memalign(&req, page, size) != 0)
		req = NULL;
	w->req = req;
	return w->req != NULL ? 0 : -1;
}

void relay_worker_free(struct relay_worker *w)
{
	free(w->req);
	free(w->own);
	w->req = NULL;
	w->own = NULL;
}

/* Request ids: 64 random bits drawn once per thread, then the thread's
 * count of requests, as 32 hex digits. Unique across the threads and
 * processes of a host (two draws of 64 bits that collide are not worth
 * a syscall per request), and an increment per request. */
struct id_source {
	unsigned long long seed, count;
	int seeded;
};

static __thread struct id_source t_ids;

static void id_seed(struct id_source *src)
{
	struct timespec ts;

	if (getrandom(&src->seed, sizeof(src->seed), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(src->seed))
		goto out;
	/* no entropy yet (early boot): what tells this thread from others */
	clock_gettime(CLOCK_REALTIME, &ts);
	src->seed = ((unsigned long long)getpid() << 40) ^
	            (unsigned long long)ts.tv_nsec ^
	            ((unsigned long long)ts.tv_sec << 20) ^
	            (unsigned long long)(uintptr_t)src;
out:
	src->seeded = 1;
}

static void put_hex64(char *dst, unsigned long long v)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		dst[i] = hex[v & 15];
}

static void request_id_new(char dst[REQUEST_ID_NEW_LEN + 1])
{
	struct id_source *src = &t_ids;

	if (!src->seeded)
		id_seed(src);
	put_hex64(dst, src->seed);
	put_hex64(dst + 16, src->count++);
	dst[REQUEST_ID_NEW_LEN] = '\0';
}

/* Only the small fields: the large buffers are filled before use. */
static void req_reset(struct relay_req *q, const struct relay_worker *w,
                      char *const *envp, const struct relay_io *io)
{
	q->s = w->base;
	q->rv.envp = envp;
	q->io = io;
	plan_reset(&q->p);
	q->errbuf[0] = '\0';
	q->detail = NULL;
	q->cause = CAUSE_OK;
	memset(&q->xf, 0, sizeof(q->xf));
	q->phase = PHASE_PLAN;
	q->scratch_released = 0;
	q->no_body = 0;
	q->held = 0;
	q->body_read = 0;
	q->body_eof = 1;
	q->status = 0;
	q->bytes_out = 0;
	q->expect_out = -1;
	q->answered = 0;
	q->curl = NULL;
	q->start_ms = relay_now_ms();
	q->begin_ms = q->start_ms;
	q->begin_wall = time(NULL);
	q->head_ms = 0;
	q->agent = AGENT_NONE;
	q->local_bytes = 0;
	request_id_new(q->new_id);
	q->last_up_ms = 0;
	q->last_down_ms = q->start_ms;
	q->next_poll_ms = q->start_ms + HUP_POLL_MS;
	resphead_init(&q->rh);
}

static int has_agent_params(char *const *envp)
{
	size_t i;

	for (i = 0; envp != NULL && envp[i] != NULL; i++)
		if (strncmp(envp[i], "AGENT_", 6) == 0)
			return 1;
	return 0;
}

/* Per-request AGENT_* parameters (FastCGI only) on a copy of the process
 * settings; the copy is made only for requests that carry some, so the
 * common request reads the shared settings in place. NULL, or the
 * message naming the bad parameter (in msg). */
static const char *request_settings(struct relay_worker *w, struct relay_req *q,
                                    char *msg, size_t msglen)
{
	if (q->io->cgi || !has_agent_params(q->rv.envp))
		return NULL;
	if (w->own == NULL && (w->own = malloc(sizeof(*w->own))) == NULL)
		return "out of memory";
	memcpy(w->own, w->base, sizeof(*w->own));
	q->s = w->own;
	if (settings_load_env(w->own, q->rv.envp, SRC_REQUEST, msg, msglen) < 0)
		return msg;
	return NULL;
}

/* The log lines and the drain are kept out of relay_serve's frame
 * (noinline): their buffers would push every frame below it, libcurl's
 * and the callbacks', deeper into each worker's stack for good. */
static __attribute__((noinline)) void log_failure(const struct relay_req *q,
                                                  CURLcode rc, int status)
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
	log_msg("%s %s: %s%s%s%s%s%s%s%s -> %s after %lld ms id=%s", mesc, uesc,
	        cause_message(q->cause), desc[0] ? ": " : "", desc,
	        rc != CURLE_OK ? " (curl: " : "",
	        rc != CURLE_OK ? curl_easy_strerror(rc) : "",
	        rc != CURLE_OK && q->errbuf[0] ? "; " : "",
	        rc != CURLE_OK ? q->errbuf : "", rc != CURLE_OK ? ")" : "",
	        status != 0                ? code
	        : q->phase == PHASE_STREAM ? "response cut"
	                                   : "no answer",
	        relay_now_ms() - q->start_ms, q->p.request_id);
}

static const char *agent_use_name(enum agent_use a)
{
	switch (a) {
	case AGENT_NEW:
		return "new";
	case AGENT_REUSED:
		return "reused";
	case AGENT_NONE:
		break;
	}
	return "-";
}

/* Common Log Format's time, always in UTC: "04/Dec/2026:05:20:01 +0000"
 * (month names by hand: strftime's %b follows the locale). */
static void access_time(char *dst, size_t len, time_t t)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
	                                   "May", "Jun", "Jul", "Aug",
	                                   "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11) {
		snprintf(dst, len, "-");
		return;
	}
	snprintf(dst, len, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
	         months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	         tm.tm_sec);
}

/* The request inside the access line's quotes: what log_escape left of
 * a '"' becomes \x22 too, so the quoted field ends at the first '"'.
 * Cut with "..." when the escapes do not fit. */
static void access_quote(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;

	for (; *src != '\0'; src++) {
		size_t need = *src == '"' ? 4 : 1;

		if (o + need + 4 > dstlen) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1)
			dst[o++] = *src;
		else
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x22");
	}
	dst[o] = '\0';
}

/* The status page's name of the cause. */
static const char *access_cause(enum relay_cause c)
{
	const char *name = stats_cause_name(c);

	return name != NULL ? name : "other";
}

/* One line per request, the format README.md "Access log" documents.
 * Every field is one word without spaces except the quoted request,
 * whose bytes are escaped, so the line splits without ambiguity. */
static __attribute__((noinline)) void log_access(const struct relay_req *q)
{
	char mesc[METHOD_MAX * 4 + 8], uesc[LOG_URI_MAX], aesc[64];
	char when[64], status[16], ttfb[32], quoted[LOG_URI_MAX + 64];
	char mquoted[sizeof(mesc)];
	const char *m = req_get0(&q->rv, "REQUEST_METHOD");
	const char *addr = req_get0(&q->rv, "REMOTE_ADDR");

	log_escape(mesc, sizeof(mesc), m, strnlen(m, METHOD_MAX + 1));
	req_log_target(&q->rv, uesc, sizeof(uesc));
	access_quote(quoted, sizeof(quoted), uesc);
	access_quote(mquoted, sizeof(mquoted), mesc);
	log_escape(aesc, sizeof(aesc), addr, strlen(addr));
	access_time(when, sizeof(when), q->begin_wall);
	if (q->status != 0)
		snprintf(status, sizeof(status), "%d", q->status);
	else
		snprintf(status, sizeof(status), "-");
	if (q->head_ms != 0)
		snprintf(ttfb, sizeof(ttfb), "%lldms",
		         q->head_ms - q->begin_ms);
	else
		snprintf(ttfb, sizeof(ttfb), "-");
	log_info("access [%s] %s \"%s %s\" %s %llu %lldms ttfb=%s agent=%s "
	         "cause=%s id=%s",
	         when, aesc[0] ? aesc : "-", mesc[0] ? mquoted : "-", quoted,
	         status, q->bytes_out + q->local_bytes,
	         relay_now_ms() - q->begin_ms, ttfb, agent_use_name(q->agent),
	         access_cause(q->cause),
	         q->p.request_id[0] ? q->p.request_id : "-");
}

/* Reads and drops what is left of the body (bounds by mode: drain.h), so
 * a kept FastCGI connection stays in step and Apache mod_cgid keeps our
 * answer. The body comes from the request itself: an early answer (400,
 * 405, 413) may come before the plan looked at it. */
static __attribute__((noinline)) int drain(struct relay_req *q)
{
	struct drain_body b;
	int rc;

	if (drain_body_init(&b, &q->rv) < 0)
		return -1;
	b.taken = q->body_read;
	if (q->p.expect_body)
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
		if (q->phase == PHASE_STREAM)
			status = 0; /* never a second Status */
		log_failure(q, rc, status);
		if (status != 0) {
			int n =
			    answer_error(q, status, cause_message(q->cause));

			if (n > 0)
				q->local_bytes = (unsigned long long)n;
		}
		if (q->phase == PHASE_STREAM || q->cause == CAUSE_CLIENT_GONE)
			out |= RELAY_CUT;
	}
	stats_finish(q->status, q->cause, q->phase == PHASE_STREAM,
	             q->body_read, q->bytes_out);
	if (settings_num(q->s, SET_ACCESS_LOG))
		log_access(q);
	/* The answer goes out before a drain that may take a second. */
	if (!(out & RELAY_CUT) && !q->body_eof && answer_flush(q) < 0)
		out |= RELAY_CUT;
	if (!(out & RELAY_CUT) && q->cause != CAUSE_CLIENT_BODY && drain(q) < 0)
		out |= RELAY_UNDRAINED;
	return out;
}

/* Plans the request and, when it can be relayed, runs the transfer. */
static CURLcode relay_run(struct relay_req *q)
{
	CURLcode rc;

	q->cause = plan_build(&q->p, &q->rv, q->s, q->new_id);
	/* What of the body is still unread, also for an early answer: the
	 * drain reads it (the transfer, when there is one, takes it first). */
	q->body_eof =
	    !q->p.expect_body || (q->p.has_length && q->p.length == 0);
	if (q->cause == CAUSE_LOOP) {
		via_loop_seen(q->p.via);
	} else if (q->cause == CAUSE_OK && via_loop_known(q->p.via)) {
		/* answered by the first relay in the loop, without the agent:
		 * a burst of looping requests would hold every worker */
		q->cause = CAUSE_LOOP;
		q->p.detail = "agent_url led back to this relay lately (Via)";
	}
	if (q->cause != CAUSE_OK) {
		q->detail = q->p.detail;
		return CURLE_OK;
	}
	q->phase = PHASE_WAIT_HEAD;
	rc = transfer_run(q);
	q->cause = cause_from_transfer((int)rc, &q->xf);
	if (q->cause == CAUSE_OK && q->phase != PHASE_STREAM) {
		q->cause = CAUSE_BAD_RESPONSE;
		q->detail = "no response head";
	}
	return rc;
}

int relay_serve(struct relay_worker *w, char *const *envp,
                const struct relay_io *io)
{
	struct relay_req *q = w->req;
	const char *bad_params;
	CURLcode rc = CURLE_OK;
	int n;

	req_reset(q, w, envp, io);
	bad_params =
	    request_settings(w, q, q->detail_buf, sizeof(q->detail_buf));
	if ((n = relay_diagnose(q, bad_params)) >= 0) /* diaghook.c */
		return n;
	if (bad_params != NULL) {
		plan_request_id(&q->p, &q->rv, q->new_id); /* for the log */
		q->cause = CAUSE_CONFIG;
		q->detail = bad_params;
	} else {
		rc = relay_run(q);
	}
	return finish(q, rc);
}

int relay_busy(struct relay_worker *w, char *const *envp,
               const struct relay_io *io)
{
	struct relay_req *q = w->req;
	char uesc[LOG_URI_MAX];
	int n;

	req_reset(q, w, envp, io);
	plan_request_id(&q->p, &q->rv, q->new_id); /* for the log */
	log_warning("%s: max_workers reached -> 503 id=%s",
	            req_log_target(&q->rv, uesc, sizeof(uesc)),
	            q->p.request_id);
	q->cause = CAUSE_BUSY;
	if ((n = answer_busy(io)) >= 0) {
		q->status = 503;
		q->local_bytes = (unsigned long long)n;
	}
	if (settings_num(q->s, SET_ACCESS_LOG))
		log_access(q);
	/* The body is not read: the caller closes the connection instead. */
	return RELAY_UNDRAINED;
}
