/* cgi-redirect's answer: the status and Location for one request. */
#ifndef AG_REDIRECT_H
#define AG_REDIRECT_H

#include "ag_limits.h"
#include "reqview.h"
#include "settings.h"

struct redirect {
	int status; /* 3xx, or the error status */
	char location[LOCATION_LINE_MAX];
	size_t location_len;
};

/* Decide status and Location for the request r under settings s.
 * Returns NULL, or a static message naming the problem with r->status
 * set to 400, 414 or 500 (500: the settings cannot produce a URL). */
const char *redirect_build(const struct settings *s, const struct reqview *r,
                           struct redirect *out);

/* Whether m is an RFC 9110 token of at most METHOD_MAX bytes. */
int method_is_token(const char *m);

#endif
