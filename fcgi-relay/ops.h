/* The operator's paths of the relay: status page, ping and readiness,
 * answered by the relay itself, and the count of agent sockets. */
#ifndef AG_OPS_H
#define AG_OPS_H

#include <curl/curl.h>

#include "relay.h"

/* Every request passes here first and is counted as accepted. Answers
 * it when its path is status_path, ping_path or
 * ready_path of the process settings s (never a request's parameters):
 * RELAY_* bits as relay_serve returns them. -1: not one of them, or
 * ready_path while over_cap (the probe holds a worker for up to
 * READY_TIMEOUT_MS, so it waits its turn like a relayed request). */
int ops_serve(const struct settings *s, char *const *envp,
              const struct relay_io *io, int over_cap);

/* Makes libcurl count the sockets handle c opens and closes for the
 * status page's agent connections. */
void ops_count_agent_sockets(CURL *c);

/* A HEAD of the agent's prefix (the --check probe, selfcheck.c) given
 * timeout_ms: the HTTP status, or -1 when none came. */
long relay_agent_status(const struct settings *s, long timeout_ms);

#endif
