/* The pages of a worker thread's stack below the frames in use: given
 * back to the kernel while a stream is quiet. */
#ifndef AG_STACKPAGES_H
#define AG_STACKPAGES_H

#include <stddef.h>

/* Notes the calling thread's stack bounds; only a thread that called it
 * (a worker the pool started) ever has pages released. 0, or -1 when the
 * bounds are unknown (release then does nothing). */
int stack_pages_init(void);

/* Gives back the pages of this thread's stack below the caller's frame,
 * keeping the page the caller's frame ends in and the one below it.
 * Returns the bytes released (0 for a thread without stack_pages_init). */
size_t stack_pages_release(void);

#endif
