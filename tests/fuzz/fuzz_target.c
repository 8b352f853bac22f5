/* libFuzzer target: the target-URL builder. Input: REQUEST_URI, then after
 * a 0xff byte the strip prefix. Oracles beyond "no crash": an accepted
 * target starts with the base prefix, holds only visible ASCII, and has no
 * ".." segment left. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

static int has_dotdot_segment(const char *p, size_t n)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '/' && p[i] != '?')
			continue;
		if (i - start == 2 && p[start] == '.' && p[start + 1] == '.')
			return 1;
		if (i < n && p[i] == '?')
			return 0;
		start = i + 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char base[] = "/api";
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t ulen = sep != NULL ? (size_t)(sep - data) : size;
	char prefix[64] = "";
	struct target_src src;
	struct target t;
	size_t i;

	if (sep != NULL) {
		size_t plen = size - ulen - 1;

		if (plen >= sizeof(prefix))
			plen = sizeof(prefix) - 1;
		memcpy(prefix, sep + 1, plen);
		prefix[plen] = '\0';
		/* settings only let a valid prefix through */
		if (prefix[0] != '/' || strlen(prefix) != plen)
			prefix[0] = '\0';
	}
	memset(&src, 0, sizeof(src));
	src.request_uri = (const char *)data;
	src.request_uri_len = ulen;
	src.script_name = src.path_info = "";
	if (target_build(&src, prefix, base, &t) != NULL) {
		if (t.status != 400 && t.status != 414)
			abort();
		return 0;
	}
	if (t.len != strlen(t.buf) || strncmp(t.buf, base, 4) != 0)
		abort();
	for (i = 0; i < t.len; i++)
		if ((unsigned char)t.buf[i] <= 0x20 ||
		    (unsigned char)t.buf[i] >= 0x7f)
			abort();
	if (has_dotdot_segment(t.buf, t.len))
		abort();
	return 0;
}
