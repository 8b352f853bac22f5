/* Base URLs from settings (agent_url, public_url): scheme, host, port, prefix.
 */
#include "config.h"

#include "url.h"

#include <stdio.h>
#include <string.h>

#include "ascii.h"

int url_path_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

static const char *prefix_parse(const char *s, size_t len, struct base_url *u)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '?' || c == '#')
			return "query or fragment in a base URL";
		if (!url_path_char(c) && c != '%')
			return "invalid character in URL path";
	}
	while (len > 0 && s[len - 1] == '/')
		len--;
	if (len >= sizeof(u->prefix))
		return "URL path too long";
	memcpy(u->prefix, s, len);
	u->prefix[len] = '\0';
	return NULL;
}

const char *base_url_parse(const char *s, size_t len, struct base_url *u)
{
	struct host h;
	const char *auth, *slash, *err;
	size_t alen;

	memset(u, 0, sizeof(*u));
	if (ascii_prefix_nocase(s, len, "http://")) {
		auth = s + 7;
	} else if (ascii_prefix_nocase(s, len, "https://")) {
		auth = s + 8;
		u->https = 1;
	} else {
		return "URL must start with http:// or https://";
	}
	alen = len - (size_t)(auth - s);
	slash = memchr(auth, '/', alen);
	if (slash != NULL)
		alen = (size_t)(slash - auth);
	if (memchr(auth, '@', alen) != NULL)
		return "user information ('@') in a base URL";
	if (memchr(auth, '?', alen) != NULL || memchr(auth, '#', alen) != NULL)
		return "query or fragment in a base URL";
	if ((err = host_parse(auth, alen, &h)) != NULL)
		return err;
	if (h.kind == HOST_IPV4 && !h.canonical)
		return "IPv4 address not in dotted-decimal form";
	/* Subtract the port from the authority to keep the host as written. */
	{
		size_t hlen = h.kind == HOST_IPV6 ? h.name_len + 2 : h.name_len;

		if (hlen >= sizeof(u->host))
			return "host name too long";
		memcpy(u->host, auth, hlen);
		u->host[hlen] = '\0';
	}
	u->port_given = h.port != 0;
	u->port = h.port != 0 ? h.port : (u->https ? 443u : 80u);
	u->loopback = h.loopback;
	if (slash == NULL)
		return NULL;
	return prefix_parse(slash, len - (size_t)(slash - s), u);
}

int base_url_origin(const struct base_url *u, char *dst, size_t dstlen)
{
	unsigned dflt = u->https ? 443u : 80u;
	int n;

	if (u->port == dflt)
		n = snprintf(dst, dstlen, "%s://%s",
		             u->https ? "https" : "http", u->host);
	else
		n = snprintf(dst, dstlen, "%s://%s:%u",
		             u->https ? "https" : "http", u->host, u->port);
	return (n < 0 || (size_t)n >= dstlen) ? -1 : n;
}
