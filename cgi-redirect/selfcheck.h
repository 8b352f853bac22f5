/* cgi-redirect --check: settings, and redirects that cannot work. */
#ifndef AG_SELFCHECK_H
#define AG_SELFCHECK_H

#include <stdio.h>

#include "settings.h"

/* Prints the report to f; returns the exit status (0 ok, 1 errors). */
int check_redirect(const struct settings *s, const char *argv0, FILE *f);

#endif
