/* libFuzzer target: the judge of peeked FastCGI request heads. Oracles:
 * a head once whole stays whole with more bytes after it (whole, or
 * whole with the request's empty STDIN record seen: FCGI_HEAD_ALL), a
 * head whose stream was seen whole stays so, and a prefix of a partial
 * head is partial too (a verdict on fewer bytes is never firmer); ASan
 * checks that no byte past the length is read. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgihead.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The verdict on the first n bytes, from a buffer of exactly n bytes. */
static enum fcgi_head judge(const uint8_t *data, size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	enum fcgi_head h;

	if (p == NULL)
		abort();
	memcpy(p, data, n);
	h = fcgi_head_scan(p, n, SIZE_MAX);
	free(p);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fcgi_head all, part;
	size_t n;

	if (size == 0)
		return 0;
	all = judge(data, size);
	for (n = 1; n < size; n += 1 + n / 4) {
		part = judge(data, n);
		if ((part == FCGI_HEAD_WHOLE || part == FCGI_HEAD_ALL) &&
		    all != FCGI_HEAD_WHOLE && all != FCGI_HEAD_ALL)
			abort();
		if (part == FCGI_HEAD_ALL && all != FCGI_HEAD_ALL)
			abort();
		if (all == FCGI_HEAD_PARTIAL && part != FCGI_HEAD_PARTIAL)
			abort();
	}
	return 0;
}
