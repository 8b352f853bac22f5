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

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_LEVEL_ERROR:
		return "error";
	case LOG_LEVEL_WARNING:
		return "warning";
	case LOG_LEVEL_INFO:
		return "info";
	}
	return "error";
}

size_t log_format(char *line, size_t len, enum log_level level, const char *fmt,
                  va_list ap)
{
	size_t used;
	int n;

	if (len < 2)
		return 0;
	n = snprintf(line, len, "%s[%ld]: %s: ", log_prog, (long)getpid(),
	             level_name(level));
	if (n < 0)
		return 0;
	used = (size_t)n < len ? (size_t)n : len - 1;
	n = vsnprintf(line + used, len - used, fmt, ap);
	if (n < 0)
		return 0;
	used += (size_t)n;
	if (used > len - 2)
		used = len - 2;
	line[used++] = '\n';
	return used;
}

static void log_va(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	size_t used;

	/* Build the whole line first: one write() keeps lines from threads
	 * and processes sharing one error log from interleaving. */
	used = log_format(line, sizeof(line), level, fmt, ap);
	if (used > 0 && write(STDERR_FILENO, line, used) < 0)
		return;
}

void log_at(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(level, fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_LEVEL_WARNING, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_LEVEL_INFO, fmt, ap);
	va_end(ap);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
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
