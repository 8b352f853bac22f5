/* FastCGI record framing (FastCGI 1.0 specification, section 3.3): an
 * 8-byte header (version, type, request id, content length, padding
 * length, reserved), then content and padding. */
#include "config.h"

#include "fcgihead.h"

#include <stdio.h>
#include <string.h>

#define REC_HEADER             8
#define FCGI_VERSION_1         1
#define TYPE_BEGIN             1
#define TYPE_PARAMS            4
#define TYPE_STDIN             5
#define TYPE_GET_VALUES        9
#define TYPE_GET_VALUES_RESULT 10
#define TYPE_UNKNOWN_TYPE      11

/* Whether the records from at on end request id's STDIN stream (its
 * empty STDIN record is there, after any body). Records of other
 * requests are skipped, as libfcgi skips them. */
static int stdin_ends(const unsigned char *p, size_t at, size_t len,
                      unsigned id)
{
	while (at + REC_HEADER <= len) {
		const unsigned char *h = p + at;
		unsigned rid = ((unsigned)h[2] << 8) | h[3];
		size_t content = ((size_t)h[4] << 8) | h[5];

		if (at + REC_HEADER + content + h[6] > len)
			return 0; /* still arriving */
		if (rid == id && h[1] != TYPE_STDIN)
			return 0; /* libfcgi's to judge, as it comes */
		if (rid == id && content == 0)
			return 1;
		at += REC_HEADER + content + h[6];
	}
	return 0;
}

/* A management record first on the connection (the web server's query
 * before a request): answered by the relay once it is all here. One too
 * long for the peek is no query a web server makes (the three variables
 * take 60 bytes), and only libfcgi could read it. */
static enum fcgi_head first_management(size_t whole, size_t len, size_t cap)
{
	if (whole > cap)
		return FCGI_HEAD_REFUSE;
	return whole > len ? FCGI_HEAD_PARTIAL : FCGI_HEAD_MANAGEMENT;
}

enum fcgi_head fcgi_head_scan(const unsigned char *p, size_t len, size_t cap)
{
	size_t at = 0, content, whole;
	unsigned id = 0, rid;
	int begun = 0;

	while (at + REC_HEADER <= len) {
		const unsigned char *h = p + at;

		rid = ((unsigned)h[2] << 8) | h[3];
		content = ((size_t)h[4] << 8) | h[5];
		whole = REC_HEADER + content + h[6];
		/* Another version, or a first record other than BEGIN:
		 * libfcgi refuses those. A management record (request id 0,
		 * such as FCGI_GET_VALUES) is the relay's to answer first, and
		 * never libfcgi's inside a head. */
		if (h[0] != FCGI_VERSION_1)
			return FCGI_HEAD_HANDOVER;
		if (!begun) {
			if (rid == 0 && h[1] != TYPE_BEGIN)
				return first_management(whole, len, cap);
			if (h[1] != TYPE_BEGIN || rid == 0)
				return FCGI_HEAD_HANDOVER;
			id = rid;
		} else if (rid == 0) {
			return FCGI_HEAD_REFUSE;
		} else if (rid == id && h[1] != TYPE_PARAMS) {
			return FCGI_HEAD_HANDOVER; /* libfcgi refuses it */
		}
		/* Records of other requests libfcgi skips while it reads this
		 * head: skipped here too, so only this request's empty PARAMS
		 * makes the head whole. */
		if (at + whole > len)
			break; /* this record is still arriving */
		if (begun && rid == id && content == 0)
			return stdin_ends(p, at + whole, len, id)
			           ? FCGI_HEAD_ALL
			           : FCGI_HEAD_WHOLE;
		begun = 1;
		at += whole;
	}
	/* More than a peek shows: libfcgi reads the rest as it comes, under
	 * the same deadline (headwait_guard). */
	if (len >= cap)
		return FCGI_HEAD_HANDOVER;
	return FCGI_HEAD_PARTIAL;
}

/* ---- management records ---- */

/* value NULL: the number of requests served at once */
static const struct {
	const char *name, *value;
} known_vars[] = {
    {"FCGI_MAX_CONNS", NULL},
    {"FCGI_MAX_REQS", NULL},
    {"FCGI_MPXS_CONNS", "0"}, /* one request per connection */
};
#define KNOWN_VARS (sizeof(known_vars) / sizeof(known_vars[0]))

/* A name-value pair's length (FastCGI 1.0 section 3.4): one byte below
 * 128, else four with the high bit set. 0, or -1 past the end. */
static int pair_length(const unsigned char *p, size_t len, size_t *at,
                       size_t *out)
{
	const unsigned char *b = p + *at;

	if (*at >= len)
		return -1;
	if (b[0] < 128) {
		*out = b[0];
		*at += 1;
		return 0;
	}
	if (len - *at < 4)
		return -1;
	*out = ((size_t)(b[0] & 0x7f) << 24) | ((size_t)b[1] << 16) |
	       ((size_t)b[2] << 8) | b[3];
	*at += 4;
	return 0;
}

/* The known variables a FCGI_GET_VALUES content names, as bits (each
 * once, however often it is named); -1 when a pair runs past the end. */
static int asked_vars(const unsigned char *p, size_t len)
{
	size_t at = 0, nl, vl, i;
	int bits = 0;

	while (at < len) {
		if (pair_length(p, len, &at, &nl) < 0 ||
		    pair_length(p, len, &at, &vl) < 0 || nl > len - at ||
		    vl > len - at - nl)
			return -1;
		for (i = 0; i < KNOWN_VARS; i++)
			if (nl == strlen(known_vars[i].name) &&
			    memcmp(p + at, known_vars[i].name, nl) == 0)
				bits |= 1 << i;
		at += nl + vl;
	}
	return bits;
}

static void put_header(unsigned char *out, unsigned type, size_t clen,
                       size_t pad)
{
	out[0] = FCGI_VERSION_1;
	out[1] = (unsigned char)type;
	out[2] = 0; /* request id 0 */
	out[3] = 0;
	out[4] = (unsigned char)(clen >> 8);
	out[5] = (unsigned char)(clen & 0xff);
	out[6] = (unsigned char)pad;
	out[7] = 0;
}

/* Names and values here are below 128 bytes: one length byte each. */
static size_t put_pair(unsigned char *out, size_t at, const char *name,
                       const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	out[at++] = (unsigned char)nl;
	out[at++] = (unsigned char)vl;
	memcpy(out + at, name, nl);
	memcpy(out + at + nl, value, vl);
	return at + nl + vl;
}

size_t fcgi_management_answer(const unsigned char *rec, size_t len,
                              unsigned long max_reqs, unsigned char *out)
{
	char max[24];
	size_t clen, at = REC_HEADER, pad, i;
	int bits;

	if (len < REC_HEADER)
		return 0;
	clen = ((size_t)rec[4] << 8) | rec[5];
	if (REC_HEADER + clen + rec[6] != len)
		return 0;
	if (rec[1] != TYPE_GET_VALUES) {
		put_header(out, TYPE_UNKNOWN_TYPE, 8, 0);
		memset(out + REC_HEADER, 0, 8);
		out[REC_HEADER] = rec[1];
		return REC_HEADER + 8;
	}
	if ((bits = asked_vars(rec + REC_HEADER, clen)) < 0)
		return 0;
	snprintf(max, sizeof(max), "%lu", max_reqs);
	for (i = 0; i < KNOWN_VARS; i++)
		if (bits & (1 << i))
			at = put_pair(out, at, known_vars[i].name,
			              known_vars[i].value ? known_vars[i].value
			                                  : max);
	clen = at - REC_HEADER;
	pad = (8 - clen % 8) % 8;
	memset(out + at, 0, pad);
	put_header(out, TYPE_GET_VALUES_RESULT, clen, pad);
	return at + pad;
}
