/* The relay's Via pseudonym (RFC 9110 §7.6.3) and request loops by it. */
#ifndef AG_VIA_H
#define AG_VIA_H

#include <stddef.h>

/* "fcgi-relay-" and 16 hex digits, with its NUL. */
#define VIA_PSEUDONYM_SIZE 28

/* The relay's received-by for requests to agent_url: a hash of a host
 * secret (the kernel's boot_id, else the host name; read once) and
 * agent_url. Every relay process of this host that relays to agent_url
 * has the same one, so a request that comes back through any of them is
 * seen at its first return: also under CGI, where each request is a new
 * process, and under mod_fcgid's several processes. Different agents (or
 * hosts) give different pseudonyms, so a chain of two relays is no loop.
 * Not a secret: a client that sends it only gets 508 itself. Returns dst
 * (at least VIA_PSEUDONYM_SIZE bytes). */
const char *via_pseudonym(const char *agent_url, char *dst);

/* Whether a Via field value (elements "protocol received-by [comment]",
 * comma-separated) has pseudonym as a received-by. */
int via_lists(const char *via, size_t len, const char *pseudonym);

/* A loop, once seen, is answered by the first relay in it, without a
 * request to the agent: otherwise a burst of looping requests holds every
 * worker while the returning halves wait for one. Remembered per
 * pseudonym for VIA_LOOP_MEMORY_MS, so a corrected web server config is
 * noticed; thread-safe. */
void via_loop_seen(const char *pseudonym);
int via_loop_known(const char *pseudonym);

#endif
