/* Base URLs from settings (agent_url, public_url): scheme, host, port, prefix.
 */
#ifndef AG_URL_H
#define AG_URL_H

#include <stddef.h>

#include "host.h"
#include "ag_limits.h"

struct base_url {
	int https;
	char host[HOST_NAME_MAX_LEN + 3]; /* as written, brackets kept */
	unsigned port;                    /* explicit or the scheme's default */
	int port_given;
	int loopback;
	char prefix[SETTING_VALUE_MAX]; /* path without trailing '/'; "" = root
	                                 */
};

/* Parse "http[s]://host[:port][/prefix]". No user info, query or fragment;
 * the prefix must be plain path characters. Returns NULL or a static
 * message naming the problem. */
const char *base_url_parse(const char *s, size_t len, struct base_url *out);

/* Write "scheme://host[:port]" (port left out when it is the scheme's
 * default) into dst. Returns the length, or -1 when it does not fit. */
int base_url_origin(const struct base_url *u, char *dst, size_t dstlen);

/* Whether byte c may appear unencoded in a path (RFC 3986 pchar or '/'),
 * not counting '%'. */
int url_path_char(unsigned char c);

#endif
