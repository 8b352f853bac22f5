/* Unit test runner: every Check suite, one summary line. */
#include "config.h"

#include <stdlib.h>

#include "suites.h"

typedef Suite *(*suite_fn)(void);

static const suite_fn suites[] = {
    host_suite,     url_suite,      settings_suite,   target_suite,
    log_suite,      response_suite, redirect_suite,   headers_suite,
    resphead_suite, rewrite_suite,  errmap_suite,     diagnose_suite,
    plan_suite,     drain_suite,    via_suite,        stats_suite,
    fcgihead_suite, answer_suite,   stackpages_suite,
};

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	size_t i;
	int failed;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
