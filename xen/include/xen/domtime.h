/* Where a domain's creation and destruction time goes (common/domtime.c):
 * domain.c marks the steps; at each destruction (or restart) one line
 *   domtime: d<id> '<name>' populate_ns=.. load_ns=.. vcpus_ns=..
 *   first_run_ns=.. destroy_ns=.. total_ns=.. sync_scrub_pages=..
 * is printed for xen/test/bench/bench-domain to parse. */
#ifndef XEN_DOMTIME_H
#define XEN_DOMTIME_H

#include <xen/time.h>

struct domain;

enum domtime_mark {
    DOMTIME_BUILD,     /* domain_build() starts */
    DOMTIME_POPULATED, /* RAM allocated, zeroed and mapped */
    DOMTIME_LOADED,    /* ELF image and start info written */
    DOMTIME_READY,     /* vCPUs and per-domain state set up: runnable */
    DOMTIME_DESTROY,   /* domain_free_resources() starts */
    DOMTIME_DESTROYED, /* every frame returned: the line is printed */
    DOMTIME_NR
};

/* Kept in struct domain. */
struct domtime {
    s_time_t at[DOMTIME_NR];
    s_time_t runnable_at_ready;   /* vCPU 0's runnable account at READY */
    s_time_t runnable_at_destroy; /* and at DESTROY */
    unsigned long sync_before, sync_after;
};

void domtime_mark(struct domain *d, enum domtime_mark m);

#endif
