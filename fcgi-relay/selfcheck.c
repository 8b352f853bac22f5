/* fcgi-relay --check: settings, the agent's reachability, and what the
 * web server must be told. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "diaghook.h"
#include "host.h"
#include "ops.h"
#include "relay.h"
#include "report.h"
#include "via.h"

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p, (void)ud;
	return size * n;
}

/* The agent's Server field, kept to tell a web server from an agent. */
static size_t keep_server(char *p, size_t size, size_t n, void *ud)
{
	char *server = ud;
	size_t len = size * n, v = 7;

	if (len > 7 && ascii_prefix_nocase(p, len, "Server:")) {
		while (v < len && (p[v] == ' ' || p[v] == '\t'))
			v++;
		while (len > v && (p[len - 1] == '\n' || p[len - 1] == '\r'))
			len--;
		if (len - v < 64) {
			memcpy(server, p + v, len - v);
			server[len - v] = '\0';
		}
	}
	return size * n;
}

/* What is knowable without a request: the relay cannot see the address
 * its web server listens on, so it asks. The HEAD carries the relay's Via
 * (via.h): when agent_url leads back through this relay, the relay there
 * answers 508. A Server field naming a web server, or port 80/443 on
 * loopback, only hints at it. */
static void check_loop(struct report *rep, const struct base_url *u, long code,
                       const char *server)
{
	static const char *const web_servers[] = {"Apache", "lighttpd", "nginx",
	                                          NULL};
	size_t i;

	if (code == 508) {
		report_error(rep,
		             "agent_url leads back to this web server: the "
		             "agent's address answered 508 Loop Detected "
		             "to a request that carries this relay's Via");
		return;
	}
	for (i = 0; web_servers[i] != NULL; i++)
		if (ascii_prefix_nocase(server, strlen(server), web_servers[i]))
			report_warning(
			    rep,
			    "agent_url is answered by a web server "
			    "(Server: %s), not by the agent: if it is "
			    "the one running this relay, requests loop "
			    "(each answered 508)",
			    server);
	if (u->loopback && (u->port == 80 || u->port == 443))
		report_warning(rep,
		               "agent_url is port %u on this machine, where a "
		               "web server usually listens: if it is the one "
		               "running this relay, requests loop",
		               u->port);
}

/* What a HEAD of the agent's prefix found: the status, the Server field
 * (kept to tell a web server from an agent) and what was asked. */
struct head_result {
	char url[SETTING_VALUE_MAX + 300];
	char errbuf[CURL_ERROR_SIZE];
	char server[64];
	long code;
};

/* A HEAD of the agent's prefix with the relay's own pinned options. It
 * carries the relay's Via (via.h): when agent_url leads back through this
 * relay, the relay there answers 508. */
static CURLcode head_agent(const struct settings *s, const struct base_url *u,
                           long timeout_ms, struct head_result *h)
{
	char pseudonym[VIA_PSEUDONYM_SIZE], via[VIA_PSEUDONYM_SIZE + 16];
	struct curl_slist *hdrs;
	CURL *c;
	CURLcode rc;
	int n;

	memset(h, 0, sizeof(*h));
	c = curl_easy_init();
	if (c == NULL)
		return CURLE_OUT_OF_MEMORY;
	snprintf(via, sizeof(via), "Via: 1.1 %s",
	         via_pseudonym(settings_str(s, SET_AGENT_URL), pseudonym));
	hdrs = curl_slist_append(NULL, via);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_server);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)h->server);
	n = base_url_origin(u, h->url, sizeof(h->url));
	if (n > 0)
		snprintf(h->url + n, sizeof(h->url) - (size_t)n, "%s/",
		         u->prefix);
	curl_easy_setopt(c, CURLOPT_URL, h->url);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (settings_isset(s, SET_AGENT_SOCKET))
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		                 settings_str(s, SET_AGENT_SOCKET));
	if (settings_isset(s, SET_CA_FILE))
		curl_easy_setopt(c, CURLOPT_CAINFO,
		                 settings_str(s, SET_CA_FILE));
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	return rc;
}

static void check_reach(struct report *rep, const struct settings *s,
                        const struct base_url *u)
{
	struct head_result h;
	CURLcode rc = head_agent(s, u, CHECK_TIMEOUT_MS, &h);

	if (rc == CURLE_OK) {
		fprintf(rep->f, "agent: HEAD %s answered %ld\n", h.url, h.code);
		check_loop(rep, u, h.code, h.server);
	} else if (rc == CURLE_OUT_OF_MEMORY && h.url[0] == '\0') {
		report_error(rep, "cannot create a libcurl handle");
	} else {
		report_error(
		    rep, "agent: HEAD %s%s%s failed: %s%s%s", h.url,
		    settings_isset(s, SET_AGENT_SOCKET) ? " over socket " : "",
		    settings_str(s, SET_AGENT_SOCKET), curl_easy_strerror(rc),
		    h.errbuf[0] ? ": " : "", h.errbuf);
	}
}

long relay_agent_status(const struct settings *s, long timeout_ms)
{
	const char *a = settings_str(s, SET_AGENT_URL);
	struct head_result h;
	struct base_url u;

	if (a[0] == '\0' || base_url_parse(a, strlen(a), &u) != NULL ||
	    head_agent(s, &u, timeout_ms, &h) != CURLE_OK)
		return -1;
	return h.code;
}

/* What stands between the relay and the agent's socket, named with the
 * path: missing, not a socket, no permission, nobody listening. */
static void check_socket(struct report *rep, const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (stat(path, &st) != 0) {
		report_error(rep, "agent_socket %s: %s", path, strerror(errno));
		return;
	}
	if (!S_ISSOCK(st.st_mode)) {
		report_error(rep, "agent_socket %s: not a socket (%s)", path,
		             S_ISDIR(st.st_mode)   ? "a directory"
		             : S_ISREG(st.st_mode) ? "a regular file"
		                                   : "another kind of file");
		return;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		report_error(rep,
		             "agent_socket %s: path longer than %zu bytes, "
		             "the limit of a Unix socket address",
		             path, sizeof(sa.sun_path) - 1);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		report_error(rep, "agent_socket %s: socket: %s", path,
		             strerror(errno));
		return;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		report_error(rep, "agent_socket %s: cannot connect: %s%s", path,
		             strerror(errno),
		             errno == ECONNREFUSED ? " (nobody listens on it)"
		             : errno == EACCES ? " (run the relay as a user "
		                                 "allowed to write to it)"
		                               : "");
	close(fd);
}

static void check_files(struct report *rep, const struct settings *s)
{
	if (settings_isset(s, SET_AGENT_SOCKET))
		check_socket(rep, settings_str(s, SET_AGENT_SOCKET));
	if (settings_isset(s, SET_CA_FILE) &&
	    access(settings_str(s, SET_CA_FILE), R_OK) != 0)
		report_error(rep, "ca_file %s is not readable: %s",
		             settings_str(s, SET_CA_FILE), strerror(errno));
}

static void check_listen(struct report *rep, const struct settings *s)
{
	const char *l = settings_str(s, SET_LISTEN);
	struct host h;

	if (l[0] == '\0' || l[0] == '/')
		return;
	if (host_parse(l, strlen(l), &h) == NULL && !h.loopback)
		report_warning(rep,
		               "listen %s is reachable from other machines: "
		               "anyone who connects can send any FastCGI "
		               "parameter; bind 127.0.0.1 or a Unix socket",
		               l);
}

static void check_limits(struct report *rep, const struct settings *s)
{
	curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	if (!(v->features & CURL_VERSION_THREADSAFE))
		report_warning(rep,
		               "this libcurl (%s) is not built thread-safe; "
		               "use max_workers = 1",
		               v->version);
	if (settings_num(s, SET_KEEPALIVE_MAX_AGE) >= 75000)
		report_warning(
		    rep, "keepalive_max_age is not below aiohttp's "
		         "keep-alive (75 s): reused connections may be stale");
}

static void print_server_notes(FILE *f)
{
	fprintf(
	    f,
	    "apache: to pass the Authorization header to the relay, add\n"
	    "  CGIPassAuth On                    (mod_cgi; .htaccess or "
	    "<Directory>)\n"
	    "  FcgidPassHeader Authorization     (mod_fcgid; server config)\n"
	    "  or: RewriteRule .* - "
	    "[E=HTTP_AUTHORIZATION:%%{HTTP:Authorization}]\n"
	    "apache: the server may cut long answers first: FcgidIOTimeout (40 "
	    "s),\n"
	    "  Timeout (60 s), CGIScriptTimeout; lighttpd: "
	    "server.max-read-idle\n");
}

/* The files, agent_url and a connect + HEAD to the agent: what both
 * --check and the diagnose page report. */
static void probe_agent(struct report *rep, const struct settings *s)
{
	const char *url = settings_str(s, SET_AGENT_URL);
	struct base_url u;
	const char *err;

	check_files(rep, s);
	if (url[0] == '\0')
		report_error(rep, "agent_url is not set");
	else if ((err = base_url_parse(url, strlen(url), &u)) != NULL)
		report_error(rep, "agent_url: %s", err);
	else
		check_reach(rep, s, &u);
}

void relay_probe_agent(FILE *f, const struct settings *s)
{
	struct report rep = {f, 0, 0};

	probe_agent(&rep, s);
}

int relay_check(const struct settings *s, FILE *f)
{
	struct report rep = {f, 0, 0};

	report_settings(&rep, s, PROG_RELAY);
	check_listen(&rep, s);
	check_limits(&rep, s);
	probe_agent(&rep, s);
	print_server_notes(f);
	return report_finish(&rep);
}
