/* Unit tests: error answers and HTML escaping (common/response.c). */
#include "config.h"

#include <string.h>

#include "response.h"
#include "suites.h"

struct capture {
	char buf[2048];
	size_t len;
	int fail;
};

static int capture_write(void *ctx, const char *p, size_t n)
{
	struct capture *c = ctx;

	if (c->fail || n > sizeof(c->buf) - 1 - c->len)
		return -1;
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

START_TEST(test_error_answer)
{
	struct capture c = {{0}, 0, 0};
	struct sink out = {capture_write, &c};

	ck_assert_int_eq(response_error(&out, 400, "invalid host", 0), 30);
	ck_assert_str_eq(c.buf, "Status: 400 Bad Request\r\n"
	                        "Content-Type: text/plain; charset=utf-8\r\n"
	                        "Content-Length: 30\r\n"
	                        "Cache-Control: no-store\r\n\r\n"
	                        "400 Bad Request: invalid host\n");
}
END_TEST

START_TEST(test_error_head)
{
	struct capture c = {{0}, 0, 0};
	struct sink out = {capture_write, &c};

	ck_assert_int_eq(response_error(&out, 502, "agent unreachable", 1), 0);
	ck_assert_ptr_nonnull(strstr(c.buf, "Status: 502 Bad Gateway\r\n"));
	ck_assert_ptr_nonnull(strstr(c.buf, "Content-Length: 35\r\n"));
	ck_assert_msg(strcmp(c.buf + c.len - 4, "\r\n\r\n") == 0,
	              "body on HEAD");
}
END_TEST

START_TEST(test_error_write_fails)
{
	struct capture c = {{0}, 0, 1};
	struct sink out = {capture_write, &c};

	ck_assert_int_eq(response_error(&out, 500, "x", 0), -1);
}
END_TEST

START_TEST(test_whole_answer)
{
	struct capture c = {{0}, 0, 0};
	struct sink out = {capture_write, &c};

	ck_assert_int_eq(
	    response_whole(&out, 503, "text/plain", 1, "busy\n", 5, 0), 5);
	ck_assert_str_eq(c.buf, "Status: 503 Service Unavailable\r\n"
	                        "Retry-After: 1\r\n"
	                        "Content-Type: text/plain\r\n"
	                        "Cache-Control: no-store\r\n"
	                        "Content-Length: 5\r\n\r\n"
	                        "busy\n");
	c.len = 0;
	ck_assert_int_eq(
	    response_whole(&out, 200, "application/json", 0, "{}", 2, 1), 0);
	ck_assert_str_eq(c.buf, "Status: 200 OK\r\n"
	                        "Content-Type: application/json\r\n"
	                        "Cache-Control: no-store\r\n"
	                        "Content-Length: 2\r\n\r\n");
	c.fail = 1;
	ck_assert_int_eq(response_whole(&out, 200, "text/plain", 0, "x", 1, 0),
	                 -1);
}
END_TEST

struct html_row {
	int line;
	const char *in;
	size_t cap;
	long want_len;
	const char *want;
};

static const struct html_row html_rows[] = {
    {__LINE__, "plain", 64, 5, "plain"},
    {__LINE__, "\"><script>alert(1)</script>", 128, 47,
     "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
    {__LINE__, "a&b='c'", 64, 19, "a&amp;b=&#39;c&#39;"},
    {__LINE__, "abc", 3, -1, NULL},
    {__LINE__, "&", 5, -1, NULL},
    {__LINE__, "&", 6, 5, "&amp;"},
};

START_TEST(test_html_escape)
{
	const struct html_row *r = &html_rows[_i];
	char out[256];
	long n = html_escape(out, r->cap, r->in, strlen(r->in));

	ck_assert_msg(n == r->want_len, "line %d: %ld", r->line, n);
	if (r->want != NULL)
		ck_assert_str_eq(out, r->want);
}
END_TEST

START_TEST(test_reasons)
{
	ck_assert_str_eq(status_reason(302), "Found");
	ck_assert_str_eq(status_reason(307), "Temporary Redirect");
	ck_assert_str_eq(status_reason(504), "Gateway Timeout");
	ck_assert_str_eq(status_reason(299), "");
}
END_TEST

Suite *response_suite(void)
{
	Suite *s = suite_create("response");
	TCase *tc = tcase_create("answers");

	tcase_add_test(tc, test_error_answer);
	tcase_add_test(tc, test_error_head);
	tcase_add_test(tc, test_error_write_fails);
	tcase_add_test(tc, test_whole_answer);
	tcase_add_loop_test(tc, test_html_escape, 0,
	                    (int)(sizeof(html_rows) / sizeof(html_rows[0])));
	tcase_add_test(tc, test_reasons);
	suite_add_tcase(s, tc);
	return s;
}
