/*
 * The only interface the portable xenstore core uses from its environment.
 * A host build implements it in xs_platform_host.c with libc; a service
 * domain's tiny runtime implements the same few functions. The core includes
 * nothing else but compiler-provided freestanding headers.
 */
#ifndef XS_PLATFORM_H
#define XS_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

/* Memory: xsp_alloc returns NULL when out of memory; xsp_free(NULL) is fine. */
void *xsp_alloc(size_t size);
void xsp_free(void *p);

/* Monotonic time in nanoseconds. */
uint64_t xsp_now_ns(void);

/* One log line (no trailing newline needed); printf-style %s %u %lu %d %x. */
void xsp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Standard memory/string functions, provided by the runtime under these names. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Barriers for shared rings (compiler builtins, no runtime support needed). */
#define xsp_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xsp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xsp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#endif
