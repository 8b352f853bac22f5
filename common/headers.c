/* Request header fields for the agent, made from CGI/FastCGI parameters. */
#include "config.h"

#include "headers.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "host.h"
#include "via.h"

static int name_in(const char *name, size_t len, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (ascii_eq_nocase(name, len, list[i]))
			return 1;
	return 0;
}

long header_name_from_param(const char *p, size_t len, char *dst, size_t dstlen)
{
	size_t i;
	int word_start = 1;

	if (len == 0 || len >= dstlen)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!http_tchar(c))
			return -1;
		if (c == '_' || c == '-') {
			dst[i] = '-';
			word_start = 1;
			continue;
		}
		dst[i] = (char)(word_start && c >= 'a' && c <= 'z' ? c - 32
		                : !word_start ? ascii_lower(c)
		                              : c);
		word_start = 0;
	}
	dst[len] = '\0';
	return (long)len;
}

int header_is_hop_by_hop(const char *name, size_t len)
{
	/* RFC 9110 §7.6.1; Proxy-Authorization is for the proxy itself;
	 * Proxy is httpoxy (CVE-2016-5385 and relatives). */
	static const char *const hop[] = {"Connection",
	                                  "Keep-Alive",
	                                  "Proxy-Connection",
	                                  "TE",
	                                  "Trailer",
	                                  "Transfer-Encoding",
	                                  "Upgrade",
	                                  "Proxy-Authorization",
	                                  "Proxy-Authenticate",
	                                  "Proxy",
	                                  NULL};

	return name_in(name, len, hop);
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

int header_in_connection(const char *conn, size_t conn_len, const char *name,
                         size_t len)
{
	size_t i = 0;

	while (i < conn_len) {
		size_t start, end;

		while (i < conn_len && (ows(conn[i]) || conn[i] == ','))
			i++;
		start = i;
		while (i < conn_len && conn[i] != ',')
			i++;
		end = i;
		while (end > start && ows(conn[end - 1]))
			end--;
		if (end > start && end - start == len) {
			size_t j;

			for (j = 0; j < len; j++)
				if (ascii_lower(
				        (unsigned char)conn[start + j]) !=
				    ascii_lower((unsigned char)name[j]))
					break;
			if (j == len)
				return 1;
		}
	}
	return 0;
}

int header_value_ok(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

const char *request_host_value(const struct reqview *r, char *buf,
                               size_t buflen)
{
	const char *h = req_get0(r, "HTTP_HOST");
	const char *port = req_get0(r, "SERVER_PORT");
	const char *dflt = request_is_https(r) ? "443" : "80";
	struct host parsed;
	int n;

	if (h[0] == '\0') {
		h = req_get0(r, "SERVER_NAME");
		if (h[0] == '\0' || strchr(h, ':') != NULL || port[0] == '\0' ||
		    strcmp(port, dflt) == 0)
			n = snprintf(buf, buflen, "%s", h);
		else
			n = snprintf(buf, buflen, "%s:%s", h, port);
	} else {
		n = snprintf(buf, buflen, "%s", h);
	}
	if (n <= 0 || (size_t)n >= buflen)
		return NULL;
	if (host_parse(buf, (size_t)n, &parsed) != NULL)
		return NULL;
	return buf;
}

/* A bounded list being filled; "full" makes every later add a no-op. */
struct builder {
	struct hdr_list *l;
	int full;
	int bad;
};

/* Adds "name: value" ("name;" when value is empty). */
static void add(struct builder *b, const char *name, size_t nlen,
                const char *value, size_t vlen)
{
	struct hdr_list *l = b->l;
	size_t need = nlen + (vlen > 0 ? 2 + vlen : 1) + 1;

	if (!header_value_ok(value, vlen)) {
		b->bad = 1;
		return;
	}
	if (b->full || need > REQ_HEADER_LINE_MAX + 1 ||
	    need > sizeof(l->buf) - l->len ||
	    l->count >= REQ_HEADER_COUNT_MAX) {
		b->full = 1;
		return;
	}
	memcpy(l->buf + l->len, name, nlen);
	l->len += nlen;
	if (vlen > 0) {
		memcpy(l->buf + l->len, ": ", 2);
		memcpy(l->buf + l->len + 2, value, vlen);
		l->len += 2 + vlen;
	} else {
		l->buf[l->len++] = ';';
	}
	l->buf[l->len++] = '\0';
	l->count++;
}

static void add_str(struct builder *b, const char *name, const char *value)
{
	add(b, name, strlen(name), value, strlen(value));
}

/* Fields the relay sets or frames itself: a client's copy never passes,
 * whatever Connection says (CVE-2022-31813 went the other way). */
static int relay_owned(const char *name, size_t len)
{
	static const char *const owned[] = {"Host",
	                                    "Content-Length",
	                                    "Content-Type",
	                                    "Expect",
	                                    "X-Forwarded-For",
	                                    "X-Forwarded-Proto",
	                                    "X-Forwarded-Host",
	                                    "Forwarded",
	                                    NULL};

	return name_in(name, len, owned);
}

/* Client claims about the original request other than the ones the
 * relay rebuilds: agent frameworks read them (X-Forwarded-Port,
 * X-Real-IP, X-Original-URL) and the relay cannot vouch for any of them,
 * so they never pass (security.md row 35). */
static int forwarding_claim(const char *name, size_t len)
{
	return (len > 12 && ascii_eq_nocase(name, 12, "X-Forwarded-")) ||
	       ascii_eq_nocase(name, len, "X-Real-IP") ||
	       ascii_eq_nocase(name, len, "X-Original-URL") ||
	       ascii_eq_nocase(name, len, "X-Rewrite-URL");
}

static int forwarded_param_skip(const char *name, size_t len, const char *conn,
                                size_t conn_len)
{
	if (header_is_hop_by_hop(name, len) || relay_owned(name, len))
		return 1;
	if (forwarding_claim(name, len))
		return 1;
	return header_in_connection(conn, conn_len, name, len);
}

/* HTTP_* parameters, in the order the web server sent them. */
static void add_client_fields(struct builder *b, const struct reqview *r,
                              const struct hdr_opts *o)
{
	const char *conn = req_get0(r, "HTTP_CONNECTION");
	size_t conn_len = strlen(conn), i;
	char name[256];

	for (i = 0; r->envp != NULL && r->envp[i] != NULL; i++) {
		const char *e = r->envp[i], *eq;
		long nlen;

		if (strncmp(e, "HTTP_", 5) != 0 ||
		    (eq = strchr(e, '=')) == NULL)
			continue;
		nlen = header_name_from_param(e + 5, (size_t)(eq - e - 5), name,
		                              sizeof(name));
		if (nlen < 0) {
			b->bad = 1;
			return;
		}
		if (forwarded_param_skip(name, (size_t)nlen, conn, conn_len))
			continue;
		if (o->via != NULL &&
		    ascii_eq_nocase(name, (size_t)nlen, "Via"))
			continue; /* extended in add_via */
		if (o->request_id != NULL &&
		    ascii_eq_nocase(name, (size_t)nlen, "X-Request-Id"))
			continue; /* the relay's choice, in add_relay_fields */
		add(b, name, (size_t)nlen, eq + 1, strlen(eq + 1));
	}
	/* Apache hides Authorization from CGI unless told; the mod_rewrite
	 * workaround hands it over under this name. */
	if (req_get(r, "HTTP_AUTHORIZATION") == NULL &&
	    req_get(r, "REDIRECT_HTTP_AUTHORIZATION") != NULL)
		add_str(b, "Authorization",
		        req_get0(r, "REDIRECT_HTTP_AUTHORIZATION"));
}

static int is_ipv6(const char *a)
{
	struct in6_addr v6;

	return inet_pton(AF_INET6, a, &v6) == 1;
}

static int is_ip(const char *a)
{
	struct in_addr v4;

	return inet_pton(AF_INET, a, &v4) == 1 || is_ipv6(a);
}

/* The client's X-Forwarded-For or Forwarded is extended, as Apache's and
 * lighttpd's own proxies do (the agent trusts only the entries its known
 * hops appended, RFC 7239 §8.1); trust_forwarded = no starts the chain
 * at this relay instead. */
static const char *prior(const struct reqview *r, const struct hdr_opts *o,
                         const char *param)
{
	const char *v = req_get(r, param);
	const char *conn = req_get0(r, "HTTP_CONNECTION");
	const char *name = strcmp(param, "HTTP_FORWARDED") == 0
	                       ? "Forwarded"
	                       : "X-Forwarded-For";

	if (!o->trust_forwarded || v == NULL || v[0] == '\0')
		return NULL;
	if (header_in_connection(conn, strlen(conn), name, strlen(name)))
		return NULL;
	return v;
}

static void add_x_forwarded(struct builder *b, const struct reqview *r,
                            const struct hdr_opts *o, const char *addr,
                            const char *host)
{
	const char *before = prior(r, o, "HTTP_X_FORWARDED_FOR");
	char v[REQ_HEADER_LINE_MAX];
	int n;

	if (before != NULL)
		n = snprintf(v, sizeof(v), "%s, %s", before, addr);
	else
		n = snprintf(v, sizeof(v), "%s", addr);
	if (n < 0 || (size_t)n >= sizeof(v)) {
		b->full = 1;
		return;
	}
	add_str(b, "X-Forwarded-For", v);
	add_str(b, "X-Forwarded-Proto", request_is_https(r) ? "https" : "http");
	if (host != NULL)
		add_str(b, "X-Forwarded-Host", host);
}

/* RFC 7239 §4-§6: one element; an IPv6 node is bracketed and quoted, a
 * host with a port (':' is not a token character) quoted. */
static void add_forwarded(struct builder *b, const struct reqview *r,
                          const struct hdr_opts *o, const char *addr,
                          const char *host)
{
	const char *before = prior(r, o, "HTTP_FORWARDED");
	const char *proto = request_is_https(r) ? "https" : "http";
	char node[INET6_ADDRSTRLEN + 8], hostp[HOST_NAME_MAX_LEN + 16];
	char v[REQ_HEADER_LINE_MAX];
	int n;

	if (is_ipv6(addr))
		snprintf(node, sizeof(node), "\"[%s]\"", addr);
	else
		snprintf(node, sizeof(node), "%s", addr);
	hostp[0] = '\0';
	if (host != NULL && http_token(host, strlen(host)))
		snprintf(hostp, sizeof(hostp), ";host=%s", host);
	else if (host != NULL)
		snprintf(hostp, sizeof(hostp), ";host=\"%s\"", host);
	n = snprintf(v, sizeof(v), "%s%sfor=%s%s;proto=%s",
	             before != NULL ? before : "", before != NULL ? ", " : "",
	             node, hostp, proto);
	if (n < 0 || (size_t)n >= sizeof(v)) {
		b->full = 1;
		return;
	}
	add_str(b, "Forwarded", v);
}

static void add_relay_fields(struct builder *b, const struct reqview *r,
                             const struct hdr_opts *o)
{
	char hostbuf[HOST_NAME_MAX_LEN + 16];
	const char *host = request_host_value(r, hostbuf, sizeof(hostbuf));
	const char *addr = req_get0(r, "REMOTE_ADDR");
	const char *ctype = req_get(r, "CONTENT_TYPE");

	if (!is_ip(addr))
		addr = "unknown";
	if (o->preserve_host && host != NULL)
		add_str(b, "Host", host);
	else
		add_str(b, "Host", o->agent_host);
	if (ctype != NULL && ctype[0] != '\0')
		add_str(b, "Content-Type", ctype);
	if (o->request_id != NULL)
		add_str(b, "X-Request-Id", o->request_id);
	if (o->fwd == FWD_X_FORWARDED || o->fwd == FWD_BOTH)
		add_x_forwarded(b, r, o, addr, host);
	else if (prior(r, o, "HTTP_X_FORWARDED_FOR") != NULL)
		add_str(b, "X-Forwarded-For",
		        prior(r, o, "HTTP_X_FORWARDED_FOR"));
	if (o->fwd == FWD_RFC7239 || o->fwd == FWD_BOTH)
		add_forwarded(b, r, o, addr, host);
	else if (prior(r, o, "HTTP_FORWARDED") != NULL)
		add_str(b, "Forwarded", prior(r, o, "HTTP_FORWARDED"));
}

/* "1.1" from SERVER_PROTOCOL "HTTP/1.1" (RFC 9110 §7.6.3 drops the
 * name HTTP); anything odd is said as 1.1. */
static const char *via_protocol(const struct reqview *r)
{
	const char *p = req_get0(r, "SERVER_PROTOCOL");
	size_t i;

	if (strncmp(p, "HTTP/", 5) != 0 || p[5] == '\0')
		return "1.1";
	for (i = 5; p[i] != '\0'; i++)
		if (i > 12 || !((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
			return "1.1";
	return p + 5;
}

/* RFC 9110 §7.6.3: each proxy appends its own element to the Via it got.
 * A Via the client's Connection lists is hop-by-hop and not extended. */
static void add_via(struct builder *b, const struct reqview *r,
                    const struct hdr_opts *o)
{
	const char *before = req_get(r, "HTTP_VIA");
	const char *conn = req_get0(r, "HTTP_CONNECTION");
	char v[REQ_HEADER_LINE_MAX];
	int n;

	if (before != NULL &&
	    (before[0] == '\0' ||
	     header_in_connection(conn, strlen(conn), "Via", 3)))
		before = NULL;
	n = snprintf(v, sizeof(v), "%s%s%s %s", before != NULL ? before : "",
	             before != NULL ? ", " : "", via_protocol(r), o->via);
	if (n < 0 || (size_t)n >= sizeof(v)) {
		b->full = 1;
		return;
	}
	add_str(b, "Via", v);
}

static int came_back(const struct reqview *r, const struct hdr_opts *o)
{
	const char *via = req_get(r, "HTTP_VIA");

	return o->via != NULL && via != NULL &&
	       via_lists(via, strlen(via), o->via);
}

const char *headers_build(const struct reqview *r, const struct hdr_opts *o,
                          struct hdr_list *out)
{
	struct builder b = {out, 0, 0};

	out->len = 0;
	out->count = 0;
	if (came_back(r, o)) {
		out->status = 508;
		return "request came back through this relay (Via): agent_url "
		       "leads to this web server";
	}
	out->status = 400;
	add_client_fields(&b, r, o);
	if (!b.bad)
		add_relay_fields(&b, r, o);
	if (!b.bad && o->via != NULL)
		add_via(&b, r, o);
	if (b.bad)
		return "invalid header field in request";
	if (b.full) {
		out->status = 431;
		return "request header fields too large";
	}
	out->status = 0;
	return NULL;
}

const char *hdr_list_next(const struct hdr_list *l, size_t *pos)
{
	const char *line;

	if (*pos >= l->len)
		return NULL;
	line = l->buf + *pos;
	*pos += strlen(line) + 1;
	return line;
}
