/* Unit tests: the request plan (fcgi-relay/plan.c), from parameters and
 * settings to method, URL, header fields and body framing. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fcgi-relay/plan.h"
#include "suites.h"

/* The id the caller made for the request (relay.c makes 32 hex digits). */
#define NEW_ID "00112233445566778899aabbccddeeff"

struct plan_row {
	int line;
	const char *agent_url; /* process setting */
	char *env[8];          /* request parameters */
	enum relay_cause want;
	const char *url; /* expected URL when CAUSE_OK */
	int expect_body; /* when CAUSE_OK */
	int has_length;
	unsigned long long length;
	int idempotent;
	const char *header; /* a header line the agent must get, or NULL */
};

static const struct plan_row rows[] = {
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=GET", "REQUEST_URI=/a/b?x=1", "HTTP_HOST=example.org",
      "REMOTE_ADDR=192.0.2.1", NULL},
     CAUSE_OK,
     "http://127.0.0.1:8080/a/b?x=1",
     0,
     0,
     0,
     1,
     "X-Forwarded-Host: example.org"},
    /* the agent's prefix comes first; dot-segments never climb above it */
    {__LINE__,
     "http://127.0.0.1:8080/app",
     {"REQUEST_METHOD=GET", "REQUEST_URI=/../etc/passwd", NULL},
     CAUSE_OK,
     "http://127.0.0.1:8080/app/etc/passwd",
     0,
     0,
     0,
     1,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=POST", "REQUEST_URI=/up", "CONTENT_LENGTH=12",
      "CONTENT_TYPE=text/plain", NULL},
     CAUSE_OK,
     "http://127.0.0.1:8080/up",
     1,
     1,
     12,
     0,
     "Content-Type: text/plain"},
    /* a POST of 0 bytes is still a body of 0 bytes */
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=0", NULL},
     CAUSE_OK,
     "http://127.0.0.1:8080/",
     1,
     1,
     0,
     0,
     NULL},
    /* chunked: no CONTENT_LENGTH, Transfer-Encoding seen */
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=PUT", "REQUEST_URI=/c", "HTTP_TRANSFER_ENCODING=chunked",
      NULL},
     CAUSE_OK,
     "http://127.0.0.1:8080/c",
     1,
     0,
     0,
     1,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=HEAD", "REQUEST_URI=/h", NULL},
     CAUSE_OK,
     "http://127.0.0.1:8080/h",
     0,
     0,
     0,
     1,
     NULL},
    {__LINE__,
     "",
     {"REQUEST_METHOD=GET", "REQUEST_URI=/", NULL},
     CAUSE_CONFIG,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=GET", "REQUEST_URI=/", "FCGI_ROLE=AUTHORIZER", NULL},
     CAUSE_CONFIG,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=CONNECT", "REQUEST_URI=/", NULL},
     CAUSE_METHOD,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=G\rET", "REQUEST_URI=/", NULL},
     CAUSE_BAD_REQUEST,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=-1", NULL},
     CAUSE_BAD_REQUEST,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=2000000000000",
      NULL},
     CAUSE_BODY_TOO_LARGE,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=GET", "REQUEST_URI=/a\nb", NULL},
     CAUSE_BAD_REQUEST,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
    {__LINE__,
     "http://127.0.0.1:8080",
     {"REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTP_X_BAD=a\r\nInjected: 1",
      NULL},
     CAUSE_BAD_REQUEST,
     NULL,
     0,
     0,
     0,
     0,
     NULL},
};

static int has_line(const struct hdr_list *l, const char *want)
{
	const char *line;
	size_t pos = 0;

	while ((line = hdr_list_next(l, &pos)) != NULL)
		if (strcmp(line, want) == 0)
			return 1;
	return 0;
}

/* One plan per row; the plan is large, so it is static. */
START_TEST(test_plan_rows)
{
	static struct plan p;
	static struct settings s;
	const struct plan_row *r = &rows[_i];
	struct reqview rv = {(char *const *)r->env};
	char err[128];
	enum relay_cause c;

	settings_defaults(&s);
	ck_assert_int_eq(settings_set(&s, SET_AGENT_URL, r->agent_url,
	                              strlen(r->agent_url), SRC_ARGV, 0, err,
	                              sizeof(err)),
	                 0);
	c = plan_build(&p, &rv, &s, NEW_ID);
	ck_assert_msg(c == r->want, "line %d: cause %d (%s)", r->line, (int)c,
	              p.detail ? p.detail : "");
	if (c != CAUSE_OK) {
		ck_assert_msg(p.detail != NULL, "line %d: no detail", r->line);
		return;
	}
	ck_assert_msg(strcmp(p.url, r->url) == 0, "line %d: url %s", r->line,
	              p.url);
	ck_assert_msg(p.expect_body == r->expect_body &&
	                  p.has_length == r->has_length &&
	                  p.length == r->length,
	              "line %d: body %d %d %llu", r->line, p.expect_body,
	              p.has_length, p.length);
	ck_assert_msg(p.idempotent == r->idempotent, "line %d: idempotent",
	              r->line);
	if (r->header != NULL)
		ck_assert_msg(has_line(&p.hl, r->header), "line %d: no '%s'",
		              r->line, r->header);
}
END_TEST

/* A plan that failed leaves nothing of the one before it. */
START_TEST(test_plan_reset)
{
	static struct plan p;
	static struct settings s;
	char *ok[] = {"REQUEST_METHOD=HEAD", "REQUEST_URI=/", NULL};
	char *bad[] = {"REQUEST_METHOD=G ET", "REQUEST_URI=/", NULL};
	struct reqview rv_ok = {ok}, rv_bad = {bad};
	char err[64];

	settings_defaults(&s);
	settings_set(&s, SET_AGENT_URL, "http://127.0.0.1:1", 18, SRC_ARGV, 0,
	             err, sizeof(err));
	ck_assert_int_eq(plan_build(&p, &rv_ok, &s, NEW_ID), CAUSE_OK);
	ck_assert_int_eq(p.head_request, 1);
	ck_assert_int_eq(plan_build(&p, &rv_bad, &s, NEW_ID),
	                 CAUSE_BAD_REQUEST);
	ck_assert_int_eq(p.head_request, 0);
	ck_assert_str_eq(p.url, "");
}
END_TEST

/* A request that came back through this relay (its Via lists the
 * relay's pseudonym for this agent_url) is a loop; another relay's is
 * not. */
START_TEST(test_plan_loop)
{
	static struct plan p;
	static struct settings s;
	char via[VIA_PSEUDONYM_SIZE], mine[128], err[64];
	char *env[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/", mine, NULL};
	struct reqview rv = {env};

	settings_defaults(&s);
	settings_set(&s, SET_AGENT_URL, "http://127.0.0.1:1", 18, SRC_ARGV, 0,
	             err, sizeof(err));
	via_pseudonym("http://127.0.0.1:1", via);
	snprintf(mine, sizeof(mine), "HTTP_VIA=1.1 proxy, 1.1 %s", via);
	ck_assert_int_eq(plan_build(&p, &rv, &s, NEW_ID), CAUSE_LOOP);
	ck_assert_str_eq(p.via, via);
	snprintf(mine, sizeof(mine),
	         "HTTP_VIA=1.1 fcgi-relay-0000000000000000");
	ck_assert_int_eq(plan_build(&p, &rv, &s, NEW_ID), CAUSE_OK);
}
END_TEST

/* The client's X-Request-Id (HTTP_X_REQUEST_ID) is kept when
 * well-formed, else replaced by the caller's new one; the agent gets
 * exactly one X-Request-Id either way. */
struct id_row {
	int line;
	const char *param; /* "HTTP_X_REQUEST_ID=...", or NULL: none sent */
	const char *want;  /* the request's id */
	int kept;
};

/* 128 and 129 characters */
#define ID_128                                                                 \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"     \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct id_row id_rows[] = {
    {__LINE__, NULL, NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=abc-123", "abc-123", 1},
    {__LINE__, "HTTP_X_REQUEST_ID=f47ac10b-58cc-4372-a567-0e02b2c3d479",
     "f47ac10b-58cc-4372-a567-0e02b2c3d479", 1},
    /* every allowed punctuation byte */
    {__LINE__, "HTTP_X_REQUEST_ID=a.b_c:d+e/f=g-h", "a.b_c:d+e/f=g-h", 1},
    {__LINE__, "HTTP_X_REQUEST_ID=x", "x", 1},
    {__LINE__, "HTTP_X_REQUEST_ID=" ID_128, ID_128, 1},
    /* too long by one */
    {__LINE__, "HTTP_X_REQUEST_ID=" ID_128 "z", NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=", NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=has space", NEW_ID, 0},
    /* two fields joined by the web server */
    {__LINE__, "HTTP_X_REQUEST_ID=a,b", NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=a\tb", NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=\"quoted\"", NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=caf\xc3\xa9", NEW_ID, 0},
    {__LINE__, "HTTP_X_REQUEST_ID=a;b", NEW_ID, 0},
};

static int count_prefix(const struct hdr_list *l, const char *prefix)
{
	const char *line;
	size_t pos = 0;
	int n = 0;

	while ((line = hdr_list_next(l, &pos)) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	return n;
}

START_TEST(test_plan_request_id)
{
	static struct plan p;
	static struct settings s;
	const struct id_row *r = &id_rows[_i];
	char *env[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/", NULL, NULL};
	struct reqview rv = {env};
	char err[64], want[REQUEST_ID_MAX + 32];

	env[2] = (char *)r->param;
	settings_defaults(&s);
	settings_set(&s, SET_AGENT_URL, "http://127.0.0.1:1", 18, SRC_ARGV, 0,
	             err, sizeof(err));
	ck_assert_int_eq(plan_build(&p, &rv, &s, NEW_ID), CAUSE_OK);
	ck_assert_msg(strcmp(p.request_id, r->want) == 0, "line %d: id %s",
	              r->line, p.request_id);
	ck_assert_msg(p.request_id_kept == r->kept, "line %d: kept %d", r->line,
	              p.request_id_kept);
	snprintf(want, sizeof(want), "X-Request-Id: %s", r->want);
	ck_assert_msg(has_line(&p.hl, want), "line %d: no '%s'", r->line, want);
	ck_assert_msg(count_prefix(&p.hl, "X-Request-Id:") == 1,
	              "line %d: not exactly one X-Request-Id", r->line);
}
END_TEST

/* An early answer (here 405) still has the request's id for the log. */
START_TEST(test_plan_id_early)
{
	static struct plan p;
	static struct settings s;
	char *env[] = {"REQUEST_METHOD=CONNECT", "REQUEST_URI=/",
	               "HTTP_X_REQUEST_ID=kept-1", NULL};
	struct reqview rv = {env};
	char err[64];

	settings_defaults(&s);
	settings_set(&s, SET_AGENT_URL, "http://127.0.0.1:1", 18, SRC_ARGV, 0,
	             err, sizeof(err));
	ck_assert_int_eq(plan_build(&p, &rv, &s, NEW_ID), CAUSE_METHOD);
	ck_assert_str_eq(p.request_id, "kept-1");
	env[2] = NULL;
	ck_assert_int_eq(plan_build(&p, &rv, &s, NEW_ID), CAUSE_METHOD);
	ck_assert_str_eq(p.request_id, NEW_ID);
}
END_TEST

Suite *plan_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_loop_test(tc, test_plan_rows, 0,
	                    (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_plan_reset);
	tcase_add_test(tc, test_plan_loop);
	tcase_add_loop_test(tc, test_plan_request_id, 0,
	                    (int)(sizeof(id_rows) / sizeof(id_rows[0])));
	tcase_add_test(tc, test_plan_id_early);
	suite_add_tcase(s, tc);
	return s;
}
