/* fcgi-relay: the command line and the choice of mode (FastCGI on fd 0,
 * --listen, plain CGI). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "listen.h"
#include "log.h"
#include "ops.h"
#include "pool.h"
#include "relay.h"
#include "reload.h"
#include "stats.h"
#include "transfer.h"

extern char **environ;

/* ---- plain CGI: one request on stdin and stdout ---- */

static long cgi_read(void *ctx, char *buf, size_t n)
{
	ssize_t got;

	(void)ctx;
	do
		got = read(STDIN_FILENO, buf, n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -1 : (long)got;
}

static int cgi_out_fd = STDOUT_FILENO;

static int serve_cgi(const struct settings *s)
{
	struct relay_worker rw;
	struct relay_io io;
	int r;

	io.read = cgi_read;
	io.rctx = NULL;
	io.out.write = sink_fd_write;
	io.out.ctx = &cgi_out_fd;
	io.hold = NULL;
	io.flush = NULL;
	io.peer_fd = STDOUT_FILENO;
	io.half_close_is_gone = 0;
	io.cgi = 1;
	io.answered = NULL; /* one request per process: no count */
	io.actx = NULL;
	if ((r = ops_serve(s, environ, &io, 0)) >= 0)
		return (r & RELAY_CUT) ? 1 : 0;
	if (relay_worker_init(&rw, s) < 0) {
		log_msg("out of memory");
		response_error(&io.out, 500, "gateway misconfigured", 0);
		return 1;
	}
	r = relay_serve(&rw, environ, &io);
	relay_worker_free(&rw);
	transfer_cleanup();
	return (r & RELAY_CUT) ? 1 : 0;
}

/* ---- FastCGI ---- */

/* Whether fd 0 is a listening socket (the web server spawned us with
 * FCGI_LISTENSOCK_FILENO), as libfcgi's FCGX_IsCGI tells it. */
static int spawned_fastcgi(void)
{
	int listening = 0;
	socklen_t len = sizeof(listening);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ==
	           0 &&
	       listening;
}

static int serve_fastcgi(const struct settings *s)
{
	const char *listen_on = settings_str(s, SET_LISTEN);
	const char *why = reload_unusable(s);
	int fd;

	if (why != NULL) {
		log_msg("%s: refusing to start", why);
		return 1;
	}
	if (!settings_isset(s, SET_AGENT_URL))
		log_warning("agent_url is not set: every request must bring "
		            "AGENT_URL as a parameter");
	if (listen_on[0] == '\0')
		return pool_run(0, s, NULL); /* FCGI_LISTENSOCK_FILENO */
	if ((fd = listen_open(listen_on)) < 0)
		return 1;
	log_info("listening on %s", listen_on);
	return pool_run(fd, s, listen_on[0] == '/' ? listen_on : NULL);
}

/* ---- the command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: fcgi-relay [--check] [--KEY VALUE | --KEY=VALUE ...]\n"
	        "       fcgi-relay --help | --version\n\n"
	        "Relays each request to the agent (agent_url) and streams the "
	        "answer\n"
	        "back. Runs as a FastCGI application spawned by the web server "
	        "(listen\n"
	        "socket on fd 0), standalone with --listen HOST:PORT or "
	        "--listen /path,\n"
	        "or as a plain CGI program.\n\n");
	settings_print_help(f, PROG_RELAY);
	fprintf(
	    f, "\n  --check            validate the settings, print them with "
	       "their\n"
	       "                     source, try the agent; exit 1 on error\n");
}

static int is_cgi_request(void)
{
	return getenv("GATEWAY_INTERFACE") != NULL &&
	       getenv("REQUEST_METHOD") != NULL;
}

static int run(const struct settings *s, int argc, char **argv)
{
	stats_start();
	if (settings_isset(s, SET_LISTEN) || spawned_fastcgi()) {
		if (reload_init(s, argc, argv) < 0) {
			log_msg("out of memory");
			return 1;
		}
		return serve_fastcgi(s);
	}
	if (is_cgi_request()) {
		pool_unblock_signals();
		return serve_cgi(s);
	}
	fprintf(stderr,
	        "fcgi-relay: no FastCGI socket on fd 0, no --listen and "
	        "no CGI request (GATEWAY_INTERFACE unset); see --help\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct settings settings;
	struct cli_flags cli;
	char err[512];
	int rc;

	log_init("fcgi-relay");
	/* Before any thread: the signal thread alone takes them. */
	pool_block_signals();
	/* As a plain CGI program the command line is the client's: Apache
	 * hands a query without '=' over as argv words (RFC 3875 §4.4), and
	 * "?--agent-url+http://evil/" must not become a setting. Under
	 * FastCGI (a socket on fd 0) argv is the operator's. */
	if (is_cgi_request() && !spawned_fastcgi())
		argc = 1;
	if (settings_startup(&settings, &cli, argc, argv, environ, err,
	                     sizeof(err)) < 0) {
		log_msg("%s", err);
		if (is_cgi_request() && !cli.check) {
			int fd = STDOUT_FILENO;
			struct sink out = {sink_fd_write, &fd};

			response_error(&out, 500, "gateway misconfigured", 0);
			return 0;
		}
		return 1;
	}
	if (cli.help) {
		usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("fcgi-relay (%s) %s\n%s\n", PACKAGE_NAME,
		       PACKAGE_VERSION, curl_version());
		return 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg("curl_global_init failed");
		return 1;
	}
	if (cli.check)
		rc = relay_check(&settings, stdout);
	else
		rc = run(&settings, argc, argv);
	curl_global_cleanup();
	return rc;
}
