/* A request as the web server describes it: a CGI environment or the
 * FastCGI parameters of one request, both NAME=value arrays. */
#include "config.h"

#include "reqview.h"

#include <string.h>
#include <strings.h>

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
