/* A request as the web server describes it: a CGI environment or the
 * FastCGI parameters of one request, both NAME=value arrays. */
#ifndef AG_REQVIEW_H
#define AG_REQVIEW_H

#include <stddef.h>

struct reqview {
	char *const *envp; /* borrowed; outlives the view */
};

/* Value of the variable called name, or NULL. Values are C strings
 * because both the environment and libfcgi store them so. */
const char *req_get(const struct reqview *r, const char *name);

/* Like req_get, with "" for a missing variable. */
const char *req_get0(const struct reqview *r, const char *name);

/* Whether the client used TLS: HTTPS=on/1 (Apache, lighttpd) or
 * REQUEST_SCHEME=https. */
int request_is_https(const struct reqview *r);

/* The request's target for a log line, escaped (log_escape) and cut to
 * fit dst: REQUEST_URI, or SCRIPT_NAME + PATH_INFO without it. Returns dst. */
char *req_log_target(const struct reqview *r, char *dst, size_t dstlen);

#endif
