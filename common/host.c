/* Host names from requests and settings: validation and loopback detection. */
#include "config.h"

#include "host.h"

#include <arpa/inet.h>
#include <string.h>

#include "ag_limits.h"
#include "ascii.h"

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One part of an inet_aton-style address: decimal, 0x hex or 0 octal.
 * Returns -1 when the part is not a number or exceeds max. */
static int ipv4_part(const char *p, size_t n, uint32_t max, uint32_t *out,
                     int *decimal)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n == 0)
		return -1;
	*decimal = 1;
	if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		i = 2;
		*decimal = 0;
		if (n == 2)
			return -1;
	} else if (n >= 2 && p[0] == '0') {
		base = 8;
		i = 1;
		*decimal = 0;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		unsigned d;

		if (is_digit(c))
			d = c - '0';
		else if (base == 16 && ascii_lower(c) >= 'a' &&
		         ascii_lower(c) <= 'f')
			d = (unsigned)ascii_lower(c) - 'a' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		v = v * base + d;
		if (v > max)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* inet_aton semantics: 1 to 4 parts, the last filling the remaining bytes. */
static const char *ipv4_parse(const char *s, size_t len, struct host *h)
{
	uint32_t parts[4], addr = 0;
	size_t nparts = 0, start = 0, i;
	int all_decimal = 1, dec;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (nparts == 4)
			return "IPv4 address with more than four parts";
		if (ipv4_part(s + start, i - start, UINT32_MAX, &parts[nparts],
		              &dec) < 0)
			return "bad number in IPv4 address";
		all_decimal &= dec;
		nparts++;
		start = i + 1;
	}
	for (i = 0; i + 1 < nparts; i++) {
		if (parts[i] > 255)
			return "IPv4 address part over 255";
		addr |= parts[i] << (24 - 8 * i);
	}
	if (nparts > 1 && nparts < 4 &&
	    (uint64_t)parts[nparts - 1] >> (8 * (5 - nparts)) != 0)
		return "IPv4 address part too large";
	if (nparts == 4 && parts[3] > 255)
		return "IPv4 address part over 255";
	addr |= parts[nparts - 1];
	h->kind = HOST_IPV4;
	h->canonical = (nparts == 4 && all_decimal);
	/* 0.0.0.0/8 means "this host" to the socket API (RFC 1122 §3.2.1.3). */
	h->loopback = (addr >> 24) == 127 || (addr >> 24) == 0;
	return NULL;
}

static int is_localhost_name(const char *s, size_t len)
{
	static const char suffix[] = ".localhost";
	size_t sl = sizeof(suffix) - 1;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (ascii_eq_nocase(s, len, "localhost"))
		return 1;
	return len > sl && ascii_eq_nocase(s + len - sl, sl, suffix);
}

/* RFC 1035 §2.3.1 preferred syntax, with a trailing dot allowed. */
static const char *dns_parse(const char *s, size_t len, struct host *h)
{
	size_t i, label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty host name";
	if (len > HOST_NAME_MAX_LEN)
		return "host name longer than 253 characters";
	for (i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)s[i] : '.';

		if (c == '.') {
			if (label == 0)
				return "empty label in host name";
			if (s[i - 1] == '-')
				return "host name label ends with '-'";
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return "invalid character in host name";
		if (label == 0 && c == '-')
			return "host name label starts with '-'";
		if (++label > HOST_LABEL_MAX_LEN)
			return "host name label longer than 63 characters";
	}
	h->kind = HOST_DNS;
	h->loopback = is_localhost_name(s, len);
	return NULL;
}

/* The last label decides: a name whose last label starts with a digit is
 * an IPv4 address (as in the WHATWG URL host parser), never a DNS name. */
static int looks_numeric(const char *s, size_t len)
{
	size_t i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	i = len;
	while (i > 0 && s[i - 1] != '.')
		i--;
	return i < len && is_digit((unsigned char)s[i]);
}

static int ipv6_is_loopback(const struct in6_addr *a)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
	                                         0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char zero[16];

	/* :: and ::1 */
	if (memcmp(a->s6_addr, zero, 15) == 0 && a->s6_addr[15] <= 1)
		return 1;
	/* v4-mapped and v4-compatible forms of 127/8 and 0/8 */
	if (memcmp(a->s6_addr, mapped, 12) == 0 ||
	    memcmp(a->s6_addr, zero, 12) == 0)
		return a->s6_addr[12] == 127 || a->s6_addr[12] == 0;
	return 0;
}

static const char *ipv6_parse(const char *s, size_t len, struct host *h)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (len == 0 || len >= sizeof(buf))
		return "bad IPv6 address";
	if (memchr(s, '%', len) != NULL)
		return "IPv6 zone identifiers are not allowed";
	/* inet_pton stops at a NUL: check every byte, not just the prefix */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_digit(c) &&
		    !(ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') &&
		    c != ':' && c != '.')
			return "bad IPv6 address";
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return "bad IPv6 address";
	h->kind = HOST_IPV6;
	h->loopback = ipv6_is_loopback(&a);
	return NULL;
}

static const char *port_parse(const char *s, size_t len, unsigned *port)
{
	unsigned v = 0;
	size_t i;

	if (len == 0)
		return "empty port";
	if (len > 5)
		return "port out of range";
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return "port is not a number";
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return "port out of range";
	*port = v;
	return NULL;
}

const char *host_parse(const char *s, size_t len, struct host *out)
{
	const char *colon, *err;
	size_t namelen = len;

	memset(out, 0, sizeof(*out));
	out->canonical = 1;
	if (len == 0)
		return "empty host";
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			return "unterminated '[' in host";
		out->name = s + 1;
		out->name_len = (size_t)(close - s) - 1;
		namelen = (size_t)(close - s) + 1;
		if (namelen < len && s[namelen] != ':')
			return "junk after ']' in host";
		if (namelen < len &&
		    (err = port_parse(s + namelen + 1, len - namelen - 1,
		                      &out->port)) != NULL)
			return err;
		return ipv6_parse(out->name, out->name_len, out);
	}
	colon = memchr(s, ':', len);
	if (colon != NULL) {
		namelen = (size_t)(colon - s);
		if (memchr(colon + 1, ':', len - namelen - 1) != NULL)
			return "more than one ':' in host";
		if ((err = port_parse(colon + 1, len - namelen - 1,
		                      &out->port)) != NULL)
			return err;
	}
	out->name = s;
	out->name_len = namelen;
	if (namelen == 0)
		return "empty host name";
	if (looks_numeric(s, namelen)) {
		if (s[namelen - 1] == '.')
			return "IPv4 address with a trailing dot";
		return ipv4_parse(s, namelen, out);
	}
	return dns_parse(s, namelen, out);
}

int host_addr_is_loopback(const char *addr)
{
	struct host h;
	size_t len = strlen(addr);

	if (len > 0 && addr[0] != '[' && memchr(addr, ':', len) != NULL)
		return ipv6_parse(addr, len, &h) == NULL && h.loopback;
	return host_parse(addr, len, &h) == NULL && h.loopback;
}
