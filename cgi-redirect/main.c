/* cgi-redirect: a CGI program that sends each visitor to the agent with a
 * 3xx answer. It is executed once per request, so it links only libc and
 * reads no file unless a config file is named. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "selfcheck.h"
#include "diagnose.h"
#include "drain.h"
#include "log.h"
#include "redirect.h"
#include "response.h"
#include "settings.h"

extern char **environ;

static int out_fd = STDOUT_FILENO;
static const struct sink out = {sink_fd_write, &out_fd};

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: cgi-redirect [--check] [--KEY VALUE | --KEY=VALUE ...]\n"
	       "       cgi-redirect --help | --version\n\n"
	       "Run by a web server as a CGI program: answers each request "
	       "with a\n"
	       "redirect (Status: 302/307 and Location) to the agent.\n\n");
	settings_print_help(f, PROG_REDIRECT);
	fprintf(f, "\n  --check            validate the settings, print them "
	           "with their\n"
	           "                     source, warn about unreachable "
	           "redirects; exit 1 on error\n");
}

static long stdin_read(void *ctx, char *buf, size_t n)
{
	ssize_t got;

	(void)ctx;
	do
		got = read(STDIN_FILENO, buf, n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -1 : (long)got;
}

/* Apache mod_cgid can drop the answer of a program that exits without
 * reading its request body, so read and discard it (drain.h bounds it).
 * Returns -1 for a CONTENT_LENGTH that is not a plain decimal number. */
static int drain_body(const struct reqview *r)
{
	struct drain_body b;

	if (drain_body_init(&b, r) < 0)
		return -1;
	drain_rest(DRAIN_CGI, &b, stdin_read, NULL);
	return 0;
}

static int write_redirect(const struct redirect *rd, int head_only)
{
	/* Static, not on the stack: start-up is this program's speed, and a
	 * large stack frame is probed page by page (stack clash protection)
	 * while untouched .bss pages cost nothing. */
	static char esc[LOCATION_LINE_MAX * 6];
	static char body[sizeof(esc) * 2 + 256];
	static char head[LOCATION_LINE_MAX + 512];
	int blen = 0, hlen;

	if (html_escape(esc, sizeof(esc), rd->location, rd->location_len) < 0)
		return -1;
	blen = snprintf(body, sizeof(body),
	                "<!DOCTYPE html>\n<title>%d %s</title>\n"
	                "<p>The agent is at <a href=\"%s\">%s</a>.</p>\n",
	                rd->status, status_reason(rd->status), esc, esc);
	if (blen < 0 || (size_t)blen >= sizeof(body))
		return -1;
	/* An explicit Status: always; without it Apache invents 302 and
	 * treats Location on a 200 as an internal redirect (RFC 3875 §6.2). */
	hlen =
	    snprintf(head, sizeof(head),
	             "Status: %d %s\r\nLocation: %s\r\n"
	             "Content-Type: text/html; charset=utf-8\r\n"
	             "Content-Length: %d\r\nCache-Control: no-store\r\n\r\n",
	             rd->status, status_reason(rd->status), rd->location, blen);
	if (hlen < 0 || (size_t)hlen >= sizeof(head))
		return -1;
	if (out.write(out.ctx, head, (size_t)hlen) < 0)
		return -1;
	return head_only ? 0 : out.write(out.ctx, body, (size_t)blen);
}

static int serve(const struct settings *s)
{
	struct reqview r = {environ};
	struct redirect rd;
	const char *err;
	char esc[LOG_URI_MAX];
	int head_only = strcmp(req_get0(&r, "REQUEST_METHOD"), "HEAD") == 0;

	if (drain_body(&r) < 0) {
		log_error("400 bad CONTENT_LENGTH for %s",
		          req_log_target(&r, esc, sizeof(esc)));
		return response_error(&out, 400, "invalid Content-Length",
		                      head_only) < 0;
	}
	if (diagnose_match(s, &r)) {
		struct diagnose_in in = {"cgi-redirect", s, &r, NULL, NULL};

		return diagnose_answer(&out, &in) < 0;
	}
	err = redirect_build(s, &r, &rd);
	if (err != NULL) {
		log_error("%d %s: %s", rd.status,
		          req_log_target(&r, esc, sizeof(esc)), err);
		/* A settings problem is the operator's: the client gets no
		 * detail. */
		return response_error(&out, rd.status,
		                      rd.status == 500 ? "gateway misconfigured"
		                                       : err,
		                      head_only) < 0;
	}
	return write_redirect(&rd, head_only) < 0;
}

int main(int argc, char **argv)
{
	struct settings s;
	struct cli_flags cli;
	char err[512];
	int is_cgi = getenv("GATEWAY_INTERFACE") != NULL &&
	             getenv("REQUEST_METHOD") != NULL;

	log_init("cgi-redirect");
	/* Under CGI the command line is the client's: a query without '=' is
	 * handed over as argv words (RFC 3875 §4.4, Apache does so), and
	 * "?--public-url+http://evil/" must not become a setting. */
	if (is_cgi)
		argc = 1;
	if (settings_startup(&s, &cli, argc, argv, environ, err, sizeof(err)) <
	    0) {
		log_error("%s", err);
		if (is_cgi && !cli.check)
			response_error(&out, 500, "gateway misconfigured", 0);
		return cli.check || !is_cgi ? 1 : 0;
	}
	if (cli.help) {
		usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("cgi-redirect (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (cli.check)
		return check_redirect(&s, argv[0], stdout);
	if (!is_cgi) {
		fprintf(stderr, "cgi-redirect: not started as a CGI program "
		                "(GATEWAY_INTERFACE and REQUEST_METHOD unset); "
		                "see --help\n");
		return 2;
	}
	return serve(&s);
}
