/* fcgi-relay's side of the diagnose page: the hook relay_serve calls
 * first, and the agent probe it shares with --check. */
#ifndef AG_DIAGHOOK_H
#define AG_DIAGHOOK_H

#include <stdio.h>

#include "relay.h"

/* Answers the request with the diagnose page when its path is
 * diagnose_path (process setting or this request's AGENT_* parameter,
 * already applied to q->s; settings_error: a parameter that was not):
 * RELAY_* bits as relay_serve returns them. -1: not the diagnose path,
 * serve the request as usual. */
int relay_diagnose(struct relay_req *q, const char *settings_error);

/* The --check agent probe (a HEAD of the agent's prefix) with its result
 * written to f (selfcheck.c). */
void relay_probe_agent(FILE *f, const struct settings *s);

#endif
