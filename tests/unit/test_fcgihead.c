/* Unit tests: whether peeked bytes hold a whole FastCGI request head
 * (fcgi-relay/fcgihead.c). */
#include "config.h"

#include <string.h>

#include "fcgi-relay/fcgihead.h"
#include "suites.h"

/* Records written out byte by byte: header (version, type, id, content
 * length, padding, reserved), then content and padding. */
#define BEGIN_REC 1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
#define PARAMS_3  1, 4, 0, 1, 0, 3, 1, 0, 1, 1, 'A', 'b'
#define PARAMS_0  1, 4, 0, 1, 0, 0, 0, 0
#define STDIN_0   1, 5, 0, 1, 0, 0, 0, 0

static const unsigned char whole[] = {BEGIN_REC, PARAMS_3, PARAMS_0};
static const unsigned char whole_stdin[] = {BEGIN_REC, PARAMS_0, STDIN_0};
/* A body in the peek, then its end; then the same with the end of another
 * request's body between (libfcgi skips it), and with a record of this
 * request that is not STDIN (libfcgi's to judge) */
#define STDIN_2 1, 5, 0, 1, 0, 2, 6, 0, 'h', 'i', 0, 0, 0, 0, 0, 0
static const unsigned char body_end[] = {BEGIN_REC, PARAMS_0, STDIN_2, STDIN_0};
static const unsigned char other_stdin_end[] = {
    BEGIN_REC, PARAMS_0, 1, 5, 0, 2, 0, 0, 0, 0, STDIN_0};
static const unsigned char data_after[] = {BEGIN_REC, PARAMS_0, 1, 8, 0,      1,
                                           0,         0,        0, 0, STDIN_0};
static const unsigned char v2[] = {2, 1, 0, 1, 0, 8, 0, 0};
static const unsigned char mgmt[] = {1, 9, 0, 0, 0, 0, 0, 0};
static const unsigned char stdin_first[] = {1, 5, 0, 1, 0, 0, 0, 0};
static const unsigned char params_then_stdin[] = {BEGIN_REC, PARAMS_3, STDIN_0};
/* An empty PARAMS of request 2 ends nothing for request 1: libfcgi skips
 * it and waits on (a peer could park a worker with it). */
static const unsigned char other_id_end[] = {BEGIN_REC, 1, 4, 0, 2, 0, 0, 0, 0};
/* A management record between BEGIN and PARAMS: libfcgi answers it and
 * reads on. */
static const unsigned char mgmt_between[] = {BEGIN_REC, 1, 9, 0, 0,
                                             0,         0, 0, 0, PARAMS_0};
static const unsigned char begin_id0[] = {1, 1, 0, 0, 0, 8, 0, 0,
                                          0, 1, 0, 0, 0, 0, 0, 0};

struct scan_row {
	int line;
	const unsigned char *p;
	size_t len, cap;
	enum fcgi_head want;
};

static const struct scan_row scan_rows[] = {
    {__LINE__, whole, sizeof(whole), 1024, FCGI_HEAD_WHOLE},
    /* every cut short of the empty PARAMS record is partial */
    {__LINE__, whole, 1, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, whole, 7, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, whole, 8, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, whole, 16, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, whole, 20, 1024, FCGI_HEAD_PARTIAL}, /* padding missing */
    {__LINE__, whole, 28, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, whole, sizeof(whole) - 1, 1024, FCGI_HEAD_PARTIAL},
    /* the end of the request stream in the same peek: all of it */
    {__LINE__, whole_stdin, sizeof(whole_stdin), 1024, FCGI_HEAD_ALL},
    {__LINE__, whole_stdin, sizeof(whole_stdin) - 1, 1024, FCGI_HEAD_WHOLE},
    {__LINE__, body_end, sizeof(body_end), 1024, FCGI_HEAD_ALL},
    {__LINE__, body_end, sizeof(body_end) - 8, 1024, FCGI_HEAD_WHOLE},
    {__LINE__, body_end, sizeof(body_end) - 9, 1024, FCGI_HEAD_WHOLE},
    {__LINE__, other_stdin_end, sizeof(other_stdin_end), 1024, FCGI_HEAD_ALL},
    {__LINE__, other_stdin_end, sizeof(other_stdin_end) - 8, 1024,
     FCGI_HEAD_WHOLE},
    {__LINE__, data_after, sizeof(data_after), 1024, FCGI_HEAD_WHOLE},
    /* what libfcgi must judge */
    {__LINE__, v2, sizeof(v2), 1024, FCGI_HEAD_HANDOVER},
    {__LINE__, mgmt, sizeof(mgmt), 1024, FCGI_HEAD_HANDOVER},
    {__LINE__, stdin_first, sizeof(stdin_first), 1024, FCGI_HEAD_HANDOVER},
    {__LINE__, params_then_stdin, sizeof(params_then_stdin), 1024,
     FCGI_HEAD_HANDOVER},
    {__LINE__, other_id_end, sizeof(other_id_end), 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, mgmt_between, sizeof(mgmt_between), 1024, FCGI_HEAD_WHOLE},
    {__LINE__, begin_id0, sizeof(begin_id0), 1024, FCGI_HEAD_HANDOVER},
    /* a partial head that fills the peek: no more can be seen */
    {__LINE__, whole, 28, 28, FCGI_HEAD_HANDOVER},
    /* a whole one that fills it exactly is whole */
    {__LINE__, whole, sizeof(whole), sizeof(whole), FCGI_HEAD_WHOLE},
};

START_TEST(test_scan)
{
	const struct scan_row *r = &scan_rows[_i];

	ck_assert_msg(fcgi_head_scan(r->p, r->len, r->cap) == r->want,
	              "line %d: got %d, want %d", r->line,
	              fcgi_head_scan(r->p, r->len, r->cap), r->want);
}
END_TEST

/* A record announcing 65535 bytes of content: partial until they came,
 * whatever they hold. */
START_TEST(test_long_record)
{
	static unsigned char big[16 + 8 + 65535 + 255 + 8];
	const unsigned char begin[] = {BEGIN_REC};
	size_t at = sizeof(begin);

	memset(big, 'x', sizeof(big));
	memcpy(big, begin, sizeof(begin));
	memcpy(big + at,
	       (const unsigned char[]){1, 4, 0, 1, 0xff, 0xff, 0xff, 0}, 8);
	ck_assert_int_eq(fcgi_head_scan(big, at + 8 + 100, sizeof(big)),
	                 FCGI_HEAD_PARTIAL);
	at += 8 + 65535 + 255;
	memcpy(big + at, (const unsigned char[]){PARAMS_0}, 8);
	ck_assert_int_eq(fcgi_head_scan(big, at + 8, sizeof(big)),
	                 FCGI_HEAD_WHOLE);
}
END_TEST

Suite *fcgihead_suite(void)
{
	Suite *s = suite_create("fcgihead");
	TCase *tc = tcase_create("scan");

	tcase_add_loop_test(tc, test_scan, 0,
	                    (int)(sizeof(scan_rows) / sizeof(scan_rows[0])));
	tcase_add_test(tc, test_long_record);
	suite_add_tcase(s, tc);
	return s;
}
