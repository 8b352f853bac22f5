/* The request plan: method, URL, header fields and body framing for the
 * agent, decided before anything is sent. */
#include "config.h"

#include "plan.h"

#include <stdio.h>
#include <string.h>

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

static enum relay_cause plan_method(struct plan *p, const struct reqview *rv)
{
	const char *m = req_get0(rv, "REQUEST_METHOD");
	size_t n = strlen(m);

	if (n > METHOD_MAX || !http_token(m, n)) {
		p->detail = "invalid request method";
		return CAUSE_BAD_REQUEST;
	}
	memcpy(p->method, m, n + 1);
	if (strcmp(m, "CONNECT") == 0) {
		p->detail = "CONNECT cannot be relayed";
		return CAUSE_METHOD;
	}
	p->head_request = strcmp(m, "HEAD") == 0;
	p->idempotent = method_idempotent(m);
	return CAUSE_OK;
}

/* CONTENT_LENGTH is digits only (RFC 9110 §8.6); a chunked request
 * comes without it and with HTTP_TRANSFER_ENCODING (Apache mod_cgi). */
static enum relay_cause plan_body(struct plan *p, const struct reqview *rv,
                                  const struct settings *s)
{
	const char *cl = req_get(rv, "CONTENT_LENGTH");
	long long limit = settings_num(s, SET_MAX_BODY_SIZE);
	size_t i;

	if (cl == NULL || cl[0] == '\0') {
		if (req_get(rv, "HTTP_TRANSFER_ENCODING") != NULL &&
		    !p->head_request)
			p->expect_body = 1;
		return CAUSE_OK;
	}
	for (i = 0; cl[i] != '\0'; i++) {
		if (cl[i] < '0' || cl[i] > '9' || i >= 18) {
			p->detail = "invalid CONTENT_LENGTH";
			return CAUSE_BAD_REQUEST;
		}
		p->length = p->length * 10 + (unsigned)(cl[i] - '0');
	}
	p->has_length = 1;
	if (limit > 0 && p->length > (unsigned long long)limit) {
		p->detail = "CONTENT_LENGTH above max_body_size";
		return CAUSE_BODY_TOO_LARGE;
	}
	/* A POST of 0 bytes still says Content-Length: 0. */
	if (p->length > 0 ||
	    (strcmp(p->method, "GET") != 0 && !p->head_request))
		p->expect_body = 1;
	return CAUSE_OK;
}

static enum relay_cause plan_agent(struct plan *p, const struct settings *s)
{
	const char *url = settings_str(s, SET_AGENT_URL);

	if (url[0] == '\0') {
		p->detail = "agent_url is not set";
		return CAUSE_CONFIG;
	}
	if ((p->detail = base_url_parse(url, strlen(url), &p->agent)) != NULL)
		return CAUSE_CONFIG;
	return CAUSE_OK;
}

static enum relay_cause plan_url(struct plan *p, const struct reqview *rv,
                                 const struct settings *s)
{
	struct target_src src;
	int n;

	target_src_from_request(rv, &src);
	p->detail = target_build(&src, settings_str(s, SET_STRIP_PREFIX),
	                         p->agent.prefix, &p->t);
	if (p->detail != NULL)
		return p->t.status == 414 ? CAUSE_URI_TOO_LONG
		                          : CAUSE_BAD_REQUEST;
	n = base_url_origin(&p->agent, p->url, sizeof(p->url));
	if (n < 0 || (size_t)n + p->t.len >= sizeof(p->url)) {
		p->detail = "agent URL and target too long";
		return CAUSE_URI_TOO_LONG;
	}
	memcpy(p->url + n, p->t.buf, p->t.len + 1);
	return CAUSE_OK;
}

static enum relay_cause plan_headers(struct plan *p, const struct reqview *rv,
                                     const struct settings *s)
{
	char host[sizeof(p->agent.host) + 8];
	struct hdr_opts o;
	unsigned dflt = p->agent.https ? 443u : 80u;

	if (p->agent.port == dflt)
		snprintf(host, sizeof(host), "%s", p->agent.host);
	else
		snprintf(host, sizeof(host), "%s:%u", p->agent.host,
		         p->agent.port);
	o.agent_host = host;
	o.preserve_host = (int)settings_num(s, SET_PRESERVE_HOST);
	o.fwd = (enum forwarded_style)settings_num(s, SET_FORWARDED_HEADERS);
	o.trust_forwarded = (int)settings_num(s, SET_TRUST_FORWARDED);
	o.via = via_pseudonym(settings_str(s, SET_AGENT_URL), p->via);
	o.request_id = p->request_id;
	p->detail = headers_build(rv, &o, &p->hl);
	if (p->detail == NULL)
		return CAUSE_OK;
	if (p->hl.status == 508)
		return CAUSE_LOOP;
	return p->hl.status == 431 ? CAUSE_HEADERS_TOO_LARGE
	                           : CAUSE_BAD_REQUEST;
}

/* Only the small fields: the large buffers are filled before use. */
void plan_reset(struct plan *p)
{
	p->method[0] = '\0';
	p->head_request = 0;
	p->idempotent = 0;
	p->expect_body = 0;
	p->has_length = 0;
	p->length = 0;
	p->url[0] = '\0';
	p->via[0] = '\0';
	p->request_id[0] = '\0';
	p->request_id_kept = 0;
	p->detail = NULL;
}

static int request_id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '+' || c == '/' || c == '=' || c == '-';
}

int request_id_ok(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > REQUEST_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!request_id_char((unsigned char)v[i]))
			return 0;
	return 1;
}

/* A client's id is kept so one request can be followed through every
 * hop; one that is not well-formed is replaced rather than escaped, so
 * the agent never sees two ids or one the log had to mangle (several
 * X-Request-Id fields arrive joined by ", ": replaced too). */
void plan_request_id(struct plan *p, const struct reqview *rv,
                     const char *new_id)
{
	const char *v = req_get(rv, "HTTP_X_REQUEST_ID");
	size_t n = v != NULL ? strnlen(v, REQUEST_ID_MAX + 1) : 0;

	p->request_id_kept = v != NULL && request_id_ok(v, n);
	if (!p->request_id_kept) {
		v = new_id;
		n = strnlen(v, REQUEST_ID_MAX);
	}
	memcpy(p->request_id, v, n);
	p->request_id[n] = '\0';
}

enum relay_cause plan_build(struct plan *p, const struct reqview *rv,
                            const struct settings *s, const char *new_id)
{
	const char *role = req_get(rv, "FCGI_ROLE");
	enum relay_cause c;

	plan_reset(p);
	plan_request_id(p, rv, new_id);
	if ((c = plan_agent(p, s)) != CAUSE_OK)
		return c;
	if (role != NULL && strcmp(role, "RESPONDER") != 0) {
		p->detail = "FastCGI role other than RESPONDER";
		return CAUSE_CONFIG;
	}
	if ((c = plan_method(p, rv)) != CAUSE_OK ||
	    (c = plan_body(p, rv, s)) != CAUSE_OK ||
	    (c = plan_url(p, rv, s)) != CAUSE_OK ||
	    (c = plan_headers(p, rv, s)) != CAUSE_OK)
		return c;
	client_base_from_request(rv, settings_str(s, SET_STRIP_PREFIX), &p->cb);
	return CAUSE_OK;
}
