/* stub */
#include "config.h"
#include "suites.h"
Suite *rewrite_suite(void);
Suite *rewrite_suite(void) { return suite_create("rewrite"); }
