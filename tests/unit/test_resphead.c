/* Unit tests: the agent's response head (common/resphead.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "resphead.h"
#include "suites.h"

/* Raw agent head bytes, the result after the last line, and for a
 * complete head the status, reason and allowed fields joined by '|'. */
struct head_row {
	int line;
	const char *raw;
	size_t rawlen; /* 0: strlen(raw) */
	enum rh_result want;
	int status;
	const char *reason;
	const char *fields;
};

static const struct head_row head_rows[] = {
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", 0,
     RH_DONE, 200, "OK", "Content-Type: text/plain"},
    {__LINE__, "HTTP/1.0 404 Not Found\n\n", 0, RH_DONE, 404, "Not Found", ""},
    {__LINE__, "HTTP/1.1 299\r\n\r\n", 0, RH_DONE, 299, "", ""},
    {__LINE__, "HTTP/1.1 299 \r\n\r\n", 0, RH_DONE, 299, "", ""},
    {__LINE__, "HTTP/2 200 \r\n\r\n", 0, RH_DONE, 200, "", ""},
    {__LINE__, "HTTP/1.1 599 Custom Reason\r\n\r\n", 0, RH_DONE, 599,
     "Custom Reason", ""},
    /* a reason with bytes that are not plain text is not kept */
    {__LINE__, "HTTP/1.1 200 O\x01K\r\n\r\n", 0, RH_DONE, 200, "", ""},
    {__LINE__, "HTTP/1.1 200 caf\xc3\xa9\r\n\r\n", 0, RH_DONE, 200, "", ""},
    /* OWS trimmed, repeats kept in order */
    {__LINE__,
     "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX:  v \t\r\n"
     "Set-Cookie: b=2\r\nX-Empty:\r\n\r\n",
     0, RH_DONE, 200, "OK", "Set-Cookie: a=1|X: v|Set-Cookie: b=2|X-Empty: "},
    /* 1xx answers are skipped and their fields forgotten (RFC 9110 §15.2) */
    {__LINE__,
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
     "Link: </a>\r\n\r\nHTTP/1.1 201 Created\r\nX: 1\r\n\r\n",
     0, RH_DONE, 201, "Created", "X: 1"},
    {__LINE__, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 0, RH_INTERIM,
     0, "", ""},
    {__LINE__, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 0,
     RH_ERROR, 0, NULL, NULL},
    /* hop-by-hop, Connection-listed, Transfer-Encoding, control fields */
    {__LINE__,
     "HTTP/1.1 200 OK\r\nConnection: close, X-Secret\r\n"
     "X-Secret: s\r\nKeep-Alive: 5\r\nTransfer-Encoding: chunked\r\n"
     "Upgrade: h2c\r\nTrailer: X\r\nProxy-Connection: x\r\n"
     "X-Keep: 1\r\n\r\n",
     0, RH_DONE, 200, "OK", "X-Keep: 1"},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nStatus: 302\r\nX-Accel-Redirect: /s\r\n"
     "X-Accel-Buffering: no\r\nX-Sendfile: /etc/passwd\r\n"
     "X-Sendfile2: x\r\nX-LIGHTTPD-send-file: /etc/shadow\r\n"
     "x-lighttpd-send-file: /x\r\nLocation: /server-status\r\n"
     "Content-Type: proxy:http://evil/\r\nX-Ok: 1\r\n\r\n",
     0, RH_DONE, 200, "OK", "X-Ok: 1"},
    /* every X-LIGHTTPD-* steers lighttpd (throttle, send and delete a
     * file), in any case; names that only look alike pass */
    {__LINE__,
     "HTTP/1.1 200 OK\r\nX-LIGHTTPD-KBytes-per-second: 1\r\n"
     "x-lighttpd-send-tempfile: /tmp/t\r\nX-Lighttpd-Future: 1\r\n"
     "X-LIGHTTPD-: x\r\nX-Ok: 1\r\n\r\n",
     0, RH_DONE, 200, "OK", "X-Ok: 1"},
    {__LINE__,
     "HTTP/1.1 206 Partial\r\nX-Lighttpd-KBytes-Per-Second: 1\r\n"
     "X-LighttpdX: 1\r\nX-Lighttpd: 2\r\n\r\n",
     0, RH_DONE, 206, "Partial", "X-LighttpdX: 1|X-Lighttpd: 2"},
    {__LINE__,
     "HTTP/1.1 404 Not Found\r\nsTaTuS: 200\r\nx-accel-limit-rate: 1\r\n"
     "X-SENDFILE-Range: 1\r\nX-Sendfil: 1\r\nX-Accel: 1\r\n\r\n",
     0, RH_DONE, 404, "Not Found", "X-Sendfil: 1|X-Accel: 1"},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nContent-Type: PROXY:x\r\n"
     "content-type: text/proxy:\r\n\r\n",
     0, RH_DONE, 200, "OK", "content-type: text/proxy:"},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nlocation: /x\r\nContent-Location: /y\r\n\r\n", 0,
     RH_DONE, 200, "OK", "Content-Location: /y"},
    /* Location is dropped on a 200 only */
    {__LINE__, "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", 0, RH_DONE, 302,
     "Found", "Location: /x"},
    {__LINE__, "HTTP/1.1 201 Created\r\nLocation: /x\r\n\r\n", 0, RH_DONE, 201,
     "Created", "Location: /x"},
    /* framing: one valid Content-Length, or chunked, never both */
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 0, RH_DONE, 200,
     "OK", "Content-Length: 5"},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 0,
     RH_ERROR, 0, NULL, NULL},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0,
     RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", 0, RH_ERROR,
     0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, RH_ERROR, 0,
     NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", 0, RH_ERROR, 0,
     NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", 0, RH_ERROR,
     0, NULL, NULL},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0,
     RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, RH_ERROR, 0,
     NULL, NULL},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
     "Transfer-Encoding: chunked\r\n\r\n",
     0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0,
     RH_ERROR, 0, NULL, NULL},
    {__LINE__,
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
     "Transfer-Encoding: chunked\r\n\r\n",
     0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n", 0,
     RH_DONE, 200, "OK", ""},
    /* malformed status lines */
    {__LINE__, "HTTP/1.1 2OO OK\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 99 Low\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 600 High\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 1000 X\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1  200 OK\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 20\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/ 200 OK\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "ICY 200 OK\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "hello\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK", 0, RH_ERROR, 0, NULL, NULL},
    /* bytes: bare CR, NUL, control bytes; folding; bad names */
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 28, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\r\n  b\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX : a\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\n: a\r\n\r\n", 0, RH_ERROR, 0, NULL, NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    {__LINE__, "HTTP/1.1 200 OK\r\nX(y): a\r\n\r\n", 0, RH_ERROR, 0, NULL,
     NULL},
    /* tab and obs-text in a value pass */
    {__LINE__, "HTTP/1.1 200 OK\r\nX: a\tb\xe9\r\n\r\n", 0, RH_DONE, 200, "OK",
     "X: a\tb\xe9"},
    /* trailers after the head are ignored */
    {__LINE__, "HTTP/1.1 200 OK\r\n\r\nX-Trailer: 1\r\n", 0, RH_DONE, 200, "OK",
     ""},
};

/* Feeds raw line by line as libcurl would. */
static enum rh_result feed(struct resphead *h, const char *raw, size_t len)
{
	enum rh_result res = RH_MORE;
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		res = resphead_line(h, raw + start, i + 1 - start);
		start = i + 1;
		if (res == RH_ERROR)
			return res;
	}
	if (start < len)
		res = resphead_line(h, raw + start, len - start);
	return res;
}

struct joined {
	char buf[2048];
	size_t len;
};

static int join_field(void *ctx, const char *name, size_t nlen,
                      const char *value, size_t vlen)
{
	struct joined *j = ctx;

	ck_assert(j->len + nlen + vlen + 4 < sizeof(j->buf));
	if (j->len > 0)
		j->buf[j->len++] = '|';
	memcpy(j->buf + j->len, name, nlen);
	memcpy(j->buf + j->len + nlen, ": ", 2);
	memcpy(j->buf + j->len + nlen + 2, value, vlen);
	j->len += nlen + 2 + vlen;
	j->buf[j->len] = '\0';
	return 0;
}

static struct resphead head;

START_TEST(test_head)
{
	const struct head_row *r = &head_rows[_i];
	size_t len = r->rawlen != 0 ? r->rawlen : strlen(r->raw);
	struct joined j = {"", 0};
	enum rh_result res;

	resphead_init(&head);
	res = feed(&head, r->raw, len);
	ck_assert_msg(res == r->want, "line %d: result %d", r->line, res);
	if (res == RH_ERROR) {
		ck_assert_msg(head.error != NULL, "line %d: no message",
		              r->line);
		return;
	}
	if (res != RH_DONE)
		return;
	ck_assert_msg(head.status == r->status, "line %d: %d", r->line,
	              head.status);
	ck_assert_msg(strcmp(head.reason, r->reason) == 0, "line %d: '%s'",
	              r->line, head.reason);
	ck_assert_int_eq(resphead_each(&head, join_field, &j), 0);
	ck_assert_msg(strcmp(j.buf, r->fields) == 0,
	              "line %d:\n got %s\nwant %s", r->line, j.buf, r->fields);
}
END_TEST

/* Caps: a line just below and at RESP_LINE_MAX, a head over RESP_HEAD_MAX
 * in lines that are each fine, and too many fields. */
START_TEST(test_head_limits)
{
	static char line[RESP_LINE_MAX + 8];
	char small[64];
	enum rh_result res = RH_MORE;
	int i;

	resphead_init(&head);
	ck_assert_int_eq(resphead_line(&head, "HTTP/1.1 200 OK\r\n", 17),
	                 RH_MORE);
	memset(line, 'a', sizeof(line));
	memcpy(line, "X: ", 3);
	memcpy(line + RESP_LINE_MAX - 3, "\r\n", 2);
	ck_assert_int_eq(resphead_line(&head, line, RESP_LINE_MAX - 1),
	                 RH_MORE);
	memcpy(line + RESP_LINE_MAX - 2, "\r\n", 2);
	ck_assert_int_eq(resphead_line(&head, line, RESP_LINE_MAX), RH_ERROR);

	resphead_init(&head);
	resphead_line(&head, "HTTP/1.1 200 OK\r\n", 17);
	memcpy(line + 4000, "\r\n", 2);
	for (i = 0; i < 40 && res == RH_MORE; i++)
		res = resphead_line(&head, line, 4002);
	ck_assert_int_eq(res, RH_ERROR);
	ck_assert_int_lt(i, 40);

	resphead_init(&head);
	resphead_line(&head, "HTTP/1.1 200 OK\r\n", 17);
	res = RH_MORE;
	for (i = 0; i <= RESP_HEADER_COUNT_MAX && res == RH_MORE; i++) {
		int n = snprintf(small, sizeof(small), "X-%d: 1\r\n", i);

		res = resphead_line(&head, small, (size_t)n);
	}
	ck_assert_int_eq(res, RH_ERROR);
	ck_assert_int_eq(i, RESP_HEADER_COUNT_MAX + 1);
}
END_TEST

/* An error sticks: later lines cannot complete a broken head. */
START_TEST(test_head_error_sticks)
{
	resphead_init(&head);
	ck_assert_int_eq(resphead_line(&head, "bogus\r\n", 7), RH_ERROR);
	ck_assert_int_eq(resphead_line(&head, "HTTP/1.1 200 OK\r\n", 17),
	                 RH_ERROR);
	ck_assert_int_eq(resphead_line(&head, "\r\n", 2), RH_ERROR);
}
END_TEST

struct nobody_row {
	int line;
	int status, head;
	int none;
};

static const struct nobody_row nobody_rows[] = {
    {__LINE__, 200, 0, 0}, {__LINE__, 200, 1, 1}, {__LINE__, 204, 0, 1},
    {__LINE__, 304, 0, 1}, {__LINE__, 103, 0, 1}, {__LINE__, 205, 0, 0},
    {__LINE__, 404, 1, 1}, {__LINE__, 500, 0, 0},
};

START_TEST(test_no_body)
{
	const struct nobody_row *r = &nobody_rows[_i];

	ck_assert_msg(resphead_no_body(r->status, r->head) == r->none,
	              "line %d", r->line);
}
END_TEST

Suite *resphead_suite(void)
{
	Suite *s = suite_create("resphead");
	TCase *tc = tcase_create("agent heads");

	tcase_add_loop_test(tc, test_head, 0,
	                    (int)(sizeof(head_rows) / sizeof(head_rows[0])));
	tcase_add_test(tc, test_head_limits);
	tcase_add_test(tc, test_head_error_sticks);
	tcase_add_loop_test(
	    tc, test_no_body, 0,
	    (int)(sizeof(nobody_rows) / sizeof(nobody_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
