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
/* A management record between BEGIN and PARAMS: libfcgi would answer
 * it, so the connection is refused. */
static const unsigned char mgmt_between[] = {BEGIN_REC, 1, 9, 0, 0,
                                             0,         0, 0, 0, PARAMS_0};
/* A management record first, whole or not yet, and then a request */
#define GET_VALUES_5 1, 9, 0, 0, 0, 5, 3, 0, 3, 0, 'a', 'b', 'c', 0, 0, 0
static const unsigned char mgmt_values[] = {GET_VALUES_5};
static const unsigned char mgmt_then_head[] = {GET_VALUES_5, BEGIN_REC,
                                               PARAMS_0};
/* one announcing 8 KiB of content: too long for any peek of 8 KiB */
static const unsigned char mgmt_long[] = {1, 9, 0, 0, 0x20, 0, 0, 0};
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
    {__LINE__, mgmt, sizeof(mgmt), 1024, FCGI_HEAD_MANAGEMENT},
    {__LINE__, mgmt_values, sizeof(mgmt_values), 1024, FCGI_HEAD_MANAGEMENT},
    {__LINE__, mgmt_values, sizeof(mgmt_values) - 1, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, mgmt_values, 8, 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, mgmt_then_head, sizeof(mgmt_then_head), 1024,
     FCGI_HEAD_MANAGEMENT},
    {__LINE__, mgmt_long, sizeof(mgmt_long), 8192, FCGI_HEAD_REFUSE},
    {__LINE__, mgmt_long, sizeof(mgmt_long), 8200, FCGI_HEAD_PARTIAL},
    {__LINE__, stdin_first, sizeof(stdin_first), 1024, FCGI_HEAD_HANDOVER},
    {__LINE__, params_then_stdin, sizeof(params_then_stdin), 1024,
     FCGI_HEAD_HANDOVER},
    {__LINE__, other_id_end, sizeof(other_id_end), 1024, FCGI_HEAD_PARTIAL},
    {__LINE__, mgmt_between, sizeof(mgmt_between), 1024, FCGI_HEAD_REFUSE},
    {__LINE__, mgmt_between, 16 + 8, 1024, FCGI_HEAD_REFUSE},
    {__LINE__, mgmt_between, 16 + 7, 1024, FCGI_HEAD_PARTIAL},
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

/* ---- answers to management records ---- */

/* A FCGI_GET_VALUES record around content (padding up to 8 bytes) */
static size_t get_values(unsigned char *rec, const char *content, size_t n)
{
	size_t pad = (8 - n % 8) % 8;

	memcpy(rec, (const unsigned char[]){1, 9, 0, 0, 0, 0, 0, 0}, 8);
	rec[4] = (unsigned char)(n >> 8);
	rec[5] = (unsigned char)(n & 0xff);
	rec[6] = (unsigned char)pad;
	memcpy(rec + 8, content, n);
	memset(rec + 8 + n, 0, pad);
	return 8 + n + pad;
}

#define Q_CONNS                                                                \
	"\x0e\x00"                                                             \
	"FCGI_MAX_CONNS"
#define Q_REQS                                                                 \
	"\x0d\x00"                                                             \
	"FCGI_MAX_REQS"
#define Q_MPXS                                                                 \
	"\x0f\x00"                                                             \
	"FCGI_MPXS_CONNS"

struct answer_row {
	int line;
	const char *query;
	size_t qlen;
	unsigned long max;
	const char *want; /* the answer's content; NULL: refused */
	size_t wlen;
};

#define Q(s) s, sizeof(s) - 1

static const struct answer_row answer_rows[] = {
    {__LINE__, Q(Q_CONNS Q_REQS Q_MPXS), 40,
     Q("\x0e\x02"
       "FCGI_MAX_CONNS40"
       "\x0d\x02"
       "FCGI_MAX_REQS40"
       "\x0f\x01"
       "FCGI_MPXS_CONNS0")},
    /* the relay's order, each once, unknown names left out */
    {__LINE__, Q(Q_MPXS "\x03\x00XYZ" Q_MPXS Q_MPXS Q_CONNS), 7,
     Q("\x0e\x01"
       "FCGI_MAX_CONNS7"
       "\x0f\x01"
       "FCGI_MPXS_CONNS0")},
    {__LINE__, Q("\x03\x00XYZ"), 7, Q("")},
    {__LINE__, Q(""), 7, Q("")},
    /* a value in the query is skipped; four-byte lengths are read */
    {__LINE__,
     Q("\x0d\x02"
       "FCGI_MAX_REQSab"),
     1,
     Q("\x0d\x01"
       "FCGI_MAX_REQS1")},
    {__LINE__,
     Q("\x80\x00\x00\x0d\x00"
       "FCGI_MAX_REQS"),
     1,
     Q("\x0d\x01"
       "FCGI_MAX_REQS1")},
    {__LINE__, Q(Q_CONNS), 18446744073709551615UL,
     Q("\x0e\x14"
       "FCGI_MAX_CONNS18446744073709551615")},
    /* a name, a value or a length past the end: refused */
    {__LINE__,
     Q("\x0e\x00"
       "FCGI_MAX_CONN"),
     1, NULL, 0},
    {__LINE__, Q("\x03\x05XYZab"), 1, NULL, 0},
    {__LINE__, Q("\x03"), 1, NULL, 0},
    {__LINE__, Q("\x80\x00\x00"), 1, NULL, 0},
    {__LINE__, Q("\x03\x80\x00\x00\x01XYZ"), 1, NULL, 0},
};

START_TEST(test_answer)
{
	const struct answer_row *r = &answer_rows[_i];
	unsigned char rec[256], out[FCGI_MANAGEMENT_ANSWER_MAX + 16];
	size_t len = get_values(rec, r->query, r->qlen), n, pad, i;

	memset(out, 0xee, sizeof(out));
	n = fcgi_management_answer(rec, len, r->max, out);
	if (r->want == NULL) {
		ck_assert_msg(n == 0, "line %d: answered %zu bytes", r->line,
		              n);
		return;
	}
	pad = (8 - r->wlen % 8) % 8;
	ck_assert_msg(n == 8 + r->wlen + pad, "line %d: %zu bytes, want %zu",
	              r->line, n, 8 + r->wlen + pad);
	ck_assert_msg(
	    memcmp(out, (const unsigned char[]){1, 10, 0, 0}, 4) == 0 &&
	        out[4] == (r->wlen >> 8) && out[5] == (r->wlen & 0xff) &&
	        out[6] == pad && out[7] == 0,
	    "line %d: header", r->line);
	ck_assert_msg(memcmp(out + 8, r->want, r->wlen) == 0,
	              "line %d: content", r->line);
	for (i = 8 + r->wlen; i < n; i++)
		ck_assert_msg(out[i] == 0, "line %d: padding byte %zu", r->line,
		              i);
	ck_assert_msg(n <= FCGI_MANAGEMENT_ANSWER_MAX && out[n] == 0xee,
	              "line %d: wrote past its answer", r->line);
}
END_TEST

/* Any other management type: FCGI_UNKNOWN_TYPE naming it; a record
 * whose length is not the one given: refused. */
START_TEST(test_answer_other)
{
	const unsigned char rec[] = {1,   12,  0,   0, 0, 3, 5, 0,
	                             'a', 'b', 'c', 0, 0, 0, 0, 0};
	const unsigned char want[] = {1,  11, 0, 0, 0, 8, 0, 0,
	                              12, 0,  0, 0, 0, 0, 0, 0};
	unsigned char out[FCGI_MANAGEMENT_ANSWER_MAX];

	ck_assert_int_eq(fcgi_management_answer(rec, sizeof(rec), 1, out),
	                 sizeof(want));
	ck_assert_int_eq(memcmp(out, want, sizeof(want)), 0);
	ck_assert_int_eq(fcgi_management_answer(rec, sizeof(rec) - 1, 1, out),
	                 0);
	ck_assert_int_eq(fcgi_management_answer(rec, 7, 1, out), 0);
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
	tc = tcase_create("management");
	tcase_add_loop_test(
	    tc, test_answer, 0,
	    (int)(sizeof(answer_rows) / sizeof(answer_rows[0])));
	tcase_add_test(tc, test_answer_other);
	suite_add_tcase(s, tc);
	return s;
}
