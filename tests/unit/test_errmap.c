/* Unit tests: failure causes and statuses (fcgi-relay/errmap.c). */
#include "config.h"

#include <curl/curl.h>
#include <string.h>

#include "fcgi-relay/errmap.h"
#include "suites.h"

/* A CURLcode with the callbacks' flags, and the status the client gets
 * (0: none). security.md §K. */
struct map_row {
	int line;
	int code;
	struct xfer_flags f;
	enum relay_cause want;
	int status;
};

static const struct map_row map_rows[] = {
    {__LINE__, CURLE_OK, {0, 0, 0, 0, 0}, CAUSE_OK, 0},
    {__LINE__, CURLE_COULDNT_CONNECT, {0, 0, 0, 0, 0}, CAUSE_UNREACHABLE, 502},
    {__LINE__,
     CURLE_COULDNT_RESOLVE_HOST,
     {0, 0, 0, 0, 0},
     CAUSE_UNREACHABLE,
     502},
    {__LINE__, CURLE_OPERATION_TIMEDOUT, {0, 0, 0, 0, 0}, CAUSE_TIMEOUT, 504},
    {__LINE__, CURLE_GOT_NOTHING, {0, 0, 0, 0, 0}, CAUSE_BAD_RESPONSE, 502},
    {__LINE__,
     CURLE_WEIRD_SERVER_REPLY,
     {0, 0, 0, 0, 0},
     CAUSE_BAD_RESPONSE,
     502},
    {__LINE__,
     CURLE_UNSUPPORTED_PROTOCOL,
     {0, 0, 0, 0, 0},
     CAUSE_BAD_RESPONSE,
     502},
    {__LINE__, CURLE_PARTIAL_FILE, {0, 0, 0, 0, 0}, CAUSE_BAD_RESPONSE, 502},
    {__LINE__, CURLE_RECV_ERROR, {0, 0, 0, 0, 0}, CAUSE_BAD_RESPONSE, 502},
    {__LINE__, CURLE_SEND_ERROR, {0, 0, 0, 0, 0}, CAUSE_BAD_RESPONSE, 502},
    {__LINE__,
     CURLE_SSL_CONNECT_ERROR,
     {0, 0, 0, 0, 0},
     CAUSE_BAD_RESPONSE,
     502},
    {__LINE__,
     CURLE_PEER_FAILED_VERIFICATION,
     {0, 0, 0, 0, 0},
     CAUSE_BAD_RESPONSE,
     502},
    {__LINE__, CURLE_URL_MALFORMAT, {0, 0, 0, 0, 0}, CAUSE_BAD_REQUEST, 400},
    /* callbacks: the flag explains the abort */
    {__LINE__, CURLE_WRITE_ERROR, {1, 0, 0, 0, 0}, CAUSE_CLIENT_GONE, 0},
    {__LINE__,
     CURLE_ABORTED_BY_CALLBACK,
     {1, 0, 0, 0, 0},
     CAUSE_CLIENT_GONE,
     0},
    {__LINE__, CURLE_WRITE_ERROR, {0, 1, 0, 0, 0}, CAUSE_BAD_RESPONSE, 502},
    {__LINE__,
     CURLE_ABORTED_BY_CALLBACK,
     {0, 0, 1, 0, 0},
     CAUSE_BODY_TOO_LARGE,
     413},
    {__LINE__,
     CURLE_ABORTED_BY_CALLBACK,
     {0, 0, 0, 1, 0},
     CAUSE_CLIENT_BODY,
     400},
    {__LINE__, CURLE_ABORTED_BY_CALLBACK, {0, 0, 0, 0, 1}, CAUSE_TIMEOUT, 504},
    /* a gone client outranks whatever else went wrong */
    {__LINE__, CURLE_RECV_ERROR, {1, 1, 0, 0, 1}, CAUSE_CLIENT_GONE, 0},
    {__LINE__,
     CURLE_ABORTED_BY_CALLBACK,
     {0, 0, 0, 0, 0},
     CAUSE_BAD_RESPONSE,
     502},
};

START_TEST(test_map)
{
	const struct map_row *r = &map_rows[_i];
	enum relay_cause c = cause_from_transfer(r->code, &r->f);

	ck_assert_msg(c == r->want, "line %d: cause %d", r->line, (int)c);
	ck_assert_msg(cause_status(c) == r->status, "line %d: %d", r->line,
	              cause_status(c));
}
END_TEST

struct status_row {
	int line;
	enum relay_cause c;
	int status;
};

static const struct status_row status_rows[] = {
    {__LINE__, CAUSE_BAD_REQUEST, 400},
    {__LINE__, CAUSE_METHOD, 405},
    {__LINE__, CAUSE_BODY_TOO_LARGE, 413},
    {__LINE__, CAUSE_URI_TOO_LONG, 414},
    {__LINE__, CAUSE_HEADERS_TOO_LARGE, 431},
    {__LINE__, CAUSE_CONFIG, 500},
    {__LINE__, CAUSE_BUSY, 503},
    {__LINE__, CAUSE_TIMEOUT, 504},
    {__LINE__, CAUSE_LOOP, 508},
};

/* Every status has a short fixed message without addresses. */
START_TEST(test_status)
{
	const struct status_row *r = &status_rows[_i];
	const char *m = cause_message(r->c);

	ck_assert_msg(cause_status(r->c) == r->status, "line %d", r->line);
	ck_assert_msg(strlen(m) > 0 && strlen(m) < 64 && strchr(m, ':') == NULL,
	              "line %d: %s", r->line, m);
}
END_TEST

Suite *errmap_suite(void)
{
	Suite *s = suite_create("errmap");
	TCase *tc = tcase_create("causes");

	tcase_add_loop_test(tc, test_map, 0,
	                    (int)(sizeof(map_rows) / sizeof(map_rows[0])));
	tcase_add_loop_test(
	    tc, test_status, 0,
	    (int)(sizeof(status_rows) / sizeof(status_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
