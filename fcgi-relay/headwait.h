/* The waiting room for connections whose request head has begun and is
 * not whole: they wait here, holding no worker, until the rest arrives
 * or request_head_timeout (a deadline for the whole head) passes. */
#ifndef AG_HEADWAIT_H
#define AG_HEADWAIT_H

/* Hands a connection whose head became whole back to the pool (its
 * epoll set wakes a worker for it); -1: the caller closes it. */
typedef int (*headwait_ready_fn)(int fd);

/* Adds its two descriptors (the set of waiting connections, a timer) to
 * the pool's epoll set ep, one-shot. */
int headwait_open(int ep, long long timeout_ms, headwait_ready_fn ready);

/* Whether fd is one of the room's own (an event the pool passes on). */
int headwait_owns(int fd);

/* fd's head has begun (FCONN_PARTIAL): it waits here from now. -1: it
 * could not be added; the caller closes it. */
int headwait_add(int fd);

/* One event on one of the room's descriptors: connections whose heads
 * became whole go to the ready function, except the first, which is
 * returned for the caller to serve (-1: none); those past their deadline
 * and those the peer closed are closed. */
int headwait_event(int fd);

/* At a stop: every waiting connection is shut. */
void headwait_shut_all(void);

#endif
