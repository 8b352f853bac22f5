/* Unit tests: reading and dropping an unused request body (common/drain.c). */
#include "config.h"

#include "ag_limits.h"
#include "drain.h"
#include "suites.h"

#define MIB (1024ULL * 1024)

/* A body source: avail bytes, then its end (0) or a read error (-1). */
struct source {
	unsigned long long avail;
	int fail_at_end;
	unsigned long long given;
};

static long source_read(void *ctx, char *buf, size_t n)
{
	struct source *s = ctx;

	(void)buf;
	if (s->given == s->avail)
		return s->fail_at_end ? -1 : 0;
	if (n > s->avail - s->given)
		n = (size_t)(s->avail - s->given);
	s->given += n;
	return (long)n;
}

struct drain_row {
	int line;
	enum drain_mode mode;
	struct drain_body in; /* has_length, length, taken, eof */
	unsigned long long avail;
	int fail_at_end;
	int want_rc;
	unsigned long long want_taken;
};

static const struct drain_row drain_rows[] = {
    /* CGI: the whole announced body, far past the FastCGI bound */
    {__LINE__, DRAIN_CGI, {1, 4 * MIB, 0, 0}, 4 * MIB, 0, 0, 4 * MIB},
    {__LINE__, DRAIN_CGI, {1, 4 * MIB, MIB, 0}, 3 * MIB, 0, 0, 4 * MIB},
    /* ... up to its generous bound, then the answer goes anyway */
    {__LINE__,
     DRAIN_CGI,
     {1, CGI_DRAIN_MAX + 10, 0, 0},
     CGI_DRAIN_MAX + 10,
     0,
     -1,
     CGI_DRAIN_MAX},
    /* FastCGI: bounded, then the connection must close */
    {__LINE__, DRAIN_FASTCGI, {1, 4 * MIB, 0, 0}, 4 * MIB, 0, -1, MIB},
    {__LINE__, DRAIN_FASTCGI, {1, 5000, 0, 0}, 5000, 0, 0, 5000},
    /* chunked (no length): to its end */
    {__LINE__, DRAIN_CGI, {0, 0, 0, 0}, 3 * MIB, 0, 0, 3 * MIB},
    {__LINE__, DRAIN_FASTCGI, {0, 0, 0, 0}, 7000, 0, 0, 7000},
    {__LINE__, DRAIN_FASTCGI, {0, 0, 0, 0}, 2 * MIB, 0, -1, MIB},
    /* nothing left: no read at all */
    {__LINE__, DRAIN_CGI, {0, 0, 0, 1}, 100, 0, 0, 0},
    {__LINE__, DRAIN_CGI, {1, 0, 0, 0}, 100, 0, 0, 0},
    {__LINE__, DRAIN_CGI, {1, 10, 10, 0}, 100, 0, 0, 10},
    /* errors: an end before the length, a failed read */
    {__LINE__, DRAIN_CGI, {1, 10000, 0, 0}, 4000, 0, -1, 4000},
    {__LINE__, DRAIN_FASTCGI, {1, 10000, 0, 0}, 4000, 0, -1, 4000},
    {__LINE__, DRAIN_CGI, {1, 10000, 0, 0}, 4000, 1, -1, 4000},
    {__LINE__, DRAIN_CGI, {0, 0, 0, 0}, 4000, 1, -1, 4000},
};

START_TEST(test_drain)
{
	const struct drain_row *r = &drain_rows[_i];
	struct drain_body b = r->in;
	struct source src = {r->avail, r->fail_at_end, 0};
	int rc = drain_rest(r->mode, &b, source_read, &src);

	ck_assert_msg(rc == r->want_rc, "line %d: rc %d", r->line, rc);
	ck_assert_msg(b.taken == r->want_taken, "line %d: taken %llu", r->line,
	              b.taken);
	ck_assert_msg(src.given + r->in.taken == b.taken, "line %d", r->line);
}
END_TEST

START_TEST(test_limits)
{
	struct drain_limits c = drain_limits(DRAIN_CGI);
	struct drain_limits f = drain_limits(DRAIN_FASTCGI);

	ck_assert(c.max_bytes == CGI_DRAIN_MAX && c.max_ms == CGI_DRAIN_MS);
	ck_assert(f.max_bytes == RELAY_DRAIN_MAX && f.max_ms == RELAY_DRAIN_MS);
	ck_assert(c.max_bytes > f.max_bytes && c.max_ms > f.max_ms);
}
END_TEST

/* The announced body from CGI variables. */
struct init_row {
	int line;
	char *env[3];
	int want_rc;
	struct drain_body want;
};

static const struct init_row init_rows[] = {
    {__LINE__, {NULL}, 0, {0, 0, 0, 1}},
    {__LINE__, {"CONTENT_LENGTH=", NULL}, 0, {0, 0, 0, 1}},
    {__LINE__, {"CONTENT_LENGTH=0", NULL}, 0, {1, 0, 0, 0}},
    {__LINE__, {"CONTENT_LENGTH=4194304", NULL}, 0, {1, 4194304, 0, 0}},
    {__LINE__,
     {"CONTENT_LENGTH=9999999999999999999", NULL},
     0,
     {1, 9999999999999999999ULL, 0, 0}},
    {__LINE__, {"HTTP_TRANSFER_ENCODING=chunked", NULL}, 0, {0, 0, 0, 0}},
    {__LINE__,
     {"CONTENT_LENGTH=12", "HTTP_TRANSFER_ENCODING=chunked", NULL},
     0,
     {1, 12, 0, 0}},
    /* not a plain decimal number: no body is assumed */
    {__LINE__, {"CONTENT_LENGTH=-1", NULL}, -1, {0, 0, 0, 1}},
    {__LINE__, {"CONTENT_LENGTH=12x", NULL}, -1, {0, 0, 0, 1}},
    {__LINE__, {"CONTENT_LENGTH= 12", NULL}, -1, {0, 0, 0, 1}},
    {__LINE__, {"CONTENT_LENGTH=10000000000000000000", NULL}, -1, {0, 0, 0, 1}},
};

START_TEST(test_init)
{
	const struct init_row *r = &init_rows[_i];
	struct reqview rv = {r->env};
	struct drain_body b = {7, 7, 7, 7};
	int rc = drain_body_init(&b, &rv);

	ck_assert_msg(rc == r->want_rc, "line %d: rc %d", r->line, rc);
	ck_assert_msg(
	    b.has_length == r->want.has_length && b.length == r->want.length &&
	        b.taken == 0 && b.eof == r->want.eof,
	    "line %d: %d %llu %d", r->line, b.has_length, b.length, b.eof);
}
END_TEST

struct follow_row {
	int line;
	char *env[3];
	int want;
};

static const struct follow_row follow_rows[] = {
    {__LINE__, {NULL}, 0},
    {__LINE__, {"CONTENT_LENGTH=", NULL}, 0},
    {__LINE__, {"CONTENT_LENGTH=0", NULL}, 0},
    {__LINE__, {"CONTENT_LENGTH=1", NULL}, 1},
    {__LINE__, {"CONTENT_LENGTH=x", NULL}, 1}, /* unknown: assume one */
    {__LINE__, {"HTTP_TRANSFER_ENCODING=chunked", NULL}, 1},
    {__LINE__, {"CONTENT_LENGTH=0", "HTTP_TRANSFER_ENCODING=chunked", NULL}, 1},
};

START_TEST(test_may_follow)
{
	const struct follow_row *r = &follow_rows[_i];
	struct reqview rv = {r->env};

	ck_assert_msg(drain_body_may_follow(&rv) == r->want, "line %d",
	              r->line);
}
END_TEST

Suite *drain_suite(void)
{
	Suite *s = suite_create("drain");
	TCase *tc = tcase_create("bodies");

	tcase_add_loop_test(tc, test_drain, 0,
	                    (int)(sizeof(drain_rows) / sizeof(drain_rows[0])));
	tcase_add_loop_test(tc, test_init, 0,
	                    (int)(sizeof(init_rows) / sizeof(init_rows[0])));
	tcase_add_loop_test(
	    tc, test_may_follow, 0,
	    (int)(sizeof(follow_rows) / sizeof(follow_rows[0])));
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}
