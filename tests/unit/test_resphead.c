/* stub */
#include "config.h"
#include "suites.h"
Suite *resphead_suite(void);
Suite *resphead_suite(void) { return suite_create("resphead"); }
