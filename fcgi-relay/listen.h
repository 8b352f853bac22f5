/* The listening socket: opened for --listen, or inherited on fd 0, and
 * the options every FastCGI connection needs. */
#ifndef AG_LISTEN_H
#define AG_LISTEN_H

/* Opens "HOST:PORT" or an absolute Unix socket path; -1 (logged). */
int listen_open(const char *spec);

/* Sets on the listening socket what its connections inherit (TCP); for
 * a Unix socket, whose connections inherit nothing, remembers to set it
 * on each (listen_conn_input). Makes accept non-blocking. */
void listen_prepare(int fd, long long head_timeout_ms);

/* Per accepted connection: FCGI_WEB_SERVER_ADDRS. 0, or -1 when the
 * peer is not allowed. */
int listen_conn(int fd);

/* The receive timeout a Unix socket did not pass on. Needed only before
 * a read that may wait (fcgiconn.c: not when the peek saw the whole
 * request stream). */
void listen_conn_input(int fd);

/* The send options a Unix socket did not pass on (small send buffer,
 * send timeout). Needed only once an answer could fill the socket's
 * buffer, so a small answer costs no system call for them (fcgiconn.c
 * calls this before its first FCGI_OUTPUT_TUNE_AT bytes). */
void listen_conn_output(int fd);

/* How many connections wait in fd's accept queue and how many it holds
 * at most, as the kernel reports them: TCP_INFO for TCP, the
 * sock_diag netlink interface for a Unix socket. 0, or -1 when it
 * cannot tell (another family, no unix_diag in the kernel). */
int listen_queue(int fd, unsigned *queued, unsigned *backlog);

#endif
