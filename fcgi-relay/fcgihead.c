/* FastCGI record framing (FastCGI 1.0 specification, section 3.3): an
 * 8-byte header (version, type, request id, content length, padding
 * length, reserved), then content and padding. */
#include "config.h"

#include "fcgihead.h"

#define REC_HEADER     8
#define FCGI_VERSION_1 1
#define TYPE_BEGIN     1
#define TYPE_PARAMS    4
#define TYPE_STDIN     5

/* Whether the records from at on end request id's STDIN stream (its
 * empty STDIN record is there, after any body). Records of other
 * requests are skipped, as libfcgi skips them. */
static int stdin_ends(const unsigned char *p, size_t at, size_t len,
                      unsigned id)
{
	while (at + REC_HEADER <= len) {
		const unsigned char *h = p + at;
		unsigned rid = ((unsigned)h[2] << 8) | h[3];
		size_t content = ((size_t)h[4] << 8) | h[5];

		if (at + REC_HEADER + content + h[6] > len)
			return 0; /* still arriving */
		if (rid == id && h[1] != TYPE_STDIN)
			return 0; /* libfcgi's to judge, as it comes */
		if (rid == id && content == 0)
			return 1;
		at += REC_HEADER + content + h[6];
	}
	return 0;
}

enum fcgi_head fcgi_head_scan(const unsigned char *p, size_t len, size_t cap)
{
	size_t at = 0, content, whole;
	unsigned id = 0, rid;
	int begun = 0;

	while (at + REC_HEADER <= len) {
		const unsigned char *h = p + at;

		rid = ((unsigned)h[2] << 8) | h[3];
		content = ((size_t)h[4] << 8) | h[5];
		whole = REC_HEADER + content + h[6];
		/* Another version, a management record (request id 0, such
		 * as FCGI_GET_VALUES) first, or a first record other than
		 * BEGIN: libfcgi answers or refuses those. */
		if (h[0] != FCGI_VERSION_1)
			return FCGI_HEAD_HANDOVER;
		if (!begun) {
			if (h[1] != TYPE_BEGIN || rid == 0)
				return FCGI_HEAD_HANDOVER;
			id = rid;
		} else if (rid == id && h[1] != TYPE_PARAMS) {
			return FCGI_HEAD_HANDOVER; /* libfcgi refuses it */
		}
		/* Records of other requests libfcgi skips (management ones it
		 * answers) while it reads this head: skipped here too, so only
		 * this request's empty PARAMS makes the head whole. */
		if (at + whole > len)
			break; /* this record is still arriving */
		if (begun && rid == id && content == 0)
			return stdin_ends(p, at + whole, len, id)
			           ? FCGI_HEAD_ALL
			           : FCGI_HEAD_WHOLE;
		begun = 1;
		at += whole;
	}
	/* More than a peek shows: libfcgi reads the rest as it comes, under
	 * the same deadline (headwait_guard). */
	if (len >= cap)
		return FCGI_HEAD_HANDOVER;
	return FCGI_HEAD_PARTIAL;
}
