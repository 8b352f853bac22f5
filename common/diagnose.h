/* The opt-in diagnose page of both programs: what the web server really
 * delivered, the effective settings, and what to change on the host. */
#ifndef AG_DIAGNOSE_H
#define AG_DIAGNOSE_H

#include <stdio.h>

#include "reqview.h"
#include "response.h"
#include "settings.h"

/* What the page is built from; everything is borrowed for the call. */
struct diagnose_in {
	const char *program;      /* "cgi-redirect", "fcgi-relay" */
	const struct settings *s; /* effective settings of this request */
	const struct reqview *r;
	const char *settings_error; /* per-request settings problem, or NULL */
	/* Writes the agent section (the relay's --check probe); NULL: the
	 * page says "not probed". */
	void (*probe)(FILE *f, const struct settings *s);
};

/* Whether the path of REQUEST_URI (before '?', exactly as the client sent
 * it, before strip_prefix) equals diagnose_path; without REQUEST_URI,
 * SCRIPT_NAME + PATH_INFO. Always 0 when diagnose_path is unset, and then
 * nothing else is looked at. */
int diagnose_match(const struct settings *s, const struct reqview *r);

/* The page's text (no head) to f. */
void diagnose_write_body(FILE *f, const struct diagnose_in *in);

/* The whole answer: 200 text/plain, no-store, the body unless HEAD; one
 * log line naming the client. 0, or -1 when writing failed. */
int diagnose_answer(const struct sink *out, const struct diagnose_in *in);

#endif
