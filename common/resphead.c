/* The agent's response head: parsed line by line, checked, filtered. */
#include "config.h"

#include "resphead.h"

#include <string.h>

#include "ascii.h"

#include "headers.h"

void resphead_init(struct resphead *h)
{
	h->status = 0;
	h->reason[0] = '\0';
	h->len = 0;
	h->count = 0;
	h->total = 0;
	h->done = 0;
	h->error = NULL;
}

static enum rh_result fail(struct resphead *h, const char *msg)
{
	h->error = msg;
	return RH_ERROR;
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Strips the line end: CR LF or a bare LF (RFC 9112 §2.2 lets a
 * recipient accept it). A CR anywhere else is refused: Apache's CGI
 * reader deletes it, which could join what the agent meant apart. */
static const char *strip_eol(const char *line, size_t *len)
{
	size_t n = *len;

	if (n == 0 || line[n - 1] != '\n')
		return "header line without line end";
	n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (memchr(line, '\r', n) != NULL)
		return "bare CR in response head";
	if (memchr(line, '\0', n) != NULL)
		return "NUL in response head";
	*len = n;
	return NULL;
}

static void keep_reason(struct resphead *h, const char *r, size_t n)
{
	size_t i;

	h->reason[0] = '\0';
	if (n >= sizeof(h->reason))
		return;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r[i];

		/* RFC 9112 §4: reason-phrase is HTAB / SP / VCHAR /
		 * obs-text; keep it only when it is plain ASCII text. */
		if (c < 0x20 || c > 0x7e)
			return;
	}
	memcpy(h->reason, r, n);
	h->reason[n] = '\0';
}

/* "HTTP/1.1 200 OK": RFC 9112 §4 (HTTP/2 as libcurl writes it). */
static enum rh_result status_line(struct resphead *h, const char *l, size_t n)
{
	size_t i = 5;
	int code;

	if (n < 5 || memcmp(l, "HTTP/", 5) != 0)
		return fail(h, "no status line");
	while (i < n && (digit(l[i]) || l[i] == '.'))
		i++;
	if (i == 5 || i + 4 > n || l[i] != ' ' || !digit(l[i + 1]) ||
	    !digit(l[i + 2]) || !digit(l[i + 3]) ||
	    (i + 4 < n && l[i + 4] != ' '))
		return fail(h, "malformed status line");
	code =
	    (l[i + 1] - '0') * 100 + (l[i + 2] - '0') * 10 + (l[i + 3] - '0');
	if (code < 100 || code > 599)
		return fail(h, "status code out of range");
	h->status = code;
	if (i + 5 <= n)
		keep_reason(h, l + i + 5, n - i - 5);
	else
		h->reason[0] = '\0';
	return RH_MORE;
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

/* "Name: value" -> stored trimmed; RFC 9112 §5. */
static enum rh_result field_line(struct resphead *h, const char *l, size_t n)
{
	const char *colon, *v;
	size_t nlen, vlen, need;

	if (ows(l[0]))
		return fail(h, "folded header line (obs-fold)");
	colon = memchr(l, ':', n);
	if (colon == NULL)
		return fail(h, "header line without ':'");
	nlen = (size_t)(colon - l);
	if (!http_token(l, nlen))
		return fail(h, "invalid header name");
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen > 0 && ows(*v)) {
		v++;
		vlen--;
	}
	while (vlen > 0 && ows(v[vlen - 1]))
		vlen--;
	if (!header_value_ok(v, vlen))
		return fail(h, "control character in header value");
	need = nlen + 2 + vlen + 1;
	if (h->count >= RESP_HEADER_COUNT_MAX || need > sizeof(h->buf) - h->len)
		return fail(h, "too many response header fields");
	memcpy(h->buf + h->len, l, nlen);
	memcpy(h->buf + h->len + nlen, ": ", 2);
	memcpy(h->buf + h->len + nlen + 2, v, vlen);
	h->len += need;
	h->buf[h->len - 1] = '\0';
	h->count++;
	return RH_MORE;
}

/* Splits a stored "Name: value". */
static void split(const char *f, size_t *nlen, const char **v, size_t *vlen)
{
	const char *colon = strchr(f, ':');

	*nlen = (size_t)(colon - f);
	*v = colon + 2;
	*vlen = strlen(*v);
}

static int all_digits(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > 18)
		return 0;
	for (i = 0; i < n; i++)
		if (!digit(v[i]))
			return 0;
	return 1;
}

/* RFC 9112 §6.3: ambiguous framing is an error a proxy must not guess
 * about (items 3 and 5); libcurl would silently keep the last of two
 * Content-Length fields. */
static const char *check_framing(const struct resphead *h)
{
	size_t pos = 0, nlen, vlen;
	int cl = 0, te = 0;
	const char *v;

	while (pos < h->len) {
		const char *f = h->buf + pos;

		pos += strlen(f) + 1;
		split(f, &nlen, &v, &vlen);
		if (ascii_eq_nocase(f, nlen, "Content-Length")) {
			if (cl++ > 0)
				return "duplicate Content-Length";
			if (!all_digits(v, vlen))
				return "invalid Content-Length";
		} else if (ascii_eq_nocase(f, nlen, "Transfer-Encoding")) {
			if (te++ > 0 || vlen != 7 ||
			    !ascii_eq_nocase(v, vlen, "chunked"))
				return "unsupported Transfer-Encoding";
		}
	}
	if (cl > 0 && te > 0)
		return "Content-Length with Transfer-Encoding";
	return NULL;
}

static enum rh_result end_of_head(struct resphead *h)
{
	const char *err;

	if (h->status == 101)
		return fail(h, "agent switched protocols (101)");
	if (h->status < 200) {
		resphead_init(h); /* RFC 9110 §15.2: skip interim answers */
		return RH_INTERIM;
	}
	if ((err = check_framing(h)) != NULL)
		return fail(h, err);
	h->done = 1;
	return RH_DONE;
}

enum rh_result resphead_line(struct resphead *h, const char *line, size_t len)
{
	const char *err;

	if (h->done)
		return RH_DONE;
	if (h->error != NULL)
		return RH_ERROR;
	if (len >= RESP_LINE_MAX)
		return fail(h, "response header line too long");
	h->total += len;
	if (h->total > RESP_HEAD_MAX)
		return fail(h, "response head too large");
	if ((err = strip_eol(line, &len)) != NULL)
		return fail(h, err);
	if (h->status == 0)
		return status_line(h, line, len);
	if (len == 0)
		return end_of_head(h);
	return field_line(h, line, len);
}

/* Values of the head's Connection fields name more hop-by-hop fields
 * (RFC 9110 §7.6.1). */
static int listed_in_connection(const struct resphead *h, const char *name,
                                size_t len)
{
	size_t pos = 0, nlen, vlen;
	const char *v;

	while (pos < h->len) {
		const char *f = h->buf + pos;

		pos += strlen(f) + 1;
		split(f, &nlen, &v, &vlen);
		if (ascii_eq_nocase(f, nlen, "Connection") &&
		    header_in_connection(v, vlen, name, len))
			return 1;
	}
	return 0;
}

/* Every field that steers the web server instead of informing the
 * client, in one list: a field passed on from the agent would let it (and
 * whoever it reflects) send local files, redirect internally or throttle
 * the download. */
enum steer_match {
	STEER_NAME,   /* this name */
	STEER_PREFIX, /* any name starting so */
	STEER_ON_200, /* this name on a 200 */
	STEER_VALUE   /* this name with a value starting with .value */
};

struct steer_field {
	const char *name;
	enum steer_match how;
	const char *value;
};

static const struct steer_field steering[] = {
    /* RFC 3875 §6.3.3: the CGI status; the relay writes its own */
    {"Status", STEER_NAME, NULL},
    /* nginx: X-Accel-Redirect, -Buffering, -Limit-Rate, -Charset ... */
    {"X-Accel-", STEER_PREFIX, NULL},
    /* Apache mod_xsendfile, lighttpd X-Sendfile and X-Sendfile2 */
    {"X-Sendfile", STEER_PREFIX, NULL},
    /* lighttpd: send-file, send-tempfile (sends, then deletes a file),
     * KBytes-per-second (throttles the connection), and any later one */
    {"X-LIGHTTPD-", STEER_PREFIX, NULL},
    /* RFC 3875 §6.2.2: Apache and lighttpd make a local path on a 200
     * an internal redirect */
    {"Location", STEER_ON_200, NULL},
    /* Apache before 2.4.60 chose a handler from it (CVE-2024-38476) */
    {"Content-Type", STEER_VALUE, "proxy:"},
};

static int steers_server(int status, const char *name, size_t nlen,
                         const char *value, size_t vlen)
{
	size_t i;

	for (i = 0; i < sizeof(steering) / sizeof(steering[0]); i++) {
		const struct steer_field *f = &steering[i];

		if (f->how == STEER_PREFIX
		        ? !ascii_prefix_nocase(name, nlen, f->name)
		        : !ascii_eq_nocase(name, nlen, f->name))
			continue;
		if (f->how == STEER_ON_200 && status != 200)
			continue;
		if (f->how == STEER_VALUE &&
		    !ascii_prefix_nocase(value, vlen, f->value))
			continue;
		return 1;
	}
	return 0;
}

int resphead_field_allowed(const struct resphead *h, const char *name,
                           size_t nlen, const char *value, size_t vlen)
{
	if (steers_server(h->status, name, nlen, value, vlen))
		return 0;
	if (header_is_hop_by_hop(name, nlen))
		return 0;
	return !listed_in_connection(h, name, nlen);
}

int resphead_each(const struct resphead *h,
                  int (*fn)(void *ctx, const char *name, size_t nlen,
                            const char *value, size_t vlen),
                  void *ctx)
{
	size_t pos = 0, nlen, vlen;
	const char *v;
	int rc;

	while (pos < h->len) {
		const char *f = h->buf + pos;

		pos += strlen(f) + 1;
		split(f, &nlen, &v, &vlen);
		if (!resphead_field_allowed(h, f, nlen, v, vlen))
			continue;
		if ((rc = fn(ctx, f, nlen, v, vlen)) != 0)
			return rc;
	}
	return 0;
}

int resphead_no_body(int status, int head_request)
{
	return head_request || (status >= 100 && status < 200) ||
	       status == 204 || status == 304;
}
