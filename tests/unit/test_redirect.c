/* Unit tests: status and Location of cgi-redirect (cgi-redirect/redirect.c). */
#include "config.h"

#include <string.h>

#include "redirect.h"
#include "suites.h"

struct redirect_row {
	int line;
	const char *settings[4]; /* "key=value" */
	const char *env[10];     /* CGI variables */
	int status;
	const char *location; /* NULL: error expected */
	const char *err_part;
};

#define GET    "REQUEST_METHOD=GET"
#define REMOTE "REMOTE_ADDR=198.51.100.7"
#define AGENT  "agent_url=http://127.0.0.1:8080"

static const struct redirect_row redirect_rows[] = {
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/x?a=%20"},
     302,
     "http://example.com:8080/x?a=%20",
     NULL},
    {__LINE__,
     {AGENT},
     {"REQUEST_METHOD=HEAD", REMOTE, "SERVER_NAME=example.com",
      "REQUEST_URI=/"},
     302,
     "http://example.com:8080/",
     NULL},
    {__LINE__,
     {AGENT},
     {"REQUEST_METHOD=POST", REMOTE, "SERVER_NAME=example.com",
      "REQUEST_URI=/"},
     307,
     "http://example.com:8080/",
     NULL},
    {__LINE__,
     {AGENT},
     {"REQUEST_METHOD=DELETE", REMOTE, "SERVER_NAME=example.com",
      "REQUEST_URI=/"},
     307,
     "http://example.com:8080/",
     NULL},
    {__LINE__,
     {AGENT, "redirect_status=303"},
     {"REQUEST_METHOD=POST", REMOTE, "SERVER_NAME=example.com",
      "REQUEST_URI=/"},
     303,
     "http://example.com:8080/",
     NULL},
    {__LINE__,
     {AGENT, "redirect_status=301"},
     {GET, REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/"},
     301,
     "http://example.com:8080/",
     NULL},
    /* scheme of the request, port of the agent, prefix of the agent */
    {__LINE__,
     {"agent_url=http://127.0.0.1:8443/api/"},
     {GET, REMOTE, "HTTPS=on", "SERVER_NAME=example.com", "REQUEST_URI=/v1"},
     302,
     "https://example.com:8443/api/v1",
     NULL},
    {__LINE__,
     {"agent_url=http://127.0.0.1:443"},
     {GET, REMOTE, "REQUEST_SCHEME=https", "SERVER_NAME=example.com",
      "REQUEST_URI=/"},
     302,
     "https://example.com/",
     NULL},
    {__LINE__,
     {"agent_url=http://127.0.0.1"},
     {GET, REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/"},
     302,
     "http://example.com/",
     NULL},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=[2001:db8::1]", "REQUEST_URI=/"},
     302,
     "http://[2001:db8::1]:8080/",
     NULL},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "HTTP_HOST=example.org:80", "REQUEST_URI=/"},
     302,
     "http://example.org:8080/",
     NULL},
    /* SERVER_NAME wins over a different Host (absolute-form, row 18) */
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=example.com", "HTTP_HOST=evil.example",
      "REQUEST_URI=http://evil.example/x"},
     302,
     "http://example.com:8080/x",
     NULL},
    /* public_url, with its own prefix; strip_prefix */
    {__LINE__,
     {AGENT, "public_url=https://agent.example.com/app"},
     {GET, REMOTE, "SERVER_NAME=evil.example", "REQUEST_URI=/x"},
     302,
     "https://agent.example.com/app/x",
     NULL},
    {__LINE__,
     {"public_url=https://agent.example.com/"},
     {GET, REMOTE, "REQUEST_URI=/../../x"},
     302,
     "https://agent.example.com/x",
     NULL},
    {__LINE__,
     {AGENT, "strip_prefix=/gw"},
     {GET, REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/gw/chat?q=1"},
     302,
     "http://example.com:8080/chat?q=1",
     NULL},
    /* a local client may be sent to a loopback name */
    {__LINE__,
     {AGENT},
     {GET, "REMOTE_ADDR=127.0.0.1", "SERVER_NAME=localhost", "REQUEST_URI=/"},
     302,
     "http://localhost:8080/",
     NULL},
    {__LINE__,
     {AGENT},
     {GET, "REMOTE_ADDR=::1", "SERVER_NAME=[::1]", "REQUEST_URI=/"},
     302,
     "http://[::1]:8080/",
     NULL},
    /* ... a remote one never (security.md row 17) */
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=localhost", "REQUEST_URI=/"},
     400,
     NULL,
     "loopback"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=127.0.0.1", "REQUEST_URI=/"},
     400,
     NULL,
     "loopback"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=[::1]", "REQUEST_URI=/"},
     400,
     NULL,
     "loopback"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=127.1", "REQUEST_URI=/"},
     400,
     NULL,
     "dotted"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=2130706433", "REQUEST_URI=/"},
     400,
     NULL,
     "dotted"},
    {__LINE__,
     {AGENT},
     {GET, "SERVER_NAME=app.localhost", "REQUEST_URI=/"},
     400,
     NULL,
     "loopback"},
    /* bad hosts (row 16) */
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=evil.com/x", "REQUEST_URI=/"},
     400,
     NULL,
     "character"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=a@evil.com", "REQUEST_URI=/"},
     400,
     NULL,
     "character"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "HTTP_HOST=[::1", "REQUEST_URI=/"},
     400,
     NULL,
     "'['"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "HTTP_HOST=a\r\nb", "REQUEST_URI=/"},
     400,
     NULL,
     "character"},
    {__LINE__, {AGENT}, {GET, REMOTE, "REQUEST_URI=/"}, 400, NULL, "no host"},
    /* HTTP/1.0 without Host: the address the client connected to */
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_ADDR=192.0.2.1", "REQUEST_URI=/"},
     302,
     "http://192.0.2.1:8080/",
     NULL},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_ADDR=2001:db8::2", "REQUEST_URI=/"},
     302,
     "http://[2001:db8::2]:8080/",
     NULL},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_ADDR=127.0.0.1", "REQUEST_URI=/"},
     400,
     NULL,
     "loopback"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_ADDR=2001:db8::2]x[", "REQUEST_URI=/"},
     400,
     NULL,
     "junk"},
    /* bad targets and methods */
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=example.com",
      "REQUEST_URI=/a\r\nSet-Cookie: x=1"},
     400,
     NULL,
     "control"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=example.com", "SCRIPT_NAME=/gw",
      "PATH_INFO=/a\r\nb"},
     400,
     NULL,
     "control"},
    {__LINE__,
     {AGENT},
     {GET, REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=*"},
     400,
     NULL,
     "asterisk"},
    {__LINE__,
     {AGENT},
     {"REQUEST_METHOD=G T", REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/"},
     400,
     NULL,
     "method"},
    {__LINE__,
     {AGENT},
     {"REQUEST_METHOD=", REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/"},
     400,
     NULL,
     "method"},
    {__LINE__,
     {AGENT},
     {REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/"},
     400,
     NULL,
     "method"},
    /* settings that cannot produce a URL: the operator's problem */
    {__LINE__,
     {"redirect_status=302"},
     {GET, REMOTE, "SERVER_NAME=example.com", "REQUEST_URI=/"},
     500,
     NULL,
     "neither"},
};

static void load(struct settings *s, const struct redirect_row *r)
{
	char err[256];
	size_t i;

	settings_defaults(s);
	for (i = 0; i < 4 && r->settings[i] != NULL; i++) {
		const char *eq = strchr(r->settings[i], '=');
		int k = settings_lookup(r->settings[i],
		                        (size_t)(eq - r->settings[i]));

		ck_assert_int_ge(k, 0);
		ck_assert_msg(settings_set(s, (enum setting_key)k, eq + 1,
		                           strlen(eq + 1), SRC_FILE, 1, err,
		                           sizeof(err)) == 0,
		              "line %d: %s", r->line, err);
	}
}

START_TEST(test_redirect_rows)
{
	const struct redirect_row *r = &redirect_rows[_i];
	struct reqview rv = {(char *const *)r->env};
	struct settings s;
	struct redirect rd;
	const char *err;

	load(&s, r);
	err = redirect_build(&s, &rv, &rd);
	ck_assert_msg(rd.status == r->status, "line %d: status %d (%s)",
	              r->line, rd.status, err != NULL ? err : rd.location);
	if (r->location == NULL) {
		ck_assert_msg(err != NULL, "line %d: accepted", r->line);
		ck_assert_msg(strstr(err, r->err_part) != NULL,
		              "line %d: message '%s' lacks '%s'", r->line, err,
		              r->err_part);
		return;
	}
	ck_assert_msg(err == NULL, "line %d: %s", r->line, err);
	ck_assert_msg(strcmp(rd.location, r->location) == 0,
	              "line %d: got '%s' want '%s'", r->line, rd.location,
	              r->location);
	ck_assert_uint_eq(rd.location_len, strlen(r->location));
}
END_TEST

START_TEST(test_redirect_line_limit)
{
	static char uri[TARGET_MAX + 20];
	char *env[] = {GET, REMOTE, "SERVER_NAME=example.com", uri, NULL};
	struct reqview rv = {env};
	struct settings s;
	struct redirect rd;
	char err[64];

	settings_defaults(&s);
	ck_assert_int_eq(settings_set(&s, SET_AGENT_URL,
	                              "http://127.0.0.1:8080", 21, SRC_FILE, 1,
	                              err, sizeof(err)),
	                 0);
	memcpy(uri, "REQUEST_URI=/", 13);
	memset(uri + 13, 'a', TARGET_MAX - 2);
	uri[13 + TARGET_MAX - 2] = '\0';
	ck_assert_ptr_null(redirect_build(&s, &rv, &rd));
	ck_assert_uint_lt(rd.location_len + 12, LOCATION_LINE_MAX);
	memset(uri + 13, 'a', TARGET_MAX + 5);
	uri[13 + TARGET_MAX + 5] = '\0';
	ck_assert_ptr_nonnull(redirect_build(&s, &rv, &rd));
	ck_assert_int_eq(rd.status, 414);
}
END_TEST

struct method_row {
	int line;
	const char *m;
	int ok;
};

static const struct method_row method_rows[] = {
    {__LINE__, "GET", 1},
    {__LINE__, "PROPFIND", 1},
    {__LINE__, "M-SEARCH", 1},
    {__LINE__, "get", 1},
    {__LINE__, "", 0},
    {__LINE__, "GE T", 0},
    {__LINE__, "GET\r", 0},
    {__LINE__, "G/T", 0},
    {__LINE__, "G(T", 0},
    {__LINE__, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1},
    {__LINE__, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0},
};

START_TEST(test_method_token)
{
	const struct method_row *r = &method_rows[_i];

	ck_assert_msg(method_is_token(r->m) == r->ok, "line %d: %s", r->line,
	              r->m);
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *redirect_suite(void)
{
	Suite *s = suite_create("redirect");
	TCase *tc = tcase_create("build");

	tcase_add_loop_test(tc, test_redirect_rows, 0, NROWS(redirect_rows));
	tcase_add_test(tc, test_redirect_line_limit);
	tcase_add_loop_test(tc, test_method_token, 0, NROWS(method_rows));
	suite_add_tcase(s, tc);
	return s;
}
