/* Baseline for cgi-redirect's start-up: the least a C CGI program can do,
 * print a fixed 302 with libc only. */
#include <stdio.h>

int main(void)
{
	fputs("Status: 302 Found\r\nLocation: http://example.com:8080/\r\n\r\n",
	      stdout);
	return 0;
}
