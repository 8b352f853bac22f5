/* libFuzzer target: the judge of peeked FastCGI request heads, and the
 * relay's answer to management records. Oracles: a head once whole
 * stays whole with more bytes after it (whole, or whole with the
 * request's empty STDIN record seen: FCGI_HEAD_ALL), a head whose stream
 * was seen whole stays so, a management record first stays the verdict,
 * a refusal stays a refusal, and a prefix of a partial head is partial
 * too (a verdict on fewer bytes is never firmer). The answer to a
 * management record is one well-formed record of request id 0 within
 * FCGI_MANAGEMENT_ANSWER_MAX, its padding zero. ASan checks that no
 * byte past the length is read or written. */
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

/* The record first in data, whole, answered as the relay answers it. */
static void check_answer(const uint8_t *data, size_t size)
{
	size_t whole = 8 + (((size_t)data[4] << 8) | data[5]) + data[6], n;
	unsigned char *rec, *out;

	if (whole > size)
		abort(); /* the judge saw it whole */
	rec = malloc(whole);
	out = malloc(FCGI_MANAGEMENT_ANSWER_MAX);
	if (rec == NULL || out == NULL)
		abort();
	memcpy(rec, data, whole);
	n = fcgi_management_answer(rec, whole, (unsigned long)size * 977, out);
	if (n > 0) {
		size_t clen = ((size_t)out[4] << 8) | out[5], i;

		if (n % 8 != 0 || out[0] != 1 || out[2] != 0 || out[3] != 0 ||
		    (out[1] != 10 && out[1] != 11) || 8 + clen + out[6] != n ||
		    out[6] > 7)
			abort();
		for (i = 8 + clen; i < n; i++)
			if (out[i] != 0)
				abort();
	} else if (data[1] != 9) {
		abort(); /* only a malformed FCGI_GET_VALUES goes unanswered */
	}
	free(rec);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fcgi_head all, part;
	size_t n;

	if (size == 0)
		return 0;
	all = judge(data, size);
	if (all == FCGI_HEAD_MANAGEMENT)
		check_answer(data, size);
	for (n = 1; n < size; n += 1 + n / 4) {
		part = judge(data, n);
		if ((part == FCGI_HEAD_WHOLE || part == FCGI_HEAD_ALL) &&
		    all != FCGI_HEAD_WHOLE && all != FCGI_HEAD_ALL)
			abort();
		if (part == FCGI_HEAD_ALL && all != FCGI_HEAD_ALL)
			abort();
		if (all == FCGI_HEAD_PARTIAL && part != FCGI_HEAD_PARTIAL)
			abort();
		if ((part == FCGI_HEAD_MANAGEMENT ||
		     part == FCGI_HEAD_REFUSE) &&
		    all != part)
			abort();
	}
	return 0;
}
