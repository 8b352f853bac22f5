/* fcgi-relay's side of the diagnose page: the hook relay_serve calls
 * first, before anything of the request is used. */
#include "config.h"

#include "diaghook.h"

#include "diagnose.h"
#include "drain.h"

int relay_diagnose(struct relay_req *q, const char *settings_error)
{
	struct diagnose_in in = {"fcgi-relay", q->s, &q->rv, settings_error,
	                         relay_probe_agent};

	/* The common case costs nothing more: no page set for the process
	 * and none among this request's parameters (already applied to
	 * q->s; a bad one is shown on the page instead of failing it). */
	if (!settings_isset(q->s, SET_DIAGNOSE_PATH) ||
	    !diagnose_match(q->s, &q->rv))
		return -1;
	if (diagnose_answer(&q->io->out, &in) < 0)
		return RELAY_CUT;
	q->phase = PHASE_STREAM;
	return drain_body_may_follow(&q->rv) ? RELAY_UNDRAINED : 0;
}
