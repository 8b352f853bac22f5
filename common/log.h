/* One logger to stderr, which is the web server's error log. */
#ifndef AG_LOG_H
#define AG_LOG_H

#include <stddef.h>

/* Set once at start-up; the prefix of every line is "name[pid]: ". */
void log_init(const char *progname);

/* Write one line; fmt is always a literal, request data go in as %s of
 * text that log_escape() produced. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Escape untrusted bytes for a log line: printable ASCII other than '\\'
 * is kept, everything else becomes \xHH. The result is cut to fit
 * dst (with "..." when cut) and is always NUL-terminated. Returns dst. */
char *log_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
