/* Freestanding basic types. */
#ifndef XTF_TYPES_H
#define XTF_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <xtf/config.h>

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define __noreturn     __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __aligned(n)   __attribute__((aligned(n)))
#define __used         __attribute__((used))
#define __weak         __attribute__((weak))
#define min(a, b)      ((a) < (b) ? (a) : (b))
#define max(a, b)      ((a) > (b) ? (a) : (b))
#define ACCESS_ONCE(x) (*(volatile typeof(x) *)&(x))

#endif /* XTF_TYPES_H */
