/* Location and Content-Location from the agent, rewritten to the address
 * the client used (as Apache's ProxyPassReverse does). */
#ifndef AG_REWRITE_H
#define AG_REWRITE_H

#include <stddef.h>

#include "ag_limits.h"
#include "reqview.h"
#include "url.h"

/* Where the client reached the agent's root: its origin, or "" when the
 * request named no valid host (then rewritten URLs are path-absolute),
 * and the mount prefix (strip_prefix) without a trailing '/'. */
struct client_base {
	char origin[HOST_NAME_MAX_LEN + 32];
	char mount[SETTING_VALUE_MAX];
};

/* Fills cb from HTTPS/REQUEST_SCHEME, HTTP_HOST or SERVER_NAME and
 * SERVER_PORT (validated), and strip_prefix. */
void client_base_from_request(const struct reqview *r, const char *strip_prefix,
                              struct client_base *cb);

/* Rewrites a Location value that points at the agent: an absolute URL
 * whose scheme, host and port are the agent's exactly (a loopback host
 * matches any loopback spelling) with the authority ending at '/', '?',
 * '#' or the end, or a path-absolute reference, in both cases under the
 * agent's prefix. Returns 1 with dst filled (NUL-terminated, *outlen
 * set), 0 when the value is left as it is, -1 when the result does not
 * fit dstlen. */
int rewrite_location(const struct base_url *agent, const struct client_base *cb,
                     const char *v, size_t vlen, char *dst, size_t dstlen,
                     size_t *outlen);

#endif
