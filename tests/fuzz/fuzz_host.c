/* libFuzzer target: host validation. Oracles: an accepted name holds only
 * name characters; a dotted-decimal IPv4 agrees with inet_pton about being
 * an address, and with the first octet about being loopback. */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host h;
	char buf[64];
	struct in_addr a;
	size_t i;

	if (host_parse((const char *)data, size, &h) != NULL)
		return 0;
	for (i = 0; i < h.name_len; i++) {
		unsigned char c = (unsigned char)h.name[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '@' || c == '\\')
			abort();
	}
	if (h.kind == HOST_IPV4 && h.canonical && h.name_len < sizeof(buf)) {
		memcpy(buf, h.name, h.name_len);
		buf[h.name_len] = '\0';
		if (inet_pton(AF_INET, buf, &a) == 1 &&
		    h.loopback != (((const uint8_t *)&a)[0] == 127 ||
		                   ((const uint8_t *)&a)[0] == 0))
			abort();
	}
	return 0;
}
