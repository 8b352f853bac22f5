/* Why a relayed request failed, and what the client is told. */
#include "config.h"

#include "errmap.h"

#include <curl/curl.h>

/* security.md §K: refused or unreachable and malformed answers are 502
 * (as nginx), any deadline 504. */
static enum relay_cause cause_from_code(int code)
{
	switch (code) {
	case CURLE_OK:
		return CAUSE_OK;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return CAUSE_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		return CAUSE_TIMEOUT;
	case CURLE_URL_MALFORMAT:
		return CAUSE_BAD_REQUEST;
	default:
		return CAUSE_BAD_RESPONSE;
	}
}

enum relay_cause cause_from_transfer(int curlcode, const struct xfer_flags *f)
{
	if (f->client_gone)
		return CAUSE_CLIENT_GONE;
	if (f->head_error)
		return CAUSE_BAD_RESPONSE;
	if (f->body_too_large)
		return CAUSE_BODY_TOO_LARGE;
	if (f->body_short)
		return CAUSE_CLIENT_BODY;
	if (f->timed_out)
		return CAUSE_TIMEOUT;
	return cause_from_code(curlcode);
}

int cause_status(enum relay_cause c)
{
	switch (c) {
	case CAUSE_OK:
	case CAUSE_CLIENT_GONE:
		return 0;
	case CAUSE_BAD_REQUEST:
	case CAUSE_CLIENT_BODY:
		return 400;
	case CAUSE_METHOD:
		return 405;
	case CAUSE_BODY_TOO_LARGE:
		return 413;
	case CAUSE_URI_TOO_LONG:
		return 414;
	case CAUSE_HEADERS_TOO_LARGE:
		return 431;
	case CAUSE_CONFIG:
		return 500;
	case CAUSE_UNREACHABLE:
	case CAUSE_BAD_RESPONSE:
		return 502;
	case CAUSE_BUSY:
		return 503;
	case CAUSE_TIMEOUT:
		return 504;
	case CAUSE_LOOP:
		return 508; /* RFC 5842 §7.2 */
	}
	return 500;
}

const char *cause_message(enum relay_cause c)
{
	switch (c) {
	case CAUSE_OK:
		return "ok";
	case CAUSE_BAD_REQUEST:
		return "bad request";
	case CAUSE_METHOD:
		return "method not allowed";
	case CAUSE_BODY_TOO_LARGE:
		return "request body too large";
	case CAUSE_URI_TOO_LONG:
		return "request target too long";
	case CAUSE_HEADERS_TOO_LARGE:
		return "request header fields too large";
	case CAUSE_CONFIG:
		return "gateway misconfigured";
	case CAUSE_UNREACHABLE:
		return "agent unreachable";
	case CAUSE_BAD_RESPONSE:
		return "invalid answer from the agent";
	case CAUSE_BUSY:
		return "all workers busy, try again";
	case CAUSE_TIMEOUT:
		return "agent did not answer in time";
	case CAUSE_LOOP:
		return "request loop detected";
	case CAUSE_CLIENT_BODY:
		return "request body incomplete";
	case CAUSE_CLIENT_GONE:
		return "client went away";
	}
	return "error";
}
