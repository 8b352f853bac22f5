/* The relay's Via pseudonym (RFC 9110 §7.6.3) and request loops by it. */
#include "config.h"

#include "via.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ag_limits.h"
#include "ascii.h"

static char host_secret[128];

/* Loops seen lately: few, since each is one agent_url misconfigured. */
#define LOOPS_KEPT 8
static struct {
	char pseudonym[VIA_PSEUDONYM_SIZE];
	long long until_ms;
} loops[LOOPS_KEPT];
static pthread_mutex_t loops_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;

/* Same for every process of this boot on this host, unknown elsewhere
 * (only its hash leaves the host). */
static void read_secret(void)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, host_secret, sizeof(host_secret) - 1);
		close(fd);
	}
	if (n > 0) {
		host_secret[n] = '\0';
		return;
	}
	if (gethostname(host_secret, sizeof(host_secret) - 1) != 0)
		host_secret[0] = '\0';
	host_secret[sizeof(host_secret) - 1] = '\0';
}

/* FNV-1a, 64 bits: spreads the inputs; no secrecy is needed. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

const char *via_pseudonym(const char *agent_url, char *dst)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	pthread_once(&secret_once, read_secret);
	h = fnv1a(h, host_secret);
	h = fnv1a(h, "\n");
	h = fnv1a(h, agent_url);
	snprintf(dst, VIA_PSEUDONYM_SIZE, "fcgi-relay-%016llx",
	         (unsigned long long)h);
	return dst;
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

int via_lists(const char *via, size_t len, const char *pseudonym)
{
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && (ows(via[i]) || via[i] == ','))
			i++;
		/* received-protocol, then received-by */
		while (i < len && !ows(via[i]) && via[i] != ',')
			i++;
		while (i < len && ows(via[i]))
			i++;
		start = i;
		while (i < len && !ows(via[i]) && via[i] != ',')
			i++;
		if (i > start &&
		    ascii_eq_nocase(via + start, i - start, pseudonym))
			return 1;
		/* the rest of the element: a comment, skipped */
		while (i < len && via[i] != ',')
			i++;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void via_loop_seen(const char *pseudonym)
{
	long long now = now_ms();
	size_t i, slot = 0;

	pthread_mutex_lock(&loops_lock);
	/* its own entry, else the one that expires first */
	for (i = 0; i < LOOPS_KEPT; i++) {
		if (strcmp(loops[i].pseudonym, pseudonym) == 0) {
			slot = i;
			break;
		}
		if (loops[i].until_ms < loops[slot].until_ms)
			slot = i;
	}
	snprintf(loops[slot].pseudonym, sizeof(loops[slot].pseudonym), "%s",
	         pseudonym);
	loops[slot].until_ms = now + VIA_LOOP_MEMORY_MS;
	pthread_mutex_unlock(&loops_lock);
}

int via_loop_known(const char *pseudonym)
{
	long long now = now_ms();
	size_t i;
	int known = 0;

	pthread_mutex_lock(&loops_lock);
	for (i = 0; i < LOOPS_KEPT && !known; i++)
		known = loops[i].until_ms > now &&
		        strcmp(loops[i].pseudonym, pseudonym) == 0;
	pthread_mutex_unlock(&loops_lock);
	return known;
}
