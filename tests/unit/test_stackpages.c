/* Unit tests: a worker's stack pages below the frames in use are given
 * back, those in use keep their contents (fcgi-relay/stackpages.c). */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fcgi-relay/stackpages.h"
#include "suites.h"

#define TEST_STACK (256 * 1024)

struct depth_row {
	int line;
	size_t depth; /* bytes a call below the caller writes */
	int init;     /* stack_pages_init first */
};

static const struct depth_row depth_rows[] = {
    {__LINE__, 16 * 1024, 1},
    {__LINE__, 64 * 1024, 1},
    {__LINE__, 160 * 1024, 1},
    /* a thread the pool did not start keeps its pages */
    {__LINE__, 64 * 1024, 0},
};

struct depth_run {
	const struct depth_row *row;
	uintptr_t deep;  /* lowest address the deep call wrote */
	size_t released; /* what stack_pages_release returned */
	size_t resident; /* pages still resident below the caller */
	int kept;        /* the caller's own bytes survived */
};

/* Writes depth bytes of its own frame, as a deep library call does. */
static __attribute__((noinline)) uintptr_t touch_deep(size_t depth)
{
	volatile char *p = __builtin_alloca(depth);
	size_t i;

	for (i = 0; i < depth; i += 512)
		p[i] = 1;
	return (uintptr_t)p;
}

/* Resident pages in [lo, hi): mincore reports anonymous pages too. */
static size_t resident_pages(uintptr_t lo, uintptr_t hi)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	unsigned char vec[TEST_STACK / 4096];
	size_t n, i, count = 0;

	lo &= ~(page - 1);
	hi &= ~(page - 1);
	if (hi <= lo)
		return 0;
	n = (hi - lo) / page;
	if (n > sizeof(vec) || mincore((void *)lo, hi - lo, vec) != 0)
		return (size_t)-1;
	for (i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

static void *depth_thread(void *arg)
{
	struct depth_run *r = arg;
	char mine[256];
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	memset(mine, 'x', sizeof(mine));
	if (r->row->init && stack_pages_init() != 0)
		return NULL;
	r->deep = touch_deep(r->row->depth);
	r->released = stack_pages_release();
	/* below the page kept under stack_pages_release's frame */
	r->resident = resident_pages(r->deep, (uintptr_t)mine - 2 * page);
	r->kept = mine[0] == 'x' && mine[sizeof(mine) - 1] == 'x';
	return NULL;
}

START_TEST(test_release_depth)
{
	const struct depth_row *row = &depth_rows[_i];
	struct depth_run r = {row, 0, 0, 0, 0};
	pthread_attr_t attr;
	pthread_t t;

	ck_assert_int_eq(pthread_attr_init(&attr), 0);
	ck_assert_int_eq(pthread_attr_setstacksize(&attr, TEST_STACK), 0);
	ck_assert_int_eq(pthread_create(&t, &attr, depth_thread, &r), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	pthread_attr_destroy(&attr);
	ck_assert_msg(r.kept, "line %d: the caller's frame changed", row->line);
	if (row->init) {
		ck_assert_msg(r.released >= row->depth - 8192,
		              "line %d: released %zu of %zu", row->line,
		              r.released, row->depth);
		ck_assert_msg(r.resident == 0, "line %d: %zu pages resident",
		              row->line, r.resident);
	} else {
		ck_assert_msg(r.released == 0, "line %d: released %zu",
		              row->line, r.released);
		ck_assert_msg(r.resident > 0, "line %d: pages gone", row->line);
	}
}
END_TEST

Suite *stackpages_suite(void)
{
	Suite *s = suite_create("stackpages");
	TCase *tc = tcase_create("release");

	tcase_add_loop_test(tc, test_release_depth, 0,
	                    (int)(sizeof(depth_rows) / sizeof(depth_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
