/* Unit tests: host validation and loopback detection (common/host.c). */
#include "config.h"

#include <string.h>

#include "host.h"
#include "suites.h"

struct host_row {
	int line;
	const char *in;
	int ok; /* 1: parses */
	enum host_kind kind;
	unsigned port;
	int loopback;
	int canonical;
	const char *name; /* expected name part, NULL: don't care */
};

static const struct host_row host_rows[] = {
    {__LINE__, "example.com", 1, HOST_DNS, 0, 0, 1, "example.com"},
    {__LINE__, "Example.COM:8080", 1, HOST_DNS, 8080, 0, 1, "Example.COM"},
    {__LINE__, "example.com.", 1, HOST_DNS, 0, 0, 1, NULL},
    {__LINE__, "a-b.c-d.example", 1, HOST_DNS, 0, 0, 1, NULL},
    {__LINE__, "xn--bcher-kva.example", 1, HOST_DNS, 0, 0, 1, NULL},
    {__LINE__, "192.0.2.1", 1, HOST_IPV4, 0, 0, 1, "192.0.2.1"},
    {__LINE__, "192.0.2.1:65535", 1, HOST_IPV4, 65535, 0, 1, NULL},
    {__LINE__, "[2001:db8::1]", 1, HOST_IPV6, 0, 0, 1, "2001:db8::1"},
    {__LINE__, "[2001:db8::1]:443", 1, HOST_IPV6, 443, 0, 1, NULL},
    /* loopback in every disguise (security.md row 17) */
    {__LINE__, "localhost", 1, HOST_DNS, 0, 1, 1, NULL},
    {__LINE__, "LOCALHOST", 1, HOST_DNS, 0, 1, 1, NULL},
    {__LINE__, "localhost.", 1, HOST_DNS, 0, 1, 1, NULL},
    {__LINE__, "x.localhost", 1, HOST_DNS, 0, 1, 1, NULL},
    {__LINE__, "localhost:8080", 1, HOST_DNS, 8080, 1, 1, NULL},
    {__LINE__, "notlocalhost", 1, HOST_DNS, 0, 0, 1, NULL},
    {__LINE__, "localhost.example", 1, HOST_DNS, 0, 0, 1, NULL},
    {__LINE__, "127.0.0.1", 1, HOST_IPV4, 0, 1, 1, NULL},
    {__LINE__, "127.255.3.4", 1, HOST_IPV4, 0, 1, 1, NULL},
    {__LINE__, "127.1", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "2130706433", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "0x7f.1", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "0x7F000001", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "017700000001", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "0177.0.0.1", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "127.000.000.001", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "0.0.0.0", 1, HOST_IPV4, 0, 1, 1, NULL},
    {__LINE__, "0", 1, HOST_IPV4, 0, 1, 0, NULL},
    {__LINE__, "10.1", 1, HOST_IPV4, 0, 0, 0, NULL},
    {__LINE__, "[::1]", 1, HOST_IPV6, 0, 1, 1, NULL},
    {__LINE__, "[0:0::1]", 1, HOST_IPV6, 0, 1, 1, NULL},
    {__LINE__, "[0000:0000:0000:0000:0000:0000:0000:0001]", 1, HOST_IPV6, 0, 1,
     1, NULL},
    {__LINE__, "[::]", 1, HOST_IPV6, 0, 1, 1, NULL},
    {__LINE__, "[::ffff:127.0.0.1]", 1, HOST_IPV6, 0, 1, 1, NULL},
    {__LINE__, "[::ffff:7f00:1]", 1, HOST_IPV6, 0, 1, 1, NULL},
    {__LINE__, "[::ffff:192.0.2.1]", 1, HOST_IPV6, 0, 0, 1, NULL},
    /* bad hosts (security.md row 16) */
    {__LINE__, "", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "evil.com/x", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "a@evil.com", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "evil.com\\", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "evil.com:80:80", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "localhost::80", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "[::1", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "[::1]x", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "[::1]:", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "[4712::abcd::]", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "[fe80::1%eth0]", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "[]", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "::1", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "abc\xa0", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "ex ample.com", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.com:", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.com:0", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.com:65536", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.com:080x", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.com:+80", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.com:123456", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "-example.com", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example-.com", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "a..b", 0, 0, 0, 0, 0, NULL},
    {__LINE__, ".example", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "under_score.example", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "a\r\nSet-Cookie: x", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "1.2.3.4.5", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "256.1.1.1", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "1.2.3.256", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "1.2.65536", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "4294967296", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "09.1.1.1", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "0x.1.1.1", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "1.2.3.4.", 0, 0, 0, 0, 0, NULL},
    {__LINE__, "example.123", 0, 0, 0, 0, 0, NULL},
    {__LINE__,
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
     0, 0, 0, 0, 0, NULL},
};

START_TEST(test_host_parse)
{
	const struct host_row *r = &host_rows[_i];
	struct host h;
	const char *err = host_parse(r->in, strlen(r->in), &h);

	if (!r->ok) {
		ck_assert_msg(err != NULL, "line %d: '%s' accepted", r->line,
		              r->in);
		return;
	}
	ck_assert_msg(err == NULL, "line %d: '%s' refused: %s", r->line, r->in,
	              err);
	ck_assert_msg(h.kind == r->kind, "line %d: kind %d", r->line, h.kind);
	ck_assert_msg(h.port == r->port, "line %d: port %u", r->line, h.port);
	ck_assert_msg(h.loopback == r->loopback, "line %d: loopback %d",
	              r->line, h.loopback);
	if (r->kind == HOST_IPV4)
		ck_assert_msg(h.canonical == r->canonical,
		              "line %d: canonical %d", r->line, h.canonical);
	if (r->name != NULL)
		ck_assert_msg(h.name_len == strlen(r->name) &&
		                  memcmp(h.name, r->name, h.name_len) == 0,
		              "line %d: name '%.*s'", r->line, (int)h.name_len,
		              h.name);
}
END_TEST

/* Bytes after a NUL must not be ignored (found by fuzz_host). */
START_TEST(test_host_nul)
{
	static const char v6[] = "[::ff\0\0.0.1]:1";
	static const char v4[] = "127.0.0.1\0.evil";
	static const char dns[] = "a.example\0b";
	struct host h;

	ck_assert_ptr_nonnull(host_parse(v6, sizeof(v6) - 1, &h));
	ck_assert_ptr_nonnull(host_parse(v4, sizeof(v4) - 1, &h));
	ck_assert_ptr_nonnull(host_parse(dns, sizeof(dns) - 1, &h));
}
END_TEST

START_TEST(test_host_long_name)
{
	char name[300];
	struct host h;

	/* 4 labels of 63 + 3 dots = 255 > 253 */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	ck_assert_ptr_nonnull(host_parse(name, 255, &h));
	ck_assert_ptr_null(host_parse(name, 253, &h));
}
END_TEST

struct addr_row {
	int line;
	const char *addr;
	int loopback;
};

static const struct addr_row addr_rows[] = {
    {__LINE__, "127.0.0.1", 1}, {__LINE__, "127.9.9.9", 1},
    {__LINE__, "::1", 1},       {__LINE__, "::ffff:127.0.0.1", 1},
    {__LINE__, "192.0.2.7", 0}, {__LINE__, "2001:db8::7", 0},
    {__LINE__, "", 0},          {__LINE__, "garbage", 0},
};

START_TEST(test_addr_loopback)
{
	const struct addr_row *r = &addr_rows[_i];

	ck_assert_msg(host_addr_is_loopback(r->addr) == r->loopback,
	              "line %d: %s", r->line, r->addr);
}
END_TEST

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_host_parse, 0, NROWS(host_rows));
	tcase_add_test(tc, test_host_long_name);
	tcase_add_test(tc, test_host_nul);
	tcase_add_loop_test(tc, test_addr_loopback, 0, NROWS(addr_rows));
	suite_add_tcase(s, tc);
	return s;
}
