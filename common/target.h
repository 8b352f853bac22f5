/* The path and query sent to the agent, or put in a redirect's Location. */
#ifndef AG_TARGET_H
#define AG_TARGET_H

#include <stddef.h>

#include "ag_limits.h"
#include "reqview.h"

/* Where the target comes from. A NULL request_uri selects the fallback
 * script_name + path_info (decoded, so re-encoded) + '?' + query_string. */
struct target_src {
	const char *request_uri;
	size_t request_uri_len;
	const char *script_name;
	size_t script_name_len;
	const char *path_info;
	size_t path_info_len;
	const char *query_string; /* NULL: no query */
	size_t query_string_len;
};

struct target {
	size_t len;
	int status;               /* on error: 400 or 414 */
	char buf[TARGET_MAX + 1]; /* base_prefix + path [+ '?' query] */
};

/* Build the target: raw REQUEST_URI bytes kept, bytes that may not stand
 * in a URL percent-encoded, dot-segments (also %2e) resolved so the path
 * never climbs above base_prefix, an absolute-form target reduced to its
 * path and query, strip_prefix removed when the path lies under it.
 * Returns NULL, or a static message with t->status set. */
const char *target_build(const struct target_src *src, const char *strip_prefix,
                         const char *base_prefix, struct target *t);

/* Splits REQUEST_URI (u, n bytes) into raw path and query (query NULL
 * when there is none); NULL, or a static message when it is not an
 * origin- or absolute-form target. */
const char *target_split_uri(const char *u, size_t n, const char **path,
                             size_t *plen, const char **query, size_t *qlen);

/* target_src from REQUEST_URI, SCRIPT_NAME, PATH_INFO and QUERY_STRING. */
void target_src_from_request(const struct reqview *r, struct target_src *src);

#endif
