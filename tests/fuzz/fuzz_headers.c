/* libFuzzer target: CGI/FastCGI parameters to request header lines. Input:
 * NAME=value entries separated by '\n'; the first byte picks the options.
 * Oracles: every line is "token: value" or "token;" with no CR, LF, NUL or
 * other control byte; no hop-by-hop, Proxy, Expect, Transfer-Encoding or
 * Content-Length line; exactly one Host. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "headers.h"

#define MAX_ENTRIES 64

static int banned(const char *line, size_t nlen)
{
	static const char *const names[] = {
	    "Connection", "Keep-Alive",     "Proxy-Connection",
	    "TE",         "Trailer",        "Transfer-Encoding",
	    "Upgrade",    "Proxy",          "Proxy-Authorization",
	    "Expect",     "Content-Length", NULL};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strlen(names[i]) == nlen &&
		    strncasecmp(line, names[i], nlen) == 0)
			return 1;
	return 0;
}

static void check_line(const char *line, int *hosts)
{
	size_t n = strlen(line), i, nlen = strcspn(line, ":;");

	if (nlen == 0 || nlen == n || !http_token(line, nlen) ||
	    banned(line, nlen))
		abort();
	if (line[nlen] == ';' ? nlen + 1 != n
	                      : (n < nlen + 2 || line[nlen + 1] != ' '))
		abort();
	for (i = nlen; i < n; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f)
			abort();
	if (nlen == 4 && strncasecmp(line, "Host", 4) == 0)
		(*hosts)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hdr_list out;
	char *copy, *envp[MAX_ENTRIES + 1];
	struct hdr_opts o;
	struct reqview rv;
	size_t n = 0, pos = 0;
	const char *line;
	int hosts = 0;
	char *p, *save = NULL;

	if (size == 0)
		return 0;
	o.agent_host = "127.0.0.1:8080";
	o.preserve_host = data[0] & 1;
	o.fwd = (enum forwarded_style)((data[0] >> 1) & 3);
	o.trust_forwarded = (data[0] >> 3) & 1;
	/* with and without the relay's Via pseudonym (a loop is a 508) */
	o.via = (data[0] >> 4) & 1 ? "fcgi-relay-0123456789abcdef" : NULL;
	o.request_id = (data[0] >> 5) & 1 ? "0123456789abcdef" : NULL;
	copy = malloc(size); /* NUL-terminated; data + 1 has size - 1 bytes */
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	for (p = strtok_r(copy, "\n", &save); p != NULL && n < MAX_ENTRIES;
	     p = strtok_r(NULL, "\n", &save))
		envp[n++] = p;
	envp[n] = NULL;
	rv.envp = envp;
	if (headers_build(&rv, &o, &out) == NULL) {
		while ((line = hdr_list_next(&out, &pos)) != NULL)
			check_line(line, &hosts);
		if (hosts != 1)
			abort();
	} else if (out.status != 400 && out.status != 431) {
		abort();
	}
	free(copy);
	return 0;
}
