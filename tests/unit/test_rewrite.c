/* Unit tests: Location rewriting (fcgi-relay/rewrite.c). */
#include "config.h"

#include <string.h>

#include "fcgi-relay/rewrite.h"
#include "suites.h"

/* agent_url, the client's view, strip_prefix, the agent's Location, and
 * the value the client gets (NULL: passed unchanged). */
struct loc_row {
	int line;
	const char *agent;
	char *env[6];
	const char *mount;
	const char *in;
	const char *want;
};

#define PLAIN                                                                  \
	{                                                                      \
		"HTTP_HOST=www.example", NULL                                  \
	}
#define TLS                                                                    \
	{                                                                      \
		"HTTP_HOST=www.example", "HTTPS=on", NULL                      \
	}

static const struct loc_row loc_rows[] = {
    /* exact agent origin */
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://127.0.0.1:8080/x",
     "http://www.example/x"},
    {__LINE__, "http://127.0.0.1:8080", TLS, "",
     "http://127.0.0.1:8080/x?a=1#f", "https://www.example/x?a=1#f"},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://127.0.0.1:8080",
     "http://www.example/"},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://127.0.0.1:8080?q",
     "http://www.example/?q"},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "HTTP://127.0.0.1:8080/x",
     "http://www.example/x"},
    /* any loopback spelling of a loopback agent */
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://localhost:8080/x",
     "http://www.example/x"},
    {__LINE__, "http://localhost:8080", PLAIN, "", "http://[::1]:8080/x",
     "http://www.example/x"},
    {__LINE__, "http://Agent.Example:8080", PLAIN, "",
     "http://agent.example:8080/x", "http://www.example/x"},
    /* default ports, written or not */
    {__LINE__, "http://agent.example", PLAIN, "", "http://agent.example:80/x",
     "http://www.example/x"},
    {__LINE__, "http://agent.example:80", PLAIN, "", "http://agent.example/x",
     "http://www.example/x"},
    {__LINE__, "https://agent.example", PLAIN, "", "https://agent.example/x",
     "http://www.example/x"},
    /* not the agent: other host, port, scheme; user information; junk */
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://127.0.0.1:8081/x",
     NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://127.0.0.1:80800/x",
     NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "https://127.0.0.1:8080/x",
     NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "",
     "http://127.0.0.1:8080@evil/", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "",
     "http://user@127.0.0.1:8080/", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "",
     "http://127.0.0.1.evil:8080/", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "",
     "http://127.0.0.1:8080\\@evil/", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "",
     "http://127.0.0.1:8080:8080/", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "//127.0.0.1:8080/x", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "//evil/x", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "/app", "/\\evil/x", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "ftp://127.0.0.1:8080/",
     NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "x/y", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "http://", NULL},
    {__LINE__, "http://agent.example", PLAIN, "", "http://other.example/x",
     NULL},
    /* agent prefix and mount prefix */
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "/app",
     "http://127.0.0.1:8080/api/x", "http://www.example/app/x"},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "/app",
     "http://127.0.0.1:8080/api", "http://www.example/app"},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "",
     "http://127.0.0.1:8080/api?x", "http://www.example/?x"},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "/app",
     "http://127.0.0.1:8080/apix", NULL},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "/app",
     "http://127.0.0.1:8080/other", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "/app/",
     "http://127.0.0.1:8080/x", "http://www.example/app/x"},
    /* path-absolute references under the prefix */
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "/app", "/x?y", "/app/x?y"},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "/app", "/api/x", "/app/x"},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "", "/api/x", "/x"},
    {__LINE__, "http://127.0.0.1:8080/api", PLAIN, "/app", "/other", NULL},
    {__LINE__, "http://127.0.0.1:8080", PLAIN, "", "/x", NULL},
    /* the client's host: validated, SERVER_NAME and SERVER_PORT else */
    {__LINE__,
     "http://127.0.0.1:8080",
     {"SERVER_NAME=s.example", "SERVER_PORT=8000", NULL},
     "",
     "http://127.0.0.1:8080/x",
     "http://s.example:8000/x"},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"SERVER_NAME=s.example", "SERVER_PORT=443", "HTTPS=on", NULL},
     "",
     "http://127.0.0.1:8080/x",
     "https://s.example/x"},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"HTTP_HOST=[2001:db8::1]:8443", "REQUEST_SCHEME=https", NULL},
     "",
     "http://127.0.0.1:8080/x",
     "https://[2001:db8::1]:8443/x"},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"HTTP_HOST=evil.example/x", NULL},
     "/app",
     "http://127.0.0.1:8080/x",
     "/app/x"},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"HTTP_HOST=a@evil", NULL},
     "",
     "http://127.0.0.1:8080/x",
     "/x"},
    {__LINE__,
     "http://127.0.0.1:8080",
     {NULL},
     "",
     "http://127.0.0.1:8080/x",
     "/x"},
};

START_TEST(test_location)
{
	const struct loc_row *r = &loc_rows[_i];
	struct reqview rv = {r->env};
	struct client_base cb;
	struct base_url agent;
	char out[512];
	size_t outlen = 0;
	int rc;

	ck_assert_ptr_null(base_url_parse(r->agent, strlen(r->agent), &agent));
	client_base_from_request(&rv, r->mount, &cb);
	rc = rewrite_location(&agent, &cb, r->in, strlen(r->in), out,
	                      sizeof(out), &outlen);
	if (r->want == NULL) {
		ck_assert_msg(rc == 0, "line %d: rewritten to %s", r->line,
		              out);
		return;
	}
	ck_assert_msg(rc == 1, "line %d: rc %d", r->line, rc);
	ck_assert_msg(strcmp(out, r->want) == 0 && outlen == strlen(r->want),
	              "line %d: %s", r->line, out);
}
END_TEST

START_TEST(test_location_too_long)
{
	char *env[] = {"HTTP_HOST=www.example", NULL};
	struct reqview rv = {env};
	struct client_base cb;
	struct base_url agent;
	char out[24];
	size_t outlen;

	ck_assert_ptr_null(base_url_parse("http://a:1", 10, &agent));
	client_base_from_request(&rv, "", &cb);
	ck_assert_int_eq(rewrite_location(&agent, &cb, "http://a:1/0123456789",
	                                  21, out, sizeof(out), &outlen),
	                 -1);
	ck_assert_int_eq(rewrite_location(&agent, &cb, "http://a:1/01", 13, out,
	                                  sizeof(out), &outlen),
	                 1);
	ck_assert_str_eq(out, "http://www.example/01");
}
END_TEST

Suite *rewrite_suite(void)
{
	Suite *s = suite_create("rewrite");
	TCase *tc = tcase_create("location");

	tcase_add_loop_test(tc, test_location, 0,
	                    (int)(sizeof(loc_rows) / sizeof(loc_rows[0])));
	tcase_add_test(tc, test_location_too_long);
	suite_add_tcase(s, tc);
	return s;
}
