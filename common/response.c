/* CGI response heads and short bodies written by both programs. */
#include "config.h"

#include "response.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *status_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 508:
		return "Loop Detected";
	}
	return "";
}

long html_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t o = 0, i;

	for (i = 0; i < srclen; i++) {
		const char *rep;
		char one[2] = {src[i], '\0'};
		size_t rl;

		switch (src[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			rep = one;
			break;
		}
		rl = rep == one ? 1 : strlen(rep);
		if (o + rl >= dstlen)
			return -1;
		memcpy(dst + o, rep, rl);
		o += rl;
	}
	if (o >= dstlen)
		return -1;
	dst[o] = '\0';
	return (long)o;
}

int response_whole(const struct sink *out, int status, const char *type,
                   int retry_after, const char *body, size_t len, int head_only)
{
	char head[512], retry[48] = "";
	int n;

	if (retry_after > 0)
		snprintf(retry, sizeof(retry), "Retry-After: %d\r\n",
		         retry_after);
	n = snprintf(head, sizeof(head),
	             "Status: %d %s\r\n%sContent-Type: %s\r\n"
	             "Cache-Control: no-store\r\n"
	             "Content-Length: %zu\r\n\r\n",
	             status, status_reason(status), retry, type, len);
	if (n <= 0 || (size_t)n >= sizeof(head))
		return -1;
	if (out->write(out->ctx, head, (size_t)n) < 0)
		return -1;
	if (head_only || len == 0)
		return 0;
	if (out->write(out->ctx, body, len) < 0)
		return -1;
	return (int)len;
}

int response_error(const struct sink *out, int status, const char *message,
                   int head_only)
{
	char buf[1024];
	char body[512];
	int blen, n;

	blen = snprintf(body, sizeof(body), "%d %s: %s\n", status,
	                status_reason(status), message);
	if (blen < 0 || (size_t)blen >= sizeof(body))
		blen = (int)sizeof(body) - 1;
	n = snprintf(buf, sizeof(buf),
	             "Status: %d %s\r\n"
	             "Content-Type: text/plain; charset=utf-8\r\n"
	             "Content-Length: %d\r\n"
	             "Cache-Control: no-store\r\n"
	             "\r\n%s",
	             status, status_reason(status), blen,
	             head_only ? "" : body);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	if (out->write(out->ctx, buf, (size_t)n) < 0)
		return -1;
	return head_only ? 0 : blen;
}

int sink_fd_write(void *ctx, const char *p, size_t n)
{
	int fd = *(const int *)ctx;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
