/* Host names from requests and settings: validation and loopback detection. */
#ifndef AG_HOST_H
#define AG_HOST_H

#include <stddef.h>
#include <stdint.h>

enum host_kind { HOST_DNS, HOST_IPV4, HOST_IPV6 };

struct host {
	enum host_kind kind;
	const char *name; /* into the input: without brackets and port */
	size_t name_len;
	unsigned port; /* 0 when none was given */
	int loopback;  /* names this machine (127/8, ::1, localhost, ...) */
	int canonical; /* IPv4 only: exactly four decimal parts */
};

/* Parse "name[:port]", "a.b.c.d[:port]" or "[v6][:port]" of len bytes.
 * Returns NULL and fills *out, or a static message naming the problem.
 * IPv4 in any form inet_aton accepts (127.1, 0x7f.1, 2130706433) is
 * recognised, so a loopback address cannot hide; canonical says whether
 * it was written as four decimal parts. */
const char *host_parse(const char *s, size_t len, struct host *out);

/* Whether a textual IP address (no brackets, no port) is loopback. Used for
 * REMOTE_ADDR, which the web server writes. */
int host_addr_is_loopback(const char *addr);

#endif
