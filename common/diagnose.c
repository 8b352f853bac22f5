/* The opt-in diagnose page of both programs: what the web server really
 * delivered, the effective settings, and what to change on the host. */
#include "config.h"

#include "diagnose.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"
#include "target.h"

int diagnose_match(const struct settings *s, const struct reqview *r)
{
	const char *want = settings_str(s, SET_DIAGNOSE_PATH);
	const char *uri, *path, *query;
	size_t wlen, len, qlen;

	if (want[0] == '\0')
		return 0; /* off: no lookup at all */
	wlen = strlen(want);
	uri = req_get(r, "REQUEST_URI");
	if (uri != NULL)
		return target_split_uri(uri, strlen(uri), &path, &len, &query,
		                        &qlen) == NULL &&
		       len == wlen && memcmp(path, want, len) == 0;
	/* Without REQUEST_URI the server's decoded pieces are all there is. */
	path = req_get0(r, "SCRIPT_NAME");
	len = strlen(path);
	return len <= wlen && memcmp(path, want, len) == 0 &&
	       strcmp(req_get0(r, "PATH_INFO"), want + len) == 0;
}

/* What a variable's presence or absence means for the gateway. */
struct var_note {
	const char *name;
	const char *present;
	const char *missing;
};

static const struct var_note var_notes[] = {
    {"HTTPS", "the client used TLS to reach this server",
     "plain http, or TLS ended in a proxy in front of this server"},
    {"REQUEST_SCHEME", "the scheme the client used",
     "the scheme is taken from HTTPS alone"},
    {"REQUEST_URI", "path and query as sent; the target is built from it",
     "the target falls back to SCRIPT_NAME + PATH_INFO + QUERY_STRING, "
     "which the server decoded"},
    {"SCRIPT_NAME", "where the server mapped the program",
     "the server mapped the program at the root"},
    {"PATH_INFO",
     "the rest of the path, decoded; used only without REQUEST_URI",
     "no path after the program's name"},
    {"QUERY_STRING", "the query, as sent", "no query"},
    {"SERVER_NAME", "the host name the server accepted; redirects use it",
     "redirects fall back to the Host header"},
    {"SERVER_PORT", "the port the client connected to", "not sent"},
    {"HTTP_HOST", "the Host header the client sent", "the client sent no Host"},
    {"REMOTE_ADDR",
     "the client's address; the relay appends it to X-Forwarded-For",
     "the client's address is unknown to the gateway"},
    {"SERVER_SOFTWARE", "the web server", "not sent"},
    {"GATEWAY_INTERFACE", "the CGI version", "not sent"},
};

/* A request value for the page: printable ASCII kept, every other byte
 * (control bytes included) as \xHH, cut to DIAGNOSE_VALUE_MAX. */
static const char *shown(const char *v, char *buf, size_t buflen)
{
	size_t n = strlen(v);

	return log_escape(buf, buflen, v,
	                  n > DIAGNOSE_VALUE_MAX ? DIAGNOSE_VALUE_MAX : n);
}

static void write_mode(FILE *f, const struct reqview *r)
{
	const char *role = req_get(r, "FCGI_ROLE");
	char esc[64];

	if (role != NULL)
		fprintf(f,
		        "mode: FastCGI (role %s): one process serves many "
		        "requests; SetEnv AGENT_* arrives with each request\n",
		        shown(role, esc, sizeof(esc)));
	else
		fprintf(f, "mode: CGI: one process per request; SetEnv AGENT_* "
		           "arrives in its environment\n");
}

static void write_auth(FILE *f, const struct reqview *r)
{
	const char *a = req_get(r, "HTTP_AUTHORIZATION");
	const char *ra = req_get(r, "REDIRECT_HTTP_AUTHORIZATION");

	/* The value is a credential: only its presence and length. */
	if (a != NULL)
		fprintf(f,
		        "HTTP_AUTHORIZATION: present (%zu bytes, value not "
		        "shown): the gateway sees it\n",
		        strlen(a));
	else if (ra != NULL)
		fprintf(
		    f,
		    "HTTP_AUTHORIZATION: present as "
		    "REDIRECT_HTTP_AUTHORIZATION "
		    "(%zu bytes, value not shown): the RewriteRule workaround "
		    "works; the relay forwards it\n",
		    strlen(ra));
	else
		fprintf(f,
		        "HTTP_AUTHORIZATION: missing. If this request carried "
		        "an Authorization header, the server hides it; fix "
		        "with one of\n"
		        "  CGIPassAuth On                  (Apache 2.4.13+, "
		        ".htaccess "
		        "or <Directory>; mod_cgi and mod_fcgid)\n"
		        "  FcgidPassHeader Authorization   (mod_fcgid, server "
		        "config)\n"
		        "  RewriteRule .* - "
		        "[E=HTTP_AUTHORIZATION:%%{HTTP:Authorization}]\n");
}

static void write_vars(FILE *f, const struct reqview *r)
{
	char esc[DIAGNOSE_VALUE_MAX * 4 + 8];
	size_t i;

	for (i = 0; i < sizeof(var_notes) / sizeof(var_notes[0]); i++) {
		const struct var_note *n = &var_notes[i];
		const char *v = req_get(r, n->name);

		if (v != NULL)
			fprintf(f, "%s = \"%s\"\n    %s\n", n->name,
			        shown(v, esc, sizeof(esc)), n->present);
		else
			fprintf(f, "%s: missing\n    %s\n", n->name,
			        n->missing);
	}
}

/* Names of the client's header fields as the server handed them over
 * (HTTP_*), never their values. */
static void write_header_names(FILE *f, const struct reqview *r)
{
	char esc[DIAGNOSE_VALUE_MAX * 4 + 8];
	unsigned listed = 0;
	size_t i;

	fprintf(f, "client header fields delivered (names only):");
	for (i = 0; r->envp != NULL && r->envp[i] != NULL; i++) {
		const char *e = r->envp[i], *eq = strchr(e, '=');

		if (strncmp(e, "HTTP_", 5) != 0 || eq == NULL)
			continue;
		if (listed++ == DIAGNOSE_HEADERS_MAX) {
			fprintf(f, " ...");
			break;
		}
		fprintf(f, " %s",
		        log_escape(esc, sizeof(esc), e, (size_t)(eq - e)));
	}
	fprintf(f, "%s\n", listed == 0 ? " none" : "");
}

static void write_settings(FILE *f, const struct diagnose_in *in)
{
	struct report rep = {f, 0, 0};
	char esc[SETTING_VALUE_MAX * 4 + 8];

	report_settings(&rep, in->s,
	                strcmp(in->program, "cgi-redirect") == 0 ? PROG_REDIRECT
	                                                         : PROG_RELAY);
	if (in->settings_error != NULL)
		fprintf(f, "error in this request's AGENT_* parameters: %s\n",
		        shown(in->settings_error, esc, sizeof(esc)));
}

void diagnose_write_body(FILE *f, const struct diagnose_in *in)
{
	fprintf(f,
	        "%s diagnose page (%s %s)\n"
	        "On because diagnose_path is set. It shows how this server "
	        "is set up: unset diagnose_path again when you are done.\n\n",
	        in->program, PACKAGE_NAME, PACKAGE_VERSION);
	fprintf(f, "== How the web server runs %s\n", in->program);
	write_mode(f, in->r);
	fprintf(f, "\n== CGI variables the web server delivered\n");
	write_auth(f, in->r);
	write_vars(f, in->r);
	write_header_names(f, in->r);
	fprintf(f, "\n== Effective settings (value, where it came from)\n");
	write_settings(f, in);
	fprintf(f, "\n== Agent\n");
	if (in->probe != NULL)
		in->probe(f, in->s);
	else
		fprintf(f, "not probed (%s does not contact the agent)\n",
		        in->program);
}

int diagnose_answer(const struct sink *out, const struct diagnose_in *in)
{
	char head[256], esc[64];
	char *body = NULL;
	size_t blen = 0;
	int n, rc = -1;
	FILE *f = open_memstream(&body, &blen);

	if (f == NULL)
		goto out;
	diagnose_write_body(f, in);
	if (fclose(f) != 0)
		goto out;
	log_info("diagnose page served to %s",
	         shown(req_get0(in->r, "REMOTE_ADDR"), esc, sizeof(esc)));
	n = snprintf(head, sizeof(head),
	             "Status: 200 OK\r\n"
	             "Content-Type: text/plain; charset=utf-8\r\n"
	             "Content-Length: %zu\r\n"
	             "Cache-Control: no-store\r\n"
	             "X-Content-Type-Options: nosniff\r\n\r\n",
	             blen);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    out->write(out->ctx, head, (size_t)n) < 0)
		goto out;
	if (strcmp(req_get0(in->r, "REQUEST_METHOD"), "HEAD") != 0 &&
	    out->write(out->ctx, body, blen) < 0)
		goto out;
	rc = 0;
out:
	free(body);
	return rc;
}
