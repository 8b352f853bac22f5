/* Unit tests: the relay's counters and status page (fcgi-relay/stats.c). */
#include "config.h"

#include <string.h>

#include "ag_limits.h"
#include "fcgi-relay/stats.h"
#include "suites.h"

struct format_row {
	int line;
	const char *query; /* NULL: no query at all */
	enum stats_format want;
};

static const struct format_row format_rows[] = {
    {__LINE__, NULL, STATS_TEXT},
    {__LINE__, "", STATS_TEXT},
    {__LINE__, "json", STATS_JSON},
    {__LINE__, "full&json", STATS_JSON},
    {__LINE__, "&&json&", STATS_JSON},
    {__LINE__, "prometheus", STATS_PROMETHEUS},
    {__LINE__, "openmetrics", STATS_PROMETHEUS},
    {__LINE__, "json&prometheus", STATS_JSON},
    /* whole words only */
    {__LINE__, "jsonx", STATS_TEXT},
    {__LINE__, "json=1", STATS_TEXT},
    {__LINE__, "xjson", STATS_TEXT},
    {__LINE__, "JSON", STATS_TEXT},
    {__LINE__, "prom", STATS_TEXT},
};

START_TEST(test_format)
{
	const struct format_row *r = &format_rows[_i];
	enum stats_format f =
	    stats_format_of(r->query, r->query != NULL ? strlen(r->query) : 0);

	ck_assert_msg(f == r->want, "line %d: %d", r->line, (int)f);
}
END_TEST

/* A snapshot with a distinct value in every field a row looks for. */
static void sample(struct stats_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->start_time = 1700000000;
	s->uptime = 61;
	s->accepted = 7;
	s->local = 1;
	s->in_flight = 2;
	s->workers = 4;
	s->idle = 2;
	s->cap = 16;
	s->cap_hits = 3;
	s->streams = 5;
	s->agent_open = 6;
	s->agent_idle = 4;
	s->bytes_up = 1234;
	s->bytes_down = 98765;
	s->by_class[0] = 1;
	s->by_class[2] = 10;
	s->by_class[5] = 8;
	s->by_cause[CAUSE_OK] = 12;
	s->by_cause[CAUSE_UNREACHABLE] = 2;
	s->by_cause[CAUSE_BUSY] = 3;
	s->by_cause[CAUSE_CLIENT_GONE] = 1;
	s->listen_known = 1;
	s->listen_queue = 9;
	s->listen_backlog = 1024;
}

struct render_row {
	int line;
	enum stats_format f;
	const char *want; /* must appear in the page */
};

static const struct render_row render_rows[] = {
    {__LINE__, STATS_TEXT, "accepted requests        7\n"},
    {__LINE__, STATS_TEXT, "max workers reached      3\n"},
    {__LINE__, STATS_TEXT, "answers 5xx              8\n"},
    {__LINE__, STATS_TEXT, "answers none             1\n"},
    {__LINE__, STATS_TEXT, "cause unreachable        2\n"},
    {__LINE__, STATS_TEXT, "answer body bytes        98765\n"},
    {__LINE__, STATS_JSON, "{\"start_time_seconds\": 1700000000, "},
    {__LINE__, STATS_JSON, "\"requests_total\": 7, "},
    {__LINE__, STATS_JSON, "\"agent_connections_idle\": 4, "},
    {__LINE__, STATS_JSON, "\"answers\": {\"none\": 1, \"1xx\": 0, "},
    {__LINE__, STATS_JSON, "\"busy\": 3, "},
    {__LINE__, STATS_JSON, "\"client_gone\": 1}}\n"},
    {__LINE__, STATS_PROMETHEUS,
     "# TYPE fcgi_relay_requests_total counter\n"
     "fcgi_relay_requests_total 7\n"},
    {__LINE__, STATS_PROMETHEUS,
     "# TYPE fcgi_relay_requests_in_flight gauge\n"
     "fcgi_relay_requests_in_flight 2\n"},
    {__LINE__, STATS_PROMETHEUS,
     "fcgi_relay_answers_total{class=\"2xx\"} 10\n"},
    {__LINE__, STATS_PROMETHEUS,
     "fcgi_relay_outcomes_total{cause=\"unreachable\"} 2\n"},
    {__LINE__, STATS_PROMETHEUS, "fcgi_relay_request_body_bytes_total 1234\n"},
    {__LINE__, STATS_TEXT, "listen queue             9\n"},
    {__LINE__, STATS_JSON, "\"listen_backlog\": 1024, "},
    {__LINE__, STATS_PROMETHEUS,
     "# TYPE fcgi_relay_listen_queue gauge\nfcgi_relay_listen_queue 9\n"},
};

START_TEST(test_render)
{
	const struct render_row *r = &render_rows[_i];
	struct stats_snap s;
	char page[STATS_PAGE_MAX];
	long n;

	sample(&s);
	n = stats_render(&s, r->f, page, sizeof(page));
	ck_assert_msg(n > 0 && (size_t)n == strlen(page), "line %d: %ld",
	              r->line, n);
	ck_assert_msg(strstr(page, r->want) != NULL, "line %d: %s", r->line,
	              page);
}
END_TEST

/* A page that does not fit is refused whole, never cut; one byte more
 * than its length (the NUL) is enough. */
START_TEST(test_render_bound)
{
	static const enum stats_format fs[] = {STATS_TEXT, STATS_JSON,
	                                       STATS_PROMETHEUS};
	struct stats_snap s;
	char page[STATS_PAGE_MAX];
	long n;

	sample(&s);
	n = stats_render(&s, fs[_i], page, sizeof(page));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stats_render(&s, fs[_i], page, (size_t)n), -1);
	ck_assert_int_eq(stats_render(&s, fs[_i], page, 0), -1);
	ck_assert_int_eq(stats_render(&s, fs[_i], page, (size_t)n + 1), n);
}
END_TEST

struct finish_row {
	int line;
	int status;
	enum relay_cause cause;
	int cls; /* by_class index that grows */
};

static const struct finish_row finish_rows[] = {
    {__LINE__, 200, CAUSE_OK, 2},
    {__LINE__, 304, CAUSE_OK, 3},
    {__LINE__, 404, CAUSE_OK, 4},
    {__LINE__, 502, CAUSE_UNREACHABLE, 5},
    {__LINE__, 504, CAUSE_TIMEOUT, 5},
    /* a stream cut after its 200 counts as 2xx, with its cause */
    {__LINE__, 200, CAUSE_TIMEOUT, 2},
    {__LINE__, 0, CAUSE_CLIENT_GONE, 0},
    {__LINE__, 999, CAUSE_BAD_RESPONSE, 0},
};

START_TEST(test_finish)
{
	const struct finish_row *r = &finish_rows[_i];
	struct stats_snap a, b;

	stats_read(&a);
	stats_stream_begin();
	stats_finish(r->status, r->cause, 1, 10, 20);
	stats_read(&b);
	ck_assert_msg(b.by_class[r->cls] == a.by_class[r->cls] + 1, "line %d",
	              r->line);
	ck_assert_msg(b.by_cause[r->cause] == a.by_cause[r->cause] + 1,
	              "line %d", r->line);
	ck_assert_msg(b.streams == a.streams, "line %d", r->line);
	ck_assert_msg(b.bytes_up == a.bytes_up + 10 &&
	                  b.bytes_down == a.bytes_down + 20,
	              "line %d", r->line);
}
END_TEST

/* A cap hit is its 503 answer too. */
START_TEST(test_cap_hit)
{
	struct stats_snap a, b;

	stats_read(&a);
	stats_cap_hit();
	stats_read(&b);
	ck_assert(b.cap_hits == a.cap_hits + 1);
	ck_assert(b.by_class[5] == a.by_class[5] + 1);
	ck_assert(b.by_cause[CAUSE_BUSY] == a.by_cause[CAUSE_BUSY] + 1);
}
END_TEST

/* A listen queue the kernel did not report is left out, not shown as 0
 * (which would read as "nothing waits"). */
START_TEST(test_listen_unknown)
{
	enum stats_format f;
	struct stats_snap s;
	char page[STATS_PAGE_MAX];

	sample(&s);
	s.listen_known = 0;
	for (f = STATS_TEXT; f <= STATS_PROMETHEUS; f++) {
		ck_assert_int_gt(stats_render(&s, f, page, sizeof(page)), 0);
		ck_assert_msg(strstr(page, "listen") == NULL, "%d: %s", f,
		              page);
	}
}
END_TEST

/* Every cause has a name on the page: a missing one printed "(null)"
 * (the loop cause came after the page was written). */
START_TEST(test_cause_names)
{
	int c;

	for (c = 0; c < STATS_CAUSES; c++) {
		const char *name = stats_cause_name((enum relay_cause)c);

		ck_assert_msg(name != NULL && name[0] != '\0', "cause %d", c);
	}
}
END_TEST

Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("page");

	tcase_add_loop_test(
	    tc, test_format, 0,
	    (int)(sizeof(format_rows) / sizeof(format_rows[0])));
	tcase_add_loop_test(
	    tc, test_render, 0,
	    (int)(sizeof(render_rows) / sizeof(render_rows[0])));
	tcase_add_loop_test(tc, test_render_bound, 0, 3);
	tcase_add_loop_test(
	    tc, test_finish, 0,
	    (int)(sizeof(finish_rows) / sizeof(finish_rows[0])));
	tcase_add_test(tc, test_cap_hit);
	tcase_add_test(tc, test_cause_names);
	tcase_add_test(tc, test_listen_unknown);
	suite_add_tcase(s, tc);
	return s;
}
