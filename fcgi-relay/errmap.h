/* Why a relayed request failed, and what the client is told. */
#ifndef AG_ERRMAP_H
#define AG_ERRMAP_H

enum relay_cause {
	CAUSE_OK,
	CAUSE_BAD_REQUEST,       /* 400 */
	CAUSE_METHOD,            /* 405: CONNECT */
	CAUSE_BODY_TOO_LARGE,    /* 413 */
	CAUSE_URI_TOO_LONG,      /* 414 */
	CAUSE_HEADERS_TOO_LARGE, /* 431 */
	CAUSE_CONFIG,            /* 500: settings unusable for this request */
	CAUSE_UNREACHABLE,       /* 502: refused, no route, no socket, DNS */
	CAUSE_BAD_RESPONSE,      /* 502: malformed, oversized, TLS, reset */
	CAUSE_BUSY,              /* 503: every worker busy */
	CAUSE_TIMEOUT,           /* 504: connect, first-byte or idle */
	CAUSE_LOOP,              /* 508: came back through this relay (Via) */
	CAUSE_CLIENT_BODY,       /* 400: the request body ended early */
	CAUSE_CLIENT_GONE        /* none: nobody is left to answer */
};

/* What the transfer's own callbacks saw; they outrank the CURLcode,
 * which only says that a callback gave up. */
struct xfer_flags {
	int client_gone; /* a write to the web server failed, or it hung up */
	int head_error;  /* the agent's head failed resphead checks */
	int body_too_large; /* a chunked body passed max_body_size */
	int body_short;     /* the client body ended before its length */
	int timed_out;      /* first-byte or idle deadline */
};

/* The cause of a finished transfer from its CURLcode (an int, so this
 * file needs only libcurl's header) and flags. */
enum relay_cause cause_from_transfer(int curlcode, const struct xfer_flags *f);

/* HTTP status for a cause; 0 for CAUSE_OK and CAUSE_CLIENT_GONE. */
int cause_status(enum relay_cause c);

/* Short, fixed text for the client's error body and the log. Never the
 * agent's address or libcurl's message (CWE-209). */
const char *cause_message(enum relay_cause c);

#endif
