/* stub */
#include "config.h"
#include "suites.h"
Suite *errmap_suite(void);
Suite *errmap_suite(void) { return suite_create("errmap"); }
