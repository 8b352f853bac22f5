/* FastCGI record framing (FastCGI 1.0 specification, section 3.3): an
 * 8-byte header (version, type, request id, content length, padding
 * length, reserved), then content and padding. */
#include "config.h"

#include "fcgihead.h"

#define REC_HEADER     8
#define FCGI_VERSION_1 1
#define TYPE_BEGIN     1
#define TYPE_PARAMS    4

enum fcgi_head fcgi_head_scan(const unsigned char *p, size_t len, size_t cap)
{
	size_t at = 0, content, whole;
	int begun = 0;

	while (at + REC_HEADER <= len) {
		const unsigned char *h = p + at;

		content = ((size_t)h[4] << 8) | h[5];
		whole = REC_HEADER + content + h[6];
		/* Request id 0 is a management record (FCGI_GET_VALUES) that
		 * libfcgi answers; anything but BEGIN then PARAMS is for it
		 * to accept or refuse. */
		if (h[0] != FCGI_VERSION_1 || ((h[2] << 8) | h[3]) == 0)
			return FCGI_HEAD_HANDOVER;
		if (!begun && h[1] != TYPE_BEGIN)
			return FCGI_HEAD_HANDOVER;
		if (begun && h[1] != TYPE_PARAMS)
			return FCGI_HEAD_HANDOVER;
		if (at + whole > len)
			break; /* this record is still arriving */
		if (begun && content == 0)
			return FCGI_HEAD_WHOLE;
		begun = 1;
		at += whole;
	}
	/* A head that cannot be whole within what a peek shows: libfcgi
	 * reads it as it comes. */
	if (len >= cap)
		return FCGI_HEAD_HANDOVER;
	return FCGI_HEAD_PARTIAL;
}
