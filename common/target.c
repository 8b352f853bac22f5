/* The path and query sent to the agent, or put in a redirect's Location. */
#include "config.h"

#include "target.h"

#include <string.h>

#include "ascii.h"
#include "url.h"

/* A bounded output buffer; "full" turns every later append into a no-op so
 * callers check once at the end. */
struct out {
	char *p;
	size_t len, cap;
	int full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int hexval(unsigned char c)
{
	if (c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static void put_pct(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3] = {'%', hex[c >> 4], hex[c & 15]};

	put(o, e, 3);
}

/* Copy a path or query, keeping valid %XX escapes and allowed bytes as
 * they are and encoding the rest; decoded input (PATH_INFO) encodes every
 * '%'. extra names bytes allowed besides path characters ("?" in a query). */
static const char *encode(struct out *o, const char *s, size_t n, int decoded,
                          const char *extra)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_ctl(c))
			return "control character in request target";
		if (c == '%' && !decoded && i + 2 < n &&
		    is_hex((unsigned char)s[i + 1]) &&
		    is_hex((unsigned char)s[i + 2])) {
			put(o, s + i, 3);
			i += 2;
		} else if (c != '%' &&
		           (url_path_char(c) ||
		            (c != '\0' && strchr(extra, c) != NULL))) {
			put(o, s + i, 1);
		} else {
			put_pct(o, c);
		}
	}
	return NULL;
}

/* Decoded value of an escape-free or %XX byte at s[*i]; advances *i. */
static unsigned char next_decoded(const char *s, size_t n, size_t *i)
{
	unsigned char c = (unsigned char)s[*i];

	if (c == '%' && *i + 2 < n && is_hex((unsigned char)s[*i + 1]) &&
	    is_hex((unsigned char)s[*i + 2])) {
		c = (unsigned char)(hexval((unsigned char)s[*i + 1]) * 16 +
		                    hexval((unsigned char)s[*i + 2]));
		*i += 2;
	}
	(*i)++;
	return c;
}

/* 1 for ".", 2 for "..", each dot also as %2e; 0 otherwise. A segment
 * whose decoding holds '/' or '\' is checked for a ".." component too:
 * -1 then, because an agent that decodes it would climb. */
static int dot_segment(const char *s, size_t n)
{
	size_t i = 0, comp = 0;
	int dots = 0, only_dots = 1, climbs = 0, sep = 0;

	while (i < n) {
		unsigned char c = next_decoded(s, n, &i);

		if (c == '/' || c == '\\') {
			climbs |= only_dots && dots == 2 && comp == 2;
			sep = 1;
			comp = 0;
			dots = 0;
			only_dots = 1;
			continue;
		}
		comp++;
		if (c == '.')
			dots++;
		else
			only_dots = 0;
	}
	climbs |= only_dots && dots == 2 && comp == 2;
	if (sep)
		return climbs ? -1 : 0;
	if (only_dots && comp == 1 && dots == 1)
		return 1;
	if (only_dots && comp == 2 && dots == 2)
		return 2;
	return 0;
}

/* RFC 3986 §5.2.4 on an encoded absolute path, in place: "/a/./b/../c" ->
 * "/a/c". ".." at the root is dropped, so nothing climbs above it. */
static const char *resolve_dots(char *p, size_t *len)
{
	size_t in = 1, o = 0, n = *len;

	while (in <= n) {
		size_t end = in;
		int d;

		while (end < n && p[end] != '/')
			end++;
		d = dot_segment(p + in, end - in);
		if (d < 0)
			return "encoded '/' hides a '..' segment";
		if (d == 2) {
			while (o > 0 && p[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* drop "/seg" */
		}
		if (d == 0) {
			p[o++] = '/';
			memmove(p + o, p + in, end - in);
			o += end - in;
		} else if (end >= n) {
			p[o++] = '/'; /* "/a/." and "/a/b/.." end in '/' */
		}
		in = end + 1;
	}
	if (o == 0)
		p[o++] = '/';
	*len = o;
	return NULL;
}

/* Removes prefix when path equals it or continues it with '/'. */
static void strip(char *p, size_t *len, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 0 && prefix[n - 1] == '/')
		n--;
	if (n == 0 || *len < n || memcmp(p, prefix, n) != 0)
		return;
	if (*len == n) {
		p[0] = '/';
		*len = 1;
	} else if (p[n] == '/') {
		memmove(p, p + n, *len - n);
		*len -= n;
	}
}

/* Absolute form's scheme and authority dropped (RFC 9112 §3.2.2): they
 * never choose the agent. */
const char *target_split_uri(const char *u, size_t n, const char **path,
                             size_t *plen, const char **query, size_t *qlen)
{
	const char *q;
	size_t skip = 0;

	if (ascii_prefix_nocase(u, n, "http://"))
		skip = 7;
	else if (ascii_prefix_nocase(u, n, "https://"))
		skip = 8;
	if (skip > 0) {
		while (skip < n && u[skip] != '/' && u[skip] != '?')
			skip++;
		u += skip;
		n -= skip;
	} else if (n == 1 && u[0] == '*') {
		return "asterisk-form target";
	} else if (n == 0 || u[0] != '/') {
		return "request target does not start with '/'";
	}
	q = memchr(u, '?', n);
	*path = u;
	*plen = q != NULL ? (size_t)(q - u) : n;
	*query = q != NULL ? q + 1 : NULL;
	*qlen = q != NULL ? n - *plen - 1 : 0;
	return NULL;
}

/* The query is raw in both sources (QUERY_STRING is not decoded by the
 * server, RFC 3875 §4.1.7), so only the path differs. */
static const char *build_path(const struct target_src *src, struct out *o,
                              const char **query, size_t *qlen)
{
	const char *path, *err;
	size_t plen;

	if (src->request_uri != NULL && src->request_uri_len > 0) {
		if ((err = target_split_uri(src->request_uri,
		                            src->request_uri_len, &path, &plen,
		                            query, qlen)) != NULL)
			return err;
		if (plen == 0)
			put(o, "/", 1);
		return encode(o, path, plen, 0, "");
	}
	/* Fallback: SCRIPT_NAME and PATH_INFO are decoded by the server. */
	*query = src->query_string;
	*qlen = src->query_string_len;
	if (src->script_name_len == 0 &&
	    (src->path_info_len == 0 || src->path_info[0] != '/'))
		put(o, "/", 1);
	if ((err = encode(o, src->script_name, src->script_name_len, 1, "")) !=
	    NULL)
		return err;
	return encode(o, src->path_info, src->path_info_len, 1, "");
}

const char *target_build(const struct target_src *src, const char *strip_prefix,
                         const char *base_prefix, struct target *t)
{
	char path[TARGET_MAX + 1];
	struct out po = {path, 0, TARGET_MAX, 0};
	struct out to = {t->buf, 0, TARGET_MAX, 0};
	const char *query = NULL, *err;
	size_t qlen = 0, plen;

	t->len = 0;
	t->buf[0] = '\0';
	t->status = 400;
	if ((err = build_path(src, &po, &query, &qlen)) != NULL)
		return err;
	if (po.full) {
		t->status = 414;
		return "request target too long";
	}
	plen = po.len;
	if ((err = resolve_dots(path, &plen)) != NULL)
		return err;
	if (strip_prefix != NULL)
		strip(path, &plen, strip_prefix);
	put(&to, base_prefix, strlen(base_prefix));
	put(&to, path, plen);
	if (query != NULL) {
		put(&to, "?", 1);
		if ((err = encode(&to, query, qlen, 0, "?")) != NULL)
			return err;
	}
	if (to.full) {
		t->status = 414;
		return "request target too long";
	}
	t->buf[to.len] = '\0';
	t->len = to.len;
	t->status = 0;
	return NULL;
}

void target_src_from_request(const struct reqview *r, struct target_src *src)
{
	const char *v;

	memset(src, 0, sizeof(*src));
	if ((v = req_get(r, "REQUEST_URI")) != NULL) {
		src->request_uri = v;
		src->request_uri_len = strlen(v);
	}
	v = req_get0(r, "SCRIPT_NAME");
	src->script_name = v;
	src->script_name_len = strlen(v);
	v = req_get0(r, "PATH_INFO");
	src->path_info = v;
	src->path_info_len = strlen(v);
	if ((v = req_get(r, "QUERY_STRING")) != NULL && v[0] != '\0') {
		src->query_string = v;
		src->query_string_len = strlen(v);
	}
}
