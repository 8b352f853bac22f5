/* One logger to stderr, which is the web server's error log. */
#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "agent-gateway";

void log_init(const char *progname)
{
	if (progname != NULL && progname[0] != '\0')
		log_prog = progname;
}

void log_msg(const char *fmt, ...)
{
	char line[2048];
	int n;
	size_t used;
	va_list ap;

	/* Build the whole line first: one write() keeps lines from threads
	 * and processes sharing one error log from interleaving. */
	n = snprintf(line, sizeof(line), "%s[%ld]: ", log_prog, (long)getpid());
	if (n < 0)
		return;
	used = (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	used += (size_t)n;
	if (used > sizeof(line) - 2)
		used = sizeof(line) - 2;
	line[used++] = '\n';
	if (write(STDERR_FILENO, line, used) < 0)
		return;
}

char *log_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 : 4;

		/* keep room for "..." and the NUL */
		if (o + need + 4 > dstlen) {
			if (dstlen >= 4) {
				memcpy(dst + (o <= dstlen - 4 ? o : dstlen - 4),
				       "...", 3);
				o = (o <= dstlen - 4 ? o : dstlen - 4) + 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o < dstlen ? o : dstlen - 1] = '\0';
	return dst;
}
