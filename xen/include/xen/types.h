/* Basic types for the hypervisor and for code shared with host tools.
 * Only the compiler's freestanding headers are used, so the same sources build
 * inside the hypervisor (-ffreestanding -nostdinc) and in host unit tests. */
#ifndef XEN_TYPES_H
#define XEN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef uint64_t paddr_t;
typedef uint64_t mfn_t;
typedef long ssize_t;

#define ARRAY_SIZE(a)         (sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a)         (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define ROUNDDOWN(x, a)       ((x) & ~((__typeof__(x))(a)-1))
#define MIN(a, b)             ((a) < (b) ? (a) : (b))
#define MAX(a, b)             ((a) > (b) ? (a) : (b))
#define BUILD_BUG_ON(c)       _Static_assert(!(c), #c)
#define container_of(p, t, m) ((t *)((char *)(p)-offsetof(t, m)))
#define likely(x)             __builtin_expect(!!(x), 1)
#define unlikely(x)           __builtin_expect(!!(x), 0)
#define __packed              __attribute__((packed))
#define __aligned(a)          __attribute__((aligned(a)))
#define __noreturn            __attribute__((noreturn))
#define __used                __attribute__((used))
#define __section(s)          __attribute__((section(s)))
#define __printf(f, a)        __attribute__((format(printf, f, a)))

#endif
