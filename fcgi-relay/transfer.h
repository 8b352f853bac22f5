/* The transfer to the agent with libcurl: one bounded keep-alive pool of
 * agent connections for the whole process, lent to requests. */
#ifndef AG_TRANSFER_H
#define AG_TRANSFER_H

#include <curl/curl.h>

#include "relay.h"

/* Sends the planned request (q->p) and streams the answer to the client
 * through answer.c; retries once where that is safe. Sets q->detail for
 * failures libcurl's code does not explain. */
CURLcode transfer_run(struct relay_req *q);

/* Idle handles that keep an agent connection (for the status page). */
int transfer_idle_agents(void);

/* Closes every idle agent connection (at exit). */
void transfer_cleanup(void);

#endif
