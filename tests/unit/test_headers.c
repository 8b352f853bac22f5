/* stub */
#include "config.h"
#include "suites.h"
Suite *headers_suite(void);
Suite *headers_suite(void) { return suite_create("headers"); }
