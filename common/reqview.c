/* A request as the web server describes it: a CGI environment or the
 * FastCGI parameters of one request, both NAME=value arrays. */
#include "config.h"

#include "reqview.h"

#include <string.h>
#include <strings.h>

#include "log.h"

const char *req_get(const struct reqview *r, const char *name)
{
	size_t n = strlen(name), i;

	if (r->envp == NULL)
		return NULL;
	/* The first-byte test skips most entries without a call: cgi-redirect
	 * looks up a dozen names per start-up. */
	for (i = 0; r->envp[i] != NULL; i++)
		if (r->envp[i][0] == name[0] &&
		    strncmp(r->envp[i], name, n) == 0 && r->envp[i][n] == '=')
			return r->envp[i] + n + 1;
	return NULL;
}

const char *req_get0(const struct reqview *r, const char *name)
{
	const char *v = req_get(r, name);

	return v != NULL ? v : "";
}

int request_is_https(const struct reqview *r)
{
	const char *https = req_get0(r, "HTTPS");

	if (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0)
		return 1;
	return strcasecmp(req_get0(r, "REQUEST_SCHEME"), "https") == 0;
}

char *req_log_target(const struct reqview *r, char *dst, size_t dstlen)
{
	const char *uri = req_get(r, "REQUEST_URI");
	const char *pi = req_get0(r, "PATH_INFO");
	size_t n;

	if (uri != NULL)
		return log_escape(dst, dstlen, uri, strlen(uri));
	uri = req_get0(r, "SCRIPT_NAME");
	log_escape(dst, dstlen, uri, strlen(uri));
	n = strlen(dst);
	log_escape(dst + n, dstlen - n, pi, strlen(pi));
	return dst;
}
