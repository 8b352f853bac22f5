/* ASCII byte classes and case-insensitive comparison for untrusted bytes,
 * independent of the locale (which <ctype.h> is not). */
#include "config.h"

#include "ascii.h"

#include <string.h>

int ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

int ascii_prefix_nocase(const char *s, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)s[i]) !=
		    ascii_lower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

int ascii_eq_nocase(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && ascii_prefix_nocase(a, alen, b);
}

int http_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int http_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!http_tchar((unsigned char)s[i]))
			return 0;
	return 1;
}
