/* Check suites of the unit runner, one per source file under test. */
#ifndef AG_SUITES_H
#define AG_SUITES_H

#include <check.h>

Suite *host_suite(void);
Suite *url_suite(void);
Suite *settings_suite(void);
Suite *target_suite(void);
Suite *log_suite(void);
Suite *response_suite(void);
Suite *redirect_suite(void);
Suite *headers_suite(void);
Suite *resphead_suite(void);
Suite *rewrite_suite(void);
Suite *errmap_suite(void);
Suite *diagnose_suite(void);
Suite *plan_suite(void);
Suite *drain_suite(void);
Suite *via_suite(void);
Suite *stats_suite(void);
Suite *fcgihead_suite(void);
Suite *answer_suite(void);
Suite *stackpages_suite(void);

#endif
