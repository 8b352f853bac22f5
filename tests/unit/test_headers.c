/* Unit tests: request header fields for the agent (common/headers.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "headers.h"
#include "suites.h"

struct name_row {
	int line;
	const char *param; /* after "HTTP_" */
	const char *want;  /* NULL: refused */
};

static const struct name_row name_rows[] = {
    {__LINE__, "X_FOO_BAR", "X-Foo-Bar"},
    {__LINE__, "HOST", "Host"},
    {__LINE__, "USER_AGENT", "User-Agent"},
    {__LINE__, "X", "X"},
    {__LINE__, "DNT", "Dnt"},
    {__LINE__, "X__Y", "X--Y"},
    {__LINE__, "_X", "-X"},
    {__LINE__, "x_foo", "X-Foo"},
    {__LINE__, "X-FOO", "X-Foo"},
    {__LINE__, "SEC_CH_UA_2", "Sec-Ch-Ua-2"},
    {__LINE__, "X.Y", "X.y"},
    {__LINE__, "", NULL},
    {__LINE__, "X FOO", NULL},
    {__LINE__, "X:FOO", NULL},
    {__LINE__, "X\tY", NULL},
    {__LINE__, "X\rY", NULL},
    {__LINE__, "X\nY", NULL},
    {__LINE__, "X(Y)", NULL},
    {__LINE__, "X\"Y", NULL},
    {__LINE__, "X\x80Y", NULL},
    {__LINE__, "X\x7fY", NULL},
};

START_TEST(test_name_map)
{
	const struct name_row *r = &name_rows[_i];
	char out[64];
	long n = header_name_from_param(r->param, strlen(r->param), out,
	                                sizeof(out));

	if (r->want == NULL) {
		ck_assert_msg(n == -1, "line %d: accepted", r->line);
		return;
	}
	ck_assert_msg(n == (long)strlen(r->want), "line %d: %ld", r->line, n);
	ck_assert_msg(strcmp(out, r->want) == 0, "line %d: %s", r->line, out);
}
END_TEST

START_TEST(test_name_too_long)
{
	char out[4];

	ck_assert_int_eq(header_name_from_param("ABCD", 4, out, sizeof(out)),
	                 -1);
	ck_assert_int_eq(header_name_from_param("ABC", 3, out, sizeof(out)), 3);
}
END_TEST

struct hop_row {
	int line;
	const char *name;
	int hop;
};

static const struct hop_row hop_rows[] = {
    {__LINE__, "Connection", 1},
    {__LINE__, "connection", 1},
    {__LINE__, "Keep-Alive", 1},
    {__LINE__, "Proxy-Connection", 1},
    {__LINE__, "TE", 1},
    {__LINE__, "te", 1},
    {__LINE__, "Trailer", 1},
    {__LINE__, "Transfer-Encoding", 1},
    {__LINE__, "TRANSFER-ENCODING", 1},
    {__LINE__, "Upgrade", 1},
    {__LINE__, "Proxy-Authorization", 1},
    {__LINE__, "Proxy", 1},
    {__LINE__, "Proxy-X", 0},
    {__LINE__, "Trailers", 0},
    {__LINE__, "Connectio", 0},
    {__LINE__, "Authorization", 0},
    {__LINE__, "Content-Length", 0},
    {__LINE__, "", 0},
};

START_TEST(test_hop_by_hop)
{
	const struct hop_row *r = &hop_rows[_i];

	ck_assert_msg(header_is_hop_by_hop(r->name, strlen(r->name)) == r->hop,
	              "line %d", r->line);
}
END_TEST

struct conn_row {
	int line;
	const char *conn, *name;
	int listed;
};

static const struct conn_row conn_rows[] = {
    {__LINE__, "close", "close", 1},
    {__LINE__, "close, X-Foo", "X-Foo", 1},
    {__LINE__, "close,X-Foo", "x-foo", 1},
    {__LINE__, "  X-Foo  ,close", "X-Foo", 1},
    {__LINE__, "close,\tX-FOO\t", "X-Foo", 1},
    {__LINE__, ",,X-Foo,,", "X-Foo", 1},
    {__LINE__, "keep-alive, close", "X-Foo", 0},
    {__LINE__, "X-Foo-Bar", "X-Foo", 0},
    {__LINE__, "X-Fo", "X-Foo", 0},
    {__LINE__, "", "X-Foo", 0},
    {__LINE__, "X-Forwarded-For", "X-Forwarded-For", 1},
};

START_TEST(test_connection_tokens)
{
	const struct conn_row *r = &conn_rows[_i];

	ck_assert_msg(header_in_connection(r->conn, strlen(r->conn), r->name,
	                                   strlen(r->name)) == r->listed,
	              "line %d", r->line);
}
END_TEST

/* A request: its parameters, the options, and the header lines wanted
 * (joined with '|'), or the error status. */
struct build_row {
	int line;
	char *env[20];
	int preserve, fwd, trust;
	const char *want;
	int status;
};

#define BASE "REMOTE_ADDR=10.0.0.9", "SERVER_NAME=www.example", "SERVER_PORT=80"
#define XF   "X-Forwarded-For: 10.0.0.9|X-Forwarded-Proto: http"
#define XFH  XF "|X-Forwarded-Host: www.example"

static const struct build_row build_rows[] = {
    /* mapping, order kept, agent Host */
    {__LINE__,
     {BASE, "HTTP_X_FOO_BAR=1", "HTTP_ACCEPT=*/*", NULL},
     0,
     FWD_X_FORWARDED,
     0,
     "X-Foo-Bar: 1|Accept: */*|Host: agent:8080|" XFH,
     0},
    /* empty value in libcurl's notation */
    {__LINE__,
     {BASE, "HTTP_X_EMPTY=", NULL},
     0,
     FWD_NONE,
     0,
     "X-Empty;|Host: agent:8080",
     0},
    /* hop-by-hop, Connection tokens, httpoxy, Expect, framing */
    {__LINE__,
     {BASE, "HTTP_CONNECTION=close, X-Secret", "HTTP_X_SECRET=s",
      "HTTP_KEEP_ALIVE=300", "HTTP_TE=trailers", "HTTP_UPGRADE=h2c",
      "HTTP_PROXY=http://evil:8080", "HTTP_EXPECT=100-continue",
      "HTTP_TRANSFER_ENCODING=chunked", "HTTP_CONTENT_LENGTH=5",
      "HTTP_PROXY_CONNECTION=x", "HTTP_TRAILER=x",
      "HTTP_PROXY_AUTHORIZATION=Basic x", "HTTP_X_OK=1", NULL},
     0,
     FWD_NONE,
     0,
     "X-Ok: 1|Host: agent:8080",
     0},
    /* Connection never removes what the relay sets (CVE-2022-31813) */
    {__LINE__,
     {BASE, "HTTP_CONNECTION=X-Forwarded-For, Host", NULL},
     0,
     FWD_X_FORWARDED,
     0,
     "Host: agent:8080|" XFH,
     0},
    /* Content-Type from CONTENT_TYPE only */
    {__LINE__,
     {BASE, "CONTENT_TYPE=text/plain", "HTTP_CONTENT_TYPE=evil", NULL},
     0,
     FWD_NONE,
     0,
     "Host: agent:8080|Content-Type: text/plain",
     0},
    /* Authorization, and Apache's mod_rewrite hand-over */
    {__LINE__,
     {BASE, "HTTP_AUTHORIZATION=Basic YQ==", NULL},
     0,
     FWD_NONE,
     0,
     "Authorization: Basic YQ==|Host: agent:8080",
     0},
    {__LINE__,
     {BASE, "REDIRECT_HTTP_AUTHORIZATION=Bearer t", NULL},
     0,
     FWD_NONE,
     0,
     "Authorization: Bearer t|Host: agent:8080",
     0},
    {__LINE__,
     {BASE, "HTTP_AUTHORIZATION=Basic YQ==",
      "REDIRECT_HTTP_AUTHORIZATION=Bearer t", NULL},
     0,
     FWD_NONE,
     0,
     "Authorization: Basic YQ==|Host: agent:8080",
     0},
    /* preserved Host: the client's, validated; else the agent's */
    {__LINE__,
     {BASE, "HTTP_HOST=www.example:8080", NULL},
     1,
     FWD_NONE,
     0,
     "Host: www.example:8080",
     0},
    {__LINE__,
     {BASE, "HTTP_HOST=evil/x", NULL},
     1,
     FWD_NONE,
     0,
     "Host: agent:8080",
     0},
    {__LINE__, {BASE, NULL}, 1, FWD_NONE, 0, "Host: www.example", 0},
    /* untrusted: the client's chain is dropped, not extended */
    {__LINE__,
     {BASE, "HTTP_X_FORWARDED_FOR=1.2.3.4", "HTTP_X_FORWARDED_PROTO=https",
      "HTTP_X_FORWARDED_HOST=evil", "HTTP_X_FORWARDED_PORT=1",
      "HTTP_X_REAL_IP=1.2.3.4", "HTTP_FORWARDED=for=1.2.3.4", NULL},
     0,
     FWD_X_FORWARDED,
     0,
     "Host: agent:8080|" XFH,
     0},
    {__LINE__,
     {BASE, "HTTP_X_FORWARDED_FOR=1.2.3.4", "HTTP_X_FORWARDED_PROTO=https",
      "HTTP_X_FORWARDED_PORT=1", NULL},
     0,
     FWD_X_FORWARDED,
     1,
     "Host: agent:8080|"
     "X-Forwarded-For: 1.2.3.4, 10.0.0.9|X-Forwarded-Proto: http|"
     "X-Forwarded-Host: www.example",
     0},
    /* trusted or not, claims the relay cannot vouch for never pass */
    {__LINE__,
     {BASE, "HTTP_X_FORWARDED_PORT=1", "HTTP_X_REAL_IP=1.2.3.4",
      "HTTP_X_ORIGINAL_URL=/admin", "HTTP_X_REWRITE_URL=/admin",
      "HTTP_X_FORWARDED_SERVER=evil", NULL},
     0,
     FWD_NONE,
     1,
     "Host: agent:8080",
     0},
    /* trusted, but the client itself listed it in Connection */
    {__LINE__,
     {BASE, "HTTP_X_FORWARDED_FOR=1.2.3.4", "HTTP_CONNECTION=X-Forwarded-For",
      NULL},
     0,
     FWD_X_FORWARDED,
     1,
     "Host: agent:8080|" XFH,
     0},
    /* https and the Host the client used */
    {__LINE__,
     {"REMOTE_ADDR=10.0.0.9", "HTTPS=on", "HTTP_HOST=a.example:8443", NULL},
     0,
     FWD_X_FORWARDED,
     0,
     "Host: agent:8080|X-Forwarded-For: 10.0.0.9|X-Forwarded-Proto: https|"
     "X-Forwarded-Host: a.example:8443",
     0},
    {__LINE__,
     {"REMOTE_ADDR=10.0.0.9", "REQUEST_SCHEME=https", "SERVER_NAME=b.example",
      "SERVER_PORT=8443", NULL},
     0,
     FWD_X_FORWARDED,
     0,
     "Host: agent:8080|X-Forwarded-For: 10.0.0.9|X-Forwarded-Proto: https|"
     "X-Forwarded-Host: b.example:8443",
     0},
    /* an invalid client host is not forwarded */
    {__LINE__,
     {"REMOTE_ADDR=10.0.0.9", "HTTP_HOST=a b", NULL},
     0,
     FWD_X_FORWARDED,
     0,
     "Host: agent:8080|" XF,
     0},
    /* RFC 7239: IPv6 quoted and bracketed, host with port quoted */
    {__LINE__,
     {"REMOTE_ADDR=2001:db8::1", "HTTP_HOST=a.example:8443", NULL},
     0,
     FWD_RFC7239,
     0,
     "Host: agent:8080|Forwarded: for=\"[2001:db8::1]\";"
     "host=\"a.example:8443\";proto=http",
     0},
    {__LINE__,
     {BASE, "HTTP_FORWARDED=for=1.2.3.4", NULL},
     0,
     FWD_RFC7239,
     1,
     "Host: agent:8080|Forwarded: for=1.2.3.4, for=10.0.0.9;"
     "host=www.example;proto=http",
     0},
    {__LINE__,
     {BASE, "HTTP_FORWARDED=for=1.2.3.4", NULL},
     0,
     FWD_RFC7239,
     0,
     "Host: agent:8080|Forwarded: for=10.0.0.9;host=www.example;proto=http",
     0},
    {__LINE__,
     {"REMOTE_ADDR=not-an-ip", NULL},
     0,
     FWD_BOTH,
     0,
     "Host: agent:8080|X-Forwarded-For: unknown|X-Forwarded-Proto: http|"
     "Forwarded: for=unknown;proto=http",
     0},
    /* trusted and not generated: passed as they came */
    {__LINE__,
     {BASE, "HTTP_FORWARDED=for=1.2.3.4", "HTTP_X_FORWARDED_FOR=5.6.7.8", NULL},
     0,
     FWD_NONE,
     1,
     "Host: agent:8080|X-Forwarded-For: 5.6.7.8|Forwarded: for=1.2.3.4",
     0},
    /* values with control bytes, names that are not tokens: 400 */
    {__LINE__, {BASE, "HTTP_X_A=a\rb", NULL}, 0, FWD_NONE, 0, NULL, 400},
    {__LINE__, {BASE, "HTTP_X_A=a\nb", NULL}, 0, FWD_NONE, 0, NULL, 400},
    {__LINE__, {BASE, "HTTP_X_A=a\x01", NULL}, 0, FWD_NONE, 0, NULL, 400},
    {__LINE__, {BASE, "HTTP_X_A=a\x7f", NULL}, 0, FWD_NONE, 0, NULL, 400},
    {__LINE__, {BASE, "HTTP_X A=1", NULL}, 0, FWD_NONE, 0, NULL, 400},
    {__LINE__, {BASE, "HTTP_=1", NULL}, 0, FWD_NONE, 0, NULL, 400},
    {__LINE__,
     {BASE, "CONTENT_TYPE=a\r\nX: y", NULL},
     0,
     FWD_NONE,
     0,
     NULL,
     400},
    {__LINE__,
     {BASE, "REDIRECT_HTTP_AUTHORIZATION=a\nb", NULL},
     0,
     FWD_NONE,
     0,
     NULL,
     400},
    /* tab and obs-text are allowed in values */
    {__LINE__,
     {BASE, "HTTP_X_A=a\tb\xe9", NULL},
     0,
     FWD_NONE,
     0,
     "X-A: a\tb\xe9|Host: agent:8080",
     0},
};

static void join(const struct hdr_list *l, char *out, size_t outlen)
{
	const char *line;
	size_t pos = 0, o = 0;

	out[0] = '\0';
	while ((line = hdr_list_next(l, &pos)) != NULL) {
		size_t n = strlen(line);

		ck_assert(o + n + 2 < outlen);
		if (o > 0)
			out[o++] = '|';
		memcpy(out + o, line, n + 1);
		o += n;
	}
}

static struct hdr_list list;

START_TEST(test_build)
{
	const struct build_row *r = &build_rows[_i];
	struct reqview rv = {r->env};
	struct hdr_opts o = {
	    "agent:8080", r->preserve, (enum forwarded_style)r->fwd,
	    r->trust,     NULL,        NULL};
	const char *err = headers_build(&rv, &o, &list);
	char got[4096];

	if (r->want == NULL) {
		ck_assert_msg(err != NULL, "line %d: accepted", r->line);
		ck_assert_msg(list.status == r->status, "line %d: %d", r->line,
		              list.status);
		return;
	}
	ck_assert_msg(err == NULL, "line %d: %s", r->line, err);
	join(&list, got, sizeof(got));
	ck_assert_msg(strcmp(got, r->want) == 0, "line %d:\n got %s\nwant %s",
	              r->line, got, r->want);
}
END_TEST

/* 431 for one huge field and for too many fields (RFC 6585 §5). */
START_TEST(test_build_limits)
{
	static char big[REQ_HEADER_LINE_MAX + 32];
	static char names[REQ_HEADER_COUNT_MAX + 8][24];
	static char *env[REQ_HEADER_COUNT_MAX + 8];
	struct reqview rv = {env};
	struct hdr_opts o = {"agent", 0, FWD_NONE, 0, NULL, NULL};
	size_t i;

	memcpy(big, "HTTP_X_BIG=", 11);
	memset(big + 11, 'a', sizeof(big) - 12);
	env[0] = big;
	env[1] = NULL;
	ck_assert_ptr_nonnull(headers_build(&rv, &o, &list));
	ck_assert_int_eq(list.status, 431);
	for (i = 0; i < REQ_HEADER_COUNT_MAX + 4; i++) {
		snprintf(names[i], sizeof(names[i]), "HTTP_X_%zu=1", i);
		env[i] = names[i];
	}
	env[i] = NULL;
	ck_assert_ptr_nonnull(headers_build(&rv, &o, &list));
	ck_assert_int_eq(list.status, 431);
	env[REQ_HEADER_COUNT_MAX - 10] = NULL;
	ck_assert_ptr_null(headers_build(&rv, &o, &list));
}
END_TEST

struct token_row {
	int line;
	const char *s;
	int ok;
};

static const struct token_row token_rows[] = {
    {__LINE__, "GET", 1},
    {__LINE__, "M-SEARCH", 1},
    {__LINE__, "!#$%&'*+-.^_`|~09azAZ", 1},
    {__LINE__, "", 0},
    {__LINE__, "GE T", 0},
    {__LINE__, "GET\r", 0},
    {__LINE__, "GET/", 0},
    {__LINE__, "a:b", 0},
    {__LINE__, "a\"b", 0},
    {__LINE__, "caf\xc3\xa9", 0},
};

START_TEST(test_token)
{
	const struct token_row *r = &token_rows[_i];

	ck_assert_msg(http_token(r->s, strlen(r->s)) == r->ok, "line %d",
	              r->line);
}
END_TEST

/* With the relay's Via received-by set ("fcgi-relay-me"): the client's Via
 * extended (RFC 9110 §7.6.3), and a request listing it refused (508). */
struct via_row {
	int line;
	char *env[8];
	const char *want; /* the Via line; NULL: refused */
	int status;
};

#define ME "fcgi-relay-me"

static const struct via_row via_rows[] = {
    {__LINE__, {BASE, NULL}, "Via: 1.1 " ME, 0},
    {__LINE__, {BASE, "SERVER_PROTOCOL=HTTP/1.0", NULL}, "Via: 1.0 " ME, 0},
    {__LINE__, {BASE, "SERVER_PROTOCOL=HTTP/2.0", NULL}, "Via: 2.0 " ME, 0},
    {__LINE__, {BASE, "SERVER_PROTOCOL=INCLUDED", NULL}, "Via: 1.1 " ME, 0},
    {__LINE__, {BASE, "SERVER_PROTOCOL=HTTP/1 1", NULL}, "Via: 1.1 " ME, 0},
    {__LINE__,
     {BASE, "HTTP_VIA=1.0 fred, 1.1 p.example (Apache/2.4)", NULL},
     "Via: 1.0 fred, 1.1 p.example (Apache/2.4), 1.1 " ME,
     0},
    /* another relay (other host or agent) is no loop */
    {__LINE__,
     {BASE, "HTTP_VIA=1.1 fcgi-relay-other", NULL},
     "Via: 1.1 fcgi-relay-other, 1.1 " ME,
     0},
    {__LINE__,
     {BASE, "HTTP_VIA=1.1 x (" ME ")", NULL},
     "Via: 1.1 x (" ME "), 1.1 " ME,
     0},
    {__LINE__,
     {BASE, "HTTP_VIA=1.1 " ME "x", NULL},
     "Via: 1.1 " ME "x, 1.1 " ME,
     0},
    /* a Via the client's Connection lists is hop-by-hop: not extended */
    {__LINE__,
     {BASE, "HTTP_VIA=1.1 a", "HTTP_CONNECTION=via", NULL},
     "Via: 1.1 " ME,
     0},
    {__LINE__, {BASE, "HTTP_VIA=", NULL}, "Via: 1.1 " ME, 0},
    /* it came back: refused whatever else the Via says */
    {__LINE__, {BASE, "HTTP_VIA=1.1 " ME, NULL}, NULL, 508},
    {__LINE__, {BASE, "HTTP_VIA=1.0 a,1.1 " ME ",2 b", NULL}, NULL, 508},
    {__LINE__, {BASE, "HTTP_VIA=1.1 a, 1.1\t" ME " (c)", NULL}, NULL, 508},
    {__LINE__, {BASE, "HTTP_VIA=1.1 FCGI-RELAY-ME", NULL}, NULL, 508},
};

START_TEST(test_build_via)
{
	const struct via_row *r = &via_rows[_i];
	struct reqview rv = {r->env};
	struct hdr_opts o = {"agent", 0, FWD_NONE, 0, ME, NULL};
	const char *err = headers_build(&rv, &o, &list), *line, *via = NULL;
	size_t pos = 0;
	int n = 0;

	if (r->want == NULL) {
		ck_assert_msg(err != NULL && list.status == r->status,
		              "line %d: accepted", r->line);
		return;
	}
	ck_assert_msg(err == NULL, "line %d: %s", r->line, err);
	while ((line = hdr_list_next(&list, &pos)) != NULL)
		if (strncmp(line, "Via", 3) == 0 && ++n)
			via = line;
	ck_assert_msg(n == 1 && strcmp(via, r->want) == 0, "line %d: %d, %s",
	              r->line, n, via);
}
END_TEST

/* Without a pseudonym the client's Via passes as it came. */
START_TEST(test_build_no_via)
{
	char *env[] = {BASE, "HTTP_VIA=1.1 fcgi-relay-me", NULL};
	struct reqview rv = {env};
	struct hdr_opts o = {"agent", 0, FWD_NONE, 0, NULL, NULL};

	ck_assert_ptr_null(headers_build(&rv, &o, &list));
	ck_assert_str_eq(list.buf, "Via: 1.1 fcgi-relay-me");
}
END_TEST

Suite *headers_suite(void)
{
	Suite *s = suite_create("headers");
	TCase *tc = tcase_create("request fields");

	tcase_add_loop_test(tc, test_name_map, 0,
	                    (int)(sizeof(name_rows) / sizeof(name_rows[0])));
	tcase_add_test(tc, test_name_too_long);
	tcase_add_loop_test(tc, test_hop_by_hop, 0,
	                    (int)(sizeof(hop_rows) / sizeof(hop_rows[0])));
	tcase_add_loop_test(tc, test_connection_tokens, 0,
	                    (int)(sizeof(conn_rows) / sizeof(conn_rows[0])));
	tcase_add_loop_test(tc, test_build, 0,
	                    (int)(sizeof(build_rows) / sizeof(build_rows[0])));
	tcase_add_test(tc, test_build_limits);
	tcase_add_loop_test(tc, test_build_via, 0,
	                    (int)(sizeof(via_rows) / sizeof(via_rows[0])));
	tcase_add_test(tc, test_build_no_via);
	tcase_add_loop_test(tc, test_token, 0,
	                    (int)(sizeof(token_rows) / sizeof(token_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
