/* Unit tests: base URLs of settings (common/url.c). */
#include "config.h"

#include <string.h>

#include "suites.h"
#include "url.h"

struct url_row {
	int line;
	const char *in;
	const char *err_part; /* NULL: must parse */
	int https;
	const char *host;
	unsigned port;
	const char *prefix;
	const char *origin;
};

static const struct url_row url_rows[] = {
    {__LINE__, "http://127.0.0.1:8080", NULL, 0, "127.0.0.1", 8080, "",
     "http://127.0.0.1:8080"},
    {__LINE__, "http://127.0.0.1:8080/", NULL, 0, "127.0.0.1", 8080, "",
     "http://127.0.0.1:8080"},
    {__LINE__, "http://127.0.0.1:8080/api/", NULL, 0, "127.0.0.1", 8080, "/api",
     NULL},
    {__LINE__, "http://127.0.0.1:8080/api//", NULL, 0, "127.0.0.1", 8080,
     "/api", NULL},
    {__LINE__, "HTTPS://Agent.Example", NULL, 1, "Agent.Example", 443, "",
     "https://Agent.Example"},
    {__LINE__, "https://agent.example:443/x", NULL, 1, "agent.example", 443,
     "/x", "https://agent.example"},
    {__LINE__, "http://agent.example:80", NULL, 0, "agent.example", 80, "",
     "http://agent.example"},
    {__LINE__, "http://[::1]:9000/p", NULL, 0, "[::1]", 9000, "/p",
     "http://[::1]:9000"},
    {__LINE__, "http://a.example/%7Euser", NULL, 0, "a.example", 80, "/%7Euser",
     NULL},
    {__LINE__, "ftp://a.example/", "http", 0, NULL, 0, NULL, NULL},
    {__LINE__, "file:///etc/passwd", "http", 0, NULL, 0, NULL, NULL},
    {__LINE__, "//a.example/", "http", 0, NULL, 0, NULL, NULL},
    {__LINE__, "a.example", "http", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://", "empty", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://user@a.example/", "user", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://127.0.0.1:8080@evil/", "user", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://a.example/?x=1", "query", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://a.example/#f", "query", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://a.example?x", "query", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://a.example/a b", "character", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://a.example:99999/", "port", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://127.1/", "dotted", 0, NULL, 0, NULL, NULL},
    {__LINE__, "http://a_b.example/", "character", 0, NULL, 0, NULL, NULL},
};

START_TEST(test_url_parse)
{
	const struct url_row *r = &url_rows[_i];
	struct base_url u;
	char origin[600];
	const char *err = base_url_parse(r->in, strlen(r->in), &u);

	if (r->err_part != NULL) {
		ck_assert_msg(err != NULL, "line %d: '%s' accepted", r->line,
		              r->in);
		ck_assert_msg(strstr(err, r->err_part) != NULL,
		              "line %d: message '%s' lacks '%s'", r->line, err,
		              r->err_part);
		return;
	}
	ck_assert_msg(err == NULL, "line %d: %s", r->line, err);
	ck_assert_int_eq(u.https, r->https);
	ck_assert_str_eq(u.host, r->host);
	ck_assert_uint_eq(u.port, r->port);
	ck_assert_str_eq(u.prefix, r->prefix);
	if (r->origin != NULL) {
		ck_assert_int_eq(base_url_origin(&u, origin, sizeof(origin)),
		                 (int)strlen(r->origin));
		ck_assert_str_eq(origin, r->origin);
	}
}
END_TEST

START_TEST(test_url_origin_too_small)
{
	struct base_url u;
	char small[8];

	ck_assert_ptr_null(base_url_parse("http://a.example:81", 19, &u));
	ck_assert_int_eq(base_url_origin(&u, small, sizeof(small)), -1);
}
END_TEST

Suite *url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("base_url");

	tcase_add_loop_test(tc, test_url_parse, 0,
	                    (int)(sizeof(url_rows) / sizeof(url_rows[0])));
	tcase_add_test(tc, test_url_origin_too_small);
	suite_add_tcase(s, tc);
	return s;
}
