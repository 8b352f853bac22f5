/* libFuzzer target: the agent's response head, fed line by line as
 * libcurl's header callback would (the agent is semi-trusted). Oracles
 * for a completed head: a final status 200-599; every field passed on is
 * one line of visible bytes under Apache's 8 KiB CGI line limit; no
 * Transfer-Encoding, Status, X-Sendfile, X-Accel-*, X-LIGHTTPD-send-file
 * or hop-by-hop field; at most one Content-Length; no Location on a 200. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resphead.h"

struct seen {
	int status;
	int content_length;
};

static int is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && strncasecmp(name, want, nlen) == 0;
}

static int check_field(void *ctx, const char *name, size_t nlen,
                       const char *value, size_t vlen)
{
	struct seen *s = ctx;
	size_t i;

	if (nlen == 0 || nlen + vlen + 4 >= 8190)
		abort();
	for (i = 0; i < vlen; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') ||
		    value[i] == 0x7f)
			abort();
	if (is(name, nlen, "Transfer-Encoding") || is(name, nlen, "Status") ||
	    is(name, nlen, "X-Sendfile") || is(name, nlen, "X-Sendfile2") ||
	    is(name, nlen, "X-LIGHTTPD-send-file") ||
	    is(name, nlen, "Connection") || is(name, nlen, "Keep-Alive") ||
	    (nlen >= 8 && strncasecmp(name, "X-Accel-", 8) == 0) ||
	    (s->status == 200 && is(name, nlen, "Location")))
		abort();
	if (is(name, nlen, "Content-Length") && ++s->content_length > 1)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct resphead h;
	struct seen s = {0, 0};
	size_t start = 0, i;
	enum rh_result r = RH_MORE;

	resphead_init(&h);
	for (i = 0; i < size && r != RH_ERROR && r != RH_DONE; i++) {
		if (data[i] != '\n')
			continue;
		r = resphead_line(&h, (const char *)data + start,
		                  i + 1 - start);
		start = i + 1;
	}
	if (r != RH_DONE)
		return 0;
	if (h.status < 200 || h.status > 599)
		abort();
	s.status = h.status;
	resphead_each(&h, check_field, &s);
	return 0;
}
