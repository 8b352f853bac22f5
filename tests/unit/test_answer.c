/* Unit tests: the answer to the client (fcgi-relay/answer.c), here the
 * moment it tells the pool that the client has, or is about to have, the
 * whole answer: before the write that completes it, never earlier. */
#include "config.h"

#include <string.h>

#include "fcgi-relay/answer.h"
#include "suites.h"

/* What the answer did, in order: 'A' for answered, 'h' per held piece,
 * 'w' per written piece, 'f' per flush. */
struct trace {
	char ev[64];
	size_t n;
};

static void ev(struct trace *t, char c)
{
	if (t->n + 1 < sizeof(t->ev))
		t->ev[t->n++] = c;
	t->ev[t->n] = '\0';
}

static void on_answered(void *ctx)
{
	ev(ctx, 'A');
}

static int on_hold(void *ctx, const char *p, size_t n)
{
	(void)p, (void)n;
	ev(ctx, 'h');
	return 0;
}

static int on_write(void *ctx, const char *p, size_t n)
{
	(void)p, (void)n;
	ev(ctx, 'w');
	return 0;
}

static int on_flush(void *ctx)
{
	ev(ctx, 'f');
	return 0;
}

static struct relay_req q;
static struct relay_io io;
static struct trace tr;

/* A request whose agent answered with the head lines given (status line
 * first, blank line last), as the transfer leaves it before
 * answer_head; expect_out as the transfer read it. */
static void given(const char *const *lines, long long expect_out,
                  int head_request)
{
	memset(&tr, 0, sizeof(tr));
	memset(&io, 0, sizeof(io));
	io.out.write = on_write;
	io.out.ctx = &tr;
	io.hold = on_hold;
	io.flush = on_flush;
	io.answered = on_answered;
	io.actx = &tr;
	memset(&q, 0, sizeof(q));
	q.io = &io;
	q.expect_out = expect_out;
	plan_reset(&q.p);
	q.p.head_request = head_request;
	resphead_init(&q.rh);
	for (; *lines != NULL; lines++)
		resphead_line(&q.rh, *lines, strlen(*lines));
}

static const char *const ok10[] = {"HTTP/1.1 200 OK\r\n",
                                   "Content-Length: 10\r\n", "\r\n", NULL};

START_TEST(test_length_known)
{
	given(ok10, 10, 0);
	ck_assert_int_eq(answer_head(&q), 0);
	ck_assert_int_eq(answer_body(&q, "abcd", 4), 0);
	ck_assert_int_eq(answer_body(&q, "efg", 3), 0);
	ck_assert_str_eq(tr.ev, "hhh"); /* not whole yet: not answered */
	ck_assert_int_eq(answer_body(&q, "hij", 3), 0);
	ck_assert_str_eq(tr.ev, "hhhAh");
	ck_assert_int_eq(answer_body(&q, "x", 1), 0); /* never twice */
	ck_assert_str_eq(tr.ev, "hhhAhh");
}
END_TEST

START_TEST(test_length_in_one_piece)
{
	given(ok10, 10, 0);
	answer_head(&q);
	answer_body(&q, "abcdefghij", 10);
	ck_assert_str_eq(tr.ev, "hAh");
}
END_TEST

START_TEST(test_length_unknown)
{
	static const char *const chunked[] = {"HTTP/1.1 200 OK\r\n",
	                                      "Transfer-Encoding: chunked\r\n",
	                                      "\r\n", NULL};

	/* the web server ends such an answer at the request's end only */
	given(chunked, -1, 0);
	answer_head(&q);
	answer_body(&q, "abcdefghij", 10);
	answer_body(&q, "abcdefghij", 10);
	ck_assert_str_eq(tr.ev, "hhh");
}
END_TEST

START_TEST(test_no_body)
{
	static const char *const nc[] = {"HTTP/1.1 204 No Content\r\n", "\r\n",
	                                 NULL};
	static const char *const empty[] = {
	    "HTTP/1.1 200 OK\r\n", "Content-Length: 0\r\n", "\r\n", NULL};

	given(nc, -1, 0);
	answer_head(&q);
	ck_assert_str_eq(tr.ev, "Ah");
	given(ok10, 10, 1); /* HEAD: the head is the whole answer */
	answer_head(&q);
	ck_assert_str_eq(tr.ev, "Ah");
	given(empty, 0, 0);
	answer_head(&q);
	ck_assert_str_eq(tr.ev, "Ah");
}
END_TEST

START_TEST(test_error_and_busy)
{
	given(ok10, -1, 0);
	ck_assert_int_gt(answer_error(&q, 502, "agent unreachable"), 0);
	ck_assert_msg(tr.ev[0] == 'A' && strchr(tr.ev + 1, 'A') == NULL,
	              "answered once, before any write: %s", tr.ev);
	given(ok10, -1, 0);
	ck_assert_int_gt(answer_busy(&io), 0);
	ck_assert_msg(tr.ev[0] == 'A' && strchr(tr.ev + 1, 'A') == NULL,
	              "answered once, before any write: %s", tr.ev);
}
END_TEST

/* answer_whole tells the transfer not to flush: the held output leaves
 * with the end of the request, in one write. */
START_TEST(test_whole)
{
	static const char *const chunked[] = {"HTTP/1.1 200 OK\r\n",
	                                      "Transfer-Encoding: chunked\r\n",
	                                      "\r\n", NULL};
	static const char *const empty[] = {
	    "HTTP/1.1 200 OK\r\n", "Content-Length: 0\r\n", "\r\n", NULL};

	given(ok10, 10, 0);
	ck_assert_int_eq(answer_whole(&q), 0); /* no head yet */
	answer_head(&q);
	ck_assert_int_eq(answer_whole(&q), 0);
	answer_body(&q, "abcdefghi", 9);
	ck_assert_int_eq(answer_whole(&q), 0);
	answer_body(&q, "j", 1);
	ck_assert_int_eq(answer_whole(&q), 1);
	given(chunked, -1, 0); /* only the end of the request ends it */
	answer_head(&q);
	answer_body(&q, "abcdefghij", 10);
	ck_assert_int_eq(answer_whole(&q), 0);
	given(ok10, 10, 1); /* HEAD */
	answer_head(&q);
	ck_assert_int_eq(answer_whole(&q), 1);
	given(empty, 0, 0);
	answer_head(&q);
	ck_assert_int_eq(answer_whole(&q), 1);
}
END_TEST

START_TEST(test_no_hook)
{
	given(ok10, 10, 0);
	io.answered = NULL; /* plain CGI */
	answer_head(&q);
	answer_body(&q, "abcdefghij", 10);
	ck_assert_str_eq(tr.ev, "hh");
}
END_TEST

Suite *answer_suite(void)
{
	Suite *s = suite_create("answer");
	TCase *tc = tcase_create("answered");

	tcase_add_test(tc, test_length_known);
	tcase_add_test(tc, test_length_in_one_piece);
	tcase_add_test(tc, test_length_unknown);
	tcase_add_test(tc, test_no_body);
	tcase_add_test(tc, test_error_and_busy);
	tcase_add_test(tc, test_whole);
	tcase_add_test(tc, test_no_hook);
	suite_add_tcase(s, tc);
	return s;
}
