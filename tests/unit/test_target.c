/* Unit tests: the target URL rules of DESIGN.md (common/target.c). */
#include "config.h"

#include <string.h>

#include "suites.h"
#include "target.h"

#define NO_URI NULL

struct target_row {
	int line;
	const char *uri; /* REQUEST_URI, NO_URI for the fallback */
	const char *script, *path_info, *query;
	const char *strip, *base;
	const char *want; /* NULL: error with status */
	int status;
};

static const struct target_row target_rows[] = {
    /* raw REQUEST_URI kept byte for byte */
    {__LINE__, "/", "", "", NULL, "", "", "/", 0},
    {__LINE__, "/a/b?x=1&y=2", "", "", NULL, "", "", "/a/b?x=1&y=2", 0},
    {__LINE__, "/a%2Fb%20c?q=%41%zz", "", "", NULL, "", "",
     "/a%2Fb%20c?q=%41%25zz", 0},
    {__LINE__, "/caf%C3%A9", "", "", NULL, "", "", "/caf%C3%A9", 0},
    {__LINE__, "/x?", "", "", NULL, "", "", "/x?", 0},
    {__LINE__, "/x??a=?", "", "", NULL, "", "", "/x??a=?", 0},
    {__LINE__, "/a//b", "", "", NULL, "", "", "/a//b", 0},
    {__LINE__, "/~user/!$&'()*+,;=:@", "", "", NULL, "", "",
     "/~user/!$&'()*+,;=:@", 0},
    /* bytes that may not stand in a URL are encoded (row 7) */
    {__LINE__, "/a b", "", "", NULL, "", "", "/a%20b", 0},
    {__LINE__, "/\"<>\\^`{|}", "", "", NULL, "", "",
     "/%22%3C%3E%5C%5E%60%7B%7C%7D", 0},
    {__LINE__, "/caf\xc3\xa9", "", "", NULL, "", "", "/caf%C3%A9", 0},
    {__LINE__, "/a#frag", "", "", NULL, "", "", "/a%23frag", 0},
    {__LINE__, "/a?b#c", "", "", NULL, "", "", "/a?b%23c", 0},
    {__LINE__, "/a?x=<script>", "", "", NULL, "", "", "/a?x=%3Cscript%3E", 0},
    {__LINE__, "/100%", "", "", NULL, "", "", "/100%25", 0},
    {__LINE__, "/%4", "", "", NULL, "", "", "/%254", 0},
    /* dot-segments, also percent-encoded (row 8) */
    {__LINE__, "/a/../b", "", "", NULL, "", "", "/b", 0},
    {__LINE__, "/a/./b", "", "", NULL, "", "", "/a/b", 0},
    {__LINE__, "/a/b/..", "", "", NULL, "", "", "/a/", 0},
    {__LINE__, "/a/b/.", "", "", NULL, "", "", "/a/b/", 0},
    {__LINE__, "/..", "", "", NULL, "", "", "/", 0},
    {__LINE__, "/../../etc/passwd", "", "", NULL, "", "/api", "/api/etc/passwd",
     0},
    {__LINE__, "/%2e%2e/etc", "", "", NULL, "", "/api", "/api/etc", 0},
    {__LINE__, "/%2E%2E/%2e/etc", "", "", NULL, "", "/api", "/api/etc", 0},
    {__LINE__, "/.%2E/x", "", "", NULL, "", "/api", "/api/x", 0},
    {__LINE__, "/%2e./x", "", "", NULL, "", "/api", "/api/x", 0},
    {__LINE__, "/a/..?x=../..", "", "", NULL, "", "", "/?x=../..", 0},
    {__LINE__, "//..//", "", "", NULL, "", "/api", "/api//", 0},
    {__LINE__, "/a/.../b", "", "", NULL, "", "", "/a/.../b", 0},
    {__LINE__, "/a/..b/c", "", "", NULL, "", "", "/a/..b/c", 0},
    {__LINE__, "/a/.hidden", "", "", NULL, "", "", "/a/.hidden", 0},
    /* an encoded '/' or '\' that hides a ".." component */
    {__LINE__, "/p/%2e%2e%2fx", "", "", NULL, "", "/api", NULL, 400},
    {__LINE__, "/p/..%2Fx", "", "", NULL, "", "/api", NULL, 400},
    {__LINE__, "/p/..%5cx", "", "", NULL, "", "/api", NULL, 400},
    {__LINE__, "/p/x%2f..", "", "", NULL, "", "/api", NULL, 400},
    {__LINE__, "/p/a%2Fb", "", "", NULL, "", "", "/p/a%2Fb", 0},
    {__LINE__, "/p/...%2Fb", "", "", NULL, "", "", "/p/...%2Fb", 0},
    /* absolute-form keeps only path and query (row 9) */
    {__LINE__, "http://evil.example/x?y", "", "", NULL, "", "", "/x?y", 0},
    {__LINE__, "HTTPS://evil.example:1/x", "", "", NULL, "", "", "/x", 0},
    {__LINE__, "http://evil.example", "", "", NULL, "", "", "/", 0},
    {__LINE__, "http://evil.example?q", "", "", NULL, "", "", "/?q", 0},
    {__LINE__, "http://a@evil.example/../x", "", "", NULL, "", "/api", "/api/x",
     0},
    /* targets that are not origin-form (rows 10, 12) */
    {__LINE__, "*", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "x/y", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "@evil/", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "ftp://evil/", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "//evil.example/x", "", "", NULL, "", "", "//evil.example/x", 0},
    {__LINE__, "/\\evil.example", "", "", NULL, "", "", "/%5Cevil.example", 0},
    /* control bytes are refused, never encoded (row 6) */
    {__LINE__, "/a\r\nSet-Cookie: x", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "/a\tb", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "/a\x7f", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "/a?b\x01", "", "", NULL, "", "", NULL, 400},
    {__LINE__, "/a?b\x1b[31m", "", "", NULL, "", "", NULL, 400},
    /* the fallback without REQUEST_URI: decoded parts are re-encoded */
    {__LINE__, NO_URI, "/cgi-bin/gw", "/a b", "x=1%20", "", "",
     "/cgi-bin/gw/a%20b?x=1%20", 0},
    {__LINE__, NO_URI, "/gw", "/100%/q?#", NULL, "", "", "/gw/100%25/q%3F%23",
     0},
    {__LINE__, NO_URI, "/gw", "/../../x", NULL, "", "/api", "/api/x", 0},
    {__LINE__, NO_URI, "/gw", "/a\r\nb", NULL, "", "", NULL, 400},
    {__LINE__, NO_URI, "", "", NULL, "", "", "/", 0},
    {__LINE__, NO_URI, "", "x", NULL, "", "", "/x", 0},
    {__LINE__, NO_URI, "/gw", "", "a=1", "/gw", "", "/?a=1", 0},
    {__LINE__, NO_URI, "/gw", "/%2e%2e/x", NULL, "", "", "/gw/%252e%252e/x", 0},
    /* prefix stripping is segment-aligned */
    {__LINE__, "/app/x", "", "", NULL, "/app", "", "/x", 0},
    {__LINE__, "/app", "", "", NULL, "/app", "", "/", 0},
    {__LINE__, "/app/", "", "", NULL, "/app/", "", "/", 0},
    {__LINE__, "/app?q=1", "", "", NULL, "/app", "", "/?q=1", 0},
    {__LINE__, "/application", "", "", NULL, "/app", "", "/application", 0},
    {__LINE__, "/app/../etc", "", "", NULL, "/app", "/api", "/api/etc", 0},
    {__LINE__, "/app/x", "", "", NULL, "/", "", "/app/x", 0},
    {__LINE__, "/app/x", "", "", NULL, "/app", "/api", "/api/x", 0},
};

START_TEST(test_target_rows)
{
	const struct target_row *r = &target_rows[_i];
	struct target_src src = {0};
	struct target t;
	const char *err;

	if (r->uri != NULL) {
		src.request_uri = r->uri;
		src.request_uri_len = strlen(r->uri);
	}
	src.script_name = r->script;
	src.script_name_len = strlen(r->script);
	src.path_info = r->path_info;
	src.path_info_len = strlen(r->path_info);
	if (r->query != NULL) {
		src.query_string = r->query;
		src.query_string_len = strlen(r->query);
	}
	err = target_build(&src, r->strip, r->base, &t);
	if (r->want == NULL) {
		ck_assert_msg(err != NULL, "line %d: accepted as '%s'", r->line,
		              t.buf);
		ck_assert_msg(t.status == r->status, "line %d: status %d",
		              r->line, t.status);
		return;
	}
	ck_assert_msg(err == NULL, "line %d: %s", r->line, err);
	ck_assert_msg(strcmp(t.buf, r->want) == 0 && t.len == strlen(r->want),
	              "line %d: got '%s' want '%s'", r->line, t.buf, r->want);
	/* invariants of every accepted target: under the prefix, no raw CTL */
	ck_assert(strncmp(t.buf, r->base, strlen(r->base)) == 0);
	for (size_t i = 0; i < t.len; i++)
		ck_assert_msg((unsigned char)t.buf[i] > 0x20 &&
		                  (unsigned char)t.buf[i] < 0x7f,
		              "line %d: byte %zu", r->line, i);
}
END_TEST

/* NUL inside a length-delimited target must not end it early. */
START_TEST(test_target_nul)
{
	static const char uri[] = "/a\0b";
	struct target_src src = {0};
	struct target t;

	src.request_uri = uri;
	src.request_uri_len = sizeof(uri) - 1;
	src.script_name = src.path_info = "";
	ck_assert_ptr_nonnull(target_build(&src, "", "", &t));
	ck_assert_int_eq(t.status, 400);
}
END_TEST

START_TEST(test_target_too_long)
{
	static char uri[TARGET_MAX + 10];
	struct target_src src = {0};
	struct target t;

	memset(uri, 'a', sizeof(uri) - 1);
	uri[0] = '/';
	src.request_uri = uri;
	src.request_uri_len = sizeof(uri) - 1;
	src.script_name = src.path_info = "";
	ck_assert_ptr_nonnull(target_build(&src, "", "", &t));
	ck_assert_int_eq(t.status, 414);
	/* encoding can push a short input over the limit too */
	memset(uri, ' ', TARGET_MAX / 2);
	uri[0] = '/';
	src.request_uri_len = TARGET_MAX / 2;
	ck_assert_ptr_nonnull(target_build(&src, "", "", &t));
	ck_assert_int_eq(t.status, 414);
	/* and just below the limit it fits */
	memset(uri, 'b', TARGET_MAX);
	uri[0] = '/';
	src.request_uri_len = TARGET_MAX;
	ck_assert_ptr_null(target_build(&src, "", "", &t));
	ck_assert_uint_eq(t.len, TARGET_MAX);
}
END_TEST

START_TEST(test_target_from_request)
{
	char *env[] = {"REQUEST_URI=/r?q", "SCRIPT_NAME=/s", "PATH_INFO=/p",
	               "QUERY_STRING=q", NULL};
	char *env2[] = {"SCRIPT_NAME=/s", "PATH_INFO=/p",
	                "QUERY_STRING=", NULL};
	struct reqview rv = {env}, rv2 = {env2};
	struct target_src src;
	struct target t;

	target_src_from_request(&rv, &src);
	ck_assert_ptr_null(target_build(&src, "", "", &t));
	ck_assert_str_eq(t.buf, "/r?q");
	target_src_from_request(&rv2, &src);
	ck_assert_ptr_null(target_build(&src, "", "", &t));
	ck_assert_str_eq(t.buf, "/s/p");
}
END_TEST

Suite *target_suite(void)
{
	Suite *s = suite_create("target");
	TCase *tc = tcase_create("build");

	tcase_add_loop_test(
	    tc, test_target_rows, 0,
	    (int)(sizeof(target_rows) / sizeof(target_rows[0])));
	tcase_add_test(tc, test_target_nul);
	tcase_add_test(tc, test_target_too_long);
	tcase_add_test(tc, test_target_from_request);
	suite_add_tcase(s, tc);
	return s;
}
