/* fcgi-relay --check: settings, the agent's reachability, and what the
 * web server must be told. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diaghook.h"
#include "host.h"
#include "ops.h"
#include "relay.h"
#include "report.h"

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p, (void)ud;
	return size * n;
}

/* A HEAD of the agent's prefix with the relay's own pinned options;
 * url gets what was asked, code the status. */
static CURLcode head_agent(const struct settings *s, const struct base_url *u,
                           long timeout_ms, char *url, size_t urlcap,
                           char *errbuf, long *code)
{
	CURL *c = curl_easy_init();
	CURLcode rc;
	int n;

	*code = 0;
	url[0] = '\0';
	if (c == NULL)
		return CURLE_OUT_OF_MEMORY;
	n = base_url_origin(u, url, urlcap);
	if (n > 0)
		snprintf(url + n, urlcap - (size_t)n, "%s/", u->prefix);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if (settings_isset(s, SET_AGENT_SOCKET))
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		                 settings_str(s, SET_AGENT_SOCKET));
	if (settings_isset(s, SET_CA_FILE))
		curl_easy_setopt(c, CURLOPT_CAINFO,
		                 settings_str(s, SET_CA_FILE));
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(c);
	return rc;
}

static void check_reach(struct report *rep, const struct settings *s,
                        const struct base_url *u)
{
	char url[SETTING_VALUE_MAX + 300], errbuf[CURL_ERROR_SIZE] = "";
	long code;
	CURLcode rc;

	rc =
	    head_agent(s, u, CHECK_TIMEOUT_MS, url, sizeof(url), errbuf, &code);
	if (rc == CURLE_OK)
		fprintf(rep->f, "agent: HEAD %s answered %ld\n", url, code);
	else if (rc == CURLE_OUT_OF_MEMORY && url[0] == '\0')
		report_error(rep, "cannot create a libcurl handle");
	else
		report_error(rep, "agent: HEAD %s failed: %s%s%s", url,
		             curl_easy_strerror(rc), errbuf[0] ? ": " : "",
		             errbuf);
}

long relay_agent_status(const struct settings *s, long timeout_ms)
{
	char url[SETTING_VALUE_MAX + 300], errbuf[CURL_ERROR_SIZE] = "";
	const char *a = settings_str(s, SET_AGENT_URL);
	struct base_url u;
	long code;

	if (a[0] == '\0' || base_url_parse(a, strlen(a), &u) != NULL ||
	    head_agent(s, &u, timeout_ms, url, sizeof(url), errbuf, &code) !=
	        CURLE_OK)
		return -1;
	return code;
}

static void check_files(struct report *rep, const struct settings *s)
{
	struct stat st;

	if (settings_isset(s, SET_AGENT_SOCKET) &&
	    (stat(settings_str(s, SET_AGENT_SOCKET), &st) != 0 ||
	     !S_ISSOCK(st.st_mode)))
		report_error(rep, "agent_socket %s is not a socket",
		             settings_str(s, SET_AGENT_SOCKET));
	if (settings_isset(s, SET_CA_FILE) &&
	    access(settings_str(s, SET_CA_FILE), R_OK) != 0)
		report_error(rep, "ca_file %s is not readable",
		             settings_str(s, SET_CA_FILE));
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

	report_settings(&rep, s);
	check_listen(&rep, s);
	check_limits(&rep, s);
	probe_agent(&rep, s);
	print_server_notes(f);
	return report_finish(&rep);
}
