/* Location and Content-Location from the agent, rewritten to the address
 * the client used (as Apache's ProxyPassReverse does). */
#include "config.h"

#include "rewrite.h"

#include <stdio.h>
#include <string.h>

#include "ascii.h"
#include "headers.h"
#include "host.h"

void client_base_from_request(const struct reqview *r, const char *strip_prefix,
                              struct client_base *cb)
{
	char host[HOST_NAME_MAX_LEN + 16];
	const char *h = request_host_value(r, host, sizeof(host));
	size_t n = strlen(strip_prefix);
	int len;

	cb->origin[0] = '\0';
	if (h != NULL) {
		len = snprintf(cb->origin, sizeof(cb->origin), "%s://%s",
		               request_is_https(r) ? "https" : "http", h);
		if (len < 0 || (size_t)len >= sizeof(cb->origin))
			cb->origin[0] = '\0';
	}
	while (n > 0 && strip_prefix[n - 1] == '/')
		n--;
	if (n >= sizeof(cb->mount))
		n = 0;
	memcpy(cb->mount, strip_prefix, n);
	cb->mount[n] = '\0';
}

static int equal_ci(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) !=
		    ascii_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Whether auth (between "//" and the path) is the agent's authority:
 * same host (or both loopback) and the same effective port. User
 * information never matches: "agent@evil" names evil. */
static int same_authority(const struct base_url *agent, int https,
                          const char *auth, size_t alen)
{
	struct host h;
	unsigned port;
	size_t hlen;
	const char *hstart;

	if (alen == 0 || memchr(auth, '@', alen) != NULL ||
	    host_parse(auth, alen, &h) != NULL)
		return 0;
	port = h.port != 0 ? h.port : (https ? 443u : 80u);
	if (https != agent->https || port != agent->port)
		return 0;
	hstart = h.kind == HOST_IPV6 ? h.name - 1 : h.name;
	hlen = h.kind == HOST_IPV6 ? h.name_len + 2 : h.name_len;
	if (hlen == strlen(agent->host) && equal_ci(hstart, agent->host, hlen))
		return 1;
	return h.loopback && agent->loopback;
}

/* The rest after the agent prefix, when path lies under it. */
static int under_prefix(const char *prefix, const char *path, size_t plen,
                        size_t *skip)
{
	size_t n = strlen(prefix);

	if (plen < n || memcmp(path, prefix, n) != 0)
		return 0;
	if (plen > n && path[n] != '/' && path[n] != '?' && path[n] != '#')
		return 0;
	*skip = n;
	return 1;
}

static int emit(char *dst, size_t dstlen, size_t *outlen, const char *origin,
                const char *mount, const char *rest, size_t rlen)
{
	size_t ol = strlen(origin), ml = strlen(mount);
	int slash = ml == 0 && (rlen == 0 || rest[0] != '/');

	if (ol + ml + (size_t)slash + rlen + 1 > dstlen)
		return -1;
	memcpy(dst, origin, ol);
	memcpy(dst + ol, mount, ml);
	if (slash)
		dst[ol + ml] = '/';
	memcpy(dst + ol + ml + (size_t)slash, rest, rlen);
	*outlen = ol + ml + (size_t)slash + rlen;
	dst[*outlen] = '\0';
	return 1;
}

int rewrite_location(const struct base_url *agent, const struct client_base *cb,
                     const char *v, size_t vlen, char *dst, size_t dstlen,
                     size_t *outlen)
{
	const char *auth, *path;
	size_t alen, skip;
	int https;

	if (vlen > 0 && v[0] == '/') {
		/* "//host" is network-path, "/\host" is one to browsers */
		if (vlen > 1 && (v[1] == '/' || v[1] == '\\'))
			return 0;
		if ((agent->prefix[0] == '\0' && cb->mount[0] == '\0') ||
		    !under_prefix(agent->prefix, v, vlen, &skip))
			return 0;
		return emit(dst, dstlen, outlen, "", cb->mount, v + skip,
		            vlen - skip);
	}
	if (ascii_prefix_nocase(v, vlen, "http://")) {
		https = 0;
		auth = v + 7;
	} else if (ascii_prefix_nocase(v, vlen, "https://")) {
		https = 1;
		auth = v + 8;
	} else {
		return 0;
	}
	for (path = auth; path < v + vlen; path++)
		if (*path == '/' || *path == '?' || *path == '#' ||
		    *path == '\\')
			break;
	alen = (size_t)(path - auth);
	if ((path < v + vlen && *path == '\\') ||
	    !same_authority(agent, https, auth, alen))
		return 0;
	if (!under_prefix(agent->prefix, path, vlen - (size_t)(path - v),
	                  &skip))
		return 0;
	path += skip;
	return emit(dst, dstlen, outlen, cb->origin, cb->mount, path,
	            vlen - (size_t)(path - v));
}
