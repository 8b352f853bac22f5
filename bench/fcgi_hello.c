/* bench fcgi_hello: the least a libfcgi responder can do, to separate the
 * web server's FastCGI path from the relay's own cost. Answers
 * /large with 256 KiB and anything else with 100 bytes, through libfcgi's
 * stream (8 KiB records), with the relay's 16 KiB SO_SNDBUF.
 *
 *   fcgi_hello [--threads N] [--listen HOST:PORT|/path]
 *
 * Without --listen it serves the socket on fd 0 (lighttpd bin-path,
 * mod_fcgid). Benchmark tool only. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fcgiapp.h>

#define SMALL_SIZE 100
#define LARGE_SIZE (256 * 1024)
#define SNDBUF     16384

static char g_body[LARGE_SIZE];
static int g_fd;

static void *worker(void *arg)
{
	FCGX_Request req;
	int sndbuf = SNDBUF;

	(void)arg;
	if (FCGX_InitRequest(&req, g_fd, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&req) == 0) {
		const char *uri = FCGX_GetParam("REQUEST_URI", req.envp);
		int n = uri != NULL && strcmp(uri, "/large") == 0 ? LARGE_SIZE
		                                                  : SMALL_SIZE;
		char buf[4096];

		setsockopt(req.ipcFd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		           sizeof(sndbuf));
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			;
		FCGX_FPrintF(req.out,
		             "Status: 200 OK\r\n"
		             "Content-Type: application/octet-stream\r\n"
		             "Content-Length: %d\r\n\r\n",
		             n);
		FCGX_PutStr(g_body, n, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *listen_on = NULL;
	int threads = 1, i;
	pthread_t *tids;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--threads") == 0)
			threads = (int)strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--listen") == 0)
			listen_on = argv[i + 1];
	}
	if (threads < 1 || threads > 256)
		threads = 1;
	memset(g_body, 'x', sizeof(g_body));
	if (FCGX_Init() != 0)
		return 1;
	if (listen_on != NULL) {
		mode_t old = umask(0);

		g_fd = FCGX_OpenSocket(listen_on, 128);
		umask(old);
		if (g_fd < 0)
			return 1;
	}
	tids = calloc((size_t)threads, sizeof(*tids));
	if (tids == NULL)
		return 1;
	for (i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, worker, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
