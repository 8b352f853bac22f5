/* Unit tests: escaping untrusted bytes for the log (common/log.c). */
#include "config.h"

#include <string.h>

#include "log.h"
#include "reqview.h"
#include "suites.h"

struct esc_row {
	int line;
	const char *in;
	size_t inlen;
	size_t cap;
	const char *want;
};

#define S(x) x, sizeof(x) - 1

static const struct esc_row esc_rows[] = {
    {__LINE__, S("/plain?x=1"), 64, "/plain?x=1"},
    {__LINE__, S("/%s%n%x"), 64, "/%s%n%x"},
    {__LINE__, S("a\r\nb"), 64, "a\\x0d\\x0ab"},
    {__LINE__, S("a\0b"), 64, "a\\x00b"},
    {__LINE__, S("back\\slash"), 64, "back\\x5cslash"},
    {__LINE__, S("\xff\x7f"), 64, "\\xff\\x7f"},
    {__LINE__, S("abcdefghij"), 8, "abcd..."},
    {__LINE__, S("\n\n\n"), 8, "\\x0a..."},
    {__LINE__, S(""), 8, ""},
};

START_TEST(test_log_escape)
{
	const struct esc_row *r = &esc_rows[_i];
	char out[128];

	memset(out, 'Z', sizeof(out));
	log_escape(out, r->cap, r->in, r->inlen);
	ck_assert_msg(strcmp(out, r->want) == 0, "line %d: got '%s'", r->line,
	              out);
	ck_assert(strlen(out) < r->cap);
	ck_assert(out[r->cap] == 'Z'); /* nothing written past cap */
}
END_TEST

START_TEST(test_log_target)
{
	char *with[] = {"REQUEST_URI=/a\r\nb?%s", "SCRIPT_NAME=/s", NULL};
	char *without[] = {"SCRIPT_NAME=/gw", "PATH_INFO=/x\ny", NULL};
	char *none[] = {NULL};
	struct reqview a = {with}, b = {without}, c = {none};
	char out[64], small[12];

	ck_assert_str_eq(req_log_target(&a, out, sizeof(out)),
	                 "/a\\x0d\\x0ab?%s");
	ck_assert_str_eq(req_log_target(&b, out, sizeof(out)), "/gw/x\\x0ay");
	ck_assert_str_eq(req_log_target(&c, out, sizeof(out)), "");
	/* cut to fit, also when the second part does not fit */
	ck_assert_str_eq(req_log_target(&b, small, sizeof(small)), "/gw/x...");
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, test_log_escape, 0,
	                    (int)(sizeof(esc_rows) / sizeof(esc_rows[0])));
	tcase_add_test(tc, test_log_target);
	suite_add_tcase(s, tc);
	return s;
}
