/* Request header fields for the agent, made from CGI/FastCGI parameters. */
#ifndef AG_HEADERS_H
#define AG_HEADERS_H

#include <stddef.h>

#include "ag_limits.h"
#include "ascii.h"
#include "reqview.h"
#include "settings.h"

/* What the relay itself decides about the forwarded request. */
struct hdr_opts {
	const char *agent_host; /* Host for the agent: "host[:port]" */
	int preserve_host;      /* send the client's Host instead */
	enum forwarded_style fwd;
	int trust_forwarded; /* extend client X-Forwarded-For/Forwarded */
	/* The relay's Via received-by (via.h), or NULL: the client's Via
	 * passes unchanged. */
	const char *via;
	/* The request's id (plan.c chose it), or NULL: with it the agent
	 * gets exactly one X-Request-Id, this one, whatever the client
	 * sent. */
	const char *request_id;
};

/* The header lines, each "Name: value" or "Name;" (an empty value in
 * libcurl's notation) and NUL-terminated, back to back in buf. */
struct hdr_list {
	size_t len;
	size_t count;
	int status; /* on error: 400 or 431 */
	/* last: only the pages written are touched (a relay worker keeps
	 * one of these for as long as it lives) */
	char buf[REQ_HEADERS_MAX];
};

/* "X_FOO_BAR" (a CGI name after "HTTP_") -> "X-Foo-Bar". Returns the
 * length, or -1 when the name is empty, holds a byte that is not a token
 * character, or does not fit dst (with its NUL). */
long header_name_from_param(const char *p, size_t len, char *dst,
                            size_t dstlen);

/* Whether the field name is never forwarded by a proxy: the RFC 9110
 * §7.6.1 hop-by-hop fields, Proxy-Authorization, and Proxy (httpoxy). */
int header_is_hop_by_hop(const char *name, size_t len);

/* Whether name is listed in a Connection value (comma-separated tokens,
 * optional whitespace, any case). */
int header_in_connection(const char *conn, size_t conn_len, const char *name,
                         size_t len);

/* Whether a field value may be sent: no CR, LF, NUL or other control
 * byte except HTAB (RFC 9110 §5.5). */
int header_value_ok(const char *v, size_t len);

/* The Host the client used (HTTP_HOST, else SERVER_NAME[:SERVER_PORT]),
 * validated; NULL when there is none or it is not a host. */
const char *request_host_value(const struct reqview *r, char *buf,
                               size_t buflen);

/* Every header for the agent: HTTP_* parameters mapped to names without
 * hop-by-hop fields, Expect, Proxy, framing and the fields the relay sets;
 * Authorization also from REDIRECT_HTTP_AUTHORIZATION; Content-Type;
 * Host; forwarding fields; with o->request_id, X-Request-Id; with o->via,
 * the client's Via with the relay's element appended. Expect is never passed:
 * the web server already answered it. Returns NULL, or a static message with
 * out->status: 400, 431, or 508 when the client's Via already lists o->via (the
 * request came back through this relay: agent_url leads to its own web server).
 */
const char *headers_build(const struct reqview *r, const struct hdr_opts *o,
                          struct hdr_list *out);

/* The next line of the list after *pos (start with 0); NULL at the end. */
const char *hdr_list_next(const struct hdr_list *l, size_t *pos);

#endif
