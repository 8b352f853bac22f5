/* Unit tests: the diagnose page (common/diagnose.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "suites.h"

struct match_row {
	int line;
	const char *path; /* diagnose_path; "" = unset */
	char *env[4];
	int want;
};

static const struct match_row match_rows[] = {
    {__LINE__, "", {"REQUEST_URI=/", NULL}, 0},
    {__LINE__, "/diag", {"REQUEST_URI=/diag", NULL}, 1},
    {__LINE__, "/diag", {"REQUEST_URI=/diag?x=1", NULL}, 1},
    {__LINE__, "/diag", {"REQUEST_URI=/diag/", NULL}, 0},
    {__LINE__, "/diag", {"REQUEST_URI=/diagx", NULL}, 0},
    {__LINE__, "/diag", {"REQUEST_URI=/dia", NULL}, 0},
    {__LINE__, "/diag", {"REQUEST_URI=/Diag", NULL}, 0},
    /* exact bytes: no decoding, no dot-segment resolution */
    {__LINE__, "/diag", {"REQUEST_URI=/%64iag", NULL}, 0},
    {__LINE__, "/diag", {"REQUEST_URI=/x/../diag", NULL}, 0},
    /* before strip_prefix: the path as the client typed it */
    {__LINE__, "/app/diag", {"REQUEST_URI=/app/diag", NULL}, 1},
    {__LINE__, "/diag", {"REQUEST_URI=http://h.example/diag?q", NULL}, 1},
    {__LINE__, "/diag", {"REQUEST_URI=HTTPS://h.example/diag", NULL}, 1},
    {__LINE__, "/diag", {"REQUEST_URI=http://h.example", NULL}, 0},
    /* a query that holds the path is no path: absolute form split as the
     * target is (target_split_uri), not at the first slash */
    {__LINE__, "/diag", {"REQUEST_URI=http://h.example?a=/diag", NULL}, 0},
    {__LINE__, "/diag", {"SCRIPT_NAME=/diag", NULL}, 1},
    {__LINE__, "/diag", {"SCRIPT_NAME=/d", "PATH_INFO=iag", NULL}, 1},
    {__LINE__, "/diag", {"SCRIPT_NAME=/cgi", "PATH_INFO=/diag", NULL}, 0},
    {__LINE__, "/diag", {NULL}, 0},
};

START_TEST(test_match)
{
	const struct match_row *row = &match_rows[_i];
	struct reqview r = {row->env};
	struct settings s;
	char err[128];

	settings_defaults(&s);
	ck_assert_int_eq(settings_set(&s, SET_DIAGNOSE_PATH, row->path,
	                              strlen(row->path), SRC_ENV, 0, err,
	                              sizeof(err)),
	                 0);
	ck_assert_msg(diagnose_match(&s, &r) == row->want, "line %d",
	              row->line);
}
END_TEST

struct page_row {
	int line;
	char *env[8];
	const char *want[3];  /* substrings the page must hold */
	const char *never[2]; /* and must not */
};

static const struct page_row page_rows[] = {
    {__LINE__,
     {"HTTP_AUTHORIZATION=Basic c2VjcmV0", NULL},
     {"HTTP_AUTHORIZATION: present (14 bytes, value not shown)", NULL},
     {"c2VjcmV0", NULL}},
    {__LINE__,
     {"REDIRECT_HTTP_AUTHORIZATION=Bearer tok", NULL},
     {"as REDIRECT_HTTP_AUTHORIZATION (10 bytes", NULL},
     {"tok\n", NULL}},
    {__LINE__,
     {"REQUEST_URI=/x", NULL},
     {"HTTP_AUTHORIZATION: missing", "CGIPassAuth On",
      "FcgidPassHeader Authorization"},
     {NULL}},
    /* client bytes: control characters and backslashes escaped */
    {__LINE__,
     {"REQUEST_URI=/a\r\nX-Injected: 1\x7f", NULL},
     {"REQUEST_URI = \"/a\\x0d\\x0aX-Injected: 1\\x7f\"", NULL},
     {"\r\nX-Injected", NULL}},
    {__LINE__,
     {"QUERY_STRING=a\\b\x1b", NULL},
     {"QUERY_STRING = \"a\\x5cb\\x1b\"", NULL},
     {"\x1b", NULL}},
    {__LINE__,
     {"FCGI_ROLE=RESPONDER", NULL},
     {"mode: FastCGI (role RESPONDER)", NULL},
     {"mode: CGI", NULL}},
    {__LINE__,
     {"GATEWAY_INTERFACE=CGI/1.1", NULL},
     {"mode: CGI", "GATEWAY_INTERFACE = \"CGI/1.1\"", "HTTPS: missing"},
     {"FastCGI", NULL}},
    /* header names listed, their values never */
    {__LINE__,
     {"HTTP_COOKIE=sid=topsecret", "HTTP_X_A=1", NULL},
     {"(names only): HTTP_COOKIE HTTP_X_A\n", NULL},
     {"topsecret", NULL}},
    {__LINE__,
     {NULL},
     {"(names only): none\n", "REMOTE_ADDR: missing", NULL},
     {NULL}},
};

/* The page for env, as a malloc'd string. */
static char *page_for(char *const *env, const char *settings_error)
{
	struct reqview r = {env};
	struct settings s;
	struct diagnose_in in = {"test", &s, &r, settings_error, NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	settings_defaults(&s);
	diagnose_write_body(f, &in);
	fclose(f);
	return buf;
}

START_TEST(test_page)
{
	const struct page_row *row = &page_rows[_i];
	char *page = page_for(row->env, NULL);
	size_t i;

	for (i = 0; i < 3 && row->want[i] != NULL; i++)
		ck_assert_msg(strstr(page, row->want[i]) != NULL,
		              "line %d: no '%s' in:\n%s", row->line,
		              row->want[i], page);
	for (i = 0; i < 2 && row->never[i] != NULL; i++)
		ck_assert_msg(strstr(page, row->never[i]) == NULL,
		              "line %d: '%s' in:\n%s", row->line, row->never[i],
		              page);
	free(page);
}
END_TEST

/* The settings section is report_settings' output, plus the problem with
 * this request's parameters; the agent is not probed without a probe. */
START_TEST(test_page_settings)
{
	char *env[] = {NULL};
	char *page = page_for(env, "AGENT_IDLE_TIMEOUT: not a duration");

	ck_assert_ptr_nonnull(strstr(page, "diagnose_path        = (unset)"));
	ck_assert_ptr_nonnull(strstr(page, "(default)"));
	ck_assert_ptr_nonnull(strstr(page, "error in this request's AGENT_* "
	                                   "parameters: AGENT_IDLE_TIMEOUT"));
	ck_assert_ptr_nonnull(
	    strstr(page, "not probed (test does not contact"));
	free(page);
}
END_TEST

struct capture {
	char buf[16384];
	size_t len;
};

static int capture_write(void *ctx, const char *p, size_t n)
{
	struct capture *c = ctx;

	if (n > sizeof(c->buf) - 1 - c->len)
		return -1;
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->buf[c->len] = '\0';
	return 0;
}

static void answer_for(char *method_var, struct capture *c)
{
	char *env[] = {method_var, "REMOTE_ADDR=192.0.2.9", NULL};
	struct reqview r = {env};
	struct settings s;
	struct diagnose_in in = {"test", &s, &r, NULL, NULL};
	struct sink out = {capture_write, c};

	settings_defaults(&s);
	c->len = 0;
	ck_assert_int_eq(diagnose_answer(&out, &in), 0);
}

START_TEST(test_answer)
{
	static struct capture c;
	const char *body;
	char want[64];

	answer_for("REQUEST_METHOD=GET", &c);
	ck_assert_msg(strncmp(c.buf,
	                      "Status: 200 OK\r\n"
	                      "Content-Type: text/plain; charset=utf-8\r\n",
	                      56) == 0,
	              "%s", c.buf);
	ck_assert_ptr_nonnull(strstr(c.buf, "\r\nCache-Control: no-store\r\n"));
	body = strstr(c.buf, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	snprintf(want, sizeof(want), "Content-Length: %zu\r\n", strlen(body));
	ck_assert_ptr_nonnull(strstr(c.buf, want));
	answer_for("REQUEST_METHOD=HEAD", &c);
	ck_assert_ptr_nonnull(strstr(c.buf, "Cache-Control: no-store\r\n"));
	ck_assert_msg(strcmp(c.buf + c.len - 4, "\r\n\r\n") == 0,
	              "body on HEAD");
}
END_TEST

Suite *diagnose_suite(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("page");

	tcase_add_loop_test(tc, test_match, 0,
	                    (int)(sizeof(match_rows) / sizeof(match_rows[0])));
	tcase_add_loop_test(tc, test_page, 0,
	                    (int)(sizeof(page_rows) / sizeof(page_rows[0])));
	tcase_add_test(tc, test_page_settings);
	tcase_add_test(tc, test_answer);
	suite_add_tcase(s, tc);
	return s;
}
