/* ASCII byte classes and case-insensitive comparison for untrusted bytes,
 * independent of the locale (which <ctype.h> is not). */
#ifndef AG_ASCII_H
#define AG_ASCII_H

#include <stddef.h>

/* 'A'-'Z' to 'a'-'z'; every other byte as it is. */
int ascii_lower(unsigned char c);

/* Whether a[0..alen) equals the C string b, ignoring ASCII case. */
int ascii_eq_nocase(const char *a, size_t alen, const char *b);

/* Whether s[0..len) starts with the C string prefix, ignoring ASCII case. */
int ascii_prefix_nocase(const char *s, size_t len, const char *prefix);

/* RFC 9110 §5.6.2: tchar, and a non-empty token of them. */
int http_tchar(unsigned char c);
int http_token(const char *s, size_t len);

#endif
