/* The pages of a worker thread's stack below the frames in use: given
 * back to the kernel while a stream is quiet. A request's deepest frames
 * (libfcgi reading the head, the peek buffer, libcurl connecting and
 * parsing the agent's head) touch four or five pages of the stack; the
 * wait of a quiet stream, in poll(2) under curl_easy_perform, uses the
 * two at the top. Without this the pages touched once stay with the
 * thread for as long as the stream lasts. */
#include "config.h"

#include "stackpages.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* This thread's stack, [lo, hi); 0: not a worker. */
static __thread uintptr_t t_stack_lo, t_stack_hi;

int stack_pages_init(void)
{
	pthread_attr_t attr;
	void *addr = NULL;
	size_t size = 0;
	int rc = -1;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return -1;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0) {
		t_stack_lo = (uintptr_t)addr;
		t_stack_hi = (uintptr_t)addr + size;
		rc = 0;
	}
	pthread_attr_destroy(&attr);
	return rc;
}

/* Bytes kept below this function's local: its own frame, madvise's
 * (a system call wrapper) and the 128-byte red zone of the System V ABI
 * fit many times over. */
#define STACK_KEEP_BELOW 1024

/* Not inlined: its frame is below every frame of its callers, so the
 * address of its local bounds what they use. The memory further down is
 * dead: no caller keeps data below its own frame, and no signal handler
 * runs on this stack (every signal is blocked in the workers:
 * pool_block_signals). The pages read as zeros when a deeper call
 * touches them again. */
__attribute__((noinline)) size_t stack_pages_release(void)
{
	volatile char here = 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (t_stack_lo + page - 1) & ~(page - 1);
	uintptr_t hi = ((uintptr_t)&here - STACK_KEEP_BELOW) & ~(page - 1);

	/* a sanitizer may keep locals off the stack (a fake stack): then
	 * the local's address says nothing about the frames in use */
	if (t_stack_lo == 0 || (uintptr_t)&here <= t_stack_lo ||
	    (uintptr_t)&here >= t_stack_hi || hi <= lo)
		return 0;
	if (madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0)
		return 0;
	return (size_t)(hi - lo);
}
