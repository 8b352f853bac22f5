/* One logger to stderr, which is the web server's error log. */
#ifndef AG_LOG_H
#define AG_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Set once at start-up; every line is "name[pid]: level: message". */
void log_init(const char *progname);

/* How much a line matters: "error" (something failed), "warning"
 * (works, but should be changed), "info" (what happened). */
enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO };

/* Write one line; fmt is always a literal, request data go in as %s of
 * text that log_escape() produced. */
void log_at(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The older call: the same as log_error(). */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The line log_at() would write, without writing it: len bytes including
 * the final newline, cut to fit. For tests. */
size_t log_format(char *line, size_t len, enum log_level level, const char *fmt,
                  va_list ap);

/* Escape untrusted bytes for a log line: printable ASCII other than '\\'
 * is kept, everything else becomes \xHH. The result is cut to fit
 * dst (with "..." when cut) and is always NUL-terminated. Returns dst. */
char *log_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
