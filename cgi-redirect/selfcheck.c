/* cgi-redirect --check: settings, and redirects that cannot work. */
#include "config.h"

#include "selfcheck.h"

#include <string.h>

#include "report.h"
#include "url.h"

enum listen_scope {
	LISTEN_NONE,     /* nothing listens on the port */
	LISTEN_LOOPBACK, /* only loopback addresses */
	LISTEN_PUBLIC,   /* some address other clients can reach */
	LISTEN_UNKNOWN   /* /proc/net not readable */
};

/* Whether a /proc/net/tcp{,6} hex address (kernel byte order) is loopback. */
static int proc_addr_loopback(const char *hex, size_t len)
{
	unsigned v[4] = {0, 0, 0, 0};
	unsigned i;

	if (len == 8) {
		sscanf(hex, "%8x", &v[0]);
		return (v[0] & 0xff) == 127; /* little-endian first octet */
	}
	if (len != 32)
		return 0;
	for (i = 0; i < 4; i++)
		sscanf(hex + 8 * i, "%8x", &v[i]);
	if (v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0x01000000)
		return 1; /* ::1 */
	return v[0] == 0 && v[1] == 0 && v[2] == 0xffff0000 &&
	       (v[3] & 0xff) == 127; /* ::ffff:127.x.x.x */
}

/* Who can reach a TCP port on this machine, from the kernel's tables. */
static enum listen_scope listen_scope(unsigned port)
{
	static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	enum listen_scope scope = LISTEN_NONE;
	int readable = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		char line[512], addr[40];
		unsigned p, st;
		FILE *f = fopen(files[i], "r");

		if (f == NULL)
			continue;
		readable = 1;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*s %x", addr,
			           &p, &st) != 3 ||
			    p != port || st != 0x0a)
				continue;
			if (proc_addr_loopback(addr, strlen(addr))) {
				if (scope == LISTEN_NONE)
					scope = LISTEN_LOOPBACK;
			} else {
				scope = LISTEN_PUBLIC;
			}
		}
		fclose(f);
	}
	return readable ? scope : LISTEN_UNKNOWN;
}

static void check_public_url(struct report *rep, const char *pub)
{
	struct base_url u;
	const char *err = base_url_parse(pub, strlen(pub), &u);

	if (err != NULL) {
		report_error(rep, "public_url: %s", err);
		return;
	}
	if (u.loopback)
		report_warning(
		    rep,
		    "public_url names a loopback host (%s): a remote "
		    "visitor would be sent to their own machine",
		    u.host);
}

static void check_derived(struct report *rep, const char *agent_url)
{
	struct base_url u;
	const char *err = base_url_parse(agent_url, strlen(agent_url), &u);

	if (err != NULL) {
		report_error(rep, "agent_url: %s", err);
		return;
	}
	fprintf(rep->f,
	        "redirects go to: <request scheme>://<request host>:%u%s/...\n",
	        u.port, u.prefix);
	switch (listen_scope(u.port)) {
	case LISTEN_LOOPBACK:
		report_warning(
		    rep,
		    "the agent listens on port %u on loopback only: "
		    "remote visitors redirected there cannot reach it; "
		    "bind it to a public address or use fcgi-relay",
		    u.port);
		break;
	case LISTEN_NONE:
		report_warning(rep,
		               "nothing listens on TCP port %u on this machine "
		               "(agent down, or on another host)",
		               u.port);
		break;
	case LISTEN_PUBLIC:
	case LISTEN_UNKNOWN:
		break;
	}
}

int check_redirect(const struct settings *s, const char *argv0, FILE *f)
{
	struct report rep = {f, 0, 0};
	const char *base = strrchr(argv0, '/');
	long long status = settings_num(s, SET_REDIRECT_STATUS);

	report_settings(&rep, s, PROG_REDIRECT);
	if (settings_isset(s, SET_PUBLIC_URL))
		check_public_url(&rep, settings_str(s, SET_PUBLIC_URL));
	else if (settings_isset(s, SET_AGENT_URL))
		check_derived(&rep, settings_str(s, SET_AGENT_URL));
	else
		report_error(
		    &rep,
		    "set public_url, or agent_url to derive the "
		    "redirect from the request's host and the agent's port");
	if (status == 301 || status == 308)
		report_warning(
		    &rep,
		    "redirect_status %lld is cacheable: browsers keep "
		    "it after you change the settings",
		    status);
	base = base != NULL ? base + 1 : argv0;
	if (strncmp(base, "nph-", 4) == 0)
		report_warning(
		    &rep,
		    "installed as %s: Apache treats nph-* programs "
		    "as non-parsed-header scripts and sends their output "
		    "raw; rename it",
		    base);
	return report_finish(&rep);
}
