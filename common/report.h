/* --check output shared by both programs: the effective settings with
 * where each came from, and numbered problems. */
#ifndef AG_REPORT_H
#define AG_REPORT_H

#include <stdio.h>

#include "settings.h"

struct report {
	FILE *f;
	int errors;
	int warnings;
};

/* One line per setting that prog reads: "key = value (source)"; then
 * the start-up notes and settings given that prog does not read, as
 * warnings. */
void report_settings(struct report *rep, const struct settings *s,
                     enum settings_program prog);

void report_error(struct report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_warning(struct report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Final line and exit status: 1 with errors, 0 otherwise. */
int report_finish(struct report *rep);

#endif
