/* cgi-redirect's answer: the status and Location for one request. */
#include "config.h"

#include "redirect.h"

#include <string.h>

#include "ascii.h"
#include "host.h"
#include "target.h"
#include "url.h"

int method_is_token(const char *m)
{
	size_t n = strnlen(m, METHOD_MAX + 1);

	return n <= METHOD_MAX && http_token(m, n);
}

/* Redirects keep the method for anything but GET and HEAD, so a POST
 * keeps its body (RFC 9110 §15.4.8); lighttpd's url.redirect does the
 * same with 308. */
static int pick_status(const struct settings *s, const char *method)
{
	if (settings_isset(s, SET_REDIRECT_STATUS))
		return (int)settings_num(s, SET_REDIRECT_STATUS);
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return 302;
	return 307;
}

/* The host the client used: SERVER_NAME is what the server accepted for
 * this request (RFC 9112 §3.2.2: the absolute-form authority wins over
 * Host), HTTP_HOST only when the server set no SERVER_NAME. An HTTP/1.0
 * request may name no host at all (lighttpd then sets neither): the
 * address the client connected to, SERVER_ADDR, reached us, so it is the
 * one the client can reach. buf holds a bracketed IPv6 SERVER_ADDR. */
static const char *request_host(const struct reqview *r, struct host *h,
                                char *buf, size_t buflen)
{
	const char *name = req_get0(r, "SERVER_NAME");
	const char *err;

	if (name[0] == '\0')
		name = req_get0(r, "HTTP_HOST");
	if (name[0] == '\0') {
		const char *addr = req_get0(r, "SERVER_ADDR");
		size_t n = strlen(addr);

		if (n == 0 || n + 3 > buflen)
			return "no host name in the request";
		if (memchr(addr, ':', n) != NULL) {
			buf[0] = '[';
			memcpy(buf + 1, addr, n);
			buf[n + 1] = ']';
			buf[n + 2] = '\0';
			name = buf;
		} else {
			name = addr;
		}
	}
	if ((err = host_parse(name, strlen(name), h)) != NULL)
		return err;
	if (h->kind == HOST_IPV4 && !h->canonical)
		return "IPv4 host not in dotted-decimal form";
	if (h->loopback && !host_addr_is_loopback(req_get0(r, "REMOTE_ADDR")))
		return "loopback host name from a remote client";
	return NULL;
}

/* Base from the request: its scheme and host with the agent's port. */
static const char *derived_base(const struct settings *s,
                                const struct reqview *r, struct base_url *b,
                                int *status)
{
	struct base_url agent;
	struct host h;
	char addrbuf[64];
	const char *err;
	size_t n;

	*status = 500;
	if (!settings_isset(s, SET_AGENT_URL))
		return "neither public_url nor agent_url is set";
	if (base_url_parse(settings_str(s, SET_AGENT_URL),
	                   strlen(settings_str(s, SET_AGENT_URL)),
	                   &agent) != NULL)
		return "agent_url is invalid";
	*status = 400;
	if ((err = request_host(r, &h, addrbuf, sizeof(addrbuf))) != NULL)
		return err;
	b->port_given = 1;
	b->loopback = h.loopback;
	b->https = request_is_https(r);
	b->port = agent.port;
	n = h.kind == HOST_IPV6 ? h.name_len + 2 : h.name_len;
	if (n >= sizeof(b->host))
		return "host name too long";
	memcpy(b->host, h.kind == HOST_IPV6 ? h.name - 1 : h.name, n);
	b->host[n] = '\0';
	memcpy(b->prefix, agent.prefix, sizeof(b->prefix));
	return NULL;
}

static const char *pick_base(const struct settings *s, const struct reqview *r,
                             struct base_url *b, int *status)
{
	const char *pub = settings_str(s, SET_PUBLIC_URL);

	if (pub[0] == '\0')
		return derived_base(s, r, b, status);
	*status = 500;
	return base_url_parse(pub, strlen(pub), b) == NULL
	           ? NULL
	           : "public_url is invalid";
}

const char *redirect_build(const struct settings *s, const struct reqview *r,
                           struct redirect *out)
{
	struct target_src src;
	struct target t;
	struct base_url base;
	const char *method = req_get0(r, "REQUEST_METHOD"), *err;
	int n;

	out->location[0] = '\0';
	out->location_len = 0;
	out->status = 400;
	if (!method_is_token(method))
		return "invalid request method";
	if ((err = pick_base(s, r, &base, &out->status)) != NULL)
		return err;
	target_src_from_request(r, &src);
	if ((err = target_build(&src, settings_str(s, SET_STRIP_PREFIX),
	                        base.prefix, &t)) != NULL) {
		out->status = t.status;
		return err;
	}
	n = base_url_origin(&base, out->location, sizeof(out->location));
	/* "Location: " and CR LF must fit in one CGI header line too. */
	if (n < 0 || (size_t)n + t.len + 12 >= sizeof(out->location)) {
		out->status = 414;
		return "redirect URL too long";
	}
	memcpy(out->location + n, t.buf, t.len + 1);
	out->location_len = (size_t)n + t.len;
	out->status = pick_status(s, method);
	return NULL;
}
