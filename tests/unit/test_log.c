/* Unit tests: escaping untrusted bytes for the log (common/log.c). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* One format for both programs: "name[pid]: level: message\n". */
struct level_row {
	int line;
	enum log_level level;
	size_t cap;
	const char *want; /* after "name[pid]: " */
};

static const struct level_row level_rows[] = {
    {__LINE__, LOG_LEVEL_ERROR, 256, "error: x=1\n"},
    {__LINE__, LOG_LEVEL_WARNING, 256, "warning: x=1\n"},
    {__LINE__, LOG_LEVEL_INFO, 256, "info: x=1\n"},
};

static size_t format_line(char *buf, size_t cap, enum log_level level,
                          const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = log_format(buf, cap, level, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(test_log_levels)
{
	const struct level_row *r = &level_rows[_i];
	char buf[256], prefix[64];
	size_t n, plen;

	log_init("unit");
	n = format_line(buf, r->cap, r->level, "x=%d", 1);
	plen = (size_t)snprintf(prefix, sizeof(prefix),
	                        "unit[%ld]: ", (long)getpid());
	ck_assert_uint_eq(n, plen + strlen(r->want));
	ck_assert(strncmp(buf, prefix, plen) == 0);
	ck_assert_msg(strncmp(buf + plen, r->want, strlen(r->want)) == 0,
	              "line %d: got '%.*s'", r->line, (int)n, buf);
}
END_TEST

/* A line too long for the buffer is cut but still ends in a newline. */
START_TEST(test_log_cut)
{
	char buf[24];
	size_t n;

	log_init("unit");
	n = format_line(buf, sizeof(buf), LOG_LEVEL_WARNING, "%s",
	                "a long message that cannot fit");
	ck_assert_uint_eq(n, sizeof(buf) - 1);
	ck_assert_int_eq(buf[n - 1], '\n');
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, test_log_escape, 0,
	                    (int)(sizeof(esc_rows) / sizeof(esc_rows[0])));
	tcase_add_test(tc, test_log_target);
	tcase_add_loop_test(tc, test_log_levels, 0,
	                    (int)(sizeof(level_rows) / sizeof(level_rows[0])));
	tcase_add_test(tc, test_log_cut);
	suite_add_tcase(s, tc);
	return s;
}
