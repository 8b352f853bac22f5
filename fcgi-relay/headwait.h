/* The waiting room for connections whose request head has begun and is
 * not whole: they wait here, holding no worker, until the rest arrives
 * or request_head_timeout (a deadline for the whole head) passes. */
#ifndef AG_HEADWAIT_H
#define AG_HEADWAIT_H

#include "fcgiconn.h"

/* Hands a connection whose head became whole back to the pool (its
 * epoll set wakes a worker for it); -1: the caller closes it. */
typedef int (*headwait_ready_fn)(int fd);

/* Adds the set of waiting connections to the pool's epoll set ep,
 * one-shot, and starts the thread that keeps the deadlines. */
int headwait_open(int ep, long long timeout_ms, headwait_ready_fn ready);

/* Whether fd is the room's own (an event the pool passes on). */
int headwait_owns(int fd);

/* fd's head has begun (FCONN_PARTIAL): it waits here from now. -1: it
 * could not be added; the caller closes it. */
int headwait_add(int fd);

/* An event on the room's set: connections whose heads
 * became whole (or must go to libfcgi) go to the ready function, except
 * the first, which is returned for the caller to serve with what its
 * peek saw in *head (-1: none); those past their deadline and those the
 * peer closed are closed. */
int headwait_event(int fd, enum fconn_head *head);

/* While a worker has libfcgi read a head the pool could not judge whole
 * (FCONN_HANDOVER), a deadline still holds: the room keeps a duplicate
 * of fd (so the number cannot be reused under it) and shuts the socket
 * when request_head_timeout passes, which ends libfcgi's read. Returns
 * the guard for headwait_unguard, or -1 (none: the per-read timeout
 * alone bounds the reads). */
int headwait_guard(int fd);
/* Ends a guard: 1 when its deadline had passed (the socket is shut; the
 * request read from it, if any, is not to be served). */
int headwait_unguard(int guard);

/* At a stop: every waiting connection is shut, and none is let in. */
void headwait_shut_all(void);

#endif
