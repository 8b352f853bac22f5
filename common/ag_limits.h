/* Every size and time bound of agent-gateway, in one place. */
#ifndef AG_AG_LIMITS_H
#define AG_AG_LIMITS_H

/* Longest value a setting may hold (URLs and paths included). */
#define SETTING_VALUE_MAX 1024

/* Longest config file line; longer lines are an error, not truncated. */
#define CONFIG_LINE_MAX 4096

/* Start-up warnings kept for --check (deprecated or unknown names); more
 * are dropped, and one line each is enough to name the problem. */
#define SETTINGS_NOTES_MAX 16
#define SETTINGS_NOTE_LEN  256

/* Longest target (path + query) sent to the agent or put in a Location.
 * Apache reads CGI header lines into MAX_STRING_LEN (8192) and parses the
 * rest of a longer line as a new header, so a Location line must stay
 * below that with room for "Location: " and the base URL. */
#define TARGET_MAX 7168

/* Longest Location line a program writes (name, value, CR LF). */
#define LOCATION_LINE_MAX 8190

/* Longest host name (RFC 1035 §2.3.4) and label. */
#define HOST_NAME_MAX_LEN  253
#define HOST_LABEL_MAX_LEN 63

/* Longest request method token the relay forwards. */
#define METHOD_MAX 32

/* Request body a CGI program (cgi-redirect, fcgi-relay as CGI) reads and
 * discards when it answers without using it: Apache mod_cgid loses the
 * answer of a program that exits with its body unread. One request per
 * process, so the bounds are generous; beyond them the answer goes out
 * anyway (and may be lost). A read that blocks is bounded by the web
 * server's own timeout (Apache Timeout, lighttpd server.max-read-idle). */
#define CGI_DRAIN_MAX (64LL * 1024 * 1024)
#define CGI_DRAIN_MS  30000

/* Logged request URIs are escaped and cut to this many bytes. */
#define LOG_URI_MAX 512

/* fcgi-relay: request headers sent to the agent. A single header line and
 * the whole set are capped like Apache's LimitRequestFieldSize (8190) and a
 * generous LimitRequestFields; above them the client gets 431. */
#define REQ_HEADER_LINE_MAX  8190
#define REQ_HEADERS_MAX      (64 * 1024)
#define REQ_HEADER_COUNT_MAX 200

/* fcgi-relay: a client's X-Request-Id is kept when it is 1 to this many
 * bytes of [A-Za-z0-9._:+/=-] (enough for a UUID, a W3C trace id or a
 * base64 digest; nothing a log line or a header would need to escape).
 * One the relay makes is REQUEST_ID_NEW_LEN hex digits. */
#define REQUEST_ID_MAX     128
#define REQUEST_ID_NEW_LEN 32

/* fcgi-relay: the agent's response head. A line must stay below Apache's
 * CGI header line buffer (MAX_STRING_LEN 8192 with CR LF); the head as a
 * whole is capped like lighttpd's backend heads. */
#define RESP_LINE_MAX         8189
#define RESP_HEAD_MAX         (64 * 1024)
#define RESP_HEADER_COUNT_MAX 200

/* fcgi-relay: Connection tokens remembered per request. */
#define CONN_TOKENS_MAX 16

/* fcgi-relay under FastCGI: request body bytes read and thrown away after
 * an early answer (400/413/502 before the body was used) so a kept FastCGI
 * connection stays in step; beyond this the connection is closed, which
 * the FastCGI web servers handle (the worker is needed elsewhere). */
#define RELAY_DRAIN_MAX (1024LL * 1024)

/* ... and for at most this long; then the connection is closed instead. */
#define RELAY_DRAIN_MS 1000

/* After an answer whose request body was left unread, how long the relay
 * keeps reading (and dropping) before it closes, so the close does not
 * turn into a reset that destroys the answer in flight. libfcgi's own
 * close waits for 2 s of silence, which a slow uploader never gives. */
#define CLOSE_LINGER_MS      100
#define CLOSE_LINGER_POLL_MS 10

/* fcgi-relay: how long a request loop (agent_url leading back to the
 * relay, seen by its Via) is answered 508 without asking the agent. */
#define VIA_LOOP_MEMORY_MS 30000

/* fcgi-relay: --check gives the agent this long to answer. */
#define CHECK_TIMEOUT_MS 3000

/* fcgi-relay: longest blocking read or write on the web server's FastCGI
 * connection, so a stalled peer cannot pin a worker for ever. */
#define FCGI_IO_TIMEOUT_S 300

/* fcgi-relay: send buffer of a FastCGI connection: small, so lighttpd
 * streams a large body instead of spilling it to temp files. */
#define FCGI_SNDBUF 16384

/* fcgi-relay: management records (FCGI_GET_VALUES) a connection may
 * send in a row before a request; a web server sends one. Past it the
 * connection is closed, so one peer cannot keep a worker answering. */
#define FCGI_MANAGEMENT_IN_A_ROW 16

/* fcgi-relay: backlog of a --listen socket. */
#define LISTEN_BACKLOG 128

/* fcgi-relay: pause after accept() fails for lack of descriptors (EMFILE,
 * ENFILE), doubling up to the maximum. */
#define ACCEPT_BACKOFF_MIN_MS 10
#define ACCEPT_BACKOFF_MAX_MS 1000

/* fcgi-relay: the most requests served at once when max_workers is 0
 * and the descriptor and thread limits allow more. */
#define MAX_WORKERS_AUTO 4096

/* fcgi-relay: idle workers kept (at start and when load falls), and how
 * long a worker beyond them may stay idle before it ends. */
#define WORKER_SPARE   2
#define WORKER_IDLE_MS 10000

/* fcgi-relay: stack of a worker thread. Requests use a few tens of KiB
 * (the largest frames are libcurl's and OpenSSL's); only touched pages
 * cost memory. Sanitizers need more. */
#if defined(__SANITIZE_ADDRESS__)
#define WORKER_STACK_SIZE (4L * 1024 * 1024)
#else
#define WORKER_STACK_SIZE (256L * 1024)
#endif

/* fcgi-relay: an answer whose agent has been silent this long is taken
 * for a quiet event stream: its request's scratch buffers are given back. */
#define QUIET_STREAM_MS 1000

/* fcgi-relay: idle agent connections kept for reuse by the whole
 * process (each lent to one request at a time); more are closed when
 * their request ends. */
#define AGENT_KEEPALIVE_MAX 32

/* fcgi-relay: Retry-After seconds of a 503 when every worker is busy. */
#define BUSY_RETRY_AFTER_S 1

/* fcgi-relay: the ready_path probe gives the agent this long to answer;
 * a load balancer's health check usually waits a few seconds. */
#define READY_TIMEOUT_MS 2000

/* fcgi-relay: Retry-After seconds of a 503 from ready_path. */
#define READY_RETRY_AFTER_S 5

/* fcgi-relay: the status page, in any of its formats. */
#define STATS_PAGE_MAX 8192

/* fcgi-relay: how often the progress callback looks at the clock, and
 * polls the client connection for a hang-up while the agent is silent. */
#define HUP_POLL_MS 250

/* libcurl's receive buffer (default 16 KiB): each read hands the relay
 * one piece, and each piece costs a write to the web server, so large
 * answers move in 256 KiB pieces (64 KiB FastCGI records). libcurl 7.88
 * allocates it for each transfer and frees it at the transfer's end, so
 * it costs a quiet stream only the pages written and an idle handle
 * nothing. */
#define AGENT_RECV_BUFFER (256 * 1024)
/* libcurl's upload buffer (its default, stated): the most one read of
 * the request body hands to libcurl, one send to the agent. Larger did
 * not move uploads faster and would cost every worker that uploads. */
#define AGENT_SEND_BUFFER (64 * 1024)

/* Diagnose page: bytes of one request value shown (longer ones are cut
 * with "..."), and client header names listed. */
#define DIAGNOSE_VALUE_MAX   512
#define DIAGNOSE_HEADERS_MAX 64

#endif
