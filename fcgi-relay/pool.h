/* The worker pool: threads made on demand up to max_workers, retired when
 * idle, one wake-up per connection, and the process's signals. */
#ifndef AG_POOL_H
#define AG_POOL_H

#include "settings.h"

/* Blocks the signals the pool handles, in every thread to come. Call
 * first in main, before any thread exists. */
void pool_block_signals(void);

/* Undoes pool_block_signals (plain CGI: the default actions apply). */
void pool_unblock_signals(void);

/* The concurrency cap: max_workers, or derived from the descriptor and
 * thread limits (raising the soft descriptor limit to the hard one). */
int pool_cap(const struct settings *s);

/* The listen socket's accept queue (listen_queue in listen.h); -1 when
 * unknown, also in plain CGI mode, where there is none. */
int pool_listen_queue(unsigned *queued, unsigned *backlog);

/* For the status page: worker threads alive, of them idle, requests
 * being served, and the cap (all 0 before pool_run, under CGI). */
void pool_gauges(int *workers, int *idle, int *busy, int *cap);

/* Serves FastCGI connections accepted on listen_fd until SIGTERM, SIGINT,
 * SIGQUIT or SIGUSR1, then lets requests in flight finish for up to
 * shutdown_timeout (a second stop signal ends them at once). Removes
 * unlink_path (the --listen socket, or NULL) at the end. 0 on a stop
 * (also when it had to cut requests), 1 when it could not start. */
int pool_run(int listen_fd, const struct settings *s, const char *unlink_path);

#endif
