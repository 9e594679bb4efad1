/* Host implementation of xs_platform.h on top of libc. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "xs_platform.h"

int xsp_host_quiet; /* set to suppress core log lines (unit tests) */

void *xsp_alloc(size_t size)
{
    return malloc(size);
}

void xsp_free(void *p)
{
    free(p);
}

uint64_t xsp_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void xsp_log(const char *fmt, ...)
{
    va_list ap;

    if (xsp_host_quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
