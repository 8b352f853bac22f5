/* Unit tests: the relay's Via pseudonym and loops by it (common/via.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "via.h"

struct lists_row {
	int line;
	const char *via;
	int want;
};

static const struct lists_row lists_rows[] = {
    {__LINE__, "1.1 me", 1},
    {__LINE__, "1.1 ME", 1},
    {__LINE__, "1.0 a, 1.1 me", 1},
    {__LINE__, "1.0 a,1.1 me (comment)", 1},
    {__LINE__, " , ,1.1\tme\t,", 1},
    {__LINE__, "HTTP/1.1 me:8080", 0}, /* another port is another node */
    {__LINE__, "", 0},
    {__LINE__, "me", 0}, /* a protocol, no received-by */
    {__LINE__, "1.1 mee", 0},
    {__LINE__, "1.1 xme", 0},
    {__LINE__, "1.1 a (me)", 0},
    {__LINE__, "1.1 a (x, 1.1 me)", 0}, /* inside a comment */
    {__LINE__, "1.1 a me", 0},
};

START_TEST(test_lists)
{
	const struct lists_row *r = &lists_rows[_i];

	ck_assert_msg(via_lists(r->via, strlen(r->via), "me") == r->want,
	              "line %d", r->line);
}
END_TEST

/* Stable for one agent_url (every process, every request), different for
 * another, always a token of the announced size. */
START_TEST(test_pseudonym)
{
	char a[VIA_PSEUDONYM_SIZE], b[VIA_PSEUDONYM_SIZE];
	char c[VIA_PSEUDONYM_SIZE];
	size_t i;

	via_pseudonym("http://127.0.0.1:8080", a);
	via_pseudonym("http://127.0.0.1:8080", b);
	via_pseudonym("http://127.0.0.1:8081", c);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_uint_eq(strlen(a), VIA_PSEUDONYM_SIZE - 1);
	ck_assert(strncmp(a, "fcgi-relay-", 11) == 0);
	for (i = 11; a[i] != '\0'; i++)
		ck_assert((a[i] >= '0' && a[i] <= '9') ||
		          (a[i] >= 'a' && a[i] <= 'f'));
}
END_TEST

START_TEST(test_loop_memory)
{
	char name[VIA_PSEUDONYM_SIZE];
	int i;

	ck_assert(!via_loop_known("fcgi-relay-a"));
	via_loop_seen("fcgi-relay-a");
	ck_assert(via_loop_known("fcgi-relay-a"));
	ck_assert(!via_loop_known("fcgi-relay-b"));
	via_loop_seen("fcgi-relay-a"); /* one entry, not two */
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "fcgi-relay-%d", i);
		via_loop_seen(name);
	}
	ck_assert(via_loop_known("fcgi-relay-a"));
	ck_assert(via_loop_known("fcgi-relay-6"));
	/* a ninth pushes out the oldest */
	via_loop_seen("fcgi-relay-z");
	ck_assert(!via_loop_known("fcgi-relay-a"));
	ck_assert(via_loop_known("fcgi-relay-z"));
}
END_TEST

Suite *via_suite(void)
{
	Suite *s = suite_create("via");
	TCase *tc = tcase_create("pseudonym");

	tcase_add_loop_test(tc, test_lists, 0,
	                    (int)(sizeof(lists_rows) / sizeof(lists_rows[0])));
	tcase_add_test(tc, test_pseudonym);
	tcase_add_test(tc, test_loop_memory);
	suite_add_tcase(s, tc);
	return s;
}
