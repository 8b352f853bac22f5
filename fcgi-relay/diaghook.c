/* fcgi-relay's side of the diagnose page: the hook relay_serve calls
 * first, before anything of the request is used. */
#include "config.h"

#include "diaghook.h"

#include <string.h>

#include "diagnose.h"

/* Whether a request body may follow: then the connection cannot be kept
 * in step (the page does not read it) and the caller closes it. */
static int may_have_body(const struct reqview *r)
{
	const char *cl = req_get0(r, "CONTENT_LENGTH");

	return (cl[0] != '\0' && strcmp(cl, "0") != 0) ||
	       req_get(r, "HTTP_TRANSFER_ENCODING") != NULL;
}

int relay_diagnose(struct relay_req *q)
{
	char msg[SETTING_VALUE_MAX + 64];
	struct diagnose_in in = {"fcgi-relay", &q->s, &q->rv, NULL,
	                         relay_probe_agent};

	/* The common case costs one scan of the parameters: no page set
	 * for the process and none for this request. */
	if (!settings_isset(&q->s, SET_DIAGNOSE_PATH) &&
	    req_get(&q->rv, "AGENT_DIAGNOSE_PATH") == NULL)
		return -1;
	/* Loaded again by prepare() when this is not the page; the page
	 * shows a bad parameter instead of failing on it. */
	if (settings_load_env(&q->s, q->rv.envp, SRC_REQUEST, msg,
	                      sizeof(msg)) < 0)
		in.settings_error = msg;
	if (!diagnose_match(&q->s, &q->rv))
		return -1;
	if (diagnose_answer(&q->io->out, &in) < 0)
		return RELAY_CUT;
	q->headers_sent = 1;
	return may_have_body(&q->rv) ? RELAY_UNDRAINED : 0;
}
